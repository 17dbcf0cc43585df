package io.github.branchwise.runtime.engine;

import io.github.branchwise.runtime.internal.InputSpec;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The check of an input of integer ids ({@code InputType.INT}): every value a whole number in
 * {@code [0, vocabulary)}, converted to the placeholder's 32-bit integers. An embedding looks ids up with a one-hot
 * product, so an id outside its table would not crash but silently read a row of zeros; a float that is not a whole
 * number would be truncated. Both are refused here, naming the input, the row and the value.
 */
final class IdCheck {
    /** Ids 32-bit integers can hold, when no vocabulary bounds them. */
    private static final long INT_RANGE = 1L << 31;

    /**
     * Where the ids of one input must lie.
     *
     * @param vocabulary ids lie in {@code [0, vocabulary)}
     * @param source     why, for messages, e.g. {@code the vocabulary of embedding 'encoder/embedding_0'}
     */
    record Bound(long vocabulary, String source) {
        /** The tighter of two bounds; either may be null. */
        static Bound tighter(Bound a, Bound b) {
            if (a == null) {
                return b;
            }
            return b == null || a.vocabulary <= b.vocabulary ? a : b;
        }

        /** The bound an input declares itself, or null. */
        static Bound declared(InputSpec input) {
            return input.vocabulary() > 0
                    ? new Bound(input.vocabulary(), "the vocabulary @Input declares") : null;
        }
    }

    private IdCheck() {
    }

    /**
     * Checks {@code array}, already of the right shape, and returns it as INT.
     *
     * @param bound null when neither the input nor an embedding bounds the ids
     * @throws IllegalArgumentException naming {@code what}, the first bad row, its position and value
     */
    static INDArray check(String model, String what, INDArray array, Bound bound) {
        long upper = bound == null ? INT_RANGE : bound.vocabulary();
        DataType type = array.dataType();
        double min;
        double max;
        boolean integral = true;
        boolean finite = true;
        ArrayScan.Stats stats = type.isFPType() ? ArrayScan.scan(array) : null;
        if (stats != null) {
            min = stats.min();
            max = stats.max();
            integral = stats.integral();
            finite = stats.finite();
        } else {
            min = array.minNumber().doubleValue();
            max = array.maxNumber().doubleValue();
            if (type.isFPType()) {
                finite = ArrayScan.allFinite(array);
                integral = finite && array.dup().castTo(DataType.DOUBLE).fmod(1.0).amaxNumber().doubleValue() == 0;
            }
        }
        if (finite && integral && min >= 0 && max < upper) {
            return type == DataType.INT ? array : array.castTo(DataType.INT);
        }
        double[] values = array.dup('c').castTo(DataType.DOUBLE).data().asDouble();
        for (int i = 0; i < values.length; i++) {
            double v = values[i];
            if (!(v >= 0 && v < upper && v == Math.rint(v))) {
                long[] at = coordinates(array.shape(), i);
                String range = "[0, " + upper + ")" + (bound == null ? " (32-bit integers)" : " (" + bound.source()
                        + ")");
                String value = v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
                throw new IllegalArgumentException(model + ": " + what + " must hold integer ids in " + range
                        + ", but row " + at[0] + " holds " + value + " at " + Arrays.toString(at)
                        + (v == Math.rint(v) ? "" : ", which is not a whole number"));
            }
        }
        // The reductions saw a value the exact scan does not (cannot happen): convert as the happy path does.
        return array.castTo(DataType.INT);
    }

    /** The coordinates of the {@code flat}-th element in C order. */
    static long[] coordinates(long[] shape, long flat) {
        long[] at = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            at[d] = flat % shape[d];
            flat /= shape[d];
        }
        return at;
    }
}

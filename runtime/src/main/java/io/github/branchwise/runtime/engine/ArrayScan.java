package io.github.branchwise.runtime.engine;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One pass over a contiguous FLOAT or DOUBLE array in Java: finiteness, minimum, maximum and whether every value is
 * an integer. ND4J's scalar reductions ({@code sumNumber}, {@code minNumber}) pay a fixed op setup and result
 * allocation each, which dominated small training steps (seven of them per batch of the seed model); reading the
 * native buffer directly costs a few nanoseconds per value (docs/performance.md, "Measurements behind the code").
 * Arrays of other layouts return null: use the reductions.
 */
public final class ArrayScan {
    /** The results of a scan; min and max ignore NaN. */
    record Stats(boolean finite, double min, double max, boolean integral) {
    }

    private ArrayScan() {
    }

    /** The statistics of {@code array}, or null when it is not a contiguous FLOAT or DOUBLE array. */
    static Stats scan(INDArray array) {
        if (array.isEmpty()) {
            return null;
        }
        ByteBuffer bytes = hostBytes(array);
        if (bytes == null) {
            return null;
        }
        DataType type = array.dataType();
        int offset = Math.toIntExact(array.offset());
        int n = (int) array.length();
        boolean finite = true;
        boolean integral = true;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        if (type == DataType.FLOAT) {
            FloatBuffer b = bytes.asFloatBuffer();
            if (b.limit() < offset + n) {
                return null;
            }
            for (int i = offset; i < offset + n; i++) {
                float v = b.get(i);
                if (Float.isNaN(v) || Float.isInfinite(v)) {
                    finite = false;
                    continue;
                }
                min = Math.min(min, v);
                max = Math.max(max, v);
                integral &= v == Math.rint(v);
            }
        } else {
            DoubleBuffer b = bytes.asDoubleBuffer();
            if (b.limit() < offset + n) {
                return null;
            }
            for (int i = offset; i < offset + n; i++) {
                double v = b.get(i);
                if (!Double.isFinite(v)) {
                    finite = false;
                    continue;
                }
                min = Math.min(min, v);
                max = Math.max(max, v);
                integral &= v == Math.rint(v);
            }
        }
        return new Stats(finite, min, max, integral);
    }

    /**
     * Whether every value of {@code array} is finite; falls back to ND4J for other layouts.
     *
     * <p>Not {@code scan(array).finite()}: the trainer asks this of every input and every gradient of every step,
     * and the full statistics (min, max, {@code rint}) cost about ten times as much per value. A value is not
     * finite exactly when its exponent bits are all ones; adding one to the exponent field then carries into the
     * sign bit, so OR-ing {@code (bits & EXP) + EXP_ONE} over the array is negative exactly when some value is NaN
     * or infinite: a branch-free integer loop (timings in docs/performance.md, "Measurements behind the code").
     */
    public static boolean allFinite(INDArray array) {
        Boolean finite = finiteByBits(array);
        if (finite != null) {
            return finite;
        }
        if (Double.isFinite(array.sumNumber().doubleValue())) {
            return true;
        }
        for (double v : array.dup().castTo(DataType.DOUBLE).data().asDouble()) {
            if (!Double.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    /** The bit test of {@link #allFinite} on a contiguous FLOAT or DOUBLE array; null for other arrays. */
    private static Boolean finiteByBits(INDArray array) {
        if (array.isEmpty()) {
            return true;
        }
        ByteBuffer bytes = hostBytes(array);
        if (bytes == null) {
            return null;
        }
        DataType type = array.dataType();
        int offset = Math.toIntExact(array.offset());
        int n = (int) array.length();
        if (type == DataType.FLOAT) {
            IntBuffer b = bytes.asIntBuffer();
            if (b.limit() < offset + n) {
                return null;
            }
            int acc = 0;
            for (int i = offset; i < offset + n; i++) {
                acc |= (b.get(i) & 0x7f80_0000) + 0x0080_0000;
            }
            return acc >= 0;
        }
        LongBuffer b = bytes.asLongBuffer();
        if (b.limit() < offset + n) {
            return null;
        }
        long acc = 0;
        for (int i = offset; i < offset + n; i++) {
            acc |= (b.get(i) & 0x7ff0_0000_0000_0000L) + 0x0010_0000_0000_0000L;
        }
        return acc >= 0;
    }

    /**
     * The native memory of a non-empty contiguous FLOAT or DOUBLE array as a native-order byte buffer (from the
     * buffer's start: index with the array's offset), or null where Java may not or cannot read it.
     */
    static ByteBuffer hostBytes(INDArray array) {
        DataType type = array.dataType();
        if (!HostBuffers.direct() || (type != DataType.FLOAT && type != DataType.DOUBLE) || !contiguous(array)
                || array.length() > Integer.MAX_VALUE) {
            return null;
        }
        ByteBuffer bytes = array.data().pointer().asByteBuffer();
        return bytes == null ? null : bytes.order(ByteOrder.nativeOrder());
    }

    /** Whether {@code array} is a c-ordered array without gaps (a view of a whole row range included). */
    static boolean contiguous(INDArray array) {
        if (array.ordering() != 'c') {
            return false;
        }
        long[] shape = array.shape();
        long[] stride = array.stride();
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && stride[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return true;
    }
}

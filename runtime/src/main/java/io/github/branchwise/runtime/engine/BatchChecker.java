package io.github.branchwise.runtime.engine;

import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.internal.BranchSpec;
import io.github.branchwise.runtime.internal.InputSpec;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.Shapes;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Checks every array a user hands in before it reaches native code, which would otherwise broadcast a wrong shape
 * silently, accept NaN, or fail with an op name instead of a reason.
 *
 * <p>Arrays of another floating or integer type are converted to the model's type (a copy), and the ids of integer
 * inputs to 32-bit integers after {@link IdCheck}; shapes, batch sizes,
 * non-finite values and target ranges are rejected with an {@link IllegalArgumentException} naming the input or
 * branch and the expected and actual values. Nothing about the model changes when a check fails.
 */
public final class BatchChecker {
    private final ModelSpec spec;
    private final DataType dataType;
    private final Map<String, IdCheck.Bound> idBounds = new HashMap<>();

    /** A checker that knows the vocabularies the inputs declare, not those of the embeddings that read them. */
    public BatchChecker(ModelSpec spec, DataType dataType) {
        this(spec, dataType, Map.of());
    }

    /**
     * A checker that also bounds the ids of each integer input by the vocabulary of the embeddings reading it
     * ({@link Network#idBounds()}).
     */
    BatchChecker(ModelSpec spec, DataType dataType, Map<String, IdCheck.Bound> embeddingBounds) {
        this.spec = spec;
        this.dataType = dataType;
        for (InputSpec input : spec.inputs()) {
            if (input.isIds()) {
                IdCheck.Bound bound = IdCheck.Bound.tighter(IdCheck.Bound.declared(input),
                        embeddingBounds.get(input.name()));
                if (bound != null) {
                    idBounds.put(input.name(), bound);
                }
            }
        }
    }

    /** The checker of {@code network}'s model, with the vocabularies of its embeddings. */
    public static BatchChecker of(Network network) {
        return new BatchChecker(network.spec(), network.dataType(), network.idBounds());
    }

    /** Checks the inputs and returns them in the model's data type. */
    public INDArray[] inputs(INDArray[] inputs) {
        List<InputSpec> specs = spec.inputs();
        requireCount("inputs", inputs, specs.size());
        INDArray[] checked = new INDArray[inputs.length];
        long batch = -1;
        String batchSource = null;
        for (int i = 0; i < inputs.length; i++) {
            String what = "input '" + specs.get(i).name() + "'";
            checked[i] = specs.get(i).isIds() ? ids(what, inputs[i], specs.get(i))
                    : check(what, inputs[i], specs.get(i).shape());
            long b = checked[i].size(0);
            if (batch < 0) {
                batch = b;
                batchSource = what;
            } else if (b != batch) {
                throw batchMismatch(what, b, batchSource, batch);
            }
        }
        return checked;
    }

    /** Checks the targets against the branch shapes, the loss ranges and the batch size of the inputs. */
    public INDArray[] targets(INDArray[] targets, long batch) {
        List<BranchSpec> specs = spec.branches();
        requireCount("targets", targets, specs.size());
        INDArray[] checked = new INDArray[targets.length];
        for (int i = 0; i < targets.length; i++) {
            BranchSpec branch = specs.get(i);
            String what = "target of branch '" + branch.name() + "'";
            INDArray target = targets[i];
            if (branch.loss() == Loss.SPARSE_CATEGORICAL_CROSSENTROPY && target != null
                    && target.rank() == branch.shape().length + 1 && target.size(-1) == 1) {
                // Keras accepts class indices as [batch, 1] as well as [batch].
                target = target.reshape(Arrays.copyOf(target.shape(), target.rank() - 1));
            }
            checked[i] = check(what, target, branch.targetShape());
            if (checked[i].size(0) != batch) {
                throw batchMismatch(what, checked[i].size(0), "input '" + spec.inputs().get(0).name() + "'", batch);
            }
            checkRange(what, branch, checked[i]);
        }
        return checked;
    }

    private INDArray ids(String what, INDArray array, InputSpec input) {
        requireShape(what, array, input.shape());
        return IdCheck.check(spec.modelName(), what, array, idBounds.get(input.name()));
    }

    private INDArray check(String what, INDArray array, long[] exampleShape) {
        requireShape(what, array, exampleShape);
        DataType type = array.dataType();
        INDArray converted = type == dataType ? array : array.castTo(dataType);
        requireFinite(what, converted);
        return converted;
    }

    /** Checks that {@code array} is a non-empty batch of {@code exampleShape} holding numbers. */
    private void requireShape(String what, INDArray array, long[] exampleShape) {
        if (array == null) {
            throw new IllegalArgumentException(spec.modelName() + ": " + what + " is null");
        }
        long[] expected = Shapes.withBatch(array.rank() > 0 ? array.size(0) : 0, exampleShape);
        if (array.rank() != expected.length || !Arrays.equals(array.shape(), expected)) {
            throw new IllegalArgumentException(spec.modelName() + ": " + what + " must have shape "
                    + Shapes.formatBatch(exampleShape) + ", got " + Arrays.toString(array.shape()));
        }
        if (array.size(0) == 0) {
            throw new IllegalArgumentException(spec.modelName() + ": " + what + " is an empty batch (batch size 0)");
        }
        DataType type = array.dataType();
        if (!type.isFPType() && !type.isIntType()) {
            throw new IllegalArgumentException(spec.modelName() + ": " + what + " must hold numbers, got data type "
                    + type);
        }
    }

    private void requireFinite(String what, INDArray array) {
        // One scan (or one reduction) on the happy path; the exact count only when that finds a non-finite value.
        if (ArrayScan.allFinite(array)) {
            return;
        }
        double[] values = array.dup('c').data().asDouble();
        int count = 0;
        int first = -1;
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i])) {
                count++;
                if (first < 0) {
                    first = i;
                }
            }
        }
        if (count > 0) {
            throw new IllegalArgumentException(spec.modelName() + ": " + what + " must be finite but holds " + count
                    + " NaN or infinite value(s); the first at index "
                    + Arrays.toString(coordinates(array.shape(), first)) + " (" + values[first] + ")");
        }
    }

    /** The coordinates of the {@code flat}-th element in C order. */
    private static long[] coordinates(long[] shape, long flat) {
        long[] at = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            at[d] = flat % shape[d];
            flat /= shape[d];
        }
        return at;
    }

    private void checkRange(String what, BranchSpec branch, INDArray target) {
        switch (branch.loss()) {
            case BINARY_CROSSENTROPY -> {
                ArrayScan.Stats stats = ArrayScan.scan(target);
                double min = stats != null ? stats.min() : target.minNumber().doubleValue();
                double max = stats != null ? stats.max() : target.maxNumber().doubleValue();
                if (min < 0 || max > 1) {
                    throw new IllegalArgumentException(spec.modelName() + ": " + what + " must lie in [0, 1] for "
                            + "BINARY_CROSSENTROPY, got values in [" + min + ", " + max + "]");
                }
            }
            case SPARSE_CATEGORICAL_CROSSENTROPY -> {
                long classes = branch.shape()[branch.shape().length - 1];
                ArrayScan.Stats stats = ArrayScan.scan(target);
                double min = stats != null ? stats.min() : target.minNumber().doubleValue();
                double max = stats != null ? stats.max() : target.maxNumber().doubleValue();
                boolean integral = stats != null ? stats.integral()
                        : target.sub(Math.floor(min)).fmod(1.0).maxNumber().doubleValue() == 0;
                if (min < 0 || max > classes - 1 || !integral) {
                    throw new IllegalArgumentException(spec.modelName() + ": " + what + " must hold class indices "
                            + "0.." + (classes - 1) + " for SPARSE_CATEGORICAL_CROSSENTROPY, got values in ["
                            + min + ", " + max + "]" + (integral ? "" : " that are not all integers"));
                }
            }
            default -> {
            }
        }
    }

    private IllegalArgumentException batchMismatch(String what, long size, String other, long otherSize) {
        return new IllegalArgumentException(spec.modelName() + ": " + what + " has batch size " + size + " but "
                + other + " has batch size " + otherSize);
    }

    private void requireCount(String what, INDArray[] arrays, int expected) {
        if (arrays == null) {
            throw new IllegalArgumentException(spec.modelName() + ": " + what + " is null");
        }
        if (arrays.length != expected) {
            throw new IllegalArgumentException(spec.modelName() + " expects " + expected + " " + what + ", got "
                    + arrays.length);
        }
    }
}

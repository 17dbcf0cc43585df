package io.github.branchwise.runtime.internal;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * One example as plain Java arrays, in and out: the checks and conversions behind the generated
 * {@code predict(float[]...)} and {@code predict(double[]...)} overloads ({@link Predictor#predictExample}) and
 * behind the generated records' {@code example(int)} and array components.
 *
 * <p>An example's array is its values flattened row-major (C order) in the declared shape: the last axis varies
 * fastest, so element {@code [i, j, k]} of shape {@code [a, b, c]} is at index {@code (i * b + j) * c + k}. Every
 * check runs in Java before any value reaches ND4J, and names the input or branch.
 */
public final class ExampleArrays {
    private ExampleArrays() {
    }

    /**
     * The inputs of one example as arrays {@code [1, shape...]} in the model's data type, after checking each: not
     * null, its input's length, every value finite (and, into a {@code FLOAT} model, within float's range).
     *
     * @param spec the model
     * @param dataType the model's data type, {@code FLOAT} or {@code DOUBLE}
     * @param inputs one array per input, in declaration order
     * @return one array per input, each with a leading batch dimension of 1
     * @throws IllegalArgumentException naming the input, when an array is null, of the wrong length, or not finite
     */
    public static INDArray[] inputs(ModelSpec spec, DataType dataType, float[][] inputs) {
        List<InputSpec> specs = checkCount(spec, inputs == null ? null : inputs.length);
        INDArray[] arrays = new INDArray[specs.size()];
        for (int i = 0; i < arrays.length; i++) {
            InputSpec input = specs.get(i);
            float[] values = inputs[i];
            checkLength(spec, input, values == null ? -1 : values.length);
            int first = -1;
            int count = 0;
            for (int k = 0; k < values.length; k++) {
                if (!Float.isFinite(values[k])) {
                    first = first < 0 ? k : first;
                    count++;
                }
            }
            if (count > 0) {
                throw notFinite(spec, input, count, first, values[first]);
            }
            arrays[i] = create(input, dataType, values, null);
        }
        return arrays;
    }

    /**
     * {@link #inputs(ModelSpec, DataType, float[][])} for {@code double} values; into a {@code FLOAT} model a value
     * whose magnitude float cannot hold is refused rather than made infinite.
     *
     * @param spec the model
     * @param dataType the model's data type, {@code FLOAT} or {@code DOUBLE}
     * @param inputs one array per input, in declaration order
     * @return one array per input, each with a leading batch dimension of 1
     * @throws IllegalArgumentException naming the input, when an array is null, of the wrong length, or not finite
     */
    public static INDArray[] inputs(ModelSpec spec, DataType dataType, double[][] inputs) {
        List<InputSpec> specs = checkCount(spec, inputs == null ? null : inputs.length);
        INDArray[] arrays = new INDArray[specs.size()];
        for (int i = 0; i < arrays.length; i++) {
            InputSpec input = specs.get(i);
            double[] values = inputs[i];
            checkLength(spec, input, values == null ? -1 : values.length);
            int first = -1;
            int count = 0;
            for (int k = 0; k < values.length; k++) {
                if (!Double.isFinite(values[k])) {
                    first = first < 0 ? k : first;
                    count++;
                }
            }
            if (count > 0) {
                throw notFinite(spec, input, count, first, values[first]);
            }
            if (dataType == DataType.FLOAT) {
                for (int k = 0; k < values.length; k++) {
                    if (Float.isInfinite((float) values[k])) {
                        throw new IllegalArgumentException(spec.modelName() + ": input '" + input.name()
                                + "' holds " + values[k] + " at index " + k + " of the example ("
                                + element(input.shape(), k) + "), beyond the range of the model's data type FLOAT");
                    }
                }
            }
            arrays[i] = create(input, dataType, null, values);
        }
        return arrays;
    }

    /**
     * The branch outputs of a batch of one example as Java arrays.
     *
     * @param outputs one array per branch, {@code [1, shape...]}
     * @return one array per branch, its example flattened row-major
     */
    public static double[][] firstExample(INDArray[] outputs) {
        double[][] values = new double[outputs.length][];
        for (int b = 0; b < outputs.length; b++) {
            values[b] = row(outputs[b], 0);
        }
        return values;
    }

    /**
     * The number of examples in a batch of a branch's outputs: its leading dimension.
     *
     * @param branch the branch's name, for messages
     * @param output the branch's outputs, {@code [batch, shape...]}
     * @return the batch size
     * @throws NullPointerException when {@code output} is null
     * @throws IllegalArgumentException when {@code output} is a scalar, or its batch does not fit an {@code int}
     */
    public static int batchSize(String branch, INDArray output) {
        Objects.requireNonNull(output, branch);
        if (output.rank() == 0) {
            throw new IllegalArgumentException("the output of branch '" + branch + "' has no batch dimension: "
                    + "it is a scalar");
        }
        long size = output.size(0);
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("the output of branch '" + branch + "' holds " + size
                    + " examples, more than an int counts");
        }
        return (int) size;
    }

    /**
     * Example {@code index} of a batch of a branch's outputs, flattened row-major.
     *
     * @param branch the branch's name, for messages
     * @param output the branch's outputs, {@code [batch, shape...]}
     * @param index the example, from 0 to the batch size - 1
     * @return a new array of the example's values, converted to {@code double}
     * @throws IndexOutOfBoundsException when {@code index} is not an example of the batch
     */
    public static double[] example(String branch, INDArray output, int index) {
        int size = batchSize(branch, output);
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("example " + index + " is out of range: the output of branch '"
                    + branch + "' holds a batch of " + size + " example" + (size == 1 ? "" : "s")
                    + (size == 0 ? "" : " (0.." + (size - 1) + ")"));
        }
        return row(output, index);
    }

    /**
     * A copy of one example's output of a branch, after checking its length, for the generated records'
     * constructors.
     *
     * @param branch the branch's name, for messages
     * @param values the example's output, flattened row-major
     * @param shape the branch's shape
     * @return a copy of {@code values}
     * @throws NullPointerException when {@code values} is null
     * @throws IllegalArgumentException when its length is not the number of elements of {@code shape}
     */
    public static double[] copy(String branch, double[] values, long... shape) {
        Objects.requireNonNull(values, branch);
        long length = Shapes.size(shape);
        if (values.length != length) {
            throw new IllegalArgumentException("branch '" + branch + "' gives one example of shape "
                    + Shapes.format(shape) + " flattened row-major, " + length + " value" + (length == 1 ? "" : "s")
                    + "; got " + values.length);
        }
        return values.clone();
    }

    /** The {@code index}-th example of {@code output}, flattened row-major, as doubles. */
    private static double[] row(INDArray output, int index) {
        INDArray example = output.rank() == 1
                ? output.getScalar(index)
                : output.get(NDArrayIndex.point(index));
        double[] values = example.dup('c').data().asDouble();
        long length = example.length();
        return values.length == length ? values : Arrays.copyOf(values, (int) length);
    }

    private static List<InputSpec> checkCount(ModelSpec spec, Integer count) {
        List<InputSpec> specs = spec.inputs();
        if (count == null) {
            throw new IllegalArgumentException(spec.modelName() + ": inputs is null");
        }
        if (count != specs.size()) {
            throw new IllegalArgumentException(spec.modelName() + " expects " + specs.size() + " inputs, got "
                    + count);
        }
        return specs;
    }

    private static void checkLength(ModelSpec spec, InputSpec input, int length) {
        if (length < 0) {
            throw new IllegalArgumentException(spec.modelName() + ": input '" + input.name() + "' is null");
        }
        long expected = Shapes.size(input.shape());
        if (length != expected) {
            throw new IllegalArgumentException(spec.modelName() + ": input '" + input.name() + "' takes one "
                    + "example of shape " + Shapes.format(input.shape()) + " flattened row-major, " + expected
                    + " value" + (expected == 1 ? "" : "s") + "; got " + length);
        }
    }

    private static IllegalArgumentException notFinite(ModelSpec spec, InputSpec input, int count, int first,
            double value) {
        return new IllegalArgumentException(spec.modelName() + ": input '" + input.name() + "' must be finite but "
                + "holds " + count + " NaN or infinite value(s); the first at index " + first + " of the example ("
                + element(input.shape(), first) + "): " + value);
    }

    /** "element [i, j, k] of shape [a, b, c]" for the {@code flat}-th value in row-major order. */
    private static String element(long[] shape, long flat) {
        long[] at = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            at[d] = flat % shape[d];
            flat /= shape[d];
        }
        return "element " + Shapes.format(at) + " of shape " + Shapes.format(shape);
    }

    private static INDArray create(InputSpec input, DataType dataType, float[] floats, double[] doubles) {
        long[] shape = Shapes.withBatch(1, input.shape());
        if (dataType == DataType.FLOAT) {
            float[] values = floats;
            if (values == null) {
                values = new float[doubles.length];
                for (int k = 0; k < values.length; k++) {
                    values[k] = (float) doubles[k];
                }
            }
            return Nd4j.create(values, shape, 'c');
        }
        if (dataType == DataType.DOUBLE) {
            double[] values = doubles;
            if (values == null) {
                values = new double[floats.length];
                for (int k = 0; k < values.length; k++) {
                    values[k] = floats[k];
                }
            }
            return Nd4j.create(values, shape, 'c');
        }
        throw new IllegalArgumentException("a model's data type is FLOAT or DOUBLE, got " + dataType);
    }
}

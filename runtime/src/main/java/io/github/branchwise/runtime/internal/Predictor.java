package io.github.branchwise.runtime.internal;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Computes the branch outputs of a model; generated prediction models delegate to one, for a batch of
 * {@code INDArray}s ({@link #predict}) or for one example given as Java arrays ({@link #predictExample(float[][])}).
 */
public interface Predictor {
    /**
     * The branch outputs for a batch.
     *
     * @param inputs one array per input, in declaration order, each {@code [batch, shape...]}
     * @return one array per branch, in declaration order, detached from the model
     * @throws IllegalArgumentException when an input is null, of the wrong shape, or not finite
     */
    INDArray[] predict(INDArray[] inputs);

    /** The model this predictor runs: its name, and its inputs' names and shapes, which examples are checked against. */
    ModelSpec spec();

    /** The model's data type, {@code FLOAT} or {@code DOUBLE}: the type an example's values are converted to. */
    DataType dataType();

    /**
     * The branch outputs for one example given as Java arrays, each flattened row-major in its declared shape
     * ({@link ExampleArrays}). Every array is checked before any value reaches ND4J, then the example runs as a
     * batch of one.
     *
     * @param inputs one array per input, in declaration order, each of its input's length
     * @return one array per branch, in declaration order, the example's output flattened row-major
     * @throws IllegalArgumentException naming the input, when an array is null, of the wrong length, or holds a NaN or
     *     infinite value
     */
    default double[][] predictExample(float[][] inputs) {
        return ExampleArrays.firstExample(predict(ExampleArrays.inputs(spec(), dataType(), inputs)));
    }

    /**
     * {@link #predictExample(float[][])} for {@code double} values, converted to the model's data type.
     *
     * @param inputs one array per input, in declaration order, each of its input's length
     * @return one array per branch, in declaration order, the example's output flattened row-major
     * @throws IllegalArgumentException naming the input, when an array is null, of the wrong length, holds a NaN or
     *     infinite value, or (into a {@code FLOAT} model) a value beyond float's range
     */
    default double[][] predictExample(double[][] inputs) {
        return ExampleArrays.firstExample(predict(ExampleArrays.inputs(spec(), dataType(), inputs)));
    }
}

package io.github.branchwise.runtime.internal;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Computes the branch outputs of a model; generated prediction models delegate to one. */
public interface Predictor {
    /**
     * The branch outputs for a batch.
     *
     * @param inputs one array per input, in declaration order, each {@code [batch, shape...]}
     * @return one array per branch, in declaration order, detached from the model
     * @throws IllegalArgumentException when an input is null, of the wrong shape, or not finite
     */
    INDArray[] predict(INDArray[] inputs);
}

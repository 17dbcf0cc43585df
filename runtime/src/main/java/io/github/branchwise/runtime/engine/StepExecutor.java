package io.github.branchwise.runtime.engine;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Runs a {@link Network}'s forward and backward passes. The trainer owns the optimiser and the constraints; an
 * executor only computes, so a faster one (a compiled plan, hand-written kernels) can replace
 * {@link SameDiffExecutor} without touching generated code. Arrays passed in are already checked.
 */
public interface StepExecutor {
    /**
     * One forward and backward pass.
     *
     * @param inputs  the input arrays, in input order
     * @param targets the target arrays, in branch order
     * @return the losses of this forward pass and the gradient of the total loss for every parameter, by name.
     *         The gradient arrays are valid until the next call on this executor and the caller may modify them
     *         in place (an executor may reuse their buffers on the next call); no two of them share memory.
     */
    StepOutcome forwardBackward(INDArray[] inputs, INDArray[] targets);

    /** The losses of one forward pass, without gradients. */
    StepResult losses(INDArray[] inputs, INDArray[] targets);

    /**
     * Tells the executor which parameters are trained from now on (frozen ones are left out), so that it can skip
     * gradient work for the others; {@link #forwardBackward} must still return a gradient for every trainable one.
     */
    default void trainableParametersChanged(java.util.Set<String> trainable) {
    }

    /** The branch outputs for the given inputs, in branch order. */
    INDArray[] predict(INDArray[] inputs);

    /**
     * The result of one forward and backward pass.
     *
     * @param losses    the total and branch losses of the forward pass
     * @param gradients the gradient of the total loss for every parameter, by parameter name
     */
    record StepOutcome(StepResult losses, Map<String, INDArray> gradients) {
    }
}

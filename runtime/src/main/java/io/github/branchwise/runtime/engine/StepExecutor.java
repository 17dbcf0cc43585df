package io.github.branchwise.runtime.engine;

import io.github.branchwise.runtime.Losses;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Runs a {@link Network}'s forward and backward passes. A forward and backward pass runs the layers in training mode,
 * every other pass in inference mode: the executor feeds the mode placeholders what {@link Network#modes()} gives
 * for each ({@link LayerModes}). The trainer owns the optimiser and the constraints; an
 * executor only computes, so a faster one (a compiled plan, hand-written kernels) can replace
 * {@link SameDiffExecutor} without touching generated code. Arrays passed in are already checked.
 */
public interface StepExecutor {
    /**
     * One forward and backward pass, in training mode.
     *
     * @param inputs  the input arrays, in input order
     * @param targets the target arrays, in branch order
     * @return the losses of this forward pass and the gradient of the total loss for every parameter, by name, and
     *         the values of {@link Network#trainingValues()}. The gradient arrays are valid until the next call on
     *         this executor and the caller may modify them in place (an executor may reuse their buffers on the next
     *         call); no two of them share memory. The statistics are valid until the next call and read-only.
     */
    PassResult forwardBackward(INDArray[] inputs, INDArray[] targets);

    /**
     * One forward and backward pass that also returns the branch outputs of the forward pass when
     * {@code withOutputs}. The default runs {@link #predict} as a second pass; executors that can return the outputs
     * of the same pass should.
     */
    default PassResult forwardBackward(INDArray[] inputs, INDArray[] targets, boolean withOutputs) {
        PassResult outcome = forwardBackward(inputs, targets);
        return withOutputs ? new PassResult(outcome.losses(), outcome.gradients(), predict(inputs),
                outcome.statistics()) : outcome;
    }

    /** The losses of one forward pass, without gradients. */
    Losses losses(INDArray[] inputs, INDArray[] targets);

    /**
     * Tells the executor which parameters are trained from now on (frozen ones are left out), so that it can skip
     * gradient work for the others; {@link #forwardBackward} must still return a gradient for every trainable one.
     */
    default void trainableParametersChanged(java.util.Set<String> trainable) {
    }

    /**
     * The losses and the branch outputs of one forward pass. The default runs two passes; executors that can do it
     * in one should.
     */
    default LossesAndOutputs lossesAndOutputs(INDArray[] inputs, INDArray[] targets) {
        return new LossesAndOutputs(losses(inputs, targets), predict(inputs));
    }

    /** The branch outputs for the given inputs, in branch order. */
    INDArray[] predict(INDArray[] inputs);

    /**
     * The result of one forward and backward pass.
     *
     * @param losses    the total and branch losses of the forward pass
     * @param gradients the gradient of the total loss for every parameter, by parameter name
     * @param outputs    the branch outputs of the forward pass, detached, or null when they were not asked for
     * @param statistics the forward values the layers' moving averages and the gate weights
     *                   ({@link Network#trainingValues()}) read, by name; empty when the network has none
     */
    record PassResult(Losses losses, Map<String, INDArray> gradients, INDArray[] outputs,
                      Map<String, INDArray> statistics) {
        /** An outcome without outputs or statistics. */
        public PassResult(Losses losses, Map<String, INDArray> gradients) {
            this(losses, gradients, null, Map.of());
        }

        /** An outcome without statistics. */
        public PassResult(Losses losses, Map<String, INDArray> gradients, INDArray[] outputs) {
            this(losses, gradients, outputs, Map.of());
        }
    }
}

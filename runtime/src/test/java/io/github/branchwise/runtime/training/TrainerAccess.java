package io.github.branchwise.runtime.training;

import io.github.branchwise.runtime.engine.Network;

/**
 * The tests' way to a trainer's built graph, which the runtime does not hand to users: gradient checks and
 * reference passes run the same graph through the SameDiff executor.
 */
public final class TrainerAccess {
    private TrainerAccess() {
    }

    /** One step that also returns the branch outputs of its training pass, as a fit with metrics takes it. */
    public static io.github.branchwise.runtime.engine.LossesAndOutputs fitWithOutputs(Trainer trainer,
            org.nd4j.linalg.api.ndarray.INDArray[] inputs, org.nd4j.linalg.api.ndarray.INDArray[] targets) {
        return trainer.fitWithOutputs(inputs, targets);
    }

    /** The losses and branch outputs of a batch, without updating anything. */
    public static io.github.branchwise.runtime.engine.LossesAndOutputs evaluateWithOutputs(Trainer trainer,
            org.nd4j.linalg.api.ndarray.INDArray[] inputs, org.nd4j.linalg.api.ndarray.INDArray[] targets) {
        return trainer.evaluateWithOutputs(inputs, targets);
    }

    /** The network {@code trainer} trains. */
    public static Network network(Trainer trainer) {
        return trainer.network();
    }
}

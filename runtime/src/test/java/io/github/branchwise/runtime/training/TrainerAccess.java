package io.github.branchwise.runtime.training;

import io.github.branchwise.runtime.engine.Network;

/**
 * The tests' way to a trainer's built graph, which the runtime does not hand to users: gradient checks and
 * reference passes run the same graph through the SameDiff executor.
 */
public final class TrainerAccess {
    private TrainerAccess() {
    }

    /** The network {@code trainer} trains. */
    public static Network network(Trainer trainer) {
        return trainer.network();
    }
}

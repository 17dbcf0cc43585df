package io.github.branchwise.runtime.engine;

import io.github.branchwise.runtime.Losses;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The losses of one batch together with the branch outputs of the same forward pass, for metrics that need the
 * predictions without paying for a second pass.
 *
 * @param losses  the total and branch losses
 * @param outputs the branch outputs, in branch order, detached from the model
 */
public record LossesAndOutputs(Losses losses, INDArray[] outputs) {
    /** Checks that nothing is missing. */
    public LossesAndOutputs {
        Objects.requireNonNull(losses, "losses");
        Objects.requireNonNull(outputs, "outputs");
    }
}

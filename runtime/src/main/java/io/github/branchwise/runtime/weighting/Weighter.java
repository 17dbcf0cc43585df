package io.github.branchwise.runtime.weighting;

import io.github.branchwise.runtime.engine.GraphHost;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * Combines the scalar branch losses into the one total loss that trains every branch.
 *
 * <p>One class per strategy. A weighter builds its part of the graph once, may own trainable parameters (created
 * through {@link GraphHost#parameter}, named {@code weighting/...}, so they are optimised, saved and restored like
 * every other parameter), and may restore constraints on them after each optimiser update.
 */
public interface Weighter {
    /**
     * Builds the total loss.
     *
     * @param host         the graph under construction
     * @param branchLosses the scalar loss of each branch, in branch order
     * @return the scalar total loss
     */
    SDVariable combine(GraphHost host, List<SDVariable> branchLosses);

    /** The weight each branch loss currently gets in the total, in branch order. */
    double[] weights();

    /** Called after every optimiser update of the parameters; restores this weighter's constraints. */
    default void afterUpdate() {
    }
}

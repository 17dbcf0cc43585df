package io.github.branchwise.annotations;

/** Where {@link Weighting#GRADNORM} measures the branches' gradient norms {@code Gᵢ = ‖∇ wᵢ·Lᵢ‖}. */
public enum GradNormScope {
    /**
     * On the weights W of the last layer of a {@code @Shared} method ({@link WeightedLoss#sharedLayer()}, the last
     * one declared by default): the paper's choice, and the cheapest.
     */
    LAST_SHARED_LAYER,
    /** On every shared parameter at once (LibMTL). */
    ALL_SHARED
}

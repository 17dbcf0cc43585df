package io.github.branchwise.annotations;

/** When {@link Weighting#GRADNORM} starts adapting its weights, and what it takes as the initial losses {@code Lᵢ(0)}. */
public enum GradNormWarmup {
    /** From the first step, with {@code Lᵢ(0)} the first batch's losses (the paper). */
    NONE,
    /**
     * The first epoch trains with equal weights and GradNorm starts with the second, taking {@code Lᵢ(0)} as the first
     * epoch's mean loss, averaged as {@link WeightedLoss#epochMean()} says (LibMTL).
     */
    FIRST_EPOCH
}

package io.github.branchwise.annotations;

/**
 * How an epoch's mean branch loss is taken, for {@link Weighting#DWA}'s ratios and
 * {@link GradNormWarmup#FIRST_EPOCH}'s initial losses. The two differ only when batches differ in size (a partial last
 * batch).
 */
public enum EpochMean {
    /** The mean of the batches' losses, each batch counting once. */
    PER_BATCH,
    /** The mean over examples: each batch's loss weighted by its size (LibMTL). */
    PER_EXAMPLE
}

package io.github.branchwise.annotations;

/**
 * Which branches {@link Weighting#PCGRAD} projects each branch's gradient against, in a random order drawn every
 * step. The two differ only from three branches on.
 */
public enum PcGradOrder {
    /** The other branches, shuffled (the paper). */
    OTHERS,
    /**
     * Every branch, the branch itself included, shuffled (LibMTL): once projected, a gradient can conflict with its own
     * original and then loses that component too.
     */
    ALL
}

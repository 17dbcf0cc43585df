package io.github.branchwise.annotations;

/** The shape of a {@link Weighting#SCHEDULED} ramp from the start weights to the end weights over a length T. */
public enum Ramp {
    /** {@code w(t) = start + (end - start)·min(t/T, 1)}. */
    LINEAR,
    /** {@code w(t) = start + (end - start)·(1 - cos(π·min(t/T, 1)))/2}: slow, fast, slow. */
    COSINE,
    /** {@code w(t) = start} for {@code t < T}, then {@code end}. */
    STEP
}

package io.github.branchwise.runtime;

/**
 * How a training model runs its forward and backward passes. Both compute the same losses and gradients (the
 * tests check it to 1e-5 relative); they differ in speed.
 */
public enum ExecutorKind {
    /**
     * A static plan over SameDiff's graph and gradient function: ops in a fixed order, op contexts and buffers
     * built once per batch size. Several times faster per step for small and medium models. Graphs it cannot plan
     * (control flow, random ops such as dropout) run on {@link #SAMEDIFF}, with one log line saying why.
     */
    COMPILED,
    /** SameDiff's own sessions, the reference implementation. */
    SAMEDIFF
}

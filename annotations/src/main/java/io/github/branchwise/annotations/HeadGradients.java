package io.github.branchwise.annotations;

/**
 * What the gradient-level strategies {@link Weighting#GRADNORM} and {@link Weighting#MGDA} give each branch's own
 * parameters (its head); the parameters the branches share always get the strategy's combination.
 * {@link Weighting#PCGRAD} always gives heads their plain gradient.
 */
public enum HeadGradients {
    /** Branch {@code i}'s head gets {@code wᵢ·∇Lᵢ}, the gradient of the weighted total (the papers' reading). */
    WEIGHTED,
    /** Branch {@code i}'s head gets its plain gradient {@code ∇Lᵢ}, whatever its weight (LibMTL). */
    PLAIN
}

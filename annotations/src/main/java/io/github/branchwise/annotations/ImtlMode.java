package io.github.branchwise.annotations;

/**
 * Which parts of Impartial Multi-task Learning (Liu et al., ICLR 2021) {@link Weighting#IMTL} applies: the paper
 * proposes a gradient balance (IMTL-G), a loss balance (IMTL-L) and their combination, which it calls IMTL.
 */
public enum ImtlMode {
    /**
     * IMTL-L and IMTL-G together, the paper's full method and LibMTL's only one: the branch losses are scaled by learned
     * {@code exp(sᵢ)}, and the shared parameters get the IMTL-G combination of the scaled losses' gradients.
     */
    HYBRID,
    /**
     * IMTL-G alone: the shared parameters get {@code Σ αᵢ·∇Lᵢ} with the α whose combination has the same projection
     * on every branch's unit gradient, {@code Σ αᵢ = 1}; each branch's own parameters get its plain gradient.
     */
    GRADIENT,
    /**
     * IMTL-L alone, a loss-level strategy (one pass per step): {@code total = Σ exp(sᵢ)·Lᵢ - sᵢ} with a learned
     * {@code sᵢ} per branch, trained with the network.
     */
    LOSS
}

package io.github.branchwise.annotations;

/**
 * Which gradients {@link Weighting#MGDA} and {@link Weighting#GRADNORM} compute their weights from. The update is the
 * same combination either way: the shared parameters get {@code Σ cᵢ·∇Lᵢ} with the strategy's coefficients, which
 * equals one backward pass of the combined representation gradient {@code Σ cᵢ·∂Lᵢ/∂z} through the trunk.
 */
public enum GradientSource {
    /** The branches' gradients on every shared parameter (on the last shared layer for GradNorm's default scope). */
    PARAMETERS,
    /**
     * The gradients with respect to the shared representation {@code z}, the output of the last {@code @Shared}
     * method, over the whole {@code [batch, ...]} array: Sener and Koltun's MGDA-UB.
     */
    REPRESENTATION,
    /**
     * The gradients with respect to the shared representation summed over the batch axis first, as LibMTL's
     * {@code rep_grad = True} does.
     */
    REPRESENTATION_BATCH_SUM
}

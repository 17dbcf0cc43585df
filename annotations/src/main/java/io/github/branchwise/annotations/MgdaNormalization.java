package io.github.branchwise.annotations;

/**
 * How {@link Weighting#MGDA} normalises each branch's shared gradient {@code gᵢ} before solving for the minimum-norm
 * weights (Sener and Koltun's code, LibMTL's {@code mgda_gn}): {@code gᵢ / nᵢ} with {@code nᵢ} as below (a zero
 * {@code nᵢ} counts as 1). The update of the shared parameters is {@code Σ αᵢ·gᵢ/nᵢ} under {@link Convention#LIBMTL}
 * (as LibMTL) and {@code Σ αᵢ·gᵢ} under {@link Convention#BRANCHWISE} (as Sener and Koltun's code, which weights the
 * plain losses).
 */
public enum MgdaNormalization {
    /** {@code nᵢ = 1}. */
    NONE,
    /** {@code nᵢ = ‖gᵢ‖}. */
    L2,
    /** {@code nᵢ = Lᵢ}, the branch's loss this step. */
    LOSS,
    /** {@code nᵢ = Lᵢ·‖gᵢ‖} (LibMTL's {@code loss+}). */
    LOSS_PLUS
}

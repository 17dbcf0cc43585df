package io.github.branchwise.annotations;

/** The constant {@code cᵢ} of {@link Weighting#UNCERTAINTY}'s {@code cᵢ·exp(-sᵢ)·Lᵢ + ½·sᵢ}. */
public enum UncertaintyScale {
    /**
     * By the branch's loss, as Kendall et al. derive it: ½ for a regression loss (Gaussian likelihood), 1 for a
     * cross-entropy (softmax likelihood). A regression branch settles at {@code σᵢ² = Lᵢ}, a cross-entropy branch at
     * {@code σᵢ² = 2Lᵢ}.
     */
    BY_LOSS,
    /** ½ for every branch (LibMTL's UW): every branch settles at {@code σᵢ² = Lᵢ}. */
    HALF
}

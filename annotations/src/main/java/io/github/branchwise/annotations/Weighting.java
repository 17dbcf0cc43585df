package io.github.branchwise.annotations;

/** How {@link WeightedLoss} combines the branch losses into the one loss that trains every branch. */
public enum Weighting {
    /**
     * Constant weights, one per branch, from {@link WeightedLoss#weights()} (Keras' {@code loss_weights}):
     * {@code total = Σ wᵢ·Lᵢ}.
     */
    FIXED,
    /**
     * Trainable weights that form a convex combination: for two branches {@code total = α·L₁ + (1 - α)·L₂}, with
     * {@code α} learned by the same optimiser as the network, starting at {@link WeightedLoss#initial()} and clipped
     * to {@code [min, max]} after every update. For {@code N > 2} branches every branch has a weight starting at
     * {@code 1/N}, and after every update the weights are projected back (Euclidean projection) onto the set where
     * each lies in {@code [min, max]} and they sum to one.
     */
    TRAINABLE
}

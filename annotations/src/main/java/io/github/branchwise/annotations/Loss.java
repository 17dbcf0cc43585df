package io.github.branchwise.annotations;

/**
 * The built-in branch losses. Each is computed per element as Keras does, averaged over every axis but the batch
 * axis to give a per-example loss, then averaged over the batch.
 */
public enum Loss {
    /** The loss is computed by the annotated loss method itself (see {@link BranchLoss#branch()}). */
    CUSTOM,
    /**
     * {@code -(t·log p + (1 - t)·log(1 - p))} per element, with {@code p} clipped to {@code [1e-7, 1 - 1e-7]};
     * predictions are probabilities (end the branch with a sigmoid) and targets lie in [0, 1].
     */
    BINARY_CROSSENTROPY,
    /**
     * {@code -Σ t·log p} over the last axis, targets one-hot (or any distribution), predictions probabilities
     * (end the branch with a softmax), {@code p} clipped to {@code [1e-7, 1 - 1e-7]}.
     */
    CATEGORICAL_CROSSENTROPY,
    /**
     * {@code -log p[class]}: targets are integer class indices of shape {@code [batch]} (or {@code [batch, 1]}),
     * predictions probabilities over the last axis.
     */
    SPARSE_CATEGORICAL_CROSSENTROPY,
    /** {@code (p - t)²} per element. */
    MEAN_SQUARED_ERROR,
    /** {@code |p - t|} per element. */
    MEAN_ABSOLUTE_ERROR,
    /**
     * {@code ½x²} where {@code |x| ≤ δ}, else {@code δ(|x| - ½δ)}, with {@code x = p - t} and δ from
     * {@link BranchLoss#delta()}.
     */
    HUBER
}

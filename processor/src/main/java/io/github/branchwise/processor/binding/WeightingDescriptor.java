package io.github.branchwise.processor.binding;

import io.github.branchwise.annotations.Weighting;
import java.util.List;

/**
 * The {@code @WeightedLoss} attributes.
 *
 * @param kind the strategy
 * @param initial TRAINABLE: the first weight's starting value with two branches
 * @param min TRAINABLE: the smallest weight
 * @param max TRAINABLE: the largest weight
 * @param weights FIXED: one weight per branch, in declaration order
 */
public record WeightingDescriptor(Weighting kind, double initial, double min, double max, List<Double> weights) {
    /** Copies the weights. */
    public WeightingDescriptor {
        weights = List.copyOf(weights);
    }
}

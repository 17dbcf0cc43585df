package io.github.branchwise.runtime.engine;

import io.github.branchwise.annotations.Weighting;
import io.github.branchwise.runtime.weighting.FixedWeighter;
import io.github.branchwise.runtime.weighting.TrainableWeighter;
import io.github.branchwise.runtime.weighting.Weighter;
import java.util.Arrays;

/** The {@code @WeightedLoss} of a model: which strategy combines the branch losses, with its settings. */
public final class WeightingSpec {
    private final Weighting weighting;
    private final double initial;
    private final double min;
    private final double max;
    private final double[] weights;

    private WeightingSpec(Weighting weighting, double initial, double min, double max, double[] weights) {
        this.weighting = weighting;
        this.initial = initial;
        this.min = min;
        this.max = max;
        this.weights = weights;
    }

    /**
     * Constant weights, one per branch in declaration order.
     *
     * @throws IllegalArgumentException when a weight is negative or not finite, or all are zero
     */
    public static WeightingSpec fixed(double... weights) {
        double[] copy = weights.clone();
        boolean anyPositive = false;
        for (double w : copy) {
            if (!(w >= 0) || Double.isInfinite(w)) {
                throw new IllegalArgumentException("FIXED weights must be finite and non-negative, got "
                        + Arrays.toString(copy));
            }
            anyPositive |= w > 0;
        }
        if (!anyPositive) {
            throw new IllegalArgumentException("FIXED weights must not all be zero, got " + Arrays.toString(copy));
        }
        return new WeightingSpec(Weighting.FIXED, Double.NaN, Double.NaN, Double.NaN, copy);
    }

    /**
     * A trainable convex combination starting at {@code initial} (two branches) and kept in {@code [min, max]}.
     *
     * @throws IllegalArgumentException unless {@code min <= initial <= max}
     */
    public static WeightingSpec trainable(double initial, double min, double max) {
        if (!(min <= max) || !(initial >= min && initial <= max)) {
            throw new IllegalArgumentException("TRAINABLE weighting needs min <= initial <= max, got min=" + min
                    + ", initial=" + initial + ", max=" + max);
        }
        return new WeightingSpec(Weighting.TRAINABLE, initial, min, max, new double[0]);
    }

    /** The strategy. */
    public Weighting weighting() {
        return weighting;
    }

    /** A fresh weighter for a model with {@code branchCount} branches. */
    public Weighter newWeighter(int branchCount) {
        return switch (weighting) {
            case FIXED -> {
                if (weights.length != branchCount) {
                    throw new IllegalArgumentException("FIXED weighting has " + weights.length
                            + " weights for " + branchCount + " branches");
                }
                yield new FixedWeighter(weights);
            }
            case TRAINABLE -> new TrainableWeighter(initial, min, max);
        };
    }

    @Override
    public String toString() {
        return switch (weighting) {
            case FIXED -> "FIXED" + Arrays.toString(weights);
            case TRAINABLE -> "TRAINABLE(initial=" + initial + ", min=" + min + ", max=" + max + ")";
        };
    }
}

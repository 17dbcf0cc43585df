package io.github.branchwise.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an abstract class as a Branchwise model and says how its branch losses are combined.
 *
 * <p>For a class {@code Detector} the processor generates {@code DetectorPredictionModel},
 * {@code DetectorTrainingModel} and the records {@code DetectorBatch}, {@code DetectorPrediction},
 * {@code DetectorLosses} and {@code DetectorLossWeights} in the same package.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface WeightedLoss {
    /** The strategy that weighs the branch losses. */
    Weighting weighting() default Weighting.TRAINABLE;

    /**
     * For {@link Weighting#TRAINABLE} with two branches: the starting value of {@code α}, the first branch's weight.
     * With more branches every weight starts at {@code 1/N} and this value is ignored.
     */
    double initial() default 0.5;

    /** For {@link Weighting#TRAINABLE}: the smallest value a weight may take. */
    double min() default 0.0;

    /** For {@link Weighting#TRAINABLE}: the largest value a weight may take. */
    double max() default 1.0;

    /** For {@link Weighting#FIXED}: one non-negative weight per branch, in declaration order; not all zero. */
    double[] weights() default {};
}

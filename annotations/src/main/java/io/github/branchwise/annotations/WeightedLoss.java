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

    /**
     * For {@link Weighting#FIXED}: one non-negative weight per branch, in declaration order; not all zero. For
     * {@link Weighting#SCHEDULED}: the weights at the start of the ramp.
     */
    double[] weights() default {};

    /** For {@link Weighting#SCHEDULED}: the weights at the end of the ramp, one per branch. */
    double[] endWeights() default {};

    /** For {@link Weighting#SCHEDULED}: the shape of the ramp. */
    Ramp ramp() default Ramp.LINEAR;

    /** For {@link Weighting#SCHEDULED}: the length T of the ramp, in {@link #rampUnit()}s; positive. */
    long rampLength() default 1;

    /** For {@link Weighting#SCHEDULED}: whether the ramp counts steps or epochs. */
    RampUnit rampUnit() default RampUnit.EPOCH;

    /**
     * For {@link Weighting#SCHEDULED}: a class implementing {@code io.github.branchwise.runtime.weighting.WeightSchedule}
     * with a public no-argument constructor, used instead of the ramp; {@code void.class} for none.
     */
    Class<?> schedule() default void.class;

    /** For {@link Weighting#DWA}: the temperature T; larger values make the weights more even. */
    double temperature() default 2.0;

    /** For {@link Weighting#GRADNORM}: the asymmetry α of the targets {@code Ḡ·rᵢ^α}. */
    double asymmetry() default 1.5;

    /**
     * For {@link Weighting#GRADNORM}: the {@code @Shared} method whose last layer's weights measure the gradient
     * norms; empty for the last {@code @Shared} method declared (in source order). Only with
     * {@link GradNormScope#LAST_SHARED_LAYER}.
     */
    String sharedLayer() default "";

    /**
     * For {@link Weighting#CUSTOM}: a class implementing {@code io.github.branchwise.runtime.weighting.Weighter}
     * with a public no-argument constructor; {@code void.class} otherwise.
     */
    Class<?> strategy() default void.class;

    /**
     * For {@link Weighting#UNCERTAINTY}, {@link Weighting#DWA}, {@link Weighting#GRADNORM}, {@link Weighting#PCGRAD}
     * and {@link Weighting#MGDA}: whose choices the strategy follows where papers and reference code differ, a
     * preset for the convention attributes below; an attribute set explicitly wins over it. For MGDA the preset also
     * decides two choices that have no attribute: under {@link Convention#LIBMTL} a two-branch solution of 1/0 becomes
     * 0.999/0.001 and the shared parameters are updated with the normalised gradients (see
     * {@link MgdaNormalization}).
     */
    Convention convention() default Convention.BRANCHWISE;

    /**
     * For {@link Weighting#GRADNORM} and {@link Weighting#MGDA}: what each branch's own parameters get; default
     * {@link HeadGradients#WEIGHTED}, {@link HeadGradients#PLAIN} under {@link Convention#LIBMTL}.
     */
    HeadGradients headGradients() default HeadGradients.WEIGHTED;

    /** For {@link Weighting#MGDA}: how the branch gradients are normalised before solving; NONE under either preset. */
    MgdaNormalization mgdaNormalization() default MgdaNormalization.NONE;

    /**
     * For {@link Weighting#UNCERTAINTY}: the constant {@code cᵢ}; default {@link UncertaintyScale#BY_LOSS},
     * {@link UncertaintyScale#HALF} under {@link Convention#LIBMTL}.
     */
    UncertaintyScale uncertaintyScale() default UncertaintyScale.BY_LOSS;

    /**
     * For {@link Weighting#UNCERTAINTY}: the starting value of every {@code sᵢ = log σᵢ²}, finite; default 0
     * (σ = 1), -0.5 under {@link Convention#LIBMTL}.
     */
    double initialLogVariance() default 0.0;

    /**
     * For {@link Weighting#GRADNORM}: when the weights start adapting; default {@link GradNormWarmup#NONE},
     * {@link GradNormWarmup#FIRST_EPOCH} under {@link Convention#LIBMTL}.
     */
    GradNormWarmup gradNormWarmup() default GradNormWarmup.NONE;

    /**
     * For {@link Weighting#GRADNORM}: where the gradient norms are measured; default
     * {@link GradNormScope#LAST_SHARED_LAYER}, {@link GradNormScope#ALL_SHARED} under {@link Convention#LIBMTL}.
     * {@link #sharedLayer()} applies to the first only.
     */
    GradNormScope gradNormScope() default GradNormScope.LAST_SHARED_LAYER;

    /**
     * For {@link Weighting#PCGRAD}: which branches each gradient is projected against; default
     * {@link PcGradOrder#OTHERS}, {@link PcGradOrder#ALL} under {@link Convention#LIBMTL}.
     */
    PcGradOrder pcGradOrder() default PcGradOrder.OTHERS;

    /**
     * For {@link Weighting#DWA}, and {@link Weighting#GRADNORM} with {@link GradNormWarmup#FIRST_EPOCH}: how an
     * epoch's mean loss is taken; default {@link EpochMean#PER_BATCH}, {@link EpochMean#PER_EXAMPLE} under
     * {@link Convention#LIBMTL}.
     */
    EpochMean epochMean() default EpochMean.PER_BATCH;

    /**
     * For {@link Weighting#MGDA}, {@link Weighting#GRADNORM}, {@link Weighting#IMTL} (but {@link ImtlMode#LOSS})
     * and {@link Weighting#ALIGNED_MTL}: which gradients the weights are computed from;
     * {@link GradientSource#PARAMETERS} under either preset (LibMTL's {@code rep_grad} is off by default). With a
     * representation source GradNorm ignores {@link #gradNormScope()} and {@link #sharedLayer()}, and MGDA updates with
     * {@code Σ αᵢ·∇Lᵢ} whatever its normalisation (as LibMTL does with {@code rep_grad}).
     */
    GradientSource gradientSource() default GradientSource.PARAMETERS;

    /**
     * For {@link Weighting#CAGRAD}: the radius c of the ball around the average gradient, relative to its norm;
     * finite and non-negative (0 gives the average gradient). 0.5, the paper's (and LibMTL's) value, by default.
     */
    double caGradRadius() default 0.5;

    /**
     * For {@link Weighting#CAGRAD}: how the update is scaled, as LibMTL's {@code rescale}: 0 not at all, 1 divided by
     * {@code 1 + c²} (the default, the paper's), 2 divided by {@code 1 + c}.
     */
    int caGradRescale() default 1;

    /**
     * For {@link Weighting#STCH}: the smoothing μ of the smooth Tchebycheff total; positive and finite. Smaller values
     * follow the worst branch more closely. Lin et al.'s and LibMTL's default, 1.
     */
    double stchMu() default 1.0;

    /**
     * For {@link Weighting#STCH}: the epochs trained on {@code Σ log Lᵢ} before the one that also measures the nadir
     * point (each branch's mean loss); not negative. LibMTL's default, 4 (epochs 0–3 warm up, epoch 4 measures).
     */
    long stchWarmupEpochs() default 4;

    /**
     * For {@link Weighting#FAMO}: the Adam learning rate β of the weighting's logits; positive and finite. Liu et al.'s
     * and LibMTL's default, 0.025.
     */
    double famoLearningRate() default 0.025;

    /**
     * For {@link Weighting#FAMO}: the L2 weight decay γ of the weighting's logits; finite, not negative. Liu et al.'s
     * and LibMTL's default, 0.001.
     */
    double famoWeightDecay() default 0.001;

    /**
     * For {@link Weighting#IMTL}: which of the paper's methods to apply, the loss balance, the gradient balance or both;
     * default {@link ImtlMode#HYBRID}, the paper's full IMTL and LibMTL's.
     */
    ImtlMode imtlMode() default ImtlMode.HYBRID;

    /**
     * For {@link Weighting#GRADVAC}: the rate β of the exponential moving averages that set the cosine targets, in
     * [0, 1]; 0 keeps every target at 0 (PCGrad). Default 0.01, the paper's; LibMTL's default is 0.5.
     */
    double gradVacBeta() default 0.01;

    /**
     * For {@link Weighting#GRADVAC}: the groups of shared parameters that each have their own cosines and targets;
     * default {@link GradVacGroups#WHOLE_MODEL}, LibMTL's.
     */
    GradVacGroups gradVacGroups() default GradVacGroups.WHOLE_MODEL;

    /**
     * For {@link Weighting#SDMGRAD}: λ, how far the update is pulled towards the average gradient; finite, not
     * negative (0 is a stochastic MGDA). 0.3, LibMTL's default and the official code's NYU-v2 and Cityscapes runs'.
     */
    double sdmGradLambda() default 0.3;

    /**
     * For {@link Weighting#SDMGRAD}: the projected SGD steps on the weights w per training step; positive. 20, LibMTL's
     * default and the official code's.
     */
    int sdmGradIterations() default 20;

    /**
     * For {@link Weighting#MODO}: γ, the learning rate of the weights λ; positive and finite. 0.001, LibMTL's default
     * (the paper tunes it per experiment).
     */
    double modoGamma() default 0.001;

    /**
     * For {@link Weighting#MODO}: ρ, the L2 regularisation of the weights' update; finite, not negative. 0.1, LibMTL's
     * default.
     */
    double modoRho() default 0.1;

    /**
     * For {@link Weighting#NASH_MTL}: the norm the combined shared gradient is clipped to (as
     * {@code torch.nn.utils.clip_grad_norm_}); finite, not negative, 0 turns clipping off. The paper's and LibMTL's
     * {@code max_norm}, 1.
     */
    double nashMtlMaxNorm() default 1.0;

    /**
     * For {@link Weighting#NASH_MTL}: how many steps apart the weights are solved, reused in between; at least 1. The
     * paper's and LibMTL's {@code update_weights_every}, 1.
     */
    int nashMtlUpdateEvery() default 1;

    /**
     * For {@link Weighting#FAIRGRAD}: the fairness exponent α of {@code G·w = w^(-1/α)}; positive and finite (1:
     * proportional fairness, larger: fairer to the worst branch). LibMTL's default (config.py), 1.
     */
    double fairGradAlpha() default 1.0;

    /**
     * For {@link Weighting#GRADDROP}: the leak ℓ, the fraction of a dropped gradient that is kept, in [0, 1]. Chen et
     * al.'s and LibMTL's default, 0 (1 gives the plain sum).
     */
    double gradDropLeak() default 0.0;

    /**
     * For {@link Weighting#DB_MTL}: β, the weight of the past in the moving averages of the log-loss gradients, in
     * [0, 1]. LibMTL's default ({@code DB_beta}), 0.9.
     */
    double dbMtlBeta() default 0.9;

    /**
     * For {@link Weighting#DB_MTL}: σ, the decay of β with the step t ({@code β/t^σ}); finite, not negative. LibMTL's
     * default ({@code DB_beta_sigma}), 0: no decay.
     */
    double dbMtlBetaSigma() default 0.0;

    /**
     * For {@link Weighting#MOCO}: β, the rate at which the tracked gradients follow the branch gradients, in (0, 1].
     * LibMTL's default ({@code MoCo_beta}), 0.5.
     */
    double mocoBeta() default 0.5;

    /** For {@link Weighting#MOCO}: the decay σ of β ({@code β/t^σ}); finite, not negative. LibMTL's default, 0.5. */
    double mocoBetaSigma() default 0.5;

    /** For {@link Weighting#MOCO}: γ, the step size of the weights λ; finite, not negative. LibMTL's default, 0.1. */
    double mocoGamma() default 0.1;

    /** For {@link Weighting#MOCO}: the decay σ of γ ({@code γ/t^σ}); finite, not negative. LibMTL's default, 0.5. */
    double mocoGammaSigma() default 0.5;

    /** For {@link Weighting#MOCO}: ρ, the L2 regularisation of λ's step; finite, not negative. LibMTL's default, 0. */
    double mocoRho() default 0.0;

    /**
     * For {@link Weighting#EXCESS_MTL}: the robust step size η of the weights' multiplicative update; finite, not
     * negative. LibMTL's default ({@code robust_step_size}), 0.01.
     */
    double excessMtlStepSize() default 0.01;
}

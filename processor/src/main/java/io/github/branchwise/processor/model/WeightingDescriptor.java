package io.github.branchwise.processor.model;

import com.palantir.javapoet.ClassName;
import io.github.branchwise.annotations.Convention;
import io.github.branchwise.annotations.EpochMean;
import io.github.branchwise.annotations.GradNormScope;
import io.github.branchwise.annotations.GradNormWarmup;
import io.github.branchwise.annotations.GradVacGroups;
import io.github.branchwise.annotations.GradientSource;
import io.github.branchwise.annotations.HeadGradients;
import io.github.branchwise.annotations.ImtlMode;
import io.github.branchwise.annotations.MgdaNormalization;
import io.github.branchwise.annotations.PcGradOrder;
import io.github.branchwise.annotations.Ramp;
import io.github.branchwise.annotations.RampUnit;
import io.github.branchwise.annotations.UncertaintyScale;
import io.github.branchwise.annotations.Weighting;
import java.util.List;
import java.util.Optional;

/**
 * The {@code @WeightedLoss} attributes, as validated; each strategy reads its own and ignores the others.
 *
 * @param kind the strategy
 * @param initial TRAINABLE: the first weight's starting value with two branches
 * @param min TRAINABLE: the smallest weight
 * @param max TRAINABLE: the largest weight
 * @param weights FIXED: one weight per branch, in declaration order; SCHEDULED: the weights at the start of the ramp
 * @param endWeights SCHEDULED: the weights at the end of the ramp
 * @param ramp SCHEDULED: the shape of the ramp
 * @param rampLength SCHEDULED: the length of the ramp, positive
 * @param rampUnit SCHEDULED: what the ramp counts
 * @param schedule SCHEDULED: the user's schedule class, used instead of the ramp when present
 * @param temperature DWA: the temperature
 * @param asymmetry GRADNORM: the asymmetry of the targets
 * @param sharedLayer GRADNORM on the last shared layer: the {@code @Shared} method measured, resolved (the last one
 *     declared when the annotation names none); empty for the other strategies and GradNorm on every shared parameter
 * @param strategy CUSTOM: the user's strategy class
 * @param convention the preset of the conventions; MGDA reads it for its two-branch clamp and update
 * @param headGradients GRADNORM, MGDA: what heads get, resolved (explicit, else the preset's)
 * @param mgdaNormalization MGDA: the normalisation, resolved
 * @param uncertaintyScale UNCERTAINTY: the constant, resolved
 * @param initialLogVariance UNCERTAINTY: the start of s, resolved
 * @param gradNormWarmup GRADNORM: the warm-up, resolved
 * @param gradNormScope GRADNORM: where norms are measured, resolved
 * @param pcGradOrder PCGRAD: the order, resolved
 * @param epochMean DWA, GRADNORM: the epoch mean, resolved
 * @param gradientSource GRADNORM, MGDA, IMTL, ALIGNED_MTL: which gradients the weights come from, resolved
 * @param caGradRadius CAGRAD: the radius c, relative to the average gradient's norm
 * @param caGradRescale CAGRAD: 0, 1 or 2, how the update is scaled
 * @param stchMu STCH: the smoothing μ
 * @param stchWarmupEpochs STCH: the warm-up epochs before the one that measures the nadir point
 * @param famoLearningRate FAMO: the logits' Adam learning rate
 * @param famoWeightDecay FAMO: the logits' L2 weight decay
 * @param imtlMode IMTL: which of the paper's balances apply
 * @param gradVacBeta GRADVAC: the rate β of the cosine targets' moving averages
 * @param gradVacGroups GRADVAC: the groups of shared parameters with their own targets
 * @param sdmGradLambda SDMGRAD: λ, the pull towards the average gradient
 * @param sdmGradIterations SDMGRAD: the projected SGD steps on the weights per training step
 * @param modoGamma MODO: γ, the learning rate of the weights
 * @param modoRho MODO: ρ, the L2 regularisation of the weights' update
 * @param nashMtlMaxNorm NASH_MTL: the norm the shared gradient is clipped to, 0 for none
 * @param nashMtlUpdateEvery NASH_MTL: how many steps apart the weights are solved
 * @param fairGradAlpha FAIRGRAD: the fairness exponent α
 * @param gradDropLeak GRADDROP: the leak ℓ
 * @param dbMtlBeta DB_MTL: the moving averages' β
 * @param dbMtlBetaSigma DB_MTL: the decay of β
 * @param mocoBeta MOCO: the tracking rate β
 * @param mocoBetaSigma MOCO: the decay of β
 * @param mocoGamma MOCO: the weights' step size γ
 * @param mocoGammaSigma MOCO: the decay of γ
 * @param mocoRho MOCO: the L2 regularisation ρ
 * @param excessMtlStepSize EXCESS_MTL: the robust step size η
 */
public record WeightingDescriptor(
        Weighting kind,
        double initial,
        double min,
        double max,
        List<Double> weights,
        List<Double> endWeights,
        Ramp ramp,
        long rampLength,
        RampUnit rampUnit,
        Optional<ClassName> schedule,
        double temperature,
        double asymmetry,
        String sharedLayer,
        Optional<ClassName> strategy,
        Convention convention,
        HeadGradients headGradients,
        MgdaNormalization mgdaNormalization,
        UncertaintyScale uncertaintyScale,
        double initialLogVariance,
        GradNormWarmup gradNormWarmup,
        GradNormScope gradNormScope,
        PcGradOrder pcGradOrder,
        EpochMean epochMean,
        GradientSource gradientSource,
        double caGradRadius,
        int caGradRescale,
        double stchMu,
        long stchWarmupEpochs,
        double famoLearningRate,
        double famoWeightDecay,
        ImtlMode imtlMode,
        double gradVacBeta,
        GradVacGroups gradVacGroups,
        double sdmGradLambda,
        int sdmGradIterations,
        double modoGamma,
        double modoRho,
        double nashMtlMaxNorm,
        int nashMtlUpdateEvery,
        double fairGradAlpha,
        double gradDropLeak,
        double dbMtlBeta,
        double dbMtlBetaSigma,
        double mocoBeta,
        double mocoBetaSigma,
        double mocoGamma,
        double mocoGammaSigma,
        double mocoRho,
        double excessMtlStepSize) {
    /** Copies the weights. */
    public WeightingDescriptor {
        weights = List.copyOf(weights);
        endWeights = List.copyOf(endWeights);
    }
}

package io.github.branchwise.processor.validation;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which {@code @WeightedLoss} attributes each weighting reads, by the names of the {@code Weighting} constants.
 *
 * <p>Names rather than the enum, so that a newer annotations jar with constants this processor does not know is
 * reported as such instead of failing to load.
 */
final class WeightingAttributes {
    /** {@code io.github.branchwise.runtime.weighting.WeightSchedule}, what a schedule class implements. */
    static final String WEIGHT_SCHEDULE = "io.github.branchwise.runtime.weighting.WeightSchedule";
    /** {@code io.github.branchwise.runtime.weighting.Weighter}, what a strategy class implements. */
    static final String WEIGHTER = "io.github.branchwise.runtime.weighting.Weighter";

    /** Every attribute but {@code weighting}, in the order of their declaration in {@code @WeightedLoss}. */
    static final List<String> ALL = List.of("initial", "min", "max", "weights", "endWeights", "ramp", "rampLength",
            "rampUnit", "schedule", "temperature", "asymmetry", "sharedLayer", "strategy", "convention", "headGradients",
            "mgdaNormalization", "uncertaintyScale", "initialLogVariance", "gradNormWarmup", "gradNormScope",
            "pcGradOrder", "epochMean", "gradientSource",
            "caGradRadius", "caGradRescale", "stchMu", "stchWarmupEpochs", "famoLearningRate", "famoWeightDecay",
            "imtlMode", "gradVacBeta", "gradVacGroups", "sdmGradLambda", "sdmGradIterations", "modoGamma", "modoRho",
            "nashMtlMaxNorm", "nashMtlUpdateEvery", "fairGradAlpha",
            "gradDropLeak", "dbMtlBeta", "dbMtlBetaSigma", "mocoBeta", "mocoBetaSigma", "mocoGamma", "mocoGammaSigma",
            "mocoRho", "excessMtlStepSize");

    /** The attributes each weighting reads; RLW, GLS and UPGRAD read none. */
    private static final Map<String, Set<String>> USED = Map.ofEntries(
            Map.entry("FIXED", Set.of("weights")),
            Map.entry("TRAINABLE", Set.of("initial", "min", "max")),
            Map.entry("SCHEDULED", Set.of("weights", "endWeights", "ramp", "rampLength", "rampUnit", "schedule")),
            Map.entry("UNCERTAINTY", Set.of("convention", "uncertaintyScale", "initialLogVariance")),
            Map.entry("DWA", Set.of("temperature", "convention", "epochMean")),
            Map.entry("RLW", Set.of()),
            Map.entry("GLS", Set.of()),
            Map.entry("GRADNORM", Set.of("asymmetry", "sharedLayer", "convention", "headGradients", "gradNormWarmup",
                    "gradNormScope", "epochMean", "gradientSource")),
            Map.entry("PCGRAD", Set.of("convention", "pcGradOrder")),
            Map.entry("MGDA", Set.of("convention", "headGradients", "mgdaNormalization", "gradientSource")),
            Map.entry("CAGRAD", Set.of("caGradRadius", "caGradRescale")),
            Map.entry("STCH", Set.of("stchMu", "stchWarmupEpochs")),
            Map.entry("FAMO", Set.of("famoLearningRate", "famoWeightDecay")),
            Map.entry("IMTL", Set.of("imtlMode", "gradientSource")),
            Map.entry("ALIGNED_MTL", Set.of("gradientSource")),
            Map.entry("GRADVAC", Set.of("gradVacBeta", "gradVacGroups")),
            Map.entry("SDMGRAD", Set.of("sdmGradLambda", "sdmGradIterations")),
            Map.entry("MODO", Set.of("modoGamma", "modoRho")),
            Map.entry("UPGRAD", Set.of()),
            Map.entry("NASH_MTL", Set.of("nashMtlMaxNorm", "nashMtlUpdateEvery")),
            Map.entry("FAIRGRAD", Set.of("fairGradAlpha")),
            Map.entry("GRADDROP", Set.of("gradDropLeak")),
            Map.entry("DB_MTL", Set.of("dbMtlBeta", "dbMtlBetaSigma")),
            Map.entry("MOCO", Set.of("mocoBeta", "mocoBetaSigma", "mocoGamma", "mocoGammaSigma", "mocoRho")),
            Map.entry("EXCESS_MTL", Set.of("excessMtlStepSize")),
            Map.entry("CUSTOM", Set.of("strategy")));

    /** With a schedule class, SCHEDULED reads the class alone. */
    private static final Set<String> USED_WITH_SCHEDULE = Set.of("schedule");

    private WeightingAttributes() {
    }

    /** Whether this processor generates the weighting of that name. */
    static boolean isKnown(String weighting) {
        return USED.containsKey(weighting);
    }

    /** Whether {@code weighting} reads {@code attribute}; {@code withSchedule} when a schedule class is set. */
    static boolean uses(String weighting, boolean withSchedule, String attribute) {
        if (weighting.equals("SCHEDULED") && withSchedule) {
            return USED_WITH_SCHEDULE.contains(attribute);
        }
        return USED.getOrDefault(weighting, Set.of()).contains(attribute);
    }
}

package io.github.branchwise.runtime.internal;

import io.github.branchwise.annotations.Convention;
import io.github.branchwise.annotations.EpochMean;
import io.github.branchwise.annotations.GradNormScope;
import io.github.branchwise.annotations.GradNormWarmup;
import io.github.branchwise.annotations.GradVacGroups;
import io.github.branchwise.annotations.GradientSource;
import io.github.branchwise.annotations.HeadGradients;
import io.github.branchwise.annotations.ImtlMode;
import io.github.branchwise.annotations.Loss;
import io.github.branchwise.annotations.MgdaNormalization;
import io.github.branchwise.annotations.PcGradOrder;
import io.github.branchwise.annotations.Ramp;
import io.github.branchwise.annotations.RampUnit;
import io.github.branchwise.annotations.UncertaintyScale;
import io.github.branchwise.annotations.Weighting;
import io.github.branchwise.runtime.LossWeighting;
import io.github.branchwise.runtime.strategies.AlignedMtlWeighter;
import io.github.branchwise.runtime.strategies.DwaWeighter;
import io.github.branchwise.runtime.strategies.FairGradWeighter;
import io.github.branchwise.runtime.strategies.FamoWeighter;
import io.github.branchwise.runtime.strategies.GradDropWeighter;
import io.github.branchwise.runtime.strategies.DbMtlWeighter;
import io.github.branchwise.runtime.strategies.MoCoWeighter;
import io.github.branchwise.runtime.strategies.ExcessMtlWeighter;
import io.github.branchwise.runtime.strategies.FixedWeighter;
import io.github.branchwise.runtime.strategies.GlsWeighter;
import io.github.branchwise.runtime.strategies.GradNormWeighter;
import io.github.branchwise.runtime.strategies.GradVacWeighter;
import io.github.branchwise.runtime.strategies.ImtlWeighter;
import io.github.branchwise.runtime.strategies.MgdaWeighter;
import io.github.branchwise.runtime.strategies.NashMtlWeighter;
import io.github.branchwise.runtime.strategies.CaGradWeighter;
import io.github.branchwise.runtime.strategies.PcGradWeighter;
import io.github.branchwise.runtime.strategies.MoDoWeighter;
import io.github.branchwise.runtime.strategies.RlwWeighter;
import io.github.branchwise.runtime.strategies.SdmGradWeighter;
import io.github.branchwise.runtime.strategies.ScheduledWeighter;
import io.github.branchwise.runtime.strategies.StchWeighter;
import io.github.branchwise.runtime.strategies.UpGradWeighter;
import io.github.branchwise.runtime.strategies.TrainableWeighter;
import io.github.branchwise.runtime.strategies.UncertaintyWeighter;
import io.github.branchwise.runtime.weighting.WeightSchedule;
import io.github.branchwise.runtime.weighting.Weighter;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The {@code @WeightedLoss} of a model: which strategy combines the branch losses, with its settings. Each factory
 * checks its settings at once; {@link #newWeighter} makes a fresh weighter for every model instance.
 */
public final class WeightingSpec {
    private final Weighting weighting;
    private final String description;
    private final Function<List<BranchSpec>, Weighter> factory;

    private WeightingSpec(Weighting weighting, String description, Function<List<BranchSpec>, Weighter> factory) {
        this.weighting = weighting;
        this.description = description;
        this.factory = factory;
    }

    /**
     * Constant weights, one per branch in declaration order.
     *
     * @throws IllegalArgumentException when a weight is negative or not finite, or all are zero
     */
    public static WeightingSpec fixed(double... weights) {
        double[] copy = checkWeights("FIXED", weights);
        return new WeightingSpec(Weighting.FIXED, "FIXED" + Arrays.toString(copy), branches -> {
            requireCount("FIXED weights", copy.length, branches.size());
            return new FixedWeighter(copy);
        });
    }

    /**
     * A trainable convex combination starting at {@code initial} (two branches) and kept in {@code [min, max]}.
     *
     * @throws IllegalArgumentException unless {@code min <= initial <= max}
     */
    public static WeightingSpec trainable(double initial, double min, double max) {
        new TrainableWeighter(initial, min, max);
        return new WeightingSpec(Weighting.TRAINABLE,
                "TRAINABLE(initial=" + initial + ", min=" + min + ", max=" + max + ")",
                branches -> {
                    int n = branches.size();
                    // Two branches share one α in [min, max]; from three on the weights are projected onto the
                    // simplex, which needs room for 1/N.
                    if (n > 2 && (n * min > 1 || n * max < 1)) {
                        throw new IllegalArgumentException("TRAINABLE weights sum to one, so with " + n + " branches "
                                + "min must be at most 1/" + n + " and max at least 1/" + n + "; min = " + min
                                + ", max = " + max);
                    }
                    return new TrainableWeighter(initial, min, max);
                });
    }

    /** Weights ramping from {@code start} to {@code end} over {@code length} steps or epochs. */
    public static WeightingSpec scheduled(double[] start, double[] end, Ramp ramp, long length, RampUnit unit) {
        double[] from = checkWeights("SCHEDULED start", start);
        double[] to = checkWeights("SCHEDULED end", end);
        WeightSchedule schedule = ScheduledWeighter.ramp(from, to, ramp, length, unit);
        return new WeightingSpec(Weighting.SCHEDULED, "SCHEDULED(" + ramp + " " + Arrays.toString(from) + " -> "
                + Arrays.toString(to) + " over " + length + " " + unit + ")", branches -> {
                    requireCount("SCHEDULED weights", from.length, branches.size());
                    return new ScheduledWeighter(schedule);
                });
    }

    /** Weights from a user schedule; {@code schedule} makes one instance per model. */
    public static WeightingSpec scheduled(Supplier<? extends WeightSchedule> schedule) {
        Objects.requireNonNull(schedule, "schedule");
        return new WeightingSpec(Weighting.SCHEDULED, "SCHEDULED(custom)",
                branches -> new ScheduledWeighter(schedule.get()));
    }

    /** Kendall et al.'s uncertainty weighting; the cross-entropy branches use the classification form. */
    public static WeightingSpec uncertainty() {
        return uncertainty(UncertaintyScale.BY_LOSS, 0.0);
    }

    /**
     * Kendall et al.'s uncertainty weighting with the constant {@code scale} and every {@code sᵢ} starting at
     * {@code initialLogVariance}.
     *
     * @throws IllegalArgumentException unless {@code initialLogVariance} is finite
     */
    public static WeightingSpec uncertainty(UncertaintyScale scale, double initialLogVariance) {
        Objects.requireNonNull(scale, "scale");
        new UncertaintyWeighter(new boolean[0], scale, initialLogVariance);
        boolean defaults = scale == UncertaintyScale.BY_LOSS && initialLogVariance == 0;
        return new WeightingSpec(Weighting.UNCERTAINTY, defaults ? "UNCERTAINTY"
                : "UNCERTAINTY(c=" + scale + ", s0=" + initialLogVariance + ")", branches -> {
            boolean[] classification = new boolean[branches.size()];
            for (int i = 0; i < classification.length; i++) {
                Loss loss = branches.get(i).loss();
                classification[i] = loss == Loss.BINARY_CROSSENTROPY || loss == Loss.CATEGORICAL_CROSSENTROPY
                        || loss == Loss.SPARSE_CATEGORICAL_CROSSENTROPY;
            }
            return new UncertaintyWeighter(classification, scale, initialLogVariance);
        });
    }

    /** Dynamic Weight Average with temperature T. */
    public static WeightingSpec dwa(double temperature) {
        return dwa(temperature, EpochMean.PER_BATCH);
    }

    /** Dynamic Weight Average with temperature T, epoch means taken as {@code epochMean} says. */
    public static WeightingSpec dwa(double temperature, EpochMean epochMean) {
        new DwaWeighter(temperature, epochMean);
        return new WeightingSpec(Weighting.DWA, "DWA(T=" + temperature
                + (epochMean == EpochMean.PER_BATCH ? "" : ", " + epochMean) + ")",
                branches -> new DwaWeighter(temperature, epochMean));
    }

    /** Random Loss Weighting. */
    public static WeightingSpec rlw() {
        return new WeightingSpec(Weighting.RLW, "RLW", branches -> new RlwWeighter());
    }

    /** Geometric Loss Strategy. */
    public static WeightingSpec gls() {
        return new WeightingSpec(Weighting.GLS, "GLS", branches -> new GlsWeighter());
    }

    /** GradNorm with asymmetry a, measured on the last layer of {@code sharedLayer} (empty: the last shared one). */
    public static WeightingSpec gradNorm(double asymmetry, String sharedLayer) {
        Convention b = Convention.BRANCHWISE;
        return gradNorm(asymmetry, sharedLayer, b.headGradients(), b.gradNormWarmup(), b.gradNormScope(),
                b.epochMean());
    }

    /** GradNorm with every convention chosen; see {@link GradNormWeighter}. */
    public static WeightingSpec gradNorm(double asymmetry, String sharedLayer, HeadGradients heads,
                                         GradNormWarmup warmup, GradNormScope scope, EpochMean epochMean) {
        return gradNorm(asymmetry, sharedLayer, heads, warmup, scope, epochMean, GradientSource.PARAMETERS);
    }

    /** GradNorm with every convention chosen, measured on the gradients {@code source} names. */
    public static WeightingSpec gradNorm(double asymmetry, String sharedLayer, HeadGradients heads,
                                         GradNormWarmup warmup, GradNormScope scope, EpochMean epochMean,
                                         GradientSource source) {
        new GradNormWeighter(asymmetry, sharedLayer, heads, warmup, scope, epochMean, source);
        return new WeightingSpec(Weighting.GRADNORM, "GRADNORM(a=" + asymmetry
                + (sharedLayer == null || sharedLayer.isEmpty() ? "" : ", layer=" + sharedLayer)
                + (heads == HeadGradients.WEIGHTED ? "" : ", heads " + heads)
                + (warmup == GradNormWarmup.NONE ? "" : ", warm-up " + warmup + " " + epochMean)
                + (scope == GradNormScope.LAST_SHARED_LAYER ? "" : ", on " + scope)
                + (source == GradientSource.PARAMETERS ? "" : ", from " + source) + ")",
                branches -> new GradNormWeighter(asymmetry, sharedLayer, heads, warmup, scope, epochMean, source));
    }

    /** PCGrad. */
    public static WeightingSpec pcGrad() {
        return pcGrad(PcGradOrder.OTHERS);
    }

    /** PCGrad projecting against the branches {@code order} says. */
    public static WeightingSpec pcGrad(PcGradOrder order) {
        Objects.requireNonNull(order, "order");
        return new WeightingSpec(Weighting.PCGRAD, order == PcGradOrder.OTHERS ? "PCGRAD" : "PCGRAD(" + order + ")",
                branches -> new PcGradWeighter(order));
    }

    /** MGDA. */
    public static WeightingSpec mgda() {
        return mgda(Convention.BRANCHWISE, MgdaNormalization.NONE, HeadGradients.WEIGHTED);
    }

    /** MGDA with {@code convention}'s two-branch clamp and update, the normalisation and head gradients given. */
    public static WeightingSpec mgda(Convention convention, MgdaNormalization normalization, HeadGradients heads) {
        return mgda(convention, normalization, heads, GradientSource.PARAMETERS);
    }

    /** MGDA as {@link #mgda(Convention, MgdaNormalization, HeadGradients)}, from the gradients {@code source} names. */
    public static WeightingSpec mgda(Convention convention, MgdaNormalization normalization, HeadGradients heads,
                                     GradientSource source) {
        new MgdaWeighter(convention, normalization, heads, source);
        boolean defaults = convention == Convention.BRANCHWISE && normalization == MgdaNormalization.NONE
                && heads == HeadGradients.WEIGHTED && source == GradientSource.PARAMETERS;
        return new WeightingSpec(Weighting.MGDA, defaults ? "MGDA"
                : "MGDA(" + convention + ", " + normalization + ", heads " + heads
                        + (source == GradientSource.PARAMETERS ? "" : ", from " + source) + ")",
                branches -> new MgdaWeighter(convention, normalization, heads, source));
    }

    /** CAGrad with the paper's radius, 0.5, and rescale 1. */
    public static WeightingSpec caGrad() {
        return caGrad(0.5, 1);
    }

    /**
     * CAGrad with radius {@code c} and rescale {@code rescale} (0, 1 or 2).
     *
     * @throws IllegalArgumentException unless c is finite and non-negative and rescale is 0, 1 or 2
     */
    public static WeightingSpec caGrad(double c, int rescale) {
        new CaGradWeighter(c, rescale);
        return new WeightingSpec(Weighting.CAGRAD, c == 0.5 && rescale == 1 ? "CAGRAD"
                : "CAGRAD(c=" + c + ", rescale " + rescale + ")", branches -> new CaGradWeighter(c, rescale));
    }

    /**
     * Smooth Tchebycheff scalarisation with smoothing μ after {@code warmupEpochs} warm-up epochs.
     *
     * @throws IllegalArgumentException unless μ is positive and finite and {@code warmupEpochs} not negative
     */
    public static WeightingSpec stch(double mu, long warmupEpochs) {
        new StchWeighter(mu, warmupEpochs);
        return new WeightingSpec(Weighting.STCH, "STCH(mu=" + mu + ", warmupEpochs=" + warmupEpochs + ")",
                branches -> new StchWeighter(mu, warmupEpochs));
    }

    /**
     * FAMO with the logits' Adam learning rate and weight decay.
     *
     * @throws IllegalArgumentException unless the learning rate is positive and finite and the decay finite and not
     *                                  negative
     */
    public static WeightingSpec famo(double learningRate, double weightDecay) {
        new FamoWeighter(learningRate, weightDecay);
        return new WeightingSpec(Weighting.FAMO, "FAMO(lr=" + learningRate + ", decay=" + weightDecay + ")",
                branches -> new FamoWeighter(learningRate, weightDecay));
    }

    /** IMTL in {@code mode}, IMTL-G balancing the gradients {@code source} names. */
    public static WeightingSpec imtl(ImtlMode mode, GradientSource source) {
        new ImtlWeighter(mode, source);
        return new WeightingSpec(Weighting.IMTL, mode == ImtlMode.HYBRID && source == GradientSource.PARAMETERS
                ? "IMTL" : "IMTL(" + mode + (source == GradientSource.PARAMETERS ? "" : ", from " + source) + ")",
                branches -> new ImtlWeighter(mode, source));
    }

    /** Aligned-MTL on the Gram matrix of the gradients {@code source} names. */
    public static WeightingSpec alignedMtl(GradientSource source) {
        new AlignedMtlWeighter(source);
        return new WeightingSpec(Weighting.ALIGNED_MTL, source == GradientSource.PARAMETERS ? "ALIGNED_MTL"
                : "ALIGNED_MTL(from " + source + ")", branches -> new AlignedMtlWeighter(source));
    }

    /**
     * GradVac with the targets' rate β and the groups of shared parameters given.
     *
     * @throws IllegalArgumentException unless β lies in [0, 1]
     */
    public static WeightingSpec gradVac(double beta, GradVacGroups groups) {
        new GradVacWeighter(beta, groups);
        return new WeightingSpec(Weighting.GRADVAC, "GRADVAC(beta=" + beta + ", " + groups + ")",
                branches -> new GradVacWeighter(beta, groups));
    }

    /**
     * SDMGrad with λ (the pull towards the average gradient) and the inner iterations on its weights per step; each
     * step's batch is split into three parts, the strategy's independent samples.
     *
     * @throws IllegalArgumentException unless λ is finite and not negative and the iterations positive
     */
    public static WeightingSpec sdmGrad(double lambda, int iterations) {
        new SdmGradWeighter(lambda, iterations);
        return new WeightingSpec(Weighting.SDMGRAD, "SDMGRAD(lambda=" + lambda + ", iterations=" + iterations + ")",
                branches -> new SdmGradWeighter(lambda, iterations));
    }

    /**
     * MoDo with γ (the weights' learning rate) and ρ (their update's L2 regularisation); each step's batch is split
     * into three parts, the strategy's independent samples.
     *
     * @throws IllegalArgumentException unless γ is positive and finite and ρ finite and not negative
     */
    public static WeightingSpec moDo(double gamma, double rho) {
        new MoDoWeighter(gamma, rho);
        return new WeightingSpec(Weighting.MODO, "MODO(gamma=" + gamma + ", rho=" + rho + ")",
                branches -> new MoDoWeighter(gamma, rho));
    }

    /** UPGrad with torchjd's constants. */
    public static WeightingSpec upGrad() {
        return new WeightingSpec(Weighting.UPGRAD, "UPGRAD", branches -> new UpGradWeighter());
    }

    /** Nash-MTL with the paper's defaults: clipped to norm 1, solved every step. */
    public static WeightingSpec nashMtl() {
        return nashMtl(1.0, 1);
    }

    /**
     * Nash-MTL with the shared gradient clipped to norm {@code maxNorm} (0: not clipped), solved every
     * {@code updateEvery} steps.
     *
     * @throws IllegalArgumentException unless maxNorm is finite and non-negative and updateEvery at least 1
     */
    public static WeightingSpec nashMtl(double maxNorm, int updateEvery) {
        new NashMtlWeighter(maxNorm, updateEvery);
        return new WeightingSpec(Weighting.NASH_MTL, maxNorm == 1.0 && updateEvery == 1 ? "NASH_MTL"
                : "NASH_MTL(maxNorm=" + maxNorm + ", updateEvery " + updateEvery + ")",
                branches -> new NashMtlWeighter(maxNorm, updateEvery));
    }

    /** FairGrad with LibMTL's default α = 1 (proportional fairness). */
    public static WeightingSpec fairGrad() {
        return fairGrad(1.0);
    }

    /**
     * FairGrad with fairness exponent {@code alpha}.
     *
     * @throws IllegalArgumentException unless alpha is positive and finite
     */
    public static WeightingSpec fairGrad(double alpha) {
        new FairGradWeighter(alpha);
        return new WeightingSpec(Weighting.FAIRGRAD, alpha == 1.0 ? "FAIRGRAD" : "FAIRGRAD(alpha=" + alpha + ")",
                branches -> new FairGradWeighter(alpha));
    }

    /**
     * GradDrop with the leak ℓ.
     *
     * @throws IllegalArgumentException unless leak is in [0, 1]
     */
    public static WeightingSpec gradDrop(double leak) {
        new GradDropWeighter(leak);
        return new WeightingSpec(Weighting.GRADDROP, leak == 0 ? "GRADDROP" : "GRADDROP(leak=" + leak + ")",
                branches -> new GradDropWeighter(leak));
    }

    /**
     * DB-MTL with the moving averages' β and its decay σ.
     *
     * @throws IllegalArgumentException unless beta is in [0, 1] and betaSigma finite and not negative
     */
    public static WeightingSpec dbMtl(double beta, double betaSigma) {
        new DbMtlWeighter(beta, betaSigma);
        return new WeightingSpec(Weighting.DB_MTL, "DB_MTL(beta=" + beta + ", sigma=" + betaSigma + ")",
                branches -> new DbMtlWeighter(beta, betaSigma));
    }

    /**
     * MoCo with the tracking rate β, its decay, the weights' step size γ, its decay, and the regularisation ρ.
     *
     * @throws IllegalArgumentException unless beta is in (0, 1] and the others finite and not negative
     */
    public static WeightingSpec moco(double beta, double betaSigma, double gamma, double gammaSigma, double rho) {
        new MoCoWeighter(beta, betaSigma, gamma, gammaSigma, rho);
        return new WeightingSpec(Weighting.MOCO, "MOCO(beta=" + beta + ", betaSigma=" + betaSigma + ", gamma="
                + gamma + ", gammaSigma=" + gammaSigma + ", rho=" + rho + ")",
                branches -> new MoCoWeighter(beta, betaSigma, gamma, gammaSigma, rho));
    }

    /**
     * ExcessMTL with the robust step size η.
     *
     * @throws IllegalArgumentException unless the step size is finite and not negative
     */
    public static WeightingSpec excessMtl(double stepSize) {
        new ExcessMtlWeighter(stepSize);
        return new WeightingSpec(Weighting.EXCESS_MTL, "EXCESS_MTL(stepSize=" + stepSize + ")",
                branches -> new ExcessMtlWeighter(stepSize));
    }

    /** The user's own strategy; {@code strategy} makes one instance per model. */
    public static WeightingSpec custom(Supplier<? extends Weighter> strategy) {
        Objects.requireNonNull(strategy, "strategy");
        return new WeightingSpec(Weighting.CUSTOM, "CUSTOM", branches -> strategy.get());
    }

    /**
     * The weighting a {@link LossWeighting} chosen at run time describes, with the settings checked as the factories
     * above check the annotation's; a schedule or strategy class must be public, non-abstract, implement
     * {@link WeightSchedule} or {@link Weighter}, and have a public no-argument constructor.
     *
     * @throws IllegalArgumentException when a setting or class breaks one of those rules
     */
    public static WeightingSpec of(LossWeighting choice) {
        Objects.requireNonNull(choice, "choice");
        return switch (choice.weighting()) {
            case FIXED -> fixed(choice.weights());
            case TRAINABLE -> trainable(choice.initial(), choice.min(), choice.max());
            case SCHEDULED -> choice.schedule() == void.class
                    ? scheduled(choice.weights(), choice.endWeights(), choice.ramp(), choice.rampLength(),
                            choice.rampUnit())
                    : scheduled(instances(choice.schedule(), WeightSchedule.class, "schedule"));
            case UNCERTAINTY -> uncertainty(choice.uncertaintyScale(), choice.initialLogVariance());
            case DWA -> dwa(choice.temperature(), choice.epochMean());
            case RLW -> rlw();
            case GLS -> gls();
            case GRADNORM -> gradNorm(choice.asymmetry(), choice.sharedLayer(), choice.headGradients(),
                    choice.gradNormWarmup(), choice.gradNormScope(), choice.epochMean(), choice.gradientSource());
            case PCGRAD -> pcGrad(choice.pcGradOrder());
            case MGDA -> mgda(choice.convention(), choice.mgdaNormalization(), choice.headGradients(),
                    choice.gradientSource());
            case CAGRAD -> caGrad(choice.caGradRadius(), choice.caGradRescale());
            case STCH -> stch(choice.stchMu(), choice.stchWarmupEpochs());
            case FAMO -> famo(choice.famoLearningRate(), choice.famoWeightDecay());
            case IMTL -> imtl(choice.imtlMode(), choice.gradientSource());
            case ALIGNED_MTL -> alignedMtl(choice.gradientSource());
            case GRADVAC -> gradVac(choice.gradVacBeta(), choice.gradVacGroups());
            case SDMGRAD -> sdmGrad(choice.sdmGradLambda(), choice.sdmGradIterations());
            case MODO -> moDo(choice.modoGamma(), choice.modoRho());
            case UPGRAD -> upGrad();
            case NASH_MTL -> nashMtl(choice.nashMtlMaxNorm(), choice.nashMtlUpdateEvery());
            case FAIRGRAD -> fairGrad(choice.fairGradAlpha());
            case GRADDROP -> gradDrop(choice.gradDropLeak());
            case DB_MTL -> dbMtl(choice.dbMtlBeta(), choice.dbMtlBetaSigma());
            case MOCO -> moco(choice.mocoBeta(), choice.mocoBetaSigma(), choice.mocoGamma(), choice.mocoGammaSigma(),
                    choice.mocoRho());
            case EXCESS_MTL -> excessMtl(choice.excessMtlStepSize());
            case CUSTOM -> custom(instances(choice.strategy(), Weighter.class, "strategy"));
        };
    }

    private static <T> Supplier<T> instances(Class<?> type, Class<T> required, String what) {
        String rule = "the weighting's " + what + " must be a public, non-abstract class implementing "
                + required.getName() + " with a public no-argument constructor; " + type.getName();
        if (!required.isAssignableFrom(type)) {
            throw new IllegalArgumentException(rule + " does not implement " + required.getSimpleName());
        }
        if (type.isInterface() || Modifier.isAbstract(type.getModifiers())
                || !Modifier.isPublic(type.getModifiers())) {
            throw new IllegalArgumentException(rule + " is " + (Modifier.isPublic(type.getModifiers())
                    ? "abstract" : "not public"));
        }
        Constructor<?> constructor;
        try {
            constructor = type.getConstructor();
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException(rule + " has none");
        }
        return () -> {
            try {
                return required.cast(constructor.newInstance());
            } catch (InvocationTargetException e) {
                throw new IllegalStateException("the weighting's " + what + " " + type.getName()
                        + " threw in its constructor", e.getCause());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot create the weighting's " + what + " " + type.getName(), e);
            }
        };
    }

    /** The strategy. */
    public Weighting weighting() {
        return weighting;
    }

    /** A fresh weighter for a model with these branches. */
    public Weighter newWeighter(List<BranchSpec> branches) {
        if (branches.size() < 2 && weighting != Weighting.FIXED && weighting != Weighting.CUSTOM) {
            throw new IllegalArgumentException(weighting + " weighting needs at least two branches, got "
                    + branches.size());
        }
        Weighter weighter = factory.apply(branches);
        if (weighter == null) {
            throw new IllegalStateException(weighting + " weighting made no weighter");
        }
        return weighter;
    }

    private static double[] checkWeights(String what, double[] weights) {
        double[] copy = weights.clone();
        boolean anyPositive = false;
        for (double w : copy) {
            if (!(w >= 0) || Double.isInfinite(w)) {
                throw new IllegalArgumentException(what + " weights must be finite and non-negative, got "
                        + Arrays.toString(copy));
            }
            anyPositive |= w > 0;
        }
        if (!anyPositive) {
            throw new IllegalArgumentException(what + " weights must not all be zero, got " + Arrays.toString(copy));
        }
        return copy;
    }

    private static void requireCount(String what, int count, int branches) {
        if (count != branches) {
            throw new IllegalArgumentException(what + ": " + count + " weights for " + branches + " branches");
        }
    }

    @Override
    public String toString() {
        return description;
    }
}

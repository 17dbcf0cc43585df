package io.github.branchwise.runtime;

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
import java.util.Arrays;
import java.util.Objects;

/**
 * A choice of weighting made at run time: the same settings as {@code @WeightedLoss}, given to
 * {@link TrainingOptions.Builder#weighting(LossWeighting)} to override the annotation's choice for one model
 * instance, so that one model class serves a comparison of strategies:
 * <pre>{@code
 * for (LossWeighting weighting : List.of(LossWeighting.fixed(0.5, 0.5), LossWeighting.uncertainty(),
 *         LossWeighting.gradNorm())) {
 *     HousesTrainingModel model = HousesTrainingModel.create(
 *             TrainingOptions.builder().weighting(weighting).build());
 *     ...
 * }
 * }</pre>
 * <p>Each factory checks what it can without the model (finite, non-negative weights, bounds in order, a positive
 * temperature) and throws {@link IllegalArgumentException} at once, with the rule the annotation processor applies to
 * the same attribute; what depends on the model (one weight per branch, a {@code @Shared} method for GRADNORM, the
 * strategy class) is checked when the model is created. A model saved with an overriding weighting records it, so
 * loading the file builds the same strategy. Instances are immutable; every attribute a strategy does not read keeps
 * the annotation's default.
 *
 * <p>The conventions (where papers and LibMTL differ) come as a preset, {@code LossWeighting.gradNorm(1.5,
 * Convention.LIBMTL)}, or one by one, {@code LossWeighting.mgda(Convention.BRANCHWISE, MgdaNormalization.L2,
 * HeadGradients.PLAIN)}; a preset sets exactly the attributes its strategy reads, so it equals the same choice made
 * one by one. The factories without them keep Branchwise's defaults, the annotation's.
 */
public final class LossWeighting {
    private final Weighting weighting;
    private final double initial;
    private final double min;
    private final double max;
    private final double[] weights;
    private final double[] endWeights;
    private final Ramp ramp;
    private final long rampLength;
    private final RampUnit rampUnit;
    private final Class<?> schedule;
    private final double temperature;
    private final double asymmetry;
    private final String sharedLayer;
    private final Class<?> strategy;
    private final Convention convention;
    private final HeadGradients headGradients;
    private final MgdaNormalization mgdaNormalization;
    private final UncertaintyScale uncertaintyScale;
    private final double initialLogVariance;
    private final GradNormWarmup gradNormWarmup;
    private final GradNormScope gradNormScope;
    private final PcGradOrder pcGradOrder;
    private final EpochMean epochMean;
    private final GradientSource gradientSource;
    private final double caGradRadius;
    private final int caGradRescale;
    private final double stchMu;
    private final long stchWarmupEpochs;
    private final double famoLearningRate;
    private final double famoWeightDecay;
    private final ImtlMode imtlMode;
    private final double gradVacBeta;
    private final GradVacGroups gradVacGroups;
    private final double sdmGradLambda;
    private final int sdmGradIterations;
    private final double modoGamma;
    private final double modoRho;
    private final double nashMtlMaxNorm;
    private final int nashMtlUpdateEvery;
    private final double fairGradAlpha;
    private final double gradDropLeak;
    private final double dbMtlBeta;
    private final double dbMtlBetaSigma;
    private final double mocoBeta;
    private final double mocoBetaSigma;
    private final double mocoGamma;
    private final double mocoGammaSigma;
    private final double mocoRho;
    private final double excessMtlStepSize;

    private LossWeighting(Weighting weighting, Settings s) {
        this.weighting = weighting;
        this.initial = s.initial;
        this.min = s.min;
        this.max = s.max;
        this.weights = s.weights.clone();
        this.endWeights = s.endWeights.clone();
        this.ramp = s.ramp;
        this.rampLength = s.rampLength;
        this.rampUnit = s.rampUnit;
        this.schedule = s.schedule;
        this.temperature = s.temperature;
        this.asymmetry = s.asymmetry;
        this.sharedLayer = s.sharedLayer;
        this.strategy = s.strategy;
        this.convention = s.convention;
        this.headGradients = s.headGradients;
        this.mgdaNormalization = s.mgdaNormalization;
        this.uncertaintyScale = s.uncertaintyScale;
        this.initialLogVariance = s.initialLogVariance;
        this.gradNormWarmup = s.gradNormWarmup;
        this.gradNormScope = s.gradNormScope;
        this.pcGradOrder = s.pcGradOrder;
        this.epochMean = s.epochMean;
        this.gradientSource = s.gradientSource;
        this.caGradRadius = s.caGradRadius;
        this.caGradRescale = s.caGradRescale;
        this.stchMu = s.stchMu;
        this.stchWarmupEpochs = s.stchWarmupEpochs;
        this.famoLearningRate = s.famoLearningRate;
        this.famoWeightDecay = s.famoWeightDecay;
        this.imtlMode = s.imtlMode;
        this.gradVacBeta = s.gradVacBeta;
        this.gradVacGroups = s.gradVacGroups;
        this.sdmGradLambda = s.sdmGradLambda;
        this.sdmGradIterations = s.sdmGradIterations;
        this.modoGamma = s.modoGamma;
        this.modoRho = s.modoRho;
        this.nashMtlMaxNorm = s.nashMtlMaxNorm;
        this.nashMtlUpdateEvery = s.nashMtlUpdateEvery;
        this.fairGradAlpha = s.fairGradAlpha;
        this.gradDropLeak = s.gradDropLeak;
        this.dbMtlBeta = s.dbMtlBeta;
        this.dbMtlBetaSigma = s.dbMtlBetaSigma;
        this.mocoBeta = s.mocoBeta;
        this.mocoBetaSigma = s.mocoBetaSigma;
        this.mocoGamma = s.mocoGamma;
        this.mocoGammaSigma = s.mocoGammaSigma;
        this.mocoRho = s.mocoRho;
        this.excessMtlStepSize = s.excessMtlStepSize;
    }

    /**
     * {@link Weighting#FIXED}: constant weights, one per branch in declaration order.
     *
     * @throws IllegalArgumentException when a weight is negative or not finite, or all are zero
     */
    public static LossWeighting fixed(double... weights) {
        Settings s = new Settings();
        s.weights = checkWeights("FIXED weights", Objects.requireNonNull(weights, "weights"));
        return new LossWeighting(Weighting.FIXED, s);
    }

    /** {@link Weighting#TRAINABLE} with the annotation's defaults: α starts at 0.5 and stays in [0, 1]. */
    public static LossWeighting trainable() {
        return trainable(0.5, 0.0, 1.0);
    }

    /**
     * {@link Weighting#TRAINABLE}: α starts at {@code initial} (two branches; with more every weight starts at
     * {@code 1/N}) and is kept in {@code [min, max]}.
     *
     * @throws IllegalArgumentException unless {@code 0 <= min <= max <= 1} and {@code min <= initial <= max}
     */
    public static LossWeighting trainable(double initial, double min, double max) {
        if (!(min >= 0 && min <= max && max <= 1)) {
            throw new IllegalArgumentException("TRAINABLE weights need 0 <= min <= max <= 1; min = " + min
                    + ", max = " + max);
        }
        if (!(initial >= min && initial <= max)) {
            throw new IllegalArgumentException("TRAINABLE initial must lie in [min, max] = [" + min + ", " + max
                    + "]; " + initial + " does not");
        }
        Settings s = new Settings();
        s.initial = initial;
        s.min = min;
        s.max = max;
        return new LossWeighting(Weighting.TRAINABLE, s);
    }

    /**
     * {@link Weighting#SCHEDULED}: weights ramping from {@code start} to {@code end} over {@code length} units.
     *
     * @throws IllegalArgumentException when a weight is negative or not finite, the weights of one end are all zero,
     *                                  the two ends differ in length, or {@code length} is not positive
     */
    public static LossWeighting scheduled(double[] start, double[] end, Ramp ramp, long length, RampUnit unit) {
        Settings s = new Settings();
        s.weights = checkWeights("SCHEDULED weights", Objects.requireNonNull(start, "start"));
        s.endWeights = checkWeights("SCHEDULED endWeights", Objects.requireNonNull(end, "end"));
        if (s.weights.length != s.endWeights.length) {
            throw new IllegalArgumentException("SCHEDULED weights and endWeights need one weight per branch each; "
                    + s.weights.length + " vs " + s.endWeights.length);
        }
        if (length <= 0) {
            throw new IllegalArgumentException("SCHEDULED rampLength must be positive; " + length + " is not");
        }
        s.ramp = Objects.requireNonNull(ramp, "ramp");
        s.rampLength = length;
        s.rampUnit = Objects.requireNonNull(unit, "unit");
        return new LossWeighting(Weighting.SCHEDULED, s);
    }

    /**
     * {@link Weighting#SCHEDULED} by the user's schedule: a public, non-abstract class implementing
     * {@code io.github.branchwise.runtime.weighting.WeightSchedule} with a public no-argument constructor, checked
     * when the model is created; one instance is made per model.
     */
    public static LossWeighting scheduled(Class<?> schedule) {
        Settings s = new Settings();
        s.schedule = Objects.requireNonNull(schedule, "schedule");
        return new LossWeighting(Weighting.SCHEDULED, s);
    }

    /** {@link Weighting#UNCERTAINTY}: Kendall et al.'s learned log-variances. */
    public static LossWeighting uncertainty() {
        return new LossWeighting(Weighting.UNCERTAINTY, new Settings());
    }

    /** {@link Weighting#UNCERTAINTY} with {@code convention}'s constant and start of {@code s}. */
    public static LossWeighting uncertainty(Convention convention) {
        return uncertainty(convention.uncertaintyScale(), convention.initialLogVariance());
    }

    /**
     * {@link Weighting#UNCERTAINTY} with the constant {@code scale} and every {@code sᵢ} starting at
     * {@code initialLogVariance}.
     *
     * @throws IllegalArgumentException unless {@code initialLogVariance} is finite
     */
    public static LossWeighting uncertainty(UncertaintyScale scale, double initialLogVariance) {
        if (!Double.isFinite(initialLogVariance)) {
            throw new IllegalArgumentException("UNCERTAINTY initialLogVariance must be finite; " + initialLogVariance
                    + " is not");
        }
        Settings s = new Settings();
        s.uncertaintyScale = Objects.requireNonNull(scale, "scale");
        s.initialLogVariance = initialLogVariance;
        return new LossWeighting(Weighting.UNCERTAINTY, s);
    }

    /** {@link Weighting#DWA} with the annotation's default temperature, 2. */
    public static LossWeighting dwa() {
        return dwa(2.0);
    }

    /**
     * {@link Weighting#DWA}: Dynamic Weight Average with temperature {@code temperature}.
     *
     * @throws IllegalArgumentException unless the temperature is positive and finite
     */
    public static LossWeighting dwa(double temperature) {
        return dwa(temperature, EpochMean.PER_BATCH);
    }

    /**
     * {@link Weighting#DWA} with temperature {@code temperature} and {@code convention}'s epoch mean.
     *
     * @throws IllegalArgumentException unless the temperature is positive and finite
     */
    public static LossWeighting dwa(double temperature, Convention convention) {
        return dwa(temperature, convention.epochMean());
    }

    /**
     * {@link Weighting#DWA} with temperature {@code temperature}, epoch means taken as {@code epochMean} says.
     *
     * @throws IllegalArgumentException unless the temperature is positive and finite
     */
    public static LossWeighting dwa(double temperature, EpochMean epochMean) {
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("DWA temperature must be positive and finite; " + temperature
                    + " is not");
        }
        Settings s = new Settings();
        s.temperature = temperature;
        s.epochMean = Objects.requireNonNull(epochMean, "epochMean");
        return new LossWeighting(Weighting.DWA, s);
    }

    /** {@link Weighting#RLW}: Random Loss Weighting. */
    public static LossWeighting rlw() {
        return new LossWeighting(Weighting.RLW, new Settings());
    }

    /** {@link Weighting#GLS}: the Geometric Loss Strategy. */
    public static LossWeighting gls() {
        return new LossWeighting(Weighting.GLS, new Settings());
    }

    /** {@link Weighting#GRADNORM} with the annotation's defaults: asymmetry 1.5 on the last {@code @Shared} method. */
    public static LossWeighting gradNorm() {
        return gradNorm(1.5, "");
    }

    /**
     * {@link Weighting#GRADNORM} with asymmetry {@code asymmetry}, measured on the last layer of the {@code @Shared}
     * method {@code sharedLayer} ({@code ""} for the last one); the model must have that method.
     *
     * @throws IllegalArgumentException unless the asymmetry is finite and non-negative
     */
    public static LossWeighting gradNorm(double asymmetry, String sharedLayer) {
        Convention b = Convention.BRANCHWISE;
        return gradNorm(asymmetry, sharedLayer, b.headGradients(), b.gradNormWarmup(), b.gradNormScope(),
                b.epochMean());
    }

    /**
     * {@link Weighting#GRADNORM} with asymmetry {@code asymmetry} and {@code convention}'s head gradients, warm-up,
     * norm scope and epoch mean (for {@link Convention#BRANCHWISE} on the last {@code @Shared} method).
     *
     * @throws IllegalArgumentException unless the asymmetry is finite and non-negative
     */
    public static LossWeighting gradNorm(double asymmetry, Convention convention) {
        return gradNorm(asymmetry, "", convention.headGradients(), convention.gradNormWarmup(),
                convention.gradNormScope(), convention.epochMean());
    }

    /**
     * {@link Weighting#GRADNORM} with every convention chosen.
     *
     * @param asymmetry   the exponent a of the targets, finite and non-negative
     * @param sharedLayer with {@link GradNormScope#LAST_SHARED_LAYER}: the {@code @Shared} method measured, {@code ""}
     *                    for the last one declared; must be {@code ""} with {@link GradNormScope#ALL_SHARED}
     * @param heads       what each branch's own parameters get
     * @param warmup      when the weights start adapting
     * @param scope       where the gradient norms are measured
     * @param epochMean   how the first epoch's mean loss is taken, with {@link GradNormWarmup#FIRST_EPOCH}
     * @throws IllegalArgumentException when the asymmetry is negative or not finite, or a layer is named with
     *                                  {@link GradNormScope#ALL_SHARED}
     */
    public static LossWeighting gradNorm(double asymmetry, String sharedLayer, HeadGradients heads,
                                         GradNormWarmup warmup, GradNormScope scope, EpochMean epochMean) {
        return gradNorm(asymmetry, sharedLayer, heads, warmup, scope, epochMean, GradientSource.PARAMETERS);
    }

    /**
     * {@link Weighting#GRADNORM} with every convention chosen, the norms measured on the gradients {@code source}
     * names (with a representation source {@code scope} and {@code sharedLayer} are not read).
     *
     * @throws IllegalArgumentException as {@link #gradNorm(double, String, HeadGradients, GradNormWarmup,
     *                                  GradNormScope, EpochMean)}
     */
    public static LossWeighting gradNorm(double asymmetry, String sharedLayer, HeadGradients heads,
                                         GradNormWarmup warmup, GradNormScope scope, EpochMean epochMean,
                                         GradientSource source) {
        if (!(asymmetry >= 0) || Double.isInfinite(asymmetry)) {
            throw new IllegalArgumentException("GRADNORM asymmetry must be finite and non-negative; " + asymmetry
                    + " is not");
        }
        Objects.requireNonNull(sharedLayer, "sharedLayer");
        if (scope == GradNormScope.ALL_SHARED && !sharedLayer.isEmpty()) {
            throw new IllegalArgumentException("GRADNORM sharedLayer applies to gradNormScope LAST_SHARED_LAYER only; "
                    + "with ALL_SHARED every shared parameter is measured, so \"" + sharedLayer + "\" would be ignored");
        }
        Settings s = new Settings();
        s.asymmetry = asymmetry;
        s.sharedLayer = sharedLayer;
        s.headGradients = Objects.requireNonNull(heads, "heads");
        s.gradNormWarmup = Objects.requireNonNull(warmup, "warmup");
        s.gradNormScope = Objects.requireNonNull(scope, "scope");
        s.epochMean = Objects.requireNonNull(epochMean, "epochMean");
        s.gradientSource = Objects.requireNonNull(source, "source");
        return new LossWeighting(Weighting.GRADNORM, s);
    }

    /** {@link Weighting#PCGRAD}: projecting conflicting gradients. */
    public static LossWeighting pcGrad() {
        return new LossWeighting(Weighting.PCGRAD, new Settings());
    }

    /** {@link Weighting#PCGRAD} with {@code convention}'s order. */
    public static LossWeighting pcGrad(Convention convention) {
        return pcGrad(convention.pcGradOrder());
    }

    /** {@link Weighting#PCGRAD} projecting against the branches {@code order} says. */
    public static LossWeighting pcGrad(PcGradOrder order) {
        Settings s = new Settings();
        s.pcGradOrder = Objects.requireNonNull(order, "order");
        return new LossWeighting(Weighting.PCGRAD, s);
    }

    /** {@link Weighting#MGDA}: the minimum-norm combination of the branch gradients. */
    public static LossWeighting mgda() {
        return new LossWeighting(Weighting.MGDA, new Settings());
    }

    /** {@link Weighting#MGDA} with every choice of {@code convention}. */
    public static LossWeighting mgda(Convention convention) {
        return mgda(convention, convention.mgdaNormalization(), convention.headGradients());
    }

    /**
     * {@link Weighting#MGDA} with {@code convention}'s two-branch clamp and update, and the normalisation and head
     * gradients given (which win over the convention's).
     */
    public static LossWeighting mgda(Convention convention, MgdaNormalization normalization, HeadGradients heads) {
        return mgda(convention, normalization, heads, GradientSource.PARAMETERS);
    }

    /**
     * {@link Weighting#MGDA} as {@link #mgda(Convention, MgdaNormalization, HeadGradients)}, the weights computed from
     * the gradients {@code source} names.
     */
    public static LossWeighting mgda(Convention convention, MgdaNormalization normalization, HeadGradients heads,
                                     GradientSource source) {
        Settings s = new Settings();
        s.gradientSource = Objects.requireNonNull(source, "source");
        s.convention = Objects.requireNonNull(convention, "convention");
        s.mgdaNormalization = Objects.requireNonNull(normalization, "normalization");
        s.headGradients = Objects.requireNonNull(heads, "heads");
        return new LossWeighting(Weighting.MGDA, s);
    }

    /** {@link Weighting#CAGRAD} with the paper's radius, 0.5, and rescale 1 (divide by {@code 1 + c²}). */
    public static LossWeighting caGrad() {
        return caGrad(0.5, 1);
    }

    /**
     * {@link Weighting#CAGRAD} with radius {@code c} (relative to the average gradient's norm) and {@code rescale}:
     * 0 none, 1 divide by {@code 1 + c²}, 2 divide by {@code 1 + c}.
     *
     * @throws IllegalArgumentException unless c is finite and non-negative and rescale is 0, 1 or 2
     */
    public static LossWeighting caGrad(double c, int rescale) {
        if (!(c >= 0) || Double.isInfinite(c)) {
            throw new IllegalArgumentException("CAGRAD caGradRadius must be finite and non-negative; " + c
                    + " is not");
        }
        if (rescale < 0 || rescale > 2) {
            throw new IllegalArgumentException("CAGRAD caGradRescale must be 0 (no rescaling), 1 (divide by 1 + c²) "
                    + "or 2 (divide by 1 + c); " + rescale + " is not");
        }
        Settings s = new Settings();
        s.caGradRadius = c;
        s.caGradRescale = rescale;
        return new LossWeighting(Weighting.CAGRAD, s);
    }

    /** {@link Weighting#STCH} with the annotation's defaults: μ = 1 after 4 warm-up epochs. */
    public static LossWeighting stch() {
        return stch(1.0, 4);
    }

    /**
     * {@link Weighting#STCH}: smooth Tchebycheff scalarisation with smoothing {@code mu}, after {@code warmupEpochs}
     * epochs on the summed log losses and one more that measures the nadir point.
     *
     * @throws IllegalArgumentException unless {@code mu} is positive and finite and {@code warmupEpochs} not negative
     */
    public static LossWeighting stch(double mu, long warmupEpochs) {
        if (!(mu > 0) || Double.isInfinite(mu)) {
            throw new IllegalArgumentException("STCH stchMu must be positive and finite; " + mu + " is not");
        }
        if (warmupEpochs < 0) {
            throw new IllegalArgumentException("STCH stchWarmupEpochs must not be negative; " + warmupEpochs
                    + " is");
        }
        Settings s = new Settings();
        s.stchMu = mu;
        s.stchWarmupEpochs = warmupEpochs;
        return new LossWeighting(Weighting.STCH, s);
    }

    /** {@link Weighting#FAMO} with the annotation's defaults: learning rate 0.025, weight decay 0.001. */
    public static LossWeighting famo() {
        return famo(0.025, 0.001);
    }

    /**
     * {@link Weighting#FAMO}: the logits of the task weighting trained by Adam with {@code learningRate} and L2
     * {@code weightDecay} from the losses of each batch before and after its update.
     *
     * @throws IllegalArgumentException unless the learning rate is positive and finite and the decay finite and not
     *                                  negative
     */
    public static LossWeighting famo(double learningRate, double weightDecay) {
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("FAMO famoLearningRate must be positive and finite; " + learningRate
                    + " is not");
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("FAMO famoWeightDecay must be finite and not negative; " + weightDecay
                    + " is not");
        }
        Settings s = new Settings();
        s.famoLearningRate = learningRate;
        s.famoWeightDecay = weightDecay;
        return new LossWeighting(Weighting.FAMO, s);
    }

    /** {@link Weighting#IMTL} as the paper's full method and LibMTL: IMTL-L and IMTL-G on the shared parameters. */
    public static LossWeighting imtl() {
        return imtl(ImtlMode.HYBRID);
    }

    /** {@link Weighting#IMTL} in {@code mode}, IMTL-G (if any) on the shared parameters' gradients. */
    public static LossWeighting imtl(ImtlMode mode) {
        return imtl(mode, GradientSource.PARAMETERS);
    }

    /**
     * {@link Weighting#IMTL} in {@code mode}, IMTL-G balancing the gradients {@code source} names (not read in
     * {@link ImtlMode#LOSS}).
     */
    public static LossWeighting imtl(ImtlMode mode, GradientSource source) {
        Settings s = new Settings();
        s.imtlMode = Objects.requireNonNull(mode, "mode");
        s.gradientSource = Objects.requireNonNull(source, "source");
        return new LossWeighting(Weighting.IMTL, s);
    }

    /** {@link Weighting#ALIGNED_MTL} on the shared parameters' gradients. */
    public static LossWeighting alignedMtl() {
        return alignedMtl(GradientSource.PARAMETERS);
    }

    /** {@link Weighting#ALIGNED_MTL} on the Gram matrix of the gradients {@code source} names. */
    public static LossWeighting alignedMtl(GradientSource source) {
        Settings s = new Settings();
        s.gradientSource = Objects.requireNonNull(source, "source");
        return new LossWeighting(Weighting.ALIGNED_MTL, s);
    }

    /** {@link Weighting#GRADVAC} with the annotation's defaults: β = 0.01, the shared parameters as one group. */
    public static LossWeighting gradVac() {
        return gradVac(0.01, GradVacGroups.WHOLE_MODEL);
    }

    /**
     * {@link Weighting#GRADVAC}: the cosine targets move at rate {@code beta}, per group of shared parameters.
     *
     * @throws IllegalArgumentException unless beta lies in [0, 1]
     */
    public static LossWeighting gradVac(double beta, GradVacGroups groups) {
        if (!(beta >= 0 && beta <= 1)) {
            throw new IllegalArgumentException("GRADVAC gradVacBeta must lie in [0, 1]; " + beta + " does not");
        }
        Settings s = new Settings();
        s.gradVacBeta = beta;
        s.gradVacGroups = Objects.requireNonNull(groups, "groups");
        return new LossWeighting(Weighting.GRADVAC, s);
    }

    /** {@link Weighting#SDMGRAD} with the annotation's defaults (LibMTL's): λ = 0.3, 20 iterations. */
    public static LossWeighting sdmGrad() {
        return sdmGrad(0.3, 20);
    }

    /**
     * {@link Weighting#SDMGRAD}: λ pulls the update towards the average gradient; {@code iterations} projected SGD
     * steps on the weights per training step. Each step's batch is split into three parts (at least 3 rows).
     *
     * @throws IllegalArgumentException unless λ is finite and not negative and the iterations positive
     */
    public static LossWeighting sdmGrad(double lambda, int iterations) {
        if (!(lambda >= 0) || Double.isInfinite(lambda)) {
            throw new IllegalArgumentException("SDMGRAD sdmGradLambda must be finite and not negative; " + lambda
                    + " is not");
        }
        if (iterations <= 0) {
            throw new IllegalArgumentException("SDMGRAD sdmGradIterations must be positive; " + iterations
                    + " is not");
        }
        Settings s = new Settings();
        s.sdmGradLambda = lambda;
        s.sdmGradIterations = iterations;
        return new LossWeighting(Weighting.SDMGRAD, s);
    }

    /** {@link Weighting#MODO} with the annotation's defaults (LibMTL's): γ = 0.001, ρ = 0.1. */
    public static LossWeighting moDo() {
        return moDo(0.001, 0.1);
    }

    /**
     * {@link Weighting#MODO}: the weights' learning rate γ and the L2 regularisation ρ of their update. Each step's
     * batch is split into three parts (at least 3 rows).
     *
     * @throws IllegalArgumentException unless γ is positive and finite and ρ finite and not negative
     */
    public static LossWeighting moDo(double gamma, double rho) {
        if (!(gamma > 0) || Double.isInfinite(gamma)) {
            throw new IllegalArgumentException("MODO modoGamma must be positive and finite; " + gamma + " is not");
        }
        if (!(rho >= 0) || Double.isInfinite(rho)) {
            throw new IllegalArgumentException("MODO modoRho must be finite and not negative; " + rho + " is not");
        }
        Settings s = new Settings();
        s.modoGamma = gamma;
        s.modoRho = rho;
        return new LossWeighting(Weighting.MODO, s);
    }

    /**
     * {@link Weighting#UPGRAD}: each branch's shared gradient projected onto the dual cone of the branch gradients,
     * the projections averaged (torchjd's constants, no settings).
     */
    public static LossWeighting upGrad() {
        return new LossWeighting(Weighting.UPGRAD, new Settings());
    }

    /** {@link Weighting#NASH_MTL} with the paper's defaults: clipped to norm 1, solved every step. */
    public static LossWeighting nashMtl() {
        return nashMtl(1.0, 1);
    }

    /**
     * {@link Weighting#NASH_MTL}: the shared gradient clipped to norm {@code maxNorm} (0: not clipped), the weights
     * solved every {@code updateEvery} steps.
     *
     * @throws IllegalArgumentException unless maxNorm is finite and non-negative and updateEvery at least 1
     */
    public static LossWeighting nashMtl(double maxNorm, int updateEvery) {
        if (!(maxNorm >= 0) || Double.isInfinite(maxNorm)) {
            throw new IllegalArgumentException("NASH_MTL nashMtlMaxNorm must be finite and non-negative; " + maxNorm
                    + " is not");
        }
        if (updateEvery < 1) {
            throw new IllegalArgumentException("NASH_MTL nashMtlUpdateEvery must be at least 1; " + updateEvery
                    + " is not");
        }
        Settings s = new Settings();
        s.nashMtlMaxNorm = maxNorm;
        s.nashMtlUpdateEvery = updateEvery;
        return new LossWeighting(Weighting.NASH_MTL, s);
    }

    /** {@link Weighting#FAIRGRAD} with LibMTL's default α = 1 (proportional fairness). */
    public static LossWeighting fairGrad() {
        return fairGrad(1.0);
    }

    /**
     * {@link Weighting#FAIRGRAD} with fairness exponent {@code alpha}.
     *
     * @throws IllegalArgumentException unless alpha is positive and finite
     */
    public static LossWeighting fairGrad(double alpha) {
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("FAIRGRAD fairGradAlpha must be positive and finite; " + alpha
                    + " is not");
        }
        Settings s = new Settings();
        s.fairGradAlpha = alpha;
        return new LossWeighting(Weighting.FAIRGRAD, s);
    }

    /** {@link Weighting#GRADDROP} with the paper's (and LibMTL's) leak, 0. */
    public static LossWeighting gradDrop() {
        return gradDrop(0.0);
    }

    /**
     * {@link Weighting#GRADDROP}: the shared gradients' values sign-dropped, keeping the fraction {@code leak} of what
     * is dropped.
     *
     * @throws IllegalArgumentException unless leak is in [0, 1]
     */
    public static LossWeighting gradDrop(double leak) {
        unitInterval("GRADDROP gradDropLeak", leak, true);
        Settings s = new Settings();
        s.gradDropLeak = leak;
        return new LossWeighting(Weighting.GRADDROP, s);
    }

    /** {@link Weighting#DB_MTL} with LibMTL's β = 0.9 and σ = 0. */
    public static LossWeighting dbMtl() {
        return dbMtl(0.9, 0.0);
    }

    /**
     * {@link Weighting#DB_MTL}: moving averages of the log-loss gradients with weight {@code beta / t^betaSigma} on
     * the past, scaled to the largest norm.
     *
     * @throws IllegalArgumentException unless beta is in [0, 1] and betaSigma finite and not negative
     */
    public static LossWeighting dbMtl(double beta, double betaSigma) {
        unitInterval("DB_MTL dbMtlBeta", beta, true);
        finiteNotNegative("DB_MTL dbMtlBetaSigma", betaSigma);
        Settings s = new Settings();
        s.dbMtlBeta = beta;
        s.dbMtlBetaSigma = betaSigma;
        return new LossWeighting(Weighting.DB_MTL, s);
    }

    /** {@link Weighting#MOCO} with LibMTL's β = 0.5, βσ = 0.5, γ = 0.1, γσ = 0.5, ρ = 0. */
    public static LossWeighting moco() {
        return moco(0.5, 0.5, 0.1, 0.5, 0.0);
    }

    /**
     * {@link Weighting#MOCO}: tracked gradients at rate {@code beta / t^betaSigma}, weights stepped by
     * {@code gamma / t^gammaSigma} with L2 regularisation {@code rho}.
     *
     * @throws IllegalArgumentException unless beta is in (0, 1] and the others finite and not negative
     */
    public static LossWeighting moco(double beta, double betaSigma, double gamma, double gammaSigma, double rho) {
        unitInterval("MOCO mocoBeta", beta, false);
        finiteNotNegative("MOCO mocoBetaSigma", betaSigma);
        finiteNotNegative("MOCO mocoGamma", gamma);
        finiteNotNegative("MOCO mocoGammaSigma", gammaSigma);
        finiteNotNegative("MOCO mocoRho", rho);
        Settings s = new Settings();
        s.mocoBeta = beta;
        s.mocoBetaSigma = betaSigma;
        s.mocoGamma = gamma;
        s.mocoGammaSigma = gammaSigma;
        s.mocoRho = rho;
        return new LossWeighting(Weighting.MOCO, s);
    }

    /** {@link Weighting#EXCESS_MTL} with LibMTL's robust step size, 0.01. */
    public static LossWeighting excessMtl() {
        return excessMtl(0.01);
    }

    /**
     * {@link Weighting#EXCESS_MTL}: loss weights moved by their estimated excess risks with step size
     * {@code stepSize}.
     *
     * @throws IllegalArgumentException unless the step size is finite and not negative
     */
    public static LossWeighting excessMtl(double stepSize) {
        finiteNotNegative("EXCESS_MTL excessMtlStepSize", stepSize);
        Settings s = new Settings();
        s.excessMtlStepSize = stepSize;
        return new LossWeighting(Weighting.EXCESS_MTL, s);
    }

    /** The processor's rule for a rate in [0, 1], or (0, 1] without {@code zeroAllowed}, with its message. */
    private static void unitInterval(String what, double value, boolean zeroAllowed) {
        if (!((zeroAllowed ? value >= 0 : value > 0) && value <= 1)) {
            throw new IllegalArgumentException(what + " must be in " + (zeroAllowed ? "[0, 1]" : "(0, 1]") + "; "
                    + value + " is not");
        }
    }

    /** The processor's rule for a finite, not negative setting, with its message. */
    private static void finiteNotNegative(String what, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(what + " must be finite and not negative; " + value + " is not");
        }
    }

    /**
     * {@link Weighting#CUSTOM}: the user's strategy, a public, non-abstract class implementing
     * {@code io.github.branchwise.runtime.weighting.Weighter} with a public no-argument constructor, checked when the
     * model is created; one instance is made per model.
     */
    public static LossWeighting custom(Class<?> strategy) {
        Settings s = new Settings();
        s.strategy = Objects.requireNonNull(strategy, "strategy");
        return new LossWeighting(Weighting.CUSTOM, s);
    }

    /** The strategy. */
    public Weighting weighting() {
        return weighting;
    }

    /** TRAINABLE: the starting value of α, as {@code @WeightedLoss.initial}. */
    public double initial() {
        return initial;
    }

    /** TRAINABLE: the smallest weight, as {@code @WeightedLoss.min}. */
    public double min() {
        return min;
    }

    /** TRAINABLE: the largest weight, as {@code @WeightedLoss.max}. */
    public double max() {
        return max;
    }

    /** FIXED: the weights; SCHEDULED: the weights at the start of the ramp (a copy; empty when unused). */
    public double[] weights() {
        return weights.clone();
    }

    /** SCHEDULED: the weights at the end of the ramp (a copy; empty when unused). */
    public double[] endWeights() {
        return endWeights.clone();
    }

    /** SCHEDULED: the ramp's shape. */
    public Ramp ramp() {
        return ramp;
    }

    /** SCHEDULED: the ramp's length in {@link #rampUnit()}s. */
    public long rampLength() {
        return rampLength;
    }

    /** SCHEDULED: whether the ramp counts steps or epochs. */
    public RampUnit rampUnit() {
        return rampUnit;
    }

    /** SCHEDULED: the user's schedule class, or {@code void.class} for the ramp. */
    public Class<?> schedule() {
        return schedule;
    }

    /** DWA: the temperature. */
    public double temperature() {
        return temperature;
    }

    /** GRADNORM: the asymmetry. */
    public double asymmetry() {
        return asymmetry;
    }

    /** GRADNORM: the {@code @Shared} method measured, or {@code ""} for the last one. */
    public String sharedLayer() {
        return sharedLayer;
    }

    /** CUSTOM: the strategy class, or {@code void.class}. */
    public Class<?> strategy() {
        return strategy;
    }

    /**
     * MGDA: the convention that decides its two-branch clamp and update ({@link Convention#BRANCHWISE} for the other
     * strategies, whose presets set the attributes below and leave nothing else to record).
     */
    public Convention convention() {
        return convention;
    }

    /** GRADNORM, MGDA: what each branch's own parameters get. */
    public HeadGradients headGradients() {
        return headGradients;
    }

    /** MGDA: the gradient normalisation. */
    public MgdaNormalization mgdaNormalization() {
        return mgdaNormalization;
    }

    /** UNCERTAINTY: the constant of each branch. */
    public UncertaintyScale uncertaintyScale() {
        return uncertaintyScale;
    }

    /** UNCERTAINTY: the starting value of every log-variance. */
    public double initialLogVariance() {
        return initialLogVariance;
    }

    /** GRADNORM: when the weights start adapting. */
    public GradNormWarmup gradNormWarmup() {
        return gradNormWarmup;
    }

    /** GRADNORM: where the gradient norms are measured. */
    public GradNormScope gradNormScope() {
        return gradNormScope;
    }

    /** PCGRAD: which branches each gradient is projected against. */
    public PcGradOrder pcGradOrder() {
        return pcGradOrder;
    }

    /** GRADNORM, MGDA, IMTL, ALIGNED_MTL: which gradients the weights are computed from. */
    public GradientSource gradientSource() {
        return gradientSource;
    }

    /** CAGRAD: the radius c, relative to the average gradient's norm. */
    public double caGradRadius() {
        return caGradRadius;
    }

    /** CAGRAD: how the update is scaled, 0, 1 or 2. */
    public int caGradRescale() {
        return caGradRescale;
    }

    /** DWA, GRADNORM: how an epoch's mean loss is taken. */
    public EpochMean epochMean() {
        return epochMean;
    }

    /** STCH: the smoothing μ. */
    public double stchMu() {
        return stchMu;
    }

    /** STCH: the warm-up epochs before the one that measures the nadir point. */
    public long stchWarmupEpochs() {
        return stchWarmupEpochs;
    }

    /** FAMO: the logits' Adam learning rate. */
    public double famoLearningRate() {
        return famoLearningRate;
    }

    /** FAMO: the logits' L2 weight decay. */
    public double famoWeightDecay() {
        return famoWeightDecay;
    }

    /** IMTL: which of the paper's balances apply. */
    public ImtlMode imtlMode() {
        return imtlMode;
    }

    /** GRADVAC: the rate β of the cosine targets' moving averages. */
    public double gradVacBeta() {
        return gradVacBeta;
    }

    /** GRADVAC: the groups of shared parameters with their own targets. */
    public GradVacGroups gradVacGroups() {
        return gradVacGroups;
    }

    /** SDMGRAD: λ, the pull towards the average gradient. */
    public double sdmGradLambda() {
        return sdmGradLambda;
    }

    /** SDMGRAD: the projected SGD steps on the weights per training step. */
    public int sdmGradIterations() {
        return sdmGradIterations;
    }

    /** MODO: γ, the learning rate of the weights. */
    public double modoGamma() {
        return modoGamma;
    }

    /** MODO: ρ, the L2 regularisation of the weights' update. */
    public double modoRho() {
        return modoRho;
    }

    /** NASH_MTL: the norm the shared gradient is clipped to; 0 for none. */
    public double nashMtlMaxNorm() {
        return nashMtlMaxNorm;
    }

    /** NASH_MTL: how many steps apart the weights are solved. */
    public int nashMtlUpdateEvery() {
        return nashMtlUpdateEvery;
    }

    /** FAIRGRAD: the fairness exponent α. */
    public double fairGradAlpha() {
        return fairGradAlpha;
    }

    /** GRADDROP: the leak ℓ, the fraction of a dropped gradient kept. */
    public double gradDropLeak() {
        return gradDropLeak;
    }

    /** DB_MTL: β, the moving averages' weight of the past. */
    public double dbMtlBeta() {
        return dbMtlBeta;
    }

    /** DB_MTL: the decay σ of β. */
    public double dbMtlBetaSigma() {
        return dbMtlBetaSigma;
    }

    /** MOCO: β, the tracking rate of the tracked gradients. */
    public double mocoBeta() {
        return mocoBeta;
    }

    /** MOCO: the decay σ of β. */
    public double mocoBetaSigma() {
        return mocoBetaSigma;
    }

    /** MOCO: γ, the weights' step size. */
    public double mocoGamma() {
        return mocoGamma;
    }

    /** MOCO: the decay σ of γ. */
    public double mocoGammaSigma() {
        return mocoGammaSigma;
    }

    /** MOCO: ρ, the L2 regularisation of the weights' step. */
    public double mocoRho() {
        return mocoRho;
    }

    /** EXCESS_MTL: the robust step size η. */
    public double excessMtlStepSize() {
        return excessMtlStepSize;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof LossWeighting that && weighting == that.weighting
                && Double.compare(initial, that.initial) == 0 && Double.compare(min, that.min) == 0
                && Double.compare(max, that.max) == 0 && Arrays.equals(weights, that.weights)
                && Arrays.equals(endWeights, that.endWeights) && ramp == that.ramp && rampLength == that.rampLength
                && rampUnit == that.rampUnit && schedule == that.schedule
                && Double.compare(temperature, that.temperature) == 0
                && Double.compare(asymmetry, that.asymmetry) == 0 && sharedLayer.equals(that.sharedLayer)
                && strategy == that.strategy && convention == that.convention
                && headGradients == that.headGradients && mgdaNormalization == that.mgdaNormalization
                && uncertaintyScale == that.uncertaintyScale
                && Double.compare(initialLogVariance, that.initialLogVariance) == 0
                && gradNormWarmup == that.gradNormWarmup && gradNormScope == that.gradNormScope
                && pcGradOrder == that.pcGradOrder && epochMean == that.epochMean
                && gradientSource == that.gradientSource
                && Double.compare(caGradRadius, that.caGradRadius) == 0 && caGradRescale == that.caGradRescale
                && Double.compare(stchMu, that.stchMu) == 0
                && stchWarmupEpochs == that.stchWarmupEpochs
                && Double.compare(famoLearningRate, that.famoLearningRate) == 0
                && Double.compare(famoWeightDecay, that.famoWeightDecay) == 0
                && imtlMode == that.imtlMode && Double.compare(gradVacBeta, that.gradVacBeta) == 0
                && gradVacGroups == that.gradVacGroups
                && Double.compare(sdmGradLambda, that.sdmGradLambda) == 0
                && sdmGradIterations == that.sdmGradIterations
                && Double.compare(modoGamma, that.modoGamma) == 0 && Double.compare(modoRho, that.modoRho) == 0
                && Double.compare(nashMtlMaxNorm, that.nashMtlMaxNorm) == 0
                && nashMtlUpdateEvery == that.nashMtlUpdateEvery
                && Double.compare(fairGradAlpha, that.fairGradAlpha) == 0
                && Double.compare(gradDropLeak, that.gradDropLeak) == 0
                && Double.compare(dbMtlBeta, that.dbMtlBeta) == 0
                && Double.compare(dbMtlBetaSigma, that.dbMtlBetaSigma) == 0
                && Double.compare(mocoBeta, that.mocoBeta) == 0
                && Double.compare(mocoBetaSigma, that.mocoBetaSigma) == 0
                && Double.compare(mocoGamma, that.mocoGamma) == 0
                && Double.compare(mocoGammaSigma, that.mocoGammaSigma) == 0
                && Double.compare(mocoRho, that.mocoRho) == 0
                && Double.compare(excessMtlStepSize, that.excessMtlStepSize) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(weighting, initial, min, max, Arrays.hashCode(weights), Arrays.hashCode(endWeights), ramp,
                rampLength, rampUnit, schedule, temperature, asymmetry, sharedLayer, strategy, convention,
                headGradients, mgdaNormalization, uncertaintyScale, initialLogVariance, gradNormWarmup, gradNormScope,
                pcGradOrder, epochMean, gradientSource, caGradRadius, caGradRescale, stchMu, stchWarmupEpochs,
                famoLearningRate, famoWeightDecay, imtlMode, gradVacBeta, gradVacGroups, sdmGradLambda,
                sdmGradIterations, modoGamma, modoRho, nashMtlMaxNorm, nashMtlUpdateEvery, fairGradAlpha,
                gradDropLeak, dbMtlBeta, dbMtlBetaSigma, mocoBeta, mocoBetaSigma, mocoGamma, mocoGammaSigma, mocoRho,
                excessMtlStepSize);
    }

    /** The strategy and the settings it reads, e.g. {@code DWA(temperature=2.0)}. */
    @Override
    public String toString() {
        return switch (weighting) {
            case FIXED -> "FIXED(weights=" + Arrays.toString(weights) + ")";
            case TRAINABLE -> "TRAINABLE(initial=" + initial + ", min=" + min + ", max=" + max + ")";
            case SCHEDULED -> schedule != void.class ? "SCHEDULED(schedule=" + schedule.getName() + ")"
                    : "SCHEDULED(" + ramp + " " + Arrays.toString(weights) + " -> " + Arrays.toString(endWeights)
                            + " over " + rampLength + " " + rampUnit + ")";
            case UNCERTAINTY -> uncertaintyScale == UncertaintyScale.BY_LOSS && initialLogVariance == 0
                    ? "UNCERTAINTY" : "UNCERTAINTY(uncertaintyScale=" + uncertaintyScale + ", initialLogVariance="
                            + initialLogVariance + ")";
            case DWA -> "DWA(temperature=" + temperature
                    + (epochMean == EpochMean.PER_BATCH ? "" : ", epochMean=" + epochMean) + ")";
            case GRADNORM -> "GRADNORM(asymmetry=" + asymmetry
                    + (sharedLayer.isEmpty() ? "" : ", sharedLayer=" + sharedLayer)
                    + (headGradients == HeadGradients.WEIGHTED ? "" : ", headGradients=" + headGradients)
                    + (gradNormWarmup == GradNormWarmup.NONE ? "" : ", gradNormWarmup=" + gradNormWarmup
                            + ", epochMean=" + epochMean)
                    + (gradNormScope == GradNormScope.LAST_SHARED_LAYER ? "" : ", gradNormScope=" + gradNormScope)
                    + (gradientSource == GradientSource.PARAMETERS ? "" : ", gradientSource=" + gradientSource)
                    + ")";
            case PCGRAD -> pcGradOrder == PcGradOrder.OTHERS ? "PCGRAD" : "PCGRAD(pcGradOrder=" + pcGradOrder + ")";
            case MGDA -> convention == Convention.BRANCHWISE && mgdaNormalization == MgdaNormalization.NONE
                    && headGradients == HeadGradients.WEIGHTED && gradientSource == GradientSource.PARAMETERS ? "MGDA"
                    : "MGDA(convention=" + convention + ", mgdaNormalization=" + mgdaNormalization
                            + ", headGradients=" + headGradients
                            + (gradientSource == GradientSource.PARAMETERS ? "" : ", gradientSource=" + gradientSource)
                            + ")";
            case CAGRAD -> caGradRadius == 0.5 && caGradRescale == 1 ? "CAGRAD"
                    : "CAGRAD(caGradRadius=" + caGradRadius + ", caGradRescale=" + caGradRescale + ")";
            case CUSTOM -> "CUSTOM(strategy=" + strategy.getName() + ")";
            case STCH -> "STCH(stchMu=" + stchMu + ", stchWarmupEpochs=" + stchWarmupEpochs + ")";
            case FAMO -> "FAMO(famoLearningRate=" + famoLearningRate + ", famoWeightDecay=" + famoWeightDecay + ")";
            case IMTL -> imtlMode == ImtlMode.HYBRID && gradientSource == GradientSource.PARAMETERS ? "IMTL"
                    : "IMTL(imtlMode=" + imtlMode
                            + (gradientSource == GradientSource.PARAMETERS ? "" : ", gradientSource=" + gradientSource)
                            + ")";
            case ALIGNED_MTL -> gradientSource == GradientSource.PARAMETERS ? "ALIGNED_MTL"
                    : "ALIGNED_MTL(gradientSource=" + gradientSource + ")";
            case GRADVAC -> "GRADVAC(gradVacBeta=" + gradVacBeta + ", gradVacGroups=" + gradVacGroups + ")";
            case SDMGRAD -> "SDMGRAD(sdmGradLambda=" + sdmGradLambda + ", sdmGradIterations=" + sdmGradIterations
                    + ")";
            case MODO -> "MODO(modoGamma=" + modoGamma + ", modoRho=" + modoRho + ")";
            case NASH_MTL -> nashMtlMaxNorm == 1.0 && nashMtlUpdateEvery == 1 ? "NASH_MTL"
                    : "NASH_MTL(nashMtlMaxNorm=" + nashMtlMaxNorm + ", nashMtlUpdateEvery=" + nashMtlUpdateEvery + ")";
            case FAIRGRAD -> "FAIRGRAD(fairGradAlpha=" + fairGradAlpha + ")";
            case GRADDROP -> gradDropLeak == 0 ? "GRADDROP" : "GRADDROP(gradDropLeak=" + gradDropLeak + ")";
            case DB_MTL -> "DB_MTL(dbMtlBeta=" + dbMtlBeta + ", dbMtlBetaSigma=" + dbMtlBetaSigma + ")";
            case MOCO -> "MOCO(mocoBeta=" + mocoBeta + ", mocoBetaSigma=" + mocoBetaSigma + ", mocoGamma=" + mocoGamma
                    + ", mocoGammaSigma=" + mocoGammaSigma + ", mocoRho=" + mocoRho + ")";
            case EXCESS_MTL -> "EXCESS_MTL(excessMtlStepSize=" + excessMtlStepSize + ")";
            default -> weighting.name();
        };
    }

    private static double[] checkWeights(String what, double[] weights) {
        double[] copy = weights.clone();
        boolean anyPositive = false;
        for (double w : copy) {
            if (!(w >= 0) || Double.isInfinite(w)) {
                throw new IllegalArgumentException(what + " must be finite and non-negative; " + w + " is not");
            }
            anyPositive |= w > 0;
        }
        if (!anyPositive) {
            throw new IllegalArgumentException(what + " must not all be zero: nothing would train");
        }
        return copy;
    }

    /** The annotation's defaults, changed by each factory where its strategy reads the setting. */
    private static final class Settings {
        double initial = 0.5;
        double min = 0.0;
        double max = 1.0;
        double[] weights = {};
        double[] endWeights = {};
        Ramp ramp = Ramp.LINEAR;
        long rampLength = 1;
        RampUnit rampUnit = RampUnit.EPOCH;
        Class<?> schedule = void.class;
        double temperature = 2.0;
        double asymmetry = 1.5;
        String sharedLayer = "";
        Class<?> strategy = void.class;
        Convention convention = Convention.BRANCHWISE;
        HeadGradients headGradients = Convention.BRANCHWISE.headGradients();
        MgdaNormalization mgdaNormalization = Convention.BRANCHWISE.mgdaNormalization();
        UncertaintyScale uncertaintyScale = Convention.BRANCHWISE.uncertaintyScale();
        double initialLogVariance = Convention.BRANCHWISE.initialLogVariance();
        GradNormWarmup gradNormWarmup = Convention.BRANCHWISE.gradNormWarmup();
        GradNormScope gradNormScope = Convention.BRANCHWISE.gradNormScope();
        PcGradOrder pcGradOrder = Convention.BRANCHWISE.pcGradOrder();
        EpochMean epochMean = Convention.BRANCHWISE.epochMean();
        GradientSource gradientSource = Convention.BRANCHWISE.gradientSource();
        double caGradRadius = 0.5;
        int caGradRescale = 1;
        double stchMu = 1.0;
        long stchWarmupEpochs = 4;
        double famoLearningRate = 0.025;
        double famoWeightDecay = 0.001;
        ImtlMode imtlMode = ImtlMode.HYBRID;
        double gradVacBeta = 0.01;
        GradVacGroups gradVacGroups = GradVacGroups.WHOLE_MODEL;
        double sdmGradLambda = 0.3;
        int sdmGradIterations = 20;
        double modoGamma = 0.001;
        double modoRho = 0.1;
        double nashMtlMaxNorm = 1.0;
        int nashMtlUpdateEvery = 1;
        double fairGradAlpha = 1.0;
        double gradDropLeak = 0.0;
        double dbMtlBeta = 0.9;
        double dbMtlBetaSigma = 0.0;
        double mocoBeta = 0.5;
        double mocoBetaSigma = 0.5;
        double mocoGamma = 0.1;
        double mocoGammaSigma = 0.5;
        double mocoRho = 0.0;
        double excessMtlStepSize = 0.01;
    }
}

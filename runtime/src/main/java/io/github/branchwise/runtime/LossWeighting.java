package io.github.branchwise.runtime;

import io.github.branchwise.annotations.Ramp;
import io.github.branchwise.annotations.RampUnit;
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
    private final double stchMu;
    private final long stchWarmupEpochs;
    private final double famoLearningRate;
    private final double famoWeightDecay;

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
        this.stchMu = s.stchMu;
        this.stchWarmupEpochs = s.stchWarmupEpochs;
        this.famoLearningRate = s.famoLearningRate;
        this.famoWeightDecay = s.famoWeightDecay;
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
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("DWA temperature must be positive and finite; " + temperature
                    + " is not");
        }
        Settings s = new Settings();
        s.temperature = temperature;
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
        if (!(asymmetry >= 0) || Double.isInfinite(asymmetry)) {
            throw new IllegalArgumentException("GRADNORM asymmetry must be finite and non-negative; " + asymmetry
                    + " is not");
        }
        Settings s = new Settings();
        s.asymmetry = asymmetry;
        s.sharedLayer = Objects.requireNonNull(sharedLayer, "sharedLayer");
        return new LossWeighting(Weighting.GRADNORM, s);
    }

    /** {@link Weighting#PCGRAD}: projecting conflicting gradients. */
    public static LossWeighting pcGrad() {
        return new LossWeighting(Weighting.PCGRAD, new Settings());
    }

    /** {@link Weighting#MGDA}: the minimum-norm combination of the branch gradients. */
    public static LossWeighting mgda() {
        return new LossWeighting(Weighting.MGDA, new Settings());
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

    @Override
    public boolean equals(Object other) {
        return other instanceof LossWeighting that && weighting == that.weighting
                && Double.compare(initial, that.initial) == 0 && Double.compare(min, that.min) == 0
                && Double.compare(max, that.max) == 0 && Arrays.equals(weights, that.weights)
                && Arrays.equals(endWeights, that.endWeights) && ramp == that.ramp && rampLength == that.rampLength
                && rampUnit == that.rampUnit && schedule == that.schedule
                && Double.compare(temperature, that.temperature) == 0
                && Double.compare(asymmetry, that.asymmetry) == 0 && sharedLayer.equals(that.sharedLayer)
                && strategy == that.strategy && Double.compare(stchMu, that.stchMu) == 0
                && stchWarmupEpochs == that.stchWarmupEpochs
                && Double.compare(famoLearningRate, that.famoLearningRate) == 0
                && Double.compare(famoWeightDecay, that.famoWeightDecay) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(weighting, initial, min, max, Arrays.hashCode(weights), Arrays.hashCode(endWeights), ramp,
                rampLength, rampUnit, schedule, temperature, asymmetry, sharedLayer, strategy, stchMu,
                stchWarmupEpochs, famoLearningRate, famoWeightDecay);
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
            case DWA -> "DWA(temperature=" + temperature + ")";
            case GRADNORM -> "GRADNORM(asymmetry=" + asymmetry
                    + (sharedLayer.isEmpty() ? "" : ", sharedLayer=" + sharedLayer) + ")";
            case CUSTOM -> "CUSTOM(strategy=" + strategy.getName() + ")";
            case STCH -> "STCH(stchMu=" + stchMu + ", stchWarmupEpochs=" + stchWarmupEpochs + ")";
            case FAMO -> "FAMO(famoLearningRate=" + famoLearningRate + ", famoWeightDecay=" + famoWeightDecay + ")";
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
        double stchMu = 1.0;
        long stchWarmupEpochs = 4;
        double famoLearningRate = 0.025;
        double famoWeightDecay = 0.001;
    }
}

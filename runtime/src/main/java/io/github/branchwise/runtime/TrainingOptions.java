package io.github.branchwise.runtime;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * How a generated training model is built and optimised: the seed of its initial parameters, the optimiser that
 * updates every trainable parameter (the weighting's included), the floating-point type of the model and, when
 * set, a weighting that overrides the model's {@code @WeightedLoss}.
 *
 * <pre>{@code
 * TrainingOptions options = TrainingOptions.builder().seed(7).updater(new Adam(1e-3)).build();
 * }</pre>
 *
 * <p>Instances are immutable.
 */
public final class TrainingOptions {
    /** The seed {@link #defaults()} uses. */
    public static final long DEFAULT_SEED = 42L;
    /** The learning rate of the {@link Sgd} optimiser {@link #defaults()} uses, Keras' {@code 'sgd'} default. */
    public static final double DEFAULT_LEARNING_RATE = 0.01;

    /** The parameter group of the weighting's parameters, see {@link Builder#groupUpdater(String, IUpdater)}. */
    public static final String WEIGHTING_GROUP = "weighting";

    private final long seed;
    private final IUpdater updater;
    private final Map<String, IUpdater> groupUpdaters;
    private final DataType dataType;
    private final ExecutorKind executor;
    private final LossWeighting weighting;
    private final boolean checkDuplicatedLayers;

    private TrainingOptions(Builder builder) {
        this.seed = builder.seed;
        this.updater = builder.updater.clone();
        Map<String, IUpdater> groups = new LinkedHashMap<>();
        builder.groupUpdaters.forEach((group, u) -> groups.put(group, u.clone()));
        this.groupUpdaters = Collections.unmodifiableMap(groups);
        this.dataType = builder.dataType;
        this.executor = builder.executor;
        this.weighting = builder.weighting;
        this.checkDuplicatedLayers = builder.checkDuplicatedLayers;
    }

    /** Seed {@value #DEFAULT_SEED}, SGD with learning rate {@value #DEFAULT_LEARNING_RATE}, 32-bit floats. */
    public static TrainingOptions defaults() {
        return builder().build();
    }

    /** A builder starting from {@link #defaults()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** The seed every initial parameter value derives from: the same seed gives the same model and results. */
    public long seed() {
        return seed;
    }

    /** A copy of the optimiser configuration (ND4J's {@code Sgd}, {@code Adam}, {@code Nesterovs}, ...). */
    public IUpdater updater() {
        return updater.clone();
    }

    /**
     * The optimiser of one parameter group: the group's own when set, else {@link #updater()}. A parameter's group
     * is the first segment of its name: the branch or {@code @Shared} method that created it, or
     * {@value #WEIGHTING_GROUP}.
     */
    public IUpdater updaterFor(String group) {
        IUpdater own = groupUpdaters.get(group);
        return (own != null ? own : updater).clone();
    }

    /** The groups with an optimiser of their own, and those optimisers (copies). */
    public Map<String, IUpdater> groupUpdaters() {
        Map<String, IUpdater> copy = new LinkedHashMap<>();
        groupUpdaters.forEach((group, u) -> copy.put(group, u.clone()));
        return copy;
    }

    /** The floating-point type of parameters, inputs and targets: {@code FLOAT} or {@code DOUBLE}. */
    public DataType dataType() {
        return dataType;
    }

    /** How forward and backward passes run; {@link ExecutorKind#COMPILED} unless set. */
    public ExecutorKind executor() {
        return executor;
    }

    /**
     * The weighting that overrides the model's {@code @WeightedLoss}, or empty to use the annotation's: see
     * {@link Builder#weighting(LossWeighting)}.
     */
    public Optional<LossWeighting> weighting() {
        return Optional.ofNullable(weighting);
    }

    /**
     * Whether creating the model looks for layers several branches build separately from the same source
     * ({@link DuplicatedLayers}) and warns about them; true unless turned off with
     * {@link Builder#checkDuplicatedLayers(boolean)}.
     */
    public boolean checkDuplicatedLayers() {
        return checkDuplicatedLayers;
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        Builder builder = new Builder().seed(seed).updater(updater).dataType(dataType).executor(executor)
                .checkDuplicatedLayers(checkDuplicatedLayers);
        groupUpdaters.forEach(builder::groupUpdater);
        builder.weighting = weighting;
        return builder;
    }

    @Override
    public String toString() {
        return "TrainingOptions[seed=" + seed + ", updater=" + updater
                + (groupUpdaters.isEmpty() ? "" : ", groupUpdaters=" + groupUpdaters) + ", dataType=" + dataType
                + ", executor=" + executor + (weighting == null ? "" : ", weighting=" + weighting)
                + (checkDuplicatedLayers ? "" : ", checkDuplicatedLayers=false") + "]";
    }

    /** Builds {@link TrainingOptions}. */
    public static final class Builder {
        private long seed = DEFAULT_SEED;
        private IUpdater updater = new Sgd(DEFAULT_LEARNING_RATE);
        private final Map<String, IUpdater> groupUpdaters = new LinkedHashMap<>();
        private DataType dataType = DataType.FLOAT;
        private ExecutorKind executor = ExecutorKind.COMPILED;
        private LossWeighting weighting;
        private boolean checkDuplicatedLayers = true;

        private Builder() {
        }

        /**
         * Combines the branch losses with {@code weighting} instead of the strategy the model's {@code @WeightedLoss}
         * names, so one model class serves a comparison of strategies. It is checked against the model when the model
         * is created (one weight per branch, a {@code @Shared} method for GRADNORM, the strategy class), with the
         * rules the annotation processor applies to the annotation, and a model saved with it records it.
         */
        public Builder weighting(LossWeighting weighting) {
            this.weighting = Objects.requireNonNull(weighting, "weighting");
            return this;
        }

        /** Goes back to the model's own {@code @WeightedLoss} weighting, the default. */
        public Builder annotatedWeighting() {
            this.weighting = null;
            return this;
        }

        /**
         * Turns the duplicated-layers check on (the default) or off. With it on, creating the model logs one warning
         * for each group of branches that build the same layers separately from the same source, where a
         * {@code @Shared} method was probably meant, and {@code Trainer.duplicatedLayers()} and {@code summary()}
         * list them. Turn it off for a model whose branches are meant to have layers of their own of the same
         * make: nothing is then logged or listed.
         *
         * <p>An option of the model rather than a system property, so that it silences this one model, where it is
         * created, and not every model of the JVM. It is not saved with the model: a loaded model does not log the
         * warning again (its creation did), and lists what the check finds.
         */
        public Builder checkDuplicatedLayers(boolean check) {
            this.checkDuplicatedLayers = check;
            return this;
        }

        /**
         * Sets how forward and backward passes run: {@link ExecutorKind#COMPILED} (the default, faster) or
         * {@link ExecutorKind#SAMEDIFF} (SameDiff's sessions, the reference). Results are the same.
         */
        public Builder executor(ExecutorKind executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /** Sets the seed of the initial parameter values. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Sets the optimiser, e.g. {@code new Sgd(0.01)} or {@code new Adam(1e-3)}; it is copied. */
        public Builder updater(IUpdater updater) {
            this.updater = Objects.requireNonNull(updater, "updater").clone();
            return this;
        }

        /**
         * Gives one parameter group its own optimiser (and so its own learning rate), like a PyTorch parameter
         * group: {@code group} is a branch name, a {@code @Shared} method name, or {@value #WEIGHTING_GROUP} for
         * the weighting's parameters (α, GradNorm's weights, uncertainty's log-variances). It is copied.
         */
        public Builder groupUpdater(String group, IUpdater updater) {
            Objects.requireNonNull(group, "group");
            groupUpdaters.put(group, Objects.requireNonNull(updater, "updater").clone());
            return this;
        }

        /** Shorthand for {@code groupUpdater(WEIGHTING_GROUP, updater)}. */
        public Builder weightingUpdater(IUpdater updater) {
            return groupUpdater(WEIGHTING_GROUP, updater);
        }

        /**
         * Sets the floating-point type of the model: {@code FLOAT} (the default) or {@code DOUBLE} (for gradient
         * checks and when precision matters more than speed).
         */
        public Builder dataType(DataType dataType) {
            Objects.requireNonNull(dataType, "dataType");
            if (dataType != DataType.FLOAT && dataType != DataType.DOUBLE) {
                throw new IllegalArgumentException("dataType must be FLOAT or DOUBLE, got " + dataType);
            }
            this.dataType = dataType;
            return this;
        }

        /** The options. */
        public TrainingOptions build() {
            return new TrainingOptions(this);
        }
    }
}

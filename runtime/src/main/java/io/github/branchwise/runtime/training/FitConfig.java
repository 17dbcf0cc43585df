package io.github.branchwise.runtime.training;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * How {@link Fitting#fit} trains: for how many epochs, on which validation data, with which extra metrics,
 * progress output, listeners, early stopping and checkpoints. Immutable; built with {@link #builder()}:
 *
 * <pre>{@code
 * FitConfig config = FitConfig.builder()
 *         .epochs(10)
 *         .validation(DataSource.arrays(valX, valY, 256))
 *         .earlyStopping(EarlyStopping.monitor("val_total").patience(3).restoreBest(true))
 *         .checkpoints(Checkpoints.to(dir).everyEpochs(1).keepLast(3))
 *         .build();
 * }</pre>
 *
 * <p>{@code epochs} is the epoch count to reach, as Keras' {@code epochs} with {@code initial_epoch}: a model (or a
 * resumed checkpoint) that has already finished 4 epochs trains epochs 4 to 9 for {@code epochs(10)}.
 */
public final class FitConfig {
    private final long epochs;
    private final DataSource validation;
    private final Map<String, List<Metric>> metrics;
    private final boolean defaultMetrics;
    private final Progress progress;
    private final PrintStream output;
    private final List<TrainingListener> listeners;
    private final EarlyStopping earlyStopping;
    private final Checkpoints checkpoints;
    private final boolean recordSteps;

    private FitConfig(Builder b) {
        this.epochs = b.epochs;
        this.validation = b.validation;
        Map<String, List<Metric>> m = new LinkedHashMap<>();
        b.metrics.forEach((branch, list) -> m.put(branch, List.copyOf(list)));
        this.metrics = Map.copyOf(m);
        this.defaultMetrics = b.defaultMetrics;
        this.progress = b.progress;
        this.output = b.output;
        this.listeners = List.copyOf(b.listeners);
        this.earlyStopping = b.earlyStopping;
        this.checkpoints = b.checkpoints;
        this.recordSteps = b.recordSteps;
    }

    /** A builder: 1 epoch, no validation, default metrics, {@link Progress#AUTO} on standard out. */
    public static Builder builder() {
        return new Builder();
    }

    /** The epoch count to reach. */
    public long epochs() {
        return epochs;
    }

    /** The validation data, or null. */
    public DataSource validation() {
        return validation;
    }

    /** The metrics added per branch, besides the defaults. */
    public Map<String, List<Metric>> extraMetrics() {
        return metrics;
    }

    /** Whether each branch gets its loss's default metrics ({@link Metrics#defaultsFor}). */
    public boolean defaultMetrics() {
        return defaultMetrics;
    }

    /** How progress is reported. */
    public Progress progress() {
        return progress;
    }

    /** Where progress is printed. */
    public PrintStream output() {
        return output;
    }

    /** The listeners, in the order they are called. */
    public List<TrainingListener> listeners() {
        return listeners;
    }

    /** The early stopping, or null. */
    public EarlyStopping earlyStopping() {
        return earlyStopping;
    }

    /** The checkpoints, or null. */
    public Checkpoints checkpoints() {
        return checkpoints;
    }

    /** Whether a history row is kept for every step (on by default). */
    public boolean recordSteps() {
        return recordSteps;
    }

    /** Builds a {@link FitConfig}. */
    public static final class Builder {
        private long epochs = 1;
        private DataSource validation;
        private final Map<String, List<Metric>> metrics = new LinkedHashMap<>();
        private boolean defaultMetrics = true;
        private Progress progress = Progress.AUTO;
        private PrintStream output = System.out;
        private final List<TrainingListener> listeners = new ArrayList<>();
        private EarlyStopping earlyStopping;
        private Checkpoints checkpoints;
        private boolean recordSteps = true;

        private Builder() {
        }

        /** The epoch count to reach (see the class comment), positive. */
        public Builder epochs(long epochs) {
            if (epochs <= 0) {
                throw new IllegalArgumentException("epochs must be positive, got " + epochs);
            }
            this.epochs = epochs;
            return this;
        }

        /** Validation data, evaluated at the end of every epoch; its values are the {@code val_} columns. */
        public Builder validation(DataSource validation) {
            this.validation = Objects.requireNonNull(validation, "validation");
            return this;
        }

        /** Validation arrays, evaluated in order in batches of {@code batchSize}. */
        public Builder validation(INDArray[] inputs, INDArray[] targets, int batchSize) {
            return validation(DataSource.arrays(inputs, targets, batchSize).shuffle(false));
        }

        /** Adds a metric to a branch, besides its defaults. */
        public Builder metric(String branch, Metric metric) {
            Objects.requireNonNull(branch, "branch");
            Objects.requireNonNull(metric, "metric");
            Metrics.checkName(metric.name());
            metrics.computeIfAbsent(branch, b -> new ArrayList<>()).add(metric);
            return this;
        }

        /** Whether each branch gets its loss's default metrics (true by default). */
        public Builder defaultMetrics(boolean on) {
            this.defaultMetrics = on;
            return this;
        }

        /** How progress is reported ({@link Progress#AUTO} by default). */
        public Builder progress(Progress progress) {
            this.progress = Objects.requireNonNull(progress, "progress");
            return this;
        }

        /** Shorthand for {@code progress(Progress.SILENT)}. */
        public Builder silent() {
            return progress(Progress.SILENT);
        }

        /** Where progress is printed (standard out by default). */
        public Builder output(PrintStream output) {
            this.output = Objects.requireNonNull(output, "output");
            return this;
        }

        /** Adds a listener. */
        public Builder listener(TrainingListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** Stops early on a monitored value. */
        public Builder earlyStopping(EarlyStopping earlyStopping) {
            this.earlyStopping = Objects.requireNonNull(earlyStopping, "earlyStopping");
            return this;
        }

        /** Saves checkpoints. */
        public Builder checkpoints(Checkpoints checkpoints) {
            this.checkpoints = Objects.requireNonNull(checkpoints, "checkpoints");
            return this;
        }

        /** Whether to keep a history row for every step (true by default; epochs are always kept). */
        public Builder recordSteps(boolean on) {
            this.recordSteps = on;
            return this;
        }

        /** The configuration. */
        public FitConfig build() {
            return new FitConfig(this);
        }
    }
}

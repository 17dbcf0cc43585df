package io.github.branchwise.runtime.training;

import io.github.branchwise.runtime.ExecutorKind;
import io.github.branchwise.runtime.Losses;
import io.github.branchwise.runtime.ModelFileException;
import io.github.branchwise.runtime.NativeThreads;
import io.github.branchwise.runtime.TrainingDivergedException;
import io.github.branchwise.runtime.engine.LossesAndOutputs;
import io.github.branchwise.runtime.internal.BranchSpec;
import io.github.branchwise.runtime.internal.ModelSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a model over epochs, as Keras' {@code fit}: mini-batches from a {@link DataSource}, validation at each
 * epoch's end, metrics per branch, a {@link History}, progress on the console, listeners, early stopping,
 * checkpoints, and a NaN guard.
 *
 * <pre>{@code
 * Fitting fitting = Fitting.of(trainer);
 * History history = fitting.fit(DataSource.arrays(x, y, 32), FitConfig.builder().epochs(10).build());
 * history.writeCsv(dir.resolve("history.csv"));
 * history.plotLosses(dir.resolve("losses.png"));
 * }</pre>
 *
 * <p>A fitting keeps its history and its position (epoch, batch within the epoch) across calls to {@link #fit},
 * and saves both in checkpoints; {@link #resume} continues from a checkpoint exactly as the uninterrupted run would
 * have (the same batches, the same numbers), provided the data source yields the same batches for the same epoch
 * (see {@link DataSource}). Not for concurrent use.
 */
public final class Fitting {
    private static final Logger LOG = LoggerFactory.getLogger(Fitting.class);
    private final Trainer trainer;
    private final ModelSpec spec;
    /** The history and the loop's position, which checkpoints keep. */
    private final FitState state;
    private boolean stopRequested;
    /** The automatic native thread choice across this fitting's fits; null until a fit may choose. */
    private ThreadChoice threadChoice;
    /** The thread count this fitting last applied, 0 when none. */
    private int appliedThreads;
    /** Other processes' CPU use during the thread choice's warm-up. */
    private final OtherCpuUse otherCpuUse = new OtherCpuUse();

    private Fitting(Trainer trainer) {
        this.trainer = Objects.requireNonNull(trainer, "trainer");
        this.spec = trainer.spec();
        this.state = new FitState(spec.branches().stream().map(BranchSpec::name).toList());
    }

    /** A fitting of a trainer, starting at the trainer's current epoch with an empty history. */
    public static Fitting of(Trainer trainer) {
        return new Fitting(trainer);
    }

    /**
     * Loads a checkpoint written by {@link #fit} (see {@link Checkpoints}): the model, its optimiser and weighting
     * state, and the run's history and position. {@link #trainer()} is the loaded model.
     *
     * @throws ModelFileException when the file is not a valid model file of this model
     */
    public static Fitting resume(ModelSpec spec, Path checkpoint) throws IOException {
        Trainer.Loaded loaded = Trainer.loadWithAttachments(spec, checkpoint);
        Fitting fitting = new Fitting(loaded.trainer());
        fitting.state.fromAttachments(checkpoint, loaded.attachments());
        return fitting;
    }

    /** {@link #resume} from the newest checkpoint in a directory, if there is one. */
    public static Optional<Fitting> resumeLatest(ModelSpec spec, Path directory) throws IOException {
        Optional<Path> latest = Checkpoints.latest(directory);
        return latest.isEmpty() ? Optional.empty() : Optional.of(resume(spec, latest.get()));
    }

    /** The trainer being fitted. */
    public Trainer trainer() {
        return trainer;
    }

    /** What has been recorded so far (also the value {@link #fit} returns). */
    public History history() {
        return state.history;
    }

    /** Whether early stopping ended training; a stopped fitting does not train further. */
    public boolean stoppedEarly() {
        return state.stoppedEarly;
    }

    /**
     * The number of the best epoch early stopping has seen, counted from 1 as the progress, the history's
     * {@code epoch} column and {@code FitConfig.epochs} count; 0 before any.
     */
    public long bestEpoch() {
        return state.bestEpoch + 1;
    }

    void requestStop() {
        stopRequested = true;
    }

    /**
     * Trains until the trainer has finished {@code config.epochs()} epochs, early stopping fires, or a listener
     * stops it.
     *
     * @return the history, the same object as {@link #history()}
     * @throws FitDivergedException     when a loss or gradient became NaN or infinite; the model keeps the last good
     *                                  state, saved as a checkpoint when checkpointing is on
     * @throws IllegalArgumentException when a batch does not fit the model
     * @throws UncheckedIOException     when a checkpoint cannot be written
     */
    public History fit(DataSource train, FitConfig config) {
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(config, "config");
        // Whole arrays are checked before the first step: a bad row costs no update, and is reported by its index
        // in the array the user gave rather than in a shuffled batch.
        for (DataSource source : new DataSource[] {train, config.validation()}) {
            if (source instanceof ArrayDataSource arrays) {
                arrays.check(trainer.batchChecker());
            }
        }
        Map<String, List<Metric>> metrics = metricsFor(config);
        return loop(new LocalSteps(train, metrics), config, metrics, true);
    }

    /**
     * Trains as {@link #fit(DataSource, FitConfig)} does, with every step computed by {@code train} (distributed
     * training: branchwise-spark), the rest on this fitting: history, progress, listeners, early stopping,
     * checkpoints, the NaN guard, and validation, from {@code config.validation()} on this machine or from
     * {@link StepSource#validate} where the source validates. A resumed fitting continues at the checkpoint's step of
     * its epoch, which {@code train} must give the same batch as the interrupted run did.
     *
     * @return the history, the same object as {@link #history()}
     * @throws IllegalArgumentException when metrics are asked for ({@link FitConfig#defaultMetrics}, extra metrics)
     *                                  and the source does not measure them ({@link StepSource#measures()}); or
     *                                  when both {@code config.validation()} and the source validate
     * @throws FitDivergedException     as {@link #fit(DataSource, FitConfig)}
     * @throws UncheckedIOException     when a checkpoint cannot be written
     */
    public History fit(StepSource train, FitConfig config) {
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(config, "config");
        Map<String, List<Metric>> metrics = metricsFor(config);
        if (Tallies.any(metrics) && !train.measures()) {
            throw new IllegalArgumentException(spec.modelName() + ": metrics need each branch's outputs, which "
                    + "steps computed elsewhere (" + train.getClass().getSimpleName() + ") do not measure; "
                    + "set FitConfig.defaultMetrics(false) and add no metric (the losses are recorded)");
        }
        if (config.validation() != null && train.validates()) {
            throw new IllegalArgumentException(spec.modelName() + ": both FitConfig.validation and "
                    + train.getClass().getSimpleName() + " validate; give the validation data to one of them");
        }
        return loop(new SourceSteps(train, metrics), config, metrics, false);
    }

    /** The epochs' steps, wherever they are computed. */
    private interface Steps {
        /** The number of steps of each epoch, -1 when not known. */
        long perEpoch(long epoch);

        /** The steps of epoch {@code epoch} after the first {@code skip} ones. */
        EpochSteps epoch(long epoch, long skip);

        /** The validation columns at the end of epoch {@code epoch}; empty when there is no validation. */
        Map<String, Double> validate(long epoch, FitConfig config, Map<String, List<Metric>> metrics);
    }

    /** One epoch's steps, each trained on {@link #trainer} when {@link #next} is called. */
    private interface EpochSteps {
        boolean hasNext();

        /** Trains the next step. @throws TrainingDivergedException as {@link Trainer#fit} */
        Trained next();
    }

    /**
     * What one step trained.
     *
     * @param losses   the global batch's losses
     * @param examples the global batch's size
     * @param tallies  each metric's tally, by history column, when metrics are measured
     */
    private record Trained(Losses losses, long examples, Map<String, Tally> tallies) {
    }

    /** Steps from a {@link DataSource}'s batches, trained here. */
    private final class LocalSteps implements Steps {
        private final DataSource train;
        private final Map<String, List<Metric>> metrics;
        private final boolean needOutputs;

        LocalSteps(DataSource train, Map<String, List<Metric>> metrics) {
            this.train = train;
            this.metrics = metrics;
            this.needOutputs = metrics.values().stream().anyMatch(list -> !list.isEmpty());
        }

        @Override
        public long perEpoch(long epoch) {
            return train.batchesPerEpoch();
        }

        @Override
        public EpochSteps epoch(long epoch, long skip) {
            Iterator<Batch> batches = train.batches(new DataSource.EpochContext(epoch, trainer.options().seed(),
                    spec));
            for (long skipped = 0; skipped < skip; skipped++) {
                if (!batches.hasNext()) {
                    throw new IllegalStateException("epoch " + (epoch + 1) + " has fewer than the " + skip
                            + " batches the checkpoint had already trained: the data source changed");
                }
                batches.next();
            }
            return new EpochSteps() {
                @Override
                public boolean hasNext() {
                    return batches.hasNext();
                }

                @Override
                public Trained next() {
                    Batch batch = batches.next();
                    LossesAndOutputs out = needOutputs ? trainer.fitWithOutputs(batch.inputs(), batch.targets())
                            : new LossesAndOutputs(trainer.fit(batch.inputs(), batch.targets()), new INDArray[0]);
                    return new Trained(out.losses(), batch.size(),
                            Tallies.measure(spec.branches(), metrics, out.outputs(), batch.targets()));
                }
            };
        }

        @Override
        public Map<String, Double> validate(long epoch, FitConfig config, Map<String, List<Metric>> metrics) {
            return config.validation() == null ? Map.of() : Fitting.this.validate(config.validation(), epoch, metrics);
        }
    }

    /** Steps a {@link StepSource} computes and applies to {@link #trainer}. */
    private final class SourceSteps implements Steps {
        private final StepSource source;
        private final Map<String, List<Metric>> metrics;
        private final boolean measured;

        SourceSteps(StepSource source, Map<String, List<Metric>> metrics) {
            this.source = source;
            this.metrics = metrics;
            this.measured = Tallies.any(metrics);
        }

        /** The outcome's tallies, checked to hold every metric's column. */
        private Map<String, Tally> tallies(StepSource.Outcome outcome, String what) {
            if (!measured) {
                return Map.of();
            }
            for (Map.Entry<String, List<Metric>> branch : metrics.entrySet()) {
                for (Metric metric : branch.getValue()) {
                    String column = branch.getKey() + "_" + metric.name();
                    if (!outcome.tallies().containsKey(column)) {
                        throw new IllegalStateException(source.getClass().getSimpleName() + " measured no '" + column
                                + "' in " + what);
                    }
                }
            }
            return outcome.tallies();
        }

        @Override
        public long perEpoch(long epoch) {
            return source.stepsInEpoch(epoch);
        }

        @Override
        public EpochSteps epoch(long epoch, long skip) {
            long count = source.stepsInEpoch(epoch);
            if (skip > count) {
                throw new IllegalStateException("epoch " + (epoch + 1) + " has " + count + " steps, fewer than the "
                        + skip + " the checkpoint had already trained: the data changed");
            }
            return new EpochSteps() {
                private long index = skip;

                @Override
                public boolean hasNext() {
                    return index < count;
                }

                @Override
                public Trained next() {
                    long before = trainer.iteration();
                    StepSource.Outcome outcome = measured ? source.step(epoch, index++, metrics)
                            : source.step(epoch, index++);
                    boolean moved = source.trainsRounds() ? trainer.iteration() > before
                            : trainer.iteration() == before + 1;
                    if (!moved) {
                        throw new IllegalStateException(source.getClass().getSimpleName() + " did not train "
                                + (source.trainsRounds() ? "a round" : "exactly one step") + " of the fitting's "
                                + "trainer (step counter " + before + " -> " + trainer.iteration() + ")");
                    }
                    return new Trained(outcome.losses(), outcome.examples(), tallies(outcome, "a step"));
                }
            };
        }

        @Override
        public Map<String, Double> validate(long epoch, FitConfig config, Map<String, List<Metric>> metrics) {
            if (config.validation() != null) {
                return Fitting.this.validate(config.validation(), epoch, metrics);
            }
            if (!source.validates()) {
                return Map.of();
            }
            StepSource.Outcome outcome = measured ? source.validate(epoch, metrics) : source.validate(epoch);
            if (outcome.examples() <= 0) {
                throw new IllegalStateException("the validation data gave no example for epoch " + (epoch + 1));
            }
            Map<String, Tally> tallies = tallies(outcome, "the validation");
            Map<String, Double> row = new LinkedHashMap<>();
            row.put("val_total", outcome.losses().total());
            List<BranchSpec> branches = spec.branches();
            for (int i = 0; i < branches.size(); i++) {
                String name = branches.get(i).name();
                row.put("val_" + name + "_loss", outcome.losses().branchLoss(i));
                for (Metric metric : metrics.get(name)) {
                    String column = name + "_" + metric.name();
                    row.put("val_" + column, metric.value(tallies.get(column)));
                }
            }
            return row;
        }
    }

    private History loop(Steps train, FitConfig config, Map<String, List<Metric>> metrics, boolean local) {
        stopRequested = false;
        boolean choosingThreads = local && startThreadChoice();
        List<String> branchNames = state.history.branches();
        try (ProgressReporter progress = new ProgressReporter(config.progress(), config.output(), branchNames)) {
            if (state.stoppedEarly) {
                progress.message("early stopping already ended this run (best epoch " + (state.bestEpoch + 1) + ")");
                return state.history;
            }
            if (trainer.epoch() >= config.epochs()) {
                // As Keras' initial_epoch: epochs is the count to reach, so a second fit(epochs(1)) trains nothing.
                String nothing = spec.modelName() + ": nothing to train: " + trainer.epoch() + " epoch(s) done already"
                        + " and FitConfig asks for " + config.epochs() + " in all (the count to reach, not to add)";
                progress.message(nothing);
                LOG.warn(nothing);
            }
            while (trainer.epoch() < config.epochs() && !stopRequested) {
                long epoch = trainer.epoch();
                EpochSteps batches = train.epoch(epoch, state.batchInEpoch);
                progress.startEpoch(epoch, config.epochs(), train.perEpoch(epoch), state.batchInEpoch);
                while (!stopRequested && batches.hasNext()) {
                    long started = System.nanoTime();
                    long stepsBefore = trainer.iteration();
                    Map<String, Double> row = step(batches, epoch, metrics, config, progress);
                    if (choosingThreads) {
                        threadStepTook((System.nanoTime() - started) / 1e6);
                    }
                    progress.step(row);
                    TrainingEvent event = new TrainingEvent(this, epoch + 1, trainer.iteration(), row);
                    for (TrainingListener listener : config.listeners()) {
                        listener.onStepEnd(event);
                    }
                    Checkpoints checkpoints = config.checkpoints();
                    // When the counter passed a multiple of the interval: a call that trains a round of several
                    // steps may jump over it.
                    if (checkpoints != null && checkpoints.stepInterval() > 0
                            && trainer.iteration() / checkpoints.stepInterval()
                            > stepsBefore / checkpoints.stepInterval()) {
                        saveCheckpoint(checkpoints);
                    }
                }
                if (stopRequested) {
                    break;
                }
                if (state.batchInEpoch == 0) {
                    throw new IllegalStateException("the data source gave no batch for epoch " + (epoch + 1));
                }
                Map<String, Double> row = endEpoch(epoch, config, metrics, train);
                progress.endEpoch(epoch, config.epochs(), row);
                TrainingEvent event = new TrainingEvent(this, epoch + 1, trainer.iteration(), row);
                for (TrainingListener listener : config.listeners()) {
                    listener.onEpochEnd(event);
                }
                Checkpoints checkpoints = config.checkpoints();
                if (checkpoints != null && checkpoints.epochInterval() > 0
                        && ((epoch + 1) % checkpoints.epochInterval() == 0 || state.stoppedEarly)) {
                    saveCheckpoint(checkpoints);
                }
                if (state.stoppedEarly) {
                    progress.message("early stopping: " + config.earlyStopping().monitored() + " has not improved"
                            + " for " + state.epochsWithoutImprovement + " epochs; best epoch "
                            + (state.bestEpoch + 1));
                }
            }
        } finally {
            if (choosingThreads) {
                threadEvent(threadChoice.finish());
            }
        }
        EarlyStopping early = config.earlyStopping();
        if (early != null && early.restoresBest() && state.bestParameters != null) {
            trainer.setParameterValues(state.bestParameters);
        }
        return state.history;
    }

    /**
     * Whether this fit chooses the native thread count (ThreadChoice): unless the user chose one (NativeThreads),
     * with the compiled executor, on a machine with several cores. Applies the count the next step runs with: one
     * thread for the first steps, or what an earlier fit of this fitting chose; starts measuring other processes' CPU
     * use over the warm-up.
     */
    private boolean startThreadChoice() {
        if (!NativeThreads.automatic() || trainer.options().executor() != ExecutorKind.COMPILED) {
            return false;
        }
        int cores = Runtime.getRuntime().availableProcessors();
        if (cores < 2) {
            NativeThreads.choose(1);
            return false;
        }
        if (threadChoice == null) {
            threadChoice = new ThreadChoice(cores);
        }
        if (threadChoice.warmingUp()) {
            otherCpuUse.start();
        }
        appliedThreads = 0;
        applyThreads();
        return true;
    }

    /** Reports a step's milliseconds to the thread choice and applies what the next step runs with. */
    private void threadStepTook(double millis) {
        boolean warmingUp = threadChoice.warmingUp();
        threadEvent(threadChoice.stepTook(millis));
        if (warmingUp && !threadChoice.warmingUp()) {
            threadEvent(threadChoice.othersBusy(otherCpuUse.busyCores(threadChoice.cores())));
        }
        applyThreads();
    }

    private void threadEvent(ThreadChoice.Event event) {
        switch (event) {
            case CHOSEN -> {
                trainer.threadsChosen(threadChoice.chosen());
                if (!Double.isNaN(threadChoice.chosenByOthersBusy())) {
                    LOG.info("{}: other processes kept {} of {} cores busy during the first steps: using 1 native"
                                    + " thread", spec.modelName(),
                            String.format(Locale.ROOT, "%.1f", threadChoice.chosenByOthersBusy()), threadChoice.cores());
                    applyThreads();
                    return;
                }
                LOG.info("{}: {} ms per step with 1 native thread, {} ms with {} (medians of {} steps each): using {}",
                        spec.modelName(), String.format(Locale.ROOT, "%.3f", threadChoice.oneMillis()),
                        String.format(Locale.ROOT, "%.3f", threadChoice.allMillis()), threadChoice.cores(),
                        threadChoice.trialPairs(), threadChoice.chosen());
                applyThreads();
            }
            case OUTDATED -> LOG.info("{}: the step got clearly slower with {} native thread(s) than when chosen;"
                    + " choosing again", spec.modelName(), threadChoice.chosen());
            case NONE -> {
            }
        }
    }

    private void applyThreads() {
        int threads = threadChoice.threadsForNextStep();
        if (threads != appliedThreads) {
            NativeThreads.choose(threads);
            appliedThreads = threads;
        }
    }

    private Map<String, Double> step(EpochSteps batches, long epoch, Map<String, List<Metric>> metrics,
                                     FitConfig config, ProgressReporter progress) {
        Trained out;
        try {
            out = batches.next();
        } catch (TrainingDivergedException e) {
            Path saved = null;
            if (config.checkpoints() != null) {
                // The failed step applied nothing: what is saved is the last good state.
                saved = saveCheckpoint(config.checkpoints());
            }
            progress.message("training diverged: " + e.getMessage());
            throw new FitDivergedException(e, epoch + 1, state.history, saved);
        }
        long step = trainer.iteration() - 1;
        double n = out.examples();
        Losses losses = out.losses();
        double[] weights = trainer.weights();
        Map<String, Double> row = new LinkedHashMap<>();
        row.put("step", (double) step);
        row.put("epoch", (double) (epoch + 1));
        row.put("batch", (double) state.batchInEpoch);
        row.put("examples", n);
        row.put("lr", learningRate(step, epoch));
        row.put("total", losses.total());
        state.add("total", losses.total() * n, n);
        List<BranchSpec> branches = spec.branches();
        for (int i = 0; i < branches.size(); i++) {
            String name = branches.get(i).name();
            row.put(name + "_loss", losses.branchLoss(i));
            row.put(name + "_weight", weights[i]);
            state.add(name + "_loss", losses.branchLoss(i) * n, n);
            for (Metric metric : metrics.get(name)) {
                String column = name + "_" + metric.name();
                Tally tally = out.tallies().get(column);
                row.put(column, metric.value(tally));
                state.add(column, tally.sum(), tally.count());
            }
        }
        // The gates' batch means of this step; their epoch value is the mean over the epoch's examples.
        for (Map.Entry<String, Double> gate : trainer.lastGateWeights().entrySet()) {
            row.put(gate.getKey(), gate.getValue());
            state.add(gate.getKey(), gate.getValue() * n, n);
        }
        state.batchInEpoch++;
        if (config.recordSteps()) {
            state.history.addStep(row);
        }
        return row;
    }

    private Map<String, Double> endEpoch(long epoch, FitConfig config, Map<String, List<Metric>> metrics,
                                         Steps train) {
        Map<String, Double> row = new LinkedHashMap<>();
        row.put("epoch", (double) (epoch + 1));
        row.put("steps", (double) trainer.iteration());
        row.put("lr", learningRate(Math.max(0, trainer.iteration() - 1), epoch));
        row.put("total", state.mean("total"));
        double[] weights = trainer.weights();
        List<BranchSpec> branches = spec.branches();
        for (int i = 0; i < branches.size(); i++) {
            String name = branches.get(i).name();
            row.put(name + "_loss", state.mean(name + "_loss"));
            row.put(name + "_weight", weights[i]);
            for (Metric metric : metrics.get(name)) {
                String column = name + "_" + metric.name();
                double[] sum = state.epochSums.get(column);
                row.put(column, metric.value(sum == null ? Tally.EMPTY : new Tally(sum[0], sum[1])));
            }
        }
        for (String column : trainer.lastGateWeights().keySet()) {
            row.put(column, state.mean(column));
        }
        row.putAll(train.validate(epoch, config, metrics));
        trainer.endEpoch();
        state.history.addEpoch(row);
        state.epochEnded();
        EarlyStopping early = config.earlyStopping();
        if (early != null) {
            Double value = monitoredValue(early.monitored(), row);
            if (value == null) {
                throw new IllegalArgumentException("early stopping monitors '" + early.monitored()
                        + "', which is not an epoch column; the columns are " + row.keySet());
            }
            if (early.improves(value, state.bestValue)) {
                state.bestValue = value;
                state.bestEpoch = epoch;
                state.epochsWithoutImprovement = 0;
                if (early.restoresBest()) {
                    state.bestParameters = trainer.parameterValues();
                }
            } else {
                state.epochsWithoutImprovement++;
                // Keras: stop once the epochs in a row without improvement reach the patience.
                if (state.epochsWithoutImprovement >= early.patience()) {
                    state.stoppedEarly = true;
                    stopRequested = true;
                }
            }
        }
        return row;
    }

    /** The monitored value of an epoch row: a column, or the unweighted sum of the validation losses. */
    private Double monitoredValue(String monitored, Map<String, Double> row) {
        if (!monitored.equals(EarlyStopping.UNWEIGHTED_VALIDATION_TOTAL)) {
            return row.get(monitored);
        }
        double sum = 0;
        for (BranchSpec branch : spec.branches()) {
            Double loss = row.get("val_" + branch.name() + "_loss");
            if (loss == null) {
                throw new IllegalArgumentException("early stopping monitors the unweighted validation total, which "
                        + "needs validation data (FitConfig.validation)");
            }
            sum += loss;
        }
        return sum;
    }

    private Map<String, Double> validate(DataSource validation, long epoch, Map<String, List<Metric>> metrics) {
        Iterator<Batch> batches = validation.batches(new DataSource.EpochContext(epoch, trainer.options().seed(),
                spec));
        List<BranchSpec> branches = spec.branches();
        double examples = 0;
        double total = 0;
        double[] losses = new double[branches.size()];
        Map<String, Tally> tallies = new LinkedHashMap<>();
        boolean needOutputs = metrics.values().stream().anyMatch(list -> !list.isEmpty());
        while (batches.hasNext()) {
            Batch batch = batches.next();
            double n = batch.size();
            LossesAndOutputs out = needOutputs ? trainer.evaluateWithOutputs(batch.inputs(), batch.targets())
                    : new LossesAndOutputs(trainer.evaluate(batch.inputs(), batch.targets()), new INDArray[0]);
            examples += n;
            total += out.losses().total() * n;
            for (int i = 0; i < branches.size(); i++) {
                losses[i] += out.losses().branchLoss(i) * n;
            }
            if (needOutputs) {
                tallies = Tallies.plus(tallies, Tallies.measure(branches, metrics, out.outputs(), batch.targets()));
            }
        }
        if (examples == 0) {
            throw new IllegalStateException("the validation data gave no batch for epoch " + (epoch + 1));
        }
        Map<String, Double> row = new LinkedHashMap<>();
        row.put("val_total", total / examples);
        for (int i = 0; i < branches.size(); i++) {
            String name = branches.get(i).name();
            row.put("val_" + name + "_loss", losses[i] / examples);
            for (Metric metric : metrics.get(name)) {
                String column = name + "_" + metric.name();
                row.put("val_" + column, metric.value(tallies.getOrDefault(column, Tally.EMPTY)));
            }
        }
        return row;
    }

    private Map<String, List<Metric>> metricsFor(FitConfig config) {
        Map<String, List<Metric>> metrics = new LinkedHashMap<>();
        for (BranchSpec branch : spec.branches()) {
            List<Metric> list = new ArrayList<>();
            if (config.defaultMetrics()) {
                list.addAll(Metrics.defaultsFor(branch));
            }
            list.addAll(config.extraMetrics().getOrDefault(branch.name(), List.of()));
            List<String> names = new ArrayList<>();
            for (Metric metric : list) {
                if (names.contains(metric.name()) || metric.name().equals("loss") || metric.name().equals("weight")) {
                    throw new IllegalArgumentException("branch '" + branch.name() + "' has two metrics named '"
                            + metric.name() + "' (or one named like a built-in column)");
                }
                names.add(metric.name());
            }
            metrics.put(branch.name(), list);
        }
        for (String branch : config.extraMetrics().keySet()) {
            if (spec.branchIndex(branch) < 0) {
                throw new IllegalArgumentException("a metric is added to branch '" + branch + "', but "
                        + spec.modelName() + " has no such branch; its branches are "
                        + spec.branches().stream().map(BranchSpec::name).toList());
            }
        }
        return metrics;
    }

    private double learningRate(long iteration, long epoch) {
        IUpdater updater = trainer.options().updater();
        return updater.getLearningRate(Math.toIntExact(iteration), Math.toIntExact(epoch));
    }

    // ---- checkpoints ----

    private Path saveCheckpoint(Checkpoints checkpoints) {
        Path file = checkpoints.fileFor(trainer.iteration());
        try {
            trainer.save(file, state.toAttachments(checkpoints.keepsStepHistory()));
            checkpoints.prune();
        } catch (IOException e) {
            throw new UncheckedIOException("could not write checkpoint " + file, e);
        }
        return file;
    }
}

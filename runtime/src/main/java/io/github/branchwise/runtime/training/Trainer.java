package io.github.branchwise.runtime.training;

import io.github.branchwise.runtime.DuplicatedLayers;
import io.github.branchwise.runtime.Losses;
import io.github.branchwise.runtime.ModelFileException;
import io.github.branchwise.runtime.NativeThreads;
import io.github.branchwise.runtime.NumpyFiles;
import io.github.branchwise.runtime.ParameterLayout;
import io.github.branchwise.runtime.ReplicaState;
import io.github.branchwise.runtime.StepContribution;
import io.github.branchwise.runtime.TrainingDivergedException;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.engine.BatchChecker;
import io.github.branchwise.runtime.engine.LossesAndOutputs;
import io.github.branchwise.runtime.engine.ModelParameters;
import io.github.branchwise.runtime.engine.ModelSummary;
import io.github.branchwise.runtime.engine.Network;
import io.github.branchwise.runtime.engine.TrainableModel;
import io.github.branchwise.runtime.engine.TrainingFile;
import io.github.branchwise.runtime.engine.TrainingStep;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.Predictor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The untyped trainer behind a generated training model: it checks each batch, runs the executor, applies the optimiser to
 * every parameter (the weighting's included), restores the weighting's constraints, and saves and loads the whole
 * training state.
 *
 * <p>A facade: the parameters, their freezing and the optimiser with its state are {@code ModelParameters}' (one
 * validated write path for every way a value comes in), the step and its counters {@code TrainingStep}'s, files
 * {@code TrainingFile}'s. The optimiser state lives there, one ND4J updater per parameter with its state array,
 * rather than inside SameDiff's training session, so that the state is saved with the model and a loaded model
 * continues exactly as the original would have.
 *
 * <p>A trainer and its {@link #predictor()} may be called from several threads; calls are serialised on the
 * trainer, because a SameDiff graph holds mutable per-call state.
 */
public final class Trainer {
    private final TrainableModel model;
    private final ModelParameters parameters;
    private final TrainingStep step;

    private Trainer(TrainableModel model) {
        this.model = model;
        this.parameters = model.parameters();
        this.step = model.step();
    }

    /** The checks every batch of this model passes, for whole arrays checked before a fitting's first step. */
    BatchChecker batchChecker() {
        return model.batchChecker();
    }

    /** A new model with freshly initialised parameters. */
    public static Trainer create(ModelSpec spec, TrainingOptions options) {
        return new Trainer(TrainableModel.create(spec, options));
    }

    /**
     * Loads a model saved by {@link #save(Path)}: parameters, optimiser and its state, weighting parameters and
     * step counters, so training continues exactly where it stopped.
     *
     * @throws ModelFileException when the file is not a valid model file of this model class
     */
    public static Trainer load(ModelSpec spec, Path file) throws IOException {
        return loadWithAttachments(spec, file).trainer();
    }

    /** A trainer loaded from a file and the attachments saved with it by {@link #save(Path, Map)}. */
    public record Loaded(Trainer trainer, Map<String, byte[]> attachments) {
    }

    /**
     * Loads like {@link #load(ModelSpec, Path)} and also returns the attachments of the file (empty for a file
     * saved without any).
     *
     * @throws ModelFileException when the file is not a valid model file of this model class
     */
    public static Loaded loadWithAttachments(ModelSpec spec, Path file) throws IOException {
        TrainingFile.Loaded loaded = TrainingFile.load(spec, file);
        return new Loaded(new Trainer(loaded.model()), loaded.attachments());
    }

    /**
     * One optimisation step on a batch, in training mode: dropout active, batch norms on the batch's statistics, whose
     * moving statistics then move once.
     *
     * @param inputs  one array per input, in declaration order
     * @param targets one array per branch, in declaration order
     * @return the losses of this batch, from the forward pass the update was computed from
     * @throws IllegalArgumentException   when an array is null, mis-shaped, of mismatched batch size or not finite
     * @throws TrainingDivergedException when a loss or gradient is not finite; no update is applied
     */
    public synchronized Losses fit(INDArray[] inputs, INDArray[] targets) {
        return step.run(inputs, targets, false).losses();
    }

    /**
     * One optimisation step on a batch, like {@link #fit}, that also returns the branch outputs of the forward pass
     * the update was computed from (before the update), for training metrics without a second pass.
     */
    synchronized LossesAndOutputs fitWithOutputs(INDArray[] inputs, INDArray[] targets) {
        return step.run(inputs, targets, true);
    }

    // ---- a step split across machines (branchwise-spark) ----

    /**
     * Begins a step that replicas compute in shards ({@link #contribute}) and this trainer applies
     * ({@link #applyStep}): the weighting sets the weights that change by step (once, however often this is called
     * before {@link #applyStep}), and the state every replica must take ({@link #loadReplicaState}) is returned.
     * {@code fit} is exactly {@code beginStep}, {@code contribute} on the whole batch, then {@code applyStep}.
     *
     * @throws IllegalStateException when the weighting strategy's total is not a sum over examples
     *                               ({@code Weighter.additiveOverExamples}: GLS, a custom strategy that does not say so)
     */
    public synchronized ReplicaState beginStep() {
        return step.beginDistributedStep();
    }

    /**
     * The state a replica needs to compute with this trainer's model as it stands, without beginning a step (the
     * weighting's {@code beforeStep} is not called): for evaluating replicas, such as a distributed validation at an
     * epoch's end.
     */
    public synchronized ReplicaState replicaState() {
        return step.replicaState();
    }

    /**
     * The state a replica needs to train on its own from this model as it stands (local SGD): {@link #replicaState}
     * with the optimiser's state, which {@link #loadReplicaState} then loads too. A driver averages its replicas'
     * states after their local steps and loads the average.
     *
     * @throws IllegalStateException when the weighting strategy keeps Java-side state (DWA, GRADNORM, STCH, FAMO),
     *                               which replicas would each move on and which cannot be averaged
     */
    public synchronized ReplicaState localState() {
        return step.localState();
    }

    /**
     * Takes the state a driver's {@link #beginStep} returned: parameters, layer states, the weighting's state
     * variables, the frozen set and the counters, each value checked as {@link #setParameters} checks it. The
     * optimiser's state is left alone (a replica of a synchronous step only computes), unless the state carries it
     * ({@link #localState}).
     *
     * @throws IllegalArgumentException when the state is of another model (an unknown name, another shape) or holds a
     *                                  value that is not finite
     */
    public synchronized void loadReplicaState(ReplicaState state) {
        Objects.requireNonNull(state, "state");
        step.loadReplicaState(state);
    }

    /**
     * A shard's part of the current step: the forward and backward passes over the shard in training mode, as sums
     * over its examples (see {@link StepContribution}); nothing is updated. The shards' contributions, summed with
     * {@link StepContribution#add}, are what {@link #applyStep} takes.
     *
     * @param inputs  one array per input, in declaration order: the shard's examples
     * @param targets one array per branch, in declaration order
     * @throws IllegalArgumentException when an array is null, mis-shaped, of mismatched batch size or not finite
     * @throws IllegalStateException    when the weighting strategy's total is not a sum over examples
     */
    public synchronized StepContribution contribute(INDArray[] inputs, INDArray[] targets) {
        return step.contribute(inputs, targets);
    }

    /**
     * {@link #contribute(INDArray[], INDArray[])}, and each branch's metrics measured on the outputs of the same
     * training pass, as {@link Fitting} measures a step's metrics on one machine.
     *
     * @param metrics the metrics of each branch, by branch name (branches without an entry have none)
     * @throws IllegalArgumentException as {@link #contribute(INDArray[], INDArray[])}
     * @throws IllegalStateException    as {@link #contribute(INDArray[], INDArray[])}
     */
    public synchronized MeasuredContribution contribute(INDArray[] inputs, INDArray[] targets,
                                                        Map<String, List<Metric>> metrics) {
        return contribute(inputs, targets, metrics, -1, -1);
    }

    /**
     * {@link #contribute(INDArray[], INDArray[], Map)} for a shard that is rows {@code [firstRow, firstRow + n)} of the
     * step's global batch of {@code globalRows} rows (in the order one machine would see them): its dropout masks
     * are those rows of the masks one machine draws for the whole batch, so a model with dropout trains as on one
     * machine. With {@code globalRows < 0} the shard's position is not known and its masks are its own.
     *
     * @throws IllegalArgumentException as {@link #contribute(INDArray[], INDArray[])}, or when the shard does not fit
     *                                  inside the global batch
     */
    public synchronized MeasuredContribution contribute(INDArray[] inputs, INDArray[] targets,
                                                        Map<String, List<Metric>> metrics, long firstRow,
                                                        long globalRows) {
        Objects.requireNonNull(metrics, "metrics");
        boolean measure = Tallies.any(metrics);
        TrainingStep.ContributionAndOutputs out = step.contribute(inputs, targets, measure, firstRow, globalRows);
        return new MeasuredContribution(out.contribution(),
                measure ? Tallies.measure(model.spec().branches(), metrics, out.outputs(), targets) : Map.of());
    }

    /**
     * Applies the sum of every shard's contribution to the step {@link #beginStep} began, exactly as {@link #fit}
     * applies one machine's passes over the whole batch: the weighting strategy (with each branch's gradient summed
     * over the shards, for the gradient-level ones), the divergence check, the optimiser, the moving statistics, the
     * weighting's hooks and the step counter.
     *
     * @return the whole batch's losses
     * @throws IllegalStateException     when no step was begun, or the contribution is of another step, another set
     *                                   of trained parameters, or covers no example
     * @throws TrainingDivergedException when a loss or gradient is not finite; no update is applied
     */
    public synchronized Losses applyStep(StepContribution total) {
        Objects.requireNonNull(total, "total");
        return step.applyContribution(total);
    }

    /**
     * Ends the current epoch: strategies that work on epoch means (DWA) update their weights, and the epoch counter
     * that optimiser schedules and weightings see moves on.
     */
    public synchronized void endEpoch() {
        step.endEpoch();
    }

    /** The number of epochs ended so far. */
    public synchronized long epoch() {
        return step.epoch();
    }

    /** The losses of a batch without updating anything, in inference mode (no dropout, moving statistics). */
    public synchronized Losses evaluate(INDArray[] inputs, INDArray[] targets) {
        return step.evaluate(inputs, targets);
    }

    /**
     * {@link #evaluate(INDArray[], INDArray[])}, and each branch's metrics measured on the outputs of the same forward
     * pass, as {@link Fitting} measures validation metrics.
     *
     * @param metrics the metrics of each branch, by branch name (branches without an entry have none)
     */
    public synchronized MeasuredLosses evaluate(INDArray[] inputs, INDArray[] targets,
                                                Map<String, List<Metric>> metrics) {
        Objects.requireNonNull(metrics, "metrics");
        if (!Tallies.any(metrics)) {
            return new MeasuredLosses(step.evaluate(inputs, targets), Map.of());
        }
        LossesAndOutputs out = step.evaluateWithOutputs(inputs, targets);
        return new MeasuredLosses(out.losses(), Tallies.measure(model.spec().branches(), metrics, out.outputs(), targets));
    }

    /** The losses of a batch and the branch outputs of the same forward pass, without updating anything. */
    synchronized LossesAndOutputs evaluateWithOutputs(INDArray[] inputs, INDArray[] targets) {
        return step.evaluateWithOutputs(inputs, targets);
    }

    /**
     * The gates' weights in the last training step, each averaged over that step's batch, by history column
     * ({@code <gate>_<group>_<k>}, {@link GateWeights#column}) in gate order; NaN before the first step; empty for a
     * model without gates.
     */
    synchronized Map<String, Double> lastGateWeights() {
        Map<String, Double> row = new LinkedHashMap<>();
        Map<String, double[]> means = step.gateWeights();
        for (io.github.branchwise.runtime.engine.GateRecord gate : model.network().gates()) {
            double[] weights = means.get(gate.name());
            int i = 0;
            for (int g = 0; g < gate.groups().size(); g++) {
                for (int k = 0; k < gate.counts().get(g); k++) {
                    row.put(GateWeights.column(gate.name(), gate.groups().get(g), k),
                            weights == null ? Double.NaN : weights[i]);
                    i++;
                }
            }
        }
        return row;
    }

    /**
     * The gates' weights in the last training step, each averaged over that step's batch, one value per gate in the
     * order the gates were built; empty for a model without gates. Before the first step every weight is NaN.
     */
    public synchronized List<GateWeights> gateWeights() {
        Map<String, Double> row = lastGateWeights();
        return model.network().gates().stream()
                .map(g -> GateWeights.of(row, g.name(), g.groups(), g.counts())).toList();
    }

    /** The weight each branch loss currently has in the total, in branch order. */
    public synchronized double[] weights() {
        return model.network().weighter().weights();
    }

    /**
     * A predictor that uses this trainer's parameters, now and after further training, in inference mode (no dropout,
     * batch norms on their moving statistics). The mode is fed with each pass, never stored in the shared graph, so a
     * prediction between two training steps runs in inference mode whatever the steps do.
     */
    public Predictor predictor() {
        return new Predictor() {
            @Override
            public INDArray[] predict(INDArray[] inputs) {
                synchronized (Trainer.this) {
                    return step.predict(inputs);
                }
            }

            @Override
            public ModelSpec spec() {
                return model.spec();
            }

            @Override
            public DataType dataType() {
                return model.options().dataType();
            }
        };
    }

    /**
     * Saves parameters, optimiser and its state, and step counters to {@code file}, atomically: the file is
     * either the old one or the complete new one, whatever happens during the write.
     */
    public synchronized void save(Path file) throws IOException {
        save(file, Map.of());
    }

    /**
     * Saves like {@link #save(Path)}, with named byte blobs kept in the same file and covered by the same checksum
     * (a training run's history and loop state, for checkpoints); {@link #loadWithAttachments} reads them back.
     * Names starting {@code engine/} are the runtime's own.
     */
    public synchronized void save(Path file, Map<String, byte[]> attachments) throws IOException {
        TrainingFile.save(model, file, attachments);
    }

    /**
     * Every parameter by its stable name, in creation order: {@code <scope>/<layer>_<n>/<W|b>} for layers (scope =
     * branch or {@code @Shared} method), {@code weighting/...} for the weighting's, and the layers' non-trainable
     * state (a batch norm's {@code moving_mean} and {@code moving_variance}, after its {@code gamma} and {@code beta}),
     * as PyTorch's {@code state_dict} lists buffers. Read-only; the arrays are copies.
     */
    public synchronized Map<String, INDArray> parameters() {
        return Collections.unmodifiableMap(parameters.values());
    }

    /**
     * Replaces the values of some parameters or layer states (a batch norm's moving statistics), all or nothing: every
     * name must exist and every array must have the
     * parameter's shape, a floating-point type (converted to the model's) and finite values, or nothing changes.
     * The optimiser state is kept.
     *
     * @throws IllegalArgumentException naming the unknown parameter (with the known names) or the expected shape
     */
    public synchronized void setParameters(Map<String, INDArray> values) {
        parameters.set(values);
    }

    /**
     * Replaces parameters with the arrays of a NumPy {@code .npz} archive whose entries are named after the
     * parameters ({@code localization/conv2d_0/W}, ...), converting from {@code layout}; all or nothing, as
     * {@link #setParameters(Map)}. Archive entries that name no parameter are an error.
     */
    public void importNumpy(Path npz, ParameterLayout layout) throws IOException {
        Objects.requireNonNull(layout, "layout");
        Map<String, INDArray> converted = new LinkedHashMap<>();
        NumpyFiles.readNpz(npz)
                .forEach((name, array) -> converted.put(name, layout.toBranchwise(array)));
        setParameters(converted);
    }

    /** Replaces one parameter's value; see {@link #setParameters(Map)}. */
    public void setParameter(String name, INDArray value) {
        Map<String, INDArray> one = new LinkedHashMap<>();
        one.put(name, value);
        setParameters(one);
    }

    /**
     * Freezes parameters: they get no update (and the executor computes no gradient for them) until unfrozen.
     * Each selector is a branch name, a {@code @Shared} method name, {@code "weighting"}, a layer
     * ({@code trunk/batch_norm_0}: all its parameters) or a parameter name. A layer whose parameters are all frozen
     * runs in inference mode in training steps too, and its moving statistics stand still (Keras' frozen batch norm).
     *
     * @throws IllegalArgumentException when a selector matches no parameter; nothing is frozen then
     */
    public synchronized void freeze(String... selectors) {
        parameters.freeze(selectors);
    }

    /** Unfreezes parameters; selectors as for {@link #freeze}. */
    public synchronized void unfreeze(String... selectors) {
        parameters.unfreeze(selectors);
    }

    /** The names of the frozen parameters, in creation order. */
    public synchronized Set<String> frozenParameters() {
        return parameters.frozen();
    }

    /**
     * A table of the model a Keras user would recognise; see {@code ModelSummary}. Ends with one line for each of
     * {@link #duplicatedLayers()}.
     */
    public synchronized String summary() {
        return ModelSummary.of(model.spec(), model.network(), parameters.values(), parameters.frozen(),
                model.duplicatedLayers());
    }

    /**
     * The layers several branches each build for themselves from the same source, where a {@code @Shared} method
     * was probably meant (see {@link DuplicatedLayers} for what counts); creating the model logged a warning for each.
     * Empty when there are none, or when {@link TrainingOptions.Builder#checkDuplicatedLayers(boolean)} turned the
     * check off.
     */
    public List<DuplicatedLayers> duplicatedLayers() {
        return model.duplicatedLayers();
    }

    /** A copy of every parameter and layer state by stable name, in creation order, as {@link #parameters()}. */
    public synchronized Map<String, INDArray> parameterValues() {
        return parameters.values();
    }

    /**
     * Sets parameters and layer states to the given values, by stable name (as {@link #parameterValues()} returns
     * them), for example to put back the parameters and batch-norm statistics of an earlier epoch. The optimiser and
     * weighting state are unchanged.
     * Checked as {@link #setParameters(Map)} checks, all or nothing.
     *
     * @throws IllegalArgumentException when a name is unknown, a value null, of another shape, not floating-point
     *                                  or not finite; nothing changes then
     */
    public synchronized void setParameterValues(Map<String, INDArray> values) {
        parameters.set(values);
    }

    /** The number of optimisation steps taken so far. */
    public synchronized long iteration() {
        return step.iteration();
    }

    /**
     * Where the last training step's native time went: each op of the compiled plan re-run {@code runs} times on the
     * last batch (same values, no update), mean µs per op, slowest first. Empty with the SameDiff executor or before
     * the first step. For diagnostics and the benchmarks.
     */
    public synchronized List<String> profileLastStep(int runs) {
        return step.profile(runs);
    }

    /**
     * Times this model's last training step ({@link #timeLastStep}) with one native thread and with every
     * available core, keeps the faster setting for the whole process and returns it; logs both times once at INFO.
     * A fitting chooses by itself unless the user chose a thread count ({@link NativeThreads}), by running its own
     * training steps with each setting; call this when training step by step, after a few steps, on a batch of the
     * size training uses, when the machine is as busy as it will be during training: the choice is only as good as
     * that measurement, which times the native step alone (not the Java work around it).
     *
     * @param runs timed re-runs of the step per setting (their median is compared); 20 is plenty for steps above 1 ms
     * @return the thread count now in effect; 1, without measuring, on a machine with one core
     * @throws IllegalArgumentException unless {@code runs} is positive
     * @throws IllegalStateException    when there is no compiled step to time yet (no step taken, or the SameDiff
     *                                  executor): it never answers without measuring
     */
    public synchronized int chooseNativeThreads(int runs) {
        requirePositive(runs);
        return step.chooseNativeThreads(runs);
    }

    /**
     * The thread count chosen for this model, by {@link #chooseNativeThreads} or by a fitting's automatic choice,
     * empty until one has chosen.
     */
    public synchronized OptionalInt chosenNativeThreads() {
        int chosen = step.chosenThreads();
        return chosen == 0 ? OptionalInt.empty() : OptionalInt.of(chosen);
    }

    /** Records the thread count a fitting chose for this model from its own steps (ThreadChoice). */
    synchronized void threadsChosen(int threads) {
        step.recordChosenThreads(threads);
    }

    /**
     * The median milliseconds of re-running the last compiled training step's native work {@code runs} times on the
     * last batch (same values, no update): what the thread count changes. NaN with the SameDiff executor or before the
     * first step. {@link #chooseNativeThreads} compares thread counts with it.
     *
     * @throws IllegalArgumentException unless {@code runs} is positive
     */
    public synchronized double timeLastStep(int runs) {
        requirePositive(runs);
        return step.time(runs);
    }

    private static void requirePositive(int runs) {
        if (runs <= 0) {
            throw new IllegalArgumentException("runs must be positive, got " + runs);
        }
    }

    /** The options the model was created with. */
    public TrainingOptions options() {
        return model.options();
    }

    /** The model's spec. */
    public ModelSpec spec() {
        return model.spec();
    }

    /** The built graph; for the runtime's own tests (TrainerAccess), not an API. */
    Network network() {
        return model.network();
    }
}

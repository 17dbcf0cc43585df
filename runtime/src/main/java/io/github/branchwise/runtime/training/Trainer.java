package io.github.branchwise.runtime.training;

import io.github.branchwise.runtime.Losses;
import io.github.branchwise.runtime.ModelFileException;
import io.github.branchwise.runtime.NativeThreads;
import io.github.branchwise.runtime.TrainingDivergedException;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.engine.ArrayScan;
import io.github.branchwise.runtime.engine.BatchChecker;
import io.github.branchwise.runtime.engine.BranchGradientBuffers;
import io.github.branchwise.runtime.engine.CompiledExecutor;
import io.github.branchwise.runtime.engine.LossesAndOutputs;
import io.github.branchwise.runtime.engine.ModelFile;
import io.github.branchwise.runtime.engine.ModelSummary;
import io.github.branchwise.runtime.engine.Network;
import io.github.branchwise.runtime.engine.NetworkBuilder;
import io.github.branchwise.runtime.engine.SameDiffExecutor;
import io.github.branchwise.runtime.engine.SgdUpdate;
import io.github.branchwise.runtime.engine.StepExecutor;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.Predictor;
import io.github.branchwise.runtime.weighting.BranchGradients;
import io.github.branchwise.runtime.weighting.StepInfo;
import io.github.branchwise.runtime.weighting.Weighter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.SgdUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.core.type.TypeReference;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine behind a generated training model: it checks each batch, runs the {@link StepExecutor}, applies the
 * optimiser to every parameter (the weighting's included), restores the weighting's constraints, and saves and
 * loads the whole training state.
 *
 * <p>The optimiser state lives here, one ND4J {@link GradientUpdater} per parameter with its state array, rather
 * than inside SameDiff's training session, so that the state is saved with the model and a loaded model continues
 * exactly as the original would have.
 *
 * <p>A trainer and its {@link #predictor()} may be called from several threads; calls are serialised on the
 * trainer, because a SameDiff graph holds mutable per-call state.
 */
public final class Trainer {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ModelSpec spec;
    private final TrainingOptions options;
    private final Network network;
    private final StepExecutor executor;
    private final BatchChecker checker;
    private final Map<String, INDArray> updaterStates = new LinkedHashMap<>();
    private final Map<String, GradientUpdater<?>> updaters = new LinkedHashMap<>();
    private final java.util.Set<String> frozen = new java.util.LinkedHashSet<>();
    /** The trainable parameters of each shared scope; recomputed when the frozen set changes, not every step. */
    private Map<String, List<String>> trainableSharedScopes;
    /** The per-branch gradients of the gradient-level strategies, reused from step to step; null until needed. */
    private BranchGradientBuffers branchBuffers;
    private long iteration;
    private long epoch;

    private Trainer(ModelSpec spec, TrainingOptions options, Map<String, INDArray> savedUpdaterStates) {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.options = Objects.requireNonNull(options, "options");
        this.network = NetworkBuilder.build(spec, options.seed(), options.dataType());
        this.executor = switch (options.executor()) {
            case COMPILED -> new CompiledExecutor(network);
            case SAMEDIFF -> new SameDiffExecutor(network);
        };
        this.checker = new BatchChecker(spec, options.dataType());
        this.trainableSharedScopes = network.sharedScopes();
        for (String group : options.groupUpdaters().keySet()) {
            // The weighting group may be set whatever the strategy, even one without parameters (FIXED).
            boolean known = group.equals(TrainingOptions.WEIGHTING_GROUP) || network.parameters().keySet().stream()
                    .anyMatch(name -> groupOf(name).equals(group));
            if (!known) {
                throw new IllegalArgumentException(spec.modelName() + ": TrainingOptions names the parameter group '"
                        + group + "', which has no parameters; groups: " + network.parameters().keySet().stream()
                        .map(Trainer::groupOf).distinct().toList());
            }
        }
        for (Map.Entry<String, SDVariable> parameter : network.parameters().entrySet()) {
            IUpdater config = options.updaterFor(groupOf(parameter.getKey()));
            long length = parameter.getValue().getArr().length();
            long stateSize = config.stateSize(length);
            INDArray state = null;
            boolean initialise = true;
            if (stateSize > 0) {
                INDArray saved = savedUpdaterStates == null ? null : savedUpdaterStates.get(parameter.getKey());
                // A saved state of another shape would give the updater views of the wrong size: start from zeros
                // instead, and load() refuses the file because the shapes differ.
                if (saved != null && !Arrays.equals(saved.shape(), new long[] {1, stateSize})) {
                    saved = null;
                }
                state = saved != null ? saved.castTo(options.dataType()).dup()
                        : Nd4j.zeros(options.dataType(), 1, stateSize);
                initialise = saved == null;
                updaterStates.put(parameter.getKey(), state);
            }
            updaters.put(parameter.getKey(), config.instantiate(state, initialise));
        }
    }

    /** The parameter group of a parameter: the first segment of its name (branch, shared method, weighting). */
    static String groupOf(String parameterName) {
        int slash = parameterName.indexOf('/');
        return slash < 0 ? parameterName : parameterName.substring(0, slash);
    }

    /** A new model with freshly initialised parameters. */
    public static Trainer create(ModelSpec spec, TrainingOptions options) {
        return new Trainer(spec, options, null);
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
        Objects.requireNonNull(file, "file");
        ModelFile.Contents contents = ModelFile.read(file, spec.modelName());
        TrainingOptions.Builder builder = TrainingOptions.builder().seed(contents.seed()).dataType(contents.dataType());
        try {
            Map<String, String> updaters = JSON.readValue(contents.updaterJson(),
                    new TypeReference<LinkedHashMap<String, String>>() { });
            if (updaters == null || updaters.isEmpty()) {
                throw new ModelFileException(file, "has no optimiser configuration");
            }
            for (Map.Entry<String, String> entry : updaters.entrySet()) {
                IUpdater updater = JSON.readValue(entry.getValue(), IUpdater.class);
                if (updater == null) {
                    throw new ModelFileException(file, "has no optimiser configuration");
                }
                if (entry.getKey().isEmpty()) {
                    builder.updater(updater);
                } else {
                    builder.groupUpdater(entry.getKey(), updater);
                }
            }
        } catch (JsonProcessingException | RuntimeException e) {
            // ND4J's Jackson reports an unknown class in a type id as IllegalArgumentException, not as a JSON error;
            // a null value or group name fails in the builder.
            throw new ModelFileException(file, "unreadable optimiser configuration", e);
        }
        TrainingOptions options = builder.build();
        Map<String, INDArray> states = new LinkedHashMap<>();
        Map<String, INDArray> values = new LinkedHashMap<>();
        Map<String, INDArray> variables = new LinkedHashMap<>();
        Map<String, INDArray> weighterState = new LinkedHashMap<>();
        List<String> frozenNames = new ArrayList<>();
        contents.arrays().forEach((name, array) -> {
            if (name.startsWith("updater/")) {
                states.put(name.substring("updater/".length()), array);
            } else if (name.startsWith("param/")) {
                values.put(name.substring("param/".length()), array);
            } else if (name.startsWith("state/")) {
                variables.put(name.substring("state/".length()), array);
            } else if (name.startsWith("weighter/")) {
                weighterState.put(name.substring("weighter/".length()), array);
            } else if (name.startsWith("frozen/")) {
                frozenNames.add(name.substring("frozen/".length()));
            }
        });
        Trainer trainer;
        try {
            trainer = new Trainer(spec, options, states);
        } catch (IllegalArgumentException e) {
            // E.g. an optimiser group the model no longer has: the file does not fit this model's code.
            throw new ModelFileException(file, "does not fit the model " + spec.modelName() + ": " + e.getMessage(), e);
        }
        for (Map.Entry<String, INDArray> state : trainer.updaterStates.entrySet()) {
            String what = "optimiser state of '" + state.getKey() + "'";
            requireSameShape(file, what, state.getValue(), states.get(state.getKey()));
            requireFinite(file, what, state.getValue());
        }
        restore(file, "parameter", trainer.network.parameters(), values);
        if (!values.keySet().equals(trainer.network.parameters().keySet())) {
            throw new ModelFileException(file, "holds parameters " + values.keySet() + " but the model has "
                    + trainer.network.parameters().keySet());
        }
        restore(file, "weighting state", trainer.network.states(), variables);
        trainer.network.weighter().restoreState(weighterState);
        if (!trainer.network.parameters().keySet().containsAll(frozenNames)) {
            throw new ModelFileException(file, "freezes parameters the model does not have: " + frozenNames);
        }
        trainer.frozen.addAll(frozenNames);
        trainer.frozenChanged();
        trainer.iteration = contents.iteration();
        trainer.epoch = contents.epoch();
        return new Loaded(trainer, java.util.Collections.unmodifiableMap(contents.attachments()));
    }

    private static void requireFinite(Path file, String what, INDArray value) throws ModelFileException {
        if (!ArrayScan.allFinite(value)) {
            throw new ModelFileException(file, what + " holds NaN or infinite values");
        }
    }

    /** Checks every saved array against its variable and copies it in; {@code kind} names them in messages. */
    private static void restore(Path file, String kind, Map<String, SDVariable> variables,
                                Map<String, INDArray> saved) throws ModelFileException {
        for (Map.Entry<String, SDVariable> variable : variables.entrySet()) {
            INDArray value = saved.get(variable.getKey());
            INDArray current = variable.getValue().getArr();
            String what = kind + " '" + variable.getKey() + "'";
            requireSameShape(file, what, current, value);
            requireFinite(file, what, value);
            current.assign(value.castTo(current.dataType()));
        }
    }

    private static void requireSameShape(Path file, String what, INDArray expected, INDArray actual)
            throws ModelFileException {
        if (actual == null) {
            throw new ModelFileException(file, "has no " + what);
        }
        if (!Arrays.equals(expected.shape(), actual.shape())) {
            throw new ModelFileException(file, what + " has shape " + Arrays.toString(actual.shape())
                    + " but the model expects " + Arrays.toString(expected.shape()));
        }
    }

    /**
     * One optimisation step on a batch.
     *
     * @param inputs  one array per input, in declaration order
     * @param targets one array per branch, in declaration order
     * @return the losses of this batch, from the forward pass the update was computed from
     * @throws IllegalArgumentException   when an array is null, mis-shaped, of mismatched batch size or not finite
     * @throws TrainingDivergedException when a loss or gradient is not finite; no update is applied
     */
    public synchronized Losses fit(INDArray[] inputs, INDArray[] targets) {
        return step(inputs, targets, false).losses();
    }

    /**
     * One optimisation step on a batch, like {@link #fit}, that also returns the branch outputs of the forward pass
     * the update was computed from (before the update), for training metrics without a second pass.
     */
    synchronized LossesAndOutputs fitWithOutputs(INDArray[] inputs, INDArray[] targets) {
        return step(inputs, targets, true);
    }

    private LossesAndOutputs step(INDArray[] inputs, INDArray[] targets, boolean withOutputs) {
        INDArray[] x = checker.inputs(inputs);
        INDArray[] y = checker.targets(targets, x[0].size(0));
        Weighter weighter = network.weighter();
        StepInfo step = stepInfo();
        weighter.beforeStep(step);
        Losses losses;
        Map<String, INDArray> gradients;
        // Whether the gradients may be updated in place rather than copied: those of the executor (StepExecutor
        // contract) and the combinations BranchGradients writes into its own buffers every step.
        boolean consumable = true;
        INDArray[] outputs;
        if (weighter.needsBranchGradients()) {
            BranchGradientsAndLosses branchGradients = branchGradients(x, y, step, withOutputs);
            losses = branchGradients.losses();
            outputs = branchGradients.outputs();
            gradients = weighter.combineGradients(branchGradients.gradients());
            consumable = branchGradients.gradients().ownsAll(gradients);
            losses = new Losses(BranchGradients.dot(weighter.weights(), losses.branchLosses()),
                    losses.branchLosses());
        } else {
            StepExecutor.PassResult outcome = executor.forwardBackward(x, y, withOutputs);
            losses = outcome.losses();
            gradients = outcome.gradients();
            outputs = outcome.outputs();
        }
        requireFinite(losses, gradients);
        int iterationNumber = Math.toIntExact(iteration);
        int epochNumber = Math.toIntExact(epoch);
        for (Map.Entry<String, SDVariable> parameter : network.parameters().entrySet()) {
            if (frozen.contains(parameter.getKey())) {
                continue;
            }
            INDArray value = parameter.getValue().getArr();
            INDArray gradient = gradients.get(parameter.getKey());
            GradientUpdater<?> updater = updaters.get(parameter.getKey());
            if (updater instanceof SgdUpdater sgd && SgdUpdate.apply(value, gradient,
                    sgd.getConfig().getLearningRate(iterationNumber, epochNumber))) {
                continue;
            }
            // Copy only views and a weighter's own arrays (a copy of a large gradient costs milliseconds).
            INDArray update = (consumable && gradient.ordering() == 'c' && !gradient.isView()
                    ? gradient : gradient.dup('c')).reshape(1, value.length());
            updater.applyUpdater(update, iterationNumber, epochNumber);
            value.subi(update.reshape(value.shape()));
        }
        weighter.afterUpdate();
        weighter.afterStep(step, losses);
        iteration++;
        return new LossesAndOutputs(losses, outputs == null ? new INDArray[0] : outputs);
    }

    /**
     * Each branch's own gradient, from one pass per branch with the other branches' losses masked out, and the
     * losses of the (identical) forward passes. The gradients are copied into {@link #branchBuffers}, allocated once
     * and reused every step: an executor reuses its gradient arrays on the next pass, and a fresh copy per pass (a
     * {@code dup} of every gradient) cost milliseconds per large parameter.
     */
    private BranchGradientsAndLosses branchGradients(INDArray[] x, INDArray[] y, StepInfo step,
                                                     boolean withOutputs) {
        List<SDVariable> masks = network.branchMasks();
        if (branchBuffers == null) {
            branchBuffers = new BranchGradientBuffers(masks.size());
        }
        Losses losses = null;
        INDArray[] outputs = null;
        try {
            for (int i = 0; i < masks.size(); i++) {
                for (int j = 0; j < masks.size(); j++) {
                    // A write into the scalar's buffer, which the plans read by reference, not a native op.
                    masks.get(j).getArr().putScalar(0, i == j ? 1 : 0);
                }
                StepExecutor.PassResult outcome = executor.forwardBackward(x, y,
                        withOutputs && i == masks.size() - 1);
                if (outcome.outputs() != null) {
                    outputs = outcome.outputs();
                }
                branchBuffers.store(i, outcome.gradients());
                losses = outcome.losses();
            }
        } finally {
            for (SDVariable mask : masks) {
                mask.getArr().putScalar(0, 1);
            }
        }
        List<String> shared = new ArrayList<>();
        trainableSharedScopes.values().forEach(shared::addAll);
        branchBuffers.setStep(losses.branchLosses(), shared, trainableSharedScopes, step);
        return new BranchGradientsAndLosses(branchBuffers, losses, outputs);
    }

    private record BranchGradientsAndLosses(BranchGradientBuffers gradients, Losses losses, INDArray[] outputs) {
    }

    private StepInfo stepInfo() {
        return new StepInfo(iteration, epoch, options.seed());
    }

    /**
     * Ends the current epoch: strategies that work on epoch means (DWA) update their weights, and the epoch counter
     * that optimiser schedules and weightings see moves on.
     */
    public synchronized void endEpoch() {
        network.weighter().onEpochEnd(epoch);
        epoch++;
    }

    /** The number of epochs ended so far. */
    public synchronized long epoch() {
        return epoch;
    }

    /** The losses of a batch without updating anything. */
    public synchronized Losses evaluate(INDArray[] inputs, INDArray[] targets) {
        INDArray[] x = checker.inputs(inputs);
        INDArray[] y = checker.targets(targets, x[0].size(0));
        return executor.losses(x, y);
    }

    /** The losses of a batch and the branch outputs of the same forward pass, without updating anything. */
    synchronized LossesAndOutputs evaluateWithOutputs(INDArray[] inputs, INDArray[] targets) {
        INDArray[] x = checker.inputs(inputs);
        INDArray[] y = checker.targets(targets, x[0].size(0));
        return executor.lossesAndOutputs(x, y);
    }

    /** The weight each branch loss currently has in the total, in branch order. */
    public synchronized double[] weights() {
        return network.weighter().weights();
    }

    /** A predictor that uses this trainer's parameters, now and after further training. */
    public Predictor predictor() {
        return inputs -> {
            synchronized (Trainer.this) {
                return executor.predict(checker.inputs(inputs));
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
     */
    public synchronized void save(Path file, Map<String, byte[]> attachments) throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(attachments, "attachments");
        Map<String, INDArray> arrays = new LinkedHashMap<>();
        network.parameters().forEach((name, variable) -> arrays.put("param/" + name, variable.getArr()));
        updaterStates.forEach((name, state) -> arrays.put("updater/" + name, state));
        network.states().forEach((name, variable) -> arrays.put("state/" + name, variable.getArr()));
        network.weighter().state().forEach((name, value) -> arrays.put("weighter/" + name, value));
        frozen.forEach(name -> arrays.put("frozen/" + name, Nd4j.scalar(1.0)));
        Map<String, String> updaters = new LinkedHashMap<>();
        updaters.put("", JSON.writeValueAsString(options.updater()));
        for (Map.Entry<String, IUpdater> group : options.groupUpdaters().entrySet()) {
            updaters.put(group.getKey(), JSON.writeValueAsString(group.getValue()));
        }
        String updaterJson = JSON.writeValueAsString(updaters);
        ModelFile.write(file, new ModelFile.Contents(spec.modelName(), options.seed(), options.dataType(),
                updaterJson, iteration, epoch, arrays, new LinkedHashMap<>(attachments)));
    }

    /**
     * Every parameter by its stable name, in creation order: {@code <scope>/<layer>_<n>/<W|b>} for layers (scope =
     * branch or {@code @Shared} method), {@code weighting/...} for the weighting's. Read-only; the arrays are copies.
     */
    public synchronized Map<String, INDArray> parameters() {
        return java.util.Collections.unmodifiableMap(parameterValues());
    }

    /**
     * Replaces the values of some parameters, all or nothing: every name must exist and every array must have the
     * parameter's shape, a floating-point type (converted to the model's) and finite values, or nothing changes.
     * The optimiser state is kept.
     *
     * @throws IllegalArgumentException naming the unknown parameter (with the known names) or the expected shape
     */
    public synchronized void setParameters(Map<String, INDArray> values) {
        Objects.requireNonNull(values, "values");
        Map<String, INDArray> checked = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> entry : values.entrySet()) {
            String name = entry.getKey();
            SDVariable parameter = network.parameters().get(name);
            if (parameter == null) {
                throw new IllegalArgumentException(spec.modelName() + " has no parameter '" + name
                        + "'; its parameters are " + network.parameters().keySet());
            }
            INDArray value = entry.getValue();
            INDArray current = parameter.getArr();
            if (value == null) {
                throw new IllegalArgumentException(spec.modelName() + ": the value of '" + name + "' is null");
            }
            if (!Arrays.equals(value.shape(), current.shape())) {
                throw new IllegalArgumentException(spec.modelName() + ": parameter '" + name + "' has shape "
                        + Arrays.toString(current.shape()) + ", got " + Arrays.toString(value.shape()));
            }
            if (!value.dataType().isFPType()) {
                throw new IllegalArgumentException(spec.modelName() + ": parameter '" + name + "' needs a "
                        + "floating-point array (" + current.dataType() + "), got " + value.dataType());
            }
            INDArray converted = value.castTo(current.dataType());
            if (!ArrayScan.allFinite(converted)) {
                throw new IllegalArgumentException(spec.modelName() + ": parameter '" + name
                        + "' holds NaN or infinite values");
            }
            checked.put(name, converted);
        }
        checked.forEach((name, value) -> network.parameters().get(name).getArr().assign(value));
    }

    /**
     * Replaces parameters with the arrays of a NumPy {@code .npz} archive whose entries are named after the
     * parameters ({@code localization/conv2d_0/W}, ...), converting from {@code layout}; all or nothing, as
     * {@link #setParameters(Map)}. Archive entries that name no parameter are an error.
     */
    public void importNumpy(Path npz, io.github.branchwise.runtime.ParameterLayout layout) throws IOException {
        Objects.requireNonNull(layout, "layout");
        Map<String, INDArray> converted = new LinkedHashMap<>();
        io.github.branchwise.runtime.NumpyFiles.readNpz(npz)
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
     * Each selector is a branch name, a {@code @Shared} method name, {@code "weighting"} or a parameter name.
     *
     * @throws IllegalArgumentException when a selector matches no parameter; nothing is frozen then
     */
    public synchronized void freeze(String... selectors) {
        frozen.addAll(resolve(selectors));
        frozenChanged();
    }

    /** Unfreezes parameters; selectors as for {@link #freeze}. */
    public synchronized void unfreeze(String... selectors) {
        frozen.removeAll(resolve(selectors));
        frozenChanged();
    }

    /** The names of the frozen parameters, in creation order. */
    public synchronized java.util.Set<String> frozenParameters() {
        return java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>(frozen));
    }

    private java.util.Set<String> resolve(String... selectors) {
        java.util.Set<String> names = new java.util.LinkedHashSet<>();
        for (String selector : selectors) {
            Objects.requireNonNull(selector, "selector");
            List<String> matches = network.parameters().keySet().stream()
                    .filter(name -> name.equals(selector) || groupOf(name).equals(selector)).toList();
            // The weighting and every branch are parts of any model, even when they own no parameter (FIXED,
            // a branch built without Layers): freezing them is then a no-op rather than an error.
            boolean declaredPart = selector.equals(TrainingOptions.WEIGHTING_GROUP) || spec.branchIndex(selector) >= 0;
            if (matches.isEmpty() && !declaredPart) {
                throw new IllegalArgumentException(spec.modelName() + ": '" + selector + "' names no parameter; "
                        + "use a group " + network.parameters().keySet().stream().map(Trainer::groupOf).distinct()
                        .toList() + " or a parameter " + network.parameters().keySet());
            }
            names.addAll(matches);
        }
        return names;
    }

    /** Tells the executor which parameters train now, and recomputes the trainable part of each shared scope. */
    private void frozenChanged() {
        executor.trainableParametersChanged(trainableNames());
        Map<String, List<String>> scopes = new LinkedHashMap<>();
        network.sharedScopes().forEach((scope, names) -> {
            List<String> trainable = names.stream().filter(name -> !frozen.contains(name)).toList();
            if (!trainable.isEmpty()) {
                scopes.put(scope, trainable);
            }
        });
        trainableSharedScopes = scopes;
    }

    private java.util.Set<String> trainableNames() {
        java.util.Set<String> trainable = new java.util.LinkedHashSet<>(network.parameters().keySet());
        trainable.removeAll(frozen);
        return trainable;
    }

    /** A table of the model a Keras user would recognise; see {@link ModelSummary}. */
    public synchronized String summary() {
        return ModelSummary.of(spec, network, parameterValues(), frozenParameters());
    }

    /** A copy of every trainable parameter by stable name, in creation order. */
    public synchronized Map<String, INDArray> parameterValues() {
        Map<String, INDArray> copy = new LinkedHashMap<>();
        network.parameters().forEach((name, variable) -> copy.put(name, variable.getArr().dup()));
        return copy;
    }

    /**
     * Sets trainable parameters to the given values, by stable name (as {@link #parameterValues()} returns them),
     * for example to put back the parameters of an earlier epoch. The optimiser and weighting state are unchanged.
     *
     * @throws IllegalArgumentException when a name is unknown or a shape differs
     */
    public synchronized void setParameterValues(Map<String, INDArray> values) {
        Objects.requireNonNull(values, "values");
        for (Map.Entry<String, INDArray> entry : values.entrySet()) {
            SDVariable parameter = network.parameters().get(entry.getKey());
            if (parameter == null) {
                throw new IllegalArgumentException(spec.modelName() + " has no parameter '" + entry.getKey()
                        + "'; its parameters are " + network.parameters().keySet());
            }
            INDArray current = parameter.getArr();
            if (!Arrays.equals(current.shape(), entry.getValue().shape())) {
                throw new IllegalArgumentException(spec.modelName() + ": parameter '" + entry.getKey()
                        + "' has shape " + Arrays.toString(current.shape()) + ", got "
                        + Arrays.toString(entry.getValue().shape()));
            }
        }
        values.forEach((name, value) -> network.parameters().get(name).getArr()
                .assign(value.castTo(options.dataType())));
    }

    /** The number of optimisation steps taken so far. */
    public synchronized long iteration() {
        return iteration;
    }

    /**
     * Where the last training step's native time went: each op of the compiled plan re-run {@code runs} times on the
     * last batch (same values, no update), mean µs per op, slowest first. Empty with the SameDiff executor or before
     * the first step. For diagnostics and the benchmarks.
     */
    public synchronized List<String> profileLastStep(int runs) {
        return executor instanceof CompiledExecutor compiled ? compiled.profileTrainingPlan(runs) : List.of();
    }

    /**
     * Times this model's last training step ({@link #timeLastStep}) with one native thread and with every
     * available core, keeps the faster setting ({@link NativeThreads#set}) for the whole process and returns it; logs both times once at INFO.
     * Call it after a few steps, on a batch of the size training uses, and when the machine is as busy as it will be
     * during training: the choice is only as good as that measurement. The rule it replaces (docs/performance.md:
     * one thread unless convolutions or matrix products of ≳ 50 MFLOP dominate a step) held on the four benchmark
     * models, but where the break-even lies depends on the machine's cores and load, hence measuring.
     *
     * @param runs timed re-runs of the step per setting (their median is compared); 20 is plenty for steps above 1 ms
     * @return the thread count now in effect; the current one, unchanged, when this trainer has no compiled step to
     *         time (SameDiff executor, or no step yet) or the machine has one core
     * @throws IllegalArgumentException unless {@code runs} is positive
     */
    public synchronized int chooseNativeThreads(int runs) {
        if (runs <= 0) {
            throw new IllegalArgumentException("runs must be positive, got " + runs);
        }
        int cores = Runtime.getRuntime().availableProcessors();
        int before = NativeThreads.current();
        if (cores == 1 || Double.isNaN(timeLastStep(1))) {
            return before;
        }
        NativeThreads.set(1);
        double one = timeLastStep(runs);
        NativeThreads.set(cores);
        double all = timeLastStep(runs);
        int chosen = one <= all ? 1 : cores;
        NativeThreads.set(chosen);
        LOG.info("{}: {} ms per step with 1 native thread, {} ms with {}: using {}", spec.modelName(),
                String.format(Locale.ROOT, "%.3f", one), String.format(Locale.ROOT, "%.3f", all), cores, chosen);
        return chosen;
    }

    /**
     * The median milliseconds of re-running the last compiled training step's native work {@code runs} times on the
     * last batch (same values, no update): what the thread count changes. NaN with the SameDiff executor or before the
     * first step. {@link #chooseNativeThreads} compares thread counts with it.
     *
     * @throws IllegalArgumentException unless {@code runs} is positive
     */
    public synchronized double timeLastStep(int runs) {
        if (runs <= 0) {
            throw new IllegalArgumentException("runs must be positive, got " + runs);
        }
        return executor instanceof CompiledExecutor compiled ? compiled.timeTrainingPlan(runs) : Double.NaN;
    }

    /** The options the model was created with. */
    public TrainingOptions options() {
        return options;
    }

    /** The model's spec. */
    public ModelSpec spec() {
        return spec;
    }

    /** The built graph; for the runtime's own tests (TrainerAccess), not an API. */
    Network network() {
        return network;
    }

    private void requireFinite(Losses losses, Map<String, INDArray> gradients) {
        for (int i = 0; i < spec.branches().size(); i++) {
            if (!Double.isFinite(losses.branchLoss(i))) {
                String branch = spec.branches().get(i).name();
                throw new TrainingDivergedException(iteration, "loss of branch '" + branch + "'",
                        spec.modelName() + ": the loss of branch '" + branch + "' is " + losses.branchLoss(i)
                                + " at step " + iteration + "; no update was applied");
            }
        }
        if (!Double.isFinite(losses.total())) {
            throw new TrainingDivergedException(iteration, "total loss", spec.modelName() + ": the total loss is "
                    + losses.total() + " at step " + iteration + "; no update was applied");
        }
        for (Map.Entry<String, INDArray> gradient : gradients.entrySet()) {
            if (!ArrayScan.allFinite(gradient.getValue())) {
                throw new TrainingDivergedException(iteration, "gradient of '" + gradient.getKey() + "'",
                        spec.modelName() + ": the gradient of '" + gradient.getKey() + "' is not finite at step "
                                + iteration + "; no update was applied");
            }
        }
    }
}

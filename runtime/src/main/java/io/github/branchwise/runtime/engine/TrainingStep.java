package io.github.branchwise.runtime.engine;

import io.github.branchwise.runtime.Losses;
import io.github.branchwise.runtime.NativeThreads;
import io.github.branchwise.runtime.ReplicaState;
import io.github.branchwise.runtime.StepContribution;
import io.github.branchwise.runtime.TrainingDivergedException;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.weighting.BranchGradients;
import io.github.branchwise.runtime.weighting.StepInfo;
import io.github.branchwise.runtime.weighting.Weighter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One optimisation step, and the passes that share its checks and executor. It owns:
 * <ul>
 *   <li>the step: checking the batch, the executor's forward and backward pass (one per branch, with the other
 *       branches masked, for the gradient-level strategies, whose per-branch gradients it keeps in
 *       {@link BranchGradientBuffers} reused from step to step), the divergence check, the optimiser update
 *       ({@link ModelParameters#update}) and the weighting's hooks, which restore its constraints;</li>
 *   <li>the step and epoch counters that optimiser schedules and weightings see;</li>
 *   <li>forward-only passes (evaluation, prediction) and the timing of the last compiled step.</li>
 * </ul>
 * Not thread-safe: the trainer serialises every call.
 */
public final class TrainingStep {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingStep.class);

    private final ModelSpec spec;
    private final long seed;
    private final Network network;
    private final StepExecutor executor;
    private final BatchChecker checker;
    private final ModelParameters parameters;
    private int chosenThreads;
    /** The per-branch gradients of the gradient-level strategies, reused from step to step; null until needed. */
    private BranchGradientBuffers branchBuffers;
    private long iteration;
    private long epoch;
    /** Each gate's batch-mean weights of the last step, by gate, in gate order; empty before a step. */
    private Map<String, double[]> gateWeights = Map.of();
    /** The step a driver began with {@link #beginDistributedStep} and has not applied yet, or -1. */
    private long begun = -1;

    /** The step of {@code network} through {@code executor}, updating {@code parameters}; counters at zero. */
    public TrainingStep(ModelSpec spec, long seed, Network network, StepExecutor executor, BatchChecker checker,
                        ModelParameters parameters) {
        this.spec = spec;
        this.seed = seed;
        this.network = network;
        this.executor = executor;
        this.checker = checker;
        this.parameters = parameters;
    }

    /**
     * One optimisation step on a batch: the step's first half ({@link #compute}, the passes) then its second
     * ({@link #apply}, the update), the same two halves a distributed step splits between the shards and the driver.
     *
     * @return the losses of the forward pass the update was computed from, and its branch outputs when
     *         {@code withOutputs} (else none)
     * @throws IllegalArgumentException  when an array is null, mis-shaped, of mismatched batch size or not finite
     * @throws TrainingDivergedException when a loss or gradient is not finite; no update is applied
     */
    public LossesAndOutputs run(INDArray[] inputs, INDArray[] targets, boolean withOutputs) {
        INDArray[] x = checker.inputs(inputs);
        INDArray[] y = checker.targets(targets, x[0].size(0));
        StepInfo step = prepare(x[0].size(0));
        return apply(compute(x, y, withOutputs), step);
    }

    /**
     * Where training stands, after the weighting has set the weights that change by step.
     *
     * @param batchSize the step's batch size, or 0 where it is not known yet (a distributed step's driver)
     */
    private StepInfo prepare(long batchSize) {
        StepInfo step = new StepInfo(iteration, epoch, seed, batchSize);
        network.weighter().beforeStep(step);
        return step;
    }

    /**
     * The first half of a step: the forward and backward passes over checked arrays at the current parameters. Only
     * computes: nothing the step owns changes but the reused gradient buffers.
     */
    private Pass compute(INDArray[] x, INDArray[] y, boolean withOutputs) {
        // Training mode: this step's dropout masks (the same for every pass of the step).
        network.modes().step(iteration);
        if (network.weighter().needsBranchGradients()) {
            int samples = network.weighter().gradientSamples();
            BranchPasses passes = samples == 1 ? branchGradients(x, y, withOutputs)
                    : sampledBranchGradients(x, y, withOutputs, samples);
            return new Pass(passes.losses(), null, passes.outputs(), passes.statistics(),
                    batchMeans(passes.statistics()), x[0].size(0), x, y);
        }
        StepExecutor.PassResult outcome = executor.forwardBackward(x, y, withOutputs);
        return new Pass(outcome.losses(), outcome.gradients(), outcome.outputs(), outcome.statistics(),
                batchMeans(outcome.statistics()), x[0].size(0), x, y);
    }

    /**
     * The second half of a step, on the passes over the whole batch: the weighting's combination of the branch
     * gradients, the divergence check, the optimiser, the moving statistics, the weighting's hooks and the counter.
     */
    private LossesAndOutputs apply(Pass pass, StepInfo step) {
        Weighter weighter = network.weighter();
        Losses losses = pass.losses();
        Map<String, INDArray> gradients = pass.gradients();
        // Whether the gradients may be updated in place rather than copied: those of the executor (StepExecutor
        // contract) and the combinations BranchGradients writes into its own buffers every step.
        boolean consumable = true;
        if (gradients == null) {
            Map<String, List<String>> sharedScopes = parameters.trainableSharedScopes();
            List<String> shared = new ArrayList<>();
            sharedScopes.values().forEach(shared::addAll);
            List<String> declared = spec.sharedMethods().isEmpty() ? List.copyOf(sharedScopes.keySet())
                    : spec.sharedMethods().stream().filter(sharedScopes::containsKey).toList();
            double[] branchLosses = losses.branchLosses();
            // setStep starts a step of one sample: keep the per-sample losses a sampled pass set (their mean is
            // branchLosses).
            double[][] perSample = null;
            if (branchBuffers.samples() > 1) {
                perSample = new double[branchBuffers.samples()][];
                for (int sample = 0; sample < perSample.length; sample++) {
                    perSample[sample] = branchBuffers.losses(sample);
                }
            }
            branchBuffers.setStep(branchLosses, shared, sharedScopes, declared, step);
            if (perSample != null) {
                branchBuffers.setSampleLosses(perSample);
            }
            gradients = weighter.combineGradients(branchBuffers);
            consumable = branchBuffers.ownsAll(gradients);
            losses = new Losses(BranchGradients.dot(weighter.weights(), branchLosses), branchLosses);
        }
        requireFinite(losses, gradients);
        gateWeights = pass.gateMeans();
        parameters.update(gradients, consumable, iteration, epoch);
        // Once per step, whatever the number of passes (they share one forward), and only after a step that updated.
        network.modes().update(pass.statistics());
        weighter.afterUpdate();
        if (weighter.needsLossesAfterUpdate()) {
            if (pass.inputs() == null) {
                // requireAdditive refuses such a strategy before a distributed step begins.
                throw new IllegalStateException("a distributed step cannot evaluate its batch again after the update");
            }
            // FAMO: how much each branch's loss fell on this batch; a forward pass of the checked arrays.
            weighter.afterUpdateLosses(step, losses.branchLosses(),
                    executor.losses(pass.inputs(), pass.targets()).branchLosses());
        }
        weighter.afterStep(step, losses);
        iteration++;
        return new LossesAndOutputs(losses, pass.outputs() == null ? new INDArray[0] : pass.outputs());
    }

    /**
     * The first half of a step, or its gradient-level strategies' passes, over a batch at the current parameters.
     *
     * @param losses     the forward pass's losses (for the gradient-level strategies, only the branch losses count)
     * @param gradients  the total loss's gradient of every trained parameter, valid until the executor's next call;
     *                   null for the gradient-level strategies, whose per-branch gradients are in
     *                   {@link #branchBuffers}
     * @param outputs    the branch outputs, or null when not asked for
     * @param statistics the values of {@link Network#trainingValues()}, valid until the executor's next call
     * @param gateMeans  each gate's weights averaged over the batch
     * @param examples   the batch's size
     * @param inputs     the checked inputs the passes ran on, for a strategy that evaluates the batch again after the
     *                   update (FAMO); null on a distributed step's driver, which has no batch
     * @param targets    the checked targets, likewise
     */
    private record Pass(Losses losses, Map<String, INDArray> gradients, INDArray[] outputs,
                        Map<String, INDArray> statistics, Map<String, double[]> gateMeans, long examples,
                        INDArray[] inputs, INDArray[] targets) {
    }

    /**
     * Each branch's own gradient, from one pass per branch with the other branches' losses masked out, and the
     * losses of the (identical) forward passes. The gradients are copied into {@link #branchBuffers}, allocated once
     * and reused every step: an executor reuses its gradient arrays on the next pass, and a fresh copy per pass (a
     * {@code dup} of every gradient) cost milliseconds per large parameter.
     */
    private BranchPasses branchGradients(INDArray[] x, INDArray[] y, boolean withOutputs) {
        List<SDVariable> masks = network.branchMasks();
        if (branchBuffers == null) {
            branchBuffers = new BranchGradientBuffers(masks.size());
        }
        Losses losses = null;
        INDArray[] outputs = null;
        Map<String, INDArray> statistics = Map.of();
        String representation = network.representationGradient();
        INDArray[] representationGradients = representation == null ? null : new INDArray[masks.size()];
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
                if (representationGradients != null) {
                    INDArray gradient = outcome.statistics().get(representation);
                    if (gradient == null) {
                        throw new IllegalStateException("the training pass did not compute '" + representation + "'");
                    }
                    // A copy (castTo copies already): the executor reuses the array on the next pass.
                    representationGradients[i] = gradient.dataType() == DataType.DOUBLE
                            ? gradient.dup() : gradient.castTo(DataType.DOUBLE);
                }
                losses = outcome.losses();
                statistics = outcome.statistics();
            }
        } finally {
            for (SDVariable mask : masks) {
                mask.getArr().putScalar(0, 1);
            }
        }
        branchBuffers.setRepresentationGradients(representationGradients);
        return new BranchPasses(branchBuffers, losses, outputs, statistics);
    }

    /**
     * Each branch's gradient on each of {@code samples} consecutive parts of the batch's rows
     * ({@link Weighter#gradientSamples()}: SDMGrad's and MoDo's independent samples): one pass per part and branch,
     * sizes differing by at most one row, the first parts the larger. The losses are the mean of the parts' (each
     * part's loss is its own batch mean), the outputs those of the parts in row order, the statistics (batch-norm
     * moments, gate weights) the last part's.
     *
     * @throws IllegalArgumentException when the batch has fewer rows than samples
     */
    private BranchPasses sampledBranchGradients(INDArray[] x, INDArray[] y, boolean withOutputs, int samples) {
        long rows = x[0].size(0);
        if (samples < 1) {
            throw new IllegalStateException(network.weighter().getClass().getName() + " asks for " + samples
                    + " gradient samples per step; it must be at least 1");
        }
        if (rows < samples) {
            throw new IllegalArgumentException(spec.modelName() + ": " + spec.weighting() + " computes the branch "
                    + "gradients on " + samples + " independent parts of each batch's rows, so a batch needs at least "
                    + samples + " rows; got a batch of " + rows);
        }
        if (network.weighter().needsRepresentationGradients()) {
            throw new IllegalStateException(network.weighter().getClass().getName() + " asks for "
                    + samples + " gradient samples and for representation gradients; only one of the two is offered");
        }
        List<SDVariable> masks = network.branchMasks();
        if (branchBuffers == null || branchBuffers.samples() != samples) {
            branchBuffers = new BranchGradientBuffers(masks.size(), samples);
        }
        double[][] sampleLosses = new double[samples][];
        INDArray[][] partOutputs = withOutputs ? new INDArray[samples][] : null;
        Map<String, INDArray> statistics = Map.of();
        long from = 0;
        try {
            for (int s = 0; s < samples; s++) {
                long to = from + rows / samples + (s < rows % samples ? 1 : 0);
                INDArray[] xs = rowRange(x, from, to);
                INDArray[] ys = rowRange(y, from, to);
                from = to;
                for (int i = 0; i < masks.size(); i++) {
                    for (int j = 0; j < masks.size(); j++) {
                        masks.get(j).getArr().putScalar(0, i == j ? 1 : 0);
                    }
                    boolean last = i == masks.size() - 1;
                    StepExecutor.PassResult outcome = executor.forwardBackward(xs, ys, withOutputs && last);
                    branchBuffers.store(s, i, outcome.gradients());
                    if (last) {
                        sampleLosses[s] = outcome.losses().branchLosses();
                        statistics = outcome.statistics();
                        if (withOutputs) {
                            // Copies: the executor reuses its output arrays on the next pass.
                            INDArray[] out = outcome.outputs();
                            partOutputs[s] = new INDArray[out.length];
                            for (int o = 0; o < out.length; o++) {
                                partOutputs[s][o] = out[o].dup();
                            }
                        }
                    }
                }
            }
        } finally {
            for (SDVariable mask : masks) {
                mask.getArr().putScalar(0, 1);
            }
        }
        branchBuffers.setSampleLosses(sampleLosses);
        branchBuffers.setRepresentationGradients(null);
        double[] mean = branchBuffers.losses();
        INDArray[] outputs = null;
        if (withOutputs) {
            outputs = new INDArray[partOutputs[0].length];
            for (int o = 0; o < outputs.length; o++) {
                INDArray[] parts = new INDArray[samples];
                for (int s = 0; s < samples; s++) {
                    parts[s] = partOutputs[s][o];
                }
                outputs[o] = Nd4j.concat(0, parts);
            }
        }
        Losses losses = new Losses(BranchGradients.dot(network.weighter().weights(), mean), mean);
        return new BranchPasses(branchBuffers, losses, outputs, statistics);
    }

    /** Rows {@code [from, to)} of each array, as contiguous copies (the executors read whole c-ordered arrays). */
    private static INDArray[] rowRange(INDArray[] arrays, long from, long to) {
        INDArray[] parts = new INDArray[arrays.length];
        for (int a = 0; a < arrays.length; a++) {
            INDArray array = arrays[a];
            INDArrayIndex[] index = new INDArrayIndex[array.rank()];
            index[0] = NDArrayIndex.interval(from, to);
            for (int d = 1; d < index.length; d++) {
                index[d] = NDArrayIndex.all();
            }
            parts[a] = array.get(index).dup('c');
        }
        return parts;
    }

    /** Each gate's weights averaged over the batch, from the training pass's values (read before they are reused). */
    private Map<String, double[]> batchMeans(Map<String, INDArray> values) {
        List<GateRecord> gates = network.gates();
        if (gates.isEmpty()) {
            return Map.of();
        }
        Map<String, double[]> means = new LinkedHashMap<>();
        for (GateRecord gate : gates) {
            INDArray weights = values.get(gate.weights());
            if (weights == null) {
                throw new IllegalStateException("the training pass did not compute '" + gate.weights() + "'");
            }
            means.put(gate.name(), weights.mean(0).toDoubleVector());
        }
        return Collections.unmodifiableMap(means);
    }

    /**
     * Each gate's weights in the last training step, averaged over that step's batch: by gate name (in the order the
     * gates were built), one value per expert in the gate's order; empty before the first step and for a model
     * without gates. Evaluation and prediction do not change them.
     */
    public Map<String, double[]> gateWeights() {
        return gateWeights;
    }

    /** The passes of one step; {@code statistics} are the last pass's, valid until the executor's next call. */
    private record BranchPasses(BranchGradientBuffers gradients, Losses losses, INDArray[] outputs,
                                Map<String, INDArray> statistics) {
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

    // ---- a step split across machines ----

    /**
     * Starts a distributed step on the driver: the weighting sets the weights that change by step, once however often
     * it is called before {@link #applyContribution}, and the replicas' state is returned.
     *
     * @throws IllegalStateException when the weighting's total is not a sum over examples
     */
    public ReplicaState beginDistributedStep() {
        requireAdditive();
        if (begun != iteration) {
            // The batch size is not known to the driver before the shards report (StepInfo's 0); no built-in
            // strategy reads it before the step, and afterStep sees the contribution's examples.
            prepare(0);
            begun = iteration;
        }
        return replicaState();
    }

    /**
     * What a replica needs to compute its shard of the current step: every parameter's and layer state's value, the
     * weighting's state variables (after its {@code beforeStep}), the frozen parameters and the counters.
     */
    public ReplicaState replicaState() {
        Map<String, SDVariable> own = network.parametersAndStates();
        Map<String, SDVariable> weighting = network.states();
        int size = own.size() + weighting.size();
        String[] names = new String[size];
        long[][] shapes = new long[size][];
        double[][] values = new double[size][];
        boolean[] kinds = new boolean[size];
        int i = 0;
        for (Map<String, SDVariable> group : List.of(own, weighting)) {
            for (Map.Entry<String, SDVariable> entry : group.entrySet()) {
                INDArray value = entry.getValue().getArr();
                names[i] = entry.getKey();
                shapes[i] = value.shape();
                values[i] = flat(value);
                kinds[i] = group == weighting;
                i++;
            }
        }
        return new ReplicaState(iteration, epoch, names, shapes, values, kinds,
                parameters.frozen().toArray(new String[0]));
    }

    /**
     * Sets a replica to the driver's state: every value checked as {@link ModelParameters#set} checks it, all or
     * nothing for the parameters.
     *
     * @throws IllegalArgumentException when a name is unknown, a shape differs or a value is not finite
     */
    public void loadReplicaState(ReplicaState state) {
        Map<String, INDArray> own = new LinkedHashMap<>();
        Map<String, INDArray> weighting = new LinkedHashMap<>();
        for (int i = 0; i < state.size(); i++) {
            INDArray value = array(state.value(i), state.shape(i));
            (state.isWeightingState(i) ? weighting : own).put(state.name(i), value);
        }
        parameters.set(own);
        parameters.setWeightingState(weighting);
        Set<String> frozen = new LinkedHashSet<>(List.of(state.frozen()));
        if (!frozen.equals(parameters.frozen())) {
            parameters.setFrozen(frozen);
        }
        if (state.hasOptimiser()) {
            Map<String, INDArray> optimiser = new LinkedHashMap<>();
            for (int i = 0; i < state.optimiserSize(); i++) {
                optimiser.put(state.optimiserName(i), array(state.optimiserValue(i), state.optimiserShape(i)));
            }
            parameters.setOptimiserState(optimiser);
        }
        restoreCounters(state.iteration(), state.epoch());
        // A step begun before is of other parameters now.
        begun = -1;
    }

    /**
     * What a replica needs to train on its own from this model's state (local SGD): {@link #replicaState} with the
     * optimiser's state arrays.
     *
     * @throws IllegalStateException when the weighting strategy keeps Java-side state (DWA's, GradNorm's, STCH's,
     *                               FAMO's), which replicas would each move on and which cannot be averaged
     */
    public ReplicaState localState() {
        Weighter weighter = network.weighter();
        if (keepsJavaState(weighter)) {
            throw new IllegalStateException(spec.modelName() + ": the weighting strategy "
                    + weighter.getClass().getSimpleName() + " keeps state of its own in Java (Weighter.state), which "
                    + "replicas training on their own would each move on and which averaging cannot merge; train it "
                    + "with synchronous steps or on one machine");
        }
        Map<String, INDArray> optimiser = parameters.optimiserState();
        String[] names = optimiser.keySet().toArray(new String[0]);
        long[][] shapes = new long[names.length][];
        double[][] values = new double[names.length][];
        for (int i = 0; i < names.length; i++) {
            INDArray value = optimiser.get(names[i]);
            shapes[i] = value.shape();
            values[i] = flat(value);
        }
        return replicaState().withOptimiser(names, shapes, values);
    }

    /**
     * A replica's first half of the current step over its shard: the passes, as a {@link StepContribution} of sums
     * over the shard's examples. Changes nothing but the reused buffers.
     *
     * @throws IllegalArgumentException when an array is null, mis-shaped, of mismatched batch size or not finite
     * @throws IllegalStateException    when the weighting's total is not a sum over examples
     */
    public StepContribution contribute(INDArray[] inputs, INDArray[] targets) {
        return contribute(inputs, targets, false).contribution();
    }

    /**
     * A contribution and the branch outputs of the same training pass (null unless {@code withOutputs}): what
     * metrics of the shard are measured on.
     *
     * @param contribution the shard's sums, as {@link #contribute(INDArray[], INDArray[])}
     * @param outputs      each branch's output over the shard, or null
     */
    public record ContributionAndOutputs(StepContribution contribution, INDArray[] outputs) {
    }

    /**
     * {@link #contribute(INDArray[], INDArray[])}, with the branch outputs of the training pass when
     * {@code withOutputs}.
     */
    public ContributionAndOutputs contribute(INDArray[] inputs, INDArray[] targets, boolean withOutputs) {
        return contribute(inputs, targets, withOutputs, -1, -1);
    }

    /**
     * {@link #contribute(INDArray[], INDArray[], boolean)} for a shard that is rows {@code [firstRow, firstRow + n)}
     * of a global batch of {@code globalRows} rows: its dropout masks are those rows of the global batch's masks, so
     * the shards of a step drop what one machine drops on the whole batch. {@code globalRows < 0}: no position
     * known, masks drawn for the shard alone.
     *
     * @throws IllegalArgumentException when the shard does not fit inside the global batch
     */
    public ContributionAndOutputs contribute(INDArray[] inputs, INDArray[] targets, boolean withOutputs,
                                             long firstRow, long globalRows) {
        requireAdditive();
        INDArray[] x = checker.inputs(inputs);
        INDArray[] y = checker.targets(targets, x[0].size(0));
        if (globalRows >= 0) {
            if (firstRow < 0 || firstRow + x[0].size(0) > globalRows) {
                throw new IllegalArgumentException(spec.modelName() + ": a shard of " + x[0].size(0)
                        + " rows from row " + firstRow + " does not fit a global batch of " + globalRows + " rows");
            }
            network.modes().shard(firstRow, globalRows);
        }
        Pass pass;
        try {
            pass = compute(x, y, withOutputs);
        } finally {
            if (globalRows >= 0) {
                network.modes().wholeBatch();
            }
        }
        long n = pass.examples();
        List<String> trained = trainedParameters();
        boolean perBranch = pass.gradients() == null;
        int slots = perBranch ? spec.branches().size() : 1;
        int[] lengths = new int[trained.size()];
        long perSlot = 0;
        for (int p = 0; p < lengths.length; p++) {
            lengths[p] = Math.toIntExact(network.parameters().get(trained.get(p)).getArr().length());
            perSlot += lengths[p];
        }
        boolean floats = network.dataType() == DataType.FLOAT;
        float[] f = floats ? new float[Math.toIntExact(perSlot * slots)] : null;
        double[] d = floats ? null : new double[Math.toIntExact(perSlot * slots)];
        int offset = 0;
        for (int s = 0; s < slots; s++) {
            Map<String, INDArray> gradients = perBranch ? branchBuffers.of(s) : pass.gradients();
            for (String name : trained) {
                INDArray gradient = gradients.get(name);
                if (gradient == null) {
                    throw new IllegalStateException("the pass computed no gradient of '" + name + "'");
                }
                double[] values = flat(gradient);
                for (double v : values) {
                    if (floats) {
                        f[offset++] = (float) (v * n);
                    } else {
                        d[offset++] = v * n;
                    }
                }
            }
        }
        double[] lossSums = pass.losses().branchLosses();
        for (int i = 0; i < lossSums.length; i++) {
            lossSums[i] *= n;
        }
        StepContribution.Builder builder = StepContribution.builder(iteration, n)
                .losses(lossSums, perBranch ? 0 : pass.losses().total() * n);
        String[] names = trained.toArray(new String[0]);
        if (floats) {
            builder.gradients(perBranch, names, lengths, f);
        } else {
            builder.gradients(perBranch, names, lengths, d);
        }
        String[] gates = pass.gateMeans().keySet().toArray(new String[0]);
        double[][] gateSums = new double[gates.length][];
        for (int g = 0; g < gates.length; g++) {
            gateSums[g] = scaled(pass.gateMeans().get(gates[g]), n);
        }
        List<String> statisticNames = network.modes().statistics();
        long[][] shapes = new long[statisticNames.size()][];
        double[][] sums = new double[statisticNames.size()][];
        for (int i = 0; i < shapes.length; i++) {
            INDArray value = pass.statistics().get(statisticNames.get(i));
            if (value == null) {
                throw new IllegalStateException("the training pass did not compute '" + statisticNames.get(i) + "'");
            }
            shapes[i] = value.shape();
            sums[i] = scaled(flat(value), n);
        }
        return new ContributionAndOutputs(builder.gates(gates, gateSums)
                .statistics(statisticNames.toArray(new String[0]), shapes, sums)
                .build(), withOutputs ? pass.outputs() : null);
    }

    /**
     * The driver's second half of a distributed step: the sum of every shard's {@link #contribute} over the whole
     * batch, divided by its size, applied as {@link #run} applies one machine's passes.
     *
     * @throws IllegalStateException     when the step was not begun ({@link #beginDistributedStep}), or the
     *                                   contribution is for another step, parameters or layout, or has no examples
     * @throws TrainingDivergedException when a loss or gradient is not finite; no update is applied
     */
    public Losses applyContribution(StepContribution total) {
        if (begun != iteration) {
            throw new IllegalStateException(spec.modelName() + ": step " + iteration + " was not begun; call "
                    + "beginDistributedStep first");
        }
        if (total.iteration() != iteration) {
            throw new IllegalStateException(spec.modelName() + ": the contribution was computed for step "
                    + total.iteration() + ", the model is at step " + iteration);
        }
        if (total.examples() <= 0) {
            throw new IllegalStateException(spec.modelName() + ": the contribution to step " + iteration
                    + " covers no examples");
        }
        List<String> trained = trainedParameters();
        boolean perBranch = network.weighter().needsBranchGradients();
        if (!List.of(total.parameters()).equals(trained) || total.perBranch() != perBranch) {
            throw new IllegalStateException(spec.modelName() + ": the contribution holds gradients of "
                    + List.of(total.parameters()) + (total.perBranch() ? " per branch" : "") + ", the model trains "
                    + trained + (perBranch ? " per branch" : ""));
        }
        double n = total.examples();
        double[] branchLosses = total.branchLossSums();
        for (int i = 0; i < branchLosses.length; i++) {
            branchLosses[i] /= n;
        }
        Map<String, INDArray> gradients = null;
        if (perBranch) {
            if (branchBuffers == null) {
                branchBuffers = new BranchGradientBuffers(spec.branches().size());
            }
            // No representation gradients: requireAdditive refuses the strategies that read them.
            branchBuffers.setRepresentationGradients(null);
            for (int s = 0; s < total.slots(); s++) {
                branchBuffers.store(s, mean(total, s, trained, n));
            }
        } else {
            gradients = mean(total, 0, trained, n);
        }
        Map<String, double[]> gateMeans = new LinkedHashMap<>();
        String[] gates = total.gates();
        for (int g = 0; g < gates.length; g++) {
            gateMeans.put(gates[g], scaled(total.gateWeightSums(g), 1 / n));
        }
        Map<String, INDArray> statistics = new LinkedHashMap<>();
        String[] names = total.statistics();
        for (int i = 0; i < names.length; i++) {
            statistics.put(names[i], array(scaled(total.statisticSum(i), 1 / n), total.statisticShape(i))
                    .castTo(network.dataType()));
        }
        Pass pass = new Pass(new Losses(total.totalLossSum() / n, branchLosses), gradients, null, statistics,
                Collections.unmodifiableMap(gateMeans), total.examples(), null, null);
        Losses losses = apply(pass, new StepInfo(iteration, epoch, seed, total.examples())).losses();
        begun = -1;
        return losses;
    }

    /** One slot's gradient of each trained parameter, divided by the examples, in the model's type and shapes. */
    private Map<String, INDArray> mean(StepContribution total, int slot, List<String> trained, double n) {
        Map<String, INDArray> gradients = new LinkedHashMap<>();
        for (int p = 0; p < trained.size(); p++) {
            INDArray parameter = network.parameters().get(trained.get(p)).getArr();
            gradients.put(trained.get(p), array(scaled(total.gradientSum(slot, p), 1 / n), parameter.shape()).castTo(parameter.dataType()));
        }
        return gradients;
    }

    /** The trainable parameters, in creation order: those with a gradient. */
    private List<String> trainedParameters() {
        Set<String> frozen = parameters.frozen();
        return parameters.names().stream().filter(name -> !frozen.contains(name)).toList();
    }

    /**
     * Whether a strategy keeps Java-side state: it overrides {@link Weighter#state}. Asked of the class, not of the
     * state's current contents, which may still be empty before the first step (GradNorm's initial losses).
     */
    private static boolean keepsJavaState(Weighter weighter) {
        try {
            return weighter.getClass().getMethod("state").getDeclaringClass() != Weighter.class;
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException("Weighter.state() is public", e);
        }
    }

    private void requireAdditive() {
        Weighter weighter = network.weighter();
        if (weighter.needsBranchGradients() && weighter.needsRepresentationGradients()) {
            // The representation gradients are [batch, ...] arrays per branch: shards would concatenate them, not add
            // them, and a StepContribution holds sums only.
            throw new IllegalStateException(spec.modelName() + ": the weighting strategy "
                    + weighter.getClass().getSimpleName() + " reads the branches' gradients with respect to the "
                    + "shared representation (@WeightedLoss gradientSource = REPRESENTATION or "
                    + "REPRESENTATION_BATCH_SUM), which are one row per example: shards would concatenate them rather "
                    + "than add them, and a distributed step sums its shards' contributions; use gradientSource = "
                    + "PARAMETERS, or train on one machine");
        }
        if (!weighter.additiveOverExamples()) {
            throw new IllegalStateException(spec.modelName() + ": the weighting strategy "
                    + weighter.getClass().getSimpleName() + " does not declare its total loss a sum over "
                    + "examples (Weighter.additiveOverExamples), so a step cannot be split into shards whose sum is "
                    + "the whole batch's" + (weighter.needsLossesAfterUpdate() ? "; it also evaluates the batch again "
                    + "after the update (Weighter.needsLossesAfterUpdate)" : "") + "; train it on one machine");
        }
        if (weighter.needsLossesAfterUpdate()) {
            // A strategy of one's own may declare itself additive and still want the second evaluation.
            throw new IllegalStateException(spec.modelName() + ": the weighting strategy "
                    + weighter.getClass().getSimpleName() + " evaluates the batch again after the update "
                    + "(Weighter.needsLossesAfterUpdate), which a distributed step does not do; train it on one "
                    + "machine");
        }
    }

    private static double[] flat(INDArray array) {
        return array.castTo(DataType.DOUBLE).dup('c').reshape(array.length()).toDoubleVector();
    }

    /** A double array of {@code shape} holding {@code values} in row-major order; a scalar for the empty shape. */
    private static INDArray array(double[] values, long[] shape) {
        return shape.length == 0 ? Nd4j.scalar(values[0]) : Nd4j.create(values, shape, 'c');
    }

    private static double[] scaled(double[] values, double factor) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i] * factor;
        }
        return out;
    }

    // ---- counters ----

    /** Ends the current epoch: the weighting sees it end (DWA updates its weights) and the epoch counter moves on. */
    public void endEpoch() {
        network.weighter().onEpochEnd(epoch);
        epoch++;
    }

    /** The number of optimisation steps taken so far. */
    public long iteration() {
        return iteration;
    }

    /** The number of epochs ended so far. */
    public long epoch() {
        return epoch;
    }

    /** Sets both counters, for a loaded model; a file's counters are checked by {@link ModelFile}. */
    public void restoreCounters(long iteration, long epoch) {
        this.iteration = iteration;
        this.epoch = epoch;
    }

    // ---- forward-only passes ----

    /** The losses of a batch, checked as for a step, without updating anything. */
    public Losses evaluate(INDArray[] inputs, INDArray[] targets) {
        INDArray[] x = checker.inputs(inputs);
        return executor.losses(x, checker.targets(targets, x[0].size(0)));
    }

    /** The losses of a batch and the branch outputs of the same forward pass, without updating anything. */
    public LossesAndOutputs evaluateWithOutputs(INDArray[] inputs, INDArray[] targets) {
        INDArray[] x = checker.inputs(inputs);
        return executor.lossesAndOutputs(x, checker.targets(targets, x[0].size(0)));
    }

    /** The branch outputs for checked inputs. */
    public INDArray[] predict(INDArray[] inputs) {
        return executor.predict(checker.inputs(inputs));
    }

    // ---- timing ----

    /** Per-op profile of the last compiled step; empty with the SameDiff executor or before the first step. */
    public List<String> profile(int runs) {
        return executor instanceof CompiledExecutor compiled ? compiled.profileTrainingPlan(runs) : List.of();
    }

    /** Median ms of re-running the last compiled step; NaN with the SameDiff executor or before the first step. */
    public double time(int runs) {
        return executor instanceof CompiledExecutor compiled ? compiled.timeTrainingPlan(runs) : Double.NaN;
    }

    /**
     * Times the last step with one native thread and with every core, keeps the faster setting for the process and
     * returns it; 1 without measuring on a machine with one core. {@code runs} must be positive.
     *
     * @throws IllegalStateException when there is no compiled step to time: before the first step, or with the
     *                               SameDiff executor
     */
    public int chooseNativeThreads(int runs) {
        int cores = Runtime.getRuntime().availableProcessors();
        if (cores == 1) {
            NativeThreads.choose(1);
            chosenThreads = 1;
            return 1;
        }
        if (Double.isNaN(time(1))) {
            throw new IllegalStateException(spec.modelName() + ": no compiled training step to time yet"
                    + (executor instanceof CompiledExecutor ? " (call it after a training step)"
                    : " (the SameDiff executor has none)") + "; the thread count stays " + NativeThreads.current());
        }
        NativeThreads.choose(1);
        double one = time(runs);
        NativeThreads.choose(cores);
        double all = time(runs);
        int chosen = one <= all ? 1 : cores;
        NativeThreads.choose(chosen);
        chosenThreads = chosen;
        LOG.info("{}: {} ms per step with 1 native thread, {} ms with {}: using {}", spec.modelName(),
                String.format(Locale.ROOT, "%.3f", one), String.format(Locale.ROOT, "%.3f", all), cores, chosen);
        return chosen;
    }

    /** The thread count chosen for this model (here or {@link #recordChosenThreads}), or 0 when none was. */
    public int chosenThreads() {
        return chosenThreads;
    }

    /** Records a thread count chosen elsewhere: a fitting's trial of its own steps. */
    public void recordChosenThreads(int threads) {
        if (threads <= 0) {
            throw new IllegalArgumentException("the thread count must be positive, got " + threads);
        }
        chosenThreads = threads;
    }
}

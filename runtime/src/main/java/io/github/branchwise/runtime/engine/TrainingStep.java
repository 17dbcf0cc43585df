package io.github.branchwise.runtime.engine;

import io.github.branchwise.runtime.Losses;
import io.github.branchwise.runtime.NativeThreads;
import io.github.branchwise.runtime.TrainingDivergedException;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.weighting.BranchGradients;
import io.github.branchwise.runtime.weighting.StepInfo;
import io.github.branchwise.runtime.weighting.Weighter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
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
     * One optimisation step on a batch.
     *
     * @return the losses of the forward pass the update was computed from, and its branch outputs when
     *         {@code withOutputs} (else none)
     * @throws IllegalArgumentException  when an array is null, mis-shaped, of mismatched batch size or not finite
     * @throws TrainingDivergedException when a loss or gradient is not finite; no update is applied
     */
    public LossesAndOutputs run(INDArray[] inputs, INDArray[] targets, boolean withOutputs) {
        INDArray[] x = checker.inputs(inputs);
        INDArray[] y = checker.targets(targets, x[0].size(0));
        Weighter weighter = network.weighter();
        StepInfo step = new StepInfo(iteration, epoch, seed, x[0].size(0));
        // Training mode: this step's dropout masks (the same for every pass of the step).
        network.modes().step(iteration);
        weighter.beforeStep(step);
        Losses losses;
        Map<String, INDArray> gradients;
        // Whether the gradients may be updated in place rather than copied: those of the executor (StepExecutor
        // contract) and the combinations BranchGradients writes into its own buffers every step.
        boolean consumable = true;
        INDArray[] outputs;
        Map<String, INDArray> statistics;
        if (weighter.needsBranchGradients()) {
            BranchPasses passes = weighter.gradientSamples() == 1 ? branchGradients(x, y, step, withOutputs)
                    : sampledBranchGradients(x, y, step, withOutputs, weighter.gradientSamples());
            outputs = passes.outputs();
            statistics = passes.statistics();
            gradients = weighter.combineGradients(passes.gradients());
            consumable = passes.gradients().ownsAll(gradients);
            double[] branchLosses = passes.losses().branchLosses();
            losses = new Losses(BranchGradients.dot(weighter.weights(), branchLosses), branchLosses);
        } else {
            StepExecutor.PassResult outcome = executor.forwardBackward(x, y, withOutputs);
            losses = outcome.losses();
            gradients = outcome.gradients();
            outputs = outcome.outputs();
            statistics = outcome.statistics();
        }
        requireFinite(losses, gradients);
        gateWeights = batchMeans(statistics);
        parameters.update(gradients, consumable, iteration, epoch);
        // Once per step, whatever the number of passes (they share one forward), and only after a step that updated.
        network.modes().update(statistics);
        weighter.afterUpdate();
        if (weighter.needsLossesAfterUpdate()) {
            // FAMO: how much each branch's loss fell on this batch; a forward pass of the checked arrays.
            weighter.afterUpdateLosses(step, losses.branchLosses(), executor.losses(x, y).branchLosses());
        }
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
    private BranchPasses branchGradients(INDArray[] x, INDArray[] y, StepInfo step, boolean withOutputs) {
        List<SDVariable> masks = network.branchMasks();
        if (branchBuffers == null || branchBuffers.samples() != 1) {
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
                    representationGradients[i] = gradient.dataType() == org.nd4j.linalg.api.buffer.DataType.DOUBLE
                            ? gradient.dup() : gradient.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
                }
                losses = outcome.losses();
                statistics = outcome.statistics();
            }
        } finally {
            for (SDVariable mask : masks) {
                mask.getArr().putScalar(0, 1);
            }
        }
        setStep(losses.branchLosses(), step);
        branchBuffers.setRepresentationGradients(representationGradients);
        return new BranchPasses(branchBuffers, losses, outputs, statistics);
    }

    /** Hands the buffers what the strategies see of the step besides the gradients. */
    private void setStep(double[] branchLosses, StepInfo step) {
        Map<String, List<String>> sharedScopes = parameters.trainableSharedScopes();
        List<String> shared = new ArrayList<>();
        sharedScopes.values().forEach(shared::addAll);
        List<String> declared = spec.sharedMethods().isEmpty() ? List.copyOf(sharedScopes.keySet())
                : spec.sharedMethods().stream().filter(sharedScopes::containsKey).toList();
        branchBuffers.setStep(branchLosses, shared, sharedScopes, declared, step);
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
    private BranchPasses sampledBranchGradients(INDArray[] x, INDArray[] y, StepInfo step, boolean withOutputs,
                                                int samples) {
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
        setStep(sampleLosses[0], step);
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

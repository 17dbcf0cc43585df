package io.github.branchwise.runtime.engine;

import io.github.branchwise.runtime.Losses;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs SameDiff's own forward graph and gradient function without its sessions: a static {@link ExecutionPlan}
 * ({@link Planner}) per purpose (training step, losses only, prediction) and batch shape, ops in a fixed order, one op
 * context each with its input and output arrays bound once, and every intermediate buffer allocated once and reused.
 *
 * <p>It computes the same values as {@link SameDiffExecutor} (the ops are SameDiff's; a few backward ops are
 * replaced by equivalent cheaper ones, see {@link Rewrite}). Two plans per purpose are kept, for the last two batch
 * shapes seen (an epoch's full and partial batches); a third shape builds a plan, which costs one ordinary
 * step. Graphs a static plan cannot run (control flow, random ops such as dropout,
 * data-dependent output shapes) go to a {@link SameDiffExecutor} instead, and the reason is logged once. A rewrite
 * that fails while planning is a bug, handled by {@link PlanFailures}: counted and logged once, its node left to
 * SameDiff's op (in strict mode, the runtime's tests, it throws).
 *
 * <p>The gradients returned by {@link #forwardBackward} are buffers of the plan: valid, and safe to modify, until
 * the next call. Predictions are copies.
 */
public final class CompiledExecutor implements StepExecutor {
    private static final Logger LOG = LoggerFactory.getLogger(CompiledExecutor.class);

    private final Network network;
    private final SameDiff gradFunction;
    private final String[] placeholders;
    private final String[] inputPlaceholders;
    private final Map<String, INDArray> variables = new LinkedHashMap<>();
    private final String[] lossNames;
    /** The forward values a training pass hands back: the layers' moving averages', the gates' weights. */
    private final String[] statistics;
    private final String[] outputNames;
    private List<String> parameterNames;
    private String[] gradientNames;
    private StepExecutor fallback;
    private final Plans trainPlans = new Plans();
    private final Plans lossPlans = new Plans();
    private final Plans predictPlans = new Plans();
    private int plansBuilt;
    private Map<String, INDArray> zeroGradients;
    private final Map<String, LossFusion> fusions;
    private final List<Rewrite> rewrites;

    /** An executor over {@code network}; falls back to {@link SameDiffExecutor} when the graph cannot be planned. */
    public CompiledExecutor(Network network) {
        this(network, Rewrite.catalogue());
    }

    /** Tests: an executor whose plans try {@code rewrites} instead of {@link Rewrite#catalogue()}. */
    CompiledExecutor(Network network, List<Rewrite> rewrites) {
        NativeBackend.logOnce();
        this.rewrites = List.copyOf(rewrites);
        this.network = network;
        SameDiff sd = network.sameDiff();
        this.gradFunction = sd.getFunction("grad");
        // Placeholders: inputs, (targets,) then the layers' mode placeholders, which every pass feeds.
        List<String> modePlaceholders = network.modes().placeholders();
        List<String> names = new ArrayList<>();
        for (SDVariable input : network.inputs()) {
            names.add(input.name());
        }
        List<String> inputNames = new ArrayList<>(names);
        inputNames.addAll(modePlaceholders);
        this.inputPlaceholders = inputNames.toArray(new String[0]);
        for (SDVariable target : network.targets()) {
            names.add(target.name());
        }
        names.addAll(modePlaceholders);
        this.placeholders = names.toArray(new String[0]);
        this.statistics = network.trainingValues().toArray(new String[0]);
        List<String> losses = new ArrayList<>();
        losses.add(network.total().name());
        for (SDVariable loss : network.branchLosses()) {
            losses.add(loss.name());
        }
        this.lossNames = losses.toArray(new String[0]);
        this.outputNames = network.outputs().stream().map(SDVariable::name).toArray(String[]::new);
        // Every trainable variable (parameters and the weighting's non-trained state such as branch masks) by its
        // outer graph's array, which the trainer updates in place; the plans read them by reference.
        for (SDVariable variable : sd.variables()) {
            if (variable.getVariableType() == org.nd4j.autodiff.samediff.VariableType.VARIABLE
                    && variable.getArr() != null) {
                variables.put(variable.name(), variable.getArr());
            }
        }
        useParameters(List.copyOf(network.parameters().keySet()));
        this.fusions = LossFusion.find(network, gradFunction);
        String reason = gradFunction == null ? "the graph has no gradient function"
                : GraphSupport.unsupportedReason(gradFunction);
        if (reason != null) {
            fallBack(reason, null);
        }
    }

    @Override
    public void trainableParametersChanged(Set<String> trainable) {
        useParameters(network.parameters().keySet().stream().filter(trainable::contains).toList());
        trainPlans.clear();
        if (fallback != null) {
            fallback.trainableParametersChanged(trainable);
        }
    }

    private void useParameters(List<String> names) {
        parameterNames = names;
        gradientNames = new String[names.size()];
        for (int i = 0; i < gradientNames.length; i++) {
            SDVariable gradient = network.sameDiff().getVariable(names.get(i)).getGradient();
            gradientNames[i] = gradient == null ? null : gradient.name();
        }
    }

    /** Whether this executor runs SameDiff's sessions instead of its own plans (see the log for why). */
    public boolean isFallback() {
        return fallback != null;
    }

    @Override
    public PassResult forwardBackward(INDArray[] inputs, INDArray[] targets) {
        return forwardBackward(inputs, targets, false);
    }

    /**
     * The outputs come from the training pass itself: a separate prediction would run in inference mode (no dropout,
     * moving statistics) and so differ from what the losses saw.
     */
    @Override
    public PassResult forwardBackward(INDArray[] inputs, INDArray[] targets, boolean withOutputs) {
        if (fallback == null) {
            INDArray[] feeds = concat(concat(inputs, targets), network.modes().training(inputs[0].size(0)));
            try {
                runOrBuild(trainPlans, placeholders, feeds, trainRequired());
            } catch (UnsupportedGraphException | IllegalStateException | IllegalArgumentException e) {
                fallBack("planning the training step failed: " + e.getMessage(), e);
            }
        }
        if (fallback != null) {
            return fallback.forwardBackward(inputs, targets, withOutputs);
        }
        Map<String, INDArray> gradients = new LinkedHashMap<>();
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < gradientNames.length; i++) {
            INDArray gradient;
            if (gradientNames[i] == null) {
                gradient = zeroGradient(parameterNames.get(i));
            } else {
                gradient = trainPlans.current.get(gradientNames[i]);
                if (!seen.add(gradient.data().address())) {
                    // Two parameters' gradients share a buffer: hand out a copy so neither update sees the other's.
                    gradient = gradient.dup();
                }
            }
            gradients.put(parameterNames.get(i), gradient);
        }
        Map<String, INDArray> values = new LinkedHashMap<>();
        for (String statistic : statistics) {
            values.put(statistic, trainPlans.current.get(statistic));
        }
        INDArray[] outputs = null;
        if (withOutputs) {
            outputs = new INDArray[outputNames.length];
            for (int i = 0; i < outputNames.length; i++) {
                // Detached copies: the caller may keep them across later steps.
                outputs[i] = trainPlans.current.get(outputNames[i]).dup();
            }
        }
        return new PassResult(result(trainPlans.current), gradients, outputs, values);
    }

    @Override
    public Losses losses(INDArray[] inputs, INDArray[] targets) {
        if (fallback == null) {
            try {
                runOrBuild(lossPlans, placeholders,
                        concat(concat(inputs, targets), network.modes().inference(inputs[0].size(0))),
                        Set.of(lossNames));
            } catch (UnsupportedGraphException | IllegalStateException | IllegalArgumentException e) {
                fallBack("planning the loss evaluation failed: " + e.getMessage(), e);
            }
        }
        if (fallback != null) {
            return fallback.losses(inputs, targets);
        }
        return result(lossPlans.current);
    }

    @Override
    public INDArray[] predict(INDArray[] inputs) {
        if (fallback == null) {
            try {
                runOrBuild(predictPlans, inputPlaceholders,
                        concat(inputs, network.modes().inference(inputs[0].size(0))), Set.of(outputNames));
            } catch (UnsupportedGraphException | IllegalStateException | IllegalArgumentException e) {
                fallBack("planning the prediction failed: " + e.getMessage(), e);
            }
        }
        if (fallback != null) {
            return fallback.predict(inputs);
        }
        INDArray[] predictions = new INDArray[outputNames.length];
        for (int i = 0; i < outputNames.length; i++) {
            // Detached copies: the caller may keep them across later steps.
            predictions[i] = predictPlans.current.get(outputNames[i]).dup();
        }
        return predictions;
    }

    /**
     * Re-runs the current training plan {@code runs} times step by step (same values, no update) and returns each
     * step's median time, slowest first: where a training step's native time goes. Empty before the first step.
     */
    public List<String> profileTrainingPlan(int runs) {
        return trainPlans.current == null ? List.of() : trainPlans.current.profile(runs);
    }

    /**
     * The median milliseconds of re-running the current training plan {@code runs} times (same values, no update);
     * NaN before the first step.
     */
    public double timeTrainingPlan(int runs) {
        return trainPlans.current == null ? Double.NaN : trainPlans.current.medianMillis(runs);
    }

    /** The nodes of the current training plan and how each is computed (tests, diagnostics); empty before one. */
    List<PlanStep> trainingPlan() {
        return trainPlans.current == null ? List.of() : trainPlans.current.nodes();
    }

    /** The nodes of the current prediction plan and how each is computed; empty before one. */
    List<PlanStep> predictionPlan() {
        return predictPlans.current == null ? List.of() : predictPlans.current.nodes();
    }

    /** The nodes of the current loss-evaluation plan and how each is computed; empty before one. */
    List<PlanStep> lossPlan() {
        return lossPlans.current == null ? List.of() : lossPlans.current.nodes();
    }

    /**
     * Runs the plan of {@code plans} that fits the feeds' shapes, or builds one (building executes it once). The
     * plan used becomes the current one and the other the spare: an epoch whose last batch is partial alternates
     * between two batch sizes, and rebuilding at each switch cost about 8 % of a MultiMNIST LeNet's training time
     * (docs/performance.md). Two plans are kept, not one per size ever seen, so memory stays at most two plans'
     * buffers.
     */
    private void runOrBuild(Plans plans, String[] names, INDArray[] feeds, Set<String> required) {
        if (plans.current != null && plans.current.fits(feeds)) {
            plans.current.run(feeds);
            return;
        }
        ExecutionPlan replaced = plans.current;
        if (plans.spare != null && plans.spare.fits(feeds)) {
            plans.current = plans.spare;
            plans.current.run(feeds);
        } else {
            plansBuilt++;
            plans.current = Planner.plan(gradFunction, network.spec().modelName(), variables, names, feeds, required,
                    fusions, rewrites);
        }
        plans.spare = replaced;
    }

    /** How many plans this executor has built (tests: a partial batch must not rebuild a plan every epoch). */
    int plansBuilt() {
        return plansBuilt;
    }

    /** The plans of one purpose: the one last run, and the one before it of another batch shape. */
    private static final class Plans {
        ExecutionPlan current;
        ExecutionPlan spare;

        void clear() {
            current = null;
            spare = null;
        }
    }

    private Set<String> trainRequired() {
        Set<String> required = new LinkedHashSet<>(List.of(lossNames));
        required.addAll(List.of(statistics));
        // The losses read the outputs, so they are computed anyway; required, they can be read after the pass.
        required.addAll(List.of(outputNames));
        for (String gradient : gradientNames) {
            if (gradient != null) {
                required.add(gradient);
            }
        }
        return required;
    }

    private INDArray zeroGradient(String parameter) {
        if (zeroGradients == null) {
            zeroGradients = new LinkedHashMap<>();
        }
        INDArray zeros = zeroGradients.computeIfAbsent(parameter, p -> variables.get(p).like());
        // The trainer may have scaled it in place: reset.
        return zeros.assign(0);
    }

    private Losses result(ExecutionPlan plan) {
        double total = plan.get(lossNames[0]).getDouble(0);
        double[] branches = new double[lossNames.length - 1];
        for (int i = 0; i < branches.length; i++) {
            branches[i] = plan.get(lossNames[i + 1]).getDouble(0);
        }
        return new Losses(total, branches);
    }

    private void fallBack(String reason, Exception cause) {
        PlanFailures.checkFallback(network.spec().modelName(), reason, cause);
        LOG.warn("{}: running SameDiff's sessions instead of a compiled plan because {}",
                network.spec().modelName(), reason, cause);
        trainPlans.clear();
        lossPlans.clear();
        predictPlans.clear();
        fallback = new SameDiffExecutor(network);
        if (parameterNames.size() != network.parameters().size()) {
            fallback.trainableParametersChanged(Set.copyOf(parameterNames));
        }
    }

    private static INDArray[] concat(INDArray[] a, INDArray[] b) {
        INDArray[] all = new INDArray[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}

package io.github.branchwise.runtime.engine;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;

/**
 * A static schedule of one SameDiff graph for fixed placeholder shapes, as the {@link Planner} built it: the ops
 * that the requested variables need, in dependency order, each with one {@link OpContext} whose input and output
 * arrays were bound once, so that a step is a plain loop of native calls.
 *
 * <p>{@link #run} re-executes the plan on new placeholder values of the same shapes. Output buffers are allocated
 * once and overwritten by every run, so values read from a plan are valid until its next run.
 */
final class ExecutionPlan {
    /** A placeholder value bound into a context slot, re-bound on every run. */
    record Binding(int placeholder, OpContext context, int index) {
    }

    private final String[] placeholders;
    private final long[][] placeholderShapes;
    private final Runnable[] steps;
    /** What each of {@link #steps} computes. */
    private final PlanStep[] stepInfo;
    /** Every node of the plan, those that need no step (aliases) included. */
    private final List<PlanStep> nodes;
    private final List<Binding> bindings;
    private final Map<String, INDArray> values;

    ExecutionPlan(String[] placeholders, long[][] placeholderShapes, List<Runnable> steps, List<PlanStep> stepInfo,
                  List<PlanStep> nodes, List<Binding> bindings, Map<String, INDArray> values) {
        this.placeholders = placeholders.clone();
        this.placeholderShapes = placeholderShapes;
        this.steps = steps.toArray(new Runnable[0]);
        this.stepInfo = stepInfo.toArray(new PlanStep[0]);
        this.nodes = List.copyOf(nodes);
        this.bindings = List.copyOf(bindings);
        this.values = values;
    }

    /** Runs every step on new placeholder values, which must have the shapes the plan was built for. */
    void run(INDArray[] feeds) {
        for (int i = 0; i < feeds.length; i++) {
            if (!Arrays.equals(feeds[i].shape(), placeholderShapes[i])) {
                throw new IllegalArgumentException("placeholder '" + placeholders[i] + "' has shape "
                        + Arrays.toString(feeds[i].shape()) + " but the plan was built for "
                        + Arrays.toString(placeholderShapes[i]));
            }
            values.put(placeholders[i], feeds[i]);
        }
        for (Binding binding : bindings) {
            binding.context().setInputArray(binding.index(), feeds[binding.placeholder()]);
        }
        for (Runnable step : steps) {
            step.run();
        }
    }

    /** Whether the plan was built for these placeholder shapes. */
    boolean fits(INDArray[] feeds) {
        for (int i = 0; i < feeds.length; i++) {
            if (!Arrays.equals(feeds[i].shape(), placeholderShapes[i])) {
                return false;
            }
        }
        return true;
    }

    /** The value of a variable after the last run; a plan buffer, overwritten by the next run. */
    INDArray get(String name) {
        INDArray value = values.get(name);
        if (value == null) {
            throw new IllegalArgumentException("the plan does not compute '" + name + "'");
        }
        return value;
    }

    /** Every node of the plan in order, with how it is computed (tests, diagnostics). */
    List<PlanStep> nodes() {
        return nodes;
    }

    /** Each step's median time over {@code runs} re-runs, slowest first ({@link PlanProfiler#profile}). */
    List<String> profile(int runs) {
        return PlanProfiler.profile(steps, stepInfo, runs);
    }

    /** The median milliseconds of re-running the whole plan ({@link PlanProfiler#medianMillis}). */
    double medianMillis(int runs) {
        return PlanProfiler.medianMillis(steps, runs);
    }
}

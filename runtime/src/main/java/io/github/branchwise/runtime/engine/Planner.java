package io.github.branchwise.runtime.engine;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Builds an {@link ExecutionPlan}: orders the ops the requested variables need ({@link PlanOrder}), offers each node
 * to the rewrites ({@link Rewrite}), binds the rest as SameDiff emitted them ({@link OpBinder}), and executes every
 * step once on the planning feeds (shape-dependent ops such as {@code shape_of → reshape} need real values to size
 * their outputs; the rewrites check themselves on those values).
 *
 * <p>A rewrite that fails is reported to {@link PlanFailures} (strict mode: thrown) and its node runs SameDiff's op. A
 * fused loss step that fails, or does not apply to the arrays it finds, makes the planner start over without fused
 * losses, whose op chains the order had skipped.
 */
final class Planner {
    /** Thrown inside the planner to start over without fused losses. */
    private static final class WithoutFusions extends RuntimeException {
        private static final long serialVersionUID = 1L;

        WithoutFusions() {
            super(null, null, false, false);
        }
    }

    private final SameDiff graph;
    private final String model;
    private final Map<String, INDArray> variables;
    private final String[] placeholders;
    private final Map<String, Integer> placeholderIndex = new HashMap<>();
    private final long[][] placeholderShapes;
    private final List<Rewrite> rewrites;
    private final Set<String> required;
    private final Set<String> needed;
    private final Map<String, INDArray> values = new HashMap<>();
    private final List<ExecutionPlan.Binding> bindings = new ArrayList<>();
    /** Convolution patch matrices written by a forward rewrite, by {@link Im2col#key}, for the backward. */
    private final Map<String, INDArray> patches = new HashMap<>();
    /** Inputs of convolutions whose backward is rewritten (input gradient unused) and reads the forward's patches. */
    private final Set<String> patchInputs = new HashSet<>();
    private final List<Runnable> steps = new ArrayList<>();
    private final List<PlanStep> stepInfo = new ArrayList<>();
    private final List<PlanStep> nodes = new ArrayList<>();

    private Planner(SameDiff graph, String model, Map<String, INDArray> variables, String[] placeholders,
                    INDArray[] feeds, Set<String> required, List<Rewrite> rewrites) {
        this.graph = graph;
        this.model = model;
        this.variables = variables;
        this.placeholders = placeholders.clone();
        this.placeholderShapes = new long[feeds.length][];
        this.rewrites = rewrites;
        this.required = required;
        this.needed = new HashSet<>(required);
        for (int i = 0; i < placeholders.length; i++) {
            placeholderIndex.put(placeholders[i], i);
            placeholderShapes[i] = feeds[i].shape();
            values.put(placeholders[i], feeds[i]);
        }
    }

    /**
     * Orders, rewrites, binds and executes once the ops that {@code required} needs.
     *
     * @param graph        the SameDiff graph (for training: the gradient function)
     * @param model        the model's name, for failure reports
     * @param variables    the arrays of trainable variables by name (shared with the model, updated in place)
     * @param placeholders the placeholder names, in the order of {@code feeds}
     * @param feeds        placeholder values that fix the shapes of this plan
     * @param required     the variables whose values the caller reads after each run
     * @param fusions      the fused built-in losses that apply ({@link LossFusion#find}), by the variable each computes
     * @param rewrites     the rewrites to try, in order ({@link Rewrite#catalogue()})
     * @throws UnsupportedGraphException when a static plan cannot run the graph
     * @throws RewriteFailedException    when a rewrite fails in strict mode
     */
    static ExecutionPlan plan(SameDiff graph, String model, Map<String, INDArray> variables, String[] placeholders,
                              INDArray[] feeds, Set<String> required, Map<String, LossFusion> fusions,
                              List<Rewrite> rewrites) {
        Map<String, LossFusion> active = FusedLossRewrite.active(fusions, feeds);
        try {
            return new Planner(graph, model, variables, placeholders, feeds, required, rewrites).build(active);
        } catch (WithoutFusions e) {
            return new Planner(graph, model, variables, placeholders, feeds, required, rewrites).build(Map.of());
        }
    }

    private ExecutionPlan build(Map<String, LossFusion> fusions) {
        List<PlanNode> order = PlanOrder.of(graph, required, needed, fusions);
        for (Rewrite rewrite : rewrites) {
            PlanDraft draft = new PlanDraft(this);
            try {
                rewrite.prepare(order, draft);
            } catch (RuntimeException e) {
                // A bug like a failing apply: what it announced is dropped, its nodes keep their ops.
                PlanFailures.rewriteFailed(rewrite.name(), "the plan's order", model, e);
                continue;
            }
            draft.commit();
        }
        for (PlanNode node : order) {
            if (rewrite(node)) {
                continue;
            }
            if (node instanceof PlanNode.Fused) {
                // The arrays are not as the fused steps need them: SameDiff's op chain computes the loss instead.
                throw new WithoutFusions();
            }
            PlanDraft draft = new PlanDraft(this);
            OpBinder.Bound bound = OpBinder.bind((PlanNode.Op) node, draft);
            draft.commit();
            if (bound.step() != null) {
                bound.step().run();
                add(bound.step(), bound.info());
            } else {
                nodes.add(bound.info());
            }
        }
        for (String name : required) {
            if (!values.containsKey(name)) {
                value(name);
            }
        }
        return new ExecutionPlan(placeholders, placeholderShapes, steps, stepInfo, nodes, bindings, values);
    }

    /** Offers {@code node} to each rewrite until one computes it (true) or fails (false). */
    private boolean rewrite(PlanNode node) {
        for (Rewrite rewrite : rewrites) {
            PlanDraft draft = new PlanDraft(this);
            Rewrite.Rewritten result;
            try {
                result = rewrite.apply(node, draft);
                if (result != null && result.step() != null) {
                    result.step().run();
                }
            } catch (UnsupportedGraphException e) {
                throw e;
            } catch (RuntimeException e) {
                PlanFailures.rewriteFailed(rewrite.name(), node.name(), model, e);
                if (node instanceof PlanNode.Fused) {
                    throw new WithoutFusions();
                }
                // A bug: the node runs as SameDiff emitted it, not through another rewrite.
                return false;
            }
            if (result == null) {
                continue;
            }
            draft.commit();
            String op = node instanceof PlanNode.Op o ? o.function().opName() : "fused";
            PlanStep info = new PlanStep(node.name(), op, result.kind(), result.detail());
            if (result.step() != null) {
                add(result.step(), info);
            } else {
                nodes.add(info);
            }
            return true;
        }
        return false;
    }

    private void add(Runnable step, PlanStep info) {
        steps.add(step);
        stepInfo.add(info);
        nodes.add(info);
    }

    void commit(Map<String, INDArray> outputs, Collection<ExecutionPlan.Binding> newBindings,
                Map<String, INDArray> newPatches, Set<String> newPatchInputs) {
        values.putAll(outputs);
        bindings.addAll(newBindings);
        patches.putAll(newPatches);
        patchInputs.addAll(newPatchInputs);
    }

    INDArray value(String name) {
        INDArray computed = values.get(name);
        if (computed != null) {
            return computed;
        }
        SDVariable v = graph.getVariable(name);
        INDArray array;
        if (v.getVariableType() == VariableType.VARIABLE) {
            array = variables.get(name);
            if (array == null) {
                array = v.getArr();
            }
        } else if (v.getVariableType() == VariableType.CONSTANT) {
            array = v.getArr();
        } else if (v.getVariableType() == VariableType.PLACEHOLDER) {
            throw new UnsupportedGraphException("no value for placeholder '" + name + "'");
        } else {
            throw new UnsupportedGraphException("'" + name + "' is used before the op computing it ran");
        }
        if (array == null) {
            throw new UnsupportedGraphException("variable '" + name + "' has no array");
        }
        values.put(name, array);
        return array;
    }

    Supplier<INDArray> current(String name) {
        return () -> values.get(name);
    }

    boolean needed(String variable) {
        return needed.contains(variable);
    }

    boolean isPlaceholder(String name) {
        return placeholderIndex.containsKey(name);
    }

    Integer placeholderIndex(String name) {
        return placeholderIndex.get(name);
    }

    DataType declaredType(String variable) {
        return graph.getVariable(variable).dataType();
    }

    INDArray patches(String key) {
        return patches.get(key);
    }

    boolean patchesExpected(String input) {
        return patchInputs.contains(input);
    }
}

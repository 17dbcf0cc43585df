package io.github.branchwise.runtime.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;

/**
 * What one rewrite (or the op binder) sees of the plan being built, and what it adds to it: outputs, placeholder
 * bindings and shared convolution patches are held here until the {@link Planner} commits them, so a rewrite that
 * fails half-way leaves the plan as it was.
 */
final class PlanDraft {
    private final Planner planner;
    private final Map<String, INDArray> outputs = new LinkedHashMap<>();
    private final List<ExecutionPlan.Binding> bindings = new ArrayList<>();
    private final Map<String, INDArray> patches = new HashMap<>();
    private final Set<String> patchInputs = new HashSet<>();

    PlanDraft(Planner planner) {
        this.planner = planner;
    }

    /** The value of a variable: computed by an earlier step, a parameter or constant, or the planning feed. */
    INDArray value(String name) {
        INDArray staged = outputs.get(name);
        return staged != null ? staged : planner.value(name);
    }

    /** The values of an op's inputs, in argument order. */
    INDArray[] args(PlanNode.Op node) {
        List<String> names = node.inputs();
        INDArray[] args = new INDArray[names.size()];
        for (int i = 0; i < args.length; i++) {
            args[i] = value(names.get(i));
        }
        return args;
    }

    /** Reads the plan's current value of {@code name} when the step runs (placeholders change every run). */
    Supplier<INDArray> current(String name) {
        return planner.current(name);
    }

    /** Whether a requested variable depends on {@code variable} (its value is read). */
    boolean needed(String variable) {
        return planner.needed(variable);
    }

    boolean isPlaceholder(String name) {
        return planner.isPlaceholder(name);
    }

    /** Whether none of {@code inputs[from, to)} is a placeholder. */
    boolean noPlaceholder(List<String> inputs, int from, int to) {
        for (int i = from; i < to; i++) {
            if (isPlaceholder(inputs.get(i))) {
                return false;
            }
        }
        return true;
    }

    /** The data type the graph declares for {@code variable}. */
    DataType declaredType(String variable) {
        return planner.declaredType(variable);
    }

    /** The patch matrix a forward rewrite wrote in this plan under {@link Im2col#key}, or null. */
    INDArray patches(String key) {
        return planner.patches(key);
    }

    /** Whether a backward rewrite announced that it will read the patches of {@code input}. */
    boolean patchesExpected(String input) {
        return planner.patchesExpected(input);
    }

    /** Announces that a backward rewrite will read the patches of {@code input} (from {@link Rewrite#prepare}). */
    void expectPatches(String input) {
        patchInputs.add(input);
    }

    /** Sets the buffer that holds {@code name} after each run. */
    void output(String name, INDArray array) {
        outputs.put(name, array);
    }

    /** Re-binds {@code ctx}'s input {@code index} on every run when {@code input} is a placeholder. */
    void bindPlaceholder(String input, OpContext ctx, int index) {
        Integer placeholder = planner.placeholderIndex(input);
        if (placeholder != null) {
            bindings.add(new ExecutionPlan.Binding(placeholder, ctx, index));
        }
    }

    /** Offers a patch matrix written each run to the backward of the same convolution. */
    void sharePatches(String key, INDArray cols) {
        patches.put(key, cols);
    }

    void commit() {
        planner.commit(outputs, bindings, patches, patchInputs);
    }
}

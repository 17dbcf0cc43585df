package io.github.branchwise.runtime.engine;

import java.util.List;

/**
 * One way of computing a plan node faster than the op SameDiff emitted, with the same values. The planner offers each
 * node to every rewrite of its catalogue in turn; the first that returns a step computes the node, and a node no
 * rewrite takes runs as SameDiff emitted it ({@link OpBinder}).
 *
 * <p>A rewrite reads the plan and writes its outputs, placeholder bindings and shared patches only through the
 * {@link PlanDraft} it is given: the planner keeps them only when {@link #apply} returns normally and the step's
 * first run succeeds. A rewrite that throws, or finds its own result wrong on the planning batch, is a bug: it fails
 * the runtime's tests (strict mode) and, for users, leaves the node to SameDiff's op, counted and logged once
 * ({@link PlanFailures}). A rewrite whose conditions do not hold (shape, type, layout, size) returns null instead;
 * an {@link UnsupportedGraphException} (from {@link PlanDraft#value}: a variable without a value) passes through and
 * sends the whole graph to SameDiff's sessions, as it would without the rewrite.
 */
interface Rewrite {
    /**
     * The step computing {@code node}, or null when this rewrite does not apply to it.
     *
     * @param node  the node, in plan order; its inputs have been computed
     * @param draft the plan so far, and where the rewrite puts what it adds
     */
    Rewritten apply(PlanNode node, PlanDraft draft);

    /** Called once per plan with the whole order before any node is offered (default: nothing). */
    default void prepare(List<PlanNode> order, PlanDraft draft) {
    }

    /** The name the failure log and counter use. */
    default String name() {
        return getClass().getSimpleName();
    }

    /**
     * What a rewrite made of a node.
     *
     * @param step   what runs each step, or null when nothing needs to (outputs that alias other buffers)
     * @param kind   which rewrite, for tests and diagnostics
     * @param detail what runs, in words
     */
    record Rewritten(Runnable step, PlanStep.Kind kind, String detail) {
    }

    /** The rewrites a plan tries, in order. */
    static List<Rewrite> catalogue() {
        return List.of(new ConvForwardRewrite(), new ConvBackwardRewrite(), new MatmulBpRewrite(),
                new AddBpRewrite(), new BroadcastBpRewrite(), new ReluBpRewrite(),
                new FusedLossRewrite());
    }
}

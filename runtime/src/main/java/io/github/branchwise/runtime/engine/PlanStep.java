package io.github.branchwise.runtime.engine;

/**
 * One entry of a compiled plan, for tests and diagnostics: which node of the graph it computes, SameDiff's op there,
 * and how the plan computes it ({@link Kind}: the op as SameDiff emitted it, or which rewrite).
 *
 * @param name   the op's name in the graph, or for a fused loss step the variable it computes
 * @param op     SameDiff's op name ({@code conv2d_bp}, {@code matmul}, ...); {@code fused} for fused loss steps
 * @param kind   how the step computes it
 * @param detail what runs instead, in words, for people reading a plan; tests assert on {@link #kind}
 */
record PlanStep(String name, String op, Kind kind, String detail) {
    /** How a step computes its op's outputs. */
    enum Kind {
        /** A custom op as SameDiff emitted it. */
        OP(null),
        /** A legacy op as SameDiff emitted it. */
        LEGACY_OP(null),
        /** An identity: the output aliases the input, no step runs. */
        ALIAS(null),
        /** {@code matmul_bp} without the left operand's gradient: {@code matmul(aᵀ, grad)}. */
        MATMUL_BP_PRUNED(PlanSwitch.MATMUL_BP),
        /** {@code add_bp} of a bias add whose bias gradient is unused: an alias, no step. */
        ADD_BP_ALIAS(PlanSwitch.ADD_BP),
        /** {@code add_bp} of a bias add: an alias and the bias gradient as one GEMM with a row of ones. */
        ADD_BP_ALIAS_AND_BIAS_GEMM(PlanSwitch.ADD_BP),
        /** {@code multiply_bp} or {@code subtract_bp} of a row broadcast over a matrix: native ops and a GEMM. */
        BROADCAST_BP(PlanSwitch.BROADCAST_BP),
        /** {@code thresholdedrelu_bp} with cutoff 0 as {@code relu_bp}. */
        RELU_BP(PlanSwitch.RELU_BP),
        /** {@code conv2d_bp} without the input gradient, writing its own patches. */
        CONV2D_BP_OWN_PATCHES(PlanSwitch.CONV2D_BP),
        /** {@code conv2d_bp} without the input gradient, reading the patches the rewritten forward wrote. */
        CONV2D_BP_SHARED_PATCHES(PlanSwitch.CONV2D_BP),
        /** {@code conv2d} as patches and one GEMM, the patches shared with the rewritten backward. */
        CONV2D_SHARED_PATCHES(PlanSwitch.CONV2D),
        /** {@code conv2d} as patches and one GEMM, alone (no rewritten backward reads the patches). */
        CONV2D_FORWARD_ONLY(PlanSwitch.CONV2D_FORWARD),
        /** A fused cross-entropy's per-example loss (Java). */
        FUSED_LOSS(PlanSwitch.FUSED_LOSS),
        /** A fused cross-entropy's gradient of the logits from the per-example loss's gradient (Java). */
        FUSED_LOSS_GRADIENT(PlanSwitch.FUSED_LOSS),
        /** A fused cross-entropy's gradient of the logits from the branch loss's scalar gradient (Java). */
        FUSED_LOSS_GRADIENT_FROM_MEAN(PlanSwitch.FUSED_MEAN),
        /** The branch loss as the Java mean of the fused per-example losses. */
        FUSED_MEAN(PlanSwitch.FUSED_MEAN);

        private final PlanSwitch rewrite;

        Kind(PlanSwitch rewrite) {
            this.rewrite = rewrite;
        }

        /** The switch of the rewrite that made this step, or null for SameDiff's own op. */
        PlanSwitch rewrite() {
            return rewrite;
        }
    }

    /**
     * One line for people: {@code "<name>: <op>"}, {@code "<name>: <op> -> <detail>"}, or for a fused step
     * {@code "<name>: <detail>"}.
     */
    String describe() {
        return switch (kind) {
            case OP -> name + ": " + op;
            case LEGACY_OP -> name + ": " + op + " (legacy)";
            case ALIAS -> name + ": identity (alias)";
            case FUSED_LOSS, FUSED_LOSS_GRADIENT, FUSED_LOSS_GRADIENT_FROM_MEAN, FUSED_MEAN -> name + ": " + detail;
            default -> name + ": " + op + " -> " + detail;
        };
    }
}

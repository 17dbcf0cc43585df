package io.github.branchwise.runtime.engine;

import java.util.List;
import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;

/** One node of a plan's order: an op of the graph, or a fused loss step that replaces a chain of ops. */
sealed interface PlanNode permits PlanNode.Op, PlanNode.Fused {
    /** The op's name in the graph, or the variable a fused step computes. */
    String name();

    /** An op of the graph, in dependency order. */
    record Op(SameDiffOp op) implements PlanNode {
        @Override
        public String name() {
            return op.getName();
        }

        /** The op object (shared by every plan of the graph). */
        DifferentialFunction function() {
            return op.getOp();
        }

        /** The names of its inputs, in argument order. */
        List<String> inputs() {
            return op.getInputsToOp() == null ? List.of() : op.getInputsToOp();
        }

        /** The names of its outputs. */
        String[] outputs() {
            return op.getOutputsOfOp().toArray(new String[0]);
        }
    }

    /** A fused loss step: {@code output} is the variable it computes ({@link LossFusion}). */
    record Fused(LossFusion fusion, String output) implements PlanNode {
        @Override
        public String name() {
            return output;
        }
    }
}

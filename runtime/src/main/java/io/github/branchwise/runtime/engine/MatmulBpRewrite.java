package io.github.branchwise.runtime.engine;

import java.util.List;
import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.api.ops.impl.reduce.MmulBp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code matmul_bp} whose gradient for the left operand is not needed (the input placeholder of the first dense
 * layer) becomes one {@code matmul} with the left operand transposed: libnd4j would compute that unused gradient,
 * one large GEMM, on every step. For {@code z = a·b}: {@code dL/db = aᵀ·dL/dz}.
 */
final class MatmulBpRewrite implements Rewrite {
    @Override
    public Rewritten apply(PlanNode node, PlanDraft draft) {
        if (!(node instanceof PlanNode.Op op) || !(op.function() instanceof MmulBp df)
                || !PlanSwitch.MATMUL_BP.enabled()) {
            return null;
        }
        List<String> inputs = op.inputs();
        String[] outNames = op.outputs();
        if (inputs.size() != 3 || outNames.length != 2 || draft.needed(outNames[0]) || hasTranspose(df)
                || !draft.noPlaceholder(inputs, 1, 2)) {
            return null;
        }
        INDArray[] args = draft.args(op);
        if (args[0].rank() != 2 || args[1].rank() != 2 || args[2].rank() != 2) {
            return null;
        }
        INDArray a = args[0];
        INDArray grad = args[2];
        INDArray gradB = Nd4j.create(args[1].dataType(), args[1].shape());
        Mmul mmul = new Mmul(a, grad, gradB, MMulTranspose.builder().transposeA(true).build());
        OpContext ctx = Nd4j.getExecutioner().buildContext();
        ctx.setArgs(new INDArray[] {a, grad}, mmul.iArgs(), mmul.dArgs(), mmul.tArgs(), mmul.bArgs());
        ctx.setOutputArray(0, gradB);
        draft.output(outNames[1], gradB);
        draft.bindPlaceholder(inputs.get(0), ctx, 0);
        return new Rewritten(() -> Nd4j.exec(mmul, ctx), PlanStep.Kind.MATMUL_BP_PRUNED,
                "matmul(aT, grad) (input gradient pruned)");
    }

    private static boolean hasTranspose(DynamicCustomOp op) {
        for (long i : op.iArgs()) {
            if (i != 0) {
                return true;
            }
        }
        return false;
    }
}

package io.github.branchwise.runtime.engine;

import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.bp.AddBpOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code add_bp} of a {@code [batch, n] + [n]} bias add: for {@code z = x + b} (b broadcast over rows),
 * {@code dL/dx = dL/dz} exactly, so the first output aliases the incoming gradient (no copy), and {@code dL/db} is the
 * column sums of {@code dL/dz}, computed as one GEMM with a row of ones, which is far faster than
 * {@code reduce_sum} over the batch axis (docs/performance.md, "Executors": the {@code add_bp} rewrite).
 */
final class AddBpRewrite implements Rewrite {
    @Override
    public Rewritten apply(PlanNode node, PlanDraft draft) {
        if (!(node instanceof PlanNode.Op op) || !(op.function() instanceof AddBpOp)
                || !PlanSwitch.ADD_BP.enabled()) {
            return null;
        }
        List<String> inputs = op.inputs();
        String[] outNames = op.outputs();
        if (inputs.size() != 3 || outNames.length != 2 || !draft.noPlaceholder(inputs, 0, 3)) {
            return null;
        }
        INDArray[] args = draft.args(op);
        if (args[0].rank() != 2 || args[1].rank() != 1 || !Arrays.equals(args[0].shape(), args[2].shape())
                || args[1].size(0) != args[0].size(1)) {
            return null;
        }
        INDArray grad = args[2];
        draft.output(outNames[0], grad);
        INDArray gradB = Nd4j.create(args[1].dataType(), args[1].shape());
        draft.output(outNames[1], gradB);
        if (!draft.needed(outNames[1])) {
            return new Rewritten(null, PlanStep.Kind.ADD_BP_ALIAS, "alias");
        }
        INDArray ones = Nd4j.ones(grad.dataType(), 1, grad.size(0));
        INDArray gradRow = gradB.reshape(1, gradB.length());
        Mmul sum = new Mmul(ones, grad, gradRow, MMulTranspose.builder().build());
        OpContext ctx = Nd4j.getExecutioner().buildContext();
        ctx.setArgs(new INDArray[] {ones, grad}, sum.iArgs(), sum.dArgs(), sum.tArgs(), sum.bArgs());
        ctx.setOutputArray(0, gradRow);
        return new Rewritten(() -> Nd4j.exec(sum, ctx), PlanStep.Kind.ADD_BP_ALIAS_AND_BIAS_GEMM,
                "alias + matmul(ones, grad)");
    }
}

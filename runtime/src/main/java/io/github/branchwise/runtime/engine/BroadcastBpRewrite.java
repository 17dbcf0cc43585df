package io.github.branchwise.runtime.engine;

import java.util.List;
import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.bp.MulBpOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.bp.SubBpOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code multiply_bp} and {@code subtract_bp} of {@code [n, c] ∘ [c]} (or {@code [1, c]}), a per-feature factor or
 * shift broadcast over rows, as a batch norm computes them. libnd4j reduces the broadcast operand's gradient through a
 * generic path that measured 10–50 ms on {@code [65536, 32]} here, far slower than the rest of the step. For
 * {@code z = x·y}: {@code dL/dx = dL/dz·y} (one broadcast multiply) and {@code dL/dy} the column sums of
 * {@code dL/dz·x} (one multiply and one GEMM with a row of ones); for {@code z = x − y}: {@code dL/dx = dL/dz} (an
 * alias) and {@code dL/dy} minus the column sums of {@code dL/dz} (one GEMM with a row of −1).
 */
final class BroadcastBpRewrite implements Rewrite {
    @Override
    public Rewritten apply(PlanNode node, PlanDraft draft) {
        if (!(node instanceof PlanNode.Op op) || !PlanSwitch.BROADCAST_BP.enabled()
                || !(op.function() instanceof MulBpOp || op.function() instanceof SubBpOp)) {
            return null;
        }
        List<String> inputs = op.inputs();
        String[] outNames = op.outputs();
        if (inputs.size() != 3 || outNames.length != 2 || !draft.noPlaceholder(inputs, 0, 3)) {
            return null;
        }
        INDArray[] args = draft.args(op);
        INDArray x = args[0];
        INDArray y = args[1];
        INDArray grad = args[2];
        long rows = x.rank() == 2 ? x.size(0) : -1;
        long features = x.rank() == 2 ? x.size(1) : -1;
        boolean row = y.rank() == 1 && y.size(0) == features || y.rank() == 2 && y.size(0) == 1
                && y.size(1) == features;
        if (rows < 1 || !row || !grad.equalShapes(x) || x.dataType() != y.dataType()
                || grad.dataType() != x.dataType() || x.ordering() != 'c' || grad.ordering() != 'c') {
            return null;
        }
        INDArray gradY = Nd4j.create(y.dataType(), y.shape());
        INDArray gradYRow = gradY.reshape(1, features);
        boolean multiply = op.function() instanceof MulBpOp;
        INDArray gradX = multiply ? Nd4j.create(x.dataType(), x.shape()) : grad;
        draft.output(outNames[0], gradX);
        draft.output(outNames[1], gradY);
        boolean needX = draft.needed(outNames[0]);
        boolean needY = draft.needed(outNames[1]);
        INDArray sumRow = Nd4j.valueArrayOf(new long[] {1, rows}, multiply ? 1.0 : -1.0, x.dataType());
        if (!multiply) {
            if (!needY) {
                return new Rewritten(null, PlanStep.Kind.BROADCAST_BP, "alias");
            }
            Runnable sum = gemm(sumRow, grad, gradYRow);
            return new Rewritten(sum, PlanStep.Kind.BROADCAST_BP, "alias + matmul(-ones, grad)");
        }
        INDArray yRow = y.reshape(features);
        BroadcastMulOp scaled = new BroadcastMulOp(grad, yRow, gradX, 1);
        Runnable dx = () -> Nd4j.getExecutioner().exec(scaled);
        Runnable dy = null;
        if (needY) {
            INDArray product = Nd4j.create(x.dataType(), x.shape());
            DynamicCustomOp times = new MulOp(grad, x, product);
            Runnable sum = gemm(sumRow, product, gradYRow);
            dy = () -> {
                Nd4j.exec(times);
                sum.run();
            };
        }
        Runnable first = needX ? dx : null;
        Runnable second = dy;
        Runnable step = first == null ? second : second == null ? first : () -> {
            first.run();
            second.run();
        };
        return new Rewritten(step, PlanStep.Kind.BROADCAST_BP, (needX ? "grad·y" : "") + (needX && needY ? " + " : "")
                + (needY ? "matmul(ones, grad·x)" : ""));
    }

    /** {@code out = a·b} as one GEMM, bound once. */
    private static Runnable gemm(INDArray a, INDArray b, INDArray out) {
        Mmul mmul = new Mmul(a, b, out, MMulTranspose.builder().build());
        OpContext ctx = Nd4j.getExecutioner().buildContext();
        ctx.setArgs(new INDArray[] {a, b}, mmul.iArgs(), mmul.dArgs(), mmul.tArgs(), mmul.bArgs());
        ctx.setOutputArray(0, out);
        return () -> Nd4j.exec(mmul, ctx);
    }
}

package io.github.branchwise.runtime.engine;

import java.util.List;
import java.util.function.Supplier;
import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2DDerivative;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code conv2d_bp} whose input gradient nobody reads (the first convolution over an input placeholder, or one behind
 * frozen layers): libnd4j computes that gradient anyway, and its weight gradient for few filters is slow. Instead:
 * the patches of the input ({@link Im2col}, in Java, or those the rewritten forward already wrote in this run), the
 * kernel gradient as one GEMM {@code patchesᵀ · grad} (already in the kernel's {@code [kH, kW, in, out]} layout), and
 * the bias gradient as a column sum of {@code grad}: {@code reduce_sum} for one filter, a GEMM with a row of ones for
 * more, which is far faster than {@code reduce_sum} over the first axis of a tall matrix. The measurements are in
 * docs/performance.md, "Executors".
 *
 * <p>NHWC inputs, YXIO kernels, FLOAT or DOUBLE, VALID or SAME padding, any stride and dilation; anything else keeps
 * the op. The planning run is checked against {@code conv2d_bp}'s own ({@link ConvSelfCheck}).
 */
final class ConvBackwardRewrite implements Rewrite {
    /**
     * Announces the inputs whose patches this rewrite will read, so that the forward convolution over them writes
     * those patches once per run ({@link ConvForwardRewrite}).
     */
    @Override
    public void prepare(List<PlanNode> order, PlanDraft draft) {
        if (!PlanSwitch.CONV2D.enabled() || !PlanSwitch.CONV2D_BP.enabled()) {
            return;
        }
        for (PlanNode node : order) {
            if (node instanceof PlanNode.Op op && op.function() instanceof Conv2DDerivative
                    && op.op().getOutputsOfOp() != null && !draft.needed(op.outputs()[0])
                    && op.op().getInputsToOp() != null) {
                draft.expectPatches(op.inputs().get(0));
            }
        }
    }

    @Override
    public Rewritten apply(PlanNode node, PlanDraft draft) {
        if (!(node instanceof PlanNode.Op op) || !(op.function() instanceof Conv2DDerivative)
                || !PlanSwitch.CONV2D_BP.enabled()) {
            return null;
        }
        List<String> inputs = op.inputs();
        String[] outNames = op.outputs();
        if ((inputs.size() != 3 && inputs.size() != 4) || outNames.length != inputs.size() - 1
                || draft.needed(outNames[0]) || !draft.noPlaceholder(inputs, 1, inputs.size())) {
            return null;
        }
        DynamicCustomOp df = (DynamicCustomOp) op.function();
        String inputName = inputs.get(0);
        INDArray[] args = draft.args(op);
        INDArray x = args[0];
        INDArray w = args[1];
        INDArray b = args.length == 4 ? args[2] : null;
        INDArray grad = args[args.length - 1];
        DataType type = x.dataType();
        if (grad.dataType() != type || grad.rank() != 4 || !ArrayScan.contiguous(grad)) {
            return null;
        }
        Im2col im2col = Im2col.of(df, x, w, b, grad.size(1), grad.size(2));
        if (im2col == null || grad.size(0) != im2col.batch || grad.size(3) != w.size(3)) {
            return null;
        }
        long filters = w.size(3);
        boolean placeholderInput = draft.isPlaceholder(inputName);
        if (!placeholderInput && !ArrayScan.contiguous(x)) {
            return null;
        }
        // The forward rewrite of the same convolution already wrote these patches in this run.
        INDArray shared = draft.patches(im2col.key(inputName));
        INDArray cols = shared != null ? shared : im2col.create(type);
        INDArray grad2 = grad.reshape(im2col.rows(), filters);
        INDArray gradW = Nd4j.create(type, w.shape());
        INDArray gradW2 = gradW.reshape(im2col.columns(), filters);
        boolean wantW = draft.needed(outNames[1]);
        boolean wantB = b != null && draft.needed(outNames[2]);
        Mmul weightGemm = new Mmul(cols, grad2, gradW2, im2col.kernelGradientTranspose());
        OpContext weightCtx = Nd4j.getExecutioner().buildContext();
        weightCtx.setArgs(new INDArray[] {cols, grad2}, weightGemm.iArgs(), weightGemm.dArgs(), weightGemm.tArgs(),
                weightGemm.bArgs());
        weightCtx.setOutputArray(0, gradW2);
        INDArray gradB = b == null ? null : Nd4j.create(type, b.shape());
        BiasSum bias = wantB ? BiasSum.of(grad2, gradB, filters, im2col.rows(), type) : null;
        Supplier<INDArray> input = placeholderInput ? draft.current(inputName) : () -> x;
        boolean writePatches = shared == null;
        Runnable step = () -> {
            if (wantW) {
                if (writePatches) {
                    INDArray in = input.get();
                    im2col.apply(ArrayScan.contiguous(in) ? in : in.dup('c'), cols);
                }
                Nd4j.exec(weightGemm, weightCtx);
            }
            if (bias != null) {
                Nd4j.exec(bias.op(), bias.ctx());
            }
        };
        step.run();
        INDArray[] expected = ConvSelfCheck.reference(df, args);
        if (wantW) {
            ConvSelfCheck.requireClose(expected[1], gradW, "the im2col rewrite's kernel gradient");
        }
        if (wantB) {
            ConvSelfCheck.requireClose(expected[2], gradB, "the im2col rewrite's bias gradient");
        }
        draft.output(outNames[1], gradW);
        if (gradB != null) {
            draft.output(outNames[2], gradB);
        }
        String detail = (writePatches ? "im2col" : "forward's patches") + " + matmul(colsT, grad)"
                + (wantB ? (filters == 1 ? " + reduce_sum(0)" : " + matmul(ones, grad)") : "")
                + " (input gradient pruned)";
        return new Rewritten(step, writePatches ? PlanStep.Kind.CONV2D_BP_OWN_PATCHES
                : PlanStep.Kind.CONV2D_BP_SHARED_PATCHES, detail);
    }

    /** The bias gradient {@code Σ_rows grad2} into {@code gradB}: an op and its bound context. */
    private record BiasSum(CustomOp op, OpContext ctx) {
        static BiasSum of(INDArray grad2, INDArray gradB, long filters, long rows, DataType type) {
            OpContext ctx = Nd4j.getExecutioner().buildContext();
            if (filters == 1) {
                CustomOp op = DynamicCustomOp.builder("reduce_sum").addInputs(grad2).addOutputs(gradB)
                        .addIntegerArguments(0).addBooleanArguments(false).build();
                ctx.setArgs(new INDArray[] {grad2}, op.iArgs(), op.dArgs(), op.tArgs(), op.bArgs());
                ctx.setOutputArray(0, gradB);
                return new BiasSum(op, ctx);
            }
            INDArray ones = Nd4j.ones(type, 1, rows);
            INDArray gradB2 = gradB.reshape(1, filters);
            CustomOp op = new Mmul(ones, grad2, gradB2, MMulTranspose.builder().build());
            ctx.setArgs(new INDArray[] {ones, grad2}, op.iArgs(), op.dArgs(), op.tArgs(), op.bArgs());
            ctx.setOutputArray(0, gradB2);
            return new BiasSum(op, ctx);
        }
    }
}

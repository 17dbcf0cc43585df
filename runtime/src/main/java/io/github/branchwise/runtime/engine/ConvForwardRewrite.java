package io.github.branchwise.runtime.engine;

import java.util.List;
import java.util.function.Supplier;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2D;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A forward {@code conv2d} over NHWC input as Java patches ({@link Im2col}), one GEMM {@code patches · W} and the bias
 * added in place.
 *
 * <p>Where the convolution's backward is rewritten too ({@link ConvBackwardRewrite}, switch {@link PlanSwitch#CONV2D}),
 * the backward reads the same patches, written once per run. Otherwise (prediction and loss plans, convolutions whose
 * backward keeps {@code conv2d_bp}; switch {@link PlanSwitch#CONV2D_FORWARD}) only where it measured faster than
 * {@code conv2d}: patch matrices of {@link #MIN_FORWARD_PATCH_VALUES} to {@link Im2col#MAX_PATCH_VALUES} values and at
 * most {@link #MAX_FORWARD_FILTERS} filters (docs/performance.md, "Executors": {@code conv2d} as patches + GEMM).
 * The planning run is checked against {@code conv2d}'s own ({@link ConvSelfCheck}).
 */
final class ConvForwardRewrite implements Rewrite {
    /**
     * The smallest patch matrix (values) for which a forward convolution whose patches no backward shares is
     * rewritten: below it the two ways tied (the seed model's convolution over 7 examples, 1,134 patch values).
     */
    static final long MIN_FORWARD_PATCH_VALUES = 4096;

    /**
     * The most filters for which a forward convolution whose patches no backward shares is rewritten. With one filter
     * the GEMM is a matrix-vector product, which libnd4j's {@code conv2d} is slow at; with the cnn's 32 and 64 filters
     * {@code conv2d} won inside the plan although timed alone it lost. 2 to 31 filters are not measured; 4 is a guess.
     */
    static final long MAX_FORWARD_FILTERS = 4;

    @Override
    public Rewritten apply(PlanNode node, PlanDraft draft) {
        if (!(node instanceof PlanNode.Op op) || op.function().getClass() != Conv2D.class) {
            return null;
        }
        List<String> inputs = op.inputs();
        String[] outNames = op.outputs();
        if ((inputs.size() != 2 && inputs.size() != 3) || outNames.length != 1
                || !draft.noPlaceholder(inputs, 1, inputs.size())) {
            return null;
        }
        String inputName = inputs.get(0);
        boolean shared = draft.patchesExpected(inputName);
        if (!shared && !PlanSwitch.CONV2D_FORWARD.enabled()) {
            return null;
        }
        DynamicCustomOp df = (DynamicCustomOp) op.function();
        INDArray[] args = draft.args(op);
        INDArray x = args[0];
        INDArray w = args[1];
        INDArray b = args.length == 3 ? args[2] : null;
        OpContext probe = Nd4j.getExecutioner().buildContext();
        probe.setArgs(args, df.iArgs(), df.dArgs(), df.tArgs(), df.bArgs());
        OneDnnWorkaround.apply(df, probe);
        List<LongShapeDescriptor> shapes = df.calculateOutputShape(probe);
        if (shapes == null || shapes.size() != 1 || shapes.get(0).getShape().length != 4) {
            return null;
        }
        long[] outShape = shapes.get(0).getShape();
        Im2col im2col = Im2col.of(df, x, w, b, outShape[1], outShape[2]);
        boolean placeholderInput = draft.isPlaceholder(inputName);
        if (im2col == null || outShape[0] != im2col.batch || outShape[3] != w.size(3)
                || (!placeholderInput && !ArrayScan.contiguous(x))
                || (!shared && (im2col.rows() * im2col.columns() < MIN_FORWARD_PATCH_VALUES
                        || w.size(3) > MAX_FORWARD_FILTERS))) {
            return null;
        }
        DataType type = x.dataType();
        long filters = w.size(3);
        INDArray cols = im2col.create(type);
        INDArray out = Nd4j.create(type, outShape);
        INDArray out2 = out.reshape(im2col.rows(), filters);
        INDArray w2 = w.reshape(im2col.columns(), filters);
        Mmul gemm = new Mmul(cols, w2, out2, im2col.forwardTranspose());
        OpContext gemmCtx = Nd4j.getExecutioner().buildContext();
        gemmCtx.setArgs(new INDArray[] {cols, w2}, gemm.iArgs(), gemm.dArgs(), gemm.tArgs(), gemm.bArgs());
        gemmCtx.setOutputArray(0, out2);
        DynamicCustomOp add = b == null ? null
                : DynamicCustomOp.builder("add").addInputs(out2, b).addOutputs(out2).build();
        OpContext addCtx = null;
        if (add != null) {
            addCtx = Nd4j.getExecutioner().buildContext();
            addCtx.setArgs(new INDArray[] {out2, b}, add.iArgs(), add.dArgs(), add.tArgs(), add.bArgs());
            addCtx.setOutputArray(0, out2);
        }
        OpContext biasContext = addCtx;
        Supplier<INDArray> input = placeholderInput ? draft.current(inputName) : () -> x;
        Runnable step = () -> {
            INDArray in = input.get();
            im2col.apply(ArrayScan.contiguous(in) ? in : in.dup('c'), cols);
            Nd4j.exec(gemm, gemmCtx);
            if (add != null) {
                Nd4j.exec(add, biasContext);
            }
        };
        step.run();
        INDArray expected = Nd4j.create(shapes.get(0).asDataType(type));
        probe.setOutputArray(0, expected);
        Nd4j.exec(df, probe);
        ConvSelfCheck.requireClose(expected, out, "the im2col rewrite's convolution");
        draft.sharePatches(im2col.key(inputName), cols);
        draft.output(outNames[0], out);
        return new Rewritten(step, shared ? PlanStep.Kind.CONV2D_SHARED_PATCHES : PlanStep.Kind.CONV2D_FORWARD_ONLY,
                "im2col + matmul(cols, W)" + (add != null ? " + add(b)" : "")
                        + (shared ? " (patches shared with the backward)" : " (forward only)"));
    }
}

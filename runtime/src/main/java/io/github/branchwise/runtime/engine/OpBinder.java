package io.github.branchwise.runtime.engine;

import java.util.List;
import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.BaseOp;
import org.nd4j.linalg.api.ops.BaseReduceOp;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.Op;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.ReduceOp;
import org.nd4j.linalg.api.ops.ScalarOp;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Binds an op as SameDiff emitted it: one {@link OpContext} with its arguments, its input arrays and output buffers
 * (sized by the op's shape function, typed as the graph declares), placeholder inputs re-bound on every run. Custom
 * ops run through {@code Nd4j.exec(CustomOp, ctx)}, legacy ops (relu, neg, log, reduce_*) through
 * {@code Nd4j.exec(Op, ctx)}.
 */
final class OpBinder {
    private OpBinder() {
    }

    /** A bound op: the step (null for an identity, whose output aliases its input) and what it computes. */
    record Bound(Runnable step, PlanStep info) {
    }

    /** Binds {@code node}; outputs and bindings go into {@code draft}. */
    static Bound bind(PlanNode.Op node, PlanDraft draft) {
        DifferentialFunction df = node.function();
        String opName = node.name();
        List<String> inputNames = node.inputs();
        INDArray[] args = draft.args(node);
        String[] outNames = node.outputs();
        String simple = df.getClass().getSimpleName();
        if (simple.equals("Identity")) {
            draft.output(outNames[0], args[0]);
            return new Bound(null, new PlanStep(opName, df.opName(), PlanStep.Kind.ALIAS, "alias"));
        }
        OpContext ctx = Nd4j.getExecutioner().buildContext();
        if (df instanceof CustomOp) {
            DynamicCustomOp op = (DynamicCustomOp) df;
            ctx.setArgs(args, op.iArgs(), op.dArgs(), op.tArgs(), op.bArgs());
            OneDnnWorkaround.apply(op, ctx);
            if (simple.equals("Assign")) {
                throw new UnsupportedGraphException("op '" + opName + "' assigns in place");
            }
            List<LongShapeDescriptor> shapes = op.calculateOutputShape(ctx);
            if (shapes == null || shapes.size() != outNames.length) {
                throw new UnsupportedGraphException("op '" + opName + "' (" + op.opName() + ") gave "
                        + (shapes == null ? "no" : shapes.size()) + " output shapes for " + outNames.length
                        + " outputs");
            }
            for (int i = 0; i < outNames.length; i++) {
                LongShapeDescriptor shape = shapes.get(i);
                DataType type = draft.declaredType(outNames[i]);
                if (shape.dataType() != type) {
                    shape = shape.asDataType(type);
                }
                INDArray out = Nd4j.create(shape);
                ctx.setOutputArray(i, out);
                draft.output(outNames[i], out);
            }
            bindPlaceholders(inputNames, ctx, draft, args.length);
            return new Bound(() -> Nd4j.exec(op, ctx), new PlanStep(opName, op.opName(), PlanStep.Kind.OP, ""));
        }
        return bindLegacy((Op) df, opName, inputNames, args, outNames, ctx, draft);
    }

    private static Bound bindLegacy(Op op, String opName, List<String> inputNames, INDArray[] args,
                                    String[] outNames, OpContext ctx, PlanDraft draft) {
        boolean axisArg = false;
        boolean emptyReduce = false;
        int[] dims = null;
        if (op instanceof ReduceOp && ((ReduceOp) op).getOpType() != Op.Type.REDUCE3 && args.length == 2) {
            INDArray axis = args[1];
            emptyReduce = axis.isEmpty();
            dims = emptyReduce ? null : Shape.normalizeAxis(args[0].rank(), axis.toIntVector());
            setReduceDimensions((BaseReduceOp) op, dims, emptyReduce);
            axisArg = true;
        } else if (op instanceof ScalarOp && args.length == 2 && !args[1].isScalar()) {
            throw new UnsupportedGraphException("op '" + opName + "' has a non-scalar scalar argument");
        }
        final INDArray scalar = op instanceof ScalarOp && args.length == 2 ? args[1] : null;
        if (scalar != null) {
            ((ScalarOp) op).setScalar(scalar);
        }
        if (args.length > 0) {
            ctx.setInputArray(0, args[0]);
            if (args.length == 2 && !axisArg) {
                ctx.setInputArray(1, args[1]);
            }
        }
        INDArray z;
        if (emptyReduce) {
            z = Nd4j.create(args[0].dataType(), args[0].shape());
        } else {
            List<LongShapeDescriptor> shapes = ((BaseOp) op).calculateOutputShape(ctx);
            if (shapes == null || shapes.size() != 1) {
                throw new UnsupportedGraphException("no output shape for legacy op '" + opName + "'");
            }
            z = Nd4j.create(shapes.get(0));
        }
        ctx.setOutputArray(0, z);
        draft.output(outNames[0], z);
        bindPlaceholders(inputNames, ctx, draft, axisArg ? 1 : Math.min(args.length, 2));
        PlanStep info = new PlanStep(opName, op.opName(), PlanStep.Kind.LEGACY_OP, "");
        if (axisArg) {
            // Several plans (training, losses, prediction) share the op object: restore this plan's axes when
            // another plan changed them.
            BaseReduceOp reduce = (BaseReduceOp) op;
            INDArray[] mine = {reduce.dimensions()};
            int[] axes = dims;
            boolean empty = emptyReduce;
            return new Bound(() -> {
                if (reduce.dimensions() != mine[0]) {
                    setReduceDimensions(reduce, axes, empty);
                    mine[0] = reduce.dimensions();
                }
                Nd4j.exec(op, ctx);
            }, info);
        }
        if (scalar != null) {
            // The scalar is a buffer of this plan (overwritten in place each run); other plans point the shared
            // op object at theirs.
            ScalarOp scalarOp = (ScalarOp) op;
            return new Bound(() -> {
                scalarOp.setScalar(scalar);
                Nd4j.exec(op, ctx);
            }, info);
        }
        return new Bound(() -> Nd4j.exec(op, ctx), info);
    }

    private static void setReduceDimensions(BaseReduceOp op, int[] dims, boolean empty) {
        op.setDimensions(dims);
        op.setEmptyReduce(empty);
    }

    private static void bindPlaceholders(List<String> inputNames, OpContext ctx, PlanDraft draft, int count) {
        for (int i = 0; i < count; i++) {
            draft.bindPlaceholder(inputNames.get(i), ctx, i);
        }
    }
}

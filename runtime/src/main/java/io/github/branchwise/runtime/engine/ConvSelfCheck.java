package io.github.branchwise.runtime.engine;

import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The convolution rewrites' check on the planning batch: the op they replace, run once into fresh buffers, and a
 * comparison. A wrong geometry gives O(1) differences; float accumulation over a large batch gives ≈ 1e-6 relative,
 * hence 1e-4 relative in FLOAT and 1e-9 in DOUBLE.
 */
final class ConvSelfCheck {
    private ConvSelfCheck() {
    }

    /** The tolerance relative to the largest magnitude, by data type. */
    static double tolerance(DataType type) {
        return type == DataType.DOUBLE ? 1e-9 : 1e-4;
    }

    /** Runs {@code op} on {@code args} as SameDiff would and returns its outputs. */
    static INDArray[] reference(DynamicCustomOp op, INDArray[] args) {
        OpContext ctx = Nd4j.getExecutioner().buildContext();
        ctx.setArgs(args, op.iArgs(), op.dArgs(), op.tArgs(), op.bArgs());
        OneDnnWorkaround.apply(op, ctx);
        List<LongShapeDescriptor> shapes = op.calculateOutputShape(ctx);
        INDArray[] outs = new INDArray[shapes.size()];
        for (int i = 0; i < outs.length; i++) {
            outs[i] = Nd4j.create(shapes.get(i).asDataType(args[0].dataType()));
            ctx.setOutputArray(i, outs[i]);
        }
        Nd4j.exec(op, ctx);
        return outs;
    }

    /**
     * Throws when {@code actual} differs from {@code expected} by more than the tolerance: the rewrite computed
     * something else than the op it replaces, a bug ({@link PlanFailures}).
     */
    static void requireClose(INDArray expected, INDArray actual, String what) {
        double tolerance = tolerance(expected.dataType());
        if (!Arrays.equals(expected.shape(), actual.shape())) {
            throw new IllegalStateException(what + " has shape " + Arrays.toString(actual.shape()) + ", the op's "
                    + Arrays.toString(expected.shape()));
        }
        double scale = Math.max(1e-30, expected.amaxNumber().doubleValue());
        double diff = expected.sub(actual).amaxNumber().doubleValue();
        if (!(diff <= tolerance * scale)) {
            throw new IllegalStateException(what + " differs from the op's by " + diff + " (largest magnitude "
                    + scale + ")");
        }
    }
}

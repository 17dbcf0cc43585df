package io.github.branchwise.runtime.engine;

import java.util.function.Supplier;
import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.factory.Environment;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Works around an ND4J 1.0.0-M2.1 bug in the oneDNN builds: libnd4j's oneDNN helper for {@code conv2d} and
 * {@code conv2d_bp} accepts dilated convolutions but then fails to create the oneDNN primitive ("could not create a
 * descriptor for a dilated convolution forward propagation primitive", FLOAT, NHWC, dilation 2, VALID and SAME),
 * so the op throws instead of falling back to libnd4j's own kernel. Ops of that kind run with platform helpers
 * refused: libnd4j's kernel, which is correct (the plain build runs it too).
 */
final class OneDnnWorkaround {
    private OneDnnWorkaround() {
    }

    /** Whether {@code df} is a convolution the oneDNN helper mishandles: conv2d or conv2d_bp with dilation > 1. */
    static boolean affected(DifferentialFunction df) {
        if (!(df instanceof DynamicCustomOp op)) {
            return false;
        }
        String name = op.opName();
        if (!name.equals("conv2d") && !name.equals("conv2d_bp")) {
            return false;
        }
        long[] i = op.iArgs();
        // iArgs: kH, kW, sH, sW, pH, pW, dH, dW, paddingMode, dataFormat, weightFormat.
        return i.length > 7 && (i[6] > 1 || i[7] > 1);
    }

    /** Refuses platform helpers on {@code ctx} when it runs an affected op. */
    static void apply(DifferentialFunction df, OpContext ctx) {
        if (affected(df)) {
            ctx.allowHelpers(false);
        }
    }

    /** Whether any op of {@code graph} is affected: SameDiff's sessions give no per-op control. */
    static boolean anyIn(SameDiff graph) {
        for (var op : graph.getOps().values()) {
            if (affected(op.getOp())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Runs {@code call}, with platform helpers refused for its duration when {@code affected}: for SameDiff's own
     * sessions, which build their op contexts themselves. The switch is process-wide while the call runs, so other
     * models' kernels take libnd4j's own path for that time (slower, same results).
     */
    static <T> T run(boolean affected, Supplier<T> call) {
        Environment environment = Nd4j.getEnvironment();
        if (!affected || !environment.helpersAllowed()) {
            return call.get();
        }
        environment.allowHelpers(false);
        try {
            return call.get();
        } finally {
            environment.allowHelpers(true);
        }
    }
}

package io.github.branchwise.runtime.engine;

import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.Op;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient;

/** Which graphs a static plan can run at all. */
final class GraphSupport {
    private GraphSupport() {
    }

    /**
     * Why a static plan cannot run {@code graph}, or null when it can: control flow, tensor arrays, random ops,
     * invocations of other functions and ops whose outputs depend on data rather than shapes ({@code stop_gradient},
     * in the control-flow package, is none of those).
     */
    static String unsupportedReason(SameDiff graph) {
        for (SameDiffOp sdo : graph.getOps().values()) {
            DifferentialFunction df = sdo.getOp();
            String pkg = df.getClass().getName();
            String name = df.getClass().getSimpleName();
            // stop_gradient sits with the control-flow ops but is an identity of fixed shape whose gradient is
            // zero: strategies use it for terms constant within a step (FAMO's normaliser, STCH's shift).
            boolean identity = df instanceof StopGradient;
            if (!identity && pkg.contains(".controlflow.") || pkg.contains(".shape.tensorops.") || pkg.contains(".random.")
                    || df instanceof org.nd4j.linalg.api.ops.RandomOp || name.equals("Invoke")
                    || name.equals("ExternalErrorsFunction") || name.equals("Assert")
                    || name.equals("GradientBackwardsMarker") || name.equals("CreateView")
                    || name.contains("Dropout") || name.contains("DropOut") || name.equals("Where")
                    || name.equals("NonMaxSuppression") || name.equals("Unique") || name.equals("BooleanMask")
                    || name.equals("DynamicPartition") || name.equals("ListDiff")) {
                return "op '" + sdo.getName() + "' (" + df.opName() + ", " + name + ") has control flow, random "
                        + "or data-dependent output shapes";
            }
            if (!(df instanceof CustomOp) && !(df instanceof Op)) {
                return "op '" + sdo.getName() + "' (" + name + ") is neither a custom nor a legacy op";
            }
        }
        return null;
    }
}

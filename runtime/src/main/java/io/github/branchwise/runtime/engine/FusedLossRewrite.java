package io.github.branchwise.runtime.engine;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Puts a fused cross-entropy's Java steps ({@link LossFusion}, {@link CrossEntropyKernels}) into a plan: the
 * per-example loss, the gradient of the logits, and the branch loss's batch mean, each where {@link PlanOrder}
 * placed a {@link PlanNode.Fused} node instead of SameDiff's op chain.
 */
final class FusedLossRewrite implements Rewrite {
    /** The fusions that apply to a plan for {@code feeds}: switched on, and small enough for the batch. */
    static Map<String, LossFusion> active(Map<String, LossFusion> fusions, INDArray[] feeds) {
        Map<String, LossFusion> active = new HashMap<>();
        if (PlanSwitch.FUSED_LOSS.enabled() && feeds.length > 0 && feeds[0].rank() > 0) {
            fusions.forEach((name, fusion) -> {
                if (fusion.fits(name, feeds[0].size(0))) {
                    active.put(name, fusion);
                }
            });
        }
        return active;
    }

    /**
     * The step for a fused node, or null where the arrays are not as the Java steps need them (the planner then
     * plans again without fused losses).
     */
    @Override
    public Rewritten apply(PlanNode node, PlanDraft draft) {
        if (!(node instanceof PlanNode.Fused fused)) {
            return null;
        }
        LossFusion fusion = fused.fusion();
        String output = fused.output();
        INDArray p = draft.value(fusion.prediction);
        if (!ArrayScan.contiguous(p)) {
            return null;
        }
        Supplier<INDArray> target = draft.current(fusion.target);
        INDArray out;
        Runnable step;
        PlanStep.Kind kind;
        if (output.equals(fusion.branchLoss)) {
            INDArray perExample = draft.value(fusion.perExample);
            if (!ArrayScan.contiguous(perExample) || perExample.rank() != 1 || perExample.dataType() != p.dataType()) {
                return null;
            }
            out = Nd4j.scalar(p.dataType(), 0.0);
            step = fusion.kernels.meanStep(perExample, out);
            kind = PlanStep.Kind.FUSED_MEAN;
        } else if (output.equals(fusion.perExample)) {
            out = Nd4j.create(p.dataType(), p.size(0));
            step = fusion.kernels.forwardStep(p, target, out);
            kind = PlanStep.Kind.FUSED_LOSS;
        } else {
            boolean scalar = fusion.foldsMean();
            INDArray g = draft.value(scalar ? fusion.branchLossGradient : fusion.perExampleGradient);
            if (!ArrayScan.contiguous(g) || g.length() != (scalar ? 1 : p.size(0))) {
                return null;
            }
            out = Nd4j.create(p.dataType(), p.shape());
            step = fusion.kernels.backwardStep(p, target, g, out, scalar);
            kind = scalar ? PlanStep.Kind.FUSED_LOSS_GRADIENT_FROM_MEAN : PlanStep.Kind.FUSED_LOSS_GRADIENT;
        }
        draft.output(output, out);
        return new Rewritten(step, kind, fusion.describe(output));
    }
}

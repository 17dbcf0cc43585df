package io.github.branchwise.runtime.engine;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.ThresholdReluBp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code thresholdedrelu_bp} with cutoff 0, which SameDiff's autodiff emits for ReLU, becomes the equivalent and
 * faster {@code relu_bp}: for {@code f(x) = max(0, x)} both compute {@code grad·[x > 0]}.
 */
final class ReluBpRewrite implements Rewrite {
    @Override
    public Rewritten apply(PlanNode node, PlanDraft draft) {
        if (!(node instanceof PlanNode.Op op) || !(op.function() instanceof ThresholdReluBp df)
                || !PlanSwitch.RELU_BP.enabled()) {
            return null;
        }
        List<String> inputs = op.inputs();
        if (inputs.size() != 2 || df.tArgs().length == 0 || df.tArgs()[0] != 0.0
                || !draft.noPlaceholder(inputs, 0, 2)) {
            return null;
        }
        INDArray[] args = draft.args(op);
        INDArray out = Nd4j.create(args[0].dataType(), args[0].shape());
        DynamicCustomOp relu = DynamicCustomOp.builder("relu_bp").addInputs(args[0], args[1]).addOutputs(out)
                .build();
        OpContext ctx = Nd4j.getExecutioner().buildContext();
        ctx.setArgs(args, relu.iArgs(), relu.dArgs(), relu.tArgs(), relu.bArgs());
        ctx.setOutputArray(0, out);
        draft.output(op.outputs()[0], out);
        return new Rewritten(() -> Nd4j.exec(relu, ctx), PlanStep.Kind.RELU_BP, "relu_bp");
    }
}

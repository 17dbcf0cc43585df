package example;

import io.github.branchwise.annotations.Branch;
import io.github.branchwise.annotations.BranchLoss;
import io.github.branchwise.annotations.Input;
import io.github.branchwise.annotations.Loss;
import io.github.branchwise.annotations.WeightedLoss;
import io.github.branchwise.annotations.Weighting;
import io.github.branchwise.runtime.Activation;
import io.github.branchwise.runtime.Layers;
import org.nd4j.autodiff.samediff.SDVariable;

/** A loss method declared before its branch, and a branch method without Layers; FIXED weights. */
@WeightedLoss(weighting = Weighting.FIXED, weights = {1.0, 0.3})
public abstract class CustomLoss {
    @Input(shape = 4)
    abstract SDVariable x();

    @BranchLoss(branch = "score")
    SDVariable squaredError(SDVariable target, SDVariable prediction) {
        return prediction.sub(target).mul(prediction.sub(target)).mean(1);
    }

    /** Takes no Layers: it has no parameters of its own, and only the input reaches it. */
    @Branch(shape = 4)
    SDVariable score() {
        return x().mul(0.5);
    }

    @Branch(shape = 2)
    @BranchLoss(Loss.MEAN_SQUARED_ERROR)
    SDVariable pair(Layers nn) {
        return nn.dense(x(), 2, Activation.IDENTITY);
    }
}

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

/** SharedTrunk's mistake of issue 13: a trunk meant to be shared, written without {@code @Shared}. */
@WeightedLoss(weighting = Weighting.UNCERTAINTY)
public abstract class ForgottenShared {
    @Input(shape = 6)
    abstract SDVariable features();

    /** A plain helper: each branch that calls it builds its own copy with its own {@code Layers}. */
    SDVariable trunk(Layers nn) {
        return nn.dense(nn.dense(features(), 16, Activation.RELU), 16);
    }

    @Branch(shape = 3)
    @BranchLoss(Loss.CATEGORICAL_CROSSENTROPY)
    SDVariable kind(Layers nn) {
        return nn.dense(trunk(nn), 3, Activation.SOFTMAX);
    }

    @Branch(shape = 1)
    @BranchLoss(Loss.MEAN_ABSOLUTE_ERROR)
    SDVariable size(Layers nn) {
        return nn.dense(trunk(nn), 1);
    }
}

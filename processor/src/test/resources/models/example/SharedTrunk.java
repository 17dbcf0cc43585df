package example;

import io.github.branchwise.annotations.Branch;
import io.github.branchwise.annotations.BranchLoss;
import io.github.branchwise.annotations.Input;
import io.github.branchwise.annotations.Loss;
import io.github.branchwise.annotations.Shared;
import io.github.branchwise.annotations.WeightedLoss;
import io.github.branchwise.runtime.Activation;
import io.github.branchwise.runtime.Layers;
import org.nd4j.autodiff.samediff.SDVariable;

/** Two heads over one trunk; three heads to exercise the N > 2 trainable weighting. */
@WeightedLoss(min = 0.1, max = 0.8)
public abstract class SharedTrunk {
    /** Counts trunk builds, to show that memoisation builds it once. */
    static int trunkBuilds;

    @Input(shape = 6)
    abstract SDVariable features();

    @Shared
    SDVariable trunk(Layers nn) {
        trunkBuilds++;
        return nn.dense(features(), 8, Activation.TANH);
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

    @Branch(shape = 1)
    @BranchLoss(Loss.BINARY_CROSSENTROPY)
    SDVariable present(Layers nn) {
        return nn.dense(trunk(nn), 1, Activation.SIGMOID);
    }
}

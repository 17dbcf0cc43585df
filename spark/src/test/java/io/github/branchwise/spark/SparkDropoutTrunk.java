package io.github.branchwise.spark;

import io.github.branchwise.annotations.Branch;
import io.github.branchwise.annotations.BranchLoss;
import io.github.branchwise.annotations.Input;
import io.github.branchwise.annotations.Loss;
import io.github.branchwise.annotations.Shared;
import io.github.branchwise.annotations.WeightedLoss;
import io.github.branchwise.annotations.Weighting;
import io.github.branchwise.runtime.Activation;
import io.github.branchwise.runtime.Layers;
import org.nd4j.autodiff.samediff.SDVariable;

/** {@link SparkTrunk} with dropout after its trunk: each step draws masks over the whole global batch. */
@WeightedLoss(weighting = Weighting.FIXED, weights = {0.7, 0.3})
public abstract class SparkDropoutTrunk {
    @Input(shape = 3)
    abstract SDVariable x();

    @Shared
    SDVariable trunk(Layers nn) {
        return nn.dropout(nn.dense(x(), 8, Activation.TANH), 0.4);
    }

    @Branch(shape = 1)
    @BranchLoss(Loss.MEAN_SQUARED_ERROR)
    SDVariable reg(Layers nn) {
        return nn.dense(trunk(nn), 1);
    }

    @Branch(shape = 2)
    @BranchLoss(Loss.BINARY_CROSSENTROPY)
    SDVariable bin(Layers nn) {
        return nn.dense(trunk(nn), 2, Activation.SIGMOID);
    }
}

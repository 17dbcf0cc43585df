package io.github.branchwise.examples;

import io.github.branchwise.annotations.Branch;
import io.github.branchwise.annotations.BranchLoss;
import io.github.branchwise.annotations.Input;
import io.github.branchwise.annotations.InputType;
import io.github.branchwise.annotations.Loss;
import io.github.branchwise.annotations.Shared;
import io.github.branchwise.annotations.WeightedLoss;
import io.github.branchwise.annotations.Weighting;
import io.github.branchwise.runtime.Activation;
import io.github.branchwise.runtime.Layers;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * The baseline for {@link Recommender}: the same inputs, features, towers and weighting, with one shared trunk
 * (hard parameter sharing) in place of the four gated experts. The trunk, 22 → 128 → 16, has 5,008 parameters, the
 * experts and gates 5,240 (4 · (22·32 + 32 + 32·16 + 16) + 2 · (22·4 + 4)), so the comparison is at about one size.
 */
@WeightedLoss(weighting = Weighting.FIXED, weights = {1, 1})
public abstract class RecommenderSharedBottom {
    @Input(shape = 1, type = InputType.INT, vocabulary = Recommender.USERS)
    abstract SDVariable user();

    @Input(shape = 1, type = InputType.INT, vocabulary = Recommender.ITEMS)
    abstract SDVariable item();

    @Input(shape = 1, type = InputType.INT, vocabulary = Recommender.CHANNELS)
    abstract SDVariable channel();

    @Input(shape = Recommender.NUMBERS)
    abstract SDVariable numbers();

    @Shared
    SDVariable trunk(Layers nn) {
        SDVariable features = nn.concat(nn.flatten(nn.embedding(user(), Recommender.USERS, 8)),
                nn.flatten(nn.embedding(item(), Recommender.ITEMS, 8)),
                nn.flatten(nn.embedding(channel(), Recommender.CHANNELS, 2)), numbers());
        return nn.dense(nn.dense(features, 128, Activation.RELU), 16, Activation.RELU);
    }

    @Branch(shape = 1)
    @BranchLoss(Loss.BINARY_CROSSENTROPY)
    SDVariable click(Layers nn) {
        return nn.dense(nn.dense(trunk(nn), 8, Activation.RELU), 1, Activation.SIGMOID);
    }

    @Branch(shape = 1)
    @BranchLoss(Loss.BINARY_CROSSENTROPY)
    SDVariable conversion(Layers nn) {
        return nn.dense(nn.dense(trunk(nn), 8, Activation.RELU), 1, Activation.SIGMOID);
    }
}

package io.github.branchwise.examples;

import io.github.branchwise.annotations.Branch;
import io.github.branchwise.annotations.BranchLoss;
import io.github.branchwise.annotations.Experts;
import io.github.branchwise.annotations.Gate;
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
 * A multi-gate mixture of experts (MMoE, Ma et al. 2018) ranking one impression: which user saw which item, on which
 * channel, at what price; will the user click it, and will the impression end in a purchase? The three ids are
 * embedded, joined with the four numbers, and read by four experts of one structure; each head mixes the experts
 * through its own softmax gate and ends in a small tower. {@link RecommenderExample} makes the impressions, with a
 * click that depends on the user and the item and a conversion that depends on the price as well.
 *
 * <p>Fixed weights, 1 and 1: the sum of the two cross-entropies. A learned weighting was measured and lost:
 * {@code UNCERTAINTY} moves each weight towards {@code 1 / (2·loss)}, so the conversion head's, whose loss sits near
 * 0.08 at a 2% positive rate, passed 5 in the second epoch while the click's stayed between 1.06 and 1.39; the rare
 * head then overfitted (validation loss 0.088 at epoch 6, 0.107 at epoch 12) and over 8 epochs both heads' test AUCs
 * came out lower than with fixed weights, on each of three seeds (README, <i>Recommender: MMoE over embedded
 * features</i>).
 */
@WeightedLoss(weighting = Weighting.FIXED, weights = {1, 1})
public abstract class Recommender {
    static final int USERS = 200;
    static final int ITEMS = 50;
    static final int CHANNELS = 4;
    /** Price, budget, discount and one number that carries nothing: see {@link RecommenderExample}. */
    static final int NUMBERS = 4;
    static final int EXPERTS = 4;

    @Input(shape = 1, type = InputType.INT, vocabulary = USERS)
    abstract SDVariable user();

    @Input(shape = 1, type = InputType.INT, vocabulary = ITEMS)
    abstract SDVariable item();

    @Input(shape = 1, type = InputType.INT, vocabulary = CHANNELS)
    abstract SDVariable channel();

    @Input(shape = NUMBERS)
    abstract SDVariable numbers();

    /** The ids embedded (8, 8 and 2 values) next to the numbers: 22 features, what experts and gates read. */
    @Shared
    SDVariable features(Layers nn) {
        return nn.concat(nn.flatten(nn.embedding(user(), USERS, 8)), nn.flatten(nn.embedding(item(), ITEMS, 8)),
                nn.flatten(nn.embedding(channel(), CHANNELS, 2)), numbers());
    }

    /** One expert; called once per expert, each with its own parameters ({@code expert/0/dense_0/W}, ...). */
    @Experts(count = EXPERTS, input = "features")
    SDVariable expert(Layers nn, SDVariable input) {
        return nn.dense(nn.dense(input, 32, Activation.RELU), 16, Activation.RELU);
    }

    @Gate(experts = "expert")
    abstract SDVariable clickGate();

    @Gate(experts = "expert")
    abstract SDVariable conversionGate();

    /** Whether the user clicks the item. */
    @Branch(shape = 1)
    @BranchLoss(Loss.BINARY_CROSSENTROPY)
    SDVariable click(Layers nn) {
        return nn.dense(nn.dense(clickGate(), 8, Activation.RELU), 1, Activation.SIGMOID);
    }

    /** Whether the impression ends in a purchase (a click, then a buy). */
    @Branch(shape = 1)
    @BranchLoss(Loss.BINARY_CROSSENTROPY)
    SDVariable conversion(Layers nn) {
        return nn.dense(nn.dense(conversionGate(), 8, Activation.RELU), 1, Activation.SIGMOID);
    }
}

package example;

import io.github.branchwise.annotations.Branch;
import io.github.branchwise.annotations.BranchLoss;
import io.github.branchwise.annotations.Input;
import io.github.branchwise.annotations.InputType;
import io.github.branchwise.annotations.Loss;
import io.github.branchwise.annotations.WeightedLoss;
import io.github.branchwise.annotations.Weighting;
import io.github.branchwise.annotations.Shared;
import io.github.branchwise.runtime.Activation;
import io.github.branchwise.runtime.Layers;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * A sequence model over token ids: a shared encoder (embedding, masked self-attention), a topic per sequence (an
 * LSTM's last state) and a tag per token.
 */
@WeightedLoss(weighting = Weighting.FIXED, weights = {1, 1})
public abstract class Tokens {
    @Input(shape = 6, type = InputType.INT, vocabulary = 20)
    abstract SDVariable tokens();

    /** 1 for a real token, 0 for padding. */
    @Input(shape = 6)
    abstract SDVariable mask();

    @Shared
    SDVariable encoder(Layers nn) {
        return nn.selfAttention(nn.embedding(tokens(), 20, 8), 2, 4, mask());
    }

    @Branch(shape = 3)
    @BranchLoss(Loss.CATEGORICAL_CROSSENTROPY)
    SDVariable topic(Layers nn) {
        return nn.dense(nn.lstm(encoder(nn), 8, false), 3, Activation.SOFTMAX);
    }

    @Branch(shape = {6, 1})
    @BranchLoss(Loss.BINARY_CROSSENTROPY)
    SDVariable tags(Layers nn) {
        // A dense layer over the last axis: the same weights for every token.
        return nn.dense(encoder(nn), 1, Activation.SIGMOID);
    }
}

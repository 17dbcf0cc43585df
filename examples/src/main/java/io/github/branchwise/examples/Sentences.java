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
 * A sequence model over token ids with two heads of different shapes: the topic of a sentence (one of 3, sparse
 * categorical cross-entropy) and, for every token, whether it repeats the token before it ({@code [12, 1]}, binary
 * cross-entropy). Sentences have 5 to 12 tokens from a vocabulary of 30 (id 0 pads them to 12); the {@code mask}
 * input is 1 for a real token and 0 for padding. The shared encoder embeds the ids, lets every token attend to the
 * real tokens (masked multi-head self-attention, added back to the embedding) and runs an LSTM over the result; the
 * topic head reads the LSTM's states flattened, the tag head each state on its own.
 */
@WeightedLoss(weighting = Weighting.UNCERTAINTY)
public abstract class Sentences {
    static final int STEPS = 12;
    static final int VOCABULARY = 30;

    @Input(shape = STEPS, type = InputType.INT, vocabulary = VOCABULARY)
    abstract SDVariable tokens();

    @Input(shape = STEPS)
    abstract SDVariable mask();

    @Shared
    SDVariable encoder(Layers nn) {
        SDVariable embedded = nn.embedding(tokens(), VOCABULARY, 16);
        SDVariable attended = nn.selfAttention(embedded, 2, 8, mask());
        return nn.lstm(embedded.add(attended), 32, true);
    }

    @Branch(shape = 3)
    @BranchLoss(Loss.SPARSE_CATEGORICAL_CROSSENTROPY)
    SDVariable topic(Layers nn) {
        return nn.dense(nn.flatten(encoder(nn)), 3, Activation.SOFTMAX);
    }

    @Branch(shape = {STEPS, 1})
    @BranchLoss(Loss.BINARY_CROSSENTROPY)
    SDVariable repeats(Layers nn) {
        // Dense over the last axis: the same weights for every token's state.
        return nn.dense(encoder(nn), 1, Activation.SIGMOID);
    }
}

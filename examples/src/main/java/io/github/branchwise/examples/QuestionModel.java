package io.github.branchwise.examples;

import io.github.branchwise.annotations.Branch;
import io.github.branchwise.annotations.BranchLoss;
import io.github.branchwise.annotations.Input;
import io.github.branchwise.annotations.Loss;
import io.github.branchwise.annotations.WeightedLoss;
import io.github.branchwise.annotations.Weighting;
import io.github.branchwise.runtime.Activation;
import io.github.branchwise.runtime.Layers;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * The question's own model: two inputs, {@code x1 = Dense(1, relu)(input1)} and {@code x2 = Dense(2, relu)(input2)},
 * whose losses are combined with a trainable weight so the same loss trains both branches.
 */
@WeightedLoss(weighting = Weighting.TRAINABLE, initial = 0.5)
public abstract class QuestionModel {
    @Input(shape = {4})
    abstract SDVariable first();

    @Input(shape = {3})
    abstract SDVariable second();

    @Branch(shape = {1})
    @BranchLoss(Loss.MEAN_SQUARED_ERROR)
    SDVariable x1(Layers nn) {
        return nn.dense(first(), 1, Activation.RELU);
    }

    @Branch(shape = {2})
    @BranchLoss(Loss.MEAN_SQUARED_ERROR)
    SDVariable x2(Layers nn) {
        return nn.dense(second(), 2, Activation.RELU);
    }
}

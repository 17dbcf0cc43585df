package io.github.branchwise.examples;

import io.github.branchwise.annotations.Branch;
import io.github.branchwise.annotations.BranchLoss;
import io.github.branchwise.annotations.Input;
import io.github.branchwise.annotations.Loss;
import io.github.branchwise.annotations.Shared;
import io.github.branchwise.annotations.WeightedLoss;
import io.github.branchwise.annotations.Weighting;
import io.github.branchwise.runtime.Activation;
import io.github.branchwise.runtime.Layers;
import io.github.branchwise.runtime.Padding;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * A small shape detector: a 16x16 grey image holding one square, cross or circle; a shared convolutional trunk;
 * an 8x8 localization map (which 2x2 cells the shape covers, binary cross-entropy) and the shape's class (softmax
 * over 3, sparse categorical cross-entropy with the class index as target), weighted by learned uncertainty
 * (Kendall et al.): {@code Σ exp(−sᵢ)·Lᵢ + ½·sᵢ}, whose term {@code ½·sᵢ} pulls each weight {@code exp(−sᵢ)}
 * towards {@code 1/(2·Lᵢ)}: a weight rises as its branch's loss falls. The weights train with the network and are
 * worth watching.
 * ({@code TRAINABLE}'s {@code α·L₁ + (1 − α)·L₂} would push α onto its bound after about two epochs here, since its
 * gradient {@code L₁ − L₂} does not depend on α.)
 */
@WeightedLoss(weighting = Weighting.UNCERTAINTY)
public abstract class Shapes {
    @Input(shape = {16, 16, 1})
    abstract SDVariable image();

    @Shared
    SDVariable trunk(Layers nn) {
        SDVariable features = nn.conv2d(image(), 8, 3, 1, Padding.SAME, Activation.RELU);
        return nn.maxPool2d(features, 2);
    }

    @Branch(shape = {8, 8, 1})
    @BranchLoss(Loss.BINARY_CROSSENTROPY)
    SDVariable localization(Layers nn) {
        return nn.conv2d(trunk(nn), 1, 3, 1, Padding.SAME, Activation.SIGMOID);
    }

    @Branch(shape = {3})
    @BranchLoss(Loss.SPARSE_CATEGORICAL_CROSSENTROPY)
    SDVariable shape(Layers nn) {
        return nn.dense(nn.flatten(trunk(nn)), 3, Activation.SOFTMAX);
    }
}

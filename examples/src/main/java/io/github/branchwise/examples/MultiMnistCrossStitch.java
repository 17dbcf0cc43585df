package io.github.branchwise.examples;

import io.github.branchwise.annotations.Branch;
import io.github.branchwise.annotations.BranchLoss;
import io.github.branchwise.annotations.Input;
import io.github.branchwise.annotations.Loss;
import io.github.branchwise.annotations.Shared;
import io.github.branchwise.annotations.Stitch;
import io.github.branchwise.annotations.WeightedLoss;
import io.github.branchwise.annotations.Weighting;
import io.github.branchwise.runtime.Activation;
import io.github.branchwise.runtime.Layers;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * The MultiMNIST LeNet with soft parameter sharing: one LeNet column per digit, joined by cross-stitch units
 * (Misra et al. 2016) after each convolution block, as the figure draws them (docs/architectures.md,
 * "Cross-stitch"). Each column has {@link MultiMnistLeNet}'s layers (conv 10 5x5, max-pool 2, ReLU; conv 20 5x5,
 * max-pool 2, ReLU; dense 50 ReLU; then its head's dense 50 ReLU and dense 10), so the model has twice the
 * convolution parameters of the shared LeNet. A stitch gives its column {@code 0.9·own + 0.1·other} at first
 * (the paper's initialisation) and learns the two coefficients; the weighting is learned (uncertainty), as for the
 * shared LeNet.
 */
@WeightedLoss(weighting = Weighting.UNCERTAINTY)
public abstract class MultiMnistCrossStitch {
    @Input(shape = {28, 28, 1})
    abstract SDVariable image();

    @Shared
    SDVariable left1(Layers nn) {
        return block(nn, image(), 10);
    }

    @Shared
    SDVariable right1(Layers nn) {
        return block(nn, image(), 10);
    }

    @Stitch(parts = {"left1", "right1"})
    abstract SDVariable leftStitched1();

    @Stitch(parts = {"right1", "left1"})
    abstract SDVariable rightStitched1();

    @Shared
    SDVariable left2(Layers nn) {
        return block(nn, leftStitched1(), 20);
    }

    @Shared
    SDVariable right2(Layers nn) {
        return block(nn, rightStitched1(), 20);
    }

    @Stitch(parts = {"left2", "right2"})
    abstract SDVariable leftStitched2();

    @Stitch(parts = {"right2", "left2"})
    abstract SDVariable rightStitched2();

    @Branch(shape = {10})
    @BranchLoss(Loss.SPARSE_CATEGORICAL_CROSSENTROPY)
    SDVariable left(Layers nn) {
        return head(nn, leftStitched2());
    }

    @Branch(shape = {10})
    @BranchLoss(Loss.SPARSE_CATEGORICAL_CROSSENTROPY)
    SDVariable right(Layers nn) {
        return head(nn, rightStitched2());
    }

    /** LeNet's block: convolution, then pooling, then ReLU (Sener and Koltun's order; see MultiMnistLeNet). */
    static SDVariable block(Layers nn, SDVariable x, int filters) {
        return nn.activation(nn.maxPool2d(nn.conv2d(x, filters, 5, Activation.IDENTITY), 2), Activation.RELU);
    }

    /** The rest of a column: the trunk's dense 50, then the head's dense 50 and its 10 classes. */
    static SDVariable head(Layers nn, SDVariable features) {
        SDVariable x = nn.dense(nn.flatten(features), 50, Activation.RELU);
        return nn.dense(nn.dense(x, 50, Activation.RELU), 10, Activation.SOFTMAX);
    }
}

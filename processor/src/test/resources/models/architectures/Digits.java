package architectures;

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
 * Cross-stitch (Misra et al. 2016) as docs/architectures.md writes it, on a smaller canvas than MultiMNIST's so
 * that the test trains quickly: two columns stitched after each level; level 2's stitches are per channel.
 */
@WeightedLoss(weighting = Weighting.UNCERTAINTY)
public abstract class Digits {
    @Input(shape = {12, 12, 1}) abstract SDVariable image();

    @Shared SDVariable left1(Layers nn) { return block(nn, image(), 4); }
    @Shared SDVariable right1(Layers nn) { return block(nn, image(), 4); }
    @Stitch(parts = {"left1", "right1"}) abstract SDVariable leftStitched1();
    @Stitch(parts = {"right1", "left1"}) abstract SDVariable rightStitched1();

    @Shared SDVariable left2(Layers nn) { return block(nn, leftStitched1(), 6); }
    @Shared SDVariable right2(Layers nn) { return block(nn, rightStitched1(), 6); }
    @Stitch(parts = {"left2", "right2"}, perChannel = true) abstract SDVariable leftStitched2();
    @Stitch(parts = {"right2", "left2"}, own = 1, other = 1, perChannel = true) abstract SDVariable rightStitched2();

    @Branch(shape = 10) @BranchLoss(Loss.SPARSE_CATEGORICAL_CROSSENTROPY)
    SDVariable left(Layers nn) { return nn.dense(nn.dense(nn.flatten(leftStitched2()), 12, Activation.RELU), 10, Activation.SOFTMAX); }

    @Branch(shape = 10) @BranchLoss(Loss.SPARSE_CATEGORICAL_CROSSENTROPY)
    SDVariable right(Layers nn) { return nn.dense(nn.dense(nn.flatten(rightStitched2()), 12, Activation.RELU), 10, Activation.SOFTMAX); }

    static SDVariable block(Layers nn, SDVariable x, int filters) {
        return nn.maxPool2d(nn.conv2d(x, filters, 3, Activation.RELU), 2);
    }
}

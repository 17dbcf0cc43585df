package example;

import io.github.branchwise.annotations.Branch;
import io.github.branchwise.annotations.BranchLoss;
import io.github.branchwise.annotations.Input;
import io.github.branchwise.annotations.Loss;
import io.github.branchwise.annotations.WeightedLoss;
import io.github.branchwise.annotations.Weighting;
import io.github.branchwise.runtime.Activation;
import io.github.branchwise.runtime.Layers;
import org.nd4j.autodiff.samediff.SDVariable;

/** README's model, as a user would paste it. */
@WeightedLoss(weighting = Weighting.TRAINABLE, initial = 0.5, min = 0.0, max = 1.0)
public abstract class Detector {
    @Input(shape = {5, 5, 2})
    abstract SDVariable image();

    @Branch(shape = {3, 3, 1})
    @BranchLoss(Loss.BINARY_CROSSENTROPY)
    SDVariable localization(Layers nn) {
        return nn.conv2d(image(), 1, 3, Activation.SIGMOID);
    }

    @Branch(shape = {2})
    @BranchLoss(Loss.BINARY_CROSSENTROPY)
    SDVariable classification(Layers nn) {
        return nn.dense(nn.flatten(image()), 2, Activation.SIGMOID);
    }
}

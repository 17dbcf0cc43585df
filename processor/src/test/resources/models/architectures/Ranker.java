package architectures;

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

/** MMoE (Ma et al. 2018) as docs/architectures.md writes it: click and conversion over four shared experts. */
@WeightedLoss(weighting = Weighting.UNCERTAINTY)
public abstract class Ranker {
    @Input(shape = 6, type = InputType.INT, vocabulary = 1000) abstract SDVariable categories();
    @Input(shape = 4) abstract SDVariable numbers();

    @Shared
    SDVariable features(Layers nn) {
        return nn.concat(nn.flatten(nn.embedding(categories(), 1000, 8)), numbers());
    }

    @Experts(count = 4, input = "features")
    SDVariable expert(Layers nn, SDVariable input) {
        return nn.dense(input, 32, Activation.RELU);
    }

    @Gate(experts = "expert") abstract SDVariable clickGate();
    @Gate(experts = "expert") abstract SDVariable conversionGate();

    @Branch(shape = 1) @BranchLoss(Loss.BINARY_CROSSENTROPY)
    SDVariable click(Layers nn) {
        return nn.dense(nn.dense(clickGate(), 16, Activation.RELU), 1, Activation.SIGMOID);
    }

    @Branch(shape = 1) @BranchLoss(Loss.BINARY_CROSSENTROPY)
    SDVariable conversion(Layers nn) {
        return nn.dense(nn.dense(conversionGate(), 16, Activation.RELU), 1, Activation.SIGMOID);
    }
}

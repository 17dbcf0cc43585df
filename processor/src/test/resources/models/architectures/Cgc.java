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

/** CGC (Tang et al. 2020) as docs/architectures.md writes it: shared and task-specific experts, a gate per task. */
@WeightedLoss(weighting = Weighting.UNCERTAINTY)
public abstract class Cgc {
    @Input(shape = 6, type = InputType.INT, vocabulary = 1000) abstract SDVariable categories();
    @Input(shape = 4) abstract SDVariable numbers();

    @Shared
    SDVariable features(Layers nn) {
        return nn.concat(nn.flatten(nn.embedding(categories(), 1000, 8)), numbers());
    }

    @Experts(count = 2, input = "features") SDVariable shared(Layers nn, SDVariable in) { return expert(nn, in); }
    @Experts(count = 2, input = "features") SDVariable clickOwn(Layers nn, SDVariable in) { return expert(nn, in); }
    @Experts(count = 2, input = "features") SDVariable conversionOwn(Layers nn, SDVariable in) { return expert(nn, in); }

    @Gate(experts = {"clickOwn", "shared"}) abstract SDVariable clickGate();
    @Gate(experts = {"conversionOwn", "shared"}) abstract SDVariable conversionGate();

    /** A plain helper: called from an @Experts method, it builds inside that expert's scope. */
    SDVariable expert(Layers nn, SDVariable in) {
        return nn.dense(in, 32, Activation.RELU);
    }

    @Branch(shape = 1) @BranchLoss(Loss.BINARY_CROSSENTROPY)
    SDVariable click(Layers nn) {
        return nn.dense(nn.dense(clickGate(), 16, Activation.RELU), 1, Activation.SIGMOID);
    }

    @Branch(shape = 1) @BranchLoss(Loss.BINARY_CROSSENTROPY)
    SDVariable conversion(Layers nn) {
        return nn.dense(nn.dense(conversionGate(), 16, Activation.RELU), 1, Activation.SIGMOID);
    }
}

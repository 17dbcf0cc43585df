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

/**
 * Two-level PLE (Tang et al. 2020, figure 5) as docs/architectures.md writes it: level 2's task experts read their
 * task's level-1 gate, its shared experts a shared level-1 gate over every level-1 expert.
 */
@WeightedLoss(weighting = Weighting.UNCERTAINTY)
public abstract class Ple {
    @Input(shape = 6, type = InputType.INT, vocabulary = 1000) abstract SDVariable categories();
    @Input(shape = 4) abstract SDVariable numbers();

    @Shared
    SDVariable features(Layers nn) {
        return nn.concat(nn.flatten(nn.embedding(categories(), 1000, 8)), numbers());
    }

    @Experts(count = 2, input = "features") SDVariable shared1(Layers nn, SDVariable in) { return expert(nn, in); }
    @Experts(count = 2, input = "features") SDVariable click1(Layers nn, SDVariable in) { return expert(nn, in); }
    @Experts(count = 2, input = "features") SDVariable conversion1(Layers nn, SDVariable in) { return expert(nn, in); }
    @Gate(experts = {"click1", "shared1"}) abstract SDVariable clickGate1();
    @Gate(experts = {"conversion1", "shared1"}) abstract SDVariable conversionGate1();
    @Gate(experts = {"shared1", "click1", "conversion1"}) abstract SDVariable sharedGate1();

    @Experts(count = 2, input = "sharedGate1") SDVariable shared2(Layers nn, SDVariable in) { return expert(nn, in); }
    @Experts(count = 2, input = "clickGate1") SDVariable click2(Layers nn, SDVariable in) { return expert(nn, in); }
    @Experts(count = 2, input = "conversionGate1") SDVariable conversion2(Layers nn, SDVariable in) { return expert(nn, in); }
    @Gate(experts = {"click2", "shared2"}, input = "clickGate1") abstract SDVariable clickGate2();
    @Gate(experts = {"conversion2", "shared2"}, input = "conversionGate1") abstract SDVariable conversionGate2();

    SDVariable expert(Layers nn, SDVariable in) {
        return nn.dense(in, 16, Activation.RELU);
    }

    @Branch(shape = 1) @BranchLoss(Loss.BINARY_CROSSENTROPY)
    SDVariable click(Layers nn) {
        return nn.dense(nn.dense(clickGate2(), 8, Activation.RELU), 1, Activation.SIGMOID);
    }

    @Branch(shape = 1) @BranchLoss(Loss.BINARY_CROSSENTROPY)
    SDVariable conversion(Layers nn) {
        return nn.dense(nn.dense(conversionGate2(), 8, Activation.RELU), 1, Activation.SIGMOID);
    }
}

package example;

import io.github.branchwise.annotations.Branch;
import io.github.branchwise.annotations.BranchLoss;
import io.github.branchwise.annotations.Input;
import io.github.branchwise.annotations.Loss;
import io.github.branchwise.annotations.WeightedLoss;
import io.github.branchwise.runtime.Activation;
import io.github.branchwise.runtime.Layers;
import org.nd4j.autodiff.samediff.SDVariable;

/** The question's model: x1 = Dense(1, relu) of input 1, x2 = Dense(2, relu) of input 2. */
@WeightedLoss(initial = 0.3)
public abstract class TwoInputs {
    @Input(shape = 4, name = "first")
    protected abstract SDVariable input1();

    @Input(shape = 3)
    public abstract SDVariable second();

    @Branch(shape = 1)
    @BranchLoss(Loss.MEAN_SQUARED_ERROR)
    SDVariable x1(Layers nn) {
        return nn.dense(input1(), 1, Activation.RELU);
    }

    @Branch(shape = 2, name = "x2")
    @BranchLoss(value = Loss.HUBER, delta = 0.5)
    SDVariable secondHead(Layers nn) {
        return nn.dense(second(), 2, Activation.RELU);
    }
}

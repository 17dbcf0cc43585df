package example;

import io.github.branchwise.annotations.Branch;
import io.github.branchwise.annotations.BranchLoss;
import io.github.branchwise.annotations.Input;
import io.github.branchwise.annotations.Loss;
import io.github.branchwise.annotations.WeightedLoss;
import io.github.branchwise.annotations.Weighting;
import io.github.branchwise.runtime.Layers;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * Names that the generated fit overloads also need for their own parameters ({@code batchSize}, {@code config}),
 * and regression branches, whose metrics are {@code mae} and {@code rmse}.
 */
@WeightedLoss(weighting = Weighting.FIXED, weights = {1.0, 0.5})
public abstract class Awkward {
    @Input(shape = 3)
    abstract SDVariable config();

    @Branch(shape = 1)
    @BranchLoss(Loss.MEAN_SQUARED_ERROR)
    SDVariable batchSize(Layers nn) {
        return nn.dense(config(), 1);
    }

    @Branch(shape = 2)
    @BranchLoss(value = Loss.HUBER, delta = 0.5)
    SDVariable data(Layers nn) {
        return nn.dense(config(), 2);
    }
}

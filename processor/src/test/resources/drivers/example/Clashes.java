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
 * Names that the generated plain-Java prediction code also uses: an input {@code predictor} (the prediction
 * model's field) and {@code out} (its local), branches {@code index} ({@code example(int)}'s parameter),
 * {@code that} and {@code other} ({@code equals}'), {@code example} (beside {@code example(int)}); a branch of shape
 * {@code {}}, one value per example.
 */
@WeightedLoss(weighting = Weighting.FIXED, weights = {1.0, 1.0, 1.0, 1.0})
public abstract class Clashes {
    @Input(shape = {2, 3})
    abstract SDVariable predictor();

    @Input(shape = 1)
    abstract SDVariable out();

    @Branch(shape = 2)
    @BranchLoss(Loss.MEAN_SQUARED_ERROR)
    SDVariable index(Layers nn) {
        return nn.dense(nn.flatten(predictor()), 2);
    }

    @Branch(shape = {})
    @BranchLoss(Loss.MEAN_SQUARED_ERROR)
    SDVariable that(Layers nn) {
        return nn.dense(out(), 1).reshape(-1);
    }

    @Branch(shape = {2, 2})
    @BranchLoss(Loss.MEAN_SQUARED_ERROR)
    SDVariable other(Layers nn) {
        return nn.dense(nn.flatten(predictor()), 4).reshape(-1, 2, 2);
    }

    @Branch(shape = 1)
    @BranchLoss(Loss.MEAN_SQUARED_ERROR)
    SDVariable example(Layers nn) {
        return nn.dense(out(), 1);
    }
}

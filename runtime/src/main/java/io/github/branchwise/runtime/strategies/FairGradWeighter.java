package io.github.branchwise.runtime.strategies;

import io.github.branchwise.runtime.GraphHost;
import io.github.branchwise.runtime.weighting.BranchGradients;
import io.github.branchwise.runtime.weighting.Weighter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * FairGrad, Ban and Ji (2024, "Fair Resource Allocation in Multi-Task Learning"): the weights w are the positive
 * root of {@code G·w = w^(-1/α)} (element-wise; G the Gram matrix of the branch gradients on the shared parameters,
 * α the fairness exponent: 1 proportional fairness, as Nash-MTL's equation, larger α fairer towards the worst branch),
 * and the network is updated with the gradient of {@code Σ wᵢ·Lᵢ}: heads included, as the paper's code and LibMTL
 * do. Without {@code @Shared} parameters every parameter counts as shared.
 *
 * <p>The root is solved exactly (Levenberg-Marquardt, to about 1e-15) from {@code 1/K} each step; LibMTL and the
 * paper's code call SciPy's {@code least_squares} from {@code 1/K} with its default tolerances (1e-8), so agree to
 * about that.
 *
 * <p>Where no positive root exists (branch gradients that cancel, such as {@code g} and {@code −g}, or all zero) the
 * previous weights are kept, {@code 1/K} at the start (LibMTL's bounded least squares would instead drift towards
 * unbounded weights there). A branch whose shared gradient alone is zero has no root either
 * ({@code 0 = wᵢ^(-1/α)}): the root is taken over the others and it gets their mean weight (its weight only scales its
 * own head's gradient).
 *
 * <p>{@link #weights()} gives w. State: the last weights (used only when no root exists), saved with the model.
 */
public final class FairGradWeighter implements Weighter {
    /** Levenberg-Marquardt's iteration limit. */
    private static final int SOLVER_ITERATIONS = 200;

    private final double alpha;
    private double[] weights;

    /**
     * @param alpha the fairness exponent α, positive and finite (LibMTL's default in config.py, 1)
     * @throws IllegalArgumentException unless alpha is positive and finite
     */
    public FairGradWeighter(double alpha) {
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("FAIRGRAD fairGradAlpha must be positive and finite; " + alpha
                    + " is not");
        }
        this.alpha = alpha;
    }

    @Override
    public SDVariable combine(GraphHost host, List<SDVariable> branchLosses) {
        if (weights == null || weights.length != branchLosses.size()) {
            weights = SmallProblems.uniform(branchLosses.size());
        }
        return LossSums.sum(branchLosses);
    }

    @Override
    public boolean needsBranchGradients() {
        return true;
    }

    @Override
    public Map<String, INDArray> combineGradients(BranchGradients gradients) {
        int k = gradients.branches();
        if (weights == null || weights.length != k) {
            weights = SmallProblems.uniform(k);
        }
        List<String> shared = SharedOrAll.of(gradients);
        double[] root = SmallProblems.positiveRoot(gradients.gram(shared), alpha, SmallProblems.uniform(k),
                SOLVER_ITERATIONS);
        if (root != null) {
            weights = root;
        }
        return gradients.combine(weights);
    }

    @Override
    public double[] weights() {
        return weights.clone();
    }

    @Override
    public Map<String, INDArray> state() {
        Map<String, INDArray> state = new HashMap<>();
        state.put("weights", Nd4j.createFromArray(weights.clone()));
        return state;
    }

    @Override
    public void restoreState(Map<String, INDArray> state) {
        weights = state.get("weights").toDoubleVector();
    }

    /**
     * True: the branch terms are batch-mean losses, so each branch's gradient over a batch is the examples-weighted
     * sum of its shards'; the system over their Gram matrix is solved once, on the driver.
     */
    @Override
    public boolean additiveOverExamples() {
        return true;
    }
}

package io.github.branchwise.runtime.strategies;

import io.github.branchwise.runtime.GraphHost;
import io.github.branchwise.runtime.weighting.BranchGradients;
import io.github.branchwise.runtime.weighting.Weighter;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Nash-MTL, Navon et al. (2022, "Multi-Task Learning as a Bargaining Game"): the weights α are the Nash bargaining
 * solution, the positive root of {@code G·α = 1/α} (element-wise; G the Gram matrix of the branch gradients on the
 * shared parameters), and the network is updated with the gradient of {@code Σ αᵢ·Lᵢ}: heads included, as the
 * paper's code and LibMTL do. The combined shared gradient is then clipped to norm {@code maxNorm} (its norm is
 * {@code √(αᵀGα)}, so no extra pass; {@code max_norm}, 1 in the paper and LibMTL; 0 turns clipping off), as
 * {@code torch.nn.utils.clip_grad_norm_} does: scaled by {@code maxNorm/(norm + 1e-6)} where that is below 1. The
 * weights are solved anew every {@code updateEvery} steps (1 in the paper and LibMTL) and reused in between. Without
 * {@code @Shared} parameters every parameter counts as shared.
 *
 * <p>The root is solved exactly (Levenberg-Marquardt, to about 1e-15, warm-started from the previous α), where the
 * paper's code and LibMTL approximate it by up to {@code optim_niter = 20} convex problems (cvxpy/ECOS) and stop when
 * {@code ‖Ĝα − 1/α‖ < 1e-3} (Ĝ the Gram matrix divided by its Frobenius norm) or α moves less than 1e-6; the numbers
 * therefore agree with theirs only to that accuracy.
 *
 * <p>Where no positive root exists the previous α is kept (LibMTL keeps it when its convex problem is infeasible);
 * at the start α is all ones, LibMTL's start. That happens when the branch gradients cancel (say {@code g} and
 * {@code −g}) or are all zero. A branch whose shared gradient alone is zero has no root either ({@code 0 = 1/αᵢ}):
 * the root is taken over the others and it gets their mean weight (its weight only scales its own head's gradient).
 *
 * <p>{@link #weights()} gives α (before clipping, which scales the shared update only). State: the last α and the step
 * count, saved with the model so that a resumed run continues exactly.
 */
public final class NashMtlWeighter implements Weighter {
    /** Levenberg-Marquardt's iteration limit; SolverChoice's problems needed a few dozen at most. */
    private static final int SOLVER_ITERATIONS = 200;

    private final double maxNorm;
    private final int updateEvery;
    private double[] alpha;
    private long step;

    /**
     * @param maxNorm     the norm the shared gradient is clipped to; 0 turns clipping off (the paper's 1.0)
     * @param updateEvery how many steps apart the weights are solved (the paper's 1)
     * @throws IllegalArgumentException unless maxNorm is finite and non-negative and updateEvery positive
     */
    public NashMtlWeighter(double maxNorm, int updateEvery) {
        if (!(maxNorm >= 0) || Double.isInfinite(maxNorm)) {
            throw new IllegalArgumentException("NASH_MTL nashMtlMaxNorm must be finite and non-negative; " + maxNorm
                    + " is not");
        }
        if (updateEvery < 1) {
            throw new IllegalArgumentException("NASH_MTL nashMtlUpdateEvery must be at least 1; " + updateEvery
                    + " is not");
        }
        this.maxNorm = maxNorm;
        this.updateEvery = updateEvery;
    }

    @Override
    public SDVariable combine(GraphHost host, List<SDVariable> branchLosses) {
        if (alpha == null || alpha.length != branchLosses.size()) {
            alpha = new double[branchLosses.size()];
            Arrays.fill(alpha, 1.0);
        }
        return LossSums.sum(branchLosses);
    }

    @Override
    public boolean needsBranchGradients() {
        return true;
    }

    @Override
    public Map<String, INDArray> combineGradients(BranchGradients gradients) {
        if (alpha == null || alpha.length != gradients.branches()) {
            alpha = new double[gradients.branches()];
            Arrays.fill(alpha, 1.0);
        }
        List<String> shared = SharedOrAll.of(gradients);
        double[][] gram = gradients.gram(shared);
        if (step % updateEvery == 0) {
            double[] root = SmallProblems.positiveRoot(gram, 1, alpha, SOLVER_ITERATIONS);
            if (root != null) {
                alpha = root;
            }
        }
        step++;
        double scale = clipScale(gram, alpha, maxNorm);
        double[] sharedCoefficients = new double[alpha.length];
        for (int i = 0; i < alpha.length; i++) {
            sharedCoefficients[i] = alpha[i] * scale;
        }
        // Without @Shared parameters, shared is every parameter: all of them get the clipped coefficients.
        return gradients.combine(alpha, shared, sharedCoefficients);
    }

    /** {@code clip_grad_norm_}'s factor for the shared gradient {@code Σ αᵢ·gᵢ}, whose squared norm is αᵀGα. */
    static double clipScale(double[][] gram, double[] alpha, double maxNorm) {
        if (maxNorm <= 0) {
            return 1;
        }
        double norm = Math.sqrt(Math.max(SmallProblems.dot(alpha, SmallProblems.times(gram, alpha)), 0));
        double factor = maxNorm / (norm + 1e-6);
        return factor < 1 ? factor : 1;
    }

    @Override
    public double[] weights() {
        return alpha.clone();
    }

    @Override
    public Map<String, INDArray> state() {
        Map<String, INDArray> state = new HashMap<>();
        state.put("alpha", Nd4j.createFromArray(alpha.clone()));
        state.put("step", Nd4j.createFromArray(new long[] {step}));
        return state;
    }

    @Override
    public void restoreState(Map<String, INDArray> state) {
        alpha = state.get("alpha").toDoubleVector();
        step = state.get("step").getLong(0);
    }

    /**
     * True: the branch terms are batch-mean losses, so each branch's gradient over a batch is the examples-weighted
     * sum of its shards'; the bargaining system over their Gram matrix is solved once, on the driver.
     */
    @Override
    public boolean additiveOverExamples() {
        return true;
    }
}

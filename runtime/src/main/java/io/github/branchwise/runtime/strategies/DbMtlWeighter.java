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
 * Dual-Balancing Multi-Task Learning (DB-MTL), Lin et al. (2023): balances the losses' scales by training on their
 * logarithms, and the gradients' scales by giving every branch's gradient the largest one's norm. Per step t
 * (counted from 1), on the shared parameters: each branch's gradient of its log loss,
 * {@code bᵢ = ∇ log(Lᵢ + 1e-8) = ∇Lᵢ / (Lᵢ + 1e-8)}, goes into a moving average
 * {@code mᵢ ← bᵢ + (β / t^σ)·(mᵢ − bᵢ)} (starting at 0; β = 0.9 and σ = 0 by default, LibMTL's {@code DB_beta} and
 * {@code DB_beta_sigma}); the update is {@code Σᵢ αᵢ·mᵢ} with {@code αᵢ = maxⱼ ‖mⱼ‖ / (‖mᵢ‖ + 1e-8)}, norms over all
 * shared parameters. Each branch's own parameters get the gradient of its log loss, {@code ∇Lᵢ / (Lᵢ + 1e-8)}, as
 * LibMTL's back-propagation of the log losses gives them. Without {@code @Shared} parameters every parameter counts
 * as shared.
 *
 * <p>The moving averages are kept per value of the shared parameters and saved with the model (with the step count),
 * so a resumed run continues exactly. Two Java passes per step over the shared gradients: one updates the averages
 * and their norms, one writes the update. {@link #weights()} gives the αᵢ of the last step (1 before the first).
 *
 * <p>Degenerate cases: a zero loss gives {@code bᵢ = ∇Lᵢ / 1e-8}, finite (and 0 where the loss's gradient is 0, as
 * at an exact minimum); a branch whose average is 0 gets {@code αᵢ = maxⱼ ‖mⱼ‖ / 1e-8} times a zero average, 0; all
 * zero gives a zero update. A negative or non-finite loss has no logarithm: the step fails with an
 * {@link IllegalStateException}.
 */
public final class DbMtlWeighter implements Weighter {
    /** LibMTL's constant added to every loss before its logarithm, and to every norm before dividing by it. */
    static final double EPSILON = 1e-8;

    private final double beta;
    private final double betaSigma;
    private final PerValueState averages = new PerValueState("average/");
    private long steps;
    private double[] alpha;

    /**
     * @param beta      the moving average's weight of the past, in [0, 1]; 0.9 by default (LibMTL's {@code DB_beta})
     * @param betaSigma the decay of β with the step, {@code β / t^σ}; finite, not negative; 0 by default (no decay)
     * @throws IllegalArgumentException when either is out of range
     */
    public DbMtlWeighter(double beta, double betaSigma) {
        if (!(beta >= 0 && beta <= 1)) {
            throw new IllegalArgumentException("DB_MTL dbMtlBeta must be in [0, 1]; " + beta + " is not");
        }
        if (!(betaSigma >= 0) || Double.isInfinite(betaSigma)) {
            throw new IllegalArgumentException("DB_MTL dbMtlBetaSigma must be finite and not negative; " + betaSigma
                    + " is not");
        }
        this.beta = beta;
        this.betaSigma = betaSigma;
    }

    @Override
    public SDVariable combine(GraphHost host, List<SDVariable> branchLosses) {
        alpha = new double[branchLosses.size()];
        Arrays.fill(alpha, 1.0);
        return LossSums.sum(branchLosses);
    }

    @Override
    public boolean needsBranchGradients() {
        return true;
    }

    @Override
    public Map<String, INDArray> combineGradients(BranchGradients gradients) {
        int k = gradients.branches();
        double[] losses = gradients.losses();
        double[] scale = new double[k];
        for (int i = 0; i < k; i++) {
            double shifted = losses[i] + EPSILON;
            if (!(shifted > 0) || Double.isInfinite(shifted)) {
                throw new IllegalStateException("DB_MTL trains on the logarithms of the losses; branch " + i
                        + "'s loss is " + losses[i]);
            }
            scale[i] = 1 / shifted;
        }
        steps++;
        double keep = beta / Math.pow(steps, betaSigma);
        List<String> shared = SharedOrAll.of(gradients);
        double[] squaredNorms = new double[k];
        gradients.read(shared, (parameter, values) -> {
            double[][] m = averages.of(parameter, k, values[0].length);
            for (int i = 0; i < k; i++) {
                double[] mi = m[i];
                double[] gi = values[i];
                double si = scale[i];
                double sum = 0;
                for (int v = 0; v < mi.length; v++) {
                    double b = gi[v] * si;
                    double updated = b + keep * (mi[v] - b);
                    mi[v] = updated;
                    sum += updated * updated;
                }
                squaredNorms[i] += sum;
            }
        });
        double largest = 0;
        for (double squared : squaredNorms) {
            largest = Math.max(largest, Math.sqrt(squared));
        }
        double[] a = new double[k];
        for (int i = 0; i < k; i++) {
            a[i] = largest / (Math.sqrt(squaredNorms[i]) + EPSILON);
        }
        alpha = a;
        return gradients.combine(scale, shared,
                (parameter, values, out) -> PerValueState.combine(a, averages.of(parameter, k, out.length), out));
    }

    @Override
    public Map<String, INDArray> state() {
        Map<String, INDArray> state = new HashMap<>();
        averages.save(state);
        state.put("steps", Nd4j.createFromArray(new double[] {steps}));
        state.put("alpha", Nd4j.createFromArray(alpha.clone()));
        return state;
    }

    @Override
    public void restoreState(Map<String, INDArray> state) {
        averages.restore(state);
        INDArray saved = state.get("steps");
        steps = saved == null ? 0 : (long) saved.getDouble(0);
        if (state.containsKey("alpha")) {
            alpha = state.get("alpha").toDoubleVector();
        }
    }

    @Override
    public double[] weights() {
        return alpha.clone();
    }

    /**
     * True: the network trains on {@code Σ Lᵢ} with batch-mean losses, so each branch's gradient over a batch is the
     * examples-weighted sum of its shards'; the log-loss gradients {@code ∇Lᵢ/Lᵢ}, their moving averages and the
     * scaling are computed once, on the driver, from the whole batch's losses.
     */
    @Override
    public boolean additiveOverExamples() {
        return true;
    }
}

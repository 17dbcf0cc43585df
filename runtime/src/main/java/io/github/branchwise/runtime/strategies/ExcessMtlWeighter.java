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
 * ExcessMTL, He et al. (ICML 2024): weights the branches by their excess risk, the distance of each loss from its
 * own optimum, rather than by the loss itself, so that a branch with much irreducible noise does not take over. The
 * excess risk is estimated from a diagonal (AdaGrad) approximation of the Hessian: per value of the shared
 * parameters each branch sums its squared gradients, {@code Sᵢ += gᵢ²}, and its estimate is
 * {@code eᵢ = Σ gᵢ² / √(Sᵢ + 1e-7)} over all shared values. The first step only records {@code eᵢ(1)}; from the
 * second on the weights take a multiplicative step on the relative estimates,
 * {@code wᵢ ← wᵢ·exp(η·eᵢ / eᵢ(1))}, renormalised to sum to K (starting at 1; the robust step size η is 0.01 by
 * default, LibMTL's {@code robust_step_size}). The update is {@code Σ wᵢ·∇Lᵢ} on every parameter, heads included,
 * with the weights of this step, as LibMTL back-propagates {@code Σ wᵢ·Lᵢ}. Without {@code @Shared} parameters every
 * parameter counts as shared.
 *
 * <p>The sums are kept per value of the shared parameters and saved with the model (with the weights and first
 * estimates), so a resumed run continues exactly. One Java pass per step over the shared gradients to update the sums,
 * and the combination. {@link #weights()} gives w.
 *
 * <p>Degenerate cases: where a value's sum is still 0 its term is {@code 0 / √1e-7 = 0}. A branch whose first
 * estimate is 0 (no gradient on the shared parameters at the first step) would divide by 0 in LibMTL; here its
 * first non-zero estimate becomes its {@code eᵢ(1)}, and its weight moves by {@code exp(0)} until then. The weights
 * are renormalised in the log domain, so no exponential overflows.
 */
public final class ExcessMtlWeighter implements Weighter {
    /** LibMTL's constant under the square root of the sums. */
    static final double EPSILON = 1e-7;

    private final double stepSize;
    private final PerValueState sums = new PerValueState("squared_sums/");
    private double[] weights;
    /** Each branch's first non-zero estimate; 0 until it has one. */
    private double[] initial;
    private long steps;

    /**
     * @param stepSize the robust step size η of the weights' multiplicative update: finite, not negative; 0.01 by
     *                 default (LibMTL's {@code robust_step_size})
     * @throws IllegalArgumentException when out of range
     */
    public ExcessMtlWeighter(double stepSize) {
        if (!(stepSize >= 0) || Double.isInfinite(stepSize)) {
            throw new IllegalArgumentException("EXCESS_MTL excessMtlStepSize must be finite and not negative; "
                    + stepSize + " is not");
        }
        this.stepSize = stepSize;
    }

    @Override
    public SDVariable combine(GraphHost host, List<SDVariable> branchLosses) {
        weights = new double[branchLosses.size()];
        Arrays.fill(weights, 1.0);
        initial = new double[branchLosses.size()];
        return LossSums.sum(branchLosses);
    }

    @Override
    public boolean needsBranchGradients() {
        return true;
    }

    @Override
    public Map<String, INDArray> combineGradients(BranchGradients gradients) {
        int k = gradients.branches();
        double[] estimates = new double[k];
        gradients.read(SharedOrAll.of(gradients), (parameter, values) -> {
            double[][] s = sums.of(parameter, k, values[0].length);
            for (int i = 0; i < k; i++) {
                double[] si = s[i];
                double[] gi = values[i];
                double sum = 0;
                for (int v = 0; v < si.length; v++) {
                    double squared = gi[v] * gi[v];
                    si[v] += squared;
                    sum += squared / Math.sqrt(si[v] + EPSILON);
                }
                estimates[i] += sum;
            }
        });
        steps++;
        if (steps > 1) {
            double[] logs = new double[k];
            double largest = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < k; i++) {
                double relative = initial[i] > 0 ? estimates[i] / initial[i] : 0;
                logs[i] = Math.log(weights[i]) + stepSize * relative;
                largest = Math.max(largest, logs[i]);
            }
            double total = 0;
            double[] w = new double[k];
            for (int i = 0; i < k; i++) {
                w[i] = Math.exp(logs[i] - largest);
                total += w[i];
            }
            for (int i = 0; i < k; i++) {
                w[i] = w[i] / total * k;
            }
            weights = w;
        }
        for (int i = 0; i < k; i++) {
            if (initial[i] == 0) {
                initial[i] = estimates[i];
            }
        }
        return gradients.combine(weights.clone());
    }

    @Override
    public double[] weights() {
        return weights.clone();
    }

    @Override
    public Map<String, INDArray> state() {
        Map<String, INDArray> state = new HashMap<>();
        sums.save(state);
        state.put("weights", Nd4j.createFromArray(weights.clone()));
        state.put("initial", Nd4j.createFromArray(initial.clone()));
        state.put("steps", Nd4j.createFromArray(new double[] {steps}));
        return state;
    }

    @Override
    public void restoreState(Map<String, INDArray> state) {
        sums.restore(state);
        INDArray saved = state.get("steps");
        steps = saved == null ? 0 : (long) saved.getDouble(0);
        if (state.containsKey("weights")) {
            weights = state.get("weights").toDoubleVector();
            initial = state.get("initial").toDoubleVector();
        }
    }

    /**
     * True: the network trains on {@code Σ Lᵢ} with batch-mean losses, so each branch's gradient over a batch is the
     * examples-weighted sum of its shards'; the AdaGrad sums and the weights are updated once, on the driver.
     */
    @Override
    public boolean additiveOverExamples() {
        return true;
    }
}

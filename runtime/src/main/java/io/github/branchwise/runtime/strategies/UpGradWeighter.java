package io.github.branchwise.runtime.strategies;

import io.github.branchwise.runtime.GraphHost;
import io.github.branchwise.runtime.weighting.BranchGradients;
import io.github.branchwise.runtime.weighting.Weighter;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * UPGrad, Quinton and Rey (2024, "Jacobian Descent for Multi-Objective Optimization"; torchjd's {@code UPGrad}): on
 * the shared parameters each branch gradient {@code gᵢ} is projected onto the dual cone of the branch gradients (the
 * directions that conflict with none of them) and the projections are averaged. With G the Gram matrix of the shared
 * gradients, the projection of {@code Σ uⱼ·gⱼ} is {@code Σ vⱼ·gⱼ} with {@code v = argmin vᵀGv} subject to
 * {@code v ≥ u} (the paper's Proposition 1, a small box QP solved with Hipparchus); UPGrad's weights are
 * {@code Σᵢ v(eᵢ/K)}. Each branch's own parameters get their plain gradient, as in torchjd and LibMTL; the network
 * trains on {@code Σ Lᵢ}. Without {@code @Shared} parameters every parameter counts as shared.
 *
 * <p>As torchjd and LibMTL (defaults {@code norm_eps = reg_eps = 1e-4}): G is divided by its trace, or replaced by
 * zero when the trace (the squared norms summed) is below 1e-4, and 1e-4·I is added. So a zero branch gradient or two
 * identical ones still give a positive definite problem, and where every branch gradient is tiny
 * ({@code Σ‖gᵢ‖² < 1e-4}) the update is the mean gradient: that threshold is absolute, not relative, in both
 * references, and kept so for the same numbers.
 *
 * <p>{@link #weights()} gives each branch gradient's coefficient in the shared update. No state: each step solves
 * afresh.
 */
public final class UpGradWeighter implements Weighter {
    /** torchjd's and LibMTL's {@code norm_eps}. */
    static final double NORM_EPSILON = 1e-4;
    /** torchjd's and LibMTL's {@code reg_eps}. */
    static final double REGULARISATION = 1e-4;
    private double[] coefficients;

    /** UPGrad with torchjd's (and LibMTL's) constants. */
    public UpGradWeighter() {
    }

    @Override
    public SDVariable combine(GraphHost host, List<SDVariable> branchLosses) {
        coefficients = new double[branchLosses.size()];
        Arrays.fill(coefficients, 1.0 / coefficients.length);
        return LossSums.sum(branchLosses);
    }

    @Override
    public boolean needsBranchGradients() {
        return true;
    }

    @Override
    public Map<String, INDArray> combineGradients(BranchGradients gradients) {
        int k = gradients.branches();
        List<String> shared = SharedOrAll.of(gradients);
        coefficients = sharedCoefficients(gradients.gram(shared));
        // Heads keep their plain gradients; without @Shared parameters, shared is every parameter.
        double[] ones = new double[k];
        Arrays.fill(ones, 1.0);
        return gradients.combine(ones, shared, coefficients);
    }

    /** UPGrad's coefficients of the branch gradients in the shared update, from their Gram matrix. */
    static double[] sharedCoefficients(double[][] gram) {
        int k = gram.length;
        double trace = SmallProblems.trace(gram);
        double[][] g = trace < NORM_EPSILON || !Double.isFinite(trace) ? new double[k][k]
                : SmallProblems.scaled(gram, 1 / trace);
        for (int i = 0; i < k; i++) {
            g[i][i] += REGULARISATION;
        }
        double[] weights = new double[k];
        for (int i = 0; i < k; i++) {
            double[] u = new double[k];
            u[i] = 1.0 / k;
            double[] v = SmallProblems.boxQp(g, u);
            for (int j = 0; j < k; j++) {
                weights[j] += v[j];
            }
        }
        return weights;
    }

    @Override
    public double[] weights() {
        return coefficients.clone();
    }

    /**
     * True: the branch terms are batch-mean losses, so each branch's gradient over a batch is the examples-weighted
     * sum of its shards'; the box QPs over their Gram matrix are solved once, on the driver.
     */
    @Override
    public boolean additiveOverExamples() {
        return true;
    }
}

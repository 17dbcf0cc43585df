package io.github.branchwise.runtime.strategies;

import io.github.branchwise.runtime.GraphHost;
import io.github.branchwise.runtime.weighting.BranchGradients;
import io.github.branchwise.runtime.weighting.Weighter;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * MoDo, multi-objective gradient with double sampling: Chen, Fernando, Ying and Chen (NeurIPS 2023; JMLR 2024),
 * "Three-Way Trade-Off in Multi-Objective Learning: Optimization, Generalization and Conflict-Avoidance". Each step
 * takes three independent gradient samples ({@link #gradientSamples()}: three consecutive parts of the batch's rows),
 * each the K branch gradients {@code G₁, G₂, G₃} on the shared parameters.
 *
 * <p>The weights λ, kept from step to step (uniform at the start), take one projected step:
 * {@code λ ← Π_Δ(λ − γ·(G₁·G₂ᵀ·λ + ρ·λ))}, an unbiased stochastic gradient of {@code ½‖Gλ‖² + ½ρ‖λ‖²} (the double
 * sampling), projected onto the simplex; the shared parameters' update is {@code Σ λᵢ·G₃ᵢ} with the new λ. γ and ρ
 * default to LibMTL's 1e-3 and 0.1 ({@code LibMTL/weighting/MoDo.py}, {@code config.py}); the paper tunes them per
 * experiment.
 *
 * <p>Each branch's own parameters get its plain gradient averaged over the three samples, the gradient of its loss on
 * the whole batch (as LibMTL, which divides the accumulated head gradients by 3). Without {@code @Shared} parameters
 * every parameter counts as shared. {@link #weights()} is λ; the network trains on {@code Σ Lᵢ}. All-zero gradients
 * leave only the ρ term, which with the projection moves λ towards uniform; a Gram matrix that is not finite leaves λ
 * unchanged (the step then reports the divergence).
 */
public final class MoDoWeighter implements Weighter {
    private static final int SAMPLES = 3;

    private final double gamma;
    private final double rho;
    private double[] lambda;

    /**
     * @param gamma γ, the learning rate of λ; positive and finite
     * @param rho   ρ, the L2 regularisation of λ's update; finite, not negative
     * @throws IllegalArgumentException when a setting is out of range
     */
    public MoDoWeighter(double gamma, double rho) {
        if (!(gamma > 0) || Double.isInfinite(gamma)) {
            throw new IllegalArgumentException("MODO modoGamma must be positive and finite; " + gamma + " is not");
        }
        if (!(rho >= 0) || Double.isInfinite(rho)) {
            throw new IllegalArgumentException("MODO modoRho must be finite and not negative; " + rho + " is not");
        }
        this.gamma = gamma;
        this.rho = rho;
    }

    @Override
    public SDVariable combine(GraphHost host, List<SDVariable> branchLosses) {
        lambda = SmallProblems.uniform(branchLosses.size());
        return LossSums.sum(branchLosses);
    }

    @Override
    public boolean needsBranchGradients() {
        return true;
    }

    @Override
    public int gradientSamples() {
        return SAMPLES;
    }

    @Override
    public Map<String, INDArray> combineGradients(BranchGradients gradients) {
        if (gradients.samples() != SAMPLES) {
            throw new IllegalStateException("MODO needs " + SAMPLES + " gradient samples, got "
                    + gradients.samples());
        }
        int k = gradients.branches();
        if (lambda == null || lambda.length != k) {
            // Uniform at the start (combine sets them too; a weighter used outside a graph starts here).
            lambda = SmallProblems.uniform(k);
        }
        List<String> shared = SharedOrAll.of(gradients);
        lambda = lambdaAfter(lambda, gradients.gram(0, 1, shared), gamma, rho);
        double[][] heads = new double[SAMPLES][k];
        for (double[] row : heads) {
            Arrays.fill(row, 1.0 / SAMPLES);
        }
        double[][] onShared = {new double[k], new double[k], lambda.clone()};
        // Without @Shared parameters, shared is every parameter: all of them get onShared.
        return gradients.combine(heads, shared, onShared);
    }

    /**
     * λ after one step, from the cross-sample Gram matrix {@code cross[i][j] = G₁ᵢ·G₂ⱼ}; unchanged when the matrix
     * or the step is not finite (gradients near overflow).
     */
    static double[] lambdaAfter(double[] lambda, double[][] cross, double gamma, double rho) {
        for (double[] row : cross) {
            for (double value : row) {
                if (!Double.isFinite(value)) {
                    return lambda.clone();
                }
            }
        }
        double[] product = SmallProblems.times(cross, lambda);
        double[] moved = new double[lambda.length];
        for (int i = 0; i < lambda.length; i++) {
            moved[i] = lambda[i] - gamma * (product[i] + rho * lambda[i]);
            if (!Double.isFinite(moved[i])) {
                // A finite Gram matrix whose product with λ overflows: no step rather than a made-up one.
                return lambda.clone();
            }
        }
        return SimplexProjection.project(moved);
    }

    @Override
    public double[] weights() {
        return lambda.clone();
    }

    @Override
    public Map<String, INDArray> state() {
        return Map.of("lambda", Nd4j.createFromArray(lambda.clone()));
    }

    @Override
    public void restoreState(Map<String, INDArray> state) {
        double[] saved = state.get("lambda").toDoubleVector();
        if (lambda != null && saved.length != lambda.length) {
            throw new IllegalArgumentException("MODO state has " + saved.length + " weights for " + lambda.length
                    + " branches");
        }
        lambda = saved;
    }
}

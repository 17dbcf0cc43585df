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
 * CAGrad, Liu et al. (2021): on the shared parameters the update is the direction {@code d} that maximises the worst
 * branch's improvement {@code min_i gᵢ·d} within a ball {@code ‖d − g₀‖ ≤ c·‖g₀‖} around the average gradient
 * {@code g₀}. Its dual, over weights w on the simplex, is {@code min wᵀ·G·b + c·‖g₀‖·√(wᵀ·G·w)} with G the Gram
 * matrix of the shared gradients and {@code b = 1/K}; then {@code d = g₀ + λ·g_w}, {@code g_w = Σ wᵢ·gᵢ},
 * {@code λ = c·‖g₀‖ / ‖g_w‖}, divided by {@code 1 + c²} ({@code rescale = 1}, the default), {@code 1 + c}
 * ({@code rescale = 2}) or 1 ({@code rescale = 0}). Each branch's own parameters get its plain gradient; the network
 * trains on {@code Σ Lᵢ}. As LibMTL (the reference) does, with its small constants: {@code ‖g₀‖ = √(mean(G) + 1e-8)},
 * {@code c·‖g₀‖ + 1e-8}, {@code √(wᵀGw + 1e-8)} and {@code ‖g_w‖ + 1e-8}. Without {@code @Shared} parameters every
 * parameter counts as shared.
 *
 * <p>{@link #weights()} gives each branch gradient's coefficient in the shared update, {@code (1/K + λ·wᵢ)/rescale}.
 * No state: every step solves afresh from uniform weights.
 */
public final class CaGradWeighter implements Weighter {
    private final double c;
    private final int rescale;
    private double[] coefficients;

    /**
     * @param c       the radius of the ball around the average gradient, relative to its norm; LibMTL's
     *                {@code calpha}, 0.5 in the paper's experiments
     * @param rescale 0: no rescaling, 1: divide by {@code 1 + c²}, 2: divide by {@code 1 + c}
     * @throws IllegalArgumentException unless c is finite and non-negative and rescale is 0, 1 or 2
     */
    public CaGradWeighter(double c, int rescale) {
        if (!(c >= 0) || Double.isInfinite(c)) {
            throw new IllegalArgumentException("CAGRAD c must be finite and non-negative; " + c + " is not");
        }
        if (rescale < 0 || rescale > 2) {
            throw new IllegalArgumentException("CAGRAD rescale must be 0 (none), 1 (divide by 1 + c²) or 2 (divide "
                    + "by 1 + c); " + rescale + " is not");
        }
        this.c = c;
        this.rescale = rescale;
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
        coefficients = sharedCoefficients(gradients.gram(shared), c, rescale);
        // Heads keep their plain gradients; without @Shared parameters, shared is every parameter.
        double[] ones = new double[k];
        Arrays.fill(ones, 1.0);
        return gradients.combine(ones, shared, coefficients);
    }

    /** The coefficients of the branch gradients in CAGrad's shared update, from their Gram matrix. */
    static double[] sharedCoefficients(double[][] gram, double c, int rescale) {
        int k = gram.length;
        double mean = 0;
        for (double[] row : gram) {
            for (double value : row) {
                mean += value;
            }
        }
        mean /= k * k;
        double g0Norm = Math.sqrt(Math.max(mean, 0) + 1e-8);
        double radius = c * g0Norm + 1e-8;
        double[] b = SmallProblems.uniform(k);
        double[] w = SmallProblems.caGradWeights(gram, b, radius, 1e-8);
        double gwNorm = Math.sqrt(Math.max(SmallProblems.dot(w, SmallProblems.times(gram, w)), 0));
        double lambda = radius / (gwNorm + 1e-8);
        double divisor = switch (rescale) {
            case 0 -> 1;
            case 1 -> 1 + c * c;
            default -> 1 + c;
        };
        double[] out = new double[k];
        for (int i = 0; i < k; i++) {
            out[i] = (1.0 / k + lambda * w[i]) / divisor;
        }
        return out;
    }

    @Override
    public double[] weights() {
        return coefficients.clone();
    }

    /**
     * True: the network trains on {@code Σ Lᵢ} with batch-mean branch losses, so each branch's gradient over a batch
     * is the examples-weighted sum of its shards' gradients; the dual over the Gram matrix of those summed gradients
     * is solved once, on the driver.
     */
    @Override
    public boolean additiveOverExamples() {
        return true;
    }
}

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
 * SDMGrad, Xiao, Ban and Ji (NeurIPS 2023), "Direction-oriented Multi-objective Learning: Simple and Provable
 * Stochastic Algorithms": a stochastic MGDA whose direction is pulled towards the average gradient. Each step takes
 * three independent gradient samples ({@link #gradientSamples()}: three consecutive parts of the batch's rows),
 * {@code ζ}, {@code ξ₁}, {@code ξ₂}, each the K branch gradients on the shared parameters.
 *
 * <p>The simplex weights {@code w}, kept from step to step (uniform at the start), take {@code iterations} projected
 * heavy-ball steps on {@code ½‖G w‖² + λ·(G w)·g₀}: with {@code A = ξ₁·ξ₂ᵀ / (s² + 1e-8)},
 * {@code s = mean(√max(Aᵢᵢ, 0))} (A before the division), the gradient is {@code A·w + λ·a}, {@code aᵢ = meanⱼ Aᵢⱼ};
 * a fresh SGD with learning rate 5 and momentum 0.5 steps along it, and every step is projected back onto the simplex.
 * The shared parameters' update is {@code (Σ wᵢ·ζᵢ + λ·mean(ζ)) / (1 + λ)}. The constants (5, 0.5, 1e-8, the scale s)
 * are LibMTL's ({@code LibMTL/weighting/SDMGrad.py}); its defaults λ = 0.3 and 20 iterations are those of the
 * official code's NYU-v2 and Cityscapes runs.
 *
 * <p>Each branch's own parameters get its plain gradient averaged over the three samples, the gradient of its loss on
 * the whole batch (LibMTL gives them the sum over the samples, three times that). Without {@code @Shared} parameters
 * every parameter counts as shared. {@link #weights()} gives each branch gradient's coefficient in the shared update,
 * {@code (wᵢ + λ/K)/(1 + λ)}; the network trains on {@code Σ Lᵢ}. All-zero gradients leave {@code w} unchanged; a
 * Gram matrix that is not finite leaves it unchanged too (the step then reports the divergence).
 */
public final class SdmGradWeighter implements Weighter {
    /** LibMTL's learning rate of the inner SGD on w. */
    static final double INNER_LEARNING_RATE = 5;
    /** LibMTL's momentum of the inner SGD on w. */
    static final double INNER_MOMENTUM = 0.5;
    private static final int SAMPLES = 3;

    private final double lambda;
    private final int iterations;
    private double[] w;

    /**
     * @param lambda     λ, how far the direction is pulled towards the average gradient; finite, not negative
     * @param iterations the projected SGD steps on w per training step; positive
     * @throws IllegalArgumentException when a setting is out of range
     */
    public SdmGradWeighter(double lambda, int iterations) {
        if (!(lambda >= 0) || Double.isInfinite(lambda)) {
            throw new IllegalArgumentException("SDMGRAD sdmGradLambda must be finite and not negative; " + lambda
                    + " is not");
        }
        if (iterations < 1) {
            throw new IllegalArgumentException("SDMGRAD sdmGradIterations must be positive; " + iterations
                    + " is not");
        }
        this.lambda = lambda;
        this.iterations = iterations;
    }

    @Override
    public SDVariable combine(GraphHost host, List<SDVariable> branchLosses) {
        w = SmallProblems.uniform(branchLosses.size());
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
            throw new IllegalStateException("SDMGRAD needs " + SAMPLES + " gradient samples, got "
                    + gradients.samples());
        }
        int k = gradients.branches();
        if (w == null || w.length != k) {
            // Uniform at the start (combine sets them too; a weighter used outside a graph starts here).
            w = SmallProblems.uniform(k);
        }
        List<String> shared = SharedOrAll.of(gradients);
        w = weightsAfter(w, gradients.gram(1, 2, shared), lambda, iterations);
        double[] coefficients = coefficients(w, lambda);
        double[][] heads = new double[SAMPLES][k];
        for (double[] row : heads) {
            Arrays.fill(row, 1.0 / SAMPLES);
        }
        double[][] onShared = new double[SAMPLES][];
        onShared[0] = coefficients;
        onShared[1] = new double[k];
        onShared[2] = new double[k];
        // Without @Shared parameters, shared is every parameter: all of them get onShared.
        return gradients.combine(heads, shared, onShared);
    }

    /**
     * The weights after one training step's inner iterations, from the cross-sample Gram matrix
     * {@code cross[i][j] = ξ₁ᵢ·ξ₂ⱼ}; {@code w} unchanged when the matrix or a step is not finite.
     */
    static double[] weightsAfter(double[] w, double[][] cross, double lambda, int iterations) {
        int k = w.length;
        for (double[] row : cross) {
            for (double value : row) {
                if (!Double.isFinite(value)) {
                    return w.clone();
                }
            }
        }
        double scale = 0;
        for (int i = 0; i < k; i++) {
            scale += Math.sqrt(Math.max(cross[i][i], 0));
        }
        scale /= k;
        double divisor = scale * scale + 1e-8;
        double[][] a = new double[k][k];
        double[] rowMeans = new double[k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                a[i][j] = cross[i][j] / divisor;
                rowMeans[i] += a[i][j] / k;
            }
        }
        double[] current = w.clone();
        double[] momentum = null;
        for (int t = 0; t < iterations; t++) {
            double[] gradient = SmallProblems.times(a, current);
            for (int i = 0; i < k; i++) {
                gradient[i] += lambda * rowMeans[i];
            }
            if (momentum == null) {
                // PyTorch's SGD: the first step's buffer is the gradient itself.
                momentum = gradient;
            } else {
                for (int i = 0; i < k; i++) {
                    momentum[i] = INNER_MOMENTUM * momentum[i] + gradient[i];
                }
            }
            double[] moved = new double[k];
            for (int i = 0; i < k; i++) {
                moved[i] = current[i] - INNER_LEARNING_RATE * momentum[i];
                if (!Double.isFinite(moved[i])) {
                    return w.clone();
                }
            }
            current = SimplexProjection.project(moved);
        }
        return current;
    }

    /** Each branch gradient's coefficient in the shared update, {@code (wᵢ + λ/K)/(1 + λ)}. */
    static double[] coefficients(double[] w, double lambda) {
        int k = w.length;
        double[] c = new double[k];
        for (int i = 0; i < k; i++) {
            c[i] = (w[i] + lambda / k) / (1 + lambda);
        }
        return c;
    }

    @Override
    public double[] weights() {
        return coefficients(w, lambda);
    }

    /** The simplex weights w, kept from step to step, in branch order. */
    public double[] simplexWeights() {
        return w.clone();
    }

    @Override
    public Map<String, INDArray> state() {
        return Map.of("w", Nd4j.createFromArray(w.clone()));
    }

    @Override
    public void restoreState(Map<String, INDArray> state) {
        double[] saved = state.get("w").toDoubleVector();
        if (w != null && saved.length != w.length) {
            throw new IllegalArgumentException("SDMGRAD state has " + saved.length + " weights for " + w.length
                    + " branches");
        }
        w = saved;
    }
}

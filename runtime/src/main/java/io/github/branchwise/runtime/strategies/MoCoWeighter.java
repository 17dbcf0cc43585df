package io.github.branchwise.runtime.strategies;

import io.github.branchwise.runtime.GraphHost;
import io.github.branchwise.runtime.weighting.BranchGradients;
import io.github.branchwise.runtime.weighting.VectorProducts;
import io.github.branchwise.runtime.weighting.Weighter;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * MoCo, Fernando et al. (ICLR 2023): MGDA with tracked gradients and weights that move by a gradient step, which
 * removes the bias stochastic gradients give MGDA. Per step t (counted from 1), on the shared parameters: each branch's
 * gradient, scaled to its loss, {@code ĝᵢ = gᵢ·Lᵢ / (‖gᵢ‖ + 1e-8)}, updates its tracked gradient
 * {@code yᵢ ← yᵢ − (β / t^βσ)·(yᵢ − ĝᵢ)} (starting at 0); the weights take one step of the min-norm problem and
 * are projected back onto the simplex by a softmax, {@code λ ← softmax(λ − (γ / t^γσ)·(YYᵀ + ρI)·λ)} (starting at
 * 1/K); the update is {@code Σᵢ λᵢ·yᵢ}. Each branch's own parameters get its plain gradient. Defaults β = 0.5,
 * βσ = 0.5, γ = 0.1, γσ = 0.5, ρ = 0: LibMTL's {@code MoCo_beta}, {@code MoCo_beta_sigma}, {@code MoCo_gamma},
 * {@code MoCo_gamma_sigma}, {@code MoCo_rho}. Without {@code @Shared} parameters every parameter counts as shared.
 *
 * <p>The tracked gradients are kept per value of the shared parameters and saved with the model (with λ and the step
 * count), so a resumed run continues exactly. Two Java passes per step over the shared gradients (see
 * {@link #combineGradients}). {@link #weights()} gives λ.
 *
 * <p>A branch whose shared gradient is 0 contributes {@code ĝᵢ = 0} (finite, from the 1e-8).
 */
public final class MoCoWeighter implements Weighter {
    /** LibMTL's constant added to every gradient norm before dividing by it. */
    static final double EPSILON = 1e-8;
    /** Values per block of the update pass. */
    private static final int BLOCK = 512;

    private final double beta;
    private final double betaSigma;
    private final double gamma;
    private final double gammaSigma;
    private final double rho;
    private final PerValueState tracked = new PerValueState("tracked/");
    private long steps;
    private double[] lambda;

    /**
     * @param beta       the tracking rate β of y, in (0, 1]
     * @param betaSigma  its decay σ, {@code β / t^σ}: finite, not negative
     * @param gamma      the step size γ of λ: finite, not negative
     * @param gammaSigma its decay σ, {@code γ / t^σ}: finite, not negative
     * @param rho        the L2 regularisation ρ of λ's step: finite, not negative
     * @throws IllegalArgumentException when one is out of range
     */
    public MoCoWeighter(double beta, double betaSigma, double gamma, double gammaSigma, double rho) {
        if (!(beta > 0 && beta <= 1)) {
            throw new IllegalArgumentException("MOCO mocoBeta must be in (0, 1]; " + beta + " is not");
        }
        requireFiniteNonNegative("mocoBetaSigma", betaSigma);
        requireFiniteNonNegative("mocoGamma", gamma);
        requireFiniteNonNegative("mocoGammaSigma", gammaSigma);
        requireFiniteNonNegative("mocoRho", rho);
        this.beta = beta;
        this.betaSigma = betaSigma;
        this.gamma = gamma;
        this.gammaSigma = gammaSigma;
        this.rho = rho;
    }

    private static void requireFiniteNonNegative(String name, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("MOCO " + name + " must be finite and not negative; " + value
                    + " is not");
        }
    }

    @Override
    public SDVariable combine(GraphHost host, List<SDVariable> branchLosses) {
        lambda = new double[branchLosses.size()];
        Arrays.fill(lambda, 1.0 / lambda.length);
        return LossSums.sum(branchLosses);
    }

    @Override
    public boolean needsBranchGradients() {
        return true;
    }

    /**
     * Two Java passes over the shared gradients. The first reads the products of the old tracked gradients and the new
     * branch gradients (one Gram matrix of the 2K vectors, {@link VectorProducts}) ({@code yᵢ·yⱼ}, {@code yᵢ·gⱼ}, {@code gᵢ·gⱼ}), from which the norms {@code ‖gᵢ‖} and the Gram
     * matrix of the updated {@code yᵢ = (1 − r)·yᵢ + r·sᵢ·gᵢ} follow by expanding the products; the second updates
     * y value by value and writes {@code Σ λᵢ·yᵢ}. So y is read and written once per step, and the Gram matrix of
     * the new y needs no pass of its own.
     */
    @Override
    public Map<String, INDArray> combineGradients(BranchGradients gradients) {
        int k = gradients.branches();
        List<String> shared = SharedOrAll.of(gradients);
        double[] losses = gradients.losses();
        double[][] yy = new double[k][k];
        double[][] yg = new double[k][k];
        double[][] gg = new double[k][k];
        double[][] rows = new double[2 * k][];
        double[][] products = new double[2 * k][2 * k];
        gradients.read(shared, (parameter, values) -> {
            // The Gram matrix of the rows y₁..y_K, g₁..g_K holds all three blocks: yy, yg and gg, in one pass.
            double[][] y = tracked.of(parameter, k, values[0].length);
            System.arraycopy(y, 0, rows, 0, k);
            System.arraycopy(values, 0, rows, k, k);
            VectorProducts.accumulateGram(rows, products);
        });
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                yy[i][j] = products[i][j];
                yg[i][j] = products[i][k + j];
                gg[i][j] = products[k + i][k + j];
            }
        }
        double[] scale = new double[k];
        for (int i = 0; i < k; i++) {
            scale[i] = losses[i] / (Math.sqrt(Math.max(gg[i][i], 0)) + EPSILON);
        }
        steps++;
        double rate = beta / Math.pow(steps, betaSigma);
        double keep = 1 - rate;
        double[][] updated = new double[k][k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                updated[i][j] = keep * keep * yy[i][j] + keep * rate * (scale[j] * yg[i][j] + scale[i] * yg[j][i])
                        + rate * rate * scale[i] * scale[j] * gg[i][j];
            }
        }
        double step = gamma / Math.pow(steps, gammaSigma);
        double[] moved = new double[k];
        for (int i = 0; i < k; i++) {
            double product = rho * lambda[i];
            for (int j = 0; j < k; j++) {
                product += updated[i][j] * lambda[j];
            }
            moved[i] = lambda[i] - step * product;
        }
        double[] l = LossSums.softmax(moved, 1);
        lambda = l;
        double[] ones = new double[k];
        Arrays.fill(ones, 1.0);
        return gradients.combine(ones, shared, (parameter, values, out) -> {
            double[][] y = tracked.of(parameter, k, out.length);
            // In blocks, so that the block of out stays in the cache while each branch adds its share.
            for (int start = 0; start < out.length; start += BLOCK) {
                int end = Math.min(out.length, start + BLOCK);
                for (int i = 0; i < k; i++) {
                    double[] yi = y[i];
                    double[] gi = values[i];
                    double si = rate * scale[i];
                    double li = l[i];
                    for (int v = start; v < end; v++) {
                        double next = keep * yi[v] + si * gi[v];
                        yi[v] = next;
                        out[v] += li * next;
                    }
                }
            }
        });
    }

    @Override
    public double[] weights() {
        return lambda.clone();
    }

    @Override
    public Map<String, INDArray> state() {
        Map<String, INDArray> state = new HashMap<>();
        tracked.save(state);
        state.put("steps", Nd4j.createFromArray(new double[] {steps}));
        state.put("lambda", Nd4j.createFromArray(lambda.clone()));
        return state;
    }

    @Override
    public void restoreState(Map<String, INDArray> state) {
        tracked.restore(state);
        INDArray saved = state.get("steps");
        steps = saved == null ? 0 : (long) saved.getDouble(0);
        if (state.containsKey("lambda")) {
            lambda = state.get("lambda").toDoubleVector();
        }
    }

    /**
     * True: the network trains on {@code Σ Lᵢ} with batch-mean losses, so each branch's gradient over a batch is the
     * examples-weighted sum of its shards'; the tracked gradients and λ are updated once, on the driver.
     */
    @Override
    public boolean additiveOverExamples() {
        return true;
    }
}

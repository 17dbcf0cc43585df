package io.github.branchwise.runtime.strategies;

import io.github.branchwise.annotations.GradientSource;
import io.github.branchwise.annotations.ImtlMode;
import io.github.branchwise.runtime.GraphHost;
import io.github.branchwise.runtime.weighting.BranchGradients;
import io.github.branchwise.runtime.weighting.Weighter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.hipparchus.linear.Array2DRowRealMatrix;
import org.hipparchus.linear.ArrayRealVector;
import org.hipparchus.linear.LUDecomposition;
import org.hipparchus.linear.RealMatrix;
import org.hipparchus.linear.SingularValueDecomposition;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Impartial Multi-task Learning, Liu et al. (ICLR 2021), in the three forms of the paper ({@link ImtlMode}).
 *
 * <p>IMTL-L ({@link ImtlMode#LOSS}, {@link ImtlMode#HYBRID}): the branch losses are scaled by {@code exp(sᵢ)} with a
 * trainable {@code sᵢ} per branch ({@code weighting/loss_scale}, starting at 0), {@code total = Σ exp(sᵢ)·Lᵢ - sᵢ};
 * {@code ∂total/∂sᵢ = exp(sᵢ)·Lᵢ - 1} drives every scaled loss towards 1.
 *
 * <p>IMTL-G ({@link ImtlMode#GRADIENT}, {@link ImtlMode#HYBRID}): on the shared parameters the update is
 * {@code g = Σ αᵢ·gᵢ}, {@code Σ αᵢ = 1}, whose projections {@code g·uᵢ} on the unit gradients
 * {@code uᵢ = gᵢ/‖gᵢ‖} are all equal; in closed form {@code α₂..K = g₁·Uᵀ·(D·Uᵀ)⁻¹}, {@code α₁ = 1 - Σ α₂..K}, with
 * the rows {@code Dᵢ = g₁ - gᵢ}, {@code Uᵢ = u₁ - uᵢ}. Every product there is a Gram-matrix entry
 * ({@code (g₁ - gᵢ)·(u₁ - uⱼ) = G₁₁/‖g₁‖ - G₁ⱼ/‖gⱼ‖ - Gᵢ₁/‖g₁‖ + Gᵢⱼ/‖gⱼ‖}), so α comes from the Gram matrix of
 * the shared gradients (or of the representation gradients, {@link GradientSource}), one pass over them. In
 * {@link ImtlMode#HYBRID} the {@code gᵢ} are the gradients of the scaled terms {@code exp(sᵢ)·Lᵢ}, as in the paper
 * and LibMTL. Each branch's own parameters get the gradient of its own term ({@code exp(sᵢ)·∇Lᵢ}, or {@code ∇Lᵢ}
 * without IMTL-L), as LibMTL gives them; {@code sᵢ} gets {@code exp(sᵢ)·Lᵢ - 1}.
 *
 * <p>Degenerate cases, where the closed form has no answer (LibMTL's {@code torch.inverse} then fails or returns
 * infinities): a branch whose gradient is zero has no direction; it gets {@code αᵢ = 0} and the others are balanced
 * among themselves (all zero: {@code αᵢ = 1/K}); when the remaining system is singular (two gradients of the same
 * direction, where any α of the same sum gives the same projections along them), every remaining branch gets the same
 * α. Without shared parameters every parameter counts as shared, as for CAGrad.
 *
 * <p>{@link #weights()} gives each branch loss's coefficient in the shared update, {@code αᵢ·exp(sᵢ)} (only
 * {@code exp(sᵢ)} in {@link ImtlMode#LOSS}, only {@code αᵢ} in {@link ImtlMode#GRADIENT}). No Java state: {@code s}
 * is a parameter saved with the model, and α is solved afresh every step.
 */
public final class ImtlWeighter implements Weighter {
    /** The name of the learned log scales {@code s}. */
    static final String LOSS_SCALE = "weighting/loss_scale";
    /** Below this ratio of the smallest to the largest singular value the IMTL-G system counts as singular. */
    private static final double SINGULAR = 1e-12;

    private final ImtlMode mode;
    private final GradientSource source;
    private SDVariable logScale;
    private int branches;
    private double[] alpha;

    /** IMTL as the paper's full method and LibMTL: both balances, α from the shared parameters' gradients. */
    public ImtlWeighter() {
        this(ImtlMode.HYBRID, GradientSource.PARAMETERS);
    }

    /**
     * @param mode   which of the balances to apply
     * @param source which gradients IMTL-G balances; not read in {@link ImtlMode#LOSS}
     */
    public ImtlWeighter(ImtlMode mode, GradientSource source) {
        this.mode = Objects.requireNonNull(mode, "mode");
        this.source = Objects.requireNonNull(source, "source");
    }

    @Override
    public SDVariable combine(GraphHost host, List<SDVariable> branchLosses) {
        branches = branchLosses.size();
        alpha = new double[branches];
        Arrays.fill(alpha, 1.0 / branches);
        if (mode == ImtlMode.GRADIENT) {
            return LossSums.sum(branchLosses);
        }
        // A double array: the parameter takes the model's type from it.
        logScale = host.parameter(LOSS_SCALE, Nd4j.zeros(DataType.DOUBLE, branches));
        SDVariable stacked = host.sameDiff().stack(0, branchLosses.toArray(new SDVariable[0]));
        return host.sameDiff().math().exp(logScale).mul(stacked).sub(logScale).sum();
    }

    @Override
    public boolean needsBranchGradients() {
        return mode != ImtlMode.LOSS;
    }

    @Override
    public boolean needsRepresentationGradients() {
        return mode != ImtlMode.LOSS && source != GradientSource.PARAMETERS;
    }

    @Override
    public Map<String, INDArray> combineGradients(BranchGradients gradients) {
        List<String> shared = SharedOrAll.of(gradients);
        double[][] gram = source == GradientSource.PARAMETERS ? gradients.gram(shared)
                : gradients.representationGram(source == GradientSource.REPRESENTATION_BATCH_SUM);
        alpha = alphas(gram);
        double[] ones = new double[alpha.length];
        Arrays.fill(ones, 1.0);
        Map<String, double[]> byParameter = new HashMap<>();
        for (String name : shared) {
            byParameter.put(name, alpha);
        }
        Map<String, INDArray> combined = gradients.combine(ones, byParameter);
        INDArray scaleGradient = combined.get(LOSS_SCALE);
        if (scaleGradient != null) {
            // Every pass differentiates Σ -sⱼ too, so the combination of the passes is not the gradient of the total;
            // written here, in the combination's own buffer, from the step's losses.
            double[] s = logScale.getArr().toDoubleVector();
            double[] losses = gradients.losses();
            for (int i = 0; i < losses.length; i++) {
                scaleGradient.putScalar(i, Math.exp(s[i]) * losses[i] - 1);
            }
        }
        return combined;
    }

    /**
     * IMTL-G's α from the Gram matrix of the branch gradients: {@code Σ αᵢ·gᵢ} has equal projections on every unit
     * gradient and {@code Σ αᵢ = 1}; the degenerate cases as the class describes.
     */
    static double[] alphas(double[][] gram) {
        int k = gram.length;
        double[] alpha = new double[k];
        List<Integer> kept = new ArrayList<>();
        boolean finite = true;
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                finite &= Double.isFinite(gram[i][j]);
            }
            if (gram[i][i] > 0) {
                kept.add(i);
            }
        }
        if (!finite || kept.isEmpty()) {
            // Not finite: the trainer reports the gradient that is not and applies no update.
            Arrays.fill(alpha, 1.0 / k);
            return alpha;
        }
        if (kept.size() == 1) {
            alpha[kept.get(0)] = 1;
            return alpha;
        }
        int m = kept.size() - 1;
        int first = kept.get(0);
        double[] norm = new double[k];
        for (int i : kept) {
            norm[i] = Math.sqrt(gram[i][i]);
        }
        // transposed[c][r] = (g₁ - g_r)·(u₁ - u_c): the system x·(D·Uᵀ) = g₁·Uᵀ as (D·Uᵀ)ᵀ·xᵀ.
        double[][] transposed = new double[m][m];
        double[] b = new double[m];
        for (int c = 0; c < m; c++) {
            int cj = kept.get(c + 1);
            b[c] = gram[first][first] / norm[first] - gram[first][cj] / norm[cj];
            for (int r = 0; r < m; r++) {
                int ri = kept.get(r + 1);
                transposed[c][r] = gram[first][first] / norm[first] - gram[first][cj] / norm[cj]
                        - gram[ri][first] / norm[first] + gram[ri][cj] / norm[cj];
            }
        }
        RealMatrix system = new Array2DRowRealMatrix(transposed, false);
        double[] singular = new SingularValueDecomposition(system).getSingularValues();
        double largest = singular[0];
        double smallest = singular[singular.length - 1];
        if (!(largest > 0) || smallest <= SINGULAR * largest) {
            for (int i : kept) {
                alpha[i] = 1.0 / kept.size();
            }
            return alpha;
        }
        double[] x = new LUDecomposition(system, 0).getSolver().solve(new ArrayRealVector(b, false)).toArray();
        double rest = 0;
        for (int c = 0; c < m; c++) {
            alpha[kept.get(c + 1)] = x[c];
            rest += x[c];
        }
        alpha[first] = 1 - rest;
        return alpha;
    }

    @Override
    public double[] weights() {
        double[] w = mode == ImtlMode.LOSS ? new double[branches] : alpha.clone();
        if (mode != ImtlMode.GRADIENT) {
            double[] s = logScale.getArr().toDoubleVector();
            for (int i = 0; i < branches; i++) {
                w[i] = (mode == ImtlMode.LOSS ? 1 : w[i]) * Math.exp(s[i]);
            }
        }
        return w;
    }

    /** IMTL-G's α of the last step, {@code 1/K} each before the first and in {@link ImtlMode#LOSS}. */
    public double[] alphas() {
        return alpha.clone();
    }

    /** IMTL-L's scales {@code exp(sᵢ)}, in branch order; all 1 in {@link ImtlMode#GRADIENT}. */
    public double[] lossScales() {
        double[] scales = new double[branches];
        if (logScale == null) {
            Arrays.fill(scales, 1.0);
            return scales;
        }
        double[] s = logScale.getArr().toDoubleVector();
        for (int i = 0; i < branches; i++) {
            scales[i] = Math.exp(s[i]);
        }
        return scales;
    }

    /**
     * True: every branch's term is its batch-mean loss (scaled by exp(sᵢ) under IMTL-L), so each branch's gradient over
     * a batch is the examples-weighted sum of its shards'; the closed form over their Gram matrix, and sᵢ's gradient
     * from the whole batch's losses, are computed once, on the driver.
     */
    @Override
    public boolean additiveOverExamples() {
        return true;
    }
}

package io.github.branchwise.runtime.strategies;

import io.github.branchwise.annotations.Convention;
import io.github.branchwise.annotations.GradientSource;
import io.github.branchwise.annotations.HeadGradients;
import io.github.branchwise.annotations.MgdaNormalization;
import io.github.branchwise.runtime.GraphHost;
import io.github.branchwise.runtime.weighting.BranchGradients;
import io.github.branchwise.runtime.weighting.Weighter;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * MGDA, Sener and Koltun (2018): every step the weights α are the minimum-norm point of the convex hull of the
 * branches' gradients on the shared parameters ({@code min ‖Σ αᵢ·gᵢ‖²} with α on the simplex, solved on the Gram
 * matrix: in closed form for two branches, as a small QP with Hipparchus for more), and every parameter is updated
 * with the gradient of {@code Σ αᵢ·Lᵢ}. Without {@code @Shared} parameters the gradients over all parameters are used.
 *
 * <p>The conventions ({@code @WeightedLoss} attributes):
 * <ul>
 *   <li>normalisation: the problem is solved on {@code gᵢ/nᵢ} ({@link MgdaNormalization}; a zero or non-finite
 *       {@code nᵢ} counts as 1). The shared parameters then get {@code Σ αᵢ·gᵢ/nᵢ} under {@link Convention#LIBMTL}
 *       (LibMTL updates with the normalised gradients) and {@code Σ αᵢ·gᵢ} under {@link Convention#BRANCHWISE}
 *       (Sener and Koltun's code weights the plain losses by α);</li>
 *   <li>head gradients: branch {@code i}'s own parameters get {@code αᵢ·∇Lᵢ} ({@link HeadGradients#WEIGHTED}) or
 *       {@code ∇Lᵢ} ({@link HeadGradients#PLAIN});</li>
 *   <li>two branches under {@link Convention#LIBMTL}: LibMTL's closed form, which answers 0.999 and 0.001 where the
 *       exact solution is 1 and 0 (one gradient's projection on the other at least as long as the other), so that
 *       neither branch is dropped entirely.</li>
 * </ul>
 */
public final class MgdaWeighter implements Weighter {
    /** LibMTL's bounds on a two-branch solution. */
    private static final double PAIR_LOW = 0.001;
    private static final double PAIR_HIGH = 0.999;

    private final Convention convention;
    private final MgdaNormalization normalization;
    private final HeadGradients heads;
    private final GradientSource source;
    private double[] alpha;

    /** MGDA as Branchwise has always computed it: no normalisation, weighted heads, no clamp. */
    public MgdaWeighter() {
        this(Convention.BRANCHWISE, MgdaNormalization.NONE, HeadGradients.WEIGHTED);
    }

    /**
     * @param convention    decides the two-branch clamp and whether the update uses the normalised gradients
     * @param normalization how the gradients are normalised before solving
     * @param heads         what each branch's own parameters get
     */
    public MgdaWeighter(Convention convention, MgdaNormalization normalization, HeadGradients heads) {
        this(convention, normalization, heads, GradientSource.PARAMETERS);
    }

    /**
     * @param convention    decides the two-branch clamp and whether the update uses the normalised gradients
     * @param normalization how the gradients are normalised before solving
     * @param heads         what each branch's own parameters get
     * @param source        which gradients the weights are computed from; with a representation source the shared
     *                      parameters get {@code Σ αᵢ·∇Lᵢ} whatever the normalisation (LibMTL's {@code rep_grad})
     */
    public MgdaWeighter(Convention convention, MgdaNormalization normalization, HeadGradients heads,
                        GradientSource source) {
        this.source = Objects.requireNonNull(source, "source");
        this.convention = Objects.requireNonNull(convention, "convention");
        this.normalization = Objects.requireNonNull(normalization, "normalization");
        this.heads = Objects.requireNonNull(heads, "heads");
    }

    @Override
    public SDVariable combine(GraphHost host, List<SDVariable> branchLosses) {
        alpha = new double[branchLosses.size()];
        Arrays.fill(alpha, 1.0 / alpha.length);
        return LossSums.sum(branchLosses);
    }

    @Override
    public boolean needsBranchGradients() {
        return true;
    }

    @Override
    public boolean needsRepresentationGradients() {
        return source != GradientSource.PARAMETERS;
    }

    @Override
    public Map<String, INDArray> combineGradients(BranchGradients gradients) {
        List<String> shared = SharedOrAll.of(gradients);
        double[][] gram = source == GradientSource.PARAMETERS ? gradients.gram(shared)
                : gradients.representationGram(source == GradientSource.REPRESENTATION_BATCH_SUM);
        double[] norms = normalizers(gram, gradients.losses());
        int k = gram.length;
        double[][] normalized = new double[k][k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                normalized[i][j] = gram[i][j] / (norms[i] * norms[j]);
            }
        }
        alpha = k == 2 && convention == Convention.LIBMTL ? clampedPair(normalized) : minNormWeights(normalized);
        double[] sharedCoefficients = new double[k];
        double[] headCoefficients = new double[k];
        for (int i = 0; i < k; i++) {
            sharedCoefficients[i] = convention == Convention.LIBMTL && source == GradientSource.PARAMETERS
                    ? alpha[i] / norms[i] : alpha[i];
            headCoefficients[i] = heads == HeadGradients.PLAIN ? 1 : alpha[i];
        }
        if (Arrays.equals(sharedCoefficients, headCoefficients)) {
            return gradients.combine(alpha);
        }
        return gradients.combine(headCoefficients, shared, sharedCoefficients);
    }

    /** Each branch's {@code nᵢ}; 1 where the normaliser is zero or not finite (a zero gradient stays zero). */
    private double[] normalizers(double[][] gram, double[] losses) {
        double[] n = new double[gram.length];
        for (int i = 0; i < n.length; i++) {
            double norm = Math.sqrt(Math.max(0, gram[i][i]));
            n[i] = switch (normalization) {
                case NONE -> 1;
                case L2 -> norm;
                case LOSS -> losses[i];
                case LOSS_PLUS -> losses[i] * norm;
            };
            if (!(n[i] > 0) || Double.isInfinite(n[i])) {
                n[i] = 1;
            }
        }
        return n;
    }

    /**
     * The minimum-norm point of the segment between two vectors given by their Gram matrix, as LibMTL's
     * {@code _min_norm_element_from2} computes it: 0.999 or 0.001 where the exact answer is 1 or 0.
     */
    static double[] clampedPair(double[][] gram) {
        double v1v1 = gram[0][0];
        double v1v2 = gram[0][1];
        double v2v2 = gram[1][1];
        double gamma;
        if (v1v2 >= v1v1) {
            gamma = PAIR_HIGH;
        } else if (v1v2 >= v2v2) {
            gamma = PAIR_LOW;
        } else {
            gamma = (v2v2 - v1v2) / (v1v1 + v2v2 - 2 * v1v2);
        }
        return new double[] {gamma, 1 - gamma};
    }

    /**
     * The minimum-norm point of the convex hull of vectors given by their Gram matrix, as simplex weights: for two
     * branches in closed form ({@code γ = (G₂₂ − G₁₂)/(G₁₁ + G₂₂ − 2·G₁₂)} clipped to [0, 1]; ½ each where the two
     * gradients are equal), for more by {@link SmallProblems#minNorm} (Hipparchus' ADMM and an exact solve on the
     * support it finds: to rounding, where the Frank-Wolfe iteration used before ended, after its 250 iterations, with
     * a squared norm up to 4e-3 (K = 3) to 4e-2 (K = 10) above the minimum, relatively; docs/performance.md, "Solver
     * library").
     */
    static double[] minNormWeights(double[][] gram) {
        int k = gram.length;
        if (k == 1) {
            return new double[] {1};
        }
        if (k == 2) {
            double denominator = gram[0][0] + gram[1][1] - 2 * gram[0][1];
            if (!(denominator > 0)) {
                return new double[] {0.5, 0.5};
            }
            double gamma = Math.min(1, Math.max(0, (gram[1][1] - gram[0][1]) / denominator));
            return new double[] {gamma, 1 - gamma};
        }
        return SmallProblems.minNorm(gram);
    }

    /**
     * With {@code gradientSource = PARAMETERS}: each branch term is its loss, and the min-norm solve (its
     * normalisations included: gradient norms, batch-mean losses) runs on the driver on the summed gradients. Not with a
     * representation source: the representation gradients are one row per example, which shards concatenate.
     */
    @Override
    public boolean additiveOverExamples() {
        return source == GradientSource.PARAMETERS;
    }

    @Override
    public double[] weights() {
        return alpha.clone();
    }
}

package io.github.branchwise.runtime.strategies;

import io.github.branchwise.annotations.GradientSource;
import io.github.branchwise.runtime.GraphHost;
import io.github.branchwise.runtime.weighting.BranchGradients;
import io.github.branchwise.runtime.weighting.Weighter;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.hipparchus.linear.Array2DRowRealMatrix;
import org.hipparchus.linear.EigenDecompositionSymmetric;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Aligned-MTL, Senushkin et al. (CVPR 2023): the network trains on {@code Σ Lᵢ}, and on the shared parameters the
 * update is {@code Σ αᵢ·gᵢ} with {@code α = B·1}, {@code B = √λ_R·V·Λ^(-1/2)·Vᵀ}, from the eigen-decomposition
 * {@code G = V·Λ·Vᵀ} of the Gram matrix of the shared gradients (or of the representation gradients,
 * {@link GradientSource}): the branch gradients' matrix made orthogonal with equal singular values, all set to the
 * smallest, {@code √λ_R}. As LibMTL (and the authors' code), eigenvalues at or below
 * {@code λ_max·K·2⁻²³} (float32's machine epsilon, LibMTL's {@code torch.finfo().eps}) are dropped first, with their
 * vectors, and {@code λ_R} is the smallest kept. Each branch's own parameters get their plain gradient.
 *
 * <p>Degenerate cases: when every eigenvalue is dropped (every shared gradient zero, where LibMTL fails on an empty
 * tensor) {@code α = 1}, the limit of {@code G = ε·I} and of equal gradients as ε goes to 0; the update is zero either
 * way. Rank-deficient Gram matrices (equal or linearly dependent gradients) keep their non-zero eigenvalues only. Without
 * shared parameters every parameter counts as shared, as for CAGrad.
 *
 * <p>{@link #weights()} gives α, each branch gradient's coefficient in the shared update. No state: α is computed
 * afresh every step.
 */
public final class AlignedMtlWeighter implements Weighter {
    /** float32's machine epsilon, 2⁻²³: LibMTL's tolerance uses {@code torch.finfo().eps} of the default float32. */
    private static final double FLOAT_EPSILON = Math.ulp(1.0f);

    private final GradientSource source;
    private double[] alpha;

    /** Aligned-MTL on the shared parameters' gradients. */
    public AlignedMtlWeighter() {
        this(GradientSource.PARAMETERS);
    }

    /** @param source which gradients the Gram matrix is taken of */
    public AlignedMtlWeighter(GradientSource source) {
        this.source = Objects.requireNonNull(source, "source");
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
    public boolean needsRepresentationGradients() {
        return source != GradientSource.PARAMETERS;
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
        return gradients.combine(ones, byParameter);
    }

    /** Aligned-MTL's α from the Gram matrix of the branch gradients, as the class describes. */
    static double[] alphas(double[][] gram) {
        int k = gram.length;
        double[] alpha = new double[k];
        Arrays.fill(alpha, 1.0);
        for (double[] row : gram) {
            for (double value : row) {
                if (!Double.isFinite(value)) {
                    // The trainer reports the gradient that is not finite and applies no update.
                    return alpha;
                }
            }
        }
        EigenDecompositionSymmetric eigen = new EigenDecompositionSymmetric(new Array2DRowRealMatrix(gram));
        double[] lambda = eigen.getEigenvalues();
        double largest = Double.NEGATIVE_INFINITY;
        for (double l : lambda) {
            largest = Math.max(largest, l);
        }
        // Not below 0: rounding can leave a zero Gram matrix's eigenvalues slightly negative.
        double tolerance = Math.max(0, largest * k * FLOAT_EPSILON);
        double smallest = Double.POSITIVE_INFINITY;
        for (double l : lambda) {
            if (l > tolerance) {
                smallest = Math.min(smallest, l);
            }
        }
        if (smallest == Double.POSITIVE_INFINITY) {
            return alpha;
        }
        Arrays.fill(alpha, 0);
        double scale = Math.sqrt(smallest);
        for (int e = 0; e < lambda.length; e++) {
            if (!(lambda[e] > tolerance)) {
                continue;
            }
            double[] v = eigen.getEigenvector(e).toArray();
            double columnSum = 0;
            for (double value : v) {
                columnSum += value;
            }
            // α = B·1 with B = √λ_R·Σₑ vₑ·vₑᵀ/√λₑ.
            double factor = scale * columnSum / Math.sqrt(lambda[e]);
            for (int j = 0; j < k; j++) {
                alpha[j] += factor * v[j];
            }
        }
        return alpha;
    }

    @Override
    public double[] weights() {
        return alpha.clone();
    }

    /**
     * True: the branch terms are batch-mean losses, so each branch's gradient over a batch is the examples-weighted
     * sum of its shards'; the eigen-decomposition of their Gram matrix runs once, on the driver.
     */
    @Override
    public boolean additiveOverExamples() {
        return true;
    }
}

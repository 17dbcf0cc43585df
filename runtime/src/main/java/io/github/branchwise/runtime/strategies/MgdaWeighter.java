package io.github.branchwise.runtime.strategies;

import io.github.branchwise.runtime.GraphHost;
import io.github.branchwise.runtime.weighting.BranchGradients;
import io.github.branchwise.runtime.weighting.Weighter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * MGDA, Sener and Koltun (2018): every step the weights α are the minimum-norm point of the convex hull of the
 * branches' gradients on the shared parameters ({@code min ‖Σ αᵢ·gᵢ‖²} with α on the simplex, solved by Frank-Wolfe
 * with exact line search on the Gram matrix), and every parameter is updated with the gradient of
 * {@code Σ αᵢ·Lᵢ}. Without {@code @Shared} parameters the gradients over all parameters are used.
 */
public final class MgdaWeighter implements Weighter {
    private static final int MAX_ITERATIONS = 250;
    private static final double TOLERANCE = 1e-10;

    private double[] alpha;

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
    public Map<String, INDArray> combineGradients(BranchGradients gradients) {
        List<String> shared = gradients.sharedParameters().isEmpty()
                ? new ArrayList<>(gradients.parameterNames()) : gradients.sharedParameters();
        double[][] gram = gradients.gram(shared);
        alpha = minNormWeights(gram);
        return gradients.combine(alpha);
    }

    /** The minimum-norm point of the convex hull of vectors given by their Gram matrix, as simplex weights. */
    static double[] minNormWeights(double[][] gram) {
        int k = gram.length;
        double[] a = new double[k];
        Arrays.fill(a, 1.0 / k);
        for (int iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
            double[] ma = new double[k];
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    ma[i] += gram[i][j] * a[j];
                }
            }
            int t = 0;
            for (int i = 1; i < k; i++) {
                if (ma[i] < ma[t]) {
                    t = i;
                }
            }
            double aa = 0;
            for (int i = 0; i < k; i++) {
                aa += a[i] * ma[i];
            }
            double ab = ma[t];
            double bb = gram[t][t];
            // Minimise ‖γ·v + (1-γ)·g_t‖² over γ in [0, 1], v = Σ aᵢgᵢ.
            double denominator = aa - 2 * ab + bb;
            double gamma = denominator <= 0 ? 1.0 : Math.min(1.0, Math.max(0.0, (bb - ab) / denominator));
            double change = 0;
            for (int i = 0; i < k; i++) {
                double next = gamma * a[i] + (i == t ? 1 - gamma : 0);
                change += Math.abs(next - a[i]);
                a[i] = next;
            }
            if (change < TOLERANCE) {
                break;
            }
        }
        return a;
    }

    /** True: each branch term is its loss; the min-norm solve runs on the summed gradients. */
    @Override
    public boolean additiveOverExamples() {
        return true;
    }

    @Override
    public double[] weights() {
        return alpha.clone();
    }
}

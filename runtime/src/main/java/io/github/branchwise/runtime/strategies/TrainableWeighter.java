package io.github.branchwise.runtime.strategies;

import io.github.branchwise.runtime.GraphHost;
import io.github.branchwise.runtime.weighting.Weighter;
import java.util.Arrays;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Trainable weights that stay a convex combination of the branch losses.
 *
 * <p>Two branches: {@code total = α·L₁ + (1 - α)·L₂} with one parameter {@code weighting/alpha}, clipped to
 * {@code [min, max]} after every update (the seed's Keras answer: a trainable weight with a clip constraint).
 * Note that {@code ∂total/∂α = L₁ - L₂} does not depend on α: plain gradient descent pushes α towards the bound
 * that puts all weight on the currently smaller loss.
 *
 * <p>{@code N > 2} branches: one parameter {@code weighting/weights} of length N starting at {@code 1/N}, with
 * {@code total = Σ wᵢ·Lᵢ}; after every update the weights are replaced by their Euclidean projection onto
 * {@code {w : Σ wᵢ = 1, min ≤ wᵢ ≤ max}}, so they remain a convex combination. For two branches this is the same
 * constraint as clipping α, expressed with one parameter instead of two.
 */
public final class TrainableWeighter implements Weighter {
    private final double initial;
    private final double min;
    private final double max;
    private SDVariable parameter;
    private int branches;

    /**
     * @param initial the starting α for two branches
     * @param min     the smallest value of any weight
     * @param max     the largest value of any weight
     */
    public TrainableWeighter(double initial, double min, double max) {
        if (!(min <= max) || !(initial >= min && initial <= max)) {
            throw new IllegalArgumentException("TRAINABLE weighting needs min <= initial <= max, got min=" + min
                    + ", initial=" + initial + ", max=" + max);
        }
        this.initial = initial;
        this.min = min;
        this.max = max;
    }

    @Override
    public SDVariable combine(GraphHost host, List<SDVariable> branchLosses) {
        branches = branchLosses.size();
        if (branches < 2) {
            throw new IllegalArgumentException("TRAINABLE weighting needs at least two branches, got " + branches);
        }
        if (branches == 2) {
            parameter = host.parameter("weighting/alpha", Nd4j.scalar(initial));
            SDVariable alpha = parameter;
            return alpha.mul(branchLosses.get(0)).add(alpha.rsub(1.0).mul(branchLosses.get(1)));
        }
        if (branches * min > 1 || branches * max < 1) {
            throw new IllegalArgumentException("TRAINABLE weighting: " + branches + " weights in [" + min + ", " + max
                    + "] cannot sum to one");
        }
        double[] start = new double[branches];
        Arrays.fill(start, 1.0 / branches);
        parameter = host.parameter("weighting/weights", Nd4j.createFromArray(project(start, min, max)));
        SDVariable stacked = host.sameDiff().stack(0, branchLosses.toArray(new SDVariable[0]));
        return parameter.mul(stacked).sum();
    }

    /** True: Σ wᵢ·Lᵢ with trainable weights is affine in the losses. */
    @Override
    public boolean additiveOverExamples() {
        return true;
    }

    @Override
    public double[] weights() {
        INDArray values = parameter.getArr();
        if (branches == 2) {
            double alpha = values.getDouble(0);
            return new double[] {alpha, 1 - alpha};
        }
        return values.toDoubleVector();
    }

    @Override
    public void afterUpdate() {
        INDArray values = parameter.getArr();
        if (branches == 2) {
            double alpha = values.getDouble(0);
            // The clip constraint of the Keras answer, applied in place after the optimiser's update.
            if (alpha < min || alpha > max || Double.isNaN(alpha)) {
                values.assign(Double.isNaN(alpha) ? alpha : Math.min(max, Math.max(min, alpha)));
            }
            return;
        }
        double[] projected = project(values.toDoubleVector(), min, max);
        values.assign(Nd4j.createFromArray(projected).castTo(values.dataType()));
    }

    /**
     * The Euclidean projection of {@code v} onto {@code {w : Σ wᵢ = 1, lo ≤ wᵢ ≤ hi}}: {@code wᵢ = clip(vᵢ - τ)}
     * with the shift τ found by bisection ({@code Σ clip(vᵢ - τ)} decreases monotonically in τ).
     */
    static double[] project(double[] v, double lo, double hi) {
        double low = Double.POSITIVE_INFINITY;
        double high = Double.NEGATIVE_INFINITY;
        for (double x : v) {
            low = Math.min(low, x - hi);
            high = Math.max(high, x - lo);
        }
        for (int iteration = 0; iteration < 200 && high - low > 1e-15; iteration++) {
            double tau = (low + high) / 2;
            if (clippedSum(v, tau, lo, hi) > 1) {
                low = tau;
            } else {
                high = tau;
            }
        }
        double tau = (low + high) / 2;
        double[] w = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            w[i] = Math.min(hi, Math.max(lo, v[i] - tau));
        }
        // τ is only as exact as the spacing of doubles near the vᵢ: after a huge step (|vᵢ| ~ 1e7) the sum missed 1 by
        // ~1e-9. The coordinates strictly inside the bounds take up that rounding residue.
        double residue = 1;
        int free = 0;
        for (double x : w) {
            residue -= x;
            free += x > lo && x < hi ? 1 : 0;
        }
        for (int i = 0; i < w.length && free > 0; i++) {
            if (w[i] > lo && w[i] < hi) {
                w[i] = Math.min(hi, Math.max(lo, w[i] + residue / free));
            }
        }
        return w;
    }

    private static double clippedSum(double[] v, double tau, double lo, double hi) {
        double sum = 0;
        for (double x : v) {
            sum += Math.min(hi, Math.max(lo, x - tau));
        }
        return sum;
    }
}

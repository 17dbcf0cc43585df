package io.github.branchwise.runtime.strategies;

import io.github.branchwise.runtime.GraphHost;
import io.github.branchwise.runtime.weighting.BranchGradients;
import io.github.branchwise.runtime.weighting.StepInfo;
import io.github.branchwise.runtime.weighting.Weighter;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Gradient Sign Dropout (GradDrop), Chen et al. (NeurIPS 2020): the network trains on {@code Σ Lᵢ}, but every value
 * of the shared parameters' gradient keeps only the branch gradients of one sign. Per value, the sign purity
 * {@code P = ½·(1 + Σᵢ gᵢ / (Σᵢ |gᵢ| + 1e-7))} is compared with a uniform draw {@code U}: if {@code P > U} the
 * positive {@code gᵢ} are kept, if {@code P < U} the negative ones; the update is {@code Σᵢ gᵢ·(ℓ + (1 − ℓ)·Mᵢ)}
 * with the mask {@code Mᵢ} and the leak ℓ (0 by default, as LibMTL; 1 gives the plain sum). Each branch's own
 * parameters get its plain gradient. Without {@code @Shared} parameters every parameter counts as shared (a value
 * only one branch reaches keeps its gradient whatever the draw).
 *
 * <p>The draws come from a stream seeded by the model seed and the step alone, one per value of the shared
 * parameters, in their creation order and C order within each: a run repeats, and a resumed run draws what the
 * uninterrupted one would. No other state.
 *
 * <p>Where this differs from the paper and LibMTL: both apply GradDrop to the gradient with respect to the shared
 * representation (the activations of the last shared layer, LibMTL's {@code rep_grad}), each branch's gradient
 * multiplied by the sign of the activation and summed over the batch before the purity is taken, and back-propagate
 * the masked representation gradient through the trunk. Branchwise applies the same per-value rule to the gradients of
 * the shared parameters, because its trainer cannot feed a modified representation gradient back through the trunk
 * (the branch passes give parameter gradients; a representation-level GradDrop would need one more backward pass of
 * the trunk from a given output gradient). The masks then act on every shared weight rather than on every activation,
 * so the numbers differ from LibMTL's and are not compared with them (docs/libmtl-comparison.md).
 */
public final class GradDropWeighter implements Weighter {
    /** LibMTL's constant in the purity's denominator, which keeps it finite where every branch's value is 0. */
    static final double EPSILON = 1e-7;

    private final double leak;
    private int branches;

    /**
     * @param leak how much of each dropped gradient is kept, in [0, 1]; 0 drops it all (the paper's and LibMTL's
     *             default)
     * @throws IllegalArgumentException unless leak is in [0, 1]
     */
    public GradDropWeighter(double leak) {
        if (!(leak >= 0 && leak <= 1)) {
            throw new IllegalArgumentException("GRADDROP gradDropLeak must be in [0, 1]; " + leak + " is not");
        }
        this.leak = leak;
    }

    @Override
    public SDVariable combine(GraphHost host, List<SDVariable> branchLosses) {
        branches = branchLosses.size();
        return LossSums.sum(branchLosses);
    }

    @Override
    public boolean needsBranchGradients() {
        return true;
    }

    /** One Java pass over the shared parameters' gradients, drawing one uniform per value. */
    @Override
    public Map<String, INDArray> combineGradients(BranchGradients gradients) {
        double[] ones = new double[gradients.branches()];
        Arrays.fill(ones, 1.0);
        SplittableRandom random = stream(gradients.step());
        return gradients.combine(ones, SharedOrAll.of(gradients),
                (parameter, values, out) -> drop(values, random, leak, out));
    }

    /** The stream of step {@code step}'s draws: seeded by the model seed and the iteration alone. */
    static SplittableRandom stream(StepInfo step) {
        return new SplittableRandom(step.seed() * 0x9E3779B97F4A7C15L + step.iteration());
    }

    /** {@code out[v] = Σᵢ gᵢ[v]·(leak + (1 − leak)·Mᵢ[v])}, drawing one uniform per value from {@code random}. */
    static void drop(double[][] g, SplittableRandom random, double leak, double[] out) {
        int k = g.length;
        // A dropped value keeps the fraction leak, a kept one all of it: indexed by the 0/1 flag below.
        double[] factor = {leak, 1};
        if (k == 2) {
            // Two branches, the common case, without the loops over branches: half the time on the mlp's 533 K
            // shared values (1.1 against 2.3 ms), the same values (the same operations in the same order).
            double[] a = g[0];
            double[] b = g[1];
            for (int v = 0; v < out.length; v++) {
                double x = a[v];
                double y = b[v];
                double sum = x + y;
                double absolute = Math.abs(x) + Math.abs(y);
                double purity = 0.5 * (1 + sum / (absolute + EPSILON));
                double u = random.nextDouble();
                int keepPositive = purity > u ? 1 : 0;
                int keepNegative = purity < u ? 1 : 0;
                int keptA = (x > 0 ? keepPositive : 0) | (x < 0 ? keepNegative : 0);
                int keptB = (y > 0 ? keepPositive : 0) | (y < 0 ? keepNegative : 0);
                out[v] = x * factor[keptA] + y * factor[keptB];
            }
            return;
        }
        for (int v = 0; v < out.length; v++) {
            double sum = 0;
            double absolute = 0;
            for (int i = 0; i < k; i++) {
                sum += g[i][v];
                absolute += Math.abs(g[i][v]);
            }
            double purity = 0.5 * (1 + sum / (absolute + EPSILON));
            double u = random.nextDouble();
            // Branch-free: which sign survives depends on a uniform draw, so a branch on it is mispredicted half the
            // time (it cost 2.5x the K passes on the mlp); 0/1 flags compile to conditional moves instead.
            int keepPositive = purity > u ? 1 : 0;
            int keepNegative = purity < u ? 1 : 0;
            double total = 0;
            for (int i = 0; i < k; i++) {
                double x = g[i][v];
                int kept = (x > 0 ? keepPositive : 0) | (x < 0 ? keepNegative : 0);
                total += x * factor[kept];
            }
            out[v] = total;
        }
    }

    /** Every branch loss has weight 1 in the total; the masks act on the gradient only. */
    @Override
    public double[] weights() {
        double[] ones = new double[branches];
        Arrays.fill(ones, 1.0);
        return ones;
    }

    /**
     * True: the network trains on {@code Σ Lᵢ} with batch-mean losses, so each branch's gradient over a batch is the
     * examples-weighted sum of its shards'; the sign masks are drawn once, on the driver, from the summed gradients.
     */
    @Override
    public boolean additiveOverExamples() {
        return true;
    }
}

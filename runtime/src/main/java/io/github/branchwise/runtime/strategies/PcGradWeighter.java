package io.github.branchwise.runtime.strategies;

import io.github.branchwise.annotations.PcGradOrder;
import io.github.branchwise.runtime.GraphHost;
import io.github.branchwise.runtime.weighting.BranchGradients;
import io.github.branchwise.runtime.weighting.Weighter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * PCGrad, Yu et al. (2020): the network trains on {@code Σ Lᵢ}, but on the shared parameters each branch's gradient
 * {@code gᵢ} is first projected onto the normal plane of every other branch's gradient {@code gⱼ} it conflicts with
 * ({@code gᵢ·gⱼ < 0}: {@code gᵢ ← gᵢ - (gᵢ·gⱼ/‖gⱼ‖²)·gⱼ}), visiting the others in a random order seeded by the model
 * seed and step; the projected gradients are summed. Branch-specific parameters get their plain gradient.
 *
 * <p>With {@link PcGradOrder#ALL} (LibMTL) the shuffled order also holds the branch itself: a gradient already
 * projected may conflict with its own original, and then loses that component too. For two branches the two orders
 * give the same result (after projecting on the other, {@code gᵢ'·gᵢ = ‖gᵢ‖² - (gᵢ·gⱼ)²/‖gⱼ‖² ≥ 0}).
 */
public final class PcGradWeighter implements Weighter {
    private final PcGradOrder order;
    private int branches;

    /** PCGrad as the paper: each gradient projected against the other branches. */
    public PcGradWeighter() {
        this(PcGradOrder.OTHERS);
    }

    /** @param order which branches each gradient is projected against */
    public PcGradWeighter(PcGradOrder order) {
        this.order = java.util.Objects.requireNonNull(order, "order");
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

    /**
     * Every projection subtracts a multiple of one of the original gradients, so each projected {@code gᵢ} is a
     * combination {@code Σₖ Cᵢₖ·gₖ} of the originals and each dot product the projections need is
     * {@code Σₖ Cᵢₖ·(gₖ·gⱼ)}: the whole of PCGrad runs on the Gram matrix of the shared gradients (one pass over
     * them), and the update is one combination with coefficients {@code Σᵢ Cᵢₖ} on the shared parameters. The same
     * projections as on the vectors, without a vector copy per branch.
     */
    @Override
    public Map<String, INDArray> combineGradients(BranchGradients gradients) {
        int branches = gradients.branches();
        double[] ones = new double[branches];
        Arrays.fill(ones, 1.0);
        List<String> shared = gradients.sharedParameters();
        if (shared.isEmpty()) {
            return gradients.combine(ones);
        }
        double[][] gram = gradients.gram(shared);
        Random random = new Random(gradients.step().seed() * 31 + gradients.step().iteration());
        double[] sharedCoefficients = new double[branches];
        for (int i = 0; i < branches; i++) {
            // Row i of C: the projected gᵢ as a combination of the original gradients.
            double[] projected = new double[branches];
            projected[i] = 1;
            List<Integer> others = new ArrayList<>();
            for (int j = 0; j < branches; j++) {
                if (j != i || order == PcGradOrder.ALL) {
                    others.add(j);
                }
            }
            Collections.shuffle(others, random);
            for (int j : others) {
                double dot = 0;
                for (int k = 0; k < branches; k++) {
                    dot += projected[k] * gram[k][j];
                }
                if (dot < 0 && gram[j][j] > 0) {
                    projected[j] -= dot / gram[j][j];
                }
            }
            for (int k = 0; k < branches; k++) {
                sharedCoefficients[k] += projected[k];
            }
        }
        return gradients.combine(ones, shared, sharedCoefficients);
    }

    /** True: each branch term is its loss; the projections run on the summed gradients. */
    @Override
    public boolean additiveOverExamples() {
        return true;
    }

    @Override
    public double[] weights() {
        double[] ones = new double[branches];
        Arrays.fill(ones, 1.0);
        return ones;
    }
}

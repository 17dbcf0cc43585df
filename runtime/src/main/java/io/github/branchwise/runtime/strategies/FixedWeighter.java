package io.github.branchwise.runtime.strategies;

import io.github.branchwise.runtime.GraphHost;
import io.github.branchwise.runtime.weighting.Weighter;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;

/** {@code total = Σ wᵢ·Lᵢ} with constant weights, like Keras' {@code loss_weights}. */
public final class FixedWeighter implements Weighter {
    private final double[] weights;

    /** A weighter with one constant weight per branch. */
    public FixedWeighter(double... weights) {
        this.weights = weights.clone();
    }

    @Override
    public SDVariable combine(GraphHost host, List<SDVariable> branchLosses) {
        if (branchLosses.size() != weights.length) {
            throw new IllegalArgumentException("FIXED weighting has " + weights.length + " weights for "
                    + branchLosses.size() + " branches");
        }
        SDVariable total = null;
        for (int i = 0; i < weights.length; i++) {
            SDVariable term = branchLosses.get(i).mul(weights[i]);
            total = total == null ? term : total.add(term);
        }
        return total;
    }

    /** True: Σ wᵢ·Lᵢ is affine in the losses. */
    @Override
    public boolean additiveOverExamples() {
        return true;
    }

    @Override
    public double[] weights() {
        return weights.clone();
    }
}

package io.github.branchwise.runtime.strategies;

import io.github.branchwise.runtime.GraphHost;
import io.github.branchwise.runtime.Losses;
import io.github.branchwise.runtime.weighting.StepInfo;
import io.github.branchwise.runtime.weighting.Weighter;
import java.util.Arrays;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * Geometric Loss Strategy, Chennupati et al. (2019): {@code total = (Π Lᵢ)^(1/K)}, computed as
 * {@code exp(mean(log Lᵢ))}. It has no weights of its own; the reported weight of a branch is the effective one,
 * {@code ∂total/∂Lᵢ = total / (K·Lᵢ)}, at the last step ({@code 1/K} before the first).
 */
public final class GlsWeighter implements Weighter {
    private double[] effective;

    @Override
    public SDVariable combine(GraphHost host, List<SDVariable> branchLosses) {
        int k = branchLosses.size();
        effective = new double[k];
        Arrays.fill(effective, 1.0 / k);
        SDVariable stacked = host.sameDiff().stack(0, branchLosses.toArray(new SDVariable[0]));
        return host.sameDiff().math().exp(host.sameDiff().math().log(stacked).mean());
    }

    @Override
    public void afterStep(StepInfo step, Losses losses) {
        for (int i = 0; i < effective.length; i++) {
            effective[i] = losses.total() / (effective.length * losses.branchLoss(i));
        }
    }

    @Override
    public double[] weights() {
        return effective.clone();
    }
}

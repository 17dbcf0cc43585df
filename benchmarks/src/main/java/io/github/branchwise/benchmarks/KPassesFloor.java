package io.github.branchwise.benchmarks;

import io.github.branchwise.runtime.GraphHost;
import io.github.branchwise.runtime.weighting.BranchGradients;
import io.github.branchwise.runtime.weighting.Weighter;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The floor of every gradient-level strategy's step: the runtime's K passes for the branches' own gradients and
 * their plain sum, with no strategy arithmetic at all. Issue 16 bounds each gradient-level strategy's step by "its K
 * passes plus 10 %"; {@link StrategyCostBenchmark} runs this as {@code CUSTOM} beside them, and {@code ratios.py}
 * prints each gradient-level strategy's step divided by this one's.
 */
public final class KPassesFloor implements Weighter {
    private int branches;

    @Override
    public SDVariable combine(GraphHost host, List<SDVariable> branchLosses) {
        branches = branchLosses.size();
        SDVariable total = branchLosses.get(0);
        for (int i = 1; i < branchLosses.size(); i++) {
            total = total.add(branchLosses.get(i));
        }
        return total;
    }

    @Override
    public boolean needsBranchGradients() {
        return true;
    }

    @Override
    public Map<String, INDArray> combineGradients(BranchGradients gradients) {
        return gradients.combine(weights());
    }

    @Override
    public double[] weights() {
        double[] ones = new double[branches];
        Arrays.fill(ones, 1.0);
        return ones;
    }
}

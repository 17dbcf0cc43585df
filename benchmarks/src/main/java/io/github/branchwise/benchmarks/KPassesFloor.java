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
 * prints each gradient-level strategy's step divided by this one's. With {@code samples > 1} it asks for that many
 * gradient samples, as SDMGrad and MoDo do (the batch split into parts, K passes on each), and averages them: their
 * floor.
 */
public final class KPassesFloor implements Weighter {
    private final int samples;
    private int branches;

    /** The floor of a strategy that takes one gradient sample per step. */
    public KPassesFloor() {
        this(1);
    }

    /** The floor of a strategy that takes {@code samples} gradient samples per step. */
    public KPassesFloor(int samples) {
        if (samples < 1) {
            throw new IllegalArgumentException("samples must be at least 1, got " + samples);
        }
        this.samples = samples;
    }

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
    public int gradientSamples() {
        return samples;
    }

    @Override
    public Map<String, INDArray> combineGradients(BranchGradients gradients) {
        if (samples == 1) {
            return gradients.combine(weights());
        }
        double[][] mean = new double[samples][branches];
        for (double[] row : mean) {
            Arrays.fill(row, 1.0 / samples);
        }
        return gradients.combine(mean, List.of(), mean);
    }

    @Override
    public double[] weights() {
        double[] ones = new double[branches];
        Arrays.fill(ones, 1.0);
        return ones;
    }
}

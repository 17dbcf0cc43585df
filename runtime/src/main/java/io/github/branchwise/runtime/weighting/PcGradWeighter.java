package io.github.branchwise.runtime.weighting;

import io.github.branchwise.runtime.engine.GraphHost;
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
 */
public final class PcGradWeighter implements Weighter {
    private int branches;

    @Override
    public SDVariable combine(GraphHost host, List<SDVariable> branchLosses) {
        branches = branchLosses.size();
        return LossSums.sum(branchLosses);
    }

    @Override
    public boolean needsBranchGradients() {
        return true;
    }

    @Override
    public Map<String, INDArray> combineGradients(BranchGradients gradients) {
        double[] ones = new double[branches];
        Arrays.fill(ones, 1.0);
        Map<String, INDArray> combined = gradients.combine(ones);
        List<String> shared = gradients.sharedParameters();
        if (shared.isEmpty()) {
            return combined;
        }
        INDArray[] g = new INDArray[branches];
        for (int i = 0; i < branches; i++) {
            g[i] = gradients.flat(i, shared);
        }
        Random random = new Random(gradients.step().seed() * 31 + gradients.step().iteration());
        INDArray sum = null;
        for (int i = 0; i < branches; i++) {
            INDArray projected = g[i].dup();
            List<Integer> others = new ArrayList<>();
            for (int j = 0; j < branches; j++) {
                if (j != i) {
                    others.add(j);
                }
            }
            Collections.shuffle(others, random);
            for (int j : others) {
                double dot = projected.mul(g[j]).sumNumber().doubleValue();
                double norm2 = g[j].mul(g[j]).sumNumber().doubleValue();
                if (dot < 0 && norm2 > 0) {
                    projected.subi(g[j].mul(dot / norm2));
                }
            }
            sum = sum == null ? projected : sum.addi(projected);
        }
        long offset = 0;
        for (String name : shared) {
            INDArray target = combined.get(name);
            long n = target.length();
            combined.put(name, sum.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(offset, offset + n))
                    .dup().reshape(target.shape()));
            offset += n;
        }
        return combined;
    }

    @Override
    public double[] weights() {
        double[] ones = new double[branches];
        Arrays.fill(ones, 1.0);
        return ones;
    }
}

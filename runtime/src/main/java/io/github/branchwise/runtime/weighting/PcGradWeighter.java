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
import org.nd4j.linalg.factory.Nd4j;

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
        double[][] g = new double[branches][];
        double[] norms = new double[branches];
        for (int i = 0; i < branches; i++) {
            g[i] = gradients.flatValues(i, shared);
            norms[i] = BranchGradients.dot(g[i], g[i]);
        }
        Random random = new Random(gradients.step().seed() * 31 + gradients.step().iteration());
        double[] sum = new double[g[0].length];
        for (int i = 0; i < branches; i++) {
            double[] projected = g[i].clone();
            List<Integer> others = new ArrayList<>();
            for (int j = 0; j < branches; j++) {
                if (j != i) {
                    others.add(j);
                }
            }
            Collections.shuffle(others, random);
            for (int j : others) {
                double dot = BranchGradients.dot(projected, g[j]);
                if (dot < 0 && norms[j] > 0) {
                    double scale = dot / norms[j];
                    for (int v = 0; v < projected.length; v++) {
                        projected[v] -= scale * g[j][v];
                    }
                }
            }
            for (int v = 0; v < sum.length; v++) {
                sum[v] += projected[v];
            }
        }
        int offset = 0;
        for (String name : shared) {
            INDArray target = combined.get(name);
            int n = (int) target.length();
            double[] part = Arrays.copyOfRange(sum, offset, offset + n);
            combined.put(name, Nd4j.createFromArray(part).castTo(target.dataType()).reshape(target.shape()));
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

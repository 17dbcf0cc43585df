package io.github.branchwise.runtime.strategies;

import io.github.branchwise.runtime.weighting.BranchGradients;
import io.github.branchwise.runtime.weighting.StepInfo;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Branch gradients written out by hand for the strategies' unit tests: one shared parameter {@code trunk} whose
 * gradient for branch i is {@code shared[i]}, and per branch a head parameter {@code head<i>} whose gradient is
 * {@code heads[i]} for branch i and zero for the others (a branch's loss does not reach another branch's head).
 * The sums are plain Java over doubles, not the runtime's buffers.
 */
final class GivenGradients implements BranchGradients {
    private final double[][] shared;
    private final double[][] heads;
    private final StepInfo step;
    private final boolean trunkShared;
    private final double[] losses;

    GivenGradients(double[][] shared, double[][] heads, long iteration, boolean trunkShared) {
        this(shared, heads, new double[shared.length], iteration, 1, trunkShared);
    }

    GivenGradients(double[][] shared, double[][] heads, double[] losses, long iteration, long seed,
                   boolean trunkShared) {
        this.shared = shared;
        this.heads = heads;
        this.losses = losses.clone();
        this.step = new StepInfo(iteration, 0, seed);
        this.trunkShared = trunkShared;
    }

    /** Gradients with one-value heads ({@code i + 1} for branch i), these branch losses, iteration and model seed. */
    static GivenGradients of(double[][] shared, double[] losses, long iteration, long seed) {
        double[][] heads = new double[shared.length][];
        for (int i = 0; i < shared.length; i++) {
            heads[i] = new double[] {i + 1.0};
        }
        return new GivenGradients(shared, heads, losses, iteration, seed, true);
    }

    /** Gradients whose trunk is a {@code @Shared} parameter, with one-value heads. */
    static GivenGradients of(double[][] shared, long iteration) {
        double[][] heads = new double[shared.length][];
        for (int i = 0; i < shared.length; i++) {
            heads[i] = new double[] {i + 1.0};
        }
        return new GivenGradients(shared, heads, iteration, true);
    }

    private double[] vector(int branch, String parameter) {
        if (parameter.equals("trunk")) {
            return shared[branch];
        }
        int owner = Integer.parseInt(parameter.substring(4));
        return owner == branch ? heads[owner] : new double[heads[owner].length];
    }

    @Override
    public int branches() {
        return shared.length;
    }

    @Override
    public Set<String> parameterNames() {
        Set<String> names = new LinkedHashSet<>();
        names.add("trunk");
        for (int i = 0; i < heads.length; i++) {
            names.add("head" + i);
        }
        return names;
    }

    @Override
    public INDArray gradient(int branch, String parameter) {
        return Nd4j.createFromArray(vector(branch, parameter).clone());
    }

    @Override
    public double[] losses() {
        return losses.clone();
    }

    @Override
    public List<String> sharedParameters() {
        return trunkShared ? List.of("trunk") : List.of();
    }

    @Override
    public Map<String, List<String>> sharedScopes() {
        return trunkShared ? Map.of("trunk", List.of("trunk")) : Map.of();
    }

    @Override
    public StepInfo step() {
        return step;
    }

    @Override
    public double dot(int a, int b, List<String> parameters) {
        double sum = 0;
        for (String p : parameters) {
            sum += BranchGradients.dot(vector(a, p), vector(b, p));
        }
        return sum;
    }

    @Override
    public double norm(int branch, String parameter) {
        double[] v = vector(branch, parameter);
        return Math.sqrt(BranchGradients.dot(v, v));
    }

    @Override
    public double[][] gram(List<String> parameters) {
        int k = branches();
        double[][] gram = new double[k][k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                gram[i][j] = dot(i, j, parameters);
            }
        }
        return gram;
    }

    @Override
    public Map<String, INDArray> combine(double[] coefficients) {
        return combine(coefficients, List.of(), coefficients);
    }

    @Override
    public Map<String, INDArray> combine(double[] coefficients, List<String> these, double[] forThese) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String p : parameterNames()) {
            double[] c = these.contains(p) ? forThese : coefficients;
            double[] sum = new double[vector(0, p).length];
            for (int i = 0; i < branches(); i++) {
                double[] v = vector(i, p);
                for (int d = 0; d < sum.length; d++) {
                    sum[d] += c[i] * v[d];
                }
            }
            out.put(p, Nd4j.createFromArray(sum).castTo(DataType.DOUBLE));
        }
        return out;
    }

    /** The values of one combined parameter. */
    static double[] values(Map<String, INDArray> combined, String parameter) {
        return combined.get(parameter).toDoubleVector();
    }
}

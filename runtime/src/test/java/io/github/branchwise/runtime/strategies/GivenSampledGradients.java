package io.github.branchwise.runtime.strategies;

import io.github.branchwise.runtime.weighting.BranchGradients;
import io.github.branchwise.runtime.weighting.StepInfo;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Branch gradients on several gradient samples, written out for the stochastic strategies' unit tests: one shared
 * parameter {@code trunk} whose gradient for branch i on sample s is {@code shared[s][i]}, and per branch a head
 * {@code head<i>} whose gradient on sample s is {@code s + 1} times {@code i + 1} for branch i and zero for the others.
 * Plain Java sums over doubles, not the runtime's buffers.
 */
final class GivenSampledGradients implements BranchGradients {
    private final double[][][] shared;
    private final StepInfo step = new StepInfo(0, 0, 1);

    GivenSampledGradients(double[][][] shared) {
        this.shared = shared;
    }

    private double[] vector(int sample, int branch, String parameter) {
        if (parameter.equals("trunk")) {
            return shared[sample][branch];
        }
        int owner = Integer.parseInt(parameter.substring(4));
        return new double[] {owner == branch ? (sample + 1.0) * (owner + 1.0) : 0};
    }

    @Override
    public int branches() {
        return shared[0].length;
    }

    @Override
    public int samples() {
        return shared.length;
    }

    @Override
    public Set<String> parameterNames() {
        Set<String> names = new LinkedHashSet<>();
        names.add("trunk");
        for (int i = 0; i < branches(); i++) {
            names.add("head" + i);
        }
        return names;
    }

    @Override
    public INDArray gradient(int branch, String parameter) {
        return Nd4j.createFromArray(vector(0, branch, parameter).clone());
    }

    @Override
    public double[] losses() {
        return new double[branches()];
    }

    @Override
    public List<String> sharedParameters() {
        return List.of("trunk");
    }

    @Override
    public Map<String, List<String>> sharedScopes() {
        return Map.of("trunk", List.of("trunk"));
    }

    @Override
    public StepInfo step() {
        return step;
    }

    @Override
    public double dot(int a, int b, List<String> parameters) {
        return gram(0, 0, parameters)[a][b];
    }

    @Override
    public double norm(int branch, String parameter) {
        return Math.sqrt(dot(branch, branch, List.of(parameter)));
    }

    @Override
    public double[][] gram(List<String> parameters) {
        return gram(0, 0, parameters);
    }

    @Override
    public double[][] gram(int sampleA, int sampleB, List<String> parameters) {
        int k = branches();
        double[][] gram = new double[k][k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                for (String p : parameters) {
                    gram[i][j] += BranchGradients.dot(vector(sampleA, i, p), vector(sampleB, j, p));
                }
            }
        }
        return gram;
    }

    @Override
    public Map<String, INDArray> combine(double[] coefficients) {
        return combine(new double[][] {coefficients}, List.of(), new double[][] {coefficients});
    }

    @Override
    public Map<String, INDArray> combine(double[] coefficients, List<String> these, double[] forThese) {
        return combine(new double[][] {coefficients}, these, new double[][] {forThese});
    }

    @Override
    public Map<String, INDArray> combine(double[][] coefficients, List<String> these, double[][] forThese) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String p : parameterNames()) {
            double[][] c = these.contains(p) ? forThese : coefficients;
            double[] sum = new double[vector(0, 0, p).length];
            for (int s = 0; s < c.length; s++) {
                for (int i = 0; i < branches(); i++) {
                    double[] v = vector(s, i, p);
                    for (int d = 0; d < sum.length; d++) {
                        sum[d] += c[s][i] * v[d];
                    }
                }
            }
            out.put(p, Nd4j.createFromArray(sum));
        }
        return out;
    }
}

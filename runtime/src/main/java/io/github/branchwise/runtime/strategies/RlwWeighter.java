package io.github.branchwise.runtime.strategies;

import io.github.branchwise.runtime.GraphHost;
import io.github.branchwise.runtime.weighting.StepInfo;
import io.github.branchwise.runtime.weighting.Weighter;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Random Loss Weighting, Lin et al. (2021): {@code total = Σ λᵢ·Lᵢ} with {@code λ = softmax(z)},
 * {@code z ~ N(0, I)} drawn anew every step.
 *
 * <p>The draw of step t comes from a stream seeded by the model seed and t alone, so a resumed run draws the same
 * weights as an uninterrupted one without saving any random state.
 */
public final class RlwWeighter implements Weighter {
    private SDVariable lambda;
    private int branches;

    @Override
    public SDVariable combine(GraphHost host, List<SDVariable> branchLosses) {
        branches = branchLosses.size();
        double[] even = new double[branches];
        Arrays.fill(even, 1.0 / branches);
        lambda = host.state("weighting/lambda", Nd4j.createFromArray(even));
        return LossSums.weightedSum(host, lambda, branchLosses);
    }

    @Override
    public void beforeStep(StepInfo step) {
        LossSums.assign(lambda, draw(step.seed(), step.iteration(), branches));
    }

    /** The weights of step {@code iteration}. */
    static double[] draw(long seed, long iteration, int branches) {
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + iteration);
        double[] z = new double[branches];
        for (int i = 0; i < branches; i++) {
            z[i] = gaussian(random);
        }
        return LossSums.softmax(z, 1.0);
    }

    /** A standard normal sample (Box-Muller), since SplittableRandom has no nextGaussian in Java 17. */
    private static double gaussian(SplittableRandom random) {
        double u = 1.0 - random.nextDouble();
        double v = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    /** True: Σ wᵢ·Lᵢ with weights drawn per step from the seed is affine in the losses. */
    @Override
    public boolean additiveOverExamples() {
        return true;
    }

    @Override
    public double[] weights() {
        return lambda.getArr().toDoubleVector();
    }
}

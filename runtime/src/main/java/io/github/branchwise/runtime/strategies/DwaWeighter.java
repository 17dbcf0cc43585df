package io.github.branchwise.runtime.strategies;

import io.github.branchwise.annotations.EpochMean;
import io.github.branchwise.runtime.GraphHost;
import io.github.branchwise.runtime.Losses;
import io.github.branchwise.runtime.weighting.StepInfo;
import io.github.branchwise.runtime.weighting.Weighter;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Dynamic Weight Average, Liu, Johns and Davison (2019): {@code total = Σ λₖ·Lₖ} with
 * {@code λₖ = K·exp(wₖ/T) / Σ exp(wᵢ/T)} and {@code wₖ = Lₖ(t-1) / Lₖ(t-2)}, the ratio of the branch's mean loss in
 * the last two epochs; {@code λ = 1} during the first two epochs. The weights change only at epoch ends.
 *
 * <p>An epoch's mean is that of its batches' losses ({@link EpochMean#PER_BATCH}) or, with
 * {@link EpochMean#PER_EXAMPLE} (LibMTL), each batch's loss weighted by its size.
 */
public final class DwaWeighter implements Weighter {
    private final double temperature;
    private final EpochMean epochMean;
    private SDVariable lambda;
    private int branches;
    private double[] epochSums;
    /** The epoch's total weight: its steps (PER_BATCH) or examples (PER_EXAMPLE). */
    private double epochSteps;
    private double[] previous;
    private double[] beforePrevious;

    /** @param temperature T, positive */
    public DwaWeighter(double temperature) {
        this(temperature, EpochMean.PER_BATCH);
    }

    /**
     * @param temperature T, positive
     * @param epochMean   how an epoch's mean loss is taken
     */
    public DwaWeighter(double temperature, EpochMean epochMean) {
        this.epochMean = java.util.Objects.requireNonNull(epochMean, "epochMean");
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("DWA temperature must be positive and finite, got " + temperature);
        }
        this.temperature = temperature;
    }

    @Override
    public SDVariable combine(GraphHost host, List<SDVariable> branchLosses) {
        branches = branchLosses.size();
        epochSums = new double[branches];
        double[] ones = new double[branches];
        Arrays.fill(ones, 1.0);
        lambda = host.state("weighting/lambda", Nd4j.createFromArray(ones));
        return LossSums.weightedSum(host, lambda, branchLosses);
    }

    @Override
    public void afterStep(StepInfo step, Losses losses) {
        double weight = EpochMeans.weight(epochMean, step);
        for (int i = 0; i < branches; i++) {
            epochSums[i] += weight * losses.branchLoss(i);
        }
        epochSteps += weight;
    }

    @Override
    public void onEpochEnd(long epoch) {
        if (epochSteps == 0) {
            return;
        }
        double[] means = new double[branches];
        for (int i = 0; i < branches; i++) {
            means[i] = epochSums[i] / epochSteps;
        }
        beforePrevious = previous;
        previous = means;
        Arrays.fill(epochSums, 0);
        epochSteps = 0;
        LossSums.assign(lambda, nextWeights());
    }

    private double[] nextWeights() {
        double[] lambdas = new double[branches];
        if (beforePrevious == null) {
            Arrays.fill(lambdas, 1.0);
            return lambdas;
        }
        double[] ratio = new double[branches];
        for (int i = 0; i < branches; i++) {
            ratio[i] = previous[i] / beforePrevious[i];
        }
        double[] soft = LossSums.softmax(ratio, temperature);
        for (int i = 0; i < branches; i++) {
            lambdas[i] = branches * soft[i];
        }
        return lambdas;
    }

    /** True: Σ wᵢ·Lᵢ with weights fed per epoch is affine in the losses. */
    @Override
    public boolean additiveOverExamples() {
        return true;
    }

    @Override
    public double[] weights() {
        return lambda.getArr().toDoubleVector();
    }

    @Override
    public Map<String, INDArray> state() {
        Map<String, INDArray> state = new HashMap<>();
        state.put("epoch_sums", Nd4j.createFromArray(epochSums.clone()));
        state.put("epoch_steps", Nd4j.createFromArray(new double[] {epochSteps}));
        if (previous != null) {
            state.put("previous", Nd4j.createFromArray(previous.clone()));
        }
        if (beforePrevious != null) {
            state.put("before_previous", Nd4j.createFromArray(beforePrevious.clone()));
        }
        return state;
    }

    @Override
    public void restoreState(Map<String, INDArray> state) {
        epochSums = state.get("epoch_sums").toDoubleVector();
        epochSteps = state.get("epoch_steps").getDouble(0);
        previous = state.containsKey("previous") ? state.get("previous").toDoubleVector() : null;
        beforePrevious = state.containsKey("before_previous") ? state.get("before_previous").toDoubleVector() : null;
    }
}

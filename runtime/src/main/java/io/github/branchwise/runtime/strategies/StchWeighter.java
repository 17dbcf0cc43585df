package io.github.branchwise.runtime.strategies;

import io.github.branchwise.runtime.GraphHost;
import io.github.branchwise.runtime.Losses;
import io.github.branchwise.runtime.weighting.StepInfo;
import io.github.branchwise.runtime.weighting.Weighter;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Smooth Tchebycheff scalarisation, Lin et al. (2024), as their multi-task code uses it: after a warm-up the network
 * trains on {@code total = K·μ·log Σ exp(rᵢ/μ)} with {@code rᵢ = log((Lᵢ + ε)/(nᵢ + ε))}, {@code ε = 1e-20}, a smooth maximum of the
 * branches' log losses relative to the nadir point {@code n}, which is the mean of each branch's loss over the last
 * warm-up epoch. The smaller μ, the closer the total is to the worst branch's {@code max rᵢ}.
 *
 * <p>Warm-up: the first {@code warmupEpochs} epochs train on {@code Σ log(Lᵢ + 1e-20)}; so does the epoch after them,
 * which also averages each branch's loss over its steps into {@code n}; from the next epoch on the network trains
 * on the smooth Tchebycheff total. (With the default 4, epochs 0–4 warm up and epoch 4 measures the nadir, as in
 * LibMTL's {@code STCH_warmup_epoch = 4}.)
 *
 * <p>The reported weight of a branch is the effective one, {@code ∂total/∂Lᵢ}, at the last step: {@code 1/Lᵢ} while
 * warming up, {@code K·softmax(r/μ)ᵢ/(Lᵢ + 1e-20)} afterwards (1 before the first step). The reported total is the
 * smooth Tchebycheff value itself.
 *
 * <p>Differences from LibMTL's {@code STCH}: LibMTL subtracts the (detached) largest {@code rᵢ} inside the
 * log-sum-exp and does not add it back, so its reported loss is lower by {@code K·max rᵢ}; the gradients are the
 * same. Here the same shift keeps {@code exp} finite and is added back.
 * LibMTL computes {@code rᵢ = log(Lᵢ/nᵢ + ε)}, which is NaN for a branch whose losses were all zero while the nadir
 * was measured ({@code 0/0}); {@code log((Lᵢ + ε)/(nᵢ + ε))} is the same number in double precision for any loss
 * above about 1e-4 and stays finite there.
 */
public final class StchWeighter implements Weighter {
    /** Keeps the logarithms finite for a zero loss, as LibMTL's 1e-20. */
    static final double EPSILON = 1e-20;

    private final double mu;
    private final long warmupEpochs;
    private int branches;
    /** 1 while warming up, 0 afterwards; a graph state so the graph need not change. */
    private SDVariable warming;
    /** The nadir point, 1 until measured. */
    private SDVariable nadir;
    private double[] nadirSums;
    private long nadirSteps;
    private boolean measured;
    private double[] effective;

    /**
     * @param mu           the smoothing μ, positive and finite
     * @param warmupEpochs the epochs trained on {@code Σ log Lᵢ} before the one that measures the nadir point; not
     *                     negative
     */
    public StchWeighter(double mu, long warmupEpochs) {
        if (!(mu > 0) || Double.isInfinite(mu)) {
            throw new IllegalArgumentException("STCH mu must be positive and finite, got " + mu);
        }
        if (warmupEpochs < 0) {
            throw new IllegalArgumentException("STCH warmupEpochs must not be negative, got " + warmupEpochs);
        }
        this.mu = mu;
        this.warmupEpochs = warmupEpochs;
    }

    @Override
    public SDVariable combine(GraphHost host, List<SDVariable> branchLosses) {
        branches = branchLosses.size();
        nadirSums = new double[branches];
        effective = new double[branches];
        Arrays.fill(effective, 1.0);
        double[] ones = new double[branches];
        Arrays.fill(ones, 1.0);
        warming = host.state("weighting/stch_warming", Nd4j.createFromArray(1.0));
        nadir = host.state("weighting/stch_nadir", Nd4j.createFromArray(ones));
        SameDiff sd = host.sameDiff();
        SDVariable stacked = sd.stack(0, branchLosses.toArray(new SDVariable[0]));
        SDVariable warmTotal = sd.math().log(stacked.add(EPSILON)).sum();
        SDVariable scaled = sd.math().log(stacked.add(EPSILON).div(nadir.add(EPSILON))).div(mu);
        // log Σ exp(x) = m + log Σ exp(x - m) with m = max x, which keeps exp finite; m is a constant for the
        // gradient (which does not depend on it), so its own gradient is stopped rather than sent through max.
        SDVariable shift = LossSums.stopGradient(sd, scaled.max());
        SDVariable smoothMax = sd.math().log(sd.math().exp(scaled.sub(shift)).sum()).add(shift);
        SDVariable stchTotal = smoothMax.mul(mu * branches);
        return warming.mul(warmTotal).add(warming.rsub(1.0).mul(stchTotal));
    }

    @Override
    public void afterStep(StepInfo step, Losses losses) {
        double[] l = losses.branchLosses();
        if (!measured) {
            for (int i = 0; i < branches; i++) {
                effective[i] = 1 / (l[i] + EPSILON);
            }
            if (step.epoch() >= warmupEpochs) {
                for (int i = 0; i < branches; i++) {
                    nadirSums[i] += l[i];
                }
                nadirSteps++;
            }
            return;
        }
        double[] n = nadir.getArr().toDoubleVector();
        double[] r = new double[branches];
        for (int i = 0; i < branches; i++) {
            r[i] = Math.log((l[i] + EPSILON) / (n[i] + EPSILON));
        }
        double[] soft = LossSums.softmax(r, mu);
        for (int i = 0; i < branches; i++) {
            // d/dLᵢ of K·μ·logsumexp(r/μ) = K·softmaxᵢ·∂rᵢ/∂Lᵢ, ∂rᵢ/∂Lᵢ = 1/(Lᵢ + 1e-20).
            effective[i] = branches * soft[i] / (l[i] + EPSILON);
        }
    }

    @Override
    public void onEpochEnd(long epoch) {
        if (measured || epoch < warmupEpochs || nadirSteps == 0) {
            return;
        }
        double[] n = new double[branches];
        for (int i = 0; i < branches; i++) {
            n[i] = nadirSums[i] / nadirSteps;
        }
        LossSums.assign(nadir, n);
        warming.getArr().putScalar(0, 0.0);
        measured = true;
    }

    @Override
    public double[] weights() {
        return effective.clone();
    }

    /** The nadir point, each branch's mean loss over the epoch that measured it; empty before then. */
    public double[] nadir() {
        return measured ? nadir.getArr().toDoubleVector() : new double[0];
    }

    @Override
    public Map<String, INDArray> state() {
        Map<String, INDArray> state = new HashMap<>();
        state.put("nadir_sums", Nd4j.createFromArray(nadirSums.clone()));
        state.put("nadir_steps", Nd4j.createFromArray(new double[] {nadirSteps}));
        state.put("measured", Nd4j.createFromArray(new double[] {measured ? 1 : 0}));
        state.put("effective", Nd4j.createFromArray(effective.clone()));
        return state;
    }

    @Override
    public void restoreState(Map<String, INDArray> state) {
        nadirSums = state.get("nadir_sums").toDoubleVector();
        nadirSteps = (long) state.get("nadir_steps").getDouble(0);
        measured = state.get("measured").getDouble(0) != 0;
        effective = state.get("effective").toDoubleVector();
    }

    /**
     * False: the total is not affine in the branch losses ({@code Σ log Lᵢ} while warming up, a log-sum-exp of
     * {@code log Lᵢ} afterwards), so its gradient's coefficient of each branch, {@code ∂total/∂Lᵢ}, depends on the
     * whole batch's mean losses: a shard's gradient of its own total is not its share of the batch's. (Splittable in
     * principle as a gradient-level strategy, with per-branch gradient sums and the coefficients taken on the driver
     * at the batch's means; not done.)
     */
    @Override
    public boolean additiveOverExamples() {
        return false;
    }
}

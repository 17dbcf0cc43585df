package io.github.branchwise.runtime.strategies;

import io.github.branchwise.runtime.GraphHost;
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
 * Fast Adaptive Multitask Optimization, Liu et al. (2023): every step decreases the branches' log losses at balanced
 * rates for the cost of one pass. The network trains on {@code total = Σ zᵢ·log Dᵢ / c} with {@code z = softmax(w)},
 * {@code Dᵢ = Lᵢ + 1e-8} and {@code c = Σ zᵢ/Dᵢ} held constant within the step, so its gradient is
 * {@code Σ pᵢ·∇Lᵢ} with {@code pᵢ = zᵢ/(c·Dᵢ)}, weights summing to one (the reported weights).
 *
 * <p>After the optimiser's update the branch losses of the same batch are evaluated again at the new parameters
 * ({@link #needsLossesAfterUpdate()}: one forward pass more per step) and the logits {@code w} take one Adam step
 * (learning rate {@code learningRate}, L2 weight decay {@code weightDecay}, β = (0.9, 0.999), ε = 1e-8, as
 * PyTorch's {@code Adam}) along {@code Jᵀδ}, where {@code δᵢ = log Dᵢ(before) − log Dᵢ(after)} is how much branch
 * {@code i}'s log loss improved and {@code J} the Jacobian of the softmax: a branch that improved more loses weight.
 * The defaults, 0.025 and 0.001, are the paper's and LibMTL's.
 *
 * <p>As in LibMTL and the official code, the lower bounds of the losses are 0 ({@code Dᵢ = Lᵢ − 0 + 1e-8}). Where
 * this differs from them: the second evaluation runs in inference mode (dropout off, batch norm on its moving
 * statistics), where LibMTL's runs in training mode under {@code no_grad}; the two agree on models without dropout
 * or batch norm. If a loss after the update is not finite, the logits are left as they are (the next step reports
 * the divergence).
 */
public final class FamoWeighter implements Weighter {
    /** LibMTL's (and the official code's) 1e-8 added to every loss before its logarithm. */
    static final double EPSILON = 1e-8;
    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final double ADAM_EPSILON = 1e-8;

    private final double learningRate;
    private final double weightDecay;
    private int branches;
    /** softmax(w), fed to the graph. */
    private SDVariable z;
    private double[] logits;
    private double[] firstMoment;
    private double[] secondMoment;
    private long adamSteps;
    private double[] effective;

    /**
     * @param learningRate the logits' Adam learning rate, positive and finite
     * @param weightDecay  the logits' L2 weight decay, finite and not negative
     */
    public FamoWeighter(double learningRate, double weightDecay) {
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("FAMO learning rate must be positive and finite, got " + learningRate);
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("FAMO weight decay must be finite and not negative, got "
                    + weightDecay);
        }
        this.learningRate = learningRate;
        this.weightDecay = weightDecay;
    }

    @Override
    public SDVariable combine(GraphHost host, List<SDVariable> branchLosses) {
        branches = branchLosses.size();
        logits = new double[branches];
        firstMoment = new double[branches];
        secondMoment = new double[branches];
        effective = new double[branches];
        Arrays.fill(effective, 1.0 / branches);
        z = host.state("weighting/famo_z", Nd4j.createFromArray(softmax(logits)));
        SameDiff sd = host.sameDiff();
        SDVariable d = sd.stack(0, branchLosses.toArray(new SDVariable[0])).add(EPSILON);
        // c is a constant of the step: FAMO's update direction is Σ (zᵢ/(c·Dᵢ))·∇Lᵢ, not the gradient of the ratio.
        SDVariable c = LossSums.stopGradient(sd, z.div(d).sum());
        return z.mul(sd.math().log(d)).sum().div(c);
    }

    @Override
    public boolean needsLossesAfterUpdate() {
        return true;
    }

    @Override
    public void afterUpdateLosses(StepInfo step, double[] beforeUpdate, double[] afterUpdate) {
        // The weights of the step that just updated, from the z it used, before the logits move.
        double[] used = softmax(logits);
        double c = 0;
        for (int i = 0; i < branches; i++) {
            c += used[i] / (beforeUpdate[i] + EPSILON);
        }
        for (int i = 0; i < branches; i++) {
            effective[i] = used[i] / (c * (beforeUpdate[i] + EPSILON));
        }
        for (double loss : afterUpdate) {
            if (!Double.isFinite(loss)) {
                return;
            }
        }
        double[] zs = used;
        double[] delta = new double[branches];
        double zDelta = 0;
        for (int i = 0; i < branches; i++) {
            delta[i] = Math.log(beforeUpdate[i] + EPSILON) - Math.log(afterUpdate[i] + EPSILON);
            zDelta += zs[i] * delta[i];
        }
        adamSteps++;
        double correction1 = 1 - Math.pow(BETA1, adamSteps);
        double correction2 = 1 - Math.pow(BETA2, adamSteps);
        for (int i = 0; i < branches; i++) {
            // (Jᵀδ)ᵢ = zᵢ·(δᵢ − z·δ) for the softmax's Jacobian; PyTorch's Adam adds the L2 decay to the gradient.
            double gradient = zs[i] * (delta[i] - zDelta) + weightDecay * logits[i];
            firstMoment[i] = BETA1 * firstMoment[i] + (1 - BETA1) * gradient;
            secondMoment[i] = BETA2 * secondMoment[i] + (1 - BETA2) * gradient * gradient;
            double denominator = Math.sqrt(secondMoment[i]) / Math.sqrt(correction2) + ADAM_EPSILON;
            logits[i] -= learningRate / correction1 * firstMoment[i] / denominator;
        }
        LossSums.assign(z, softmax(logits));
    }

    private static double[] softmax(double[] w) {
        return LossSums.softmax(w, 1.0);
    }

    @Override
    public double[] weights() {
        return effective.clone();
    }

    /** The logits {@code w} of the task weighting {@code z = softmax(w)}, in branch order. */
    public double[] logits() {
        return logits.clone();
    }

    @Override
    public Map<String, INDArray> state() {
        Map<String, INDArray> state = new HashMap<>();
        state.put("logits", Nd4j.createFromArray(logits.clone()));
        state.put("first_moment", Nd4j.createFromArray(firstMoment.clone()));
        state.put("second_moment", Nd4j.createFromArray(secondMoment.clone()));
        state.put("adam_steps", Nd4j.createFromArray(new double[] {adamSteps}));
        state.put("effective", Nd4j.createFromArray(effective.clone()));
        return state;
    }

    @Override
    public void restoreState(Map<String, INDArray> state) {
        logits = state.get("logits").toDoubleVector();
        firstMoment = state.get("first_moment").toDoubleVector();
        secondMoment = state.get("second_moment").toDoubleVector();
        adamSteps = (long) state.get("adam_steps").getDouble(0);
        effective = state.get("effective").toDoubleVector();
        LossSums.assign(z, softmax(logits));
    }

    /**
     * False: the network's gradient is {@code Σ zᵢ/(c·Dᵢ)·∇Lᵢ}, whose coefficients depend on the whole batch's mean
     * losses {@code Dᵢ}, so a shard's gradient of its own total is not its share of the batch's; and the logits'
     * update evaluates the batch again after the update ({@link #needsLossesAfterUpdate()}), a second pass over
     * every shard. A distributed step refuses it rather than compute something else.
     */
    @Override
    public boolean additiveOverExamples() {
        return false;
    }
}

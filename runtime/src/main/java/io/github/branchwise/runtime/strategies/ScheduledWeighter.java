package io.github.branchwise.runtime.strategies;

import io.github.branchwise.annotations.Ramp;
import io.github.branchwise.annotations.RampUnit;
import io.github.branchwise.runtime.GraphHost;
import io.github.branchwise.runtime.weighting.StepInfo;
import io.github.branchwise.runtime.weighting.WeightSchedule;
import io.github.branchwise.runtime.weighting.Weighter;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code total = Σ λᵢ(t)·Lᵢ} with weights that follow a schedule of the step or epoch, set before every step.
 * The weights live in the state variable {@code weighting/lambda}.
 */
public final class ScheduledWeighter implements Weighter {
    private final WeightSchedule schedule;
    private SDVariable lambda;
    private int branches;

    /** A weighter following a user schedule. */
    public ScheduledWeighter(WeightSchedule schedule) {
        this.schedule = Objects.requireNonNull(schedule, "schedule");
    }

    /** A ramp from {@code start} to {@code end} over {@code length} steps or epochs. */
    public static WeightSchedule ramp(double[] start, double[] end, Ramp ramp, long length, RampUnit unit) {
        if (start.length != end.length) {
            throw new IllegalArgumentException("SCHEDULED start and end weights differ in count: "
                    + Arrays.toString(start) + " vs " + Arrays.toString(end));
        }
        if (length <= 0) {
            throw new IllegalArgumentException("SCHEDULED ramp length must be positive, got " + length);
        }
        double[] from = start.clone();
        double[] to = end.clone();
        return (step, epoch, count) -> {
            double t = Math.min(1.0, (double) (unit == RampUnit.STEP ? step : epoch) / length);
            double f = switch (ramp) {
                case LINEAR -> t;
                case COSINE -> (1 - Math.cos(Math.PI * t)) / 2;
                case STEP -> t >= 1 ? 1 : 0;
            };
            double[] w = new double[from.length];
            for (int i = 0; i < w.length; i++) {
                w[i] = from[i] + (to[i] - from[i]) * f;
            }
            return w;
        };
    }

    @Override
    public SDVariable combine(GraphHost host, List<SDVariable> branchLosses) {
        branches = branchLosses.size();
        lambda = host.state("weighting/lambda", Nd4j.createFromArray(checked(schedule.weights(0, 0, branches))));
        return LossSums.weightedSum(host, lambda, branchLosses);
    }

    @Override
    public void beforeStep(StepInfo step) {
        LossSums.assign(lambda, checked(schedule.weights(step.iteration(), step.epoch(), branches)));
    }

    /** True: Σ wᵢ·Lᵢ with weights scheduled per step is affine in the losses. */
    @Override
    public boolean additiveOverExamples() {
        return true;
    }

    @Override
    public double[] weights() {
        return lambda.getArr().toDoubleVector();
    }

    private double[] checked(double[] w) {
        if (w == null || w.length != branches) {
            throw new IllegalStateException("the weight schedule " + schedule.getClass().getName() + " returned "
                    + (w == null ? "null" : w.length + " weights") + " for " + branches + " branches");
        }
        for (double v : w) {
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw new IllegalStateException("the weight schedule " + schedule.getClass().getName()
                        + " returned " + Arrays.toString(w) + ": weights must be finite and non-negative");
            }
        }
        return w;
    }
}

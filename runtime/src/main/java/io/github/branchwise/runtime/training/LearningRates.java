package io.github.branchwise.runtime.training;

import java.util.Map;
import java.util.TreeMap;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.PolySchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.linalg.schedule.StepSchedule;

/**
 * Learning-rate schedules with Keras' names, as ND4J {@link ISchedule}s to pass to the optimiser, the way Keras
 * passes a schedule as {@code learning_rate}:
 * {@code TrainingOptions.builder().updater(new Adam(LearningRates.exponentialDecay(1e-3, 1000, 0.96)))}.
 *
 * <p>The schedule lives inside the optimiser's configuration, which is saved with the model and every checkpoint,
 * and it is a function of the step and epoch counters, which are saved too: a resumed run uses exactly the rates of
 * the uninterrupted one. The current rate is the {@code lr} column of the {@link History}.
 */
public final class LearningRates {
    private LearningRates() {
    }

    /**
     * {@code initial · rate^(step / decaySteps)}, per step (Keras' {@code ExponentialDecay}, not staircase).
     */
    public static ISchedule exponentialDecay(double initial, long decaySteps, double rate) {
        if (decaySteps <= 0 || !(rate > 0)) {
            throw new IllegalArgumentException("exponentialDecay needs decaySteps > 0 and rate > 0, got "
                    + decaySteps + " and " + rate);
        }
        return new ExponentialSchedule(ScheduleType.ITERATION, initial, Math.pow(rate, 1.0 / decaySteps));
    }

    /** {@code initial · factor^floor(epoch / everyEpochs)}: the rate drops by {@code factor} every few epochs. */
    public static ISchedule stepDecay(double initial, double factor, int everyEpochs) {
        if (everyEpochs <= 0) {
            throw new IllegalArgumentException("everyEpochs must be positive, got " + everyEpochs);
        }
        return new StepSchedule(ScheduleType.EPOCH, initial, factor, everyEpochs);
    }

    /**
     * A constant rate per range of epochs (Keras' {@code PiecewiseConstantDecay}, by epoch): {@code ratesFrom}
     * maps the first epoch of each range to its rate and must hold epoch 0.
     */
    public static ISchedule piecewiseConstant(Map<Integer, Double> ratesFrom) {
        TreeMap<Integer, Double> sorted = new TreeMap<>(ratesFrom);
        if (!sorted.containsKey(0)) {
            throw new IllegalArgumentException("piecewiseConstant needs the rate of epoch 0, got " + sorted);
        }
        Map<Integer, Double> full = new TreeMap<>();
        int last = sorted.lastKey();
        double rate = sorted.get(0);
        for (int e = 0; e <= last; e++) {
            if (sorted.containsKey(e)) {
                rate = sorted.get(e);
            }
            full.put(e, rate);
        }
        return new MapSchedule(ScheduleType.EPOCH, full);
    }

    /** {@code initial · (1 − step / steps)^power} (Keras' {@code PolynomialDecay} to 0). */
    public static ISchedule polynomialDecay(double initial, double power, int steps) {
        if (steps <= 0) {
            throw new IllegalArgumentException("steps must be positive, got " + steps);
        }
        return new PolySchedule(ScheduleType.ITERATION, initial, power, steps);
    }
}

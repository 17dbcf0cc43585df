package io.github.branchwise.spark;

import io.github.branchwise.runtime.ReplicaState;
import java.io.Serial;
import java.io.Serializable;

/**
 * What the partitions of one local-SGD round bring back, summed: each replica's state after its local steps
 * (parameters, layer and weighting state variables, optimiser state), the number of replicas, the rows, the most local
 * steps a partition took and the losses of those steps times their rows. The driver divides the states' sum by the
 * number of replicas: a plain average, as DL4J's parameter averaging, so that a partition which ran out of rows early
 * in an epoch's last round counts as much as the others (its fewer steps moved it less).
 */
final class LocalRound implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    /** One replica's state after the round, for its names, shapes, kinds and frozen set (the values are not read). */
    final ReplicaState template;
    final long examples;
    final int replicas;
    final int steps;
    /** {total, each branch's loss}, each times the rows of its step. */
    final double[] lossSums;
    final double[][] valueSums;
    final double[][] optimiserSums;

    private LocalRound(ReplicaState template, long examples, int replicas, int steps, double[] lossSums,
                       double[][] valueSums, double[][] optimiserSums) {
        this.template = template;
        this.examples = examples;
        this.replicas = replicas;
        this.steps = steps;
        this.lossSums = lossSums;
        this.valueSums = valueSums;
        this.optimiserSums = optimiserSums;
    }

    /** One replica's round: its state after {@code steps} local steps over {@code examples} rows. */
    static LocalRound of(ReplicaState after, long examples, int steps, double[] lossSums) {
        double[][] values = new double[after.size()][];
        for (int i = 0; i < values.length; i++) {
            values[i] = after.value(i);
        }
        double[][] optimiser = new double[after.optimiserSize()][];
        for (int i = 0; i < optimiser.length; i++) {
            optimiser[i] = after.optimiserValue(i);
        }
        return new LocalRound(after, examples, 1, steps, lossSums, values, optimiser);
    }

    /** The two rounds' sums; null stands for a partition with no rows left. */
    static LocalRound sum(LocalRound a, LocalRound b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        if (a.valueSums.length != b.valueSums.length || a.optimiserSums.length != b.optimiserSums.length) {
            throw new IllegalArgumentException("local rounds of different models do not add");
        }
        return new LocalRound(a.template, a.examples + b.examples, a.replicas + b.replicas, Math.max(a.steps, b.steps),
                added(a.lossSums, b.lossSums), added(a.valueSums, b.valueSums),
                added(a.optimiserSums, b.optimiserSums));
    }

    /** The average state, counters set to {@code iteration} and {@code epoch}. */
    ReplicaState average(long iteration, long epoch) {
        double[][] values = new double[valueSums.length][];
        for (int i = 0; i < values.length; i++) {
            values[i] = divided(valueSums[i], replicas);
        }
        double[][] optimiser = new double[optimiserSums.length][];
        for (int i = 0; i < optimiser.length; i++) {
            optimiser[i] = divided(optimiserSums[i], replicas);
        }
        return template.with(iteration, epoch, values, template.hasOptimiser() ? optimiser : null);
    }

    /** Each value divided (not multiplied by the reciprocal: one replica's state comes back bit for bit). */
    private static double[] divided(double[] values, double divisor) {
        double[] out = new double[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = values[i] / divisor;
        }
        return out;
    }

    private static double[] added(double[] a, double[] b) {
        double[] out = a.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] += b[i];
        }
        return out;
    }

    private static double[][] added(double[][] a, double[][] b) {
        double[][] out = new double[a.length][];
        for (int i = 0; i < out.length; i++) {
            out[i] = added(a[i], b[i]);
        }
        return out;
    }
}

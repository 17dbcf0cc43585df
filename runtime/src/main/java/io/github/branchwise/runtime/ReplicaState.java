package io.github.branchwise.runtime;

import java.io.Serial;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * What a replica of a model needs to compute its shard of a step exactly as the driver's model would: the values of
 * every parameter and layer state, of the weighting's state variables (weights a strategy feeds each step or epoch),
 * the frozen parameters and the step and epoch counters, as plain arrays that serialise cheaply
 * ({@code Trainer.replicaState}, {@code Trainer.loadReplicaState}).
 *
 * <p>The optimiser's state and the weighting's Java-side state are not in it: a replica only computes losses and
 * gradients, and the driver applies them.
 */
public final class ReplicaState implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    private final long iteration;
    private final long epoch;
    private final String[] names;
    private final long[][] shapes;
    private final double[][] values;
    private final boolean[] weightingState;
    private final String[] frozen;

    /**
     * A state; the arrays are owned by it (not copied).
     *
     * @param iteration      the step the replica computes
     * @param epoch          the epoch it is in
     * @param names          every parameter, layer state and weighting state variable, by name
     * @param shapes         their shapes, in the order of {@code names}
     * @param values         their values, flattened row-major, in the order of {@code names}
     * @param weightingState for each name, whether it is a weighting state variable rather than a parameter or layer
     *                       state
     * @param frozen         the frozen parameters
     * @throws IllegalArgumentException when the arrays do not have one entry per name, or a value does not fit its
     *                                  shape
     */
    public ReplicaState(long iteration, long epoch, String[] names, long[][] shapes, double[][] values,
                        boolean[] weightingState, String[] frozen) {
        this.iteration = iteration;
        this.epoch = epoch;
        this.names = Objects.requireNonNull(names, "names");
        this.shapes = Objects.requireNonNull(shapes, "shapes");
        this.values = Objects.requireNonNull(values, "values");
        this.weightingState = Objects.requireNonNull(weightingState, "weightingState");
        this.frozen = Objects.requireNonNull(frozen, "frozen");
        if (shapes.length != names.length || values.length != names.length || weightingState.length != names.length) {
            throw new IllegalArgumentException("need one shape, value and kind per name: " + names.length
                    + " names, " + shapes.length + " shapes, " + values.length + " values, " + weightingState.length
                    + " kinds");
        }
        for (int i = 0; i < names.length; i++) {
            long length = 1;
            for (long d : shapes[i]) {
                length *= d;
            }
            if (length != values[i].length) {
                throw new IllegalArgumentException("'" + names[i] + "' of shape " + Arrays.toString(shapes[i])
                        + " needs " + length + " values, got " + values[i].length);
            }
        }
    }

    /** The step the replica computes. */
    public long iteration() {
        return iteration;
    }

    /** The epoch it is in. */
    public long epoch() {
        return epoch;
    }

    /** The number of named values. */
    public int size() {
        return names.length;
    }

    /** The name of value {@code index}. */
    public String name(int index) {
        return names[index];
    }

    /** The shape of value {@code index}; a copy. */
    public long[] shape(int index) {
        return shapes[index].clone();
    }

    /** Value {@code index}, flattened row-major; a copy. */
    public double[] value(int index) {
        return values[index].clone();
    }

    /** Whether value {@code index} is a weighting state variable (rather than a parameter or layer state). */
    public boolean isWeightingState(int index) {
        return weightingState[index];
    }

    /** The frozen parameters; a copy. */
    public String[] frozen() {
        return frozen.clone();
    }
}

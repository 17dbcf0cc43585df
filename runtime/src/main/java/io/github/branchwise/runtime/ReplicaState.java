package io.github.branchwise.runtime;

import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
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
 * <p>Serialised, each array whose values are all floats (every parameter of a FLOAT model) travels as floats: half the
 * bytes of the doubles it is held in, and the same values after reading, bit for bit; others travel as doubles.
 *
 * <p>The weighting's Java-side state is not in it. The optimiser's state is only in a state for local training
 * ({@code Trainer.localState}, local SGD), where a replica takes optimisation steps of its own; a replica of a
 * synchronous step only computes losses and gradients, and the driver applies them.
 */
public final class ReplicaState implements Serializable {
    @Serial
    private static final long serialVersionUID = 2L;

    private final long iteration;
    private final long epoch;
    private final String[] names;
    private final long[][] shapes;
    private final double[][] values;
    private final boolean[] weightingState;
    private final String[] frozen;
    /** The optimiser's state arrays by parameter, or null when the state carries none. */
    private final String[] optimiserNames;
    private final long[][] optimiserShapes;
    private final double[][] optimiserValues;

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
        this(iteration, epoch, names, shapes, values, weightingState, frozen, null, null, null);
    }

    private ReplicaState(long iteration, long epoch, String[] names, long[][] shapes, double[][] values,
                         boolean[] weightingState, String[] frozen, String[] optimiserNames,
                         long[][] optimiserShapes, double[][] optimiserValues) {
        this.optimiserNames = optimiserNames;
        this.optimiserShapes = optimiserShapes;
        this.optimiserValues = optimiserValues;
        if (optimiserNames != null) {
            check(optimiserNames, optimiserShapes, optimiserValues);
        }
        this.iteration = iteration;
        this.epoch = epoch;
        this.names = Objects.requireNonNull(names, "names");
        this.shapes = Objects.requireNonNull(shapes, "shapes");
        this.values = Objects.requireNonNull(values, "values");
        this.weightingState = Objects.requireNonNull(weightingState, "weightingState");
        this.frozen = Objects.requireNonNull(frozen, "frozen");
        if (weightingState.length != names.length) {
            throw new IllegalArgumentException("need one kind per name: " + names.length + " names, "
                    + weightingState.length + " kinds");
        }
        check(names, shapes, values);
    }

    private static void check(String[] names, long[][] shapes, double[][] values) {
        if (shapes.length != names.length || values.length != names.length) {
            throw new IllegalArgumentException("need one shape and value per name: " + names.length + " names, "
                    + shapes.length + " shapes, " + values.length + " values");
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

    /** Serialised as {@link Compact}: float-valued arrays as floats. */
    @Serial
    private Object writeReplace() {
        return new Compact(this);
    }

    /** Only {@link Compact} is ever serialised. */
    @Serial
    private void readObject(ObjectInputStream in) throws InvalidObjectException {
        throw new InvalidObjectException("a ReplicaState is read through its serialised form");
    }

    /**
     * The serialised form (a serialisation proxy, as in Effective Java, item 90): every value array as a
     * {@code float[]} when each of its values is a float exactly, else as the {@code double[]} itself.
     */
    private static final class Compact implements Serializable {
        @Serial
        private static final long serialVersionUID = 1L;

        private final long iteration;
        private final long epoch;
        private final String[] names;
        private final long[][] shapes;
        private final Object[] values;
        private final boolean[] weightingState;
        private final String[] frozen;
        private final String[] optimiserNames;
        private final long[][] optimiserShapes;
        private final Object[] optimiserValues;

        Compact(ReplicaState state) {
            iteration = state.iteration;
            epoch = state.epoch;
            names = state.names;
            shapes = state.shapes;
            values = narrow(state.values);
            weightingState = state.weightingState;
            frozen = state.frozen;
            optimiserNames = state.optimiserNames;
            optimiserShapes = state.optimiserShapes;
            optimiserValues = state.optimiserValues == null ? null : narrow(state.optimiserValues);
        }

        @Serial
        private Object readResolve() throws InvalidObjectException {
            try {
                return new ReplicaState(iteration, epoch, names, shapes, widen(values), weightingState, frozen,
                        optimiserNames, optimiserShapes, optimiserValues == null ? null : widen(optimiserValues));
            } catch (RuntimeException e) {
                InvalidObjectException invalid = new InvalidObjectException("a corrupt ReplicaState: "
                        + e.getMessage());
                invalid.initCause(e);
                throw invalid;
            }
        }

        private static Object[] narrow(double[][] arrays) {
            Object[] narrowed = new Object[arrays.length];
            for (int i = 0; i < arrays.length; i++) {
                narrowed[i] = narrow(arrays[i]);
            }
            return narrowed;
        }

        /** The values as floats when each one is a float exactly (its bits survive the round trip), else as is. */
        private static Object narrow(double[] array) {
            float[] floats = new float[array.length];
            for (int v = 0; v < array.length; v++) {
                float f = (float) array[v];
                if (Double.doubleToRawLongBits(f) != Double.doubleToRawLongBits(array[v])) {
                    return array;
                }
                floats[v] = f;
            }
            return floats;
        }

        private static double[][] widen(Object[] arrays) throws InvalidObjectException {
            if (arrays == null) {
                throw new InvalidObjectException("a corrupt ReplicaState: no values");
            }
            double[][] widened = new double[arrays.length][];
            for (int i = 0; i < arrays.length; i++) {
                if (arrays[i] instanceof double[] doubles) {
                    widened[i] = doubles;
                } else if (arrays[i] instanceof float[] floats) {
                    double[] doubles = new double[floats.length];
                    for (int v = 0; v < floats.length; v++) {
                        doubles[v] = floats[v];
                    }
                    widened[i] = doubles;
                } else {
                    throw new InvalidObjectException("a corrupt ReplicaState: value " + i + " is "
                            + (arrays[i] == null ? "null" : arrays[i].getClass().getName()));
                }
            }
            return widened;
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

    /**
     * This state with other counters and values (an average of replicas' states, say): the same names, shapes, kinds
     * and frozen set; the optimiser's state replaced by {@code optimiserValues}, or kept out when null.
     *
     * @throws IllegalArgumentException when a value does not fit its shape, or optimiser values are given for a state
     *                                  without optimiser state
     */
    public ReplicaState with(long newIteration, long newEpoch, double[][] newValues, double[][] newOptimiserValues) {
        if (newOptimiserValues != null && optimiserNames == null) {
            throw new IllegalArgumentException("this state carries no optimiser state to replace");
        }
        return new ReplicaState(newIteration, newEpoch, names, shapes, newValues, weightingState, frozen,
                newOptimiserValues == null ? null : optimiserNames, newOptimiserValues == null ? null : optimiserShapes,
                newOptimiserValues);
    }

    /**
     * This state with the optimiser's state arrays, by parameter; the arrays are owned by it.
     *
     * @throws IllegalArgumentException when the arrays do not have one entry per name, or a value does not fit its
     *                                  shape
     */
    public ReplicaState withOptimiser(String[] parameters, long[][] stateShapes, double[][] stateValues) {
        return new ReplicaState(iteration, epoch, names, shapes, values, weightingState, frozen,
                Objects.requireNonNull(parameters, "parameters"), Objects.requireNonNull(stateShapes, "stateShapes"),
                Objects.requireNonNull(stateValues, "stateValues"));
    }

    /** Whether the state carries the optimiser's state (a state for local training). */
    public boolean hasOptimiser() {
        return optimiserNames != null;
    }

    /** The number of optimiser state arrays; 0 when it carries none. */
    public int optimiserSize() {
        return optimiserNames == null ? 0 : optimiserNames.length;
    }

    /** The parameter whose optimiser state is array {@code index}. */
    public String optimiserName(int index) {
        return optimiserNames[index];
    }

    /** The shape of optimiser state array {@code index}; a copy. */
    public long[] optimiserShape(int index) {
        return optimiserShapes[index].clone();
    }

    /** Optimiser state array {@code index}, flattened row-major; a copy. */
    public double[] optimiserValue(int index) {
        return optimiserValues[index].clone();
    }
}

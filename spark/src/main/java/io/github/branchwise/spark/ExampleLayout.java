package io.github.branchwise.spark;

import io.github.branchwise.runtime.internal.BranchSpec;
import io.github.branchwise.runtime.internal.InputSpec;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.training.Trainer;
import java.io.Serial;
import java.io.Serializable;
import java.util.Arrays;

/**
 * A model's inputs and targets as the executors need them to check and assemble examples, without the model: names,
 * and the shape of one example of each (a target's shape is its loss's: a class index for sparse categorical
 * cross-entropy).
 */
public final class ExampleLayout implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    private final String model;
    private final String[] inputs;
    private final long[][] inputShapes;
    private final String[] branches;
    private final long[][] targetShapes;

    private ExampleLayout(String model, String[] inputs, long[][] inputShapes, String[] branches,
                          long[][] targetShapes) {
        this.model = model;
        this.inputs = inputs;
        this.inputShapes = inputShapes;
        this.branches = branches;
        this.targetShapes = targetShapes;
    }

    /** The layout of the examples of a trainer's model. */
    public static ExampleLayout of(Trainer trainer) {
        return of(trainer.spec());
    }

    /** The layout of a model's examples. */
    static ExampleLayout of(ModelSpec spec) {
        int n = spec.inputs().size();
        String[] inputs = new String[n];
        long[][] inputShapes = new long[n][];
        for (int i = 0; i < n; i++) {
            InputSpec input = spec.inputs().get(i);
            inputs[i] = input.name();
            inputShapes[i] = input.shape();
        }
        int b = spec.branches().size();
        String[] branches = new String[b];
        long[][] targetShapes = new long[b][];
        for (int i = 0; i < b; i++) {
            BranchSpec branch = spec.branches().get(i);
            branches[i] = branch.name();
            targetShapes[i] = branch.targetShape();
        }
        return new ExampleLayout(spec.modelName(), inputs, inputShapes, branches, targetShapes);
    }

    /** The model's name, for messages. */
    public String model() {
        return model;
    }

    /** The number of inputs. */
    public int inputCount() {
        return inputs.length;
    }

    /** The name of input {@code i}. */
    public String input(int i) {
        return inputs[i];
    }

    /** The shape of one example of input {@code i}; a copy. */
    public long[] inputShape(int i) {
        return inputShapes[i].clone();
    }

    /** The number of branches. */
    public int branchCount() {
        return branches.length;
    }

    /** The name of branch {@code i}. */
    public String branch(int i) {
        return branches[i];
    }

    /** The shape of one example of branch {@code i}'s target; a copy. */
    public long[] targetShape(int i) {
        return targetShapes[i].clone();
    }

    /** The values one example of input {@code i} holds. */
    public int inputLength(int i) {
        return length(inputShapes[i]);
    }

    /** The values one example of branch {@code i}'s target holds. */
    public int targetLength(int i) {
        return length(targetShapes[i]);
    }

    private static int length(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return Math.toIntExact(n);
    }

    /**
     * Checks one example against the model.
     *
     * @param where where the example is, for the message ("partition 1, row 3")
     * @throws IllegalArgumentException naming the model, {@code where} and the input or target at fault
     */
    public void check(Example example, String where) {
        if (example == null) {
            throw new IllegalArgumentException(model + ": " + where + " is null");
        }
        check(example.inputs(), inputs, inputShapes, "input", where);
        check(example.targets(), branches, targetShapes, "target of branch", where);
    }

    private void check(float[][] values, String[] names, long[][] shapes, String kind, String where) {
        if (values.length != names.length) {
            throw new IllegalArgumentException(model + ": " + where + " has " + values.length + " " + kind
                    + " arrays, the model has " + names.length + " " + Arrays.toString(names));
        }
        for (int i = 0; i < names.length; i++) {
            int needed = length(shapes[i]);
            if (values[i] == null) {
                throw new IllegalArgumentException(model + ": " + where + ": " + kind + " '" + names[i] + "' is null");
            }
            if (values[i].length != needed) {
                throw new IllegalArgumentException(model + ": " + where + ": " + kind + " '" + names[i] + "' holds "
                        + values[i].length + " values, its shape " + Arrays.toString(shapes[i]) + " needs "
                        + needed);
            }
        }
    }
}

package io.github.branchwise.runtime.training;

import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One mini-batch: one array per input and one target per branch, each in declaration order, all with the same
 * batch size on axis 0. Shapes are checked by the trainer when the batch is used.
 *
 * @param inputs  the input arrays, in input declaration order
 * @param targets the target arrays, in branch declaration order
 */
public record Batch(INDArray[] inputs, INDArray[] targets) {
    /** Checks that neither array list is missing. */
    public Batch {
        Objects.requireNonNull(inputs, "inputs");
        Objects.requireNonNull(targets, "targets");
    }

    /** A batch from a pair {@code {inputs, targets}}. */
    public static Batch of(INDArray[][] pair) {
        Objects.requireNonNull(pair, "pair");
        if (pair.length != 2) {
            throw new IllegalArgumentException("a batch pair is {inputs, targets}: 2 arrays of arrays, got "
                    + pair.length);
        }
        return new Batch(pair[0], pair[1]);
    }

    /** The number of examples: the size of axis 0 of the first input. */
    public long size() {
        if (inputs.length == 0 || inputs[0] == null || inputs[0].rank() == 0) {
            throw new IllegalArgumentException("a batch needs at least one input with a batch axis");
        }
        return inputs[0].size(0);
    }
}

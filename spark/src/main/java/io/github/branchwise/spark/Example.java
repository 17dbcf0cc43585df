package io.github.branchwise.spark;

import java.io.Serial;
import java.io.Serializable;
import java.util.Objects;

/**
 * One training example as Spark ships it: one array per input and one per branch's target, each the example's values
 * flattened row-major (an image input of shape {@code [5, 5, 2]}: 50 values; ids as whole numbers). Checked against
 * the model ({@link ExampleLayout}) when the training data is cut into partition blocks, with the partition and row
 * named in the error.
 *
 * @param inputs  one array per input, in declaration order
 * @param targets one array per branch, in declaration order
 */
public record Example(float[][] inputs, float[][] targets) implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    /** Checks that neither list is null; their contents are checked against the model later. */
    public Example {
        Objects.requireNonNull(inputs, "inputs");
        Objects.requireNonNull(targets, "targets");
    }
}

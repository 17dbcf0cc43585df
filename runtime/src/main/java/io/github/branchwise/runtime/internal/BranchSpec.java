package io.github.branchwise.runtime.internal;

import io.github.branchwise.annotations.Loss;
import java.util.Arrays;
import java.util.Objects;

/**
 * One {@code @Branch} of a model with its loss.
 *
 * @param name  the branch's name
 * @param shape the shape of one example of the branch's output, without the batch axis
 * @param loss  the built-in loss, or {@link Loss#CUSTOM} when a loss method of the model computes it
 * @param delta the threshold of {@link Loss#HUBER}; ignored by the other losses
 */
public record BranchSpec(String name, long[] shape, Loss loss, double delta) {
    /** Checks the arguments and copies the shape. */
    public BranchSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(loss, "loss");
        shape = Shapes.checkExampleShape("branch '" + name + "'", shape);
        if (loss == Loss.HUBER && !(delta > 0)) {
            throw new IllegalArgumentException("branch '" + name + "': HUBER delta must be positive, got " + delta);
        }
        if (loss == Loss.SPARSE_CATEGORICAL_CROSSENTROPY && shape.length == 0) {
            throw new IllegalArgumentException("branch '" + name + "': SPARSE_CATEGORICAL_CROSSENTROPY needs a "
                    + "class axis in the branch shape");
        }
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /**
     * The shape of one example of this branch's target: the output shape, except for sparse categorical
     * cross-entropy whose targets are class indices (the output shape without its last, class axis).
     */
    public long[] targetShape() {
        return loss == Loss.SPARSE_CATEGORICAL_CROSSENTROPY ? Arrays.copyOf(shape, shape.length - 1) : shape.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BranchSpec other && name.equals(other.name) && Arrays.equals(shape, other.shape)
                && loss == other.loss && Double.compare(delta, other.delta) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, Arrays.hashCode(shape), loss, delta);
    }

    @Override
    public String toString() {
        return name + Shapes.format(shape) + " " + loss;
    }
}

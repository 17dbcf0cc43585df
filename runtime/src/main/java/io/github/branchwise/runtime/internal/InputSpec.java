package io.github.branchwise.runtime.internal;

import java.util.Arrays;
import java.util.Objects;

/**
 * One {@code @Input} of a model.
 *
 * @param name  the input's name
 * @param shape the shape of one example, without the batch axis
 */
public record InputSpec(String name, long[] shape) {
    /** Checks the name and copies the shape. */
    public InputSpec {
        Objects.requireNonNull(name, "name");
        shape = Shapes.checkExampleShape("input '" + name + "'", shape);
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InputSpec other && name.equals(other.name) && Arrays.equals(shape, other.shape);
    }

    @Override
    public int hashCode() {
        return 31 * name.hashCode() + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + Shapes.format(shape);
    }
}

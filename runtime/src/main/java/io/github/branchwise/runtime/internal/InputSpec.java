package io.github.branchwise.runtime.internal;

import io.github.branchwise.annotations.InputType;
import java.util.Arrays;
import java.util.Objects;

/**
 * One {@code @Input} of a model.
 *
 * @param name       the input's name
 * @param shape      the shape of one example, without the batch axis
 * @param type       what it holds: real values in the model's data type, or integer ids
 * @param vocabulary for integer ids, the declared number of distinct ids ({@code [0, vocabulary)}); 0 when not
 *                   declared, and always 0 for real values
 */
public record InputSpec(String name, long[] shape, InputType type, long vocabulary) {
    /** Checks the name, the type and the vocabulary, and copies the shape. */
    public InputSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        shape = Shapes.checkExampleShape("input '" + name + "'", shape);
        if (vocabulary < 0) {
            throw new IllegalArgumentException("input '" + name + "': vocabulary must not be negative, got "
                    + vocabulary);
        }
        if (vocabulary > 0 && type != InputType.INT) {
            throw new IllegalArgumentException("input '" + name + "': only INT inputs have a vocabulary, got "
                    + vocabulary + " for a " + type + " input");
        }
        if (vocabulary > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("input '" + name + "': ids are 32-bit integers, so the vocabulary "
                    + "can be at most " + Integer.MAX_VALUE + ", got " + vocabulary);
        }
    }

    /** An input of real values. */
    public InputSpec(String name, long[] shape) {
        this(name, shape, InputType.FLOAT, 0);
    }

    /** Whether the input holds integer ids. */
    public boolean isIds() {
        return type == InputType.INT;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InputSpec other && name.equals(other.name) && Arrays.equals(shape, other.shape)
                && type == other.type && vocabulary == other.vocabulary;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, Arrays.hashCode(shape), type, vocabulary);
    }

    @Override
    public String toString() {
        return name + Shapes.format(shape) + (isIds() ? " ids" + (vocabulary > 0 ? " < " + vocabulary : "") : "");
    }
}

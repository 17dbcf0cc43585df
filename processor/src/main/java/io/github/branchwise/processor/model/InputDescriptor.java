package io.github.branchwise.processor.model;

import io.github.branchwise.annotations.InputType;
import java.util.List;

/**
 * One {@code @Input}.
 *
 * @param name the input's name in the generated API
 * @param methodName the abstract method the generated code implements
 * @param access the method's access, kept by the implementation
 * @param shape one example's shape, without the batch dimension
 * @param type what it holds: real values or integer ids
 * @param vocabulary the declared number of ids of an INT input, 0 when not declared
 */
public record InputDescriptor(String name, String methodName, Access access, List<Long> shape, InputType type,
                              long vocabulary) {
    /** Copies the shape. */
    public InputDescriptor {
        shape = List.copyOf(shape);
    }

    /** An input of real values. */
    public InputDescriptor(String name, String methodName, Access access, List<Long> shape) {
        this(name, methodName, access, shape, InputType.FLOAT, 0);
    }

    /** Whether the input holds integer ids. */
    public boolean isIds() {
        return type == InputType.INT;
    }
}

package io.github.branchwise.processor.model;

import java.util.List;

/**
 * One {@code @Input}.
 *
 * @param name the input's name in the generated API
 * @param methodName the abstract method the generated code implements
 * @param access the method's access, kept by the implementation
 * @param shape one example's shape, without the batch dimension
 */
public record InputDescriptor(String name, String methodName, Access access, List<Long> shape) {
    /** Copies the shape. */
    public InputDescriptor {
        shape = List.copyOf(shape);
    }
}

package io.github.branchwise.processor.model;

import java.util.List;

/**
 * One {@code @Stitch}.
 *
 * @param name the abstract method the generated code implements, and the unit's name (parameter
 *         {@code name/alpha})
 * @param access the method's access, kept by the implementation
 * @param parts the method names of the parts mixed, this column's own first
 * @param own the initial α of the first part
 * @param other the initial α of every other part
 * @param perChannel whether α has one value per part and channel
 */
public record StitchDescriptor(String name, Access access, List<String> parts, double own, double other,
                               boolean perChannel) {
    /** Copies the parts. */
    public StitchDescriptor {
        parts = List.copyOf(parts);
    }
}

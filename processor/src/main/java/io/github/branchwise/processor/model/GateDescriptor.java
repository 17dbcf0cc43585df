package io.github.branchwise.processor.model;

import java.util.List;

/**
 * One {@code @Gate}.
 *
 * @param name the abstract method the generated code implements, and the gate's name (parameters {@code name/W},
 *         {@code name/b}; history columns {@code name_<group>_<k>})
 * @param access the method's access, kept by the implementation
 * @param groups the {@code @Experts} groups it mixes, in the order listed
 * @param input the method name of the part that drives it: the one named, or the part its groups read
 */
public record GateDescriptor(String name, Access access, List<String> groups, String input) {
    /** Copies the groups. */
    public GateDescriptor {
        groups = List.copyOf(groups);
    }
}

package io.github.branchwise.processor.model;

/**
 * One {@code @Experts} group.
 *
 * @param name the method, which builds one expert, and the group's name (its parameters {@code name/k/...})
 * @param count the number of experts, at least 1
 * @param input the method name of the part every expert reads
 */
public record ExpertsDescriptor(String name, int count, String input) {
}

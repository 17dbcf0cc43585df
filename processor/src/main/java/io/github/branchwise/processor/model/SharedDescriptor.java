package io.github.branchwise.processor.model;

/**
 * One {@code @Shared} method.
 *
 * @param methodName the method the generated code overrides to memoise
 * @param access the method's access, kept by the override
 * @param takesLayers whether it takes a {@code Layers}
 */
public record SharedDescriptor(String methodName, Access access, boolean takesLayers) {
}

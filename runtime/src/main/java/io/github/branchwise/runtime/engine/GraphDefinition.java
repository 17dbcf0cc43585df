package io.github.branchwise.runtime.engine;

/** Builds a model's branches into a {@link GraphScope}; generated training models implement it. */
@FunctionalInterface
public interface GraphDefinition {
    /** Adds every branch output and custom branch loss of the model to {@code scope}. */
    void define(GraphScope scope);
}

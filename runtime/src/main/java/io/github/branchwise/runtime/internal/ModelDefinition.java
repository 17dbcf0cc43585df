package io.github.branchwise.runtime.internal;

/** Builds a model's branches into a {@link ModelGraph}; generated training models implement it. */
@FunctionalInterface
public interface ModelDefinition {
    /** Adds every branch output and custom branch loss of the model to {@code scope}. */
    void define(ModelGraph scope);
}

package io.github.branchwise.runtime.internal;

import io.github.branchwise.annotations.InputType;
import io.github.branchwise.annotations.Loss;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Everything the runtime knows about one annotated model class: its inputs and branches in declaration order, each
 * branch's loss, the weighting, and the code that builds the graph. Generated training models hold one as a
 * constant; it is immutable.
 */
public final class ModelSpec {
    private final String modelName;
    private final List<InputSpec> inputs;
    private final List<BranchSpec> branches;
    private final WeightingSpec weighting;
    private final ModelDefinition graph;
    private final List<String> sharedMethods;

    private ModelSpec(Builder builder) {
        this.modelName = builder.modelName;
        this.inputs = List.copyOf(builder.inputs);
        this.branches = List.copyOf(builder.branches);
        this.weighting = Objects.requireNonNull(builder.weighting, "weighting");
        this.graph = Objects.requireNonNull(builder.graph, "graph");
        this.sharedMethods = List.copyOf(builder.sharedMethods);
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException(modelName + " needs at least one input");
        }
        if (branches.isEmpty()) {
            throw new IllegalArgumentException(modelName + " needs at least one branch");
        }
        Set<String> names = new HashSet<>();
        for (InputSpec input : inputs) {
            if (!names.add(input.name())) {
                throw new IllegalArgumentException(modelName + ": duplicate name '" + input.name() + "'");
            }
        }
        for (BranchSpec branch : branches) {
            if (!names.add(branch.name())) {
                throw new IllegalArgumentException(modelName + ": duplicate name '" + branch.name() + "'");
            }
        }
        weighting.newWeighter(branches);
    }

    /** A builder for the model class {@code modelName} (its fully qualified name). */
    public static Builder builder(String modelName) {
        return new Builder(modelName);
    }

    /** The fully qualified name of the annotated model class; saved files are tied to it. */
    public String modelName() {
        return modelName;
    }

    /** The inputs, in declaration order. */
    public List<InputSpec> inputs() {
        return inputs;
    }

    /** The {@code @Shared} methods in declaration order, as {@link Builder#sharedMethods} gave them; may be empty. */
    public List<String> sharedMethods() {
        return sharedMethods;
    }

    /** The branches, in declaration order. */
    public List<BranchSpec> branches() {
        return branches;
    }

    /** How branch losses are combined. */
    public WeightingSpec weighting() {
        return weighting;
    }

    /**
     * This model with another weighting, e.g. the one a {@code TrainingOptions} chose at run time.
     *
     * @throws IllegalArgumentException when the weighting does not fit the branches (a weight per branch, ...)
     */
    public ModelSpec withWeighting(WeightingSpec other) {
        Builder builder = builder(modelName).weighting(other).graph(graph);
        builder.inputs.addAll(inputs);
        builder.branches.addAll(branches);
        return new ModelSpec(builder);
    }

    /** The code that builds the branches. */
    public ModelDefinition graph() {
        return graph;
    }

    /** The index of the branch called {@code name}, or -1. */
    public int branchIndex(String name) {
        for (int i = 0; i < branches.size(); i++) {
            if (branches.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        return modelName + "[inputs=" + inputs + ", branches=" + branches + ", weighting=" + weighting + "]";
    }

    /** Builds a {@link ModelSpec}. */
    public static final class Builder {
        private final String modelName;
        private final List<InputSpec> inputs = new ArrayList<>();
        private final List<BranchSpec> branches = new ArrayList<>();
        private WeightingSpec weighting;
        private ModelDefinition graph;
        private List<String> sharedMethods = List.of();

        private Builder(String modelName) {
            this.modelName = Objects.requireNonNull(modelName, "modelName");
        }

        /** Adds an input of real values whose examples have the given shape. */
        public Builder input(String name, long... shape) {
            inputs.add(new InputSpec(name, shape));
            return this;
        }

        /**
         * Adds an input of the given type whose examples have the given shape; {@code vocabulary} bounds the ids of
         * an {@link InputType#INT} input ({@code [0, vocabulary)}, 0 when not declared) and must be 0 otherwise.
         */
        public Builder input(String name, InputType type, long vocabulary, long... shape) {
            inputs.add(new InputSpec(name, shape, type, vocabulary));
            return this;
        }

        /** Adds a branch whose examples have the given shape, with its loss and Huber delta. */
        public Builder branch(String name, long[] shape, Loss loss, double delta) {
            branches.add(new BranchSpec(name, shape, loss, delta));
            return this;
        }

        /** Sets the weighting. */
        public Builder weighting(WeightingSpec weighting) {
            this.weighting = Objects.requireNonNull(weighting, "weighting");
            return this;
        }

        /**
         * Declares the model's {@code @Shared} methods in source order (their parameters' scopes carry these names);
         * what "the last {@code @Shared} method" means to a strategy. Without it, the order the scopes first created a
         * parameter stands in.
         */
        public Builder sharedMethods(String... names) {
            this.sharedMethods = List.of(names);
            return this;
        }

        /** Sets the code that builds the branches. */
        public Builder graph(ModelDefinition graph) {
            this.graph = Objects.requireNonNull(graph, "graph");
            return this;
        }

        /** The spec. */
        public ModelSpec build() {
            return new ModelSpec(this);
        }
    }
}

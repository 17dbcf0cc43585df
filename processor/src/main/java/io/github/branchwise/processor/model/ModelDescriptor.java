package io.github.branchwise.processor.model;

import io.github.branchwise.processor.base.ModelNames;
import java.util.List;
import javax.lang.model.element.TypeElement;

/**
 * Everything the writers need to know about one validated model class, read once and immutable.
 *
 * @param element the model class, the originating element of every generated file
 * @param qualifiedName the model's canonical name, which identifies the model in saved files
 * @param names the names of the generated types
 * @param inputs the inputs, in declaration order
 * @param shared the {@code @Shared} methods, in declaration order
 * @param branches the branches, in declaration order
 * @param lossMethods the loss methods, in declaration order
 * @param experts the {@code @Experts} groups, in declaration order
 * @param gates the {@code @Gate}s, in declaration order
 * @param stitches the {@code @Stitch}es, in declaration order
 * @param weighting how the branch losses are combined
 * @param serializable whether the model class is {@code Serializable}, which the generated subclass inherits
 */
public record ModelDescriptor(
        TypeElement element,
        String qualifiedName,
        ModelNames names,
        List<InputDescriptor> inputs,
        List<SharedDescriptor> shared,
        List<BranchDescriptor> branches,
        List<LossMethodDescriptor> lossMethods,
        List<ExpertsDescriptor> experts,
        List<GateDescriptor> gates,
        List<StitchDescriptor> stitches,
        WeightingDescriptor weighting,
        boolean serializable) {

    /** Copies the lists, so that the descriptor stays immutable. */
    public ModelDescriptor {
        inputs = List.copyOf(inputs);
        shared = List.copyOf(shared);
        branches = List.copyOf(branches);
        lossMethods = List.copyOf(lossMethods);
        experts = List.copyOf(experts);
        gates = List.copyOf(gates);
        stitches = List.copyOf(stitches);
    }

    /** Whether the model has gates, and so a {@code <Model>GateWeights} record and gate columns in its history. */
    public boolean hasGates() {
        return !gates.isEmpty();
    }

    /** The experts group of that name. */
    public ExpertsDescriptor expertsGroup(String name) {
        return experts.stream().filter(e -> e.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no @Experts group " + name));
    }
}

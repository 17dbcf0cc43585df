package io.github.branchwise.runtime;

import java.util.List;
import java.util.Objects;

/**
 * Layers that several branches each build for themselves, with parameters of their own, from the same source: the
 * mark of a trunk written as a plain helper method and called from each branch where a {@code @Shared} method was
 * meant (each branch then trains its own copy of the trunk, and the model has more parameters than it looks).
 *
 * <p>The runtime finds them when a model is created ({@code Trainer.duplicatedLayers()}), logs one warning for each
 * through SLF4J (logger {@code io.github.branchwise.runtime.DuplicatedLayers}) and lists them at the end of
 * {@code summary()}. What counts: two or more branches whose first layers are the same layers (kind, settings,
 * activation, parameter shapes), reading the same model input or {@code @Shared} output and chained to each other
 * the same way, at least two of them with parameters; a branch's last layer (its head) never counts, so heads of the
 * same size over a shared trunk are not duplicates. {@link TrainingOptions.Builder#checkDuplicatedLayers(boolean)}
 * turns the check off for a model whose branches are meant to be separate.
 *
 * @param branches            the branches that each build the layers, in declaration order; two or more
 * @param layerNames          the layers' names within each branch, e.g. {@code [dense_0, dense_1]} (the same in every
 *                            branch: {@code Layers} numbers them by kind in call order); the duplicated parameters are
 *                            {@code <branch>/<layer name>/<W|b>}
 * @param layerKinds          what each layer is, as {@code summary()} shows it, e.g. {@code Dense(16) relu}
 * @param source              what the first of them reads, e.g. {@code input 'x'} or {@code @Shared 'trunk'}
 *                            ({@code and} between several)
 * @param parametersPerBranch the parameters of one branch's copy of the layers
 */
public record DuplicatedLayers(List<String> branches, List<String> layerNames, List<String> layerKinds, String source,
                               long parametersPerBranch) {
    /** Copies the lists and checks that they describe a duplicate: two branches or more, as many names as kinds. */
    public DuplicatedLayers {
        branches = List.copyOf(branches);
        layerNames = List.copyOf(layerNames);
        layerKinds = List.copyOf(layerKinds);
        Objects.requireNonNull(source, "source");
        if (branches.size() < 2) {
            throw new IllegalArgumentException("a duplicate needs two branches or more, got " + branches);
        }
        if (layerNames.isEmpty() || layerNames.size() != layerKinds.size()) {
            throw new IllegalArgumentException("one kind per layer name, at least one: " + layerNames + ", "
                    + layerKinds);
        }
    }

    /** The parameters the copies cost beyond one shared copy: {@code parametersPerBranch · (branches − 1)}. */
    public long extraParameters() {
        return parametersPerBranch * (branches.size() - 1);
    }

    /**
     * One line saying what is duplicated and what it costs, e.g. {@code branches 'a' and 'b' each build their own
     * Dense(16) relu → Dense(16) from input 'x' (97 parameters each, 97 more than one shared copy)}.
     */
    public String description() {
        return "branches " + quoted(branches) + " each build their own " + String.join(" → ", layerKinds)
                + " from " + source + " (" + parametersPerBranch + " parameters each, " + extraParameters()
                + " more than one shared copy)";
    }

    /** The warning logged for model {@code model}: {@link #description()} and both ways to resolve it. */
    public String warning(String model) {
        return model + ": " + description() + ". If they are meant to be one trunk, move them into a @Shared method "
                + "that each branch calls; to keep them separate on purpose, silence this with "
                + "TrainingOptions.builder().checkDuplicatedLayers(false)";
    }

    /** {@code 'a' and 'b'}, {@code 'a', 'b' and 'c'}. */
    private static String quoted(List<String> names) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < names.size(); i++) {
            if (i > 0) {
                out.append(i == names.size() - 1 ? " and " : ", ");
            }
            out.append('\'').append(names.get(i)).append('\'');
        }
        return out.toString();
    }
}

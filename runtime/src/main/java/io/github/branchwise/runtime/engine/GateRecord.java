package io.github.branchwise.runtime.engine;

import java.util.List;

/**
 * A gate of the model ({@code ModelGraph.gate}) as the training step and the history see it.
 *
 * @param name    the gate's name, its parameters' prefix
 * @param groups  the expert groups it mixes, in order
 * @param counts  the number of experts of each group, in the same order
 * @param weights the name of its softmax output {@code [batch, experts]}, which a training pass hands back
 */
public record GateRecord(String name, List<String> groups, List<Integer> counts, String weights) {
    /** Copies the lists. */
    public GateRecord {
        groups = List.copyOf(groups);
        counts = List.copyOf(counts);
    }

    /** The number of experts it mixes. */
    public int experts() {
        return counts.stream().mapToInt(Integer::intValue).sum();
    }
}

package io.github.branchwise.runtime.training;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Which columns of a CSV file (by header name) hold each input and each branch's target, for
 * {@code XTrainingModel.csv(file, columns, batchSize)}. An input or branch not named here takes the one column of
 * its own name, which suits every input or target of one value per example; one of several values per example
 * ({@code @Input(shape = {3})}) names its columns, in order:
 *
 * <pre>{@code
 * HousesTrainingModel.csv(Path.of("houses.csv"), CsvColumns.byName()
 *         .input("features", "rooms", "area", "age")
 *         .target("price", "price_eur"), 32)
 * }</pre>
 *
 * <p>Targets are written as the branch's loss takes them: a class index in one column for a sparse categorical
 * branch; for a categorical branch either one column per class (one-hot or probabilities) or one column holding the
 * class index, which becomes one-hot. Immutable; each call returns a new mapping.
 */
public final class CsvColumns {
    private final Map<String, List<String>> inputs;
    private final Map<String, List<String>> targets;

    private CsvColumns(Map<String, List<String>> inputs, Map<String, List<String>> targets) {
        this.inputs = Map.copyOf(inputs);
        this.targets = Map.copyOf(targets);
    }

    /** Every input and target from the column of its own name, until {@link #input} or {@link #target} says else. */
    public static CsvColumns byName() {
        return new CsvColumns(Map.of(), Map.of());
    }

    /** The columns of input {@code name}, in the order of its values. */
    public CsvColumns input(String name, String... columns) {
        return new CsvColumns(with(inputs, name, columns), targets);
    }

    /** The columns of branch {@code name}'s target, in the order of its values. */
    public CsvColumns target(String branch, String... columns) {
        return new CsvColumns(inputs, with(targets, branch, columns));
    }

    /** The columns of an input: those given, or the one of its own name. */
    List<String> forInput(String name) {
        return inputs.getOrDefault(name, List.of(name));
    }

    /** The columns of a branch's target: those given, or the one of its own name. */
    List<String> forTarget(String branch) {
        return targets.getOrDefault(branch, List.of(branch));
    }

    /** The inputs and branches given columns explicitly, to check that each exists in the model. */
    Map<String, List<String>> explicitInputs() {
        return inputs;
    }

    Map<String, List<String>> explicitTargets() {
        return targets;
    }

    private static Map<String, List<String>> with(Map<String, List<String>> map, String name, String[] columns) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(columns, "columns");
        if (columns.length == 0) {
            throw new IllegalArgumentException("'" + name + "' needs at least one column");
        }
        for (String column : columns) {
            Objects.requireNonNull(column, "column of '" + name + "'");
        }
        Map<String, List<String>> copy = new LinkedHashMap<>(map);
        copy.put(name, List.of(columns));
        return copy;
    }

    @Override
    public String toString() {
        return "CsvColumns[inputs=" + inputs + ", targets=" + targets + "]";
    }
}

package io.github.branchwise.runtime.training;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;

/**
 * How much one gate used each of its experts: for a step, the batch mean of each expert's softmax weight; for an
 * epoch, the mean of those over the epoch's steps weighted by their batch sizes (the mean over its training
 * examples). The weights of one row add up to 1 (to rounding). Read from a history row's columns
 * {@code <gate>_<group>_<k>}, e.g. {@code clickGate_shared_0}; what a generated {@code <Model>Epoch.gates()} holds.
 */
public final class GateWeights {
    private final String gate;
    private final Map<String, double[]> groups;

    private GateWeights(String gate, Map<String, double[]> groups) {
        this.gate = gate;
        this.groups = groups;
    }

    /**
     * The history column of expert {@code k} of {@code group} in {@code gate}: {@code <gate>_<group>_<k>}.
     */
    public static String column(String gate, String group, int k) {
        return gate + "_" + group + "_" + k;
    }

    /**
     * Reads a gate's weights from a history row.
     *
     * @param row    a step or epoch row of the history, column name to value
     * @param gate   the gate's name
     * @param groups the expert groups the gate mixes, in its order
     * @param counts the number of experts of each group, in the same order
     * @throws IllegalArgumentException when the lists differ in length, a count is below 1, or the row lacks a
     *                                  column of the gate
     */
    public static GateWeights of(Map<String, Double> row, String gate, List<String> groups, List<Integer> counts) {
        Objects.requireNonNull(row, "row");
        Objects.requireNonNull(gate, "gate");
        if (groups.size() != counts.size()) {
            throw new IllegalArgumentException("gate '" + gate + "': " + groups.size() + " groups but "
                    + counts.size() + " counts");
        }
        Map<String, double[]> values = new LinkedHashMap<>();
        for (int g = 0; g < groups.size(); g++) {
            int count = counts.get(g);
            if (count < 1) {
                throw new IllegalArgumentException("gate '" + gate + "': group '" + groups.get(g)
                        + "' needs at least one expert, got " + count);
            }
            double[] weights = new double[count];
            for (int k = 0; k < count; k++) {
                String column = column(gate, groups.get(g), k);
                Double value = row.get(column);
                if (value == null) {
                    throw new IllegalArgumentException("the history row has no column '" + column + "' of gate '"
                            + gate + "'; its columns are " + row.keySet());
                }
                weights[k] = value;
            }
            values.put(groups.get(g), weights);
        }
        return new GateWeights(gate, Collections.unmodifiableMap(values));
    }

    /** The gate's name. */
    public String gate() {
        return gate;
    }

    /**
     * The weight of expert {@code k} of {@code group}.
     *
     * @throws IllegalArgumentException when the gate has no such group or expert
     */
    public double weight(String group, int k) {
        double[] weights = groupValues(group);
        if (k < 0 || k >= weights.length) {
            throw new IllegalArgumentException("group '" + group + "' of gate '" + gate + "' has experts 0.."
                    + (weights.length - 1) + ", not " + k);
        }
        return weights[k];
    }

    /**
     * The weights of every expert of {@code group}, in order; a copy.
     *
     * @throws IllegalArgumentException when the gate does not mix that group
     */
    public double[] group(String group) {
        return groupValues(group).clone();
    }

    private double[] groupValues(String group) {
        double[] weights = groups.get(group);
        if (weights == null) {
            throw new IllegalArgumentException("gate '" + gate + "' mixes the groups " + groups.keySet() + ", not '"
                    + group + "'");
        }
        return weights;
    }

    /** Every weight by its history column ({@code <gate>_<group>_<k>}), in the gate's order; read-only. */
    public Map<String, Double> asMap() {
        Map<String, Double> map = new LinkedHashMap<>();
        groups.forEach((group, weights) -> {
            for (int k = 0; k < weights.length; k++) {
                map.put(column(gate, group, k), weights[k]);
            }
        });
        return Collections.unmodifiableMap(map);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GateWeights other && gate.equals(other.gate) && asMap().equals(other.asMap());
    }

    @Override
    public int hashCode() {
        return Objects.hash(gate, asMap());
    }

    /** {@code clickGate[clickOwn: 0.412, 0.201; shared: 0.187, 0.200]}. */
    @Override
    public String toString() {
        StringJoiner parts = new StringJoiner("; ", gate + "[", "]");
        groups.forEach((group, weights) -> {
            StringJoiner values = new StringJoiner(", ", group + ": ", "");
            for (double w : weights) {
                values.add(String.format(Locale.ROOT, "%.3f", w));
            }
            parts.add(values.toString());
        });
        return parts.toString();
    }
}

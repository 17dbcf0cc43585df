package io.github.branchwise.runtime.engine;

import io.github.branchwise.runtime.DuplicatedLayers;
import io.github.branchwise.runtime.LayerRecord;
import io.github.branchwise.runtime.internal.BranchSpec;
import io.github.branchwise.runtime.internal.InputSpec;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.Shapes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The model table the trainer's {@code summary()} prints, in the manner of Keras' {@code model.summary()}: each input,
 * shared part and branch with its layers, their output shapes and parameter counts, the loss of each branch, the
 * weighting, and the totals of trainable and frozen parameters and of non-trainable layer state (batch-norm moving
 * statistics, counted in their layer's row as Keras counts them).
 */
public final class ModelSummary {
    private static final String FORMAT = "%-34s %-40s %-20s %10s%n";
    private static final int WIDTH = 107;

    private ModelSummary() {
    }

    /**
     * The table of {@code network}'s model.
     *
     * @param parameters the current value of every parameter and layer state, by name
     * @param frozen     the names of the frozen parameters
     * @param duplicates the layers several branches build separately, one line each after the totals
     */
    public static String of(ModelSpec spec, Network network, Map<String, INDArray> parameters, Set<String> frozen,
                            List<DuplicatedLayers> duplicates) {
        Map<String, long[]> shapes = outputShapes(network);

        StringBuilder out = new StringBuilder();
        out.append("Model: ").append(spec.modelName()).append('\n');
        out.append("=".repeat(WIDTH)).append('\n');
        out.append(String.format(Locale.ROOT, FORMAT, "Part / layer", "Type", "Output shape", "Param #"));
        out.append("=".repeat(WIDTH)).append('\n');
        for (InputSpec input : spec.inputs()) {
            out.append(String.format(Locale.ROOT, FORMAT, "input " + input.name(), input.isIds() ? "Input (ids)" : "Input",
                    Shapes.formatBatch(input.shape()), "0"));
        }
        // A scope inside a branch (a task attention module's, mask/task_attention_0) is listed with the branch.
        Map<String, List<LayerRecord>> byScope = new LinkedHashMap<>();
        for (LayerRecord layer : network.layers()) {
            String scope = layer.scope();
            int slash = scope.indexOf('/');
            String owner = slash > 0 && spec.branchIndex(scope.substring(0, slash)) >= 0
                    ? scope.substring(0, slash) : scope;
            byScope.computeIfAbsent(owner, s -> new ArrayList<>()).add(layer);
        }
        for (Map.Entry<String, List<LayerRecord>> scope : byScope.entrySet()) {
            if (spec.branchIndex(scope.getKey()) < 0) {
                String kind = network.partKinds().getOrDefault(scope.getKey(), "shared");
                out.append(String.format(Locale.ROOT, FORMAT, kind + " " + scope.getKey(), "", "", ""));
                appendLayers(out, scope.getKey(), scope.getValue(), shapes, parameters, frozen);
            }
        }
        for (BranchSpec branch : spec.branches()) {
            out.append(String.format(Locale.ROOT, FORMAT, "branch " + branch.name(), "loss " + branch.loss(),
                    Shapes.formatBatch(branch.shape()), ""));
            appendLayers(out, branch.name(), byScope.getOrDefault(branch.name(), List.of()), shapes, parameters,
                    frozen);
        }
        long weighting = parameters.entrySet().stream().filter(e -> e.getKey().startsWith("weighting/"))
                .mapToLong(e -> e.getValue().length()).sum();
        out.append(String.format(Locale.ROOT, FORMAT, "weighting", spec.weighting().toString(), "",
                count(weighting, parameters, frozen, "weighting/")));
        out.append("=".repeat(WIDTH)).append('\n');
        long total = 0;
        long frozenCount = 0;
        long stateCount = 0;
        for (Map.Entry<String, INDArray> p : parameters.entrySet()) {
            total += p.getValue().length();
            if (frozen.contains(p.getKey())) {
                frozenCount += p.getValue().length();
            } else if (network.layerStates().containsKey(p.getKey())) {
                stateCount += p.getValue().length();
            }
        }
        out.append(String.format(Locale.ROOT, "Total params: %d%nTrainable params: %d%nFrozen params: %d%n", total,
                total - frozenCount - stateCount, frozenCount));
        if (stateCount > 0) {
            // Printed only when there is any, so that the tables of models without such layers stay as they were.
            out.append(String.format(Locale.ROOT, "Non-trainable params (layer state): %d%n", stateCount));
        }
        for (DuplicatedLayers duplicate : duplicates) {
            // Beside the totals: the duplicate inflates them, and the table alone shows it only to a careful reader.
            out.append("Duplicated layers, not @Shared: ").append(duplicate.description()).append('\n');
        }
        return out.toString();
    }

    private static void appendLayers(StringBuilder out, String owner, List<LayerRecord> layers, Map<String, long[]> shapes,
                                     Map<String, INDArray> parameters, Set<String> frozen) {
        for (LayerRecord layer : layers) {
            long params = 0;
            boolean anyFrozen = false;
            for (String name : layer.parameters()) {
                params += parameters.get(name).length();
                anyFrozen |= frozen.contains(name);
            }
            long[] shape = shapes.get(layer.output().name());
            // Nested scopes of a branch keep their path: task_attention_0/conv2d_0.
            String name = layer.scope().equals(owner) ? layer.name()
                    : layer.scope().substring(owner.length() + 1) + "/" + layer.name();
            out.append(String.format(Locale.ROOT, FORMAT, "  " + name, layer.kind(),
                    shape == null ? "?" : Shapes.formatBatch(shape), params + (anyFrozen ? " (frozen)" : "")));
        }
    }

    private static String count(long n, Map<String, INDArray> parameters, Set<String> frozen, String prefix) {
        boolean anyFrozen = parameters.keySet().stream().anyMatch(p -> p.startsWith(prefix) && frozen.contains(p));
        return n + (anyFrozen ? " (frozen)" : "");
    }

    /** Every layer's output shape per example, from one forward pass of a batch of one zero example. */
    private static Map<String, long[]> outputShapes(Network network) {
        Map<String, INDArray> feeds = new HashMap<>();
        for (int i = 0; i < network.inputs().size(); i++) {
            InputSpec input = network.spec().inputs().get(i);
            feeds.put(network.inputs().get(i).name(), Nd4j.zeros(NetworkBuilder.placeholderType(input,
                    network.dataType()), Shapes.withBatch(1, input.shape())));
        }
        feeds.putAll(network.modes().feeds(false, 1));
        List<String> names = network.layers().stream().map(l -> l.output().name()).distinct().toList();
        Map<String, long[]> shapes = new HashMap<>();
        if (names.isEmpty()) {
            return shapes;
        }
        Map<String, INDArray> values = network.sameDiff().output(feeds, names.toArray(new String[0]));
        for (String name : names) {
            long[] shape = values.get(name).shape();
            shapes.put(name, java.util.Arrays.copyOfRange(shape, 1, shape.length));
        }
        return shapes;
    }

}

package io.github.branchwise.runtime.engine;

import io.github.branchwise.runtime.LayerRecord;
import io.github.branchwise.runtime.Layers;
import io.github.branchwise.runtime.internal.ModelGraph;
import io.github.branchwise.runtime.internal.Shapes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The parts of the multi-task architectures (docs/architectures.md) that {@link NetworkBuilder} builds for
 * {@link ModelGraph#experts}, {@link ModelGraph#gate} and {@link ModelGraph#stitch}: each built once and remembered
 * by name, its shapes checked before anything reaches SameDiff, one {@link LayerRecord} each for the summary.
 *
 * <p>Both mixtures are written as matrix products, which the compiled plans bind and whose gradients are matrix
 * products too, rather than as a sum of broadcast products: libnd4j's {@code multiply_bp} reduces a broadcast
 * operand's gradient through a slow generic path (docs/nd4j-m2.1.md). A gate stacks its experts to
 * {@code [batch, experts, features]} and multiplies by its weights as {@code [batch, 1, experts]} (one batched
 * product); a scalar stitch stacks its parts to {@code [parts, batch · features]} and multiplies by α as
 * {@code [1, parts]} (one GEMM). A per-channel stitch multiplies each part's {@code [rows, channels]} by its α row,
 * the row-broadcast product the plans' {@code BroadcastBpRewrite} differentiates with a GEMM.
 */
final class ArchitectureParts {
    private final NetworkBuilder builder;
    private final String modelName;
    private final Map<String, Group> groups = new LinkedHashMap<>();
    private final Set<String> building = new HashSet<>();
    private final Map<String, Gate> gates = new LinkedHashMap<>();
    private final Map<String, Stitch> stitches = new LinkedHashMap<>();

    ArchitectureParts(NetworkBuilder builder, String modelName) {
        this.builder = builder;
        this.modelName = modelName;
    }

    private record Group(int count, String input, List<SDVariable> experts) {
    }

    private record Gate(List<String> groups, String input, SDVariable output, GateRecord record) {
    }

    private record Stitch(List<String> parts, double own, double other, boolean perChannel, SDVariable output) {
    }

    /** The gates built, in build order, for the history's gate weights. */
    List<GateRecord> gates() {
        return gates.values().stream().map(Gate::record).toList();
    }

    /** The kind of each part's scope ({@code experts}, {@code gate}, {@code stitch}), for the summary. */
    Map<String, String> scopeKinds() {
        Map<String, String> kinds = new LinkedHashMap<>();
        for (Map.Entry<String, Group> group : groups.entrySet()) {
            for (int k = 0; k < group.getValue().count(); k++) {
                kinds.put(group.getKey() + "/" + k, "experts");
            }
        }
        gates.keySet().forEach(name -> kinds.put(name, "gate"));
        stitches.keySet().forEach(name -> kinds.put(name, "stitch"));
        return kinds;
    }

    /** The names of the groups, gates and stitches: the first segments of their parameters' names. */
    Set<String> scopes() {
        Set<String> scopes = new java.util.LinkedHashSet<>(groups.keySet());
        scopes.addAll(gates.keySet());
        scopes.addAll(stitches.keySet());
        return scopes;
    }

    List<SDVariable> experts(String group, int count, SDVariable input, ModelGraph.ExpertFactory factory) {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(factory, "factory");
        String who = "experts '" + group + "'";
        if (count < 1) {
            throw new IllegalArgumentException(modelName + ": " + who + " needs a count of at least 1, got " + count);
        }
        Group built = groups.get(group);
        if (built != null) {
            if (built.count() != count || !built.input().equals(input.name())) {
                throw new IllegalStateException(modelName + ": " + who + " were built with count " + built.count()
                        + " from '" + built.input() + "' and are asked for again with count " + count + " from '"
                        + input.name() + "'");
            }
            return built.experts();
        }
        if (!building.add(group)) {
            throw new IllegalStateException(modelName + ": " + who + " read themselves: the group's method asks for "
                    + "the group while it is being built");
        }
        try {
            List<SDVariable> experts = new ArrayList<>(count);
            for (int k = 0; k < count; k++) {
                SDVariable expert = factory.build(builder.layers(group + "/" + k), input);
                if (expert == null) {
                    throw new IllegalArgumentException(modelName + ": " + who + ": expert " + k + " returned null");
                }
                experts.add(expert);
            }
            Group made = new Group(count, input.name(), List.copyOf(experts));
            groups.put(group, made);
            return made.experts();
        } finally {
            building.remove(group);
        }
    }

    SDVariable gate(String name, List<String> groupNames, SDVariable input) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(groupNames, "groups");
        Objects.requireNonNull(input, "input");
        String who = "gate '" + name + "'";
        List<String> listed = List.copyOf(groupNames);
        Gate built = gates.get(name);
        if (built != null) {
            if (!built.groups().equals(listed) || !built.input().equals(input.name())) {
                throw new IllegalStateException(modelName + ": " + who + " was built over " + built.groups()
                        + " driven by '" + built.input() + "' and is asked for again over " + listed
                        + " driven by '" + input.name() + "'");
            }
            return built.output();
        }
        if (listed.isEmpty()) {
            throw new IllegalArgumentException(modelName + ": " + who + " needs at least one group of experts");
        }
        if (new HashSet<>(listed).size() != listed.size()) {
            throw new IllegalArgumentException(modelName + ": " + who + " names a group of experts twice: " + listed);
        }
        List<SDVariable> experts = new ArrayList<>();
        List<String> expertNames = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        for (String group : listed) {
            Group experts1 = groups.get(group);
            if (experts1 == null) {
                throw new IllegalStateException(modelName + ": " + who + " mixes the experts '" + group + "', which "
                        + "are not built" + (groups.isEmpty() ? "" : " (built: " + groups.keySet() + ")")
                        + "; build a group with experts(...) before a gate over it");
            }
            counts.add(experts1.count());
            for (int k = 0; k < experts1.count(); k++) {
                experts.add(experts1.experts().get(k));
                expertNames.add(group + "/" + k);
            }
        }
        requireFloatingPoint(who, "input", input);
        List<long[]> shapes = new ArrayList<>();
        for (int e = 0; e < experts.size(); e++) {
            requireFloatingPoint(who, "expert '" + expertNames.get(e) + "'", experts.get(e));
            shapes.add(builder.exampleShape(experts.get(e)));
        }
        if (!oneShape(shapes)) {
            throw new IllegalArgumentException(modelName + ": " + who + " needs experts of one shape, got "
                    + describe(expertNames, shapes));
        }
        long[] shape = shapes.get(0);
        long features = size(shape);
        long inputFeatures = size(builder.exampleShape(input));
        int count = experts.size();

        SameDiff sd = builder.sameDiff();
        Layers nn = builder.layers(name);
        SDVariable w = nn.parameter("W", true, inputFeatures, count);
        SDVariable b = nn.parameter("b", false, count);
        SDVariable logits = input.reshape(-1, inputFeatures).mmul(w).add(b);
        SDVariable weights = sd.nn().softmax(logits, 1).rename(name + "/weights");
        SDVariable mixed;
        if (count == 1) {
            // One expert: its weight is exactly 1, and the product keeps the gradient path of the general case.
            mixed = experts.get(0).reshape(-1, features).mul(weights);
        } else {
            SDVariable[] stacked = new SDVariable[count];
            for (int e = 0; e < count; e++) {
                stacked[e] = experts.get(e).reshape(-1, 1, features);
            }
            // [batch, 1, experts] × [batch, experts, features]: one batched product, which the plans bind.
            mixed = sd.mmul(weights.reshape(-1, 1, count), sd.concat(1, stacked));
        }
        SDVariable output = mixed.reshape(batchShape(shape));
        List<String> inputs = new ArrayList<>();
        inputs.add(input.name());
        experts.forEach(expert -> inputs.add(expert.name()));
        builder.recordLayer(new LayerRecord(name, "gate", "Gate(" + describeGroups(listed, counts) + ")", output,
                List.of(w.name(), b.name()), inputs));
        gates.put(name, new Gate(listed, input.name(), output,
                new GateRecord(name, listed, List.copyOf(counts), weights.name())));
        return output;
    }

    SDVariable stitch(String name, List<SDVariable> partList, double own, double other, boolean perChannel) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(partList, "parts");
        String who = "stitch '" + name + "'";
        List<SDVariable> parts = new ArrayList<>();
        for (int j = 0; j < partList.size(); j++) {
            if (partList.get(j) == null) {
                throw new IllegalArgumentException(modelName + ": " + who + ": part " + j + " is null");
            }
            parts.add(partList.get(j));
        }
        List<String> partNames = parts.stream().map(SDVariable::name).toList();
        Stitch built = stitches.get(name);
        if (built != null) {
            if (!built.parts().equals(partNames) || Double.compare(built.own(), own) != 0
                    || Double.compare(built.other(), other) != 0 || built.perChannel() != perChannel) {
                throw new IllegalStateException(modelName + ": " + who + " was built over " + built.parts()
                        + " (own " + built.own() + ", other " + built.other() + ", per channel " + built.perChannel()
                        + ") and is asked for again over " + partNames + " (own " + own + ", other " + other
                        + ", per channel " + perChannel + ")");
            }
            return built.output();
        }
        if (parts.size() < 2) {
            throw new IllegalArgumentException(modelName + ": " + who + " needs at least 2 parts, got " + parts.size());
        }
        if (!Double.isFinite(own) || !Double.isFinite(other)) {
            throw new IllegalArgumentException(modelName + ": " + who + " needs finite initial values, got own " + own
                    + " and other " + other);
        }
        List<long[]> shapes = new ArrayList<>();
        for (SDVariable part : parts) {
            requireFloatingPoint(who, "part '" + part.name() + "'", part);
            shapes.add(builder.exampleShape(part));
        }
        if (!oneShape(shapes)) {
            throw new IllegalArgumentException(modelName + ": " + who + " needs parts of one shape, got "
                    + describe(partNames, shapes));
        }
        long[] shape = shapes.get(0);
        if (perChannel && shape.length == 0) {
            throw new IllegalArgumentException(modelName + ": " + who + " per channel needs parts with a channel "
                    + "axis, got [batch]");
        }
        int count = parts.size();
        SameDiff sd = builder.sameDiff();
        SDVariable output;
        SDVariable alpha;
        if (!perChannel) {
            double[] initial = new double[count];
            Arrays.fill(initial, other);
            initial[0] = own;
            alpha = builder.parameter(name + "/alpha", Nd4j.createFromArray(initial));
            SDVariable[] rows = new SDVariable[count];
            for (int j = 0; j < count; j++) {
                rows[j] = parts.get(j).reshape(1, -1);
            }
            // [1, parts] × [parts, batch · features]: one GEMM forward, and α's gradient one GEMM too.
            output = alpha.reshape(1, count).mmul(sd.concat(0, rows)).reshape(batchShape(shape));
        } else {
            long channels = shape[shape.length - 1];
            double[][] initial = new double[count][(int) channels];
            for (int j = 0; j < count; j++) {
                Arrays.fill(initial[j], j == 0 ? own : other);
            }
            alpha = builder.parameter(name + "/alpha", Nd4j.createFromArray(initial));
            SDVariable[] rows = sd.unstack(alpha, 0, count);
            SDVariable sum = null;
            for (int j = 0; j < count; j++) {
                SDVariable term = parts.get(j).reshape(-1, channels).mul(rows[j]);
                sum = sum == null ? term : sum.add(term);
            }
            output = sum.reshape(batchShape(shape));
        }
        builder.recordLayer(new LayerRecord(name, "stitch", "CrossStitch(" + count + " parts"
                + (perChannel ? ", per channel" : "") + ")", output, List.of(alpha.name()), partNames));
        stitches.put(name, new Stitch(partNames, own, other, perChannel, output));
        return output;
    }

    private void requireFloatingPoint(String who, String what, SDVariable x) {
        if (x.dataType() == null || !x.dataType().isFPType()) {
            throw new IllegalArgumentException(modelName + ": " + who + " needs a floating-point " + what + ", got '"
                    + x.name() + "' of type " + x.dataType());
        }
    }

    private static boolean oneShape(List<long[]> shapes) {
        for (long[] shape : shapes) {
            if (!Arrays.equals(shape, shapes.get(0))) {
                return false;
            }
        }
        return true;
    }

    private static String describe(List<String> names, List<long[]> shapes) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < names.size(); i++) {
            text.append(i == 0 ? "" : ", ").append('\'').append(names.get(i)).append("' ")
                    .append(Shapes.formatBatch(shapes.get(i)));
        }
        return text.toString();
    }

    private static String describeGroups(List<String> groups, List<Integer> counts) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < groups.size(); i++) {
            text.append(i == 0 ? "" : " + ").append(groups.get(i)).append(" x").append(counts.get(i));
        }
        return text.toString();
    }

    private static long size(long[] shape) {
        long size = 1;
        for (long d : shape) {
            size *= d;
        }
        return size;
    }

    private static long[] batchShape(long[] example) {
        return Shapes.withBatch(-1, example);
    }
}

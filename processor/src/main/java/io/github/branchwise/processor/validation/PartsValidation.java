package io.github.branchwise.processor.validation;

import io.github.branchwise.processor.base.Annotations;
import io.github.branchwise.processor.base.ModelMethod;
import io.github.branchwise.processor.base.TypeNames;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.VariableElement;
import javax.lang.model.util.Elements;

/**
 * The rules of the multi-task architecture parts of one model: {@code @Experts} groups, {@code @Gate}s and
 * {@code @Stitch}es (docs/architectures.md, "Rules the processor adds").
 *
 * <p>Each method's own rules (signature, count, initial α) are checked as {@link ModelValidator} meets it; the rules
 * between parts (names, inputs, cycles, unused groups, gate columns) once every method has been seen, since a part
 * may name one declared after it. Parts are referred to by method name. Where the user declared no order (a cycle,
 * which has no first member), the smallest name decides, so that javac and ecj report alike.
 */
final class PartsValidation {
    private final Elements elements;
    private final ValidationReport report;
    /** Experts groups by method name, in declaration order. */
    private final Map<String, ModelMethod> experts = new LinkedHashMap<>();
    /** Gates by method name, in declaration order. */
    private final Map<String, ModelMethod> gates = new LinkedHashMap<>();
    /** Stitches by method name, in declaration order. */
    private final Map<String, ModelMethod> stitches = new LinkedHashMap<>();
    /** Experts, gates and stitches in declaration order: the parts they add to the model. */
    private final List<ModelMethod> parts = new ArrayList<>();

    PartsValidation(Elements elements, ValidationReport report) {
        this.elements = elements;
        this.report = report;
    }

    /** The experts groups, gates and stitches seen, in declaration order. */
    List<ModelMethod> parts() {
        return List.copyOf(parts);
    }

    /** An {@code @Experts} method: {@code SDVariable name(Layers nn, SDVariable input)} and a positive count. */
    void experts(ModelMethod method) {
        ExecutableElement element = method.method();
        AnnotationMirror annotation = method.experts().orElseThrow();
        List<String> problems = new ArrayList<>();
        if (!ModelValidator.isType(element.getReturnType(), TypeNames.SD_VARIABLE_NAME)) {
            problems.add("returns " + element.getReturnType());
        }
        List<? extends VariableElement> parameters = element.getParameters();
        if (parameters.size() != 2
                || !ModelValidator.isType(parameters.get(0).asType(), TypeNames.LAYERS_NAME)
                || !ModelValidator.isType(parameters.get(1).asType(), TypeNames.SD_VARIABLE_NAME)) {
            problems.add("takes (" + ModelValidator.describeParameters(element) + ")");
        }
        if (!problems.isEmpty()) {
            report.report(Message.EXPERTS_SIGNATURE, element, method.name() + " " + String.join(" and ", problems));
        }
        Optional<Number> count = Annotations.value(elements, annotation, "count")
                .flatMap(v -> Annotations.number(v.getValue()));
        if (count.isEmpty()) {
            report.report(Message.INVALID_ATTRIBUTE, element, annotation,
                    Annotations.explicitValue(annotation, "count").orElse(null), "Experts", "count");
        } else if (count.get().intValue() < 1) {
            report.report(Message.EXPERTS_COUNT, element, annotation,
                    Annotations.explicitValue(annotation, "count").orElse(null), count.get().intValue());
        }
        experts.putIfAbsent(method.name(), method);
        parts.add(method);
    }

    /** A {@code @Gate} method: {@code abstract SDVariable name()}. */
    void gate(ModelMethod method) {
        abstractPart(method, Message.GATE_SIGNATURE);
        gates.putIfAbsent(method.name(), method);
        parts.add(method);
    }

    /** A {@code @Stitch} method: {@code abstract SDVariable name()}, with finite initial weights. */
    void stitch(ModelMethod method) {
        abstractPart(method, Message.STITCH_SIGNATURE);
        AnnotationMirror annotation = method.stitch().orElseThrow();
        for (String attribute : List.of("own", "other")) {
            Optional<AnnotationValue> explicit = Annotations.explicitValue(annotation, attribute);
            Optional<Double> value = Annotations.doubleValue(elements, annotation, attribute);
            if (value.isEmpty()) {
                report.report(Message.INVALID_ATTRIBUTE, method.method(), annotation, explicit.orElse(null),
                        "Stitch", attribute);
            } else if (!Double.isFinite(value.get())) {
                report.report(Message.STITCH_INIT, method.method(), annotation, explicit.orElse(null), attribute,
                        value.get());
            }
        }
        stitches.putIfAbsent(method.name(), method);
        parts.add(method);
    }

    /** The shared signature of gates and stitches, which the generated code implements. */
    private void abstractPart(ModelMethod method, Message message) {
        ExecutableElement element = method.method();
        List<String> problems = new ArrayList<>();
        if (!element.getModifiers().contains(Modifier.ABSTRACT)) {
            problems.add("has a body");
        }
        if (!ModelValidator.isType(element.getReturnType(), TypeNames.SD_VARIABLE_NAME)) {
            problems.add("returns " + element.getReturnType());
        }
        if (!element.getParameters().isEmpty()) {
            problems.add("takes (" + ModelValidator.describeParameters(element) + ")");
        }
        if (!problems.isEmpty()) {
            report.report(message, element, method.name() + " " + String.join(" and ", problems));
        }
    }

    /**
     * The rules between parts, once every method is known.
     *
     * @param readable the methods an {@code input} or {@code parts} may name besides gates and stitches: the
     *         {@code @Input} and {@code @Shared} methods, in declaration order
     */
    void resolve(List<ModelMethod> readable) {
        List<String> partNames = new ArrayList<>();
        readable.forEach(m -> partNames.add(m.name()));
        partNames.addAll(gates.keySet());
        partNames.addAll(stitches.keySet());
        Set<String> known = new LinkedHashSet<>(partNames);
        // Declared edges between experts, gates and stitches, for the cycle rule: inputs and shared methods are
        // leaves (a @Shared method's body is not read).
        Map<String, Map<String, AnnotationValue>> edges = new TreeMap<>();
        Map<String, String> groupInputs = new HashMap<>();
        for (ModelMethod group : experts.values()) {
            AnnotationMirror annotation = group.experts().orElseThrow();
            Optional<String> input = Annotations.stringValue(elements, annotation, "input");
            AnnotationValue value = Annotations.explicitValue(annotation, "input").orElse(null);
            if (input.isEmpty()) {
                continue;
            }
            if (!known.contains(input.get())) {
                report.report(Message.UNKNOWN_PART, group.method(), annotation, value, "Experts", "input",
                        input.get(), Suggestions.didYouMean(input.get(), partNames));
                continue;
            }
            groupInputs.put(group.name(), input.get());
            addEdge(edges, group.name(), input.get(), value);
        }
        Set<String> named = new LinkedHashSet<>();
        for (ModelMethod gate : gates.values()) {
            resolveGate(gate, known, partNames, groupInputs, named, edges);
        }
        for (ModelMethod stitch : stitches.values()) {
            resolveStitch(stitch, known, partNames, edges);
        }
        reportCycles(edges);
        for (ModelMethod group : experts.values()) {
            if (!named.contains(group.name())) {
                report.report(Message.EXPERTS_UNUSED, group.method(), group.experts().orElseThrow(), group.name());
            }
        }
        validateGateColumns();
    }

    private void resolveGate(ModelMethod gate, Set<String> known, List<String> partNames,
            Map<String, String> groupInputs, Set<String> named, Map<String, Map<String, AnnotationValue>> edges) {
        AnnotationMirror annotation = gate.gate().orElseThrow();
        AnnotationValue expertsValue = Annotations.explicitValue(annotation, "experts").orElse(null);
        List<AnnotationValue> listed = Annotations.arrayValue(elements, annotation, "experts").orElse(null);
        if (listed == null) {
            report.report(Message.INVALID_ATTRIBUTE, gate.method(), annotation, expertsValue, "Gate", "experts");
            return;
        }
        if (listed.isEmpty()) {
            report.report(Message.GATE_WITHOUT_EXPERTS, gate.method(), annotation, expertsValue, gate.name());
        }
        Set<String> seen = new LinkedHashSet<>();
        List<String> groups = new ArrayList<>();
        for (AnnotationValue item : listed) {
            if (!(item.getValue() instanceof String group)) {
                report.report(Message.INVALID_ATTRIBUTE, gate.method(), annotation, item, "Gate", "experts");
                continue;
            }
            if (!experts.containsKey(group)) {
                report.report(Message.UNKNOWN_EXPERTS, gate.method(), annotation, item, group,
                        Suggestions.didYouMean(group, experts.keySet()));
                continue;
            }
            if (!seen.add(group)) {
                report.report(Message.EXPERTS_TWICE, gate.method(), annotation, item, gate.name(), group);
                continue;
            }
            named.add(group);
            groups.add(group);
            addEdge(edges, gate.name(), group, item);
        }
        String input = Annotations.stringValue(elements, annotation, "input").orElse("");
        AnnotationValue inputValue = Annotations.explicitValue(annotation, "input").orElse(null);
        if (!input.isEmpty()) {
            if (!known.contains(input)) {
                report.report(Message.UNKNOWN_PART, gate.method(), annotation, inputValue, "Gate", "input", input,
                        Suggestions.didYouMean(input, partNames));
            } else {
                addEdge(edges, gate.name(), input, inputValue);
            }
            return;
        }
        // No input: the part every listed group reads drives the gate. Groups whose input is unknown were
        // reported already and say nothing here.
        Map<String, String> reads = new LinkedHashMap<>();
        for (String group : groups) {
            if (groupInputs.containsKey(group)) {
                reads.put(group, groupInputs.get(group));
            }
        }
        if (new LinkedHashSet<>(reads.values()).size() > 1) {
            List<String> described = new ArrayList<>();
            reads.forEach((group, part) -> described.add("'" + group + "' reads '" + part + "'"));
            report.report(Message.GATE_INPUT_AMBIGUOUS, gate.method(), annotation, expertsValue,
                    String.join(" and ", described));
        }
    }

    private void resolveStitch(ModelMethod stitch, Set<String> known, List<String> partNames,
            Map<String, Map<String, AnnotationValue>> edges) {
        AnnotationMirror annotation = stitch.stitch().orElseThrow();
        AnnotationValue partsValue = Annotations.explicitValue(annotation, "parts").orElse(null);
        List<AnnotationValue> listed = Annotations.arrayValue(elements, annotation, "parts").orElse(null);
        if (listed == null) {
            report.report(Message.INVALID_ATTRIBUTE, stitch.method(), annotation, partsValue, "Stitch", "parts");
            return;
        }
        Set<String> distinct = new LinkedHashSet<>();
        for (AnnotationValue item : listed) {
            if (!(item.getValue() instanceof String part)) {
                report.report(Message.INVALID_ATTRIBUTE, stitch.method(), annotation, item, "Stitch", "parts");
                continue;
            }
            if (!distinct.add(part)) {
                report.report(Message.STITCH_PARTS, stitch.method(), annotation, item, stitch.name(),
                        "names '" + part + "' twice");
                continue;
            }
            if (!known.contains(part)) {
                report.report(Message.UNKNOWN_PART, stitch.method(), annotation, item, "Stitch", "parts", part,
                        Suggestions.didYouMean(part, partNames));
                continue;
            }
            addEdge(edges, stitch.name(), part, item);
        }
        if (listed.size() < 2) {
            report.report(Message.STITCH_PARTS, stitch.method(), annotation, partsValue, stitch.name(),
                    listed.isEmpty() ? "names none" : "names one");
        }
    }

    /** An edge from one part to another it reads, kept only between experts, gates and stitches. */
    private void addEdge(Map<String, Map<String, AnnotationValue>> edges, String from, String to,
            AnnotationValue value) {
        if (isArchitecturePart(to)) {
            edges.computeIfAbsent(from, k -> new TreeMap<>()).putIfAbsent(to, value);
        }
    }

    private boolean isArchitecturePart(String name) {
        return experts.containsKey(name) || gates.containsKey(name) || stitches.containsKey(name);
    }

    /**
     * Every cycle of reads, once per strongly connected set of parts: reported on its member of smallest name, on
     * the value naming the next part of the cycle, with the cycle spelt out from that member back to it.
     */
    private void reportCycles(Map<String, Map<String, AnnotationValue>> edges) {
        Set<String> reported = new TreeSet<>();
        for (String start : new TreeSet<>(edges.keySet())) {
            if (reported.contains(start)) {
                continue;
            }
            List<String> cycle = shortestPathBack(start, edges);
            if (cycle.isEmpty()) {
                continue;
            }
            // Everything reaching start and reachable from it is the same cycle set: report it once.
            for (String member : new TreeSet<>(edges.keySet())) {
                if (reaches(start, member, edges) && reaches(member, start, edges)) {
                    reported.add(member);
                }
            }
            ModelMethod method = method(start);
            AnnotationMirror annotation = method.experts().or(method::gate).or(method::stitch).orElseThrow();
            report.report(Message.PART_CYCLE, method.method(), annotation, edges.get(start).get(cycle.get(1)),
                    String.join(" -> ", cycle));
        }
    }

    /** The shortest path from {@code start} back to itself, both ends included, or empty when there is none. */
    private static List<String> shortestPathBack(String start, Map<String, Map<String, AnnotationValue>> edges) {
        Map<String, String> previous = new HashMap<>();
        Deque<String> pending = new ArrayDeque<>();
        for (String next : edges.getOrDefault(start, Map.of()).keySet()) {
            if (next.equals(start)) {
                return List.of(start, start);
            }
            if (previous.putIfAbsent(next, start) == null) {
                pending.add(next);
            }
        }
        while (!pending.isEmpty()) {
            String node = pending.remove();
            for (String next : edges.getOrDefault(node, Map.of()).keySet()) {
                if (next.equals(start)) {
                    List<String> path = new ArrayList<>(List.of(start));
                    for (String at = node; !at.equals(start); at = previous.get(at)) {
                        path.add(1, at);
                    }
                    path.add(start);
                    return path;
                }
                if (previous.putIfAbsent(next, node) == null) {
                    pending.add(next);
                }
            }
        }
        return List.of();
    }

    private static boolean reaches(String from, String to, Map<String, Map<String, AnnotationValue>> edges) {
        Set<String> seen = new LinkedHashSet<>();
        Deque<String> pending = new ArrayDeque<>(List.of(from));
        while (!pending.isEmpty()) {
            String node = pending.remove();
            for (String next : edges.getOrDefault(node, Map.of()).keySet()) {
                if (next.equals(to)) {
                    return true;
                }
                if (seen.add(next)) {
                    pending.add(next);
                }
            }
        }
        return false;
    }

    private ModelMethod method(String part) {
        ModelMethod method = experts.get(part);
        if (method == null) {
            method = gates.get(part);
        }
        return method != null ? method : stitches.get(part);
    }

    /**
     * Gate columns {@code <gate>_<group>_<k>}: within one gate they differ (k has no underscore, so the group is
     * what precedes the last one), and they never meet a branch's columns (those end in {@code _loss},
     * {@code _weight} or a metric's name, never a digit); two gates can meet, {@code g} over {@code a_b} and
     * {@code g_a} over {@code b}. Reported on the later gate's group, once per pair of gates.
     */
    private void validateGateColumns() {
        Map<String, String[]> columns = new HashMap<>();
        Set<String> reportedPairs = new LinkedHashSet<>();
        for (ModelMethod gate : gates.values()) {
            AnnotationMirror annotation = gate.gate().orElseThrow();
            for (AnnotationValue item : Annotations.arrayValue(elements, annotation, "experts").orElse(List.of())) {
                if (!(item.getValue() instanceof String group) || !experts.containsKey(group)) {
                    continue;
                }
                Optional<Number> count = Annotations.value(elements, experts.get(group).experts().orElseThrow(),
                        "count").flatMap(v -> Annotations.number(v.getValue()));
                for (int k = 0; k < count.map(Number::intValue).orElse(0); k++) {
                    String column = gate.name() + "_" + group + "_" + k;
                    String[] previous = columns.putIfAbsent(column, new String[] {gate.name(), group});
                    if (previous != null && !previous[0].equals(gate.name())
                            && reportedPairs.add(previous[0] + " " + gate.name())) {
                        report.report(Message.HISTORY_COLUMN_CLASH, gate.method(), annotation, item,
                                "gate '" + gate.name() + "' and group '" + group + "' would give column " + column
                                        + ", as gate '" + previous[0] + "' and group '" + previous[1] + "' do");
                    }
                }
            }
        }
    }
}

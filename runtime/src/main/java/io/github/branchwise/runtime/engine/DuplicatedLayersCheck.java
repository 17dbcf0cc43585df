package io.github.branchwise.runtime.engine;

import io.github.branchwise.runtime.DuplicatedLayers;
import io.github.branchwise.runtime.LayerRecord;
import io.github.branchwise.runtime.internal.BranchSpec;
import io.github.branchwise.runtime.internal.ModelSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.ScalarOp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the layers several branches build separately from the same source ({@link DuplicatedLayers}), from the
 * layer records of a built {@link Network}.
 *
 * <p>Each branch becomes a chain of steps, one per layer it built except its last (its head: heads of one make over a
 * shared trunk are separate on purpose). A step is the layer's kind (settings and activation included), its
 * parameter shapes and how its input was computed: a signature of the SameDiff ops between the variable it read and
 * the nearest variables outside the branch's own ops, where the branch's own earlier layers appear by position
 * ({@code #0}, {@code #1}) and everything else (a model input, a {@code @Shared} layer's output, a parameter) by
 * name. Two branches whose first steps are equal thus build the same layers, chained the same way, from the same
 * variables. A group counts when its common first steps hold at least {@value #MIN_PARAMETERISED_LAYERS} layers with
 * parameters: one hidden layer per head over a shared trunk is the ordinary multi-head design, while two stacked ones
 * from the same source are a trunk built twice.
 *
 * <p>Conservative by construction: whatever the signature cannot describe exactly (an op whose settings cannot be
 * read, a large constant, a graph deeper than {@value #MAX_DEPTH} ops) is named by its variable, which differs
 * between branches, so it can hide a duplicate but never invent one.
 */
public final class DuplicatedLayersCheck {
    /** Fewer layers with parameters than this in common is an ordinary head, not a duplicated trunk. */
    static final int MIN_PARAMETERISED_LAYERS = 2;
    /** How many ops deep a signature follows the graph before naming the variable instead. */
    static final int MAX_DEPTH = 24;
    /** The longest signature followed; a longer one is named by its variable (bounds the work on large graphs). */
    private static final int MAX_SIGNATURE = 4096;
    /** Constants up to this many values are compared by value; larger ones by name. */
    private static final int MAX_CONSTANT = 64;
    /** Named after the public record, so that a logging configuration can address the warning by a stable name. */
    private static final Logger LOG = LoggerFactory.getLogger(DuplicatedLayers.class);

    private DuplicatedLayersCheck() {
    }

    /**
     * The duplicates of {@code network}, ordered by their first branch. A check that fails (a graph this class does
     * not foresee) finds nothing and logs why, rather than keeping a model that trains correctly from being created.
     */
    public static List<DuplicatedLayers> find(ModelSpec spec, Network network) {
        try {
            return search(spec, network);
        } catch (RuntimeException e) {
            LOG.warn("{}: the duplicated-layers check failed and reports nothing; this is a bug in Branchwise",
                    spec.modelName(), e);
            return List.of();
        }
    }

    private static List<DuplicatedLayers> search(ModelSpec spec, Network network) {
        Map<String, LayerRecord> byOutput = new HashMap<>();
        for (LayerRecord layer : network.layers()) {
            byOutput.putIfAbsent(layer.output().name(), layer);
        }
        List<Chain> chains = new ArrayList<>();
        for (BranchSpec branch : spec.branches()) {
            List<LayerRecord> own = network.layers().stream().filter(l -> l.scope().equals(branch.name())).toList();
            chains.add(new Chain(branch.name(), new Signatures(network, own, byOutput).steps()));
        }
        List<DuplicatedLayers> found = new ArrayList<>();
        group(spec, network, byOutput, chains, 0, found);
        found.sort((a, b) -> Integer.compare(spec.branchIndex(a.branches().get(0)),
                spec.branchIndex(b.branches().get(0))));
        return List.copyOf(found);
    }

    /** Logs one warning for each duplicate, naming {@code model}. */
    public static void log(String model, List<DuplicatedLayers> duplicates) {
        for (DuplicatedLayers duplicate : duplicates) {
            LOG.warn(duplicate.warning(model));
        }
    }

    /**
     * The duplicates among {@code members}, which agree on their first {@code agreed} steps: their common first
     * steps when those count, otherwise (recursively) those of each subgroup that agrees on the next step. A branch
     * is reported at most once: with the largest group that shares a trunk, since moving that into a {@code @Shared}
     * method is the fix, and a longer duplicate within the group shows up on the next run, from the shared output.
     */
    private static void group(ModelSpec spec, Network network, Map<String, LayerRecord> byOutput, List<Chain> members,
                              int agreed, List<DuplicatedLayers> found) {
        if (members.size() < 2) {
            return;
        }
        int length = agreed;
        while (allAgreeAt(members, length)) {
            length++;
        }
        List<Step> common = members.get(0).steps().subList(0, length);
        if (common.stream().filter(s -> s.parameters() > 0).count() >= MIN_PARAMETERISED_LAYERS) {
            found.add(duplicate(spec, network, byOutput, members, common));
            return;
        }
        Map<String, List<Chain>> next = new LinkedHashMap<>();
        for (Chain chain : members) {
            if (chain.steps().size() > length) {
                next.computeIfAbsent(chain.steps().get(length).key(), k -> new ArrayList<>()).add(chain);
            }
        }
        for (List<Chain> part : next.values()) {
            group(spec, network, byOutput, part, length + 1, found);
        }
    }

    private static boolean allAgreeAt(List<Chain> members, int index) {
        String key = null;
        for (Chain chain : members) {
            if (chain.steps().size() <= index) {
                return false;
            }
            String own = chain.steps().get(index).key();
            if (key != null && !key.equals(own)) {
                return false;
            }
            key = own;
        }
        return true;
    }

    private static DuplicatedLayers duplicate(ModelSpec spec, Network network, Map<String, LayerRecord> byOutput,
                                              List<Chain> members, List<Step> common) {
        Set<String> sources = new LinkedHashSet<>();
        long parameters = 0;
        for (Step step : common) {
            sources.addAll(step.sources());
            parameters += step.parameters();
        }
        List<String> described = sources.stream().map(s -> describeSource(spec, network, byOutput, s)).toList();
        return new DuplicatedLayers(members.stream().map(Chain::branch).toList(),
                common.stream().map(Step::name).toList(), common.stream().map(Step::kind).toList(),
                described.isEmpty() ? "constants" : String.join(" and ", described), parameters);
    }

    /** A variable a duplicate reads, as a user knows it: an input, a {@code @Shared} method, a parameter. */
    private static String describeSource(ModelSpec spec, Network network, Map<String, LayerRecord> byOutput,
                                         String variable) {
        LayerRecord layer = byOutput.get(variable);
        if (layer != null) {
            return (spec.branchIndex(layer.scope()) >= 0 ? "branch '" : "@Shared '") + layer.scope() + "' ("
                    + layer.name() + ")";
        }
        for (int i = 0; i < network.inputs().size(); i++) {
            if (network.inputs().get(i).name().equals(variable)) {
                return "input '" + spec.inputs().get(i).name() + "'";
            }
        }
        if (network.parameters().containsKey(variable)) {
            return "parameter '" + variable + "'";
        }
        return "'" + variable + "'";
    }

    /** One branch's steps: every layer it built but its last. */
    private record Chain(String branch, List<Step> steps) {
    }

    /**
     * One layer of a chain.
     *
     * @param key        what two branches must share for this layer to be a duplicate: kind, parameter shapes and
     *                   input signature
     * @param sources    the variables outside the branch its input signature names, in order
     * @param parameters the number of parameter values
     */
    private record Step(String name, String kind, String key, List<String> sources, long parameters) {
    }

    /** A signature and the variables outside the branch it names. */
    private record Signature(String text, Set<String> sources) {
    }

    /** The input signatures of one branch's layers; memoised per variable, since a branch's graph is a DAG. */
    private static final class Signatures {
        private final Network network;
        private final SameDiff sd;
        private final List<LayerRecord> own;
        private final Map<String, Integer> ownIndex = new HashMap<>();
        private final Map<String, LayerRecord> byOutput;
        private final Map<String, Signature> memo = new HashMap<>();

        Signatures(Network network, List<LayerRecord> own, Map<String, LayerRecord> byOutput) {
            this.network = network;
            this.sd = network.sameDiff();
            this.own = own;
            this.byOutput = byOutput;
            for (int i = 0; i < own.size(); i++) {
                ownIndex.putIfAbsent(own.get(i).output().name(), i);
            }
        }

        List<Step> steps() {
            List<Step> steps = new ArrayList<>();
            for (LayerRecord layer : own.subList(0, Math.max(0, own.size() - 1))) {
                StringBuilder key = new StringBuilder(layer.kind()).append(" | ");
                long count = 0;
                for (String parameter : layer.parameters()) {
                    SDVariable variable = network.parameters().get(parameter);
                    long[] shape = variable == null ? null : variable.getArr().shape();
                    key.append(Arrays.toString(shape)).append(' ');
                    count += shape == null ? 0 : variable.getArr().length();
                }
                Set<String> sources = new LinkedHashSet<>();
                key.append("| ");
                if (layer.inputs().isEmpty()) {
                    // Recorded without its inputs: name the layer itself, so that it matches nothing.
                    key.append('@').append(layer.scope()).append('/').append(layer.name());
                }
                for (String input : layer.inputs()) {
                    Signature signature = of(input, 0);
                    key.append(signature.text()).append(' ');
                    sources.addAll(signature.sources());
                }
                steps.add(new Step(layer.name(), layer.kind(), key.toString(), List.copyOf(sources), count));
            }
            return steps;
        }

        private Signature of(String name, int depth) {
            Integer index = ownIndex.get(name);
            if (index != null) {
                return new Signature("#" + index, Set.of());
            }
            Signature known = memo.get(name);
            if (known != null) {
                return known;
            }
            Signature computed = compute(name, depth);
            memo.put(name, computed);
            return computed;
        }

        private Signature compute(String name, int depth) {
            SDVariable variable = sd.getVariable(name);
            if (variable == null || byOutput.containsKey(name) || depth >= MAX_DEPTH) {
                return named(name);
            }
            VariableType type = variable.getVariableType();
            if (type == VariableType.CONSTANT) {
                INDArray value = variable.getArr();
                return value != null && value.length() <= MAX_CONSTANT
                        ? new Signature("const" + Arrays.toString(value.shape()) + value.dataType()
                                + Arrays.toString(value.dup().data().asDouble()), Set.of())
                        : named(name);
            }
            if (type != VariableType.ARRAY) {
                return named(name);
            }
            DifferentialFunction op = sd.getVariableOutputOp(name);
            String settings = op == null ? null : settings(op);
            if (settings == null) {
                return named(name);
            }
            StringBuilder text = new StringBuilder(settings);
            text.append('#').append(Arrays.asList(op.outputVariablesNames()).indexOf(name)).append('(');
            Set<String> sources = new LinkedHashSet<>();
            for (SDVariable argument : op.args()) {
                Signature inner = of(argument.name(), depth + 1);
                text.append(inner.text()).append(',');
                sources.addAll(inner.sources());
            }
            text.append(')');
            return text.length() > MAX_SIGNATURE ? named(name) : new Signature(text.toString(), sources);
        }

        /** A variable outside the branch's own ops (or beyond what a signature follows), by name. */
        private static Signature named(String name) {
            return new Signature("@" + name, Set.of(name));
        }
    }

    /**
     * Everything that makes an op compute what it computes besides its inputs: its name, properties, integer,
     * floating-point and boolean arguments, scalar and extra arguments. Null when ND4J cannot list the properties,
     * so that the op is not compared at all.
     */
    private static String settings(DifferentialFunction op) {
        StringBuilder out = new StringBuilder(op.opName()).append('{');
        try {
            Map<String, Object> properties = op.propertiesForFunction();
            if (properties != null) {
                new TreeMap<>(properties).forEach((k, v) -> out.append(k).append('=')
                        .append(Arrays.deepToString(new Object[] {v})).append(';'));
            }
        } catch (RuntimeException e) {
            // Some ops cannot list their properties in M2.1; compare them by variable instead.
            return null;
        }
        if (op instanceof CustomOp custom) {
            out.append("i=").append(Arrays.toString(custom.iArgs())).append(";t=")
                    .append(Arrays.toString(custom.tArgs())).append(";b=").append(Arrays.toString(custom.bArgs()))
                    .append(";d=").append(Arrays.toString(custom.dArgs())).append(';');
        }
        if (op instanceof ScalarOp scalar && scalar.scalar() != null) {
            out.append("scalar=").append(scalar.scalar().getDouble(0)).append(';');
        }
        if (op.getExtraArgs() != null) {
            out.append("extra=").append(Arrays.deepToString(op.getExtraArgs())).append(';');
        }
        return out.append('}').toString();
    }
}

package io.github.branchwise.runtime.engine;

import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.GraphHost;
import io.github.branchwise.runtime.LayerRecord;
import io.github.branchwise.runtime.Layers;
import io.github.branchwise.runtime.internal.BranchSpec;
import io.github.branchwise.runtime.internal.InputSpec;
import io.github.branchwise.runtime.internal.ModelGraph;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.Shapes;
import io.github.branchwise.runtime.weighting.Weighter;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Builds the SameDiff graph of one model from its {@link ModelSpec}: placeholders, the user's branches, the
 * branch losses, the weighting and the total loss, then checks that every branch produced what it declared.
 */
public final class NetworkBuilder implements ModelGraph, GraphHost {
    /** The batch size of the zero batch that measures static shapes; 2 so the batch axis cannot hide. */
    private static final int PROBE_BATCH = 2;

    private final ModelSpec spec;
    private final long seed;
    private final DataType dataType;
    private final SameDiff sd = SameDiff.create();
    private final Map<String, SDVariable> inputs = new LinkedHashMap<>();
    private final Map<String, SDVariable> targets = new LinkedHashMap<>();
    private final Map<String, SDVariable> outputs = new HashMap<>();
    /** What each {@code @Shared} method returned, by method, in the order they were first called. */
    private final Map<String, SDVariable> sharedOutputs = new LinkedHashMap<>();
    private final Map<String, SDVariable> customLosses = new HashMap<>();
    private final Map<String, Layers> layers = new HashMap<>();
    private final Map<String, SDVariable> parameters = new LinkedHashMap<>();
    private final Map<String, SDVariable> states = new LinkedHashMap<>();
    private final Map<String, SDVariable> layerStates = new LinkedHashMap<>();
    /** Parameters and layer states together, in creation order. */
    private final Map<String, SDVariable> named = new LinkedHashMap<>();
    private final LayerModes modes;
    private final Map<String, long[]> shapeCache = new HashMap<>();
    private final List<LayerRecord> layerRecords = new ArrayList<>();
    private final Map<String, IdCheck.Bound> idBounds = new HashMap<>();
    private final ArchitectureParts architecture;

    private NetworkBuilder(ModelSpec spec, long seed, DataType dataType) {
        this.spec = spec;
        this.seed = seed;
        this.dataType = dataType;
        this.modes = new LayerModes(seed, dataType);
        this.architecture = new ArchitectureParts(this, spec.modelName());
        for (InputSpec input : spec.inputs()) {
            inputs.put(input.name(), sd.placeHolder("input/" + input.name(), placeholderType(input, dataType),
                    batchShape(input.shape())));
        }
        for (BranchSpec branch : spec.branches()) {
            targets.put(branch.name(),
                    sd.placeHolder("target/" + branch.name(), dataType, batchShape(branch.targetShape())));
        }
    }

    /** The type of an input's placeholder: 32-bit integers for ids, else the model's floating type. */
    static DataType placeholderType(InputSpec input, DataType dataType) {
        return input.isIds() ? DataType.INT : dataType;
    }

    /** Builds the whole graph, gradient function included. */
    public static Network build(ModelSpec spec, long seed, DataType dataType) {
        NetworkBuilder builder = new NetworkBuilder(spec, seed, dataType);
        spec.graph().define(builder);
        return builder.finish();
    }

    private Network finish() {
        List<SDVariable> predictions = new ArrayList<>();
        List<SDVariable> branchLosses = new ArrayList<>();
        List<LossFusion.Candidate> fusible = new ArrayList<>();
        for (BranchSpec branch : spec.branches()) {
            SDVariable prediction = outputs.get(branch.name());
            if (prediction == null) {
                throw new IllegalStateException(spec.modelName() + ": branch '" + branch.name()
                        + "' registered no output");
            }
            long[] actual = exampleShape(prediction);
            if (!Arrays.equals(actual, branch.shape())) {
                throw new IllegalStateException(spec.modelName() + ": branch '" + branch.name() + "' outputs "
                        + Shapes.formatBatch(actual) + " per batch but @Branch declares shape "
                        + Shapes.format(branch.shape()));
            }
            SDVariable perExample = perExampleLoss(branch, prediction);
            if (LossFusion.fusible(branch.loss())) {
                fusible.add(new LossFusion.Candidate(branch.loss(), prediction.name(),
                        targets.get(branch.name()).name(), perExample.name(), branch.shape()));
            }
            predictions.add(prediction);
            branchLosses.add(perExample.mean().rename("loss/" + branch.name()));
        }
        for (SDVariable variable : sd.variables()) {
            if (variable.getVariableType() == org.nd4j.autodiff.samediff.VariableType.VARIABLE
                    && !parameters.containsKey(variable.name()) && !states.containsKey(variable.name())
                    && !layerStates.containsKey(variable.name())) {
                throw new IllegalStateException(spec.modelName() + ": the variable '" + variable.name() + "' was "
                        + "created with SameDiff's var(), so it would never be trained; create trainable "
                        + "parameters with Layers.parameter(...)");
            }
        }
        Weighter weighter = spec.weighting().newWeighter(spec.branches());
        List<SDVariable> masks = new ArrayList<>();
        List<SDVariable> weighted = branchLosses;
        if (weighter.needsBranchGradients()) {
            // One scalar mask per branch, 1 in normal use; the trainer sets them to a unit vector to get one
            // branch's own gradient out of the same graph.
            weighted = new ArrayList<>();
            for (int i = 0; i < branchLosses.size(); i++) {
                SDVariable mask = state("weighting/mask/" + spec.branches().get(i).name(), Nd4j.scalar(1.0));
                masks.add(mask);
                weighted.add(branchLosses.get(i).mul(mask));
            }
        }
        SDVariable total = weighter.combine(this, weighted).rename("loss/total");
        // Every sd.loss.* call would mark its output as a loss and SameDiff sums all of them: name the one loss.
        sd.setLossVariables(total);
        createGradFunctionQuietly();
        String[] representation = weighter.needsBranchGradients() && weighter.needsRepresentationGradients()
                ? representation() : new String[2];
        Network network = new Network(spec, sd, dataType, List.copyOf(inputs.values()),
                List.copyOf(targets.values()), predictions, branchLosses, total, new LinkedHashMap<>(parameters),
                new LinkedHashMap<>(states), masks, sharedScopes(branchLosses), List.copyOf(layerRecords), weighter);
        network.fusibleLosses(fusible);
        network.representationGradient(representation[0], representation[1]);
        network.layerStates(layerStates, named, modes);
        modes.frozenChanged(parameters.keySet(), Set.of());
        network.idBounds(idBounds);
        network.architecture(architecture.gates(), architecture.scopeKinds());
        return network;
    }

    private SDVariable perExampleLoss(BranchSpec branch, SDVariable prediction) {
        SDVariable custom = customLosses.get(branch.name());
        if (branch.loss() != Loss.CUSTOM) {
            if (custom != null) {
                throw new IllegalStateException(spec.modelName() + ": branch '" + branch.name()
                        + "' has both the built-in loss " + branch.loss() + " and a loss method");
            }
            return BuiltinLosses.perExample(sd, branch, targets.get(branch.name()), prediction);
        }
        if (custom == null) {
            throw new IllegalStateException(spec.modelName() + ": branch '" + branch.name()
                    + "' declares a custom loss but no loss method registered one");
        }
        long[] shape = exampleShape(custom);
        return shape.length == 0 ? custom : BuiltinLosses.meanOverExample(custom, shape);
    }

    /**
     * Builds the gradient function once, up front. SameDiff prints one "Added differentiated op" line per op to
     * System.out while doing so (hard-coded in M2.1), so standard out is muted for the duration.
     */
    private void createGradFunctionQuietly() {
        PrintStream out = System.out;
        synchronized (NetworkBuilder.class) {
            System.setOut(new PrintStream(OutputStream.nullOutputStream()));
            try {
                sd.createGradFunction();
            } finally {
                System.setOut(out);
            }
        }
    }

    @Override
    public SameDiff sameDiff() {
        return sd;
    }

    @Override
    public DataType dataType() {
        return dataType;
    }

    @Override
    public long seed() {
        return seed;
    }

    @Override
    public SDVariable parameter(String name, INDArray initialValue) {
        if (exists(name)) {
            throw new IllegalStateException(spec.modelName() + ": a variable named '" + name + "' already exists");
        }
        SDVariable variable = sd.var(name, initialValue.castTo(dataType).dup());
        parameters.put(name, variable);
        named.put(name, variable);
        return variable;
    }

    @Override
    public void recordLayer(LayerRecord layer) {
        layerRecords.add(layer);
    }

    @Override
    public void lookup(SDVariable ids, long vocabulary, String layer) {
        for (InputSpec input : spec.inputs()) {
            if (!input.isIds() || !inputs.get(input.name()).name().equals(ids.name())) {
                continue;
            }
            if (input.vocabulary() > vocabulary) {
                throw new IllegalArgumentException(spec.modelName() + ": the embedding '" + layer + "' has a table of " + vocabulary
                        + " rows but input '" + input.name() + "' declares vocabulary " + input.vocabulary() + ", so "
                        + "ids " + vocabulary + ".." + (input.vocabulary() - 1) + " would find no row: give the layer "
                        + "vocabulary " + input.vocabulary() + " or more");
            }
            idBounds.merge(input.name(), new IdCheck.Bound(vocabulary, "the vocabulary of the embedding '" + layer
                    + "'"), IdCheck.Bound::tighter);
        }
    }

    @Override
    public SDVariable state(String name, INDArray initialValue) {
        if (exists(name)) {
            throw new IllegalStateException(spec.modelName() + ": a variable named '" + name + "' already exists");
        }
        SDVariable variable = sd.var(name, initialValue.castTo(dataType).dup());
        states.put(name, variable);
        return variable;
    }

    private boolean exists(String name) {
        return parameters.containsKey(name) || states.containsKey(name) || layerStates.containsKey(name)
                || sd.hasVariable(name);
    }

    @Override
    public SDVariable layerState(String name, INDArray initialValue) {
        if (exists(name)) {
            throw new IllegalStateException(spec.modelName() + ": a variable named '" + name + "' already exists");
        }
        SDVariable variable = sd.var(name, initialValue.castTo(dataType).dup());
        layerStates.put(name, variable);
        named.put(name, variable);
        return variable;
    }

    @Override
    public SDVariable trainingFlag(String layer) {
        String name = layer + "/training";
        if (exists(name)) {
            throw new IllegalStateException(spec.modelName() + ": layer '" + layer + "' already has a training flag");
        }
        // A scalar placeholder (shape []), fed by LayerModes on every pass.
        SDVariable flag = sd.placeHolder(name, dataType);
        modes.addFlag(layer, name);
        return flag;
    }

    @Override
    public SDVariable dropoutMask(String layer, long[] exampleShape, double rate) {
        if (!(rate > 0 && rate < 1)) {
            throw new IllegalArgumentException("the dropout rate of '" + layer + "' must lie in (0, 1), got " + rate);
        }
        String name = layer + "/mask";
        if (exists(name)) {
            throw new IllegalStateException(spec.modelName() + ": layer '" + layer + "' already has a dropout mask");
        }
        SDVariable mask = sd.placeHolder(name, dataType, batchShape(exampleShape));
        modes.addDropout(layer, name, exampleShape, rate);
        return mask;
    }

    @Override
    public SDVariable meanRow(String layer, long rowsPerExample) {
        if (rowsPerExample <= 0) {
            throw new IllegalArgumentException("rowsPerExample of '" + layer + "' must be positive, got "
                    + rowsPerExample);
        }
        String name = layer + "/mean_row";
        if (exists(name)) {
            throw new IllegalStateException(spec.modelName() + ": layer '" + layer + "' already has a mean row");
        }
        SDVariable row = sd.placeHolder(name, dataType, 1, -1);
        modes.addMeanRow(layer, name, rowsPerExample);
        return row;
    }

    @Override
    public void movingAverage(String layer, SDVariable state, SDVariable batchValue, double momentum) {
        if (!layerStates.containsKey(state.name())) {
            throw new IllegalArgumentException(spec.modelName() + ": '" + state.name() + "' is not a layer state");
        }
        if (!(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException("the momentum of '" + layer + "' must lie in [0, 1], got " + momentum);
        }
        modes.addMovingAverage(layer, state, batchValue, momentum);
    }

    /**
     * The parameters of every scope that is not a branch (the {@code @Shared} methods), by scope in the order the
     * scopes first created a parameter. Expert groups, gates and stitches count only where more than one branch's
     * loss depends on them: a task's own experts and its gate belong to that task's branch (docs/architectures.md).
     */
    private Map<String, List<String>> sharedScopes(List<SDVariable> branchLosses) {
        java.util.Set<String> parts = architecture.scopes();
        List<java.util.Set<String>> readBy = parts.isEmpty() ? List.of()
                : branchLosses.stream().map(loss -> ancestors(loss.name())).toList();
        Map<String, List<String>> scopes = new LinkedHashMap<>();
        for (String name : parameters.keySet()) {
            int slash = name.indexOf('/');
            String scope = slash < 0 ? name : name.substring(0, slash);
            if (spec.branchIndex(scope) >= 0 || scope.equals("weighting")) {
                continue;
            }
            if (parts.contains(scope) && readBy.stream().filter(read -> read.contains(name)).count() < 2) {
                continue;
            }
            scopes.computeIfAbsent(scope, s -> new ArrayList<>()).add(name);
        }
        return scopes;
    }

    /** Every variable {@code variable} is computed from, through the forward graph's ops. */
    private java.util.Set<String> ancestors(String variable) {
        Set<String> seen = new HashSet<>();
        ArrayDeque<String> pending = new ArrayDeque<>(List.of(variable));
        while (!pending.isEmpty()) {
            String name = pending.pop();
            if (!seen.add(name)) {
                continue;
            }
            org.nd4j.autodiff.samediff.internal.Variable v = sd.getVariables().get(name);
            String op = v == null ? null : v.getOutputOfOp();
            if (op != null && sd.getOps().get(op).getInputsToOp() != null) {
                pending.addAll(sd.getOps().get(op).getInputsToOp());
            }
        }
        return seen;
    }

    @Override
    public long[] exampleShape(SDVariable variable) {
        long[] cached = shapeCache.get(variable.name());
        if (cached != null) {
            return cached.clone();
        }
        // SameDiff M2.1 does not infer static shapes through reshape or matmul (getShape() is null), so run the
        // part of the graph that computes the variable on a zero batch and read the shape off the result.
        Map<String, INDArray> feeds = new HashMap<>();
        for (InputSpec input : spec.inputs()) {
            feeds.put("input/" + input.name(), Nd4j.zeros(placeholderType(input, dataType),
                    Shapes.withBatch(PROBE_BATCH, input.shape())));
        }
        for (BranchSpec branch : spec.branches()) {
            feeds.put("target/" + branch.name(),
                    Nd4j.zeros(dataType, Shapes.withBatch(PROBE_BATCH, branch.targetShape())));
        }
        feeds.putAll(modes.feeds(false, PROBE_BATCH));
        INDArray value = OneDnnWorkaround.run(OneDnnWorkaround.anyIn(sd),
                () -> sd.output(feeds, variable.name()).get(variable.name()));
        long[] shape = value.shape();
        if (shape.length == 0 || shape[0] != PROBE_BATCH) {
            throw new IllegalStateException(spec.modelName() + ": '" + variable.name() + "' has shape "
                    + Arrays.toString(shape) + ", which has no batch axis");
        }
        long[] example = Arrays.copyOfRange(shape, 1, shape.length);
        shapeCache.put(variable.name(), example);
        return example.clone();
    }

    @Override
    public SDVariable input(String name) {
        SDVariable input = inputs.get(name);
        if (input == null) {
            throw new IllegalArgumentException(spec.modelName() + " has no input '" + name + "'; its inputs are "
                    + inputs.keySet());
        }
        return input;
    }

    @Override
    public Layers layers(String scopeName) {
        return layers.computeIfAbsent(scopeName, name -> new Layers(name, this));
    }

    @Override
    public SDVariable target(String branch) {
        SDVariable target = targets.get(branch);
        if (target == null) {
            throw new IllegalArgumentException(spec.modelName() + " has no branch '" + branch + "'; its branches are "
                    + targets.keySet());
        }
        return target;
    }

    @Override
    public SDVariable output(String branch, SDVariable prediction) {
        target(branch);
        if (prediction == null) {
            throw new IllegalStateException(spec.modelName() + ": branch '" + branch + "' returned null");
        }
        if (outputs.putIfAbsent(branch, prediction) != null) {
            throw new IllegalStateException(spec.modelName() + ": branch '" + branch + "' already has an output");
        }
        return prediction;
    }

    @Override
    public SDVariable sharedOutput(String method, SDVariable output) {
        if (output == null) {
            throw new IllegalStateException(spec.modelName() + ": @Shared method '" + method + "' returned null");
        }
        sharedOutputs.putIfAbsent(method, output);
        return output;
    }

    /**
     * The shared representation and the name of the total loss's gradient with respect to it: the output of the last
     * {@code @Shared} method declared (the last registered, for a spec that declares none).
     */
    private String[] representation() {
        List<String> declared = spec.sharedMethods().stream().filter(sharedOutputs::containsKey).toList();
        String method = !declared.isEmpty() ? declared.get(declared.size() - 1)
                : sharedOutputs.isEmpty() ? null : List.copyOf(sharedOutputs.keySet()).get(sharedOutputs.size() - 1);
        if (method == null) {
            throw new IllegalArgumentException(spec.modelName() + ": " + spec.weighting().weighting() + " with "
                    + "gradientSource REPRESENTATION differentiates the output of the last @Shared method, and the "
                    + "model has no @Shared method with layers");
        }
        SDVariable gradient = sharedOutputs.get(method).getGradient();
        if (gradient == null) {
            throw new IllegalArgumentException(spec.modelName() + ": the loss does not depend on the output of "
                    + "@Shared method '" + method + "', the representation gradientSource REPRESENTATION reads");
        }
        return new String[] {sharedOutputs.get(method).name(), gradient.name()};
    }

    @Override
    public SDVariable branchOutput(String branch) {
        target(branch);
        SDVariable output = outputs.get(branch);
        if (output == null) {
            throw new IllegalStateException(spec.modelName() + ": branch '" + branch + "' has no output yet");
        }
        return output;
    }

    @Override
    public void loss(String branch, SDVariable perExampleLoss) {
        target(branch);
        if (perExampleLoss == null) {
            throw new IllegalStateException(spec.modelName() + ": the loss method of branch '" + branch
                    + "' returned null");
        }
        if (customLosses.putIfAbsent(branch, perExampleLoss) != null) {
            throw new IllegalStateException(spec.modelName() + ": branch '" + branch + "' already has a loss");
        }
    }

    @Override
    public List<SDVariable> experts(String group, int count, SDVariable input, ExpertFactory factory) {
        return architecture.experts(group, count, input, factory);
    }

    @Override
    public SDVariable gate(String name, List<String> groups, SDVariable input) {
        return architecture.gate(name, groups, input);
    }

    @Override
    public SDVariable stitch(String name, List<SDVariable> parts, double own, double other, boolean perChannel) {
        return architecture.stitch(name, parts, own, other, perChannel);
    }

    private static long[] batchShape(long[] exampleShape) {
        return Shapes.withBatch(-1, exampleShape);
    }
}

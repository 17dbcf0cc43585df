package io.github.branchwise.runtime.engine;

import io.github.branchwise.runtime.LayerRecord;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.weighting.Weighter;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A built model graph: its placeholders, branch outputs, branch and total losses, trainable parameters by stable
 * name (in creation order) and the weighter that made the total.
 */
public final class Network {
    private final ModelSpec spec;
    private final SameDiff sameDiff;
    private final DataType dataType;
    private final List<SDVariable> inputs;
    private final List<SDVariable> targets;
    private final List<SDVariable> outputs;
    private final List<SDVariable> branchLosses;
    private final SDVariable total;
    private final Map<String, SDVariable> parameters;
    private final Map<String, SDVariable> states;
    private final List<SDVariable> branchMasks;
    private final Map<String, List<String>> sharedScopes;
    private final List<LayerRecord> layers;
    private final Weighter weighter;
    private List<LossFusion.Candidate> fusibleLosses = List.of();
    /** The gradient of the total loss with respect to the shared representation, when the weighter reads it. */
    private String representationGradient;
    private String representation;
    private Map<String, SDVariable> layerStates = Map.of();
    private Map<String, SDVariable> named;
    private LayerModes modes;
    private Map<String, IdCheck.Bound> idBounds = Map.of();
    private List<GateRecord> gates = List.of();
    private Map<String, String> partKinds = Map.of();

    Network(ModelSpec spec, SameDiff sameDiff, DataType dataType, List<SDVariable> inputs, List<SDVariable> targets,
            List<SDVariable> outputs, List<SDVariable> branchLosses, SDVariable total,
            Map<String, SDVariable> parameters, Map<String, SDVariable> states, List<SDVariable> branchMasks,
            Map<String, List<String>> sharedScopes, List<LayerRecord> layers, Weighter weighter) {
        this.spec = spec;
        this.sameDiff = sameDiff;
        this.dataType = dataType;
        this.inputs = List.copyOf(inputs);
        this.targets = List.copyOf(targets);
        this.outputs = List.copyOf(outputs);
        this.branchLosses = List.copyOf(branchLosses);
        this.total = total;
        this.parameters = Collections.unmodifiableMap(parameters);
        this.states = Collections.unmodifiableMap(states);
        this.branchMasks = List.copyOf(branchMasks);
        this.sharedScopes = Collections.unmodifiableMap(sharedScopes);
        this.layers = List.copyOf(layers);
        this.weighter = weighter;
        this.modes = new LayerModes(0, dataType);
        this.named = this.parameters;
    }

    /** The integer inputs read by embeddings, each with the smallest vocabulary among them. */
    Map<String, IdCheck.Bound> idBounds() {
        return idBounds;
    }

    void idBounds(Map<String, IdCheck.Bound> bounds) {
        this.idBounds = Map.copyOf(bounds);
    }

    /** The gates of the model ({@code ModelGraph.gate}), in the order they were built. */
    public List<GateRecord> gates() {
        return gates;
    }

    /**
     * The scopes of the architecture's parts by what they are: {@code experts} ({@code <group>/<k>}), {@code gate},
     * {@code stitch}.
     */
    Map<String, String> partKinds() {
        return partKinds;
    }

    void architecture(List<GateRecord> gateRecords, Map<String, String> kinds) {
        this.gates = List.copyOf(gateRecords);
        this.partKinds = Map.copyOf(kinds);
    }

    /**
     * The forward values a training pass hands back besides the losses, outputs and gradients: the layers' moving
     * averages' statistics ({@link LayerModes#statistics()}), then each gate's weights ({@link GateRecord#weights()}).
     */
    public List<String> trainingValues() {
        List<String> names = new java.util.ArrayList<>(modes.statistics());
        gates.forEach(g -> names.add(g.weights()));
        if (representationGradient != null) {
            names.add(representationGradient);
        }
        return names;
    }

    /**
     * Sets the shared representation and the name of its gradient, which the training passes hand back
     * ({@link #trainingValues()}); nulls for none.
     */
    void representationGradient(String representation, String gradient) {
        this.representation = representation;
        this.representationGradient = gradient;
    }

    /** The shared representation whose gradient {@link #representationGradient()} names, or null. */
    public String representation() {
        return representation;
    }

    /** The name of the total loss's gradient with respect to the shared representation, or null when not read. */
    public String representationGradient() {
        return representationGradient;
    }

    /** The model this graph was built from. */
    public ModelSpec spec() {
        return spec;
    }

    /** The SameDiff graph; its gradient function is already built. */
    public SameDiff sameDiff() {
        return sameDiff;
    }

    /** The floating-point type of parameters, inputs and targets. */
    public DataType dataType() {
        return dataType;
    }

    /** The input placeholders, in declaration order. */
    public List<SDVariable> inputs() {
        return inputs;
    }

    /** The target placeholders, in branch order. */
    public List<SDVariable> targets() {
        return targets;
    }

    /** The branch outputs, in branch order. */
    public List<SDVariable> outputs() {
        return outputs;
    }

    /** The scalar branch losses (batch means), in branch order. */
    public List<SDVariable> branchLosses() {
        return branchLosses;
    }

    /** The scalar weighted total loss that training minimises. */
    public SDVariable total() {
        return total;
    }

    /** The trainable parameters by stable name, in creation order; read-only. */
    public Map<String, SDVariable> parameters() {
        return parameters;
    }

    /** The variables set by the runtime or the weighter rather than trained, by name; read-only. */
    public Map<String, SDVariable> states() {
        return states;
    }

    /**
     * The scalar mask of each branch loss, in branch order, when the weighter needs per-branch gradients; empty
     * otherwise.
     */
    public List<SDVariable> branchMasks() {
        return branchMasks;
    }

    /** The parameter names of each shared scope ({@code @Shared} method), in the order the scopes were built. */
    public Map<String, List<String>> sharedScopes() {
        return sharedScopes;
    }

    /** The layers {@code Layers} built, in build order. */
    public List<LayerRecord> layers() {
        return layers;
    }

    /** The built-in cross-entropy losses the compiled executor may compute in one fused step (see {@link LossFusion}). */
    List<LossFusion.Candidate> fusibleLosses() {
        return fusibleLosses;
    }

    void fusibleLosses(List<LossFusion.Candidate> candidates) {
        this.fusibleLosses = List.copyOf(candidates);
    }

    /**
     * The non-trainable variables of the layers (batch-norm moving statistics) by stable name, in creation order;
     * read-only. Saved and loaded with the parameters, never given a gradient.
     */
    public Map<String, SDVariable> layerStates() {
        return layerStates;
    }

    /** The training and inference modes the layers read, and the moving averages kept after each step. */
    public LayerModes modes() {
        return modes;
    }

    /**
     * The parameters and the layer states together by name, in creation order (a batch norm's gamma, beta, moving
     * mean and moving variance in a row); read-only. What {@code Trainer.parameters()} lists and model files hold.
     */
    public Map<String, SDVariable> parametersAndStates() {
        return named;
    }

    void layerStates(Map<String, SDVariable> states, Map<String, SDVariable> all, LayerModes layerModes) {
        this.layerStates = Collections.unmodifiableMap(new java.util.LinkedHashMap<>(states));
        this.named = Collections.unmodifiableMap(new java.util.LinkedHashMap<>(all));
        this.modes = layerModes;
    }

    /** The weighter that combined the branch losses. */
    public Weighter weighter() {
        return weighter;
    }
}

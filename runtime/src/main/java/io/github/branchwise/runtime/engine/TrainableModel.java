package io.github.branchwise.runtime.engine;

import io.github.branchwise.runtime.DuplicatedLayers;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ModelSpec;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A built model with everything that trains it, assembled in one place: the {@link Network} built from the spec, the
 * {@link StepExecutor} the options choose, its {@link ModelParameters} (values, freezing, optimiser) and its
 * {@link TrainingStep} (the step, the counters, the forward-only passes). The public {@code Trainer} is a facade
 * over one of these; {@link TrainingFile} saves and loads one.
 */
public final class TrainableModel {
    private final ModelSpec spec;
    private final TrainingOptions options;
    private final Network network;
    private final ModelParameters parameters;
    private final TrainingStep step;
    private final List<DuplicatedLayers> duplicatedLayers;

    private TrainableModel(ModelSpec spec, TrainingOptions options, Map<String, INDArray> savedOptimiserState) {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.options = Objects.requireNonNull(options, "options");
        this.network = NetworkBuilder.build(spec, options.seed(), options.dataType());
        StepExecutor executor = switch (options.executor()) {
            case COMPILED -> new CompiledExecutor(network);
            case SAMEDIFF -> new SameDiffExecutor(network);
        };
        this.parameters = new ModelParameters(spec, options, network, executor, savedOptimiserState);
        this.step = new TrainingStep(spec, options.seed(), network, executor,
                new BatchChecker(spec, options.dataType()), parameters);
        this.duplicatedLayers = options.checkDuplicatedLayers() ? DuplicatedLayersCheck.find(spec, network)
                : List.of();
    }

    /**
     * A model with freshly initialised parameters and optimiser; logs a warning for each {@link DuplicatedLayers} the
     * check finds (a loaded model does not: its creation did).
     *
     * @throws IllegalArgumentException when the options do not fit the model (a parameter group it lacks)
     */
    public static TrainableModel create(ModelSpec spec, TrainingOptions options) {
        TrainableModel model = new TrainableModel(spec, options, null);
        DuplicatedLayersCheck.log(spec.modelName(), model.duplicatedLayers);
        return model;
    }

    /**
     * A model whose optimiser continues from saved state arrays (by parameter name); {@link TrainingFile} then
     * checks them ({@link ModelParameters#requireOptimiserState}) and restores the rest.
     */
    static TrainableModel withOptimiserState(ModelSpec spec, TrainingOptions options,
                                             Map<String, INDArray> savedOptimiserState) {
        return new TrainableModel(spec, options, savedOptimiserState);
    }

    /** The model's spec. */
    public ModelSpec spec() {
        return spec;
    }

    /** The options the model was built with. */
    public TrainingOptions options() {
        return options;
    }

    /** The built graph. */
    public Network network() {
        return network;
    }

    /** The parameters, their freezing and the optimiser. */
    public ModelParameters parameters() {
        return parameters;
    }

    /** The step, the counters and the forward-only passes. */
    public TrainingStep step() {
        return step;
    }

    /** The layers several branches build separately from the same source; empty when the options turn the check off. */
    public List<DuplicatedLayers> duplicatedLayers() {
        return duplicatedLayers;
    }
}

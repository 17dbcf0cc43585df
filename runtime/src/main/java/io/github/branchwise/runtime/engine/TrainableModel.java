package io.github.branchwise.runtime.engine;

import io.github.branchwise.annotations.Weighting;
import io.github.branchwise.runtime.DuplicatedLayers;
import io.github.branchwise.runtime.LossWeighting;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.WeightingSpec;
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
        this.options = Objects.requireNonNull(options, "options");
        this.spec = withChosenWeighting(Objects.requireNonNull(spec, "spec"), options);
        this.network = NetworkBuilder.build(this.spec, options.seed(), options.dataType());
        options.weighting().ifPresent(this::requireSharedLayer);
        StepExecutor executor = switch (options.executor()) {
            case COMPILED -> new CompiledExecutor(network);
            case SAMEDIFF -> new SameDiffExecutor(network);
        };
        this.parameters = new ModelParameters(this.spec, options, network, executor, savedOptimiserState);
        this.step = new TrainingStep(this.spec, options.seed(), network, executor,
                BatchChecker.of(network), parameters);
        this.duplicatedLayers = options.checkDuplicatedLayers() ? DuplicatedLayersCheck.find(this.spec, network)
                : List.of();
    }

    /** Checks batches against this model, the vocabularies of its embeddings included. */
    public BatchChecker batchChecker() {
        return BatchChecker.of(network);
    }

    private static ModelSpec withChosenWeighting(ModelSpec spec, TrainingOptions options) {
        LossWeighting chosen = options.weighting().orElse(null);
        if (chosen == null) {
            return spec;
        }
        try {
            return spec.withWeighting(WeightingSpec.of(chosen));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(spec.modelName() + ": TrainingOptions.weighting " + chosen
                    + " does not fit the model: " + e.getMessage(), e);
        }
    }

    /**
     * GRADNORM measures on a {@code @Shared} method's last layer. The processor checks an annotation's choice at
     * compile time; a choice made at run time is checked here, before a step, rather than at the first step.
     */
    private void requireSharedLayer(LossWeighting chosen) {
        if (chosen.weighting() != Weighting.GRADNORM) {
            return;
        }
        Map<String, List<String>> scopes = network.sharedScopes();
        if (scopes.isEmpty()) {
            throw new IllegalArgumentException(spec.modelName() + ": TrainingOptions.weighting " + chosen
                    + " does not fit the model: GRADNORM weighting measures the branches' gradient norms on the last "
                    + "layer of a @Shared method, and the model has no @Shared method with parameters");
        }
        if (!chosen.sharedLayer().isEmpty() && !scopes.containsKey(chosen.sharedLayer())) {
            throw new IllegalArgumentException(spec.modelName() + ": TrainingOptions.weighting " + chosen
                    + " does not fit the model: sharedLayer must name a @Shared method with parameters; there is no '"
                    + chosen.sharedLayer() + "' among " + scopes.keySet());
        }
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

    /** The model's spec, with the weighting the options chose when they override the annotation's. */
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

package io.github.branchwise.runtime.engine;

import io.github.branchwise.runtime.ModelFileException;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ModelSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.core.type.TypeReference;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * Saves and loads the whole training state of a {@link TrainableModel} as a {@link ModelFile}: parameters
 * ({@code param/<name>}), optimiser state ({@code updater/<name>}), weighting variables ({@code state/<name>}) and
 * Java-side weighting state ({@code weighter/<name>}), frozen parameters ({@code frozen/<name>}), the optimiser
 * configuration per parameter group, the seed, data type and step counters, a weighting chosen at run time
 * ({@link WeightingRecord}), and the attachments of layers above.
 * Loading rebuilds the model from its spec and writes every value through {@link ModelParameters}' checks, so a file
 * that does not fit the model's code is refused with a {@link ModelFileException} naming the value.
 */
public final class TrainingFile {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PARAMETER = "param/";
    private static final String OPTIMISER = "updater/";
    private static final String WEIGHTING_VARIABLE = "state/";
    private static final String WEIGHTER = "weighter/";
    private static final String FROZEN = "frozen/";
    /** The attachment that records a weighting chosen at run time; the annotation's is not recorded. */
    static final String WEIGHTING_ATTACHMENT = "engine/weighting";
    private static final String ENGINE_ATTACHMENTS = "engine/";

    private TrainingFile() {
    }

    /** A model loaded from a file and the attachments saved with it. */
    public record Loaded(TrainableModel model, Map<String, byte[]> attachments) {
    }

    /** Saves the model's whole training state and {@code attachments} to {@code file}, atomically. */
    public static void save(TrainableModel model, Path file, Map<String, byte[]> attachments) throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(attachments, "attachments");
        for (String name : attachments.keySet()) {
            if (name.startsWith(ENGINE_ATTACHMENTS)) {
                throw new IllegalArgumentException("attachment names starting " + ENGINE_ATTACHMENTS + " are the "
                        + "runtime's own; '" + name + "' is one");
            }
        }
        Map<String, INDArray> arrays = new LinkedHashMap<>();
        model.parameters().arrays().forEach((name, value) -> arrays.put(PARAMETER + name, value));
        model.parameters().optimiserState().forEach((name, state) -> arrays.put(OPTIMISER + name, state));
        model.network().states().forEach((name, variable) -> arrays.put(WEIGHTING_VARIABLE + name, variable.getArr()));
        model.network().weighter().state().forEach((name, value) -> arrays.put(WEIGHTER + name, value));
        model.parameters().frozen().forEach(name -> arrays.put(FROZEN + name, Nd4j.scalar(1.0)));
        TrainingOptions options = model.options();
        Map<String, String> updaters = new LinkedHashMap<>();
        updaters.put("", JSON.writeValueAsString(options.updater()));
        for (Map.Entry<String, IUpdater> group : options.groupUpdaters().entrySet()) {
            updaters.put(group.getKey(), JSON.writeValueAsString(group.getValue()));
        }
        Map<String, byte[]> allAttachments = new LinkedHashMap<>(attachments);
        if (options.weighting().isPresent()) {
            allAttachments.put(WEIGHTING_ATTACHMENT, WeightingRecord.write(options.weighting().get()));
        }
        ModelFile.write(file, new ModelFile.Contents(model.spec().modelName(), options.seed(), options.dataType(),
                JSON.writeValueAsString(updaters), model.step().iteration(), model.step().epoch(), arrays,
                allAttachments));
    }

    /**
     * Loads what {@link #save} wrote, so that training continues exactly where it stopped.
     *
     * @throws ModelFileException when the file is not a valid model file of this model, or does not fit its code
     */
    public static Loaded load(ModelSpec spec, Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        ModelFile.Contents contents = ModelFile.read(file, spec.modelName());
        Map<String, byte[]> attachments = new LinkedHashMap<>(contents.attachments());
        byte[] weighting = attachments.remove(WEIGHTING_ATTACHMENT);
        TrainingOptions options = options(file, contents);
        if (weighting != null) {
            ClassLoader loader = spec.graph().getClass().getClassLoader();
            options = options.toBuilder().weighting(WeightingRecord.read(file, weighting, loader)).build();
        }
        Map<String, INDArray> optimiserState = new LinkedHashMap<>();
        Map<String, INDArray> parameters = new LinkedHashMap<>();
        Map<String, INDArray> weightingVariables = new LinkedHashMap<>();
        Map<String, INDArray> weighterState = new LinkedHashMap<>();
        List<String> frozen = new ArrayList<>();
        contents.arrays().forEach((name, array) -> {
            if (name.startsWith(OPTIMISER)) {
                optimiserState.put(name.substring(OPTIMISER.length()), array);
            } else if (name.startsWith(PARAMETER)) {
                parameters.put(name.substring(PARAMETER.length()), array);
            } else if (name.startsWith(WEIGHTING_VARIABLE)) {
                weightingVariables.put(name.substring(WEIGHTING_VARIABLE.length()), array);
            } else if (name.startsWith(WEIGHTER)) {
                weighterState.put(name.substring(WEIGHTER.length()), array);
            } else if (name.startsWith(FROZEN)) {
                frozen.add(name.substring(FROZEN.length()));
            }
        });
        TrainableModel model;
        try {
            model = TrainableModel.withOptimiserState(spec, options, optimiserState);
        } catch (IllegalArgumentException e) {
            // E.g. an optimiser group the model no longer has, or a recorded weighting that does not fit the
            // branches: the file does not fit this model's code.
            throw new ModelFileException(file, "does not fit the model " + spec.modelName() + ": " + e.getMessage(), e);
        }
        model.parameters().requireOptimiserState(file, optimiserState);
        model.parameters().restore(file, parameters, weightingVariables);
        model.network().weighter().restoreState(weighterState);
        model.parameters().restoreFrozen(file, frozen);
        model.step().restoreCounters(contents.iteration(), contents.epoch());
        return new Loaded(model, Collections.unmodifiableMap(attachments));
    }

    private static TrainingOptions options(Path file, ModelFile.Contents contents) throws ModelFileException {
        TrainingOptions.Builder builder = TrainingOptions.builder().seed(contents.seed()).dataType(contents.dataType());
        try {
            Map<String, String> updaters = JSON.readValue(contents.updaterJson(),
                    new TypeReference<LinkedHashMap<String, String>>() { });
            if (updaters == null || updaters.isEmpty()) {
                throw new ModelFileException(file, "has no optimiser configuration");
            }
            for (Map.Entry<String, String> entry : updaters.entrySet()) {
                IUpdater updater = JSON.readValue(entry.getValue(), IUpdater.class);
                if (updater == null) {
                    throw new ModelFileException(file, "has no optimiser configuration");
                }
                if (entry.getKey().isEmpty()) {
                    builder.updater(updater);
                } else {
                    builder.groupUpdater(entry.getKey(), updater);
                }
            }
        } catch (JsonProcessingException | RuntimeException e) {
            // ND4J's Jackson reports an unknown class in a type id as IllegalArgumentException, not as a JSON error;
            // a null value or group name fails in the builder.
            throw new ModelFileException(file, "unreadable optimiser configuration", e);
        }
        return builder.build();
    }
}

package io.github.branchwise.runtime;

import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * One layer built by {@code Layers}, for the model summary and for the check that finds layers several branches
 * build separately ({@link DuplicatedLayers}).
 *
 * @param scope      the branch or {@code @Shared} method that built it
 * @param name       the layer's name within the scope, e.g. {@code conv2d_0}
 * @param kind       what it is, with every setting that changes what it computes, e.g.
 *                   {@code Conv2D(1, 3x3, stride 1, valid) sigmoid}
 * @param output     the layer's output variable
 * @param parameters the names of its parameters, then of its non-trainable layer state (a batch norm's moving
 *                   statistics, {@link GraphHost#layerState})
 * @param inputs     the names of the variables it reads (its {@code x}): how the layers of a branch chain, and where
 *                   a branch's first layer reads from
 */
public record LayerRecord(String scope, String name, String kind, SDVariable output, List<String> parameters,
                          List<String> inputs) {
    /** Copies the parameter and input names. */
    public LayerRecord {
        parameters = List.copyOf(parameters);
        inputs = List.copyOf(inputs);
    }

    /**
     * A layer whose inputs are not known (recorded by code older than {@link #inputs()}); the duplicated-layers
     * check never matches it with another.
     */
    public LayerRecord(String scope, String name, String kind, SDVariable output, List<String> parameters) {
        this(scope, name, kind, output, parameters, List.of());
    }
}

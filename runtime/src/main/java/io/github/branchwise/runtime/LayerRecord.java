package io.github.branchwise.runtime;

import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * One layer built by {@code Layers}, for the model summary.
 *
 * @param scope      the branch or {@code @Shared} method that built it
 * @param name       the layer's name within the scope, e.g. {@code conv2d_0}
 * @param kind       what it is, e.g. {@code Conv2D(1, 3x3, valid) sigmoid}
 * @param output     the layer's output variable
 * @param parameters the names of its parameters
 */
public record LayerRecord(String scope, String name, String kind, SDVariable output, List<String> parameters) {
    /** Copies the parameter names. */
    public LayerRecord {
        parameters = List.copyOf(parameters);
    }
}

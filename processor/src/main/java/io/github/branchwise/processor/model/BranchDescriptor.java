package io.github.branchwise.processor.model;

import io.github.branchwise.annotations.Loss;
import java.util.List;

/**
 * One {@code @Branch}.
 *
 * @param name the branch's name in the generated API
 * @param methodName the method that builds the branch
 * @param takesLayers whether that method takes a {@code Layers}
 * @param shape one example's output shape, without the batch dimension; the target's too, but for sparse
 *     categorical cross-entropy, whose targets are class indices without the last (class) axis
 * @param loss the built-in loss, or {@link Loss#CUSTOM} when a loss method computes it
 * @param delta the Huber threshold ({@code @BranchLoss.delta}, 1.0 by default)
 */
public record BranchDescriptor(
        String name, String methodName, boolean takesLayers, List<Long> shape, Loss loss, double delta) {
    /** Copies the shape. */
    public BranchDescriptor {
        shape = List.copyOf(shape);
    }

    /**
     * The names of the metrics the runtime measures on this branch by default, by its loss and shape: the same
     * rule as the runtime's {@code Metrics.defaultNames(BranchSpec)} (a test keeps the two in step). Binary
     * cross-entropy: {@code accuracy}, and {@code bce} too for a map output (rank 2 or more); the categorical
     * cross-entropies: {@code accuracy}; the regression losses: {@code mae}, {@code rmse}; a loss method: none.
     */
    public List<String> defaultMetrics() {
        return defaultMetrics(loss, shape.size());
    }

    /** The default metric names of a branch with this loss and output rank; see {@link #defaultMetrics()}. */
    public static List<String> defaultMetrics(Loss loss, int rank) {
        return switch (loss) {
            case BINARY_CROSSENTROPY -> rank >= 2 ? List.of("accuracy", "bce") : List.of("accuracy");
            case CATEGORICAL_CROSSENTROPY, SPARSE_CATEGORICAL_CROSSENTROPY -> List.of("accuracy");
            case MEAN_SQUARED_ERROR, MEAN_ABSOLUTE_ERROR, HUBER -> List.of("mae", "rmse");
            case CUSTOM -> List.of();
        };
    }

    /** The history column of one of this branch's metrics, {@code <branch>_<metric>}. */
    public String metricColumn(String metric) {
        return name + "_" + metric;
    }

    /**
     * The component of the generated metrics record for one of this branch's metrics: the branch name then the
     * metric name capitalised, {@code localization} and {@code accuracy} giving {@code localizationAccuracy}. The
     * default metric names are such that no two branches' components can coincide: none is a proper suffix of
     * another.
     */
    public String metricComponent(String metric) {
        return name + Character.toUpperCase(metric.charAt(0)) + metric.substring(1);
    }
}

package io.github.branchwise.processor.binding;

import io.github.branchwise.annotations.Loss;
import java.util.List;

/**
 * One {@code @Branch}.
 *
 * @param name the branch's name in the generated API
 * @param methodName the method that builds the branch
 * @param takesLayers whether that method takes a {@code Layers}
 * @param shape one example's output and target shape, without the batch dimension
 * @param loss the built-in loss, or {@link Loss#CUSTOM} when a loss method computes it
 * @param delta the Huber threshold ({@code @BranchLoss.delta}, 1.0 by default)
 */
public record BranchDescriptor(
        String name, String methodName, boolean takesLayers, List<Long> shape, Loss loss, double delta) {
    /** Copies the shape. */
    public BranchDescriptor {
        shape = List.copyOf(shape);
    }
}

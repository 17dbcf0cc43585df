package io.github.branchwise.runtime.internal;

import io.github.branchwise.runtime.Layers;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * The graph under construction as generated code sees it: the input and target placeholders, one {@link Layers}
 * per branch or shared method, the places to register each branch's output and custom loss, and the multi-task
 * architectures' parts ({@code @Experts} groups, {@code @Gate}s and {@code @Stitch}es, docs/architectures.md).
 */
public interface ModelGraph {
    /** The graph being built. */
    SameDiff sameDiff();

    /**
     * The placeholder of an input, shape {@code [batch, shape...]}.
     *
     * @throws IllegalArgumentException when the model has no input of that name
     */
    SDVariable input(String name);

    /** The layer builder whose parameters are prefixed with {@code scopeName}; the same instance per name. */
    Layers layers(String scopeName);

    /**
     * The placeholder of a branch's target.
     *
     * @throws IllegalArgumentException when the model has no branch of that name
     */
    SDVariable target(String branch);

    /**
     * Registers {@code prediction} as the output of {@code branch} and returns it.
     *
     * @throws IllegalStateException when the branch already has an output
     */
    SDVariable output(String branch, SDVariable prediction);

    /**
     * Registers {@code output} as what the {@code @Shared} method {@code method} returned and returns it: the shared
     * representation whose per-branch gradients the strategies with {@code gradientSource = REPRESENTATION} read
     * (the last {@code @Shared} method declared). Generated code calls it once per method; the default ignores it.
     */
    default SDVariable sharedOutput(String method, SDVariable output) {
        return output;
    }

    /**
     * The output registered for {@code branch}.
     *
     * @throws IllegalStateException when none is registered yet
     */
    SDVariable branchOutput(String branch);

    /**
     * Registers the per-example loss a loss method computed for {@code branch} (declared with
     * {@code Loss.CUSTOM}): shape {@code [batch]}, or {@code [batch, ...]} which is averaged over the non-batch axes.
     */
    void loss(String branch, SDVariable perExampleLoss);

    // ---- multi-task architectures (docs/architectures.md) ----

    /**
     * The experts of an {@code @Experts} group, built once: expert {@code k} is
     * {@code factory.build(layers(group + "/" + k), input)}, so each has its own parameters
     * ({@code shared/0/dense_0/W}) and {@code freeze("shared")} or {@code freeze("shared/1")} address the group or one
     * expert. A second call with the same group, count and input returns the same list.
     *
     * @param group   the group's name (the {@code @Experts} method's), the first segment of its parameters' names
     * @param count   how many experts, at least 1
     * @param input   what every expert reads
     * @param factory builds one expert from its own {@link Layers}
     * @return the experts' outputs, expert 0 first; read-only
     * @throws IllegalArgumentException when {@code count} is less than 1 or an expert returns null
     * @throws IllegalStateException    when the group was built before with another count or input, or its factory
     *                                  asks for the group itself
     */
    List<SDVariable> experts(String group, int count, SDVariable input, ExpertFactory factory);

    /**
     * A softmax gate over every expert of {@code groups}, in the order listed (each group's experts from 0), driven
     * by {@code input}: {@code g = softmax(flatten(input)·W + b)} and the output {@code Σₑ gₑ · expertₑ}, of the
     * experts' shape. Parameters {@code name/W} ({@code [inputFeatures, experts]}, Glorot-uniform from the model
     * seed and its name, as every layer's) and {@code name/b} ({@code [experts]}, zeros). Built once: a second call
     * with the same name, groups and input returns the same output. The gate's weights {@code g} of every training
     * step go into the history, as each expert's batch mean ({@code <gate>_<group>_<k>}).
     *
     * @param name   the gate's name (the {@code @Gate} method's), the first segment of its parameters' names
     * @param groups the {@code @Experts} groups it mixes, each already built with {@link #experts}
     * @param input  what drives the gate, flattened per example
     * @throws IllegalStateException    when a group is not built yet, or the gate was built before with other groups
     *                                  or another input
     * @throws IllegalArgumentException when {@code groups} is empty or names a group twice, when the experts differ
     *                                  in shape (the message names the gate and lists every expert's shape), or
     *                                  when an expert or the input is not floating-point
     */
    SDVariable gate(String name, List<String> groups, SDVariable input);

    /**
     * A cross-stitch unit's output for one column (Misra et al. 2016), {@code Σⱼ αⱼ · partⱼ}, with the trainable
     * {@code name/alpha} of shape {@code [parts]}, or {@code [parts, channels]} when {@code perChannel} (one α per
     * part and channel, the channels being the parts' last axis), initialised to {@code own} for part 0 (the column's
     * own) and {@code other} for the rest. Built once: a second call with the same name and arguments returns the
     * same output.
     *
     * @param name       the stitch's name (the {@code @Stitch} method's), the first segment of its parameter's name
     * @param parts      two or more parts of one shape, the column's own first
     * @param own        the initial α of part 0 (Misra et al.: 0.9; LibMTL: 1)
     * @param other      the initial α of every other part (Misra et al.: 0.1; LibMTL: 1)
     * @param perChannel one α per part and channel instead of one per part
     * @throws IllegalArgumentException when there are fewer than 2 parts, they differ in shape (the message names the
     *                                  stitch and every part's shape), are not floating-point, or {@code own} or
     *                                  {@code other} is not finite
     * @throws IllegalStateException    when the stitch was built before with other arguments
     */
    SDVariable stitch(String name, List<SDVariable> parts, double own, double other, boolean perChannel);

    /** Builds one expert of an {@code @Experts} group: the group's method, called once per expert. */
    @FunctionalInterface
    interface ExpertFactory {
        /**
         * One expert's output.
         *
         * @param nn    the expert's own layers, scope {@code <group>/<k>}
         * @param input what the group reads
         */
        SDVariable build(Layers nn, SDVariable input);
    }
}

package io.github.branchwise.runtime.internal;

import io.github.branchwise.runtime.Layers;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * The graph under construction as generated code sees it: the input and target placeholders, one {@link Layers}
 * per branch or shared method, and the places to register each branch's output and custom loss.
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
}

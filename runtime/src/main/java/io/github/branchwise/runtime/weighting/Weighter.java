package io.github.branchwise.runtime.weighting;

import io.github.branchwise.runtime.GraphHost;
import io.github.branchwise.runtime.Losses;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Combines the scalar branch losses into the one total loss that trains every branch: one class per strategy,
 * and the interface to implement for a strategy of one's own ({@code @WeightedLoss(weighting = CUSTOM,
 * strategy = MyWeighter.class)}, with a public no-argument constructor).
 *
 * <p>A weighter builds its part of the graph once in {@link #combine}. Its trainable parameters come from
 * {@link GraphHost#parameter} and are optimised with the network; values it sets itself (weights fed each step or
 * epoch) come from {@link GraphHost#state}; both are named {@code weighting/...} and saved with the model. State
 * kept in Java (loss histories, counters) goes through {@link #state()} and {@link #restoreState(Map)}.
 *
 * <p>Loss-level strategies only implement {@link #combine} and {@link #weights()}, and the hooks they need.
 * Gradient-level strategies return true from {@link #needsBranchGradients()}; the trainer then computes each
 * branch's gradient once per step and asks {@link #combineGradients} for the update direction.
 */
public interface Weighter {
    /**
     * Builds the total loss.
     *
     * @param host         the graph under construction
     * @param branchLosses the scalar loss of each branch, in branch order
     * @return the scalar total loss
     */
    SDVariable combine(GraphHost host, List<SDVariable> branchLosses);

    /** The weight each branch loss currently gets in the total, in branch order. */
    double[] weights();

    /** Called before every step, before the forward pass; sets weights that change by step. */
    default void beforeStep(StepInfo step) {
    }

    /** Called after every optimiser update of the parameters; restores this weighter's constraints. */
    default void afterUpdate() {
    }

    /**
     * Whether {@link #afterUpdateLosses} wants the branch losses of each step's batch evaluated again at the updated
     * parameters (FAMO); that costs one forward pass more per step, in inference mode.
     */
    default boolean needsLossesAfterUpdate() {
        return false;
    }

    /**
     * Called after every optimiser update, after {@link #afterUpdate()} and before {@link #afterStep}, when
     * {@link #needsLossesAfterUpdate()}: the branch losses of the step's batch before and after the update.
     *
     * @param step         the step that updated
     * @param beforeUpdate the branch losses of the pass the update was computed from, in branch order
     * @param afterUpdate  the branch losses of the same batch at the updated parameters, in branch order
     */
    default void afterUpdateLosses(StepInfo step, double[] beforeUpdate, double[] afterUpdate) {
    }

    /** Called after every training step with that step's losses. */
    default void afterStep(StepInfo step, Losses losses) {
    }

    /** Called when an epoch ends, before the next one starts; {@code epoch} is the index of the epoch that ended. */
    default void onEpochEnd(long epoch) {
    }

    /** Whether this strategy needs each branch's gradient; such strategies cost about one pass per branch. */
    default boolean needsBranchGradients() {
        return false;
    }

    /**
     * Whether this strategy also reads each branch's gradient with respect to the shared representation, the output
     * of the last {@code @Shared} method ({@link BranchGradients#representationGram}); only with
     * {@link #needsBranchGradients()}.
     */
    default boolean needsRepresentationGradients() {
        return false;
    }

    /**
     * How many independent gradient samples per step this strategy needs (SDMGrad and MoDo: 3, the stochastic
     * algorithms' independent mini-batches); only with {@link #needsBranchGradients()}. With {@code n > 1} the trainer
     * splits each step's batch into {@code n} consecutive parts of its rows (sizes differing by at most one, the first
     * parts the larger), computes every branch's gradient on each part ({@code n·K} passes) and hands them over
     * through {@link BranchGradients#samples()}; the step's reported losses are the mean of the parts' losses. A batch
     * of fewer than {@code n} rows is refused. Not combined with {@link #needsRepresentationGradients()}.
     */
    default int gradientSamples() {
        return 1;
    }

    /**
     * The gradient to apply for every parameter, from the branches' gradients; called only when
     * {@link #needsBranchGradients()}. Return what {@link BranchGradients#combine} returns where possible: the trainer
     * updates those arrays in place, and copies any other array first (milliseconds for a large parameter).
     */
    default Map<String, INDArray> combineGradients(BranchGradients gradients) {
        throw new IllegalStateException(getClass().getName() + " does not combine gradients");
    }

    /**
     * Whether this strategy's step can be split across shards of a batch (distributed training): its total loss is
     * affine in the branch losses, {@code Σ cᵢ·Lᵢ + r}, with {@code cᵢ} and {@code r} independent of the batch's
     * examples (they may depend on the strategy's parameters, the step and the epoch), and, for a gradient-level
     * strategy, each branch's term {@code cᵢ·Lᵢ} is. The branch losses are batch means, so the gradient of such a total
     * over a whole batch is exactly the sum over its shards of each shard's gradient times its share of the examples.
     * A strategy whose total is not (GLS's geometric mean) must return false, and distributed training refuses it.
     * False by default: a strategy of one's own opts in.
     */
    default boolean additiveOverExamples() {
        return false;
    }

    /** The Java-side state to save with the model, by key; arrays are copied by the caller. */
    default Map<String, INDArray> state() {
        return Map.of();
    }

    /** Restores what {@link #state()} returned when the model was saved. */
    default void restoreState(Map<String, INDArray> state) {
    }
}

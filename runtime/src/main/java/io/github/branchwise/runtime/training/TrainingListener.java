package io.github.branchwise.runtime.training;

/**
 * Hooks called by {@link Fitting#fit} after every step and every epoch (Keras' callbacks
 * {@code on_train_batch_end} and {@code on_epoch_end}). The event carries the values of the row just added to the
 * {@link History}; {@link TrainingEvent#stopTraining()} ends training after the current step or epoch.
 */
public interface TrainingListener {
    /** After every optimisation step, with the step's row. */
    default void onStepEnd(TrainingEvent event) {
    }

    /** After every epoch, validation included, with the epoch's row. */
    default void onEpochEnd(TrainingEvent event) {
    }
}

package io.github.branchwise.runtime.training;

import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;

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

    /**
     * A listener that hands every epoch's row, read by {@code reader}, to {@code action}: what a generated
     * {@code <Model>TrainingModel.onEpochEnd(action)} returns, with {@code <Model>Epoch::of} as the reader.
     *
     * @param reader turns an epoch's row (column name to value) into its typed form
     * @param action called after every epoch, validation included
     * @param <E> the typed epoch
     * @return the listener
     */
    static <E> TrainingListener atEpochEnd(Function<? super Map<String, Double>, ? extends E> reader,
            Consumer<? super E> action) {
        Objects.requireNonNull(reader, "reader");
        Objects.requireNonNull(action, "action");
        return new TrainingListener() {
            @Override
            public void onEpochEnd(TrainingEvent event) {
                action.accept(reader.apply(event.values()));
            }
        };
    }
}

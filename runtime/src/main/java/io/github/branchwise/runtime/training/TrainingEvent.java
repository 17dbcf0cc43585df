package io.github.branchwise.runtime.training;

import java.util.Map;

/** What a {@link TrainingListener} is told: where training stands and the values just recorded. */
public final class TrainingEvent {
    private final Fitting fitting;
    private final long epoch;
    private final long steps;
    private final Map<String, Double> values;

    TrainingEvent(Fitting fitting, long epoch, long steps, Map<String, Double> values) {
        this.fitting = fitting;
        this.epoch = epoch;
        this.steps = steps;
        this.values = Map.copyOf(values);
    }

    /**
     * The number of the current epoch, from 1 (as the progress and the history's {@code epoch} column count); for
     * an epoch end, the epoch that ended.
     */
    public long epoch() {
        return epoch;
    }

    /** The number of optimisation steps taken so far. */
    public long steps() {
        return steps;
    }

    /** The row just recorded: column name to value (see {@link History} for the columns). */
    public Map<String, Double> values() {
        return values;
    }

    /** One value of the row, or NaN when the row has no such column. */
    public double value(String column) {
        Double v = values.get(column);
        return v == null ? Double.NaN : v;
    }

    /** The trainer, for listeners that read or save the model. */
    public Trainer trainer() {
        return fitting.trainer();
    }

    /** The history so far. */
    public History history() {
        return fitting.history();
    }

    /** Ends training after the current step (or epoch, from {@link TrainingListener#onEpochEnd}). */
    public void stopTraining() {
        fitting.requestStop();
    }
}

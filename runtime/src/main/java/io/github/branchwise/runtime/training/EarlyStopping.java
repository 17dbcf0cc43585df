package io.github.branchwise.runtime.training;

import java.util.Objects;

/**
 * Stops training when a monitored epoch value has not improved for {@code patience} epochs, as Keras'
 * {@code EarlyStopping}: {@code EarlyStopping.monitor("val_total").patience(3).minDelta(1e-4).restoreBest(true)}.
 * With patience {@code p}, training stops at the end of the {@code p}-th epoch in a row without improvement (Keras'
 * rule; patience 0 stops at the first).
 *
 * <p>Under a learned weighting ({@code UNCERTAINTY}, {@code TRAINABLE}, {@code GRADNORM}) the weighted
 * {@code val_total} moves with the weights (under {@code UNCERTAINTY} it can go negative and keep "improving" after
 * the branch losses have turned): monitor {@link #unweightedValidationTotal()} or one branch,
 * {@link #validationLoss(String)}, instead.
 * Immutable; each setter returns a new instance. Its progress (best value, epochs waited, best parameters) is kept
 * in checkpoints, so a resumed run stops where the uninterrupted one would have.
 */
public final class EarlyStopping {
    /** Whether smaller or larger values are better. */
    public enum Mode {
        /** Larger is better for names containing "accuracy", smaller otherwise. */
        AUTO,
        /** Smaller is better (losses, errors). */
        MIN,
        /** Larger is better (accuracies). */
        MAX
    }

    private final String monitor;
    private final int patience;
    private final double minDelta;
    private final Mode mode;
    private final boolean restoreBest;

    private EarlyStopping(String monitor, int patience, double minDelta, Mode mode, boolean restoreBest) {
        this.monitor = monitor;
        this.patience = patience;
        this.minDelta = minDelta;
        this.mode = mode;
        this.restoreBest = restoreBest;
    }

    /**
     * Early stopping on an epoch column of the {@link History}, e.g. {@code "val_total"} or
     * {@code "val_localization_loss"}; patience 0, min delta 0, mode AUTO, best parameters not restored.
     */
    public static EarlyStopping monitor(String column) {
        Objects.requireNonNull(column, "column");
        return new EarlyStopping(column, 0, 0, Mode.AUTO, false);
    }

    /**
     * The name {@link #unweightedValidationTotal()} monitors: not a history column but the sum of the
     * {@code val_<branch>_loss} columns of the epoch, each branch's loss with weight 1.
     */
    public static final String UNWEIGHTED_VALIDATION_TOTAL = "val_unweighted_total";

    /**
     * Early stopping on the plain sum of the branches' validation losses, which no weighting moves; as
     * {@link #monitor} otherwise (needs validation data).
     */
    public static EarlyStopping unweightedValidationTotal() {
        return monitor(UNWEIGHTED_VALIDATION_TOTAL);
    }

    /** Early stopping on one branch's validation loss, the column {@code val_<branch>_loss}. */
    public static EarlyStopping validationLoss(String branch) {
        Objects.requireNonNull(branch, "branch");
        return monitor("val_" + branch + "_loss");
    }

    /** How many epochs in a row without improvement end training (Keras' patience). */
    public EarlyStopping patience(int epochs) {
        if (epochs < 0) {
            throw new IllegalArgumentException("patience must be >= 0, got " + epochs);
        }
        return new EarlyStopping(monitor, epochs, minDelta, mode, restoreBest);
    }

    /** The smallest change that counts as an improvement. */
    public EarlyStopping minDelta(double delta) {
        if (!(delta >= 0) || Double.isInfinite(delta)) {
            throw new IllegalArgumentException("minDelta must be finite and >= 0, got " + delta);
        }
        return new EarlyStopping(monitor, patience, delta, mode, restoreBest);
    }

    /** Whether smaller or larger is better. */
    public EarlyStopping mode(Mode mode) {
        return new EarlyStopping(monitor, patience, minDelta, Objects.requireNonNull(mode, "mode"), restoreBest);
    }

    /** Whether to put back the parameters of the best epoch when training ends. */
    public EarlyStopping restoreBest(boolean restore) {
        return new EarlyStopping(monitor, patience, minDelta, mode, restore);
    }

    /** The monitored column. */
    public String monitored() {
        return monitor;
    }

    /** The patience in epochs. */
    public int patience() {
        return patience;
    }

    /** The minimum improvement. */
    public double minDelta() {
        return minDelta;
    }

    /** Whether the best parameters are restored at the end. */
    public boolean restoresBest() {
        return restoreBest;
    }

    /** Whether larger values are better, AUTO resolved. */
    public boolean maximises() {
        return mode == Mode.MAX || (mode == Mode.AUTO && monitor.contains("accuracy"));
    }

    /** Whether {@code value} improves on {@code best} by more than the minimum delta. */
    boolean improves(double value, double best) {
        if (Double.isNaN(value)) {
            return false;
        }
        if (Double.isNaN(best)) {
            return true;
        }
        return maximises() ? value > best + minDelta : value < best - minDelta;
    }

    @Override
    public String toString() {
        return "EarlyStopping[monitor=" + monitor + ", patience=" + patience + ", minDelta=" + minDelta + ", mode="
                + mode + ", restoreBest=" + restoreBest + "]";
    }
}

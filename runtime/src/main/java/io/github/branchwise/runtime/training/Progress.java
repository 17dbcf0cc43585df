package io.github.branchwise.runtime.training;

/** How training reports its progress. */
public enum Progress {
    /** {@link #BAR} on a terminal ({@code System.console() != null}), {@link #LINES} otherwise (CI, IDEs, pipes). */
    AUTO,
    /** A progress bar per epoch with the live per-branch losses and weights, then the epoch's summary. */
    BAR,
    /** One plain line per epoch with every value of the epoch's row. */
    LINES,
    /** Nothing. */
    SILENT
}

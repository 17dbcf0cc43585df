package io.github.branchwise.runtime.training;

import io.github.branchwise.runtime.TrainingDivergedException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Training stopped because a loss or gradient became NaN or infinite. The step that found it applied no update, so
 * the model holds the last good state; when checkpointing was on, that state was saved to
 * {@link #lastGoodCheckpoint()}. The history up to the last good step is in {@link #history()}.
 */
public final class FitDivergedException extends TrainingDivergedException {
    private static final long serialVersionUID = 1L;

    private final transient History history;
    private final transient Path checkpoint;

    FitDivergedException(TrainingDivergedException cause, long epoch, History history, Path checkpoint) {
        super(cause.step(), cause.culprit(), cause.getMessage() + " (epoch " + epoch + ")"
                + (checkpoint == null ? "" : "; the last good state is saved in " + checkpoint));
        initCause(cause);
        this.history = history;
        this.checkpoint = checkpoint;
    }

    /** What was recorded up to the last good step. */
    public History history() {
        return history;
    }

    /** The checkpoint that holds the last good state, when checkpointing was on. */
    public Optional<Path> lastGoodCheckpoint() {
        return Optional.ofNullable(checkpoint);
    }
}

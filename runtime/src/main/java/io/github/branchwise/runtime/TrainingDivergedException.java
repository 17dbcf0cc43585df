package io.github.branchwise.runtime;

/**
 * Training produced a NaN or infinite loss or gradient. The step that found it applied no update, so the model
 * still holds the parameters of the last good step.
 */
public class TrainingDivergedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final long step;
    private final String culprit;

    /**
     * @param step    the number of the step (counted from 0) that diverged
     * @param culprit the branch loss, total or parameter gradient that was not finite
     * @param message the full message
     */
    public TrainingDivergedException(long step, String culprit, String message) {
        super(message);
        this.step = step;
        this.culprit = culprit;
    }

    /** The number of the step (counted from 0) that diverged. */
    public long step() {
        return step;
    }

    /** What was not finite: {@code "loss of branch 'x'"}, {@code "total loss"} or {@code "gradient of 'p'"}. */
    public String culprit() {
        return culprit;
    }
}

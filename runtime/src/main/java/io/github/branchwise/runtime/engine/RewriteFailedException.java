package io.github.branchwise.runtime.engine;

/**
 * A plan rewrite threw or computed different values than the op it replaces, in strict mode ({@link PlanFailures}):
 * a bug to fix, not a graph to run elsewhere. Deliberately neither an {@link IllegalStateException} nor an
 * {@link IllegalArgumentException}, which the compiled executor turns into its SameDiff fallback.
 */
final class RewriteFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RewriteFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}

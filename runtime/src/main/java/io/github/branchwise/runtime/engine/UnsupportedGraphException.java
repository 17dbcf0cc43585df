package io.github.branchwise.runtime.engine;

/**
 * Thrown when a graph contains something a static plan cannot run (control flow, random ops, a cycle, a variable
 * without a value): the compiled executor then runs SameDiff's sessions. Not a bug, unlike a failing rewrite
 * ({@link PlanFailures}).
 */
final class UnsupportedGraphException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UnsupportedGraphException(String message) {
        super(message);
    }
}

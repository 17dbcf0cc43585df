package io.github.branchwise.runtime.engine;

import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens when compiling a plan goes wrong.
 *
 * <p>A rewrite that throws while planning, or whose self-check finds values different from the op it replaces, is a
 * bug in the runtime. For users the plan keeps SameDiff's op for that node (a slower step, the same values); each such
 * failure is counted ({@link #rewriteFailures()}) and logged once per rewrite, with its stack trace. In strict mode it
 * throws {@link RewriteFailedException} instead, so that a rewrite bug fails the tests rather than showing up as a
 * slowdown. Strict mode also refuses the compiled executor's fallback to SameDiff's sessions, except for the models
 * named as deliberately unsupported (random ops, control flow): every other model a test builds must run fully
 * compiled.
 *
 * <p>System properties, read once (the runtime's {@code pom.xml} sets both for its tests):
 * {@code branchwise.plan.strict=true} and {@code branchwise.plan.unsupported=<model name>,...}.
 */
final class PlanFailures {
    private static final Logger LOG = LoggerFactory.getLogger(PlanFailures.class);

    private static volatile boolean strict = Boolean.getBoolean("branchwise.plan.strict");
    private static final Set<String> UNSUPPORTED = Arrays.stream(
                    System.getProperty("branchwise.plan.unsupported", "").split(","))
            .map(String::trim).filter(name -> !name.isEmpty()).collect(Collectors.toUnmodifiableSet());
    private static final AtomicLong FAILURES = new AtomicLong();
    private static final AtomicLong WARNINGS = new AtomicLong();
    private static final Set<String> LOGGED = ConcurrentHashMap.newKeySet();

    private PlanFailures() {
    }

    /** Whether rewrite failures and fallbacks throw (the runtime's tests) instead of being counted and logged. */
    static boolean strict() {
        return strict;
    }

    /** Tests: switches strict mode; returns the previous setting. */
    static boolean strict(boolean on) {
        boolean previous = strict;
        strict = on;
        return previous;
    }

    /** How many rewrite failures this JVM has had (each fell back to SameDiff's op for one node). */
    static long rewriteFailures() {
        return FAILURES.get();
    }

    /** How many rewrite failures were logged: at most one per rewrite per JVM. */
    static long warnings() {
        return WARNINGS.get();
    }

    /**
     * Reports that {@code rewrite} failed on {@code node} of {@code model}'s graph.
     *
     * @throws RewriteFailedException in strict mode
     */
    static void rewriteFailed(String rewrite, String node, String model, RuntimeException cause) {
        String message = "the plan rewrite " + rewrite + " failed on '" + node + "' of " + model + ": " + cause;
        if (strict) {
            throw new RewriteFailedException(message, cause);
        }
        FAILURES.incrementAndGet();
        if (LOGGED.add(rewrite)) {
            WARNINGS.incrementAndGet();
            LOG.warn("{}; that node runs SameDiff's op instead (same values, slower). This is a bug in Branchwise: "
                    + "please report it. Later failures of {} are counted, not logged.", message, rewrite, cause);
        }
    }

    /**
     * Checks that the compiled executor may fall back to SameDiff's sessions for {@code model}.
     *
     * @throws IllegalStateException in strict mode, unless the model is named as deliberately unsupported
     */
    static void checkFallback(String model, String reason, Throwable cause) {
        if (strict && !UNSUPPORTED.contains(model)) {
            throw new IllegalStateException(model + " would run SameDiff's sessions instead of a compiled plan "
                    + "because " + reason + " (strict mode: every model must compile unless it is named in "
                    + "branchwise.plan.unsupported)", cause);
        }
    }
}

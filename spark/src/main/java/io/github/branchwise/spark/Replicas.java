package io.github.branchwise.spark;

import io.github.branchwise.runtime.training.Trainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;

/**
 * The replicas an executor JVM keeps, by the id of the training run or prediction that made them: a model is
 * loaded (its graph built and planned, which costs far more than a step) the first time a task of that run needs
 * one, and handed to the next task when returned. Tasks running at once in one executor each get their own, since
 * a trainer serialises its calls.
 */
final class Replicas {
    /**
     * The most runs an executor keeps replicas of. A run's replicas are dropped by {@link #forget} where the driver
     * can reach them, but an executor JVM outlives its runs and no job visits every executor when one ends: without
     * a bound, each {@code fit} of a long application would leave its models (graphs, plans, native arrays) behind.
     * The least recently used run goes first; one still training merely loads its model again.
     */
    static final int MAX_RUNS = 4;

    private static final Map<String, Queue<Trainer>> IDLE = Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Queue<Trainer>> eldest) {
                    return size() > MAX_RUNS;
                }
            });

    private Replicas() {
    }

    /** An idle replica of run {@code id}, or a new one loaded from {@code modelFile}'s bytes. */
    static Trainer borrow(String id, Supplier<byte[]> modelFile, ReplicaLoader loader) {
        Trainer idle = IDLE.computeIfAbsent(id, k -> new ConcurrentLinkedQueue<>()).poll();
        if (idle != null) {
            return idle;
        }
        try {
            Path file = Files.createTempFile("branchwise-replica", ".bwm");
            try {
                Files.write(file, modelFile.get());
                return loader.load(file);
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load the model of run " + id + " on this executor", e);
        }
    }

    /** Gives a replica back for the run's next task. */
    static void giveBack(String id, Trainer replica) {
        IDLE.computeIfAbsent(id, k -> new ConcurrentLinkedQueue<>()).add(replica);
    }

    /** Drops the replicas of a run that ended; on the driver's JVM, and on executors where it runs there. */
    static void forget(String id) {
        IDLE.remove(id);
    }
}

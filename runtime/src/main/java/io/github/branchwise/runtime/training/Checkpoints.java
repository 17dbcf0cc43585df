package io.github.branchwise.runtime.training;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where and how often {@link Fitting#fit} saves checkpoints: {@code Checkpoints.to(dir).everyEpochs(1).keepLast(3)}.
 * Immutable; each setter returns a new instance.
 *
 * <p>A checkpoint is a model file ({@code checkpoint-<steps>.bwm}, steps zero-padded so names sort in training
 * order) written atomically, holding parameters, optimiser state, weighting state, step and epoch counters, and
 * the training run's own state: the history, the position inside the epoch, the running epoch sums and the early
 * stopping progress. {@link Fitting#resume} continues from any of them exactly as the uninterrupted run would
 * have. No random state needs saving: shuffles and random weightings derive from the seed and the counters.
 */
public final class Checkpoints {
    static final String PREFIX = "checkpoint-";
    static final String SUFFIX = ".bwm";

    private final Path directory;
    private final long everySteps;
    private final int everyEpochs;
    private final int keepLast;
    private final boolean stepHistory;

    private Checkpoints(Path directory, long everySteps, int everyEpochs, int keepLast, boolean stepHistory) {
        this.directory = directory;
        this.everySteps = everySteps;
        this.everyEpochs = everyEpochs;
        this.keepLast = keepLast;
        this.stepHistory = stepHistory;
    }

    /** Checkpoints in {@code directory}, at the end of every epoch, keeping the last 3. */
    public static Checkpoints to(Path directory) {
        return new Checkpoints(Objects.requireNonNull(directory, "directory"), 0, 1, 3, false);
    }

    /** Also (or only, with {@code everyEpochs(0)}) every {@code steps} optimisation steps; 0 turns it off. */
    public Checkpoints everySteps(long steps) {
        if (steps < 0) {
            throw new IllegalArgumentException("everySteps must be >= 0, got " + steps);
        }
        return new Checkpoints(directory, steps, everyEpochs, keepLast, stepHistory);
    }

    /** At the end of every {@code epochs} epochs; 0 turns it off. */
    public Checkpoints everyEpochs(int epochs) {
        if (epochs < 0) {
            throw new IllegalArgumentException("everyEpochs must be >= 0, got " + epochs);
        }
        return new Checkpoints(directory, everySteps, epochs, keepLast, stepHistory);
    }

    /** How many checkpoints to keep, the newest; older ones are deleted. 0 keeps all. */
    public Checkpoints keepLast(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("keepLast must be >= 0, got " + count);
        }
        return new Checkpoints(directory, everySteps, everyEpochs, count, stepHistory);
    }

    /**
     * Whether checkpoints also keep the history's step rows ({@code false} by default). Without them a checkpoint
     * holds the model, the epoch rows and the fitting's position, and stays about the size of a model file however
     * long the run; a run resumed from it records steps from the resume on. With them, a resumed history is complete
     * step by step, at the cost of a checkpoint that grows with every step (one row of doubles per step).
     */
    public Checkpoints withStepHistory(boolean keep) {
        return new Checkpoints(directory, everySteps, everyEpochs, keepLast, keep);
    }

    /** Whether checkpoints keep the history's step rows. */
    public boolean keepsStepHistory() {
        return stepHistory;
    }

    /** The directory. */
    public Path directory() {
        return directory;
    }

    /** The step interval, 0 for none. */
    public long stepInterval() {
        return everySteps;
    }

    /** The epoch interval, 0 for none. */
    public int epochInterval() {
        return everyEpochs;
    }

    /** How many are kept, 0 for all. */
    public int kept() {
        return keepLast;
    }

    /** The checkpoint file after {@code steps} steps. */
    Path fileFor(long steps) {
        return directory.resolve(String.format(java.util.Locale.ROOT, "%s%012d%s", PREFIX, steps, SUFFIX));
    }

    /** Deletes the oldest checkpoints beyond {@link #kept()}. */
    void prune() throws IOException {
        if (keepLast == 0) {
            return;
        }
        List<Path> all = list(directory);
        for (int i = 0; i < all.size() - keepLast; i++) {
            Files.deleteIfExists(all.get(i));
        }
    }

    /** The checkpoints in a directory, oldest first; empty when there is none or no directory. */
    public static List<Path> list(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(p -> {
                String name = p.getFileName().toString();
                return name.startsWith(PREFIX) && name.endsWith(SUFFIX);
            }).sorted().toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** The newest checkpoint in a directory, if any. */
    public static Optional<Path> latest(Path directory) throws IOException {
        List<Path> all = list(directory);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    @Override
    public String toString() {
        return "Checkpoints[" + directory + ", everySteps=" + everySteps + ", everyEpochs=" + everyEpochs
                + ", keepLast=" + keepLast + "]";
    }
}

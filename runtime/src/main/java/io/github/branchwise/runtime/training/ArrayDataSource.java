package io.github.branchwise.runtime.training;

import io.github.branchwise.runtime.engine.BatchChecker;
import io.github.branchwise.runtime.internal.ModelSpec;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Whole arrays cut into mini-batches, by default shuffled anew each epoch. The order of epoch {@code e} is a
 * permutation drawn from a stream seeded by the seed and {@code e} alone, so any epoch's batches can be produced
 * again without replaying the ones before: a run resumed from a checkpoint sees exactly the batches the
 * uninterrupted run saw. Immutable; {@link #shuffle} and {@link #seed} return new sources.
 */
public final class ArrayDataSource implements DataSource {
    private final INDArray[] inputs;
    private final INDArray[] targets;
    private final int batchSize;
    private final boolean shuffle;
    private final Long seed;
    private final long examples;

    ArrayDataSource(INDArray[] inputs, INDArray[] targets, int batchSize, boolean shuffle, Long seed) {
        Objects.requireNonNull(inputs, "inputs");
        Objects.requireNonNull(targets, "targets");
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
        }
        if (inputs.length == 0) {
            throw new IllegalArgumentException("at least one input array is needed");
        }
        long n = -1;
        for (int i = 0; i < inputs.length + targets.length; i++) {
            INDArray array = i < inputs.length ? inputs[i] : targets[i - inputs.length];
            if (array == null || array.rank() == 0) {
                // Without the model's names this class can only number the arrays; check(...) names them.
                throw new IllegalArgumentException((i < inputs.length ? "input array " + (i + 1) : "target array "
                        + (i - inputs.length + 1)) + (array == null ? " is null" : " is a scalar; it needs an "
                        + "example axis 0"));
            }
            if (n < 0) {
                n = array.size(0);
            } else if (array.size(0) != n) {
                n = -2;
            }
        }
        if (n == 0) {
            throw new IllegalArgumentException("the arrays hold no examples");
        }
        this.inputs = inputs.clone();
        this.targets = targets.clone();
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.seed = seed;
        // Arrays of different lengths are refused by check(...) with their names, before any step; a source used
        // without a fitting refuses them when its batches are asked for.
        this.examples = n == -2 ? -1 : n;
    }

    /**
     * Checks the whole arrays against {@code spec} before the first step, as each batch would be checked: the count
     * of inputs and targets, every shape, equal example counts, finiteness and the target ranges of the branch
     * losses. A fitting calls it for its training and validation data, so a bad row is reported by the name of its
     * input or branch and its index in the array as given (not in a shuffled batch), and never costs an update.
     *
     * @throws IllegalArgumentException naming the input or branch, the expected and the actual value
     */
    void check(ModelSpec spec, DataType dataType) {
        check(new BatchChecker(spec, dataType));
    }

    /** {@link #check(ModelSpec, DataType)} with the checker of a built model (which knows its embeddings). */
    void check(BatchChecker checker) {
        INDArray[] checkedInputs = checker.inputs(inputs);
        checker.targets(targets, checkedInputs[0].size(0));
    }

    /** A source that shuffles each epoch ({@code true}, the default) or keeps the arrays' order. */
    public ArrayDataSource shuffle(boolean shuffle) {
        return new ArrayDataSource(inputs, targets, batchSize, shuffle, seed);
    }

    /** A source that shuffles from this seed instead of the model's. */
    public ArrayDataSource seed(long seed) {
        return new ArrayDataSource(inputs, targets, batchSize, shuffle, seed);
    }

    /** The number of examples. */
    public long examples() {
        requireEqualLengths();
        return examples;
    }

    @Override
    public long batchesPerEpoch() {
        requireEqualLengths();
        return (examples + batchSize - 1) / batchSize;
    }

    /** The order in which epoch {@code epoch} visits the examples, for the given model seed. */
    public int[] order(long epoch, long modelSeed) {
        int n = Math.toIntExact(examples());
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        if (shuffle) {
            long s = seed != null ? seed : modelSeed;
            // One stream per (seed, epoch): nothing to save for a resumed run to shuffle the same way.
            SplittableRandom random = new SplittableRandom(mix(s) ^ mix(epoch + 0x632BE59BD9B4E019L));
            for (int i = n - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        return order;
    }

    private void requireEqualLengths() {
        if (examples < 0) {
            StringBuilder lengths = new StringBuilder();
            for (INDArray array : inputs) {
                lengths.append(lengths.length() == 0 ? "" : ", ").append(array.size(0));
            }
            lengths.append(" (inputs), ");
            for (int i = 0; i < targets.length; i++) {
                lengths.append(i == 0 ? "" : ", ").append(targets[i].size(0));
            }
            throw new IllegalArgumentException("the arrays hold different numbers of examples (axis 0): " + lengths
                    + " (targets)");
        }
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public Iterator<Batch> batches(EpochContext epoch) {
        int[] order = order(epoch.epoch(), epoch.seed());
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < order.length;
            }

            @Override
            public Batch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int end = Math.min(order.length, next + batchSize);
                int[] rows = Arrays.copyOfRange(order, next, end);
                int start = next;
                next = end;
                return new Batch(take(inputs, rows, start), take(targets, rows, start));
            }
        };
    }

    private INDArray[] take(INDArray[] arrays, int[] rows, int start) {
        INDArray[] out = new INDArray[arrays.length];
        for (int i = 0; i < arrays.length; i++) {
            out[i] = shuffle ? rows(arrays[i], rows)
                    : arrays[i].get(NDArrayIndex.interval(start, start + rows.length)).dup('c');
        }
        return out;
    }

    private static INDArray rows(INDArray array, int[] rows) {
        long[] shape = array.shape();
        long rest = 1;
        for (int d = 1; d < shape.length; d++) {
            rest *= shape[d];
        }
        INDArray matrix = array.reshape('c', shape[0], rest);
        INDArray pulled = Nd4j.pullRows(matrix, 1, rows);
        long[] outShape = shape.clone();
        outShape[0] = rows.length;
        return pulled.reshape('c', outShape);
    }
}

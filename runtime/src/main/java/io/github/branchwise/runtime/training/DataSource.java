package io.github.branchwise.runtime.training;

import io.github.branchwise.runtime.internal.ModelSpec;
import java.util.Iterator;
import java.util.Objects;
import java.util.function.Function;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

/**
 * Where the batches of each epoch come from: whole arrays cut into shuffled mini-batches, an {@link Iterable} of
 * batches, or ND4J's {@link MultiDataSetIterator}.
 *
 * <p>A source is asked for the batches of one epoch at a time. For a resumed run to continue exactly as the
 * uninterrupted one would have, the batches of an epoch must depend only on the epoch's index and the seed it is
 * given: {@link #arrays} is such a source (its shuffle derives from the seed and the epoch number alone, so no
 * random state needs saving); an {@code Iterable} or an iterator that yields the same sequence after each
 * {@code reset()} is too.
 */
public interface DataSource {
    /**
     * The batches of one epoch.
     *
     * @param epoch where training stands: the epoch's index, the model's seed and the model's spec
     * @return the epoch's batches, in order
     */
    Iterator<Batch> batches(EpochContext epoch);

    /** The number of batches of each epoch, or -1 when it is not known in advance. */
    default long batchesPerEpoch() {
        return -1;
    }

    /**
     * What a source is told when asked for an epoch's batches.
     *
     * @param epoch the index of the epoch, from 0
     * @param seed  the model's seed
     * @param spec  the model, for sources that check or map their arrays
     */
    record EpochContext(long epoch, long seed, ModelSpec spec) {
    }

    /**
     * Whole arrays, cut into mini-batches of {@code batchSize} (the last one may be smaller), shuffled anew each
     * epoch from the model seed and the epoch number (as Keras' {@code fit(x, y, shuffle=True)}). Use
     * {@link ArrayDataSource#shuffle(boolean)} or {@link ArrayDataSource#seed(long)} on the result to change that.
     *
     * @param inputs    one array per input, in declaration order, each {@code [examples, shape...]}
     * @param targets   one array per branch, in declaration order, each {@code [examples, shape...]}
     * @param batchSize examples per batch, positive
     */
    static ArrayDataSource arrays(INDArray[] inputs, INDArray[] targets, int batchSize) {
        return new ArrayDataSource(inputs, targets, batchSize, true, null);
    }

    /** An {@link Iterable} of batches, iterated anew each epoch. */
    static DataSource batches(Iterable<Batch> batches) {
        return fromIterable(batches, Function.identity());
    }

    /**
     * An {@link Iterable} of anything that maps to a batch (a generated batch record, say), iterated anew each
     * epoch.
     */
    static <T> DataSource fromIterable(Iterable<? extends T> items, Function<? super T, Batch> toBatch) {
        Objects.requireNonNull(items, "items");
        Objects.requireNonNull(toBatch, "toBatch");
        return new IterableDataSource<>(items, toBatch);
    }

    /** An {@link Iterable} of {@code {inputs, targets}} pairs, iterated anew each epoch. */
    static DataSource pairs(Iterable<INDArray[][]> pairs) {
        return fromIterable(pairs, Batch::of);
    }

    /**
     * A one-pass {@link Iterator}: it is read once, so it serves one epoch only; asking for a second epoch fails.
     * Use {@link #fromIterator(Iterator, Function, long)} to cut a long stream into epochs.
     */
    static <T> DataSource fromIterator(Iterator<? extends T> items, Function<? super T, Batch> toBatch) {
        return new IteratorDataSource<>(items, toBatch, -1);
    }

    /**
     * A stream of batches cut into epochs of {@code batchesPerEpoch} batches each (Keras' {@code steps_per_epoch}).
     * Training stops with an error when the stream ends inside an epoch.
     */
    static <T> DataSource fromIterator(Iterator<? extends T> items, Function<? super T, Batch> toBatch,
                                       long batchesPerEpoch) {
        if (batchesPerEpoch <= 0) {
            throw new IllegalArgumentException("batchesPerEpoch must be positive, got " + batchesPerEpoch);
        }
        return new IteratorDataSource<>(items, toBatch, batchesPerEpoch);
    }

    /**
     * ND4J's {@link MultiDataSetIterator}: features map to the model's inputs and labels to its branches, both in
     * declaration order; their counts and shapes are checked against the model. The iterator is reset at the start
     * of every epoch after the first. Masks are not supported.
     */
    static DataSource fromMultiDataSets(MultiDataSetIterator iterator) {
        return new MultiDataSetSource(iterator);
    }
}

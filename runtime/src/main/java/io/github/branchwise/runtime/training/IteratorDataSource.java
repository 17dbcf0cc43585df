package io.github.branchwise.runtime.training;

import java.util.Iterator;
import java.util.Objects;
import java.util.function.Function;

/** A one-pass stream of items that map to batches: one epoch, or epochs of a fixed number of batches. */
final class IteratorDataSource<T> implements DataSource {
    private final Iterator<? extends T> items;
    private final Function<? super T, Batch> toBatch;
    private final long batchesPerEpoch;
    private boolean used;

    IteratorDataSource(Iterator<? extends T> items, Function<? super T, Batch> toBatch, long batchesPerEpoch) {
        this.items = Objects.requireNonNull(items, "items");
        this.toBatch = Objects.requireNonNull(toBatch, "toBatch");
        this.batchesPerEpoch = batchesPerEpoch;
    }

    @Override
    public synchronized Iterator<Batch> batches(EpochContext epoch) {
        if (batchesPerEpoch < 0 && used) {
            throw new IllegalStateException("an Iterator can be read only once, so it serves one epoch; pass an "
                    + "Iterable, or give batchesPerEpoch to cut the stream into epochs");
        }
        used = true;
        return new IterableDataSource.MappingIterator<>(items, toBatch, batchesPerEpoch);
    }

    @Override
    public long batchesPerEpoch() {
        return batchesPerEpoch;
    }
}

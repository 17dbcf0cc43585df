package io.github.branchwise.runtime.training;

import java.util.Iterator;
import java.util.function.Function;

/** An {@link Iterable} of items that map to batches, iterated anew each epoch. */
final class IterableDataSource<T> implements DataSource {
    private final Iterable<? extends T> items;
    private final Function<? super T, Batch> toBatch;

    IterableDataSource(Iterable<? extends T> items, Function<? super T, Batch> toBatch) {
        this.items = items;
        this.toBatch = toBatch;
    }

    @Override
    public Iterator<Batch> batches(EpochContext epoch) {
        return new MappingIterator<>(items.iterator(), toBatch, -1);
    }

    /** Maps each item, and stops after {@code limit} items when {@code limit >= 0}. */
    static final class MappingIterator<T> implements Iterator<Batch> {
        private final Iterator<? extends T> items;
        private final Function<? super T, Batch> toBatch;
        private final long limit;
        private long taken;

        MappingIterator(Iterator<? extends T> items, Function<? super T, Batch> toBatch, long limit) {
            this.items = items;
            this.toBatch = toBatch;
            this.limit = limit;
        }

        @Override
        public boolean hasNext() {
            if (limit >= 0 && taken >= limit) {
                return false;
            }
            if (!items.hasNext()) {
                if (limit >= 0) {
                    throw new IllegalStateException("the batch stream ended after " + taken + " of the "
                            + limit + " batches of an epoch");
                }
                return false;
            }
            return true;
        }

        @Override
        public Batch next() {
            if (!hasNext()) {
                throw new java.util.NoSuchElementException();
            }
            taken++;
            T item = items.next();
            Batch batch = toBatch.apply(item);
            if (batch == null) {
                throw new IllegalArgumentException("the batch mapping returned null for " + item);
            }
            return batch;
        }
    }
}

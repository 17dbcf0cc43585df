package io.github.branchwise.runtime.training;

import io.github.branchwise.runtime.StepContribution;
import java.io.Serial;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A shard's contribution to a distributed step ({@link Trainer#contribute(org.nd4j.linalg.api.ndarray.INDArray[],
 * org.nd4j.linalg.api.ndarray.INDArray[], Map)}) and what its metrics measured on the same training pass, to be summed
 * over the shards ({@link #sum}) as Spark's {@code treeAggregate} does: the tallies add up to the whole batch's, as
 * batches add up to an epoch's.
 *
 * @param contribution the shard's sums
 * @param tallies      each metric's tally over the shard's examples, by history column ({@code <branch>_<metric>})
 */
public record MeasuredContribution(StepContribution contribution, Map<String, Tally> tallies)
        implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    /** Checks both are given; keeps a copy of the tallies in column order. */
    public MeasuredContribution {
        Objects.requireNonNull(contribution, "contribution");
        tallies = new LinkedHashMap<>(Objects.requireNonNull(tallies, "tallies"));
    }

    /**
     * The tallies, column by column in the order measured; a read-only view.
     */
    @Override
    public Map<String, Tally> tallies() {
        return java.util.Collections.unmodifiableMap(tallies);
    }

    /**
     * Two shards together: their contributions added ({@link StepContribution#sum}, which changes {@code a}'s) and their
     * tallies added column by column; null stands for a shard without examples.
     */
    public static MeasuredContribution sum(MeasuredContribution a, MeasuredContribution b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return new MeasuredContribution(StepContribution.sum(a.contribution, b.contribution),
                Tallies.plus(a.tallies, b.tallies));
    }
}

package io.github.branchwise.runtime.training;

import io.github.branchwise.runtime.Losses;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A batch's losses in inference mode and what the metrics measured on the same forward pass
 * ({@link Trainer#evaluate(org.nd4j.linalg.api.ndarray.INDArray[], org.nd4j.linalg.api.ndarray.INDArray[], Map)}).
 *
 * @param losses  the batch's mean losses
 * @param tallies each metric's tally over the batch, by history column ({@code <branch>_<metric>}); read-only
 */
public record MeasuredLosses(Losses losses, Map<String, Tally> tallies) {
    /** Checks both are given; keeps a read-only copy of the tallies in column order. */
    public MeasuredLosses {
        Objects.requireNonNull(losses, "losses");
        tallies = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(tallies, "tallies")));
    }
}

package io.github.branchwise.runtime.training;

import io.github.branchwise.runtime.internal.BranchSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Measuring a batch's metrics, the one place the training loop, the trainer and their distributed forms do it. */
final class Tallies {
    private Tallies() {
    }

    /**
     * Every metric of every branch on one batch, by history column ({@code <branch>_<metric>}), in branch order.
     *
     * @param outputs each branch's output of the batch
     * @param targets each branch's target, as given to training
     */
    static Map<String, Tally> measure(List<BranchSpec> branches, Map<String, List<Metric>> metrics,
                                      INDArray[] outputs, INDArray[] targets) {
        Map<String, Tally> tallies = new LinkedHashMap<>();
        for (int i = 0; i < branches.size(); i++) {
            String branch = branches.get(i).name();
            for (Metric metric : metrics.getOrDefault(branch, List.of())) {
                tallies.put(branch + "_" + metric.name(), metric.measure(outputs[i], targets[i]));
            }
        }
        return tallies;
    }

    /** Whether any branch has a metric. */
    static boolean any(Map<String, List<Metric>> metrics) {
        return metrics.values().stream().anyMatch(list -> !list.isEmpty());
    }

    /** The two maps' tallies added column by column; either may be empty. */
    static Map<String, Tally> plus(Map<String, Tally> a, Map<String, Tally> b) {
        Map<String, Tally> sum = new LinkedHashMap<>(a);
        b.forEach((column, tally) -> sum.merge(column, tally, Tally::plus));
        return sum;
    }
}

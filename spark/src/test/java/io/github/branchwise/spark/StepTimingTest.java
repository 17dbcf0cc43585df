package io.github.branchwise.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.runtime.LossWeighting;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.api.java.JavaRDD;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The per-step timing report ({@link SparkTrainer#onStepTiming}) on {@code local[2]}: one report per step, from the
 * partitions that had rows, with times that fit inside each other and payload sizes no smaller than the arrays they
 * carry; and timing changes nothing in the training.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StepTimingTest {
    /** The test model's trained parameters: trunk 3×4 + 4, regression head 4 + 1, binary head 4×2 + 2. */
    private static final int PARAMETERS = 31;

    @Test
    void reportsEveryStepAndChangesNothing() {
        List<Example> rows = SparkTrainerTest.examples(13, 17);
        JavaRDD<Example> data = LocalSpark.context().parallelize(rows, 2);

        SparkTrunkTrainingModel timed = OneProcess.model(LossWeighting.fixed(0.7, 0.3), DataType.DOUBLE);
        SparkTrainer spark = SparkTrainer.of(LocalSpark.context(), timed);
        List<SparkTrainer.StepTiming> timings = new ArrayList<>();
        spark.onStepTiming(timings::add);
        // Partitions of 6 and 7 rows, 3 a step: steps of 2, 2 and 1 partitions, twice.
        List<SparkTrainer.StepRecord> records = spark.fit(data, 3, 2);

        assertEquals(records.size(), timings.size());
        int[] partitions = {2, 2, 1, 2, 2, 1};
        for (int s = 0; s < records.size(); s++) {
            SparkTrainer.StepTiming t = timings.get(s);
            String what = "step " + s;
            assertEquals(records.get(s).step(), t.step(), what);
            assertEquals(partitions[s], t.partitions(), what);
            assertEquals(partitions[s], t.loadNanos().length, what);
            assertEquals(partitions[s], t.computeNanos().length, what);
            for (int p = 0; p < t.partitions(); p++) {
                assertTrue(t.loadNanos()[p] > 0 && t.computeNanos()[p] > 0, what);
            }
            // The job waits for its slowest task, and the step holds its phases.
            assertTrue(t.aggregationNanos() >= 0, what + ": job " + t.jobNanos() + " < slowest partition "
                    + t.slowestPartitionNanos());
            assertTrue(t.totalNanos() >= t.beginNanos() + t.broadcastNanos() + t.jobNanos() + t.applyNanos(), what);
            // A double model: the state carries each parameter as a double, the contribution each gradient.
            assertTrue(t.state().bytes() >= 8L * PARAMETERS, what + " state bytes " + t.state().bytes());
            assertTrue(t.contribution().bytes() >= 8L * PARAMETERS, what + " contribution " + t.contribution());
            assertTrue(t.state().serialiseNanos() > 0 && t.state().deserialiseNanos() > 0, what);
            assertTrue(t.contribution().serialiseNanos() > 0 && t.contribution().deserialiseNanos() > 0, what);
        }

        // The same run without a listener ends with the same parameters: two shards' sums are added in either
        // order to the same doubles, so bit for bit.
        SparkTrunkTrainingModel plain = OneProcess.model(LossWeighting.fixed(0.7, 0.3), DataType.DOUBLE);
        SparkTrainer.of(LocalSpark.context(), plain).fit(data, 3, 2);
        Map<String, INDArray> expected = plain.trainer().parameters();
        Map<String, INDArray> actual = timed.trainer().parameters();
        assertEquals(expected.keySet(), actual.keySet());
        for (String name : expected.keySet()) {
            assertArrayEquals(expected.get(name).reshape(-1).toDoubleVector(),
                    actual.get(name).reshape(-1).toDoubleVector(), 0.0, name);
        }

        // Switched off: no more reports.
        spark.onStepTiming(null);
        spark.fit(data, 3, 1);
        assertEquals(records.size(), timings.size());
    }
}

package io.github.branchwise.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.runtime.LossWeighting;
import io.github.branchwise.runtime.Losses;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.training.Checkpoints;
import io.github.branchwise.runtime.training.FitConfig;
import io.github.branchwise.runtime.training.History;
import io.github.branchwise.runtime.training.Trainer;
import io.github.branchwise.runtime.training.TrainingEvent;
import io.github.branchwise.runtime.training.TrainingListener;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.api.java.JavaRDD;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Local SGD on {@code local[2]} against one process: with one partition and one local step it is synchronous
 * training step for step (Adam's state travels both ways, so any loss of it shows); with two partitions of 6 rows and
 * two local steps of 3 rows, FIXED weights and plain SGD, each round ends at the average of two independent
 * one-process runs of two steps, one on each partition's rows, from the previous average.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LocalSgdTest {
    private static SparkTrunkTrainingModel model(LossWeighting weighting, IUpdater updater) {
        return SparkTrunkTrainingModel.create(TrainingOptions.builder().seed(5).updater(updater)
                .weighting(weighting).dataType(DataType.DOUBLE).build());
    }

    private static INDArray stack(List<Example> rows, boolean input, int index) {
        double[][] values = new double[rows.size()][];
        for (int r = 0; r < rows.size(); r++) {
            float[] v = input ? rows.get(r).inputs()[index] : rows.get(r).targets()[index];
            values[r] = new double[v.length];
            for (int i = 0; i < v.length; i++) {
                values[r][i] = v[i];
            }
        }
        return Nd4j.createFromArray(values);
    }

    private static Losses fit(Trainer trainer, List<Example> rows) {
        return trainer.fit(new INDArray[] {stack(rows, true, 0)},
                new INDArray[] {stack(rows, false, 0), stack(rows, false, 1)});
    }

    @Test
    void onePartitionAndOneLocalStepIsSynchronousTrainingExactly() {
        List<Example> examples = SparkTrainerTest.examples(13, 17);
        SparkTrunkTrainingModel local = model(LossWeighting.uncertainty(), new Adam(0.05));
        List<SparkTrainer.RoundRecord> rounds = SparkTrainer.of(LocalSpark.context(), local)
                .fitLocal(LocalSpark.context().parallelize(examples, 1), 3, 1, 2);

        Trainer reference = model(LossWeighting.uncertainty(), new Adam(0.05)).trainer();
        List<Losses> losses = new ArrayList<>();
        for (int epoch = 0; epoch < 2; epoch++) {
            for (int from = 0; from < 13; from += 3) {
                losses.add(fit(reference, examples.subList(from, Math.min(13, from + 3))));
            }
            reference.endEpoch();
        }
        assertEquals(10, rounds.size());
        for (int r = 0; r < rounds.size(); r++) {
            assertEquals(1, rounds.get(r).localSteps());
            assertEquals(r, rounds.get(r).step());
            assertArrayEquals(losses.get(r).branchLosses(), rounds.get(r).losses().branchLosses(), 0, "round " + r);
        }
        Map<String, INDArray> expected = reference.parameters();
        Map<String, INDArray> actual = local.trainer().parameters();
        assertEquals(expected.keySet(), actual.keySet());
        for (String name : expected.keySet()) {
            // Bit for bit: the replica's state comes back unchanged from an average of one.
            assertArrayEquals(expected.get(name).reshape(-1).toDoubleVector(),
                    actual.get(name).reshape(-1).toDoubleVector(), 0, name);
        }
        assertEquals(10, local.trainer().iteration());
        assertEquals(2, local.trainer().epoch());
    }

    @Test
    void twoPartitionsEndAtTheAverageOfIndependentRunsOnEach() {
        List<Example> examples = SparkTrainerTest.examples(12, 29);
        JavaRDD<Example> data = LocalSpark.context().parallelize(examples, 2);
        List<List<Example>> partitions = data.glom().collect();
        assertEquals(List.of(6, 6), partitions.stream().map(List::size).toList());
        SparkTrunkTrainingModel local = model(LossWeighting.fixed(0.7, 0.3), new Sgd(0.1));
        List<SparkTrainer.RoundRecord> rounds = SparkTrainer.of(LocalSpark.context(), local)
                .fitLocal(data, 3, 2, 2);

        // By hand: two one-process trainers, each taking two SGD steps on its partition's rows from the common
        // start, then both set to the average of their parameters; once an epoch (one round), twice.
        Trainer a = model(LossWeighting.fixed(0.7, 0.3), new Sgd(0.1)).trainer();
        Trainer b = model(LossWeighting.fixed(0.7, 0.3), new Sgd(0.1)).trainer();
        Map<String, INDArray> average = null;
        for (int round = 0; round < 2; round++) {
            double lossSum = 0;
            for (int from = 0; from < 6; from += 3) {
                lossSum += fit(a, partitions.get(0).subList(from, from + 3)).branchLoss(0) * 3;
                lossSum += fit(b, partitions.get(1).subList(from, from + 3)).branchLoss(0) * 3;
            }
            average = new LinkedHashMap<>();
            Map<String, INDArray> pa = a.parameters();
            Map<String, INDArray> pb = b.parameters();
            for (String name : pa.keySet()) {
                average.put(name, pa.get(name).add(pb.get(name)).divi(2));
            }
            a.setParameters(average);
            b.setParameters(average);
            assertEquals(lossSum / 12, rounds.get(round).losses().branchLoss(0), 1e-12, "round " + round);
            assertEquals(2, rounds.get(round).localSteps());
            assertEquals(12, rounds.get(round).examples());
        }
        Map<String, INDArray> actual = local.trainer().parameters();
        assertEquals(average.keySet(), actual.keySet());
        for (String name : average.keySet()) {
            assertArrayEquals(average.get(name).reshape(-1).toDoubleVector(),
                    actual.get(name).reshape(-1).toDoubleVector(), 1e-15, name);
        }
        assertEquals(4, local.trainer().iteration());
        assertEquals(2, local.trainer().epoch());
    }

    @Test
    void strategiesWithJavaStateAreRefusedBeforeAnyJob() {
        for (LossWeighting weighting : List.of(LossWeighting.dwa(), LossWeighting.gradNorm())) {
            SparkTrunkTrainingModel model = model(weighting, new Sgd(0.1));
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> SparkTrainer.of(LocalSpark.context(), model)
                            .fitLocal(LocalSpark.context().parallelize(SparkTrainerTest.examples(6, 3), 2), 3, 2, 1));
            assertTrue(e.getMessage().contains("keeps state of its own in Java"), e.getMessage());
            // Thrown on the driver: a task's failure would come back wrapped around Spark's exception.
            assertEquals(null, e.getCause(), "refused before any job");
            assertEquals(0, model.trainer().iteration());
        }
    }

    @Test
    void theFittingLoopRunsTheSameRoundsWithHistoryValidationAndCheckpoints(@TempDir Path directory) throws Exception {
        // 13 rows in partitions of 6 and 7, rounds of 2 local steps of 2 rows: 2 rounds an epoch (4 rows, then the
        // rest), so the second round of an epoch is partial in one partition.
        List<Example> examples = SparkTrainerTest.examples(13, 31);
        List<Example> checks = SparkTrainerTest.examples(5, 37);
        JavaRDD<Example> data = LocalSpark.context().parallelize(examples, 2);
        JavaRDD<Example> validation = LocalSpark.context().parallelize(checks, 2);
        LossWeighting weighting = LossWeighting.uncertainty();

        SparkTrunkTrainingModel plain = model(weighting, new Adam(0.05));
        List<SparkTrainer.RoundRecord> rounds = SparkTrainer.of(LocalSpark.context(), plain).fitLocal(data, 2, 2, 3);

        SparkTrunkTrainingModel looped = model(weighting, new Adam(0.05));
        FitConfig config = FitConfig.builder().epochs(3).silent().defaultMetrics(false).build();
        History history = SparkTrainer.of(LocalSpark.context(), looped)
                .fitLocal(looped.fitting(), data, validation, 2, 2, config);

        assertEquals(rounds.size(), history.stepCount());
        assertEquals(3, history.epochCount());
        for (int r = 0; r < rounds.size(); r++) {
            assertEquals(rounds.get(r).losses().total(), history.step(r).get("total"), 1e-12, "round " + r);
            assertEquals(rounds.get(r).step() + rounds.get(r).localSteps() - 1, history.step(r).get("step"), 0);
        }
        OneProcess.assertSameParameters(plain.trainer().parameters(), looped.trainer().parameters(), 1e-12);
        assertEquals(plain.trainer().iteration(), looped.trainer().iteration());
        // The last epoch's validation is the averaged model's losses over every validation row.
        Losses final_ = looped.trainer().evaluate(new INDArray[] {stack(checks, true, 0)},
                new INDArray[] {stack(checks, false, 0), stack(checks, false, 1)});
        assertEquals(final_.total(), history.epoch(2).get("val_total"), 1e-10);

        // A driver that dies after its fourth round resumes from the checkpoint the third round passed (every 2 steps:
        // each round of 2 steps passes one) and ends as the uninterrupted run.
        Path saved = directory.resolve("checkpoints");
        TrainingListener crash = new TrainingListener() {
            private int calls;

            @Override
            public void onStepEnd(TrainingEvent event) {
                if (++calls == 4) {
                    throw new IllegalStateException("driver lost");
                }
            }
        };
        SparkTrunkTrainingModel first = model(weighting, new Adam(0.05));
        FitConfig withCheckpoints = FitConfig.builder().epochs(3).silent().defaultMetrics(false)
                .checkpoints(Checkpoints.to(saved).everySteps(2).keepLast(10).withStepHistory(true)).build();
        FitConfig crashing = FitConfig.builder().epochs(3).silent().defaultMetrics(false)
                .checkpoints(Checkpoints.to(saved).everySteps(2).keepLast(10).withStepHistory(true))
                .listener(crash).build();
        assertThrows(IllegalStateException.class, () -> SparkTrainer.of(LocalSpark.context(), first)
                .fitLocal(first.fitting(), data, validation, 2, 2, crashing));
        SparkTrunkTrainingModel restarted = SparkTrunkTrainingModel.resumeLatest(saved).orElseThrow();
        assertEquals(history.step(2).get("step") + 1, restarted.trainer().iteration());
        History resumed = SparkTrainer.of(LocalSpark.context(), restarted)
                .fitLocal(restarted.fitting(), data, validation, 2, 2, withCheckpoints);
        OneProcess.assertSameParameters(looped.trainer().parameters(), restarted.trainer().parameters(), 0);
        assertEquals(history.stepCount(), resumed.stepCount());
        for (int e = 0; e < history.epochCount(); e++) {
            assertEquals(history.epoch(e), resumed.epoch(e), "epoch " + e);
        }
    }

    @Test
    void metricsAreRefusedForRounds() {
        JavaRDD<Example> data = LocalSpark.context().parallelize(SparkTrainerTest.examples(8, 3), 2);
        SparkTrunkTrainingModel model = model(LossWeighting.fixed(0.7, 0.3), new Sgd(0.1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SparkTrainer.of(LocalSpark.context(), model).fitLocal(model.fitting(), data, null, 2, 2,
                        FitConfig.builder().epochs(1).silent().build()));
        assertTrue(e.getMessage().contains("defaultMetrics(false)"), e.getMessage());
        assertEquals(0, model.trainer().iteration());
    }
}

package io.github.branchwise.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.runtime.LossWeighting;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.training.Batch;
import io.github.branchwise.runtime.training.Checkpoints;
import io.github.branchwise.runtime.training.DataSource;
import io.github.branchwise.runtime.training.FitConfig;
import io.github.branchwise.runtime.training.History;
import io.github.branchwise.runtime.training.TrainingListener;
import java.nio.file.Path;
import java.util.ArrayList;
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

/**
 * The one-machine training loop ({@code Fitting}: epochs, validation, history, checkpoints) around synchronous
 * steps on {@code local[2]}: the same history and parameters as one process's {@code Fitting} over the concatenated
 * batches (see {@link SparkTrainer}), and a driver restarted from its last checkpoint ends exactly where the
 * uninterrupted run does.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SparkFittingTest {
    private static final int PER_PARTITION = 3;
    /** 13 rows in partitions of 6 and 7: steps of 6, 6 and 1 rows per epoch. */
    private static final List<Example> TRAIN = SparkTrainerTest.examples(13, 17);
    private static final List<Example> VALIDATION = SparkTrainerTest.examples(5, 23);

    private static SparkTrunkTrainingModel model(LossWeighting weighting) {
        return SparkTrunkTrainingModel.create(TrainingOptions.builder().seed(5).updater(new Adam(0.05))
                .weighting(weighting).dataType(DataType.DOUBLE).build());
    }

    private static FitConfig.Builder config(long epochs) {
        return FitConfig.builder().epochs(epochs).silent().defaultMetrics(false);
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

    private static Batch batch(List<Example> rows) {
        return new Batch(new INDArray[] {stack(rows, true, 0)},
                new INDArray[] {stack(rows, false, 0), stack(rows, false, 1)});
    }

    /** One epoch's global batches: step s concatenates rows [3s, 3s + 3) of each partition, in partition order. */
    private static List<Batch> oneMachineBatches(List<List<Example>> partitions) {
        List<Batch> batches = new ArrayList<>();
        for (int from = 0; from < 7; from += PER_PARTITION) {
            List<Example> rows = new ArrayList<>();
            for (List<Example> partition : partitions) {
                rows.addAll(partition.subList(Math.min(from, partition.size()),
                        Math.min(from + PER_PARTITION, partition.size())));
            }
            batches.add(batch(rows));
        }
        return batches;
    }

    private static void assertSameRows(List<Map<String, Double>> expected, List<Map<String, Double>> actual,
                                       double tolerance, String what) {
        assertEquals(expected.size(), actual.size(), what + " rows");
        for (int r = 0; r < expected.size(); r++) {
            assertEquals(expected.get(r).keySet(), actual.get(r).keySet(), what + " row " + r + " columns");
            for (String column : expected.get(r).keySet()) {
                assertEquals(expected.get(r).get(column), actual.get(r).get(column), tolerance,
                        what + " row " + r + " column " + column);
            }
        }
    }


    private static List<Map<String, Double>> epochs(History history) {
        List<Map<String, Double>> rows = new ArrayList<>();
        for (int i = 0; i < history.epochCount(); i++) {
            rows.add(history.epoch(i));
        }
        return rows;
    }

    private static List<Map<String, Double>> steps(History history) {
        List<Map<String, Double>> rows = new ArrayList<>();
        for (int i = 0; i < history.stepCount(); i++) {
            rows.add(history.step(i));
        }
        return rows;
    }

    @Test
    void theHistoryEqualsOneMachineFittingWithValidation() {
        for (LossWeighting weighting : List.of(LossWeighting.uncertainty(), LossWeighting.dwa(2.0))) {
            JavaRDD<Example> data = LocalSpark.context().parallelize(TRAIN, 2);
            JavaRDD<Example> validation = LocalSpark.context().parallelize(VALIDATION, 2);
            SparkTrunkTrainingModel distributed = model(weighting);
            History spark = SparkTrainer.of(LocalSpark.context(), distributed)
                    .fit(distributed.fitting(), data, validation, PER_PARTITION, config(3).build());

            SparkTrunkTrainingModel reference = model(weighting);
            Batch all = batch(VALIDATION);
            History one = reference.fitting().fit(DataSource.batches(oneMachineBatches(data.glom().collect())),
                    config(3).validation(all.inputs(), all.targets(), 2).build());

            assertEquals(3, spark.epochCount());
            assertEquals(9, spark.stepCount());
            assertTrue(spark.epoch(0).containsKey("val_reg_loss"), spark.epoch(0).toString());
            assertSameRows(epochs(one), epochs(spark), 1e-10, weighting.weighting() + " epochs");
            assertSameRows(steps(one), steps(spark), 1e-10, weighting.weighting() + " steps");
            OneProcess.assertSameParameters(reference.trainer().parameters(), distributed.trainer().parameters(), 1e-10);
        }
    }

    @Test
    void aDriverRestartedFromItsLastCheckpointEndsAsTheUninterruptedRun(@TempDir Path directory) throws Exception {
        LossWeighting weighting = LossWeighting.dwa(2.0);
        JavaRDD<Example> data = LocalSpark.context().parallelize(TRAIN, 2);
        JavaRDD<Example> validation = LocalSpark.context().parallelize(VALIDATION, 2);

        SparkTrunkTrainingModel uninterrupted = model(weighting);
        History whole = SparkTrainer.of(LocalSpark.context(), uninterrupted)
                .fit(uninterrupted.fitting(), data, validation, PER_PARTITION, config(3).build());

        // The driver dies after step 5 (inside the second epoch); the last checkpoint is step 4's.
        Path checkpoints = directory.resolve("checkpoints");
        TrainingListener crash = new TrainingListener() {
            @Override
            public void onStepEnd(io.github.branchwise.runtime.training.TrainingEvent event) {
                if (event.steps() == 5) {
                    throw new IllegalStateException("driver lost");
                }
            }
        };
        SparkTrunkTrainingModel first = model(weighting);
        FitConfig withCrash = config(3).checkpoints(Checkpoints.to(checkpoints).everySteps(2).keepLast(10)
                .withStepHistory(true)).listener(crash).build();
        IllegalStateException lost = assertThrows(IllegalStateException.class, () -> SparkTrainer
                .of(LocalSpark.context(), first).fit(first.fitting(), data, validation, PER_PARTITION, withCrash));
        assertEquals("driver lost", lost.getMessage());

        SparkTrunkTrainingModel restarted = SparkTrunkTrainingModel.resumeLatest(checkpoints).orElseThrow();
        assertEquals(4, restarted.trainer().iteration());
        assertEquals(1, restarted.trainer().epoch());
        History resumed = SparkTrainer.of(LocalSpark.context(), restarted).fit(restarted.fitting(), data, validation,
                PER_PARTITION, config(3).checkpoints(Checkpoints.to(checkpoints).everySteps(2).keepLast(10)
                        .withStepHistory(true)).build());

        assertEquals(9, restarted.trainer().iteration());
        assertSameRows(epochs(whole), epochs(resumed), 0, "epochs");
        assertSameRows(steps(whole), steps(resumed), 0, "steps");
        OneProcess.assertSameParameters(uninterrupted.trainer().parameters(), restarted.trainer().parameters(), 0);
        assertArrayEquals(uninterrupted.trainer().weights(), restarted.trainer().weights(), 0);
    }

    /** Mean absolute output, a custom metric that Spark can ship (its function is Serializable). */
    private static final io.github.branchwise.runtime.training.Metric MEAN_OUTPUT =
            io.github.branchwise.runtime.training.Metric.of("mean_output",
                    (java.util.function.BiFunction<INDArray, INDArray, Double> & java.io.Serializable)
                            (prediction, target) -> prediction.dup().castTo(DataType.DOUBLE).amean().getDouble(0));

    @Test
    void metricsOnTheExecutorsEqualOneMachineFitting() {
        // The built-in metrics of both branches (regression: mae, rmse; binary: accuracy, bce) and a custom one,
        // measured on the shards' training outputs and on the validation rows, summed as tallies.
        JavaRDD<Example> data = LocalSpark.context().parallelize(TRAIN, 2);
        JavaRDD<Example> validation = LocalSpark.context().parallelize(VALIDATION, 2);
        SparkTrunkTrainingModel distributed = model(LossWeighting.uncertainty());
        FitConfig.Builder withMetrics = config(2).defaultMetrics(true).metric("bin", MEAN_OUTPUT);
        History spark = SparkTrainer.of(LocalSpark.context(), distributed)
                .fit(distributed.fitting(), data, validation, PER_PARTITION, withMetrics.build());

        SparkTrunkTrainingModel reference = model(LossWeighting.uncertainty());
        Batch all = batch(VALIDATION);
        History one = reference.fitting().fit(DataSource.batches(oneMachineBatches(data.glom().collect())),
                config(2).defaultMetrics(true).metric("bin", MEAN_OUTPUT)
                        .validation(all.inputs(), all.targets(), 2).build());

        for (String column : List.of("reg_mae", "bin_accuracy", "bin_mean_output", "val_reg_mae",
                "val_bin_accuracy", "val_bin_mean_output")) {
            assertTrue(spark.epoch(0).containsKey(column), column + " in " + spark.epoch(0).keySet());
        }
        assertSameRows(epochs(one), epochs(spark), 1e-10, "epochs with metrics");
        assertSameRows(steps(one), steps(spark), 1e-10, "steps with metrics");
    }

    @Test
    void aMetricSparkCannotShipAndAForeignFittingAreRefused() {
        JavaRDD<Example> data = LocalSpark.context().parallelize(TRAIN, 2);
        SparkTrunkTrainingModel model = model(LossWeighting.fixed(1, 1));
        SparkTrainer trainer = SparkTrainer.of(LocalSpark.context(), model);
        io.github.branchwise.runtime.training.Metric local = io.github.branchwise.runtime.training.Metric.of(
                "local", (prediction, target) -> 0.0);
        IllegalArgumentException metrics = assertThrows(IllegalArgumentException.class,
                () -> trainer.fit(model.fitting(), data, null, PER_PARTITION, config(1).metric("reg", local)
                        .build()));
        assertTrue(metrics.getMessage().contains("metric 'local' of branch 'reg'")
                && metrics.getMessage().contains("not Serializable"), metrics.getMessage());
        IllegalArgumentException foreign = assertThrows(IllegalArgumentException.class,
                () -> trainer.fit(model(LossWeighting.fixed(1, 1)).fitting(), data, null, PER_PARTITION,
                        config(1).build()));
        assertTrue(foreign.getMessage().contains("another trainer"), foreign.getMessage());
        assertEquals(0, model.trainer().iteration(), "nothing was trained");
    }
}

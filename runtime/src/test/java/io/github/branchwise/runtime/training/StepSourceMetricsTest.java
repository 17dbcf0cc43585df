package io.github.branchwise.runtime.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.Activation;
import io.github.branchwise.runtime.Layers;
import io.github.branchwise.runtime.Losses;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.WeightingSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Metrics of steps computed elsewhere ({@link StepSource#measures()}): a source that computes each step as two shards
 * ({@link Trainer#contribute(INDArray[], INDArray[], Map)} on each, the sum applied) and validates with
 * {@link Trainer#evaluate(INDArray[], INDArray[], Map)} gives the history one machine's {@link Fitting} gives, metric
 * columns included; a source that does not measure, or leaves a column out, is refused.
 */
class StepSourceMetricsTest {
    private static final Random RANDOM = new Random(9);
    private static final int ROWS = 12;
    private static final INDArray X = values(ROWS, 3, false);
    private static final INDArray Y_REG = values(ROWS, 1, false);
    private static final INDArray Y_BIN = values(ROWS, 2, true);
    private static final INDArray VX = values(5, 3, false);
    private static final INDArray VY_REG = values(5, 1, false);
    private static final INDArray VY_BIN = values(5, 2, true);
    /** Batches of 5, 5 and 2 rows: the last epoch step is partial. */
    private static final int[][] BATCHES = {{0, 5}, {5, 10}, {10, 12}};

    private static INDArray values(int rows, int columns, boolean binary) {
        double[][] v = new double[rows][columns];
        for (double[] row : v) {
            for (int c = 0; c < columns; c++) {
                double u = RANDOM.nextDouble();
                row[c] = binary ? (u < 0.5 ? 0 : 1) : (u - 0.5) * 3;
            }
        }
        return Nd4j.createFromArray(v);
    }

    private static Trainer trainer() {
        ModelSpec spec = ModelSpec.builder("test.MeasuredTrunk")
                .input("x", 3)
                .branch("reg", new long[] {1}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .branch("bin", new long[] {2}, Loss.BINARY_CROSSENTROPY, 1.0)
                .weighting(WeightingSpec.uncertainty())
                .graph(scope -> {
                    Layers trunk = scope.layers("trunk");
                    SDVariable h = trunk.dense(scope.input("x"), 4, Activation.TANH);
                    scope.output("reg", scope.layers("reg").dense(h, 1));
                    scope.output("bin", scope.layers("bin").dense(h, 2, Activation.SIGMOID));
                })
                .build();
        return Trainer.create(spec, TrainingOptions.builder().seed(3).updater(new Adam(0.05))
                .dataType(DataType.DOUBLE).build());
    }

    private static INDArray rows(INDArray array, int from, int to) {
        return array.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).dup();
    }

    /** Each step in two shards (the first row of the batch, then the rest), contributed and applied. */
    private static StepSource shardedSource(Trainer trainer, boolean measures, String dropColumn) {
        return new StepSource() {
            @Override
            public long stepsInEpoch(long epoch) {
                return BATCHES.length;
            }

            @Override
            public Outcome step(long epoch, long index) {
                return step(epoch, index, Map.of());
            }

            @Override
            public boolean measures() {
                return measures;
            }

            @Override
            public Outcome step(long epoch, long index, Map<String, List<Metric>> metrics) {
                int from = BATCHES[(int) index][0];
                int to = BATCHES[(int) index][1];
                trainer.beginStep();
                MeasuredContribution total = null;
                for (int[] shard : new int[][] {{from, from + 1}, {from + 1, to}}) {
                    total = MeasuredContribution.sum(total, trainer.contribute(
                            new INDArray[] {rows(X, shard[0], shard[1])},
                            new INDArray[] {rows(Y_REG, shard[0], shard[1]), rows(Y_BIN, shard[0], shard[1])},
                            metrics));
                }
                Losses losses = trainer.applyStep(total.contribution());
                Map<String, Tally> tallies = new java.util.LinkedHashMap<>(total.tallies());
                tallies.remove(dropColumn);
                return new Outcome(losses, to - from, tallies);
            }

            @Override
            public boolean validates() {
                return true;
            }

            @Override
            public Outcome validate(long epoch) {
                return validate(epoch, Map.of());
            }

            @Override
            public Outcome validate(long epoch, Map<String, List<Metric>> metrics) {
                MeasuredLosses measured = trainer.evaluate(new INDArray[] {VX}, new INDArray[] {VY_REG, VY_BIN},
                        metrics);
                return new Outcome(measured.losses(), 5, measured.tallies());
            }
        };
    }

    private static List<Batch> batches() {
        List<Batch> batches = new ArrayList<>();
        for (int[] b : BATCHES) {
            batches.add(new Batch(new INDArray[] {rows(X, b[0], b[1])},
                    new INDArray[] {rows(Y_REG, b[0], b[1]), rows(Y_BIN, b[0], b[1])}));
        }
        return batches;
    }

    private static FitConfig.Builder config() {
        return FitConfig.builder().epochs(2).silent().defaultMetrics(true);
    }

    @Test
    void measuredShardsGiveOneMachinesHistory() {
        Trainer sharded = trainer();
        History distributed = Fitting.of(sharded).fit(shardedSource(sharded, true, null), config().build());
        Trainer whole = trainer();
        History one = Fitting.of(whole).fit(DataSource.batches(batches()),
                config().validation(new INDArray[] {VX}, new INDArray[] {VY_REG, VY_BIN}, 5).build());
        assertEquals(one.epochCount(), distributed.epochCount());
        for (int e = 0; e < one.epochCount(); e++) {
            assertEquals(one.epoch(e).keySet(), distributed.epoch(e).keySet());
            assertTrue(one.epoch(e).containsKey("bin_accuracy") && one.epoch(e).containsKey("val_reg_mae"),
                    one.epoch(e).keySet().toString());
            for (String column : one.epoch(e).keySet()) {
                assertEquals(one.epoch(e).get(column), distributed.epoch(e).get(column), 1e-12,
                        "epoch " + e + " " + column);
            }
        }
        for (int s = 0; s < one.stepCount(); s++) {
            for (String column : one.step(s).keySet()) {
                assertEquals(one.step(s).get(column), distributed.step(s).get(column), 1e-12,
                        "step " + s + " " + column);
            }
        }
    }

    @Test
    void aSourceThatDoesNotMeasureIsRefusedWithMetrics() {
        Trainer trainer = trainer();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Fitting.of(trainer).fit(shardedSource(trainer, false, null), config().build()));
        assertTrue(e.getMessage().contains("do not measure") && e.getMessage().contains("defaultMetrics(false)"),
                e.getMessage());
        assertEquals(0, trainer.iteration());
        // Without metrics the same source trains.
        Fitting.of(trainer).fit(shardedSource(trainer, false, null), config().defaultMetrics(false).build());
        assertEquals(6, trainer.iteration());
    }

    @Test
    void aMeasuredColumnLeftOutIsNamed() {
        Trainer trainer = trainer();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Fitting.of(trainer).fit(shardedSource(trainer, true, "bin_accuracy"), config().build()));
        assertTrue(e.getMessage().contains("measured no 'bin_accuracy' in a step"), e.getMessage());
    }
}

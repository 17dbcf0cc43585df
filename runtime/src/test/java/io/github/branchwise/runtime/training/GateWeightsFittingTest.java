package io.github.branchwise.runtime.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.engine.ArchitectureModels;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.WeightingSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * The gate weights in the history: per step the batch mean of each expert's softmax weight, per epoch their mean over
 * the epoch's examples, in columns {@code <gate>_<group>_<k>}; through CSV, checkpoints and resume.
 */
class GateWeightsFittingTest {
    /**
     * Input {@code x[2]}; groups {@code own} (1 expert) and {@code shared} (2), each Dense(1); gate {@code g} over
     * both driven by {@code x}; the branch {@code y} is the gate's output, MSE.
     */
    private static final ModelSpec TINY = ModelSpec.builder("test.TinyGate")
            .input("x", 2)
            .branch("y", new long[] {1}, Loss.MEAN_SQUARED_ERROR, 1.0)
            .weighting(WeightingSpec.fixed(1.0))
            .graph(scope -> {
                SDVariable x = scope.input("x");
                scope.experts("own", 1, x, (nn, in) -> nn.dense(in, 1));
                scope.experts("shared", 2, x, (nn, in) -> nn.dense(in, 1));
                scope.output("y", scope.gate("g", List.of("own", "shared"), x));
            })
            .build();

    @Test
    void stepAndEpochColumnsHoldTheSoftmaxWorkedOutByHand() {
        // A learning rate of 0 keeps the gate where it started, so that every step's weights follow from one W, b.
        Trainer trainer = Trainer.create(TINY, TrainingOptions.builder().dataType(DataType.DOUBLE).seed(6)
                .updater(new Sgd(0.0)).build());
        double[][] w = trainer.parameterValues().get("g/W").toDoubleMatrix();
        // A bias that is not zero, so that the hand computation covers it.
        trainer.setParameters(Map.of("g/b", Nd4j.createFromArray(0.3, -0.2, 0.1)));
        double[] b = {0.3, -0.2, 0.1};
        double[][] x = {{0.5, -1.0}, {1.5, 0.25}, {-0.75, 2.0}, {0.1, 0.2}, {-1.0, -0.5}};
        INDArray inputs = Nd4j.createFromArray(x);
        INDArray targets = Nd4j.zeros(DataType.DOUBLE, 5, 1);
        // Batches of 3 and 2, in this order (arrays would be shuffled): the epoch value weighs the steps by their
        // examples.
        List<Batch> batches = List.of(
                new Batch(new INDArray[] {inputs.get(NDArrayIndex.interval(0, 3))},
                        new INDArray[] {targets.get(NDArrayIndex.interval(0, 3))}),
                new Batch(new INDArray[] {inputs.get(NDArrayIndex.interval(3, 5))},
                        new INDArray[] {targets.get(NDArrayIndex.interval(3, 5))}));
        History history = Fitting.of(trainer).fit(DataSource.batches(batches),
                FitConfig.builder().epochs(1).silent().build());

        double[][] g = new double[5][];
        for (int i = 0; i < 5; i++) {
            double[] logits = new double[3];
            for (int e = 0; e < 3; e++) {
                logits[e] = x[i][0] * w[0][e] + x[i][1] * w[1][e] + b[e];
            }
            double max = Math.max(logits[0], Math.max(logits[1], logits[2]));
            double sum = 0;
            g[i] = new double[3];
            for (int e = 0; e < 3; e++) {
                g[i][e] = Math.exp(logits[e] - max);
                sum += g[i][e];
            }
            for (int e = 0; e < 3; e++) {
                g[i][e] /= sum;
            }
        }
        List<String> columns = List.of("g_own_0", "g_shared_0", "g_shared_1");
        assertTrue(history.stepColumns().containsAll(columns), history.stepColumns().toString());
        assertTrue(history.epochColumns().containsAll(columns), history.epochColumns().toString());
        for (int e = 0; e < 3; e++) {
            double first = (g[0][e] + g[1][e] + g[2][e]) / 3;
            double second = (g[3][e] + g[4][e]) / 2;
            double[] steps = history.stepValues(columns.get(e));
            assertEquals(first, steps[0], 1e-12, columns.get(e) + ", step 0");
            assertEquals(second, steps[1], 1e-12, columns.get(e) + ", step 1");
            double epoch = (g[0][e] + g[1][e] + g[2][e] + g[3][e] + g[4][e]) / 5;
            assertEquals(epoch, history.epochValues(columns.get(e))[0], 1e-12, columns.get(e) + ", epoch");
        }
        GateWeights read = GateWeights.of(history.epoch(0), "g", List.of("own", "shared"), List.of(1, 2));
        assertEquals("g", read.gate());
        assertEquals(history.epochValues("g_shared_1")[0], read.weight("shared", 1), 0.0);
        assertArrayEquals(new double[] {history.epochValues("g_shared_0")[0], history.epochValues("g_shared_1")[0]},
                read.group("shared"), 0.0);
        assertEquals(columns, List.copyOf(read.asMap().keySet()));
        assertEquals(1.0, read.asMap().values().stream().mapToDouble(Double::doubleValue).sum(), 1e-12);
        assertTrue(read.toString().startsWith("g[own: "), read.toString());
        assertThrows(IllegalArgumentException.class, () -> read.weight("shared", 2));
        assertThrows(IllegalArgumentException.class, () -> read.group("other"));
        assertThrows(IllegalArgumentException.class, () -> GateWeights.of(history.epoch(0), "h", List.of("own"),
                List.of(1)));
    }

    @Test
    void everyGateOfPleAddsUpToOnePerEpochAndValidationRecordsNone(@TempDir Path dir) throws Exception {
        ModelSpec spec = ArchitectureModels.ple(WeightingSpec.uncertainty());
        INDArray[][] train = data(spec, 24, 1);
        INDArray[][] validation = data(spec, 8, 2);
        Fitting fitting = Fitting.of(Trainer.create(spec, TrainingOptions.builder().seed(3)
                .updater(new Adam(0.02)).build()));
        History history = fitting.fit(DataSource.arrays(train[0], train[1], 8), FitConfig.builder().epochs(3)
                .silent().validation(validation[0], validation[1], 4).build());
        Map<String, List<String>> gates = Map.of(
                "clickGate1", List.of("click1_0", "click1_1", "shared1_0", "shared1_1"),
                "conversionGate1", List.of("conversion1_0", "conversion1_1", "shared1_0", "shared1_1"),
                "sharedGate1", List.of("shared1_0", "shared1_1", "click1_0", "click1_1", "conversion1_0",
                        "conversion1_1"),
                "clickGate2", List.of("click2_0", "click2_1", "shared2_0", "shared2_1"),
                "conversionGate2", List.of("conversion2_0", "conversion2_1", "shared2_0", "shared2_1"));
        for (int epoch = 0; epoch < 3; epoch++) {
            Map<String, Double> row = history.epoch(epoch);
            gates.forEach((gate, experts) -> {
                double sum = 0;
                for (String expert : experts) {
                    sum += row.get(gate + "_" + expert);
                }
                assertEquals(1.0, sum, 1e-6, gate);
            });
        }
        assertTrue(history.epochColumns().stream().noneMatch(c -> c.startsWith("val_") && c.contains("Gate")),
                history.epochColumns().toString());
        Path csv = dir.resolve("history.csv");
        history.writeCsv(csv);
        String header = Files.readAllLines(csv).get(0);
        assertTrue(header.contains("clickGate1_click1_0") && header.contains("conversionGate2_shared2_1"), header);
        history.plotLosses(dir.resolve("losses.png"));
        history.plotWeights(dir.resolve("weights.png"));
        assertTrue(Files.size(dir.resolve("weights.png")) > 0);
    }

    @Test
    void resumingAGateModelContinuesExactly(@TempDir Path dir) throws Exception {
        ModelSpec spec = ArchitectureModels.mmoe(WeightingSpec.dwa(2.0));
        INDArray[][] train = data(spec, 20, 4);
        DataSource source = DataSource.arrays(train[0], train[1], 8);
        FitConfig.Builder config = FitConfig.builder().epochs(3).silent();
        Fitting uninterrupted = Fitting.of(Trainer.create(spec, TrainingOptions.builder().seed(5)
                .updater(new Adam(0.02)).build()));
        History expected = uninterrupted.fit(source, config.checkpoints(Checkpoints.to(dir.resolve("full"))
                .everySteps(4).everyEpochs(0).keepLast(0).withStepHistory(true)).build());
        // Step 4 lies inside epoch 2 (3 steps an epoch): the epoch's running gate sums must come back.
        Path checkpoint = Checkpoints.list(dir.resolve("full")).get(0);
        Fitting resumed = Fitting.resume(spec, checkpoint);
        History actual = resumed.fit(source, FitConfig.builder().epochs(3).silent().build());
        assertEquals(expected.epochColumns(), actual.epochColumns());
        for (int i = 0; i < expected.epochCount(); i++) {
            assertEquals(expected.epoch(i), actual.epoch(i), "epoch " + (i + 1));
        }
        assertTrue(expected.epochColumns().contains("clickGate_expert_2"), expected.epochColumns().toString());
    }

    private static INDArray[][] data(ModelSpec spec, int n, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray[] inputs = {Nd4j.rand(DataType.FLOAT, n, 5).subi(0.5)};
        INDArray[] targets = new INDArray[spec.branches().size()];
        targets[0] = Nd4j.rand(DataType.FLOAT, n, 1).gt(0.5).castTo(DataType.FLOAT);
        targets[1] = Nd4j.rand(DataType.FLOAT, n, 2);
        return new INDArray[][] {inputs, targets};
    }
}

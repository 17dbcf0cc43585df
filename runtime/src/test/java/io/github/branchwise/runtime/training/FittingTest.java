package io.github.branchwise.runtime.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ModelSpec;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;

/** One run over epochs: history, CSV, charts, progress, listeners, early stopping and learning-rate schedules. */
class FittingTest {
    private static final ModelSpec SPEC = TrainingModels.mapAndClass();
    private static INDArray[][] train;
    private static INDArray[][] validation;
    private static Fitting fitting;
    private static History history;
    private static String printed;

    @BeforeAll
    static void trainOnce() {
        train = TrainingModels.mapAndClassData(40, 11);
        validation = TrainingModels.mapAndClassData(12, 12);
        Trainer trainer = Trainer.create(SPEC, TrainingOptions.builder().seed(3).updater(new Adam(0.01)).build());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        fitting = Fitting.of(trainer);
        history = fitting.fit(DataSource.arrays(train[0], train[1], 16), FitConfig.builder()
                .epochs(3)
                .validation(validation[0], validation[1], 5)
                .progress(Progress.LINES)
                .output(new PrintStream(out, true, StandardCharsets.UTF_8))
                .build());
        printed = out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void historyHasEveryStepAndEpochWithEachBranchWeightAndMetric() {
        assertEquals(9, history.stepCount());
        assertEquals(3, history.epochCount());
        assertEquals(List.of("step", "epoch", "batch", "examples", "lr", "total", "map_loss", "map_weight",
                "map_accuracy", "map_bce", "kind_loss", "kind_weight", "kind_accuracy"), history.stepColumns());
        assertEquals(List.of("epoch", "steps", "lr", "total", "map_loss", "map_weight", "map_accuracy", "map_bce",
                "kind_loss", "kind_weight", "kind_accuracy", "val_total", "val_map_loss", "val_map_accuracy",
                "val_map_bce", "val_kind_loss", "val_kind_accuracy"), history.epochColumns());
        assertArrayEquals(new double[] {0, 1, 2, 3, 4, 5, 6, 7, 8}, history.stepValues("step"));
        assertArrayEquals(new double[] {16, 16, 8, 16, 16, 8, 16, 16, 8}, history.stepValues("examples"));
        assertArrayEquals(new double[] {3, 6, 9}, history.epochValues("steps"));
        // An epoch's loss is the example-weighted mean of its steps' losses.
        double[] steps = history.stepValues("map_loss");
        assertEquals((steps[0] * 16 + steps[1] * 16 + steps[2] * 8) / 40, history.epochValues("map_loss")[0],
                1e-12);
        // The trainable weights are α and 1 − α.
        Map<String, Double> last = history.lastEpoch();
        assertEquals(1.0, last.get("map_weight") + last.get("kind_weight"), 1e-6);
        for (String column : history.epochColumns()) {
            for (double v : history.epochValues(column)) {
                assertTrue(Double.isFinite(v), column);
            }
        }
        // Training moved the losses down.
        assertTrue(history.epochValues("total")[2] < history.epochValues("total")[0]);
    }

    @Test
    void validationValuesAreTheLossesAndMetricsOfTheWholeValidationSet() {
        Trainer trainer = fitting.trainer();
        // After training, evaluating the validation set in one batch gives the last epoch's val_ values.
        double[] weights = history.lastEpoch().entrySet().stream().filter(e -> e.getKey().endsWith("_weight"))
                .mapToDouble(Map.Entry::getValue).toArray();
        assertEquals(2, weights.length);
        var all = trainer.evaluateWithOutputs(validation[0], validation[1]);
        Map<String, Double> last = history.lastEpoch();
        assertEquals(all.losses().branchLoss(0), last.get("val_map_loss"), 1e-6);
        assertEquals(all.losses().branchLoss(1), last.get("val_kind_loss"), 1e-6);
        Metric accuracy = Metrics.categoricalAccuracy();
        assertEquals(accuracy.value(accuracy.measure(all.outputs()[1], validation[1][1])),
                last.get("val_kind_accuracy"), 1e-12);
    }

    @Test
    void csvHasOneColumnPerHistoryColumn(@TempDir Path dir) throws Exception {
        Path epochs = dir.resolve("history.csv");
        Path steps = dir.resolve("steps.csv");
        history.writeCsv(epochs);
        history.writeStepsCsv(steps);
        try (Reader reader = Files.newBufferedReader(epochs);
             CSVParser parser = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get()
                     .parse(reader)) {
            assertEquals(history.epochColumns(), parser.getHeaderNames());
            List<CSVRecord> records = parser.getRecords();
            assertEquals(3, records.size());
            assertEquals("3", records.get(2).get("epoch"), "the third epoch, counted from 1");
            assertEquals(history.epochValues("val_kind_loss")[1], Double.parseDouble(records.get(1)
                    .get("val_kind_loss")));
        }
        List<String> lines = Files.readAllLines(steps);
        assertEquals(String.join(",", history.stepColumns()), lines.get(0));
        assertEquals(10, lines.size());
    }

    @Test
    void chartsAreValidPngImagesOfTheAskedSize(@TempDir Path dir) throws Exception {
        Path losses = dir.resolve("losses.png");
        Path weights = dir.resolve("weights.png");
        history.plotLosses(losses, 640, 400);
        history.plotWeights(weights);
        BufferedImage lossImage = ImageIO.read(losses.toFile());
        assertNotNull(lossImage);
        assertEquals(640, lossImage.getWidth());
        assertEquals(400, lossImage.getHeight());
        BufferedImage weightImage = ImageIO.read(weights.toFile());
        assertEquals(800, weightImage.getWidth());
        assertEquals(500, weightImage.getHeight());
    }

    @Test
    void plainLinesOutsideATerminalAndNothingWhenSilent() {
        assertEquals(3, printed.lines().filter(l -> l.startsWith("epoch ")).count(), printed);
        assertTrue(printed.contains("epoch 3/3"), printed);
        assertTrue(printed.contains("val_kind_accuracy"), printed);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Trainer trainer = Trainer.create(SPEC, TrainingOptions.builder().seed(3).build());
        Fitting.of(trainer).fit(DataSource.arrays(train[0], train[1], 20), FitConfig.builder().epochs(1).silent()
                .output(new PrintStream(out, true, StandardCharsets.UTF_8)).build());
        assertEquals(0, out.size());
    }

    @Test
    void listenersSeeEveryStepAndEpochAndCanStopTraining() {
        List<Long> steps = new ArrayList<>();
        List<Long> epochs = new ArrayList<>();
        Trainer trainer = Trainer.create(SPEC, TrainingOptions.builder().seed(3).build());
        History h = Fitting.of(trainer).fit(DataSource.arrays(train[0], train[1], 8), FitConfig.builder()
                .epochs(5).silent()
                .listener(new TrainingListener() {
                    @Override
                    public void onStepEnd(TrainingEvent event) {
                        steps.add(event.steps());
                        assertTrue(event.values().containsKey("kind_loss"));
                        if (event.steps() == 7) {
                            event.stopTraining();
                        }
                    }

                    @Override
                    public void onEpochEnd(TrainingEvent event) {
                        epochs.add(event.epoch());
                    }
                }).build());
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L), steps);
        assertEquals(List.of(1L), epochs, "epochs count from 1");
        assertEquals(7, h.stepCount());
        assertEquals(1, trainer.epoch());
    }

    @Test
    void earlyStoppingWaitsForPatienceThenRestoresTheBestParameters() {
        Trainer trainer = Trainer.create(SPEC, TrainingOptions.builder().seed(3).updater(new Sgd(0.05)).build());
        List<Map<String, INDArray>> parametersByEpoch = new ArrayList<>();
        Fitting f = Fitting.of(trainer);
        // A min delta no change can beat: epoch 0 is the best; as in Keras, a patience of 3 stops training at the end
        // of the third epoch in a row without improvement (epoch 3), not after a fourth.
        History h = f.fit(DataSource.arrays(train[0], train[1], 20), FitConfig.builder().epochs(10).silent()
                .validation(validation[0], validation[1], 12)
                .earlyStopping(EarlyStopping.monitor("val_total").patience(3).minDelta(1e6).restoreBest(true))
                .listener(new TrainingListener() {
                    @Override
                    public void onEpochEnd(TrainingEvent event) {
                        parametersByEpoch.add(event.trainer().parameterValues());
                    }
                }).build());
        assertEquals(4, h.epochCount());
        assertTrue(f.stoppedEarly());
        assertEquals(1, f.bestEpoch());
        trainer.parameterValues().forEach((name, value) -> assertEquals(parametersByEpoch.get(0).get(name), value,
                name));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> Fitting.of(
                Trainer.create(SPEC, TrainingOptions.defaults())).fit(DataSource.arrays(train[0], train[1], 20),
                FitConfig.builder().silent().earlyStopping(EarlyStopping.monitor("val_totl")).build()));
        assertTrue(unknown.getMessage().contains("'val_totl', which is not an epoch column"), unknown.getMessage());
        assertTrue(EarlyStopping.monitor("val_kind_accuracy").maximises());
        assertFalse(EarlyStopping.monitor("val_kind_loss").maximises());
    }

    @Test
    void learningRateSchedulesShowInTheHistory() {
        Trainer trainer = Trainer.create(SPEC, TrainingOptions.builder().seed(3)
                .updater(new Sgd(LearningRates.stepDecay(0.1, 0.5, 1))).build());
        History h = Fitting.of(trainer).fit(DataSource.arrays(train[0], train[1], 20),
                FitConfig.builder().epochs(3).silent().build());
        assertArrayEquals(new double[] {0.1, 0.05, 0.025}, h.epochValues("lr"), 1e-12);
        assertEquals(0.1 * Math.pow(0.96, 5 / 10.0),
                LearningRates.exponentialDecay(0.1, 10, 0.96).valueAt(5, 0), 1e-12);
        assertEquals(0.01, LearningRates.piecewiseConstant(Map.of(0, 0.1, 3, 0.01)).valueAt(0, 4), 1e-12);
    }

    @Test
    void addedMetricsGetTheirColumnsAndUnknownBranchesAreRejected() {
        Trainer trainer = Trainer.create(SPEC, TrainingOptions.defaults());
        History h = Fitting.of(trainer).fit(DataSource.arrays(train[0], train[1], 20), FitConfig.builder().silent()
                .defaultMetrics(false).metric("kind", Metric.of("top", (p, t) -> p.maxNumber().doubleValue()))
                .build());
        assertEquals(List.of("epoch", "steps", "lr", "total", "map_loss", "map_weight", "kind_loss", "kind_weight",
                "kind_top"), h.epochColumns());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Fitting.of(trainer).fit(
                DataSource.arrays(train[0], train[1], 20), FitConfig.builder().silent().epochs(2)
                        .metric("knd", Metrics.meanAbsoluteError()).build()));
        assertTrue(e.getMessage().contains("no such branch; its branches are [map, kind]"), e.getMessage());
    }
}

package example;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.runtime.LossWeighting;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.training.Checkpoints;
import io.github.branchwise.runtime.training.CsvColumns;
import io.github.branchwise.runtime.training.EarlyStopping;
import io.github.branchwise.runtime.training.FitConfig;
import io.github.branchwise.runtime.training.History;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Uses the generated training-over-epochs API of {@link Detector} the way a user writes it, typed, with no
 * reflection; {@code FitApiTest} compiles it with the models and runs each method.
 */
public final class DetectorFits {
    private static final int EXAMPLES = 40;
    private static final int BATCH = 8;

    private DetectorFits() {
    }

    /** Arrays over epochs, with validation: every typed value is the history's, and a second fit continues. */
    public static void arraysTrainOverEpochsAndTypedValuesAreTheHistorys() {
        DetectorTrainingModel model = DetectorTrainingModel.create(options());
        INDArray[] train = data(EXAMPLES, 1);
        INDArray[] val = data(16, 2);
        DetectorHistory history = model.fit(train[0], train[1], train[2], BATCH, quiet(3)
                .validation(DetectorTrainingModel.data(val[0], val[1], val[2], BATCH).shuffle(false))
                .build());
        History raw = history.history();
        List<DetectorEpoch> firstThree = history.epochs();
        assertEquals(3, firstThree.size());
        assertEquals(3 * EXAMPLES / BATCH, history.stepLosses().size());
        // The typed epoch covers every column of the epoch table.
        assertEquals(new TreeSet<>(List.of("epoch", "steps", "lr", "total", "localization_loss",
                "localization_weight", "localization_accuracy", "localization_bce", "classification_loss",
                "classification_weight", "classification_accuracy", "val_total", "val_localization_loss",
                "val_localization_accuracy", "val_localization_bce", "val_classification_loss",
                "val_classification_accuracy")), new TreeSet<>(raw.epochColumns()));
        for (DetectorEpoch epoch : history.epochs()) {
            Map<String, Double> row = raw.epoch((int) epoch.epoch() - 1);
            assertEquals(row.get("epoch"), (double) epoch.epoch());
            assertEquals(row.get("steps"), (double) epoch.steps());
            assertEquals(epoch.epoch() * EXAMPLES / BATCH, epoch.steps());
            assertEquals(0.1, epoch.learningRate(), 1e-12);
            assertEquals(row.get("total"), epoch.losses().total());
            assertEquals(row.get("localization_loss"), epoch.losses().localization());
            assertEquals(row.get("classification_loss"), epoch.losses().classification());
            assertEquals(row.get("localization_weight"), epoch.weights().localization());
            assertEquals(row.get("classification_weight"), epoch.weights().classification());
            assertEquals(row.get("localization_accuracy"), epoch.metrics().localizationAccuracy());
            assertEquals(row.get("localization_bce"), epoch.metrics().localizationBce());
            assertEquals(row.get("classification_accuracy"), epoch.metrics().classificationAccuracy());
            DetectorLosses valLosses = epoch.validationLosses().orElseThrow();
            assertEquals(row.get("val_total"), valLosses.total());
            assertEquals(row.get("val_localization_loss"), valLosses.localization());
            assertEquals(row.get("val_classification_loss"), valLosses.classification());
            DetectorMetrics valMetrics = epoch.validationMetrics().orElseThrow();
            assertEquals(row.get("val_localization_accuracy"), valMetrics.localizationAccuracy());
            assertEquals(row.get("val_localization_bce"), valMetrics.localizationBce());
            assertEquals(row.get("val_classification_accuracy"), valMetrics.classificationAccuracy());
            assertEquals(epoch, DetectorEpoch.of(row), "of(row) reads the same epoch");
        }
        double[] totals = raw.stepValues("total");
        double[] alphas = raw.stepValues("localization_weight");
        double[] accuracies = raw.stepValues("classification_accuracy");
        for (int i = 0; i < totals.length; i++) {
            assertEquals(totals[i], history.stepLosses().get(i).total());
            assertEquals(alphas[i], history.stepWeights().get(i).localization());
            assertEquals(accuracies[i], history.stepMetrics().get(i).classificationAccuracy());
        }

        // The last validation values, by hand from the trained model's predictions.
        DetectorEpoch last = history.lastEpoch().orElseThrow();
        DetectorPrediction prediction = model.predictionModel().predict(val[0]);
        assertEquals(binaryAccuracy(prediction.classification(), val[2]),
                last.validationMetrics().orElseThrow().classificationAccuracy(), 1e-12);
        assertEquals(binaryAccuracy(prediction.localization(), val[1]),
                last.validationMetrics().orElseThrow().localizationAccuracy(), 1e-12);
        DetectorLosses evaluated = model.evaluate(new DetectorBatch(val[0], val[1], val[2]));
        assertEquals(evaluated.localization(), last.validationLosses().orElseThrow().localization(), 1e-5);
        assertEquals(evaluated.classification(), last.validationLosses().orElseThrow().classification(), 1e-5);

        // One Fitting per model: a second call continues the run and its history.
        DetectorHistory more = model.fit(train[0], train[1], train[2], BATCH, quiet(5).build());
        assertEquals(5, more.epochs().size());
        assertEquals(5, model.history().epochs().size());
        assertEquals(firstThree, more.epochs().subList(0, 3));
        assertTrue(more.epochs().get(4).validationLosses().isEmpty(), "no validation data this time");
        assertEquals(5, model.epoch());
    }

    /** Unshuffled arrays, batch records and a MultiDataSetIterator of the same batches train identically. */
    public static void everyOverloadFeedsTheSameBatches() {
        INDArray[] train = data(EXAMPLES, 3);
        List<DetectorBatch> batches = batches(train);

        DetectorTrainingModel fromArrays = DetectorTrainingModel.create(options());
        DetectorHistory a = fromArrays.fit(DetectorTrainingModel.data(train[0], train[1], train[2], BATCH)
                .shuffle(false), quiet(2).build());
        DetectorTrainingModel fromRecords = DetectorTrainingModel.create(options());
        DetectorHistory b = fromRecords.fit(batches, quiet(2).build());
        DetectorTrainingModel fromIterator = DetectorTrainingModel.create(options());
        List<MultiDataSet> sets = new ArrayList<>();
        for (DetectorBatch batch : batches) {
            sets.add(new org.nd4j.linalg.dataset.MultiDataSet(new INDArray[] {batch.image()},
                    new INDArray[] {batch.localization(), batch.classification()}));
        }
        DetectorHistory c = fromIterator.fit(new ListIterator(sets), quiet(2).build());

        assertEquals(2 * EXAMPLES / BATCH, a.stepLosses().size());
        assertEquals(a.stepLosses(), b.stepLosses(), "batch records");
        assertEquals(a.stepLosses(), c.stepLosses(), "MultiDataSetIterator");
        assertEquals(a.epochs(), b.epochs());
        assertEquals(a.epochs(), c.epochs());
        assertEquals(fromArrays.parameters(), fromRecords.parameters());
        assertEquals(fromArrays.parameters(), fromIterator.parameters());

        // Shuffled (the default) is another order of the same examples.
        DetectorTrainingModel shuffled = DetectorTrainingModel.create(options());
        DetectorHistory s = shuffled.fit(train[0], train[1], train[2], BATCH, quiet(2).build());
        assertFalse(s.stepLosses().equals(a.stepLosses()), "the default shuffles");

        // Validation from batch records.
        DetectorTrainingModel validated = DetectorTrainingModel.create(options());
        DetectorHistory v = validated.fit(batches, quiet(1).validation(DetectorTrainingModel.data(batches)).build());
        assertTrue(v.lastEpoch().orElseThrow().validationMetrics().isPresent());
    }

    /** The generated resume continues a checkpointed run exactly as the uninterrupted run went on. */
    public static void resumeContinuesExactly(Path dir) throws IOException {
        INDArray[] train = data(EXAMPLES, 4);
        INDArray[] val = data(16, 5);
        Path uninterruptedDir = dir.resolve("uninterrupted");
        DetectorTrainingModel uninterrupted = DetectorTrainingModel.create(options());
        DetectorHistory full = uninterrupted.fit(train[0], train[1], train[2], BATCH, quiet(4)
                .validation(DetectorTrainingModel.data(val[0], val[1], val[2], BATCH))
                .checkpoints(Checkpoints.to(uninterruptedDir).everyEpochs(1).keepLast(0).withStepHistory(true))
                .build());
        List<Path> checkpoints = Checkpoints.list(uninterruptedDir);
        assertEquals(4, checkpoints.size());

        DetectorTrainingModel resumed = DetectorTrainingModel.resume(checkpoints.get(1));
        assertEquals(2, resumed.epoch());
        assertEquals(full.epochs().subList(0, 2), resumed.history().epochs(), "the history travels along");
        DetectorHistory continued = resumed.fit(train[0], train[1], train[2], BATCH, quiet(4)
                .validation(DetectorTrainingModel.data(val[0], val[1], val[2], BATCH))
                .build());
        assertEquals(full.epochs(), continued.epochs(), "bit-identical epochs");
        assertEquals(full.stepLosses(), continued.stepLosses(), "bit-identical steps");
        assertEquals(uninterrupted.parameters(), resumed.parameters());

        assertEquals(4, DetectorTrainingModel.resumeLatest(uninterruptedDir).orElseThrow().epoch());
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertTrue(DetectorTrainingModel.resumeLatest(empty).isEmpty());
    }

    /** Early stopping on a validation loss stops the run and puts back the best epoch's parameters. */
    public static void earlyStoppingStopsAndRestoresTheBest() {
        INDArray[] train = data(EXAMPLES, 6);
        INDArray[] val = data(16, 7);
        DetectorTrainingModel model = DetectorTrainingModel.create(options());
        List<DetectorEpoch> seen = new ArrayList<>();
        // No later epoch can improve by a million: the first is the best, and (as in Keras) patience 1 stops at the
        // end of the first epoch without improvement, the second.
        DetectorHistory history = model.fit(train[0], train[1], train[2], BATCH, quiet(20)
                .validation(DetectorTrainingModel.data(val[0], val[1], val[2], BATCH).shuffle(false))
                .earlyStopping(EarlyStopping.monitor("val_total").patience(1).minDelta(1e6).restoreBest(true))
                .listener(DetectorTrainingModel.onEpochEnd(seen::add))
                .build());
        assertEquals(2, history.epochs().size());
        assertTrue(model.fitting().stoppedEarly());
        assertEquals(1, model.fitting().bestEpoch(), "epochs count from 1");
        assertEquals(history.epochs(), seen, "the typed listener saw every epoch as the history has it");
        DetectorLosses best = history.epochs().get(0).validationLosses().orElseThrow();
        DetectorLosses now = model.evaluate(new DetectorBatch(val[0], val[1], val[2]));
        assertEquals(best.localization(), now.localization(), 1e-5, "the best epoch's parameters are back");
        assertEquals(best.classification(), now.classification(), 1e-5);
    }

    /** A typed history only wraps a history of a model with the same branches. */
    public static void aHistoryOfAnotherModelIsRefused() {
        History other = TwoInputsTrainingModel.create().history().history();
        IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class,
                () -> new DetectorHistory(other));
        assertTrue(thrown.getMessage().contains("[x1, x2]"), thrown.getMessage());
        assertEquals(List.of(), DetectorTrainingModel.create().history().epochs());
        assertTrue(DetectorTrainingModel.create().history().lastEpoch().isEmpty());
    }

    /** Exports of the typed history: CSV with the epoch columns, PNG charts. */
    public static void exportsWriteCsvAndCharts(Path dir) throws IOException {
        INDArray[] train = data(EXAMPLES, 8);
        DetectorHistory history = DetectorTrainingModel.create(options())
                .fit(batches(train), quiet(2).build());
        history.writeCsv(dir.resolve("history.csv"));
        history.writeStepsCsv(dir.resolve("steps.csv"));
        history.plotLosses(dir.resolve("losses.png"));
        history.plotWeights(dir.resolve("weights.png"));
        List<String> csv = Files.readAllLines(dir.resolve("history.csv"));
        assertEquals(3, csv.size());
        assertTrue(csv.get(0).startsWith("epoch,steps,lr,total,localization_loss,localization_weight"), csv.get(0));
        assertEquals(1 + 2 * EXAMPLES / BATCH, Files.readAllLines(dir.resolve("steps.csv")).size());
        for (String png : Set.of("losses.png", "weights.png")) {
            byte[] bytes = Files.readAllBytes(dir.resolve(png));
            assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(bytes, 4), png);
        }
    }

    /** A CSV file of the same examples, read through the generated csv(...), trains exactly as the arrays do. */
    public static void csvTrainsAsTheArraysDo(Path dir) throws IOException {
        INDArray[] data = data(EXAMPLES, 8);
        String[] pixels = new String[50];
        String[] map = new String[9];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = "p" + i;
        }
        for (int i = 0; i < map.length; i++) {
            map[i] = "m" + i;
        }
        List<String> lines = new ArrayList<>();
        lines.add(String.join(",", pixels) + "," + String.join(",", map) + ",cat,dog");
        for (int row = 0; row < EXAMPLES; row++) {
            StringBuilder line = new StringBuilder();
            for (INDArray array : data) {
                for (double value : array.get(NDArrayIndex.point(row)).dup('c').data().asDouble()) {
                    line.append(line.length() == 0 ? "" : ",").append(value);
                }
            }
            lines.add(line.toString());
        }
        Path file = Files.write(dir.resolve("detector.csv"), lines);
        CsvColumns columns = CsvColumns.byName().input("image", pixels).target("localization", map)
                .target("classification", "cat", "dog");

        DetectorTrainingModel fromCsv = DetectorTrainingModel.create(options());
        DetectorHistory csvHistory = fromCsv.fit(DetectorTrainingModel.csv(file, columns, BATCH).shuffle(false),
                quiet(2).build());
        DetectorTrainingModel fromArrays = DetectorTrainingModel.create(options());
        DetectorHistory arrayHistory = fromArrays.fit(
                DetectorTrainingModel.data(data[0], data[1], data[2], BATCH).shuffle(false), quiet(2).build());
        assertEquals(arrayHistory.stepLosses(), csvHistory.stepLosses(), "the same batches, the same losses");
        assertEquals(fromArrays.parameters(), fromCsv.parameters());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DetectorTrainingModel.csv(file, CsvColumns.byName(), BATCH));
        assertTrue(e.getMessage().contains("input 'image' has 50 value(s) per example"), e.getMessage());
    }

    /**
     * One model class, three strategies chosen at run time: each trains with its own weighting (FIXED's total is
     * the weighted sum worked out here), is saved, and loads with the same weighting for training and prediction.
     */
    public static void oneClassComparesStrategiesChosenAtRunTime(Path dir) throws IOException {
        INDArray[] data = data(EXAMPLES, 3);
        for (LossWeighting weighting : List.of(LossWeighting.fixed(0.25, 0.75), LossWeighting.uncertainty(),
                LossWeighting.dwa(1.5))) {
            DetectorTrainingModel model = DetectorTrainingModel.create(options().toBuilder().weighting(weighting)
                    .build());
            assertTrue(model.summary().contains(weighting.weighting().name()), model.summary());
            model.fit(data[0], data[1], data[2], BATCH, quiet(2).build());
            if (weighting.weighting() == io.github.branchwise.annotations.Weighting.FIXED) {
                DetectorLosses losses = model.evaluate(new DetectorBatch(data[0], data[1], data[2]));
                assertEquals(0.25 * losses.localization() + 0.75 * losses.classification(), losses.total(), 1e-6);
                assertEquals(new DetectorLossWeights(0.25, 0.75), model.weights());
            }
            Path file = dir.resolve(weighting.weighting() + ".bin");
            model.save(file);
            DetectorTrainingModel loaded = DetectorTrainingModel.load(file);
            assertEquals(weighting, loaded.trainer().options().weighting().orElseThrow());
            assertEquals(model.weights(), loaded.weights());
            assertEquals(model.predictionModel().predict(data[0]), DetectorPredictionModel.load(file).predict(data[0]));
        }
        IllegalArgumentException misfit = assertThrows(IllegalArgumentException.class,
                () -> DetectorTrainingModel.create(options().toBuilder().weighting(LossWeighting.fixed(1, 2, 3))
                        .build()));
        assertTrue(misfit.getMessage().contains("FIXED weights: 3 weights for 2 branches"), misfit.getMessage());
    }

    static TrainingOptions options() {
        return TrainingOptions.builder().seed(11).updater(new Sgd(0.1)).build();
    }

    static FitConfig.Builder quiet(int epochs) {
        return FitConfig.builder().epochs(epochs).silent();
    }

    /** {@code n} examples: images {@code [n, 5, 5, 2]}, binary maps {@code [n, 3, 3, 1]}, binary pairs. */
    static INDArray[] data(int n, long seed) {
        Random random = new Random(seed);
        float[] images = new float[n * 50];
        float[] maps = new float[n * 9];
        float[] classes = new float[n * 2];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < 50; k++) {
                images[i * 50 + k] = (float) random.nextGaussian();
            }
            for (int k = 0; k < 9; k++) {
                maps[i * 9 + k] = images[i * 50 + k * 2] > 0 ? 1 : 0;
            }
            classes[i * 2] = images[i * 50 + 24] > 0 ? 1 : 0;
            classes[i * 2 + 1] = images[i * 50 + 25] > 0 ? 1 : 0;
        }
        return new INDArray[] {Nd4j.create(images, new long[] {n, 5, 5, 2}, 'c'),
            Nd4j.create(maps, new long[] {n, 3, 3, 1}, 'c'), Nd4j.create(classes, new long[] {n, 2}, 'c')};
    }

    /** The examples in order, in batch records of {@code BATCH}. */
    static List<DetectorBatch> batches(INDArray[] data) {
        List<DetectorBatch> batches = new ArrayList<>();
        for (int from = 0; from < data[0].size(0); from += BATCH) {
            INDArray[] part = new INDArray[3];
            for (int k = 0; k < 3; k++) {
                part[k] = data[k].get(NDArrayIndex.interval(from, from + BATCH)).dup('c');
            }
            batches.add(new DetectorBatch(part[0], part[1], part[2]));
        }
        return batches;
    }

    static double binaryAccuracy(INDArray prediction, INDArray target) {
        double[] p = prediction.dup('c').data().asDouble();
        double[] t = target.dup('c').data().asDouble();
        int correct = 0;
        for (int i = 0; i < p.length; i++) {
            if ((p[i] > 0.5) == (t[i] > 0.5)) {
                correct++;
            }
        }
        return (double) correct / p.length;
    }

    /** A resettable iterator over fixed MultiDataSets. */
    static final class ListIterator implements MultiDataSetIterator {
        private static final long serialVersionUID = 1L;
        private final List<MultiDataSet> items;
        private int next;

        ListIterator(List<MultiDataSet> items) {
            this.items = new ArrayList<>(items);
        }

        @Override
        public MultiDataSet next(int num) {
            return next();
        }

        @Override
        public void setPreProcessor(MultiDataSetPreProcessor preProcessor) {
        }

        @Override
        public MultiDataSetPreProcessor getPreProcessor() {
            return null;
        }

        @Override
        public boolean resetSupported() {
            return true;
        }

        @Override
        public boolean asyncSupported() {
            return false;
        }

        @Override
        public void reset() {
            next = 0;
        }

        @Override
        public boolean hasNext() {
            return next < items.size();
        }

        @Override
        public MultiDataSet next() {
            return items.get(next++);
        }
    }
}

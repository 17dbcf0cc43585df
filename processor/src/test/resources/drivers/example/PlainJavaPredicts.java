package example;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.runtime.TrainingOptions;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Predicts one example of {@link Detector}, {@link TwoInputs}, {@link SharedTrunk} and {@link Clashes} with plain
 * Java arrays and reads batch results as Java arrays, the way a user writes it, typed, with no reflection;
 * {@code ExamplePredictionApiTest} compiles it with the models (under javac and ecj) and runs each method.
 */
public final class PlainJavaPredicts {
    private static final int BATCH = 7;

    private PlainJavaPredicts() {
    }

    /** predict(float[]) and predict(double[]) give the batch prediction of the same row. */
    public static void anExampleIsTheBatchPredictionOfItsRow() {
        DetectorPredictionModel model = trained(TrainingOptions.builder().seed(4).updater(new Sgd(0.1)).build());
        float[][] rows = rows(BATCH, 50, 11);
        DetectorPrediction batch = model.predict(Nd4j.create(rows).reshape('c', BATCH, 5, 5, 2));
        for (int i = 0; i < BATCH; i++) {
            DetectorExamplePrediction one = model.predict(rows[i]);
            // Exactly the batch path on a batch of one made of the same values.
            DetectorPrediction single = model.predict(Nd4j.create(rows[i], new long[] {1, 5, 5, 2}, 'c'));
            assertEquals(single.example(0), one);
            assertArrayEquals(values(single.localization()), one.localization());
            assertArrayEquals(values(single.classification()), one.classification());
            // Row i of a larger batch: the kernels may sum in another order, so equal to float precision.
            assertArrayEquals(values(batch.localization().get(NDArrayIndex.point(i))), one.localization(), 1e-6);
            assertArrayEquals(values(batch.classification().get(NDArrayIndex.point(i))), one.classification(), 1e-6);
            // The double overload of the same values is the float overload.
            assertEquals(one, model.predict(widen(rows[i])));
        }
    }

    /** In a DOUBLE model both overloads predict exactly its batch of one too. */
    public static void aDoubleModelTakesBothOverloads() {
        DetectorPredictionModel model = trained(TrainingOptions.builder().seed(4).updater(new Sgd(0.1))
                .dataType(DataType.DOUBLE).build());
        float[] row = rows(1, 50, 12)[0];
        DetectorPrediction single = model.predict(Nd4j.create(widen(row), new long[] {1, 5, 5, 2}, 'c'));
        assertEquals(DataType.DOUBLE, single.localization().dataType());
        assertEquals(single.example(0), model.predict(row));
        assertEquals(single.example(0), model.predict(widen(row)));
    }

    /** example(i) is row i of each batch output, flattened row-major; size() is the batch size. */
    public static void exampleIsTheBatchsRow() {
        DetectorPredictionModel model = trained(TrainingOptions.builder().seed(5).updater(new Sgd(0.1)).build());
        INDArray images = Nd4j.create(rows(BATCH, 50, 13)).reshape('c', BATCH, 5, 5, 2);
        DetectorPrediction prediction = model.predict(images);
        assertEquals(BATCH, prediction.size());
        for (int i = 0; i < BATCH; i++) {
            DetectorExamplePrediction example = prediction.example(i);
            assertEquals(9, example.localization().length);
            assertEquals(2, example.classification().length);
            assertArrayEquals(values(prediction.localization().get(NDArrayIndex.point(i))), example.localization());
            assertArrayEquals(values(prediction.classification().get(NDArrayIndex.point(i))),
                    example.classification());
            // Row-major in [3, 3, 1]: element [r, c, 0] at index r * 3 + c.
            assertEquals(prediction.localization().getDouble(i, 2, 1, 0), example.localization()[2 * 3 + 1]);
        }
    }

    /** Each bad array is refused before ND4J, naming the input with the expected and actual length or index. */
    public static void badExamplesAreRefusedWithTheirInputAndIndex() {
        DetectorPredictionModel model = trained(TrainingOptions.builder().seed(6).updater(new Sgd(0.1)).build());
        assertMessage("example.Detector: input 'image' takes one example of shape [5, 5, 2] flattened row-major, "
                + "50 values; got 49", () -> model.predict(new float[49]));
        assertMessage("example.Detector: input 'image' takes one example of shape [5, 5, 2] flattened row-major, "
                + "50 values; got 100", () -> model.predict(new double[100]));
        assertMessage("example.Detector: input 'image' is null", () -> model.predict((float[]) null));
        assertMessage("example.Detector: input 'image' is null", () -> model.predict((double[]) null));
        float[] nan = new float[50];
        nan[13] = Float.NaN;
        nan[40] = Float.POSITIVE_INFINITY;
        assertMessage("example.Detector: input 'image' must be finite but holds 2 NaN or infinite value(s); the "
                + "first at index 13 of the example (element [1, 1, 1] of shape [5, 5, 2]): NaN",
                () -> model.predict(nan));
        double[] infinite = new double[50];
        infinite[49] = Double.NEGATIVE_INFINITY;
        assertMessage("example.Detector: input 'image' must be finite but holds 1 NaN or infinite value(s); the "
                + "first at index 49 of the example (element [4, 4, 1] of shape [5, 5, 2]): -Infinity",
                () -> model.predict(infinite));
        // The model still predicts.
        assertEquals(2, model.predict(new float[50]).classification().length);
    }

    /** example(i) outside the batch names the index, the branch and the batch size. */
    public static void anIndexOutsideTheBatchIsRefused() {
        DetectorPredictionModel model = trained(TrainingOptions.builder().seed(6).updater(new Sgd(0.1)).build());
        DetectorPrediction prediction = model.predict(Nd4j.zeros(DataType.FLOAT, BATCH, 5, 5, 2));
        assertEquals("example 7 is out of range: the output of branch 'localization' holds a batch of 7 examples "
                + "(0..6)", assertThrows(IndexOutOfBoundsException.class, () -> prediction.example(7)).getMessage());
        assertEquals("example -1 is out of range: the output of branch 'localization' holds a batch of 7 examples "
                + "(0..6)", assertThrows(IndexOutOfBoundsException.class, () -> prediction.example(-1)).getMessage());
    }

    /** The record is a value: copied in and out, compared, hashed and printed by content, lengths checked. */
    public static void examplePredictionsAreImmutableValues() {
        double[] map = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        double[] classes = {0.25, 0.75};
        DetectorExamplePrediction a = new DetectorExamplePrediction(map, classes);
        DetectorExamplePrediction b = new DetectorExamplePrediction(map.clone(), classes.clone());
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertEquals("DetectorExamplePrediction[localization=[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0], "
                + "classification=[0.25, 0.75]]", a.toString());
        map[0] = 100;
        a.localization()[1] = 100;
        assertEquals(b, a, "neither the given array nor an accessor's changes the record");
        assertNotSame(a.classification(), a.classification());
        assertNotEquals(a, new DetectorExamplePrediction(new double[9], classes));
        assertNotEquals(a, (Object) "not a prediction");
        assertEquals("branch 'classification' gives one example of shape [2] flattened row-major, 2 values; got 3",
                assertThrows(IllegalArgumentException.class,
                        () -> new DetectorExamplePrediction(new double[9], new double[3])).getMessage());
        assertEquals("localization", assertThrows(NullPointerException.class,
                () -> new DetectorExamplePrediction(null, classes)).getMessage());
    }

    /** Two inputs in declaration order (first, second); the second named when wrong. */
    public static void twoInputsTakeOneArrayEachInDeclarationOrder() {
        TwoInputsTrainingModel training = TwoInputsTrainingModel.create(
                TrainingOptions.builder().seed(2).updater(new Sgd(0.1)).build());
        TwoInputsPredictionModel model = training.predictionModel();
        float[] first = {0.5f, -1, 2, 0.25f};
        float[] second = {1, -0.5f, 0.75f};
        TwoInputsPrediction single = model.predict(Nd4j.create(first, new long[] {1, 4}, 'c'),
                Nd4j.create(second, new long[] {1, 3}, 'c'));
        TwoInputsExamplePrediction one = model.predict(first, second);
        assertEquals(single.example(0), one);
        assertEquals(1, one.x1().length);
        assertEquals(2, one.x2().length);
        assertEquals(one, model.predict(widen(first), widen(second)));
        assertMessage("example.TwoInputs: input 'second' takes one example of shape [3] flattened row-major, "
                + "3 values; got 4", () -> model.predict(first, first));
        assertMessage("example.TwoInputs: input 'first' is null", () -> model.predict(null, second));
    }

    /** A branch named size keeps its accessor; example(i) still reads the batch. */
    public static void aBranchNamedSizeKeepsItsAccessor() {
        SharedTrunkPredictionModel model = SharedTrunkTrainingModel.create(
                TrainingOptions.builder().seed(2).updater(new Sgd(0.1)).build()).predictionModel();
        SharedTrunkPrediction prediction = model.predict(Nd4j.create(rows(3, 6, 14)));
        INDArray size = prediction.size();
        assertEquals(3, size.size(0));
        for (int i = 0; i < 3; i++) {
            SharedTrunkExamplePrediction example = prediction.example(i);
            assertArrayEquals(new double[] {size.getDouble(i, 0)}, example.size());
            assertArrayEquals(values(prediction.kind().get(NDArrayIndex.point(i))), example.kind());
        }
    }

    /** Generated names that are also input and branch names (predictor, out, index, that, other, example). */
    public static void namesOfTheGeneratedCodeAreFreeForInputsAndBranches() {
        ClashesPredictionModel model = ClashesTrainingModel.create(
                TrainingOptions.builder().seed(3).updater(new Sgd(0.1)).build()).predictionModel();
        float[] predictor = {1, 2, 3, 4, 5, 6};
        float[] out = {0.5f};
        ClashesExamplePrediction one = model.predict(predictor, out);
        ClashesPrediction single = model.predict(Nd4j.create(predictor, new long[] {1, 2, 3}, 'c'),
                Nd4j.create(out, new long[] {1, 1}, 'c'));
        assertEquals(1, single.size());
        assertEquals(single.example(0), one);
        assertEquals(2, one.index().length);
        assertEquals(1, one.that().length, "a branch of shape {} gives one value per example");
        assertEquals(single.that().getDouble(0), one.that()[0]);
        assertEquals(4, one.other().length);
        assertEquals(single.other().getDouble(0, 1, 0), one.other()[2], "[1, 0] of [2, 2] at index 2");
        assertEquals(1, one.example().length);
        assertEquals(one.hashCode(), single.example(0).hashCode());
        assertTrue(one.toString().startsWith("ClashesExamplePrediction[index=["), one.toString());
    }

    private static DetectorPredictionModel trained(TrainingOptions options) {
        DetectorTrainingModel model = DetectorTrainingModel.create(options);
        Random random = new Random(1);
        INDArray images = Nd4j.create(rows(8, 50, 1)).reshape('c', 8, 5, 5, 2).castTo(options.dataType());
        INDArray maps = Nd4j.create(rows(8, 9, 2)).reshape('c', 8, 3, 3, 1).castTo(options.dataType());
        INDArray classes = Nd4j.zeros(options.dataType(), 8, 2);
        for (int i = 0; i < 8; i++) {
            classes.putScalar(i, random.nextInt(2), 1);
        }
        for (int step = 0; step < 3; step++) {
            model.fit(new DetectorBatch(images, Transforms.sigmoid(maps, true), classes));
        }
        return model.predictionModel();
    }

    /** Rows of Gaussian values, reproducible. */
    static float[][] rows(int n, int width, long seed) {
        Random random = new Random(seed);
        float[][] rows = new float[n][width];
        for (float[] row : rows) {
            for (int k = 0; k < width; k++) {
                row[k] = (float) random.nextGaussian();
            }
        }
        return rows;
    }

    static double[] widen(float[] values) {
        double[] widened = new double[values.length];
        for (int k = 0; k < values.length; k++) {
            widened[k] = values[k];
        }
        return widened;
    }

    static double[] values(INDArray array) {
        return array.dup('c').data().asDouble();
    }

    private static void assertMessage(String message, org.junit.jupiter.api.function.Executable call) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, call).getMessage());
    }
}

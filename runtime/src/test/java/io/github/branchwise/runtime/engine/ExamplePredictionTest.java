package io.github.branchwise.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ExampleArrays;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.Predictor;
import io.github.branchwise.runtime.internal.WeightingSpec;
import io.github.branchwise.runtime.training.Trainer;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;

/**
 * One example as Java arrays through {@link Predictor#predictExample} and {@link ExampleArrays}: the same outputs as
 * the batch path, in the model's data type, row-major; and every bad array refused in Java with the input's name,
 * the expected length and shape, or the index of the first bad value within the example.
 */
class ExamplePredictionTest {
    private static final TrainingOptions FLOAT = TrainingOptions.builder().seed(5).updater(new Adam(0.01)).build();
    private static final TrainingOptions DOUBLE = TrainingOptions.builder().seed(5).updater(new Adam(0.01))
            .dataType(DataType.DOUBLE).build();

    /** Detector: image[5, 5, 2] → localization[3, 3, 1], classification[2]. */
    private final ModelSpec detector = TestModels.detector();
    /** TwoInputs: first[4], second[3] → x1[1], x2[2]. */
    private final ModelSpec twoInputs = TestModels.twoInputs(WeightingSpec.trainable(0.5, 0.0, 1.0));

    @Test
    void anExampleGivesTheOutputsOfABatchOfOneAndOfItsRowInABatch() {
        Predictor predictor = Trainer.create(detector, FLOAT).predictor();
        Random random = new Random(3);
        float[][] rows = new float[4][50];
        for (float[] row : rows) {
            for (int k = 0; k < row.length; k++) {
                row[k] = (float) random.nextGaussian();
            }
        }
        INDArray batch = Nd4j.create(rows).reshape('c', 4, 5, 5, 2);
        INDArray[] batchOut = predictor.predict(new INDArray[] {batch});
        for (int i = 0; i < rows.length; i++) {
            double[][] example = predictor.predictExample(new float[][] {rows[i]});
            INDArray[] one = predictor.predict(new INDArray[] {Nd4j.create(rows[i], new long[] {1, 5, 5, 2}, 'c')});
            assertArrayEquals(values(one[0]), example[0], "localization, batch of one");
            assertArrayEquals(values(one[1]), example[1], "classification, batch of one");
            assertEquals(9, example[0].length);
            assertEquals(2, example[1].length);
            // In a batch of 4 the kernels may sum in another order: equal to float precision.
            assertArrayEquals(values(batchOut[0].get(NDArrayIndex.point(i))), example[0], 1e-6);
            assertArrayEquals(values(batchOut[1].get(NDArrayIndex.point(i))), example[1], 1e-6);
            // The double overload of the same (float-representable) values is the float overload.
            double[] widened = new double[50];
            for (int k = 0; k < widened.length; k++) {
                widened[k] = rows[i][k];
            }
            double[][] fromDoubles = predictor.predictExample(new double[][] {widened});
            assertArrayEquals(example[0], fromDoubles[0]);
            assertArrayEquals(example[1], fromDoubles[1]);
        }
    }

    @Test
    void valuesAreRowMajorInTheDeclaredShapeAndInTheModelsDataType() {
        // Identity branches: a is input pa (shape [2, 3]) and b is input pb (a scalar per example), times one.
        ModelSpec identity = TestModels.identity(Loss.MEAN_SQUARED_ERROR, new long[] {2, 3}, new long[] {});
        double[] pa = {1, 2, 3, 4, 5, 6};
        double[] pb = {0.1};
        for (TrainingOptions options : new TrainingOptions[] {FLOAT, DOUBLE}) {
            DataType type = options.dataType();
            INDArray[] arrays = ExampleArrays.inputs(identity, type, new double[][] {pa, pb});
            assertArrayEquals(new long[] {1, 2, 3}, arrays[0].shape());
            assertArrayEquals(new long[] {1}, arrays[1].shape());
            assertEquals(type, arrays[0].dataType());
            assertEquals(type, arrays[1].dataType());
            assertEquals(6.0, arrays[0].getDouble(0, 1, 2), "element [1, 2] is the last value");
            assertEquals(2.0, arrays[0].getDouble(0, 0, 1), "element [0, 1] is the second value");
            assertEquals(type, ExampleArrays.inputs(identity, type, new float[][] {{1, 2, 3, 4, 5, 6}, {2}})[0]
                    .dataType());

            double[][] out = Trainer.create(identity, options).predictor().predictExample(new double[][] {pa, pb});
            assertArrayEquals(pa, out[0]);
            assertEquals(1, out[1].length);
            assertEquals(type == DataType.DOUBLE ? 0.1 : (double) 0.1f, out[1][0]);
        }
    }

    @Test
    void badArraysAreRefusedWithTheInputTheExpectedLengthAndTheIndex() {
        Predictor predictor = Trainer.create(twoInputs, FLOAT).predictor();
        float[] first = {1, 2, 3, 4};
        float[] second = {1, 2, 3};
        assertMessage(() -> predictor.predictExample(new float[][] {first, null}),
                "test.TwoInputs: input 'second' is null");
        assertMessage(() -> predictor.predictExample(new double[][] {null, {1, 2, 3}}),
                "test.TwoInputs: input 'first' is null");
        assertMessage(() -> predictor.predictExample(new float[][] {{1, 2, 3}, second}),
                "test.TwoInputs: input 'first' takes one example of shape [4] flattened row-major, 4 values; got 3");
        assertMessage(() -> predictor.predictExample(new double[][] {{1, 2, 3, 4}, {1, 2, 3, 4}}),
                "test.TwoInputs: input 'second' takes one example of shape [3] flattened row-major, 3 values; got 4");
        assertMessage(() -> predictor.predictExample(new float[][] {first}), "test.TwoInputs expects 2 inputs, got 1");
        assertMessage(() -> predictor.predictExample((float[][]) null), "test.TwoInputs: inputs is null");
        assertMessage(() -> predictor.predictExample(new float[][] {{1, Float.NaN, 3, Float.NEGATIVE_INFINITY},
                second}), "test.TwoInputs: input 'first' must be finite but holds 2 NaN or infinite value(s); the "
                + "first at index 1 of the example (element [1] of shape [4]): NaN");
        assertMessage(() -> predictor.predictExample(new double[][] {{1, 2, 3, 4},
                {0, 0, Double.POSITIVE_INFINITY}}), "test.TwoInputs: input 'second' must be finite but holds 1 NaN or "
                + "infinite value(s); the first at index 2 of the example (element [2] of shape [3]): Infinity");
        assertMessage(() -> predictor.predictExample(new double[][] {{1, 2, 3, 4}, {0, -1e300, 0}}),
                "test.TwoInputs: input 'second' holds -1.0E300 at index 1 of the example (element [1] of shape [3]), "
                        + "beyond the range of the model's data type FLOAT");
        // Into a DOUBLE model the same value is fine.
        Predictor doubles = Trainer.create(twoInputs, DOUBLE).predictor();
        assertEquals(2, doubles.predictExample(new double[][] {{1, 2, 3, 4}, {0, -1e300, 0}}).length);
    }

    @Test
    void theIndexWithinAnExampleIsGivenInTheDeclaredShapeToo() {
        Predictor predictor = Trainer.create(detector, FLOAT).predictor();
        float[] image = new float[50];
        image[47] = Float.NaN;
        assertMessage(() -> predictor.predictExample(new float[][] {image}), "test.Detector: input 'image' must be "
                + "finite but holds 1 NaN or infinite value(s); the first at index 47 of the example (element "
                + "[4, 3, 1] of shape [5, 5, 2]): NaN");
        assertMessage(() -> predictor.predictExample(new float[][] {new float[49]}), "test.Detector: input 'image' "
                + "takes one example of shape [5, 5, 2] flattened row-major, 50 values; got 49");
    }

    @Test
    void examplesOfABatchAreItsRowsAndOutOfRangeIndicesAreNamed() {
        INDArray maps = Nd4j.rand(DataType.FLOAT, 3, 3, 3, 1);
        INDArray scalars = Nd4j.createFromArray(0.5, 1.5, 2.5);
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(values(maps.get(NDArrayIndex.point(i))), ExampleArrays.example("map", maps, i));
            assertArrayEquals(new double[] {i + 0.5}, ExampleArrays.example("score", scalars, i));
        }
        assertEquals(3, ExampleArrays.batchSize("map", maps));
        IndexOutOfBoundsException past = assertThrows(IndexOutOfBoundsException.class,
                () -> ExampleArrays.example("map", maps, 3));
        assertEquals("example 3 is out of range: the output of branch 'map' holds a batch of 3 examples (0..2)",
                past.getMessage());
        IndexOutOfBoundsException negative = assertThrows(IndexOutOfBoundsException.class,
                () -> ExampleArrays.example("score", scalars, -1));
        assertEquals("example -1 is out of range: the output of branch 'score' holds a batch of 3 examples (0..2)",
                negative.getMessage());
        IndexOutOfBoundsException one = assertThrows(IndexOutOfBoundsException.class,
                () -> ExampleArrays.example("map", Nd4j.zeros(DataType.FLOAT, 1, 2), 1));
        assertEquals("example 1 is out of range: the output of branch 'map' holds a batch of 1 example (0..0)",
                one.getMessage());
        NullPointerException missing = assertThrows(NullPointerException.class,
                () -> ExampleArrays.example("map", null, 0));
        assertEquals("map", missing.getMessage());
    }

    @Test
    void copiesAreCheckedAndDefensive() {
        double[] values = {1, 2, 3, 4, 5, 6};
        double[] copy = ExampleArrays.copy("grid", values, 2, 3);
        assertArrayEquals(values, copy);
        assertNotSame(values, copy);
        assertArrayEquals(new double[] {7}, ExampleArrays.copy("score", new double[] {7}));
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                () -> ExampleArrays.copy("grid", new double[5], 2, 3));
        assertEquals("branch 'grid' gives one example of shape [2, 3] flattened row-major, 6 values; got 5",
                wrong.getMessage());
        assertEquals("grid", assertThrows(NullPointerException.class,
                () -> ExampleArrays.copy("grid", null, 2, 3)).getMessage());
    }

    @Test
    void aRefusedExampleChangesNothing() {
        Trainer victim = Trainer.create(detector, FLOAT);
        Trainer reference = Trainer.create(detector, FLOAT);
        float[] image = new float[50];
        image[3] = Float.POSITIVE_INFINITY;
        assertThrows(IllegalArgumentException.class, () -> victim.predictor().predictExample(new float[][] {image}));
        assertThrows(IllegalArgumentException.class,
                () -> victim.predictor().predictExample(new float[][] {new float[51]}));
        image[3] = 0.25f;
        assertArrayEquals(reference.predictor().predictExample(new float[][] {image})[1],
                victim.predictor().predictExample(new float[][] {image})[1]);
        assertEquals(0, victim.iteration());
    }

    private static double[] values(INDArray array) {
        return array.dup('c').data().asDouble();
    }

    private static void assertMessage(Executable call, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, call).getMessage());
    }
}

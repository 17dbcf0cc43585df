package io.github.branchwise.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** {@link ArrayScan#allFinite}'s exponent-bit test against {@code Float.isFinite} over every kind of value. */
class ArrayScanTest {
    private static final float[] FLOAT_EDGES = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL,
        Float.MAX_VALUE, -Float.MAX_VALUE, 1f, -1f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
        Float.intBitsToFloat(0x7fc0_0001), Float.intBitsToFloat(0xff80_0001), Math.nextDown(Float.MAX_VALUE)};
    private static final double[] DOUBLE_EDGES = {0d, -0d, Double.MIN_VALUE, -Double.MIN_VALUE, Double.MIN_NORMAL,
        Double.MAX_VALUE, -Double.MAX_VALUE, 1d, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
        Double.longBitsToDouble(0x7ff0_0000_0000_0001L), Double.longBitsToDouble(0xfff8_0000_0000_0000L)};

    @Test
    void everyFloatValueAtEveryKindOfPosition() {
        Random random = new Random(3);
        for (float edge : FLOAT_EDGES) {
            for (int length : new int[] {1, 2, 7, 64, 1000}) {
                for (int at : new int[] {0, length / 2, length - 1}) {
                    float[] values = new float[length];
                    for (int i = 0; i < length; i++) {
                        values[i] = (float) random.nextGaussian() * 1e3f;
                    }
                    values[at] = edge;
                    assertEquals(Float.isFinite(edge), ArrayScan.allFinite(Nd4j.createFromArray(values)),
                            "FLOAT " + edge + " at " + at + " of " + length);
                }
            }
        }
    }

    @Test
    void everyDoubleValue() {
        for (double edge : DOUBLE_EDGES) {
            double[] values = {1, 2, 3, edge, 5};
            assertEquals(Double.isFinite(edge), ArrayScan.allFinite(Nd4j.createFromArray(values)),
                    "DOUBLE " + edge);
        }
    }

    @Test
    void viewsLookOnlyAtTheirOwnValues() {
        INDArray whole = Nd4j.createFromArray(new float[][] {{1, Float.NaN}, {3, 4}, {5, 6}, {Float.NaN, 8}});
        INDArray middle = whole.get(NDArrayIndex.interval(1, 3), NDArrayIndex.all());
        assertEquals(true, ArrayScan.allFinite(middle));
        assertEquals(false, ArrayScan.allFinite(whole));
        // A column is not contiguous: the ND4J fallback answers.
        assertEquals(false, ArrayScan.allFinite(whole.getColumn(0)));
        assertEquals(true, ArrayScan.allFinite(whole.get(NDArrayIndex.interval(1, 3), NDArrayIndex.point(0))));
    }

    @Test
    void otherTypesAndEmptyArrays() {
        assertEquals(true, ArrayScan.allFinite(Nd4j.create(DataType.FLOAT, 0)));
        assertEquals(true, ArrayScan.allFinite(Nd4j.createFromArray(1, 2, 3)));
        assertEquals(false, ArrayScan.allFinite(Nd4j.createFromArray(1f, Float.NaN).castTo(DataType.HALF)));
    }
}

package io.github.branchwise.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A replica state through Java serialisation (what Spark's broadcast does with it): arrays of floats travel as floats,
 * everything comes back bit for bit.
 */
class ReplicaStateTest {
    private static final int N = 10_000;

    private static byte[] serialised(ReplicaState state) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(state);
        }
        return bytes.toByteArray();
    }

    private static ReplicaState read(byte[] bytes) throws IOException, ClassNotFoundException {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            return (ReplicaState) in.readObject();
        }
    }

    private static double[] floatValues(long seed) {
        Random random = new Random(seed);
        double[] values = new double[N];
        for (int v = 0; v < N; v++) {
            values[v] = (float) random.nextGaussian();
        }
        // The edges of float: signed zero, the smallest subnormal, the largest finite value, infinity.
        values[0] = -0.0;
        values[1] = Float.MIN_VALUE;
        values[2] = -Float.MAX_VALUE;
        values[3] = Double.POSITIVE_INFINITY;
        return values;
    }

    private static void assertBits(double[] expected, double[] actual) {
        assertEquals(expected.length, actual.length);
        for (int v = 0; v < expected.length; v++) {
            assertEquals(Double.doubleToRawLongBits(expected[v]), Double.doubleToRawLongBits(actual[v]), "value " + v);
        }
    }

    @Test
    void floatValuesTravelAsFloatsAndComeBackBitForBit() throws Exception {
        double[] w = floatValues(1);
        double[] b = {0.5, -1.25, 3};
        ReplicaState state = new ReplicaState(7, 2, new String[] {"w", "b"}, new long[][] {{100, 100}, {3}},
                new double[][] {w, b}, new boolean[] {false, false}, new String[] {"b"});
        byte[] bytes = serialised(state);
        // 4 bytes a value and some hundred bytes of names, shapes and class descriptors; doubles would need 80,024.
        assertTrue(bytes.length < 4 * N + 1_000, bytes.length + " bytes");
        ReplicaState back = read(bytes);
        assertEquals(7, back.iteration());
        assertEquals(2, back.epoch());
        assertEquals(2, back.size());
        assertEquals("w", back.name(0));
        assertArrayEquals(new long[] {100, 100}, back.shape(0));
        assertArrayEquals(new String[] {"b"}, back.frozen());
        assertFalse(back.hasOptimiser());
        assertBits(w, back.value(0));
        assertBits(b, back.value(1));
    }

    @Test
    void anArrayWithOneValueThatIsNoFloatTravelsAsDoubles() throws Exception {
        double[] floats = floatValues(2);
        double[] doubles = floatValues(3);
        doubles[N - 1] = 0.1;
        double[] precise = {Math.PI, Double.NaN};
        ReplicaState state = new ReplicaState(1, 0, new String[] {"f", "d", "weighting/alpha"},
                new long[][] {{N}, {N}, {2}}, new double[][] {floats, doubles, precise}, new boolean[] {false, false, true},
                new String[0]);
        byte[] bytes = serialised(state);
        assertTrue(bytes.length > 12 * N && bytes.length < 12 * N + 1_000, bytes.length + " bytes");
        ReplicaState back = read(bytes);
        assertBits(floats, back.value(0));
        assertBits(doubles, back.value(1));
        assertBits(precise, back.value(2));
        assertTrue(back.isWeightingState(2));
    }

    @Test
    void theOptimiserStateIsNarrowedToo() throws Exception {
        double[] w = floatValues(4);
        double[] moments = floatValues(5);
        double[] precise = {Math.PI, Math.E};
        ReplicaState state = new ReplicaState(3, 1, new String[] {"w"}, new long[][] {{N}}, new double[][] {w},
                new boolean[] {false}, new String[0])
                .withOptimiser(new String[] {"w", "w2"}, new long[][] {{N}, {2}}, new double[][] {moments, precise});
        byte[] bytes = serialised(state);
        assertTrue(bytes.length < 8 * N + 2_000, bytes.length + " bytes");
        ReplicaState back = read(bytes);
        assertTrue(back.hasOptimiser());
        assertEquals(2, back.optimiserSize());
        assertEquals("w2", back.optimiserName(1));
        assertBits(w, back.value(0));
        assertBits(moments, back.optimiserValue(0));
        assertBits(precise, back.optimiserValue(1));
        // with(...) replaces the values, as local SGD's average does, and still ships.
        ReplicaState averaged = back.with(4, 1, new double[][] {floatValues(6)}, null);
        assertBits(floatValues(6), read(serialised(averaged)).value(0));
    }
}

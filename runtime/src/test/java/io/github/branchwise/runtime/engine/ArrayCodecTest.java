package io.github.branchwise.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.runtime.ModelFileException;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The one array encoding of model files and checkpoints: exact round trips, and damage refused by name. */
class ArrayCodecTest {
    private static final Path FILE = Path.of("some/checkpoint.bwm");

    @Test
    void floatAndDoubleArraysOfAnyRankComeBackBitIdenticalAndInOrder() throws IOException {
        Map<String, INDArray> arrays = new LinkedHashMap<>();
        arrays.put("b/W", Nd4j.createFromArray(new float[][] {{1.5f, Float.MIN_VALUE}, {-0f, 3e38f}}));
        arrays.put("a/b", Nd4j.createFromArray(new double[] {Math.PI, -1e-300, Double.NaN}));
        arrays.put("scalar", Nd4j.scalar(2.0));
        arrays.put("empty", Nd4j.create(DataType.FLOAT, 0, 3));
        // A view in 'f' order: written in C order, like every other array.
        arrays.put("view", Nd4j.linspace(DataType.DOUBLE, 1, 12, 12).reshape('f', 3, 4).get(
                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 2), org.nd4j.linalg.indexing.NDArrayIndex.all()));
        Map<String, INDArray> back = ArrayCodec.fromBytes(FILE, ArrayCodec.toBytes(arrays));
        assertEquals(List.copyOf(arrays.keySet()), List.copyOf(back.keySet()));
        for (String name : arrays.keySet()) {
            INDArray expected = arrays.get(name);
            INDArray actual = back.get(name);
            assertEquals(expected.dataType(), actual.dataType(), name);
            assertArrayEquals(expected.shape(), actual.shape(), name);
            assertArrayEquals(bits(expected), bits(actual), name);
        }
    }

    @Test
    void everyTruncationIsRefusedNamingTheFile() {
        byte[] bytes = ArrayCodec.toBytes(Map.of("x", Nd4j.createFromArray(new float[] {1, 2, 3})));
        for (int length = 0; length < bytes.length; length++) {
            byte[] cut = Arrays.copyOf(bytes, length);
            ModelFileException e = assertThrows(ModelFileException.class, () -> ArrayCodec.fromBytes(FILE, cut),
                    "first " + length + " bytes");
            assertTrue(e.getMessage().startsWith(FILE + ": "), e.getMessage());
            assertEquals(FILE, e.file());
        }
    }

    @Test
    void valuesCutShortAreNamedWithWhatWasAnnounced() {
        byte[] bytes = ArrayCodec.toBytes(Map.of("dense_0/W", Nd4j.createFromArray(new float[] {1, 2, 3})));
        ModelFileException e = assertThrows(ModelFileException.class,
                () -> ArrayCodec.fromBytes(FILE, Arrays.copyOf(bytes, bytes.length - 1)));
        assertEquals(FILE + ": array 'dense_0/W' is cut short: shape [3] needs 12 bytes, 11 left",
                e.getMessage());
    }

    @Test
    void forgedHeadersAreRefusedBeforeAnyAllocation() throws IOException {
        assertRefused(out -> {
            out.writeInt(Integer.MAX_VALUE);
        }, "invalid array count");
        assertRefused(out -> {
            out.writeInt(1);
            out.writeUTF("x");
            out.writeByte(7);
        }, "array 'x' has unknown type 7");
        assertRefused(out -> {
            out.writeInt(1);
            out.writeUTF("x");
            out.writeByte(0);
            out.writeInt(-1);
        }, "array 'x' has invalid rank -1");
        assertRefused(out -> {
            out.writeInt(1);
            out.writeUTF("x");
            out.writeByte(1);
            out.writeInt(2);
            out.writeLong(1L << 40);
            out.writeLong(1L << 40);
        }, "array 'x' is cut short: shape [1099511627776, 1099511627776] needs 9671406556917033397649408 bytes, "
                + "0 left");
        assertRefused(out -> {
            out.writeInt(1);
            out.writeUTF("x");
            out.writeByte(1);
            out.writeInt(3);
            out.writeLong(2);
            out.writeLong(-4);
        }, "array 'x' has an invalid shape [2, -4]...");
        assertRefused(out -> {
            out.writeInt(2);
            for (int i = 0; i < 2; i++) {
                out.writeUTF("x");
                out.writeByte(0);
                out.writeInt(0);
                out.writeFloat(1);
            }
        }, "array 'x' appears twice");
        byte[] good = ArrayCodec.toBytes(Map.of("x", Nd4j.scalar(1.0f)));
        ModelFileException trailing = assertThrows(ModelFileException.class,
                () -> ArrayCodec.fromBytes(FILE, Arrays.copyOf(good, good.length + 2)));
        assertTrue(trailing.getMessage().endsWith("2 unexpected bytes after the last array"), trailing.getMessage());
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private static void assertRefused(Writer writer, String reason) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writer.write(out);
        }
        ModelFileException e = assertThrows(ModelFileException.class,
                () -> ArrayCodec.fromBytes(FILE, bytes.toByteArray()));
        assertTrue(e.getMessage().startsWith(FILE + ": " + reason), e.getMessage());
    }

    private static long[] bits(INDArray array) {
        if (array.length() == 0) {
            return new long[0];
        }
        INDArray c = array.dup('c');
        if (array.dataType() == DataType.DOUBLE) {
            return Arrays.stream(c.data().asDouble()).mapToLong(Double::doubleToRawLongBits).toArray();
        }
        float[] values = c.data().asFloat();
        long[] bits = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }
}

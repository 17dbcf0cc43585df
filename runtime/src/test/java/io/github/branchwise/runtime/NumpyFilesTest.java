package io.github.branchwise.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The .npy reader: the layouts NumPy writes, and damaged files refused with an IOException, never a crash. */
class NumpyFilesTest {
    private static byte[] npy(String descr, boolean fortran, long[] shape, byte[] data) throws IOException {
        StringBuilder dims = new StringBuilder();
        for (long d : shape) {
            dims.append(d).append(", ");
        }
        String dict = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': ("
                + dims.toString().trim() + "), }";
        int pad = (64 - (10 + dict.length() + 1) % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        out.write(header.length() & 0xff);
        out.write(header.length() >> 8);
        out.write(header.getBytes(StandardCharsets.ISO_8859_1));
        out.write(data);
        return out.toByteArray();
    }

    private static byte[] doubles(ByteOrder order, double... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(order);
        for (double v : values) {
            b.putDouble(v);
        }
        return b.array();
    }

    @Test
    void readsTheLayoutsNumpyWrites() throws IOException {
        INDArray c = NumpyFiles.parse("c", npy("<f8", false, new long[] {2, 3},
                doubles(ByteOrder.LITTLE_ENDIAN, 1, 2, 3, 4, 5, 6)));
        assertArrayEquals(new long[] {2, 3}, c.shape());
        assertEquals(DataType.DOUBLE, c.dataType());
        assertEquals(6.0, c.getDouble(1, 2), 0.0);
        INDArray f = NumpyFiles.parse("f", npy("<f8", true, new long[] {2, 3},
                doubles(ByteOrder.LITTLE_ENDIAN, 1, 4, 2, 5, 3, 6)));
        assertEquals(c, f, "Fortran order is read column by column");
        INDArray big = NumpyFiles.parse("be", npy(">f8", false, new long[] {2}, doubles(ByteOrder.BIG_ENDIAN, 7, 8)));
        assertArrayEquals(new double[] {7, 8}, big.toDoubleVector(), 0.0);
        ByteBuffer ints = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(-3).putInt(5);
        assertArrayEquals(new double[] {-3, 5}, NumpyFiles.parse("i4", npy("<i4", false, new long[] {2},
                ints.array())).toDoubleVector(), 0.0);
        ByteBuffer floats = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0.5f);
        INDArray scalar = NumpyFiles.parse("f4", npy("<f4", false, new long[0], floats.array()));
        assertEquals(DataType.FLOAT, scalar.dataType());
        assertEquals(0.5, scalar.getDouble(0), 0.0);
    }

    @Test
    void damagedFilesAreRefusedWithAnIoException() throws IOException {
        byte[] good = npy("<f8", false, new long[] {3, 4}, doubles(ByteOrder.LITTLE_ENDIAN,
                1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12));
        INDArray original = NumpyFiles.parse("good", good);
        int refused = 0;
        for (int length = 0; length < good.length; length++) {
            byte[] cut = java.util.Arrays.copyOf(good, length);
            assertThrows(IOException.class, () -> NumpyFiles.parse("cut", cut), "truncated at " + length);
            refused++;
        }
        Random random = new Random(1);
        for (int i = 0; i < 2000; i++) {
            byte[] bad = good.clone();
            int at = random.nextInt(bad.length);
            bad[at] ^= (byte) (1 << random.nextInt(8));
            try {
                INDArray read = NumpyFiles.parse("flip", bad);
                // Only a flip inside the data can still parse; then only values differ, never the shape.
                assertArrayEquals(original.shape(), read.shape(), "flip at " + at);
            } catch (IOException expected) {
                refused++;
            } catch (RuntimeException e) {
                throw new AssertionError("flip at byte " + at + " escaped as " + e, e);
            }
        }
        assertEquals(true, refused > good.length);
        assertThrows(IOException.class, () -> NumpyFiles.parse("shape", npy("<f8", false, new long[] {-1, 2},
                new byte[0])));
        assertThrows(IOException.class, () -> NumpyFiles.parse("huge", npy("<f8", false,
                new long[] {Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE}, new byte[0])));
        assertThrows(IOException.class, () -> NumpyFiles.parse("type", npy("<c16", false, new long[] {1},
                new byte[16])));
    }
}

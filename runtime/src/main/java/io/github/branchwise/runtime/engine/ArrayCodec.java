package io.github.branchwise.runtime.engine;

import io.github.branchwise.runtime.ModelFileException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UTFDataFormatException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The one encoding of named arrays in Branchwise files: the arrays of a {@link ModelFile} (and so of every
 * checkpoint) and the arrays a checkpoint attaches (early stopping's best parameters).
 *
 * <pre>
 * count        int       number of arrays
 * per array    name (UTF), type (byte: 0 float, 1 double), rank (int), shape (long each), values (big-endian, C order)
 * </pre>
 *
 * <p>Reading checks everything before it allocates: the count, the type, the rank, every dimension and the number
 * of values against the bytes left, so that a damaged or forged input becomes a {@link ModelFileException} naming
 * the file and the array, never an allocation of absurd size or an array read from the wrong bytes. Whether the
 * values are finite is for the reader to decide (a parameter must be, a weighting's saved loss history may start as
 * NaN): {@link ModelParameters} checks what it writes.
 */
public final class ArrayCodec {
    private static final int MAX_RANK = 32;
    private static final int FLOAT = 0;
    private static final int DOUBLE = 1;

    private ArrayCodec() {
    }

    /** Writes the count, then each array; DOUBLE arrays as doubles, every other type as floats. */
    public static void write(DataOutputStream out, Map<String, INDArray> arrays) throws IOException {
        out.writeInt(arrays.size());
        for (Map.Entry<String, INDArray> entry : arrays.entrySet()) {
            writeArray(out, entry.getKey(), entry.getValue());
        }
    }

    /**
     * Reads what {@link #write} wrote, leaving {@code in} after the last array.
     *
     * @param file the file the bytes came from, for messages
     * @throws ModelFileException when the bytes do not hold valid arrays
     */
    public static Map<String, INDArray> read(Path file, DataInputStream in) throws IOException {
        int count = in.readInt();
        // Each array takes at least 7 bytes (name length, type, rank): a count beyond the bytes left is damage.
        if (count < 0 || count > in.available()) {
            throw new ModelFileException(file, "invalid array count " + count + " (" + in.available()
                    + " bytes left)");
        }
        Map<String, INDArray> arrays = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            String name;
            try {
                name = in.readUTF();
            } catch (EOFException | UTFDataFormatException e) {
                throw new ModelFileException(file, "array " + (i + 1) + " of " + count + " has no readable name: "
                        + "the arrays are cut short or damaged", e);
            }
            if (arrays.containsKey(name)) {
                throw new ModelFileException(file, "array '" + name + "' appears twice");
            }
            arrays.put(name, readArray(file, in, name));
        }
        return arrays;
    }

    /** The arrays as bytes, for an attachment. */
    public static byte[] toBytes(Map<String, INDArray> arrays) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            write(out, arrays);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory", e);
        }
        return bytes.toByteArray();
    }

    /**
     * Reads the arrays of {@link #toBytes}; every byte must belong to them.
     *
     * @throws ModelFileException naming {@code file} when the bytes do not hold valid arrays
     */
    public static Map<String, INDArray> fromBytes(Path file, byte[] bytes) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        try {
            Map<String, INDArray> arrays = read(file, in);
            if (in.available() != 0) {
                throw new ModelFileException(file, in.available() + " unexpected bytes after the last array");
            }
            return arrays;
        } catch (EOFException e) {
            throw new ModelFileException(file, "the arrays are cut short before their count", e);
        }
    }

    private static void writeArray(DataOutputStream out, String name, INDArray array) throws IOException {
        out.writeUTF(name);
        boolean isDouble = array.dataType() == DataType.DOUBLE;
        out.writeByte(isDouble ? DOUBLE : FLOAT);
        out.writeInt(array.rank());
        for (long d : array.shape()) {
            out.writeLong(d);
        }
        if (array.length() == 0) {
            return; // ND4J gives an empty array no data buffer at all.
        }
        INDArray c = array.dup('c');
        if (isDouble) {
            for (double v : c.data().asDouble()) {
                out.writeDouble(v);
            }
        } else {
            for (float v : c.castTo(DataType.FLOAT).data().asFloat()) {
                out.writeFloat(v);
            }
        }
    }

    private static INDArray readArray(Path file, DataInputStream in, String name) throws IOException {
        try {
            int type = in.readUnsignedByte();
            if (type != FLOAT && type != DOUBLE) {
                throw new ModelFileException(file, "array '" + name + "' has unknown type " + type);
            }
            int rank = in.readInt();
            if (rank < 0 || rank > MAX_RANK) {
                throw new ModelFileException(file, "array '" + name + "' has invalid rank " + rank);
            }
            long[] shape = new long[rank];
            for (int d = 0; d < rank; d++) {
                shape[d] = in.readLong();
                if (shape[d] < 0) {
                    throw new ModelFileException(file, "array '" + name + "' has an invalid shape "
                            + Arrays.toString(Arrays.copyOf(shape, d + 1)) + (d + 1 < rank ? "..." : ""));
                }
            }
            // Exact, whatever the dimensions: a forged shape must not overflow into a small count.
            BigInteger needed = BigInteger.valueOf(type == DOUBLE ? Double.BYTES : Float.BYTES);
            for (long d : shape) {
                needed = needed.multiply(BigInteger.valueOf(d));
            }
            if (needed.compareTo(BigInteger.valueOf(in.available())) > 0) {
                throw new ModelFileException(file, "array '" + name + "' is cut short: shape "
                        + Arrays.toString(shape) + " needs " + needed + " bytes, " + in.available() + " left");
            }
            long count = needed.longValue() / (type == DOUBLE ? Double.BYTES : Float.BYTES);
            int n = (int) count;
            if (type == DOUBLE) {
                double[] values = new double[n];
                for (int i = 0; i < n; i++) {
                    values[i] = in.readDouble();
                }
                return Nd4j.create(values, shape, DataType.DOUBLE);
            }
            float[] values = new float[n];
            for (int i = 0; i < n; i++) {
                values[i] = in.readFloat();
            }
            return Nd4j.create(values, shape, 'c');
        } catch (EOFException e) {
            throw new ModelFileException(file, "array '" + name + "' is cut short: its header is incomplete", e);
        }
    }
}

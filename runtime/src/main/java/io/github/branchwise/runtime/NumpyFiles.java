package io.github.branchwise.runtime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reads NumPy's {@code .npy} and {@code .npz} files (format versions 1-3; little- or big-endian floats and
 * integers; C or Fortran order) into ND4J arrays.
 *
 * <p>Written in Java rather than calling ND4J's reader, which hands the bytes to native code: a malformed file must
 * give a clear {@link IOException}, not a crash of the JVM.
 */
public final class NumpyFiles {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([<>|=])([fiub])(\\d+)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private NumpyFiles() {
    }

    /** Reads every array of an {@code .npz} archive, by name (without the {@code .npy} suffix), in archive order. */
    public static Map<String, INDArray> readNpz(Path file) throws IOException {
        Map<String, INDArray> arrays = new LinkedHashMap<>();
        try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(file))) {
            ZipEntry entry;
            while ((entry = zip.getNextEntry()) != null) {
                String name = entry.getName();
                if (!name.endsWith(".npy")) {
                    throw new IOException(file + ": entry '" + name + "' is not an .npy array");
                }
                arrays.put(name.substring(0, name.length() - 4), parse(file + "!" + name, readAll(zip)));
            }
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": not a valid .npz archive: " + e.getMessage(), e);
        }
        if (arrays.isEmpty()) {
            throw new IOException(file + ": no arrays (not an .npz archive?)");
        }
        return arrays;
    }

    /** Reads one {@code .npy} file. */
    public static INDArray readNpy(Path file) throws IOException {
        return parse(file.toString(), Files.readAllBytes(file));
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toByteArray();
    }

    static INDArray parse(String source, byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 10) {
            throw new IOException(source + ": too short for an .npy array (" + bytes.length + " bytes)");
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (bytes[i] != MAGIC[i]) {
                throw new IOException(source + ": not an .npy array (wrong magic string)");
            }
        }
        int major = bytes[6];
        buffer.position(8);
        long headerLength = major == 1 ? Short.toUnsignedInt(buffer.getShort()) : Integer.toUnsignedLong(buffer.getInt());
        if (major < 1 || major > 3) {
            throw new IOException(source + ": .npy format version " + major + " is not supported");
        }
        if (headerLength > bytes.length - buffer.position()) {
            throw new IOException(source + ": header longer than the file");
        }
        String header = new String(bytes, buffer.position(), (int) headerLength,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        buffer.position(buffer.position() + (int) headerLength);

        Matcher descr = DESCR.matcher(header);
        Matcher fortran = FORTRAN.matcher(header);
        Matcher shapeMatch = SHAPE.matcher(header);
        if (!descr.find() || !fortran.find() || !shapeMatch.find()) {
            throw new IOException(source + ": unreadable .npy header " + header.trim());
        }
        char order = descr.group(1).charAt(0);
        char kind = descr.group(2).charAt(0);
        int width;
        try {
            width = Integer.parseInt(descr.group(3));
        } catch (NumberFormatException e) {
            throw new IOException(source + ": unreadable data type in the .npy header", e);
        }
        boolean fortranOrder = fortran.group(1).equals("True");
        String[] dims = shapeMatch.group(1).split(",");
        long[] shape = new long[0];
        long count = 1;
        for (String d : dims) {
            String t = d.trim();
            if (t.isEmpty()) {
                continue;
            }
            long dim;
            try {
                dim = Long.parseLong(t);
            } catch (NumberFormatException e) {
                throw new IOException(source + ": unreadable dimension '" + t + "' in the .npy header", e);
            }
            if (dim < 0) {
                throw new IOException(source + ": negative dimension in shape (" + shapeMatch.group(1) + ")");
            }
            shape = java.util.Arrays.copyOf(shape, shape.length + 1);
            shape[shape.length - 1] = dim;
            try {
                count = Math.multiplyExact(count, dim);
            } catch (ArithmeticException e) {
                throw new IOException(source + ": impossible shape (" + shapeMatch.group(1) + ")", e);
            }
        }
        if (width <= 0 || count > (bytes.length - buffer.position()) / width
                || count * width != bytes.length - buffer.position()) {
            throw new IOException(source + ": " + (bytes.length - buffer.position()) + " data bytes for " + count
                    + " values of " + width + " bytes");
        }
        buffer.order(order == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        double[] values = new double[Math.toIntExact(count)];
        for (int i = 0; i < values.length; i++) {
            values[i] = switch (kind) {
                case 'f' -> switch (width) {
                    case 4 -> buffer.getFloat();
                    case 8 -> buffer.getDouble();
                    default -> throw new IOException(source + ": float" + (width * 8) + " is not supported");
                };
                case 'i', 'u', 'b' -> switch (width) {
                    case 1 -> kind == 'i' ? buffer.get() : Byte.toUnsignedInt(buffer.get());
                    case 2 -> kind == 'i' ? buffer.getShort() : Short.toUnsignedInt(buffer.getShort());
                    case 4 -> kind == 'i' ? buffer.getInt() : Integer.toUnsignedLong(buffer.getInt());
                    case 8 -> buffer.getLong();
                    default -> throw new IOException(source + ": integer width " + width + " is not supported");
                };
                default -> throw new IOException(source + ": data type '" + kind + "' is not supported");
            };
        }
        DataType type = kind == 'f' && width == 4 ? DataType.FLOAT : DataType.DOUBLE;
        if (shape.length == 0) {
            return Nd4j.scalar(values[0]).castTo(type);
        }
        return Nd4j.create(values, shape, fortranOrder ? 'f' : 'c').castTo(type).dup('c');
    }
}

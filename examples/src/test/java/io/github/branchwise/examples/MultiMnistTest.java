package io.github.branchwise.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** MultiMNIST pairs have the runtime's shapes, follow Sener and Koltun's construction and equal Python's canvases. */
class MultiMnistTest {
    private static MnistDigits digits;
    private static MultiMnist train;
    private static MultiMnist test;

    @BeforeAll
    static void build() {
        digits = MnistDigits.load();
        train = MultiMnist.train(digits, 42);
        test = MultiMnist.test(digits, 42);
    }

    @Test
    void splitMix64MatchesItsReferenceOutputs() {
        // The first outputs of SplitMix64 seeded 0, as multimnist.py prints them (and as published for the generator).
        MultiMnist.SplitMix64 random = new MultiMnist.SplitMix64(0);
        assertEquals(0xe220a8397b1dcdafL, random.next());
        assertEquals(0x6e789e6aa1b965f4L, random.next());
        assertEquals(0x06c45d188009454fL, random.next());
    }

    @Test
    void sizesAndArraysAreReadyForTheRuntime() {
        assertEquals(7996, train.size());
        assertEquals(2004, test.size());
        INDArray images = test.images();
        assertArrayEquals(new long[] {2004, 28, 28, 1}, images.shape());
        assertTrue(images.minNumber().doubleValue() >= 0 && images.maxNumber().doubleValue() <= 1);
        assertEquals(1.0, images.maxNumber().doubleValue(), 0);
        assertArrayEquals(new long[] {2004}, test.leftLabels().shape());
        assertArrayEquals(new long[] {2004}, test.rightLabels().shape());
        for (int k = 0; k < test.size(); k += 101) {
            assertEquals(test.leftLabel(k), test.leftLabels().getInt(k));
            assertEquals(test.rightLabel(k), test.rightLabels().getInt(k));
            assertEquals(test.pixel(k, 14, 9) / 255f, images.getFloat(k, 14, 9, 0), 0f);
            assertEquals(test.pixel(k, 20, 20) / 255f, test.image(k)[20 * 28 + 20], 0f);
        }
    }

    @Test
    void labelsAreTheSourceDigitsClasses() {
        for (int k = 0; k < train.size(); k++) {
            assertEquals(digits.label(train.leftSource(k)), train.leftLabel(k));
            assertEquals(digits.label(train.rightSource(k)), train.rightLabel(k));
        }
    }

    @Test
    void trainAndTestNeverShareASourceDigit() {
        Set<Integer> trainSources = new HashSet<>();
        for (int i : MultiMnist.trainSources(digits)) {
            trainSources.add(i);
        }
        Set<Integer> testSources = new HashSet<>();
        for (int i : MultiMnist.testSources(digits)) {
            testSources.add(i);
        }
        assertEquals(7996, trainSources.size());
        assertEquals(2004, testSources.size());
        for (int i = 0; i < digits.size(); i++) {
            assertTrue(trainSources.contains(i) != testSources.contains(i), "digit " + i + " is in exactly one split");
        }
        Set<Integer> lefts = new HashSet<>();
        for (int k = 0; k < train.size(); k++) {
            assertTrue(trainSources.contains(train.leftSource(k)) && trainSources.contains(train.rightSource(k)));
            lefts.add(train.leftSource(k));
        }
        assertEquals(trainSources, lefts, "every training source is a left digit exactly once");
        for (int k = 0; k < test.size(); k++) {
            assertTrue(testSources.contains(test.leftSource(k)) && testSources.contains(test.rightSource(k)));
        }
        // Every class is in both splits (the file is grouped by class, so a plain index range would not be).
        int[] testClasses = new int[10];
        for (int k = 0; k < test.size(); k++) {
            testClasses[test.leftLabel(k)]++;
        }
        for (int c = 0; c < 10; c++) {
            assertTrue(testClasses[c] > 150, "class " + c + " has " + testClasses[c] + " test pairs");
        }
    }

    @Test
    void sameSeedSamePairsOtherSeedOthers() {
        MultiMnist again = MultiMnist.test(digits, 42);
        MultiMnist other = MultiMnist.test(digits, 43);
        boolean differs = false;
        for (int k = 0; k < test.size(); k++) {
            assertEquals(test.leftSource(k), again.leftSource(k));
            assertEquals(test.rightSource(k), again.rightSource(k));
            assertArrayEquals(test.image(k), again.image(k));
            differs |= test.leftSource(k) != other.leftSource(k);
        }
        assertTrue(differs);
        assertNotEquals(train.leftSource(0), MultiMnist.train(digits, 7).leftSource(0));
    }

    /**
     * Each canvas recomputed here the plain way: 36x36 canvas, left at 0, right at 6, maximum on the overlap,
     * byte-scaled in floating point as scipy does, then the nearest source pixel of each output pixel's centre. The
     * floating-point scaling may differ by one grey level at an exact .5 tie, hence the tolerance of one.
     */
    @Test
    void canvasesFollowSenerAndKoltunsConstruction() {
        int mismatches = 0;
        for (int k = 0; k < test.size(); k += 7) {
            double[][] canvas = new double[36][36];
            for (int r = 0; r < 28; r++) {
                for (int c = 0; c < 28; c++) {
                    canvas[r][c] = digits.pixel(test.leftSource(k), r, c);
                }
            }
            for (int r = 0; r < 28; r++) {
                for (int c = 0; c < 28; c++) {
                    canvas[r + 6][c + 6] = Math.max(canvas[r + 6][c + 6], digits.pixel(test.rightSource(k), r, c));
                }
            }
            double max = 0;
            for (double[] row : canvas) {
                for (double v : row) {
                    max = Math.max(max, v);
                }
            }
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    int sy = (int) Math.floor((y + 0.5) * 36.0 / 28.0);
                    int sx = (int) Math.floor((x + 0.5) * 36.0 / 28.0);
                    int expected = (int) (canvas[sy][sx] * (255.0 / max) + 0.5);
                    int actual = test.pixel(k, y, x);
                    assertTrue(Math.abs(expected - actual) <= 1, "pair " + k + " (" + y + ", " + x + ")");
                    if (expected != actual) {
                        mismatches++;
                    }
                }
            }
        }
        assertTrue(mismatches < 10, mismatches + " ties");
    }

    /**
     * The numbers {@code python3 examples/data/multimnist.py} printed (seed 42; the script's last lines make them):
     * the Python loader builds exactly these canvases from the same file.
     */
    @Test
    void equalToPythonsCanvases() {
        assertSplit(train, 234129008L, 938303170754L, 1562064644L, 315166080020L);
        assertSplit(test, 59171045L, 59060577623L, 98006278L, 21792155691L);
        assertPair(train, 0, 9, 0, 9506, 608, 35158,
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 70, 253, 253, 105, 0, 0, 0, 0, 123, 253, 253, 198, 0, 0, 0, 0, 0);
        assertPair(train, 1, 6, 6, 6771, 6411, 29971,
                0, 0, 0, 0, 165, 169, 10, 0, 0, 80, 254, 254, 198, 254, 205, 254, 153, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        assertPair(train, 7995, 9, 7, 9629, 7487, 31588,
                0, 0, 0, 0, 0, 0, 0, 0, 0, 64, 128, 255, 253, 253, 97, 0, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        assertPair(test, 0, 5, 2, 5874, 3059, 41933,
                0, 0, 0, 121, 252, 172, 0, 0, 0, 0, 0, 0, 199, 252, 252, 252, 0, 0, 0, 167, 254, 249, 85, 0, 0, 0, 0, 0);
        assertPair(test, 2, 5, 9, 5845, 9939, 29779,
                0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 0, 0, 0, 0, 0, 64, 255, 255, 255, 64, 255, 255, 0, 0, 0, 0, 0, 0);
        assertPair(test, 2003, 4, 9, 4970, 9806, 34105,
                0, 0, 0, 0, 0, 150, 253, 252, 170, 0, 191, 255, 253, 252, 255, 255, 255, 255, 255, 255, 64, 0, 0, 0, 0, 0,
                0, 0);
    }

    private static void assertSplit(MultiMnist split, long total, long weighted, long labels, long sources) {
        long sumTotal = 0;
        long sumWeighted = 0;
        long sumLabels = 0;
        long sumSources = 0;
        for (int k = 0; k < split.size(); k++) {
            long pair = pairSum(split, k);
            sumTotal += pair;
            sumWeighted += (k + 1L) * pair;
            sumLabels += (k + 1L) * (10L * split.leftLabel(k) + split.rightLabel(k));
            sumSources += (k + 1L) * (split.leftSource(k) + split.rightSource(k));
        }
        assertEquals(total, sumTotal);
        assertEquals(weighted, sumWeighted);
        assertEquals(labels, sumLabels);
        assertEquals(sources, sumSources);
    }

    private static void assertPair(MultiMnist split, int k, int left, int right, int leftSource, int rightSource,
            long sum, int... row14) {
        assertEquals(left, split.leftLabel(k));
        assertEquals(right, split.rightLabel(k));
        assertEquals(leftSource, split.leftSource(k));
        assertEquals(rightSource, split.rightSource(k));
        assertEquals(sum, pairSum(split, k));
        int[] actual = new int[28];
        for (int x = 0; x < 28; x++) {
            actual[x] = split.pixel(k, 14, x);
        }
        assertArrayEquals(row14, actual);
    }

    private static long pairSum(MultiMnist split, int k) {
        long sum = 0;
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                sum += split.pixel(k, y, x);
            }
        }
        return sum;
    }
}

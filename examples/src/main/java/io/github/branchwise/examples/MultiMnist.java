package io.github.branchwise.examples;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * MultiMNIST (Sener and Koltun, "Multi-Task Learning as Multi-Objective Optimization", NeurIPS 2018) built from the
 * real digits of {@link MnistDigits}: two digits on one canvas, one classification head per digit.
 *
 * <p>The construction follows their loader ({@code multi_task/loaders/multi_mnist_loader.py} in
 * isl-org/MultiObjectiveOptimization, formerly intel-isl), which for every source image {@code left} picks one
 * partner {@code right} uniformly from the same split (itself included) and then:
 * <ol>
 *   <li>puts {@code left} at rows and columns 0..27 and {@code right} at 6..33 of a 36x36 canvas of zeros, taking
 *       the maximum of the two where they overlap (rows and columns 6..27);</li>
 *   <li>resizes the canvas to 28x28 with {@code scipy.misc.imresize(canvas, (28, 28), interp='nearest')}, which
 *       first byte-scales the canvas (a float array) so that its maximum becomes 255 — {@code floor(v·255/max +
 *       0.5)} — and then uses Pillow's NEAREST resize: output pixel {@code i} takes source pixel
 *       {@code floor((i + 0.5)·36/28)}.</li>
 * </ol>
 * Both steps are done here in integers, exactly: {@code (2·v·255 + max) / (2·max)} and {@code (2i + 1)·36 / 56}.
 * (The byte-scaling in floating point could differ from this by one grey level at an exact .5 tie; the index
 * mapping has no ties, since {@code (2i + 1)·9/14} is never an integer.) Labels are the left and the right digit's
 * classes; images come back in [0, 1] (the pixel byte over 255), before the normalisation by mean 0.1307 and
 * standard deviation 0.3081 that their training script applies.
 *
 * <p>What differs from theirs: the sources are our 10,000 digits, not MNIST's 60,000 training and 10,000 test
 * images. The training pairs use the first ⌊4n/5⌋ digits of each class (in the file's order, 7,996 in all) and the
 * test pairs the remaining ones (2,004), so the two never share a source digit. And the draws come from an
 * explicit generator, SplitMix64 (Steele, Lea and Flood 2014), seeded with {@code seed} for the training split and
 * {@code seed + 1} for the test split, so that {@code examples/data/multimnist.py} builds the same canvases for
 * PyTorch. With {@code n} sources in a split, the generator first shuffles them (Fisher–Yates: for {@code i} from
 * {@code n − 1} down to 1, swap {@code i} with {@code uniform(i + 1)}), making pair {@code k}'s left digit the
 * {@code k}-th of the shuffled order (every source is a left digit once, in random order), and then draws the
 * right digits, pair 0 first: {@code sources[uniform(n)]}. {@code uniform(b)} is the next 64-bit output, read as
 * unsigned, modulo {@code b} (a bias below b/2⁶⁴, which is nothing here).
 */
public final class MultiMnist {
    /** Side of the canvas on which the two digits are placed. */
    public static final int CANVAS = 36;
    /** Where the right digit starts, in rows and in columns. */
    public static final int OFFSET = 6;
    /** Side of the resized image. */
    public static final int SIDE = MnistDigits.SIDE;

    /** Source row (and column) of each output row (column): Pillow's NEAREST, in integers. */
    private static final int[] NEAREST = new int[SIDE];

    static {
        for (int i = 0; i < SIDE; i++) {
            NEAREST[i] = (2 * i + 1) * CANVAS / (2 * SIDE);
        }
    }

    private final byte[] images;
    private final int[] leftSources;
    private final int[] rightSources;
    private final int[] leftLabels;
    private final int[] rightLabels;

    private MultiMnist(MnistDigits digits, int[] leftSources, int[] rightSources) {
        int n = leftSources.length;
        this.leftSources = leftSources;
        this.rightSources = rightSources;
        this.images = new byte[n * SIDE * SIDE];
        this.leftLabels = new int[n];
        this.rightLabels = new int[n];
        int[] canvas = new int[CANVAS * CANVAS];
        for (int k = 0; k < n; k++) {
            leftLabels[k] = digits.label(leftSources[k]);
            rightLabels[k] = digits.label(rightSources[k]);
            compose(digits, leftSources[k], rightSources[k], canvas, images, k * SIDE * SIDE);
        }
    }

    /** The training pairs: every digit of {@link #trainSources} is a left digit once; deterministic from the seed. */
    public static MultiMnist train(MnistDigits digits, long seed) {
        return pairs(digits, trainSources(digits), seed);
    }

    /** The test pairs, from {@link #testSources} only, with the generator seeded {@code seed + 1}. */
    public static MultiMnist test(MnistDigits digits, long seed) {
        return pairs(digits, testSources(digits), seed + 1);
    }

    /** Indices of the source digits of the training pairs: the first ⌊4n/5⌋ of each class, in file order. */
    public static int[] trainSources(MnistDigits digits) {
        return sources(digits, true);
    }

    /** Indices of the source digits of the test pairs: all the others. */
    public static int[] testSources(MnistDigits digits) {
        return sources(digits, false);
    }

    /** The number of pairs. */
    public int size() {
        return leftSources.length;
    }

    /** Pair {@code k}'s 28x28 image, row-major, in [0, 1]. */
    public float[] image(int k) {
        float[] out = new float[SIDE * SIDE];
        for (int p = 0; p < out.length; p++) {
            out[p] = (images[k * out.length + p] & 0xFF) / 255f;
        }
        return out;
    }

    /** Pair {@code k}'s pixel at row {@code r}, column {@code c}, as a byte 0..255. */
    public int pixel(int k, int r, int c) {
        return images[k * SIDE * SIDE + r * SIDE + c] & 0xFF;
    }

    /** The class of pair {@code k}'s left (top-left) digit. */
    public int leftLabel(int k) {
        return leftLabels[k];
    }

    /** The class of pair {@code k}'s right (bottom-right) digit. */
    public int rightLabel(int k) {
        return rightLabels[k];
    }

    /** The {@link MnistDigits} index of pair {@code k}'s left digit. */
    public int leftSource(int k) {
        return leftSources[k];
    }

    /** The {@link MnistDigits} index of pair {@code k}'s right digit. */
    public int rightSource(int k) {
        return rightSources[k];
    }

    /** All images as one {@code [n, 28, 28, 1]} float array in [0, 1], the runtime's NHWC layout. */
    public INDArray images() {
        float[] out = new float[images.length];
        for (int p = 0; p < out.length; p++) {
            out[p] = (images[p] & 0xFF) / 255f;
        }
        return Nd4j.create(out, new long[] {size(), SIDE, SIDE, 1}, 'c');
    }

    /** The left digits' classes as a {@code [n]} float array of class ids (sparse categorical targets). */
    public INDArray leftLabels() {
        return classIds(leftLabels);
    }

    /** The right digits' classes as a {@code [n]} float array of class ids (sparse categorical targets). */
    public INDArray rightLabels() {
        return classIds(rightLabels);
    }

    private static INDArray classIds(int[] labels) {
        float[] out = new float[labels.length];
        for (int k = 0; k < labels.length; k++) {
            out[k] = labels[k];
        }
        return Nd4j.create(out, new long[] {labels.length}, 'c');
    }

    private static MultiMnist pairs(MnistDigits digits, int[] sources, long seed) {
        SplitMix64 random = new SplitMix64(seed);
        int n = sources.length;
        int[] left = Arrays.copyOf(sources, n);
        for (int i = n - 1; i > 0; i--) {
            int j = random.uniform(i + 1);
            int t = left[i];
            left[i] = left[j];
            left[j] = t;
        }
        int[] right = new int[n];
        for (int k = 0; k < n; k++) {
            right[k] = sources[random.uniform(n)];
        }
        return new MultiMnist(digits, left, right);
    }

    private static int[] sources(MnistDigits digits, boolean train) {
        int[] perClass = new int[10];
        for (int i = 0; i < digits.size(); i++) {
            perClass[digits.label(i)]++;
        }
        int[] seen = new int[10];
        int[] out = new int[digits.size()];
        int count = 0;
        for (int i = 0; i < digits.size(); i++) {
            int label = digits.label(i);
            boolean inTrain = seen[label]++ < perClass[label] * 4 / 5;
            if (inTrain == train) {
                out[count++] = i;
            }
        }
        return Arrays.copyOf(out, count);
    }

    /** The 36x36 canvas of {@code left} and {@code right}, byte-scaled and resized into {@code out} at {@code at}. */
    private static void compose(MnistDigits digits, int left, int right, int[] canvas, byte[] out, int at) {
        Arrays.fill(canvas, 0);
        for (int r = 0; r < SIDE; r++) {
            for (int c = 0; c < SIDE; c++) {
                canvas[r * CANVAS + c] = digits.pixel(left, r, c);
            }
        }
        for (int r = 0; r < SIDE; r++) {
            for (int c = 0; c < SIDE; c++) {
                int p = (r + OFFSET) * CANVAS + c + OFFSET;
                canvas[p] = Math.max(canvas[p], digits.pixel(right, r, c));
            }
        }
        int max = 0;
        for (int v : canvas) {
            max = Math.max(max, v);
        }
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                int v = canvas[NEAREST[y] * CANVAS + NEAREST[x]];
                // scipy's bytescale, floor(v·255/max + 0.5), exactly; an all-zero canvas stays zero as there.
                out[at + y * SIDE + x] = (byte) (max == 0 ? 0 : (2 * v * 255 + max) / (2 * max));
            }
        }
    }

    /**
     * SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014): the state
     * advances by 0x9E3779B97F4A7C15 and each output is the state mixed by two xor-shift-multiply rounds. Chosen
     * because it is a few lines in any language, so Python reproduces every draw.
     */
    static final class SplitMix64 {
        private long state;

        SplitMix64(long seed) {
            this.state = seed;
        }

        long next() {
            state += 0x9E3779B97F4A7C15L;
            long z = state;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return z ^ (z >>> 31);
        }

        /** The next output, unsigned, modulo {@code bound}. */
        int uniform(int bound) {
            return (int) Long.remainderUnsigned(next(), bound);
        }
    }
}

package io.github.branchwise.examples;

import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.training.FitConfig;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Trains {@link Masks} on images made here: each 16x16 image holds the outline of one square, cross or circle of
 * random size and place over noise (drawn as {@link ShapesExample} draws them), its mask (the pixels the outline
 * encloses, the outline included: a filled square, a disc, or the cross itself) and its kind, one-hot. 10% is held
 * out for validation. Prints the model, each epoch's losses and weights with the validation losses and accuracies,
 * then the masks' pixel accuracy and intersection over union computed here from {@code predict}'s outputs next to two
 * baselines, shows that predicting twice gives the same outputs (dropout and batch statistics are training-only), and
 * draws one image with its true and predicted mask in text.
 *
 * <p>Arguments: {@code --epochs N} (default 5), {@code --examples N} (default 2000).
 */
public final class MasksExample {
    private static final int SIZE = Masks.SIZE;
    private static final int PIXELS = SIZE * SIZE;

    private MasksExample() {
    }

    /** Runs the example. */
    public static void main(String[] args) {
        int epochs = 5;
        int examples = 2000;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--epochs" -> epochs = Integer.parseInt(args[++i]);
                case "--examples" -> examples = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; use --epochs N, --examples N");
            }
        }
        INDArray[] all = makeData(examples, 2024);
        int split = examples * 9 / 10;
        INDArray[] train = slice(all, 0, split);
        INDArray[] validation = slice(all, split, examples);
        System.out.printf(Locale.ROOT, "%d training and %d validation images of %s%n", split, examples - split,
                String.join(", ", ShapesExample.CLASSES));
        MasksTrainingModel model = train(train, validation, epochs, true);
        MasksPredictionModel predictor = model.predictionModel();

        // The whole validation set in one batch, then read back one example at a time as Java arrays.
        MasksPrediction prediction = predictor.predict(validation[0]);
        int n = prediction.size();
        float[][] images = rows(validation[0]);
        float[][] masks = rows(validation[1]);
        float[][] trueKinds = rows(validation[2]);
        double[][] maps = new double[n][];
        double[][] kinds = new double[n][];
        for (int i = 0; i < n; i++) {
            maps[i] = prediction.example(i).mask();
            kinds[i] = prediction.example(i).kind();
        }
        MaskScore net = MaskScore.of(maps, masks);
        MaskScore background = MaskScore.of(new double[n][PIXELS], masks);
        MaskScore threshold = MaskScore.of(toDouble(images), masks);
        System.out.printf(Locale.ROOT, "validation masks: pixel accuracy %.4f, IoU %.3f (all background: %.4f, %.3f;"
                + " the image thresholded at 0.5: %.4f, %.3f)%n", net.pixelAccuracy(), net.iou(),
                background.pixelAccuracy(), background.iou(), threshold.pixelAccuracy(), threshold.iou());
        System.out.printf(Locale.ROOT, "validation kinds: accuracy %.3f (chance 0.333)%n",
                kindAccuracy(kinds, trueKinds));

        // Inference mode: no dropout mask and the moving batch-norm statistics, so the same input gives the same
        // outputs however often it is predicted (the example records compare by content, exactly).
        MasksPrediction again = predictor.predict(validation[0]);
        int identical = 0;
        for (int i = 0; i < n; i++) {
            identical += again.example(i).equals(prediction.example(i)) ? 1 : 0;
        }
        System.out.printf(Locale.ROOT, "predicting the validation images again: %d of %d outputs identical%n",
                identical, n);
        INDArray movingMean = model.parameters().get("stem/batch_norm_0/moving_mean");
        INDArray movingVariance = model.parameters().get("stem/batch_norm_0/moving_variance");
        System.out.printf(Locale.ROOT, "stem/batch_norm_0 moving mean in [%.3f, %.3f] (starts at 0), moving variance"
                + " in [%.3f, %.3f] (starts at 1)%n", movingMean.minNumber().doubleValue(),
                movingMean.maxNumber().doubleValue(), movingVariance.minNumber().doubleValue(),
                movingVariance.maxNumber().doubleValue());

        // One image from plain Java: its 256 values row-major in, one double[] per branch out.
        int shown = firstCircle(trueKinds);
        MasksExamplePrediction one = predictor.predict(images[shown]);
        System.out.printf(Locale.ROOT, "validation image %d, a %s (p = %.3f): image > 0.5, true mask, predicted mask"
                + "%n", shown, ShapesExample.CLASSES[2], one.kind()[2]);
        System.out.print(render(images[shown], masks[shown], one.mask()));
    }

    /** Trains a fresh model for {@code epochs} on the given data; prints a summary and a table when {@code verbose}. */
    static MasksTrainingModel train(INDArray[] train, INDArray[] validation, int epochs, boolean verbose) {
        MasksTrainingModel model = MasksTrainingModel.create(TrainingOptions.builder().seed(5)
                .updater(new Adam(3e-3)).build());
        if (verbose) {
            System.out.println(model.summary());
        }
        FitConfig.Builder config = FitConfig.builder().epochs(epochs)
                .validation(MasksTrainingModel.data(validation[0], validation[1], validation[2], 256).shuffle(false));
        if (!verbose) {
            config.silent();
        }
        MasksHistory history = model.fit(train[0], train[1], train[2], 32, config.build());
        if (verbose) {
            System.out.println("epoch  loss(mask)  loss(kind)  weight(mask)  weight(kind)  val loss(mask)"
                    + "  val loss(kind)  val acc(mask)  val acc(kind)");
            for (MasksEpoch epoch : history.epochs()) {
                MasksLosses valLosses = epoch.validationLosses().orElseThrow();
                MasksMetrics val = epoch.validationMetrics().orElseThrow();
                System.out.printf(Locale.ROOT, "%5d  %10.4f  %10.4f  %12.3f  %12.3f  %14.4f  %14.4f  %13.4f  %13.3f%n",
                        epoch.epoch(), epoch.losses().mask(), epoch.losses().kind(), epoch.weights().mask(),
                        epoch.weights().kind(), valLosses.mask(), valLosses.kind(), val.maskAccuracy(),
                        val.kindAccuracy());
            }
        }
        return model;
    }

    /**
     * {@code n} examples: images {@code [n, 16, 16, 1]}, masks {@code [n, 16, 16, 1]} (1 where the outline encloses
     * the pixel, see {@link #enclosed}) and kinds {@code [n, 3]}, one-hot in the order of
     * {@link ShapesExample#CLASSES}.
     */
    static INDArray[] makeData(int n, long seed) {
        Random random = new Random(seed);
        float[] images = new float[n * PIXELS];
        float[] masks = new float[n * PIXELS];
        float[] kinds = new float[n * 3];
        for (int i = 0; i < n; i++) {
            int kind = random.nextInt(3);
            int radius = 2 + random.nextInt(3);
            int cy = radius + random.nextInt(SIZE - 2 * radius);
            int cx = radius + random.nextInt(SIZE - 2 * radius);
            boolean[] outline = outline(kind, radius, cy, cx);
            boolean[] inside = enclosed(outline);
            for (int p = 0; p < PIXELS; p++) {
                images[i * PIXELS + p] = (outline[p] ? 1f : 0f) + (float) (random.nextGaussian() * 0.15);
                masks[i * PIXELS + p] = inside[p] ? 1f : 0f;
            }
            kinds[i * 3 + kind] = 1f;
        }
        return new INDArray[] {
            Nd4j.create(images, new long[] {n, SIZE, SIZE, 1}, 'c'),
            Nd4j.create(masks, new long[] {n, SIZE, SIZE, 1}, 'c'),
            Nd4j.create(kinds, new long[] {n, 3}, 'c')
        };
    }

    /** The pixels (row-major, {@code y * 16 + x}) of a shape's outline centred at ({@code cy}, {@code cx}). */
    static boolean[] outline(int kind, int radius, int cy, int cx) {
        boolean[] on = new boolean[PIXELS];
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                on[y * SIZE + x] = ShapesExample.covers(kind, radius, y - cy, x - cx);
            }
        }
        return on;
    }

    /**
     * The outline and every pixel it encloses: what a flood fill from the border, stepping to the 4 neighbours of a
     * pixel and never onto the outline, does not reach. Four neighbours, not eight, so that a circle's diagonal steps
     * close it.
     */
    static boolean[] enclosed(boolean[] outline) {
        boolean[] outside = new boolean[PIXELS];
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        for (int p = 0; p < PIXELS; p++) {
            int y = p / SIZE;
            int x = p % SIZE;
            boolean border = y == 0 || x == 0 || y == SIZE - 1 || x == SIZE - 1;
            if (border && !outline[p]) {
                outside[p] = true;
                queue.add(p);
            }
        }
        while (!queue.isEmpty()) {
            int p = queue.poll();
            int y = p / SIZE;
            int x = p % SIZE;
            int[][] neighbours = {{y - 1, x}, {y + 1, x}, {y, x - 1}, {y, x + 1}};
            for (int[] n : neighbours) {
                int q = n[0] * SIZE + n[1];
                if (n[0] >= 0 && n[0] < SIZE && n[1] >= 0 && n[1] < SIZE && !outline[q] && !outside[q]) {
                    outside[q] = true;
                    queue.add(q);
                }
            }
        }
        boolean[] inside = new boolean[PIXELS];
        for (int p = 0; p < PIXELS; p++) {
            inside[p] = !outside[p];
        }
        return inside;
    }

    /**
     * How well maps (one {@code double[256]} per image) read as masks (a pixel is in where its value is at least 0.5)
     * match the true masks: the fraction of pixels right, and the intersection over union of the predicted and true
     * pixels, pooled over all images (1 when both are empty).
     */
    record MaskScore(double pixelAccuracy, double iou) {
        static MaskScore of(double[][] maps, float[][] masks) {
            long right = 0;
            long both = 0;
            long either = 0;
            long pixels = 0;
            for (int i = 0; i < masks.length; i++) {
                for (int p = 0; p < masks[i].length; p++) {
                    boolean in = maps[i][p] >= 0.5;
                    boolean shouldBe = masks[i][p] >= 0.5f;
                    right += in == shouldBe ? 1 : 0;
                    both += in && shouldBe ? 1 : 0;
                    either += in || shouldBe ? 1 : 0;
                    pixels++;
                }
            }
            return new MaskScore((double) right / pixels, either == 0 ? 1 : (double) both / either);
        }
    }

    /** The fraction of examples whose largest probability is at the one-hot target's 1. */
    static double kindAccuracy(double[][] probabilities, float[][] oneHot) {
        int right = 0;
        for (int i = 0; i < probabilities.length; i++) {
            int best = 0;
            for (int k = 1; k < probabilities[i].length; k++) {
                best = probabilities[i][k] > probabilities[i][best] ? k : best;
            }
            right += oneHot[i][best] == 1f ? 1 : 0;
        }
        return (double) right / probabilities.length;
    }

    /** Each example of a batch {@code [n, ...]}, flattened row-major. */
    static float[][] rows(INDArray batch) {
        float[][] out = new float[(int) batch.size(0)][];
        for (int i = 0; i < out.length; i++) {
            out[i] = batch.get(NDArrayIndex.point(i)).dup('c').data().asFloat();
        }
        return out;
    }

    private static double[][] toDouble(float[][] values) {
        double[][] out = new double[values.length][];
        for (int i = 0; i < values.length; i++) {
            out[i] = new double[values[i].length];
            for (int j = 0; j < values[i].length; j++) {
                out[i][j] = values[i][j];
            }
        }
        return out;
    }

    private static int firstCircle(float[][] kinds) {
        for (int i = 0; i < kinds.length; i++) {
            if (kinds[i][2] == 1f) {
                return i;
            }
        }
        return 0;
    }

    /** The image (a pixel above 0.5 as {@code #}), the true mask and the predicted mask, side by side. */
    private static String render(float[] image, float[] truth, double[] predicted) {
        StringBuilder text = new StringBuilder();
        for (int y = 0; y < SIZE; y++) {
            StringBuilder imageRow = new StringBuilder();
            StringBuilder trueRow = new StringBuilder();
            StringBuilder predictedRow = new StringBuilder();
            for (int x = 0; x < SIZE; x++) {
                int p = y * SIZE + x;
                imageRow.append(image[p] > 0.5f ? '#' : '.');
                trueRow.append(truth[p] >= 0.5f ? '#' : '.');
                predictedRow.append(predicted[p] >= 0.5 ? '#' : '.');
            }
            text.append(imageRow).append("   ").append(trueRow).append("   ").append(predictedRow).append('\n');
        }
        return text.toString();
    }

    private static INDArray[] slice(INDArray[] data, int from, int to) {
        INDArray[] out = new INDArray[data.length];
        for (int j = 0; j < data.length; j++) {
            out[j] = data[j].get(NDArrayIndex.interval(from, to)).dup('c');
        }
        return out;
    }
}

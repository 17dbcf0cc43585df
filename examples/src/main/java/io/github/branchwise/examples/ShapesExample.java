package io.github.branchwise.examples;

import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.training.Checkpoints;
import io.github.branchwise.runtime.training.FitConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Trains {@link Shapes} on a synthetic data set made here: a few thousand 16x16 images, each with one square, cross
 * or circle of random size and place over noise, with its 8x8 localization map and class. 10% is held out for
 * validation. Trains several epochs with a progress bar (plain lines when not on a terminal), then writes the
 * history as CSV and the loss and weight curves as PNG, and prints their paths.
 *
 * <p>Arguments: {@code --out DIR} (default {@code shapes-output}), {@code --epochs N} (default 6),
 * {@code --examples N} (default 3000), {@code --resume} (continue from the newest checkpoint in
 * {@code DIR/checkpoints} up to {@code --epochs}, exactly as an uninterrupted run would have).
 */
public final class ShapesExample {
    static final String[] CLASSES = {"square", "cross", "circle"};

    private ShapesExample() {
    }

    /** Runs the example. */
    public static void main(String[] args) throws IOException {
        Path out = Path.of("shapes-output");
        int epochs = 6;
        int examples = 3000;
        boolean resume = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Path.of(value(args, ++i));
                case "--epochs" -> epochs = Integer.parseInt(value(args, ++i));
                case "--examples" -> examples = Integer.parseInt(value(args, ++i));
                case "--resume" -> resume = true;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; use --out DIR, --epochs N, --examples N, --resume");
            }
        }

        INDArray[][] all = makeData(examples, 2024);
        int split = examples * 9 / 10;
        INDArray[][] train = slice(all, 0, split);
        INDArray[][] validation = slice(all, split, examples);
        System.out.printf(Locale.ROOT, "%d training and %d validation images of %s%n", split, examples - split,
                String.join(", ", CLASSES));

        Path checkpoints = out.resolve("checkpoints");
        ShapesTrainingModel model = resume
                ? ShapesTrainingModel.resumeLatest(checkpoints).orElseThrow(() -> new IllegalStateException(
                        "no checkpoint in " + checkpoints.toAbsolutePath() + " to resume from"))
                : ShapesTrainingModel.create(TrainingOptions.builder().seed(7).updater(new Adam(3e-3)).build());
        if (resume) {
            System.out.printf(Locale.ROOT, "resumed after epoch %d%n", model.epoch());
        }
        // Images, localization maps and class indices; mini-batches of 64, shuffled anew each epoch from the seed.
        ShapesHistory history = model.fit(train[0][0], train[1][0], train[1][1], 64, FitConfig.builder()
                .epochs(epochs)
                .validation(ShapesTrainingModel.data(validation[0][0], validation[1][0], validation[1][1], 256)
                        .shuffle(false))
                .checkpoints(Checkpoints.to(checkpoints).everyEpochs(1).keepLast(2))
                .build());

        Path csv = out.resolve("history.csv");
        Path steps = out.resolve("steps.csv");
        Path losses = out.resolve("losses.png");
        Path weights = out.resolve("weights.png");
        history.writeCsv(csv);
        history.writeStepsCsv(steps);
        history.plotLosses(losses);
        history.plotWeights(weights);

        System.out.println("epoch  loss(loc)  loss(shape)  weight(loc)  weight(shape)  val acc(loc)  val acc(shape)");
        for (ShapesEpoch epoch : history.epochs()) {
            ShapesMetrics val = epoch.validationMetrics().orElseThrow();
            System.out.printf(Locale.ROOT, "%5d  %9.4f  %11.4f  %11.3f  %13.3f  %12.3f  %14.3f%n", epoch.epoch(),
                    epoch.losses().localization(), epoch.losses().shape(), epoch.weights().localization(),
                    epoch.weights().shape(), val.localizationAccuracy(), val.shapeAccuracy());
        }
        // One new image from plain Java: a circle of radius 4 in the middle, no noise, as the 16x16x1 image's 256
        // values row-major (pixel (y, x) at y * 16 + x).
        float[] circle = new float[256];
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                circle[y * 16 + x] = covers(2, 4, y - 8, x - 8) ? 1f : 0f;
            }
        }
        double[] probabilities = model.predictionModel().predict(circle).shape();
        int best = 0;
        for (int k = 1; k < probabilities.length; k++) {
            best = probabilities[k] > probabilities[best] ? k : best;
        }
        System.out.printf(Locale.ROOT, "a circle drawn in Java is predicted a %s (p = %.3f)%n", CLASSES[best],
                probabilities[best]);
        System.out.println("history (per epoch): " + csv.toAbsolutePath());
        System.out.println("history (per step):  " + steps.toAbsolutePath());
        System.out.println("branch losses chart: " + losses.toAbsolutePath());
        System.out.println("loss weights chart:  " + weights.toAbsolutePath());
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            throw new IllegalArgumentException(args[i - 1] + " needs a value");
        }
        return args[i];
    }

    /**
     * {@code n} examples: images {@code [n, 16, 16, 1]}, localization maps {@code [n, 8, 8, 1]} (a cell is 1 when
     * the shape covers any pixel of its 2x2 block) and class indices {@code [n]}.
     */
    static INDArray[][] makeData(int n, long seed) {
        Random random = new Random(seed);
        float[] images = new float[n * 256];
        float[] maps = new float[n * 64];
        float[] classes = new float[n];
        for (int i = 0; i < n; i++) {
            int kind = random.nextInt(3);
            int radius = 2 + random.nextInt(3);
            int cy = radius + random.nextInt(16 - 2 * radius);
            int cx = radius + random.nextInt(16 - 2 * radius);
            classes[i] = kind;
            for (int y = 0; y < 16; y++) {
                for (int x = 0; x < 16; x++) {
                    boolean on = covers(kind, radius, y - cy, x - cx);
                    float noise = (float) (random.nextGaussian() * 0.15);
                    images[i * 256 + y * 16 + x] = (on ? 1f : 0f) + noise;
                    if (on) {
                        maps[i * 64 + (y / 2) * 8 + x / 2] = 1f;
                    }
                }
            }
        }
        return new INDArray[][] {
            {Nd4j.create(images, new long[] {n, 16, 16, 1}, 'c')},
            {Nd4j.create(maps, new long[] {n, 8, 8, 1}, 'c'), Nd4j.create(classes, new long[] {n}, 'c')}
        };
    }

    /** Whether a shape of the given kind and radius covers the pixel at offset (dy, dx) from its centre. */
    static boolean covers(int kind, int radius, int dy, int dx) {
        return switch (kind) {
            case 0 -> Math.max(Math.abs(dy), Math.abs(dx)) == radius;         // square outline
            case 1 -> (dy == 0 && Math.abs(dx) <= radius) || (dx == 0 && Math.abs(dy) <= radius); // cross
            default -> {
                double d = Math.sqrt(dy * dy + dx * dx);                       // circle outline
                yield Math.abs(d - radius) < 0.5;
            }
        };
    }

    private static INDArray[][] slice(INDArray[][] data, int from, int to) {
        INDArray[][] out = new INDArray[2][];
        for (int k = 0; k < 2; k++) {
            out[k] = new INDArray[data[k].length];
            for (int j = 0; j < data[k].length; j++) {
                out[k][j] = data[k][j].get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to)).dup('c');
            }
        }
        return out;
    }
}

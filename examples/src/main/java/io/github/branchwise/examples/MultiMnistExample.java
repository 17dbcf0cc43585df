package io.github.branchwise.examples;

import io.github.branchwise.runtime.LossWeighting;
import io.github.branchwise.runtime.NativeThreads;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.training.FitConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Trains {@link MultiMnistLeNet} on {@link MultiMnist} (two real digits per 28x28 canvas, one head per digit) and
 * reports each head's accuracy on the test pairs, whose source digits the training pairs never use.
 *
 * <p>The recipe, the same as {@code examples/data/multimnist_lenet.py}'s for PyTorch: the canvases of data seed 42
 * (7,996 training and 2,004 test pairs), pixels normalised by MNIST's mean 0.1307 and standard deviation 0.3081 (as
 * Sener and Koltun's loader does), Adam at 1e-3 (β 0.9/0.999, ε 1e-8) on every parameter including the weighting's,
 * mini-batches of 64 reshuffled each epoch from the model seed, Glorot-uniform weights and zero biases, uncertainty
 * weighting (or {@code --weighting fixed}: 0.5/0.5). The default run is 3 epochs on every training pair (under a
 * minute of training on 2 cores); {@code --epochs 10} is the recipe of the side-by-side comparison
 * ({@code examples/data/multimnist_side_by_side.sh}).
 *
 * <p>Arguments: {@code --out DIR} (default {@code target/multimnist}, or the property {@code multimnist.out}),
 * {@code --epochs N} (3), {@code --train N} (the first N training pairs; all by default), {@code --seed N} (the
 * model seed: initial weights and shuffling; 1), {@code --weighting uncertainty|fixed}, {@code --threads N} (native
 * threads; chosen automatically by default), {@code --compare} (train without per-epoch evaluation or files, then
 * print one {@code RESULT} line with the test accuracies and the training time, for the side-by-side script).
 */
public final class MultiMnistExample {
    /** The seed of the canvases, fixed so that every model seed trains and tests on the same pairs. */
    static final long DATA_SEED = 42;
    /** MNIST's pixel mean and standard deviation, the normalisation of Sener and Koltun's loader. */
    static final double MEAN = 0.1307;
    static final double STD = 0.3081;
    static final int BATCH = 64;
    static final double LEARNING_RATE = 1e-3;

    private MultiMnistExample() {
    }

    /** What one run measured. */
    record Result(double leftAccuracy, double rightAccuracy, double trainSeconds, MultiMnistLeNetHistory history) {
    }

    /** Runs the example. */
    public static void main(String[] args) throws IOException {
        run(args);
    }

    /** Runs the example with these arguments and returns what it measured (the test drives it this way). */
    static Result run(String[] args) throws IOException {
        Path out = Path.of(System.getProperty("multimnist.out", "target/multimnist"));
        int epochs = 3;
        int trainPairs = Integer.MAX_VALUE;
        long seed = 1;
        String weighting = "uncertainty";
        boolean compare = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Path.of(value(args, ++i));
                case "--epochs" -> epochs = Integer.parseInt(value(args, ++i));
                case "--train" -> trainPairs = Integer.parseInt(value(args, ++i));
                case "--seed" -> seed = Long.parseLong(value(args, ++i));
                case "--weighting" -> weighting = value(args, ++i);
                case "--threads" -> NativeThreads.set(Integer.parseInt(value(args, ++i)));
                case "--compare" -> compare = true;
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + "; use --out DIR, "
                        + "--epochs N, --train N, --seed N, --weighting uncertainty|fixed, --threads N, --compare");
            }
        }
        LossWeighting lossWeighting = switch (weighting) {
            case "uncertainty" -> LossWeighting.uncertainty();
            case "fixed" -> LossWeighting.fixed(0.5, 0.5);
            default -> throw new IllegalArgumentException("--weighting is uncertainty or fixed, not " + weighting);
        };

        MnistDigits digits = MnistDigits.load();
        MultiMnist train = MultiMnist.train(digits, DATA_SEED);
        MultiMnist test = MultiMnist.test(digits, DATA_SEED);
        int n = Math.min(trainPairs, train.size());
        if (!compare) {
            System.out.printf(Locale.ROOT, "MultiMNIST: %d training and %d test pairs; LeNet, %s weighting, "
                    + "Adam %.0e, batch %d, %d epochs, seed %d%n", n, test.size(), weighting, LEARNING_RATE, BATCH,
                    epochs, seed);
        }
        Result result = train(train, test, n, epochs, seed, lossWeighting, !compare);
        if (compare) {
            System.out.printf(Locale.ROOT, "RESULT framework=branchwise seed=%d epochs=%d weighting=%s left=%.4f "
                    + "right=%.4f train_s=%.2f threads=%d%n", seed, epochs, weighting, result.leftAccuracy(),
                    result.rightAccuracy(), result.trainSeconds(), NativeThreads.current());
            return result;
        }
        MultiMnistLeNetHistory history = result.history();
        System.out.println("epoch  loss(left)  loss(right)  weight(left)  weight(right)  test acc(left)  test acc(right)");
        for (MultiMnistLeNetEpoch epoch : history.epochs()) {
            MultiMnistLeNetMetrics testMetrics = epoch.validationMetrics().orElseThrow();
            System.out.printf(Locale.ROOT, "%5d  %10.4f  %11.4f  %12.3f  %13.3f  %14.4f  %15.4f%n", epoch.epoch(),
                    epoch.losses().left(), epoch.losses().right(), epoch.weights().left(), epoch.weights().right(),
                    testMetrics.leftAccuracy(), testMetrics.rightAccuracy());
        }
        System.out.printf(Locale.ROOT, "test accuracy: left %.4f, right %.4f (chance 0.1); %.1f s of training "
                + "(with the per-epoch test evaluation)%n", result.leftAccuracy(), result.rightAccuracy(),
                result.trainSeconds());
        Path csv = out.resolve("history.csv");
        Path losses = out.resolve("losses.png");
        Path weights = out.resolve("weights.png");
        history.writeCsv(csv);
        history.plotLosses(losses);
        history.plotWeights(weights);
        System.out.println("history (per epoch): " + csv.toAbsolutePath());
        System.out.println("branch losses chart: " + losses.toAbsolutePath());
        System.out.println("loss weights chart:  " + weights.toAbsolutePath());
        return result;
    }

    /**
     * Trains on the first {@code n} training pairs and measures both heads' accuracy on every test pair. With
     * {@code evaluateEachEpoch} the test pairs are the fit's validation data (so the history holds the test
     * accuracy of each epoch) and the progress shows; without it the fit trains only, silently, and
     * {@code trainSeconds} is the training alone.
     */
    static Result train(MultiMnist train, MultiMnist test, int n, int epochs, long seed, LossWeighting weighting,
            boolean evaluateEachEpoch) {
        INDArray images = normalise(train.images()).get(NDArrayIndex.interval(0, n)).dup('c');
        INDArray left = train.leftLabels().get(NDArrayIndex.interval(0, n)).dup();
        INDArray right = train.rightLabels().get(NDArrayIndex.interval(0, n)).dup();
        INDArray testImages = normalise(test.images());
        MultiMnistLeNetTrainingModel model = MultiMnistLeNetTrainingModel.create(TrainingOptions.builder()
                .seed(seed).updater(new Adam(LEARNING_RATE)).weighting(weighting).build());
        FitConfig.Builder config = FitConfig.builder().epochs(epochs);
        if (evaluateEachEpoch) {
            config.validation(MultiMnistLeNetTrainingModel.data(testImages, test.leftLabels(), test.rightLabels(),
                    500).shuffle(false));
        } else {
            config.silent();
        }
        long start = System.nanoTime();
        MultiMnistLeNetHistory history = model.fit(images, left, right, BATCH, config.build());
        double seconds = (System.nanoTime() - start) / 1e9;
        MultiMnistLeNetPrediction prediction = model.predictionModel().predict(testImages);
        return new Result(accuracy(prediction.left(), test.leftLabels()),
                accuracy(prediction.right(), test.rightLabels()), seconds, history);
    }

    /** {@code (x − 0.1307) / 0.3081}, in place. */
    static INDArray normalise(INDArray images) {
        return images.subi(MEAN).divi(STD);
    }

    /** The share of rows whose largest probability is at the target class. */
    static double accuracy(INDArray probabilities, INDArray classes) {
        INDArray predicted = probabilities.argMax(1);
        long right = 0;
        for (int k = 0; k < classes.length(); k++) {
            right += predicted.getLong(k) == classes.getLong(k) ? 1 : 0;
        }
        return (double) right / classes.length();
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            throw new IllegalArgumentException(args[i - 1] + " needs a value");
        }
        return args[i];
    }
}

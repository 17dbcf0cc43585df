package io.github.branchwise.examples;

import io.github.branchwise.runtime.LossWeighting;
import io.github.branchwise.runtime.NativeThreads;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.training.FitConfig;
import io.github.branchwise.runtime.training.History;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Trains {@link MultiMnistLeNet} (hard parameter sharing) and {@link MultiMnistCrossStitch} (two LeNet columns
 * joined by cross-stitch units) on {@link MultiMnist} (two real digits per 28x28 canvas, one head per digit), and
 * reports each head's accuracy on the test pairs, whose source digits the training pairs never use: after every
 * epoch (the test pairs are the fit's validation data, so they are in the history) and at the end, then writes each
 * model's history as CSV and its loss and weight curves as PNG into {@code OUT/lenet} and {@code OUT/cross-stitch}.
 *
 * <p>The recipe, the same as {@code examples/data/multimnist_lenet.py}'s for PyTorch: the canvases of data seed 42
 * (7,996 training and 2,004 test pairs), pixels normalised by MNIST's mean 0.1307 and standard deviation 0.3081 (as
 * Sener and Koltun's loader does), Adam at 1e-3 (β 0.9/0.999, ε 1e-8) on every parameter including the weighting's,
 * mini-batches of 64 reshuffled each epoch from the model seed, Glorot-uniform weights and zero biases, uncertainty
 * weighting (or {@code --weighting fixed}: 0.5/0.5). The default run is 3 epochs of each model on every training
 * pair; {@code --epochs 10} is the recipe of the side-by-side comparison
 * ({@code examples/data/multimnist_side_by_side.sh}).
 *
 * <p>Arguments: {@code --out DIR} (default {@code target/multimnist}, or the property {@code multimnist.out}),
 * {@code --epochs N} (3), {@code --train N} (the first N training pairs; all by default), {@code --seed N} (the
 * model seed: initial weights and shuffling; 1), {@code --weighting uncertainty|fixed},
 * {@code --model lenet|cross-stitch|both} (both), {@code --threads N} (native threads; chosen automatically by
 * default), {@code --compare} (train without per-epoch evaluation or files, then print one {@code RESULT} line per
 * model with the test accuracies and the training time, for the side-by-side script), {@code --profile} (after
 * training, where the last step's native time went, slowest ops first).
 */
public final class MultiMnistExample {
    /** The seed of the canvases, fixed so that every model seed trains and tests on the same pairs. */
    static final long DATA_SEED = 42;
    /** MNIST's pixel mean and standard deviation, the normalisation of Sener and Koltun's loader. */
    static final double MEAN = 0.1307;
    static final double STD = 0.3081;
    static final int BATCH = 64;
    static final double LEARNING_RATE = 1e-3;
    static final String LENET = "lenet";
    static final String CROSS_STITCH = "cross-stitch";

    private MultiMnistExample() {
    }

    /** What one run measured: each head's test accuracy, the seconds {@code fit} took, and the history. */
    record Result(String model, double leftAccuracy, double rightAccuracy, double trainSeconds, History history,
            Map<String, INDArray> stitches) {
    }

    /** Runs the example. */
    public static void main(String[] args) throws IOException {
        run(args);
    }

    /** Runs the example with these arguments and returns what it measured, one result per model trained. */
    static List<Result> run(String[] args) throws IOException {
        Path out = Path.of(System.getProperty("multimnist.out", "target/multimnist"));
        int epochs = 3;
        int trainPairs = Integer.MAX_VALUE;
        long seed = 1;
        String weighting = "uncertainty";
        List<String> models = List.of(LENET, CROSS_STITCH);
        boolean compare = false;
        boolean profile = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Path.of(value(args, ++i));
                case "--epochs" -> epochs = Integer.parseInt(value(args, ++i));
                case "--train" -> trainPairs = Integer.parseInt(value(args, ++i));
                case "--seed" -> seed = Long.parseLong(value(args, ++i));
                case "--weighting" -> weighting = value(args, ++i);
                case "--model" -> models = switch (value(args, ++i)) {
                    case LENET -> List.of(LENET);
                    case CROSS_STITCH -> List.of(CROSS_STITCH);
                    case "both" -> List.of(LENET, CROSS_STITCH);
                    default -> throw new IllegalArgumentException("--model is lenet, cross-stitch or both, not "
                            + args[i]);
                };
                case "--threads" -> NativeThreads.set(Integer.parseInt(value(args, ++i)));
                case "--compare" -> compare = true;
                case "--profile" -> profile = true;
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + "; use --out DIR, "
                        + "--epochs N, --train N, --seed N, --weighting uncertainty|fixed, "
                        + "--model lenet|cross-stitch|both, --threads N, --compare, --profile");
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
        List<Result> results = new ArrayList<>();
        for (String model : models) {
            if (!compare) {
                System.out.printf(Locale.ROOT, "%nMultiMNIST, %s: %d training and %d test pairs; %s weighting, "
                        + "Adam %.0e, batch %d, %d epochs, seed %d%n", model, n, test.size(), weighting,
                        LEARNING_RATE, BATCH, epochs, seed);
            }
            Result result = train(model, train, test, n, epochs, seed, lossWeighting, !compare, profile);
            results.add(result);
            if (compare) {
                System.out.printf(Locale.ROOT, "RESULT framework=branchwise model=%s seed=%d epochs=%d weighting=%s "
                        + "left=%.4f right=%.4f train_s=%.2f threads=%d%n", model, seed, epochs, weighting,
                        result.leftAccuracy(), result.rightAccuracy(), result.trainSeconds(), NativeThreads.current());
            } else {
                report(result, out.resolve(model));
            }
        }
        return results;
    }

    /** Prints the per-epoch table and the final accuracies, and writes the history and charts into {@code dir}. */
    private static void report(Result result, Path dir) throws IOException {
        History history = result.history();
        double[][] columns = new double[6][];
        String[] names = {"left_loss", "right_loss", "left_weight", "right_weight", "val_left_accuracy",
            "val_right_accuracy"};
        for (int c = 0; c < names.length; c++) {
            columns[c] = history.epochValues(names[c]);
        }
        System.out.println("epoch  loss(left)  loss(right)  weight(left)  weight(right)  test acc(left)  test acc(right)");
        for (int e = 0; e < history.epochCount(); e++) {
            System.out.printf(Locale.ROOT, "%5d  %10.4f  %11.4f  %12.3f  %13.3f  %14.4f  %15.4f%n", e + 1,
                    columns[0][e], columns[1][e], columns[2][e], columns[3][e], columns[4][e], columns[5][e]);
        }
        System.out.printf(Locale.ROOT, "%s test accuracy: left %.4f, right %.4f (chance 0.1); %.1f s in fit "
                + "(with the per-epoch test evaluation)%n", result.model(), result.leftAccuracy(),
                result.rightAccuracy(), result.trainSeconds());
        result.stitches().forEach((name, alpha) -> System.out.printf(Locale.ROOT,
                "  %s = %s (own, other; 0.9, 0.1 at first)%n", name, alpha.toString().replaceAll("\\s+", " ")));
        Path csv = dir.resolve("history.csv");
        Path losses = dir.resolve("losses.png");
        Path weights = dir.resolve("weights.png");
        history.writeCsv(csv);
        history.plotLosses(losses);
        history.plotWeights(weights);
        System.out.println("history (per epoch): " + csv.toAbsolutePath());
        System.out.println("branch losses chart: " + losses.toAbsolutePath());
        System.out.println("loss weights chart:  " + weights.toAbsolutePath());
    }

    /**
     * Trains {@code model} on the first {@code n} training pairs and measures both heads' accuracy on every test
     * pair. With {@code evaluateEachEpoch} the test pairs are the fit's validation data (so the history holds the
     * test accuracy of each epoch) and the progress shows; without it the fit trains only, silently, and
     * {@code trainSeconds} is the training alone.
     */
    static Result train(String model, MultiMnist train, MultiMnist test, int n, int epochs, long seed,
            LossWeighting weighting, boolean evaluateEachEpoch, boolean profile) {
        INDArray images = normalise(train.images()).get(NDArrayIndex.interval(0, n)).dup('c');
        INDArray left = train.leftLabels().get(NDArrayIndex.interval(0, n)).dup();
        INDArray right = train.rightLabels().get(NDArrayIndex.interval(0, n)).dup();
        INDArray testImages = normalise(test.images());
        TrainingOptions options = TrainingOptions.builder().seed(seed).updater(new Adam(LEARNING_RATE))
                .weighting(weighting).build();
        FitConfig.Builder config = FitConfig.builder().epochs(epochs);
        if (evaluateEachEpoch) {
            // The same DataSource for both models: inputs, then the branches' targets, in declaration order.
            config.validation(MultiMnistLeNetTrainingModel.data(testImages, test.leftLabels(), test.rightLabels(),
                    500).shuffle(false));
        } else {
            config.silent();
        }
        long start;
        History history;
        INDArray[] predicted;
        Map<String, INDArray> stitches = new TreeMap<>();
        if (model.equals(LENET)) {
            MultiMnistLeNetTrainingModel lenet = MultiMnistLeNetTrainingModel.create(options);
            start = System.nanoTime();
            history = lenet.fit(images, left, right, BATCH, config.build()).history();
            double seconds = (System.nanoTime() - start) / 1e9;
            if (profile) {
                printProfile(lenet.trainer().profileLastStep(50));
            }
            MultiMnistLeNetPrediction p = lenet.predictionModel().predict(testImages);
            predicted = new INDArray[] {p.left(), p.right()};
            return result(model, test, predicted, seconds, history, stitches);
        }
        MultiMnistCrossStitchTrainingModel stitched = MultiMnistCrossStitchTrainingModel.create(options);
        start = System.nanoTime();
        history = stitched.fit(images, left, right, BATCH, config.build()).history();
        double seconds = (System.nanoTime() - start) / 1e9;
        if (profile) {
            printProfile(stitched.trainer().profileLastStep(50));
        }
        MultiMnistCrossStitchPrediction p = stitched.predictionModel().predict(testImages);
        predicted = new INDArray[] {p.left(), p.right()};
        stitched.trainer().parameters().forEach((name, value) -> {
            if (name.endsWith("/alpha")) {
                stitches.put(name, value.dup());
            }
        });
        return result(model, test, predicted, seconds, history, stitches);
    }

    /** The slowest ops of the last training step (its batch re-run 50 times), for {@code --profile}. */
    private static void printProfile(List<String> ops) {
        System.out.println("slowest ops of the last training step:");
        ops.stream().limit(15).forEach(op -> System.out.println("  " + op));
    }

    private static Result result(String model, MultiMnist test, INDArray[] predicted, double seconds,
            History history, Map<String, INDArray> stitches) {
        return new Result(model, accuracy(predicted[0], test.leftLabels()), accuracy(predicted[1],
                test.rightLabels()), seconds, history, stitches);
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

package io.github.branchwise.examples;

import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.training.FitConfig;
import java.util.Locale;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Trains {@link Sentences} on sentences made here: each of 5 to 12 tokens, most drawn from its topic's third of the
 * vocabulary (ids 1-9, 10-19 or 20-29), with about one token in five repeating the one before it; padded with id 0 to
 * 12 tokens. 10% is held out for validation. Prints each epoch's losses, weights and validation accuracies, then one
 * validation sentence with what the model predicts for it.
 *
 * <p>Arguments: {@code --epochs N} (default 12), {@code --examples N} (default 3000). Measured on 2 shared cores,
 * 3,000 sentences: about 4 s an epoch; the topic reaches about 96% validation accuracy in two epochs, the repeats
 * (which need the token before: attention or the LSTM's memory) stay at the 84.5% of always answering "no" for about
 * five epochs, then reach 100% by the tenth. The learned uncertainty weights then grow large as the repeats loss
 * nears zero: {@code exp(−s)} follows {@code 1/(2·L)}.
 */
public final class SentencesExample {
    private SentencesExample() {
    }

    /** Runs the example. */
    public static void main(String[] args) {
        int epochs = 12;
        int examples = 3000;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--epochs" -> epochs = Integer.parseInt(args[++i]);
                case "--examples" -> examples = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; use --epochs N, --examples N");
            }
        }
        SentencesHistory history = train(examples, epochs, true);
        SentencesEpoch last = history.lastEpoch().orElseThrow();
        System.out.printf(Locale.ROOT, "after %d epochs: validation accuracy topic %.3f, repeats %.3f%n",
                last.epoch(), last.validationMetrics().orElseThrow().topicAccuracy(),
                last.validationMetrics().orElseThrow().repeatsAccuracy());
    }

    /** Trains a fresh model on {@code examples} sentences for {@code epochs}; prints a table when {@code verbose}. */
    static SentencesHistory train(int examples, int epochs, boolean verbose) {
        INDArray[] all = makeData(examples, 2024);
        int split = examples * 9 / 10;
        INDArray[] train = slice(all, 0, split);
        INDArray[] validation = slice(all, split, examples);
        SentencesTrainingModel model = SentencesTrainingModel.create(TrainingOptions.builder().seed(11)
                .updater(new Adam(1e-2)).build());
        if (verbose) {
            System.out.println(model.trainer().summary());
        }
        FitConfig.Builder config = FitConfig.builder().epochs(epochs)
                .validation(SentencesTrainingModel.data(validation[0], validation[1], validation[2], validation[3],
                        256).shuffle(false));
        if (!verbose) {
            config.silent();
        }
        SentencesHistory history = model.fit(train[0], train[1], train[2], train[3], 32, config.build());
        if (verbose) {
            System.out.println("epoch  loss(topic)  loss(repeats)  weight(topic)  weight(repeats)  val acc(topic)"
                    + "  val acc(repeats)");
            for (SentencesEpoch epoch : history.epochs()) {
                SentencesMetrics val = epoch.validationMetrics().orElseThrow();
                System.out.printf(Locale.ROOT, "%5d  %11.4f  %13.4f  %13.3f  %15.3f  %14.3f  %16.3f%n", epoch.epoch(),
                        epoch.losses().topic(), epoch.losses().repeats(), epoch.weights().topic(),
                        epoch.weights().repeats(), val.topicAccuracy(), val.repeatsAccuracy());
            }
            INDArray tokens = validation[0].get(NDArrayIndex.interval(0, 1), NDArrayIndex.all());
            INDArray mask = validation[1].get(NDArrayIndex.interval(0, 1), NDArrayIndex.all());
            SentencesPrediction prediction = model.predictionModel().predict(tokens, mask);
            System.out.println("sentence:          " + tokens);
            System.out.println("topic (true " + validation[2].getInt(0) + "):      " + prediction.topic());
            System.out.println("repeats predicted: " + prediction.repeats().reshape(1, Sentences.STEPS)
                    .gt(0.5).castTo(org.nd4j.linalg.api.buffer.DataType.INT));
            System.out.println("repeats true:      " + validation[3].get(NDArrayIndex.interval(0, 1))
                    .reshape(1, Sentences.STEPS).castTo(org.nd4j.linalg.api.buffer.DataType.INT));
        }
        return history;
    }

    /** {@code n} sentences: token ids {@code [n, 12]} (int), mask {@code [n, 12]}, topics {@code [n]}, repeats {@code [n, 12, 1]}. */
    static INDArray[] makeData(int n, long seed) {
        Random random = new Random(seed);
        int steps = Sentences.STEPS;
        int[] tokens = new int[n * steps];
        float[] mask = new float[n * steps];
        float[] topics = new float[n];
        float[] repeats = new float[n * steps];
        for (int i = 0; i < n; i++) {
            int topic = random.nextInt(3);
            int length = 5 + random.nextInt(steps - 4);
            topics[i] = topic;
            for (int s = 0; s < length; s++) {
                int at = i * steps + s;
                mask[at] = 1;
                if (s > 0 && random.nextDouble() < 0.2) {
                    tokens[at] = tokens[at - 1];
                } else {
                    // Two in three from the topic's third of the vocabulary, the rest from anywhere (1-29).
                    tokens[at] = random.nextDouble() < 2.0 / 3
                            ? (topic == 0 ? 1 + random.nextInt(9) : topic * 10 + random.nextInt(10))
                            : 1 + random.nextInt(Sentences.VOCABULARY - 1);
                }
                repeats[at] = s > 0 && tokens[at] == tokens[at - 1] ? 1 : 0;
            }
        }
        return new INDArray[] {
            Nd4j.createFromArray(tokens).reshape(n, steps),
            Nd4j.create(mask, new long[] {n, steps}, 'c'),
            Nd4j.create(topics, new long[] {n}, 'c'),
            Nd4j.create(repeats, new long[] {n, steps, 1}, 'c')
        };
    }

    private static INDArray[] slice(INDArray[] data, int from, int to) {
        INDArray[] out = new INDArray[data.length];
        for (int j = 0; j < data.length; j++) {
            out[j] = data[j].get(NDArrayIndex.interval(from, to)).dup('c');
        }
        return out;
    }
}

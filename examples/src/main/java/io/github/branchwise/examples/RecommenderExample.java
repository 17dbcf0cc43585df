package io.github.branchwise.examples;

import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.training.FitConfig;
import io.github.branchwise.runtime.training.GateWeights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Trains {@link Recommender}, an MMoE with a click and a conversion head, on impressions made here with a known
 * structure, and shows what its gates learn.
 *
 * <p>The data: 200 users and 50 items each get a hidden taste vector of 3 values; an impression is a user, an item
 * and a channel drawn uniformly, and four numbers: the price, the user's budget (both standard normal), a discount
 * (uniform in [0, 1]) and one standard normal number that nothing depends on.
 * <ul>
 *   <li>The click depends on the <b>ids</b> only: {@code P(click) = σ(c₀ + 2·affinity + channel effect)}, the
 *       affinity the user's and the item's tastes' dot product over √3 (standard normal over random pairs), the
 *       channel effect one of +0.4, 0, −0.2, −0.4.</li>
 *   <li>A purchase follows a click and depends on the <b>numbers</b> only: {@code P(buy | click) = σ(b₀ +
 *       1.5·(budget − price) + discount)}; the conversion label is click and buy, so
 *       {@code P(conversion) = P(click)·P(buy | click)}: the conversion head needs the numbers and, partly, the
 *       ids.</li>
 * </ul>
 * {@code c₀} and {@code b₀} put the click rate near 17% and the conversion rate near 2%. Since the true
 * probabilities are known, the example reports the AUC they reach, the best any model can do on these labels.
 *
 * <p>Prints the model, each epoch's losses, loss weights and gate weights (read typed from the history:
 * {@code epoch.gates().clickGate()}), then each head's test AUC and positive rate next to the base-rate model's, the
 * true probabilities' and a shared-bottom model's of about the same size, and writes {@code history.csv},
 * {@code steps.csv}, {@code losses.png} and {@code gates.png} to the output folder.
 *
 * <p>Arguments: {@code --epochs N} (default 8), {@code --train N} (default 40000), {@code --seed N} (default 1),
 * {@code --out DIR} (default {@code recommender-output}), {@code --no-baseline} (skip the shared-bottom model),
 * {@code --lr X} (Adam's learning rate, default 0.01).
 */
public final class RecommenderExample {
    static final int TASTE = 3;
    static final double CLICK_BIAS = -2.3;
    static final double BUY_BIAS = -3.7;
    static final double[] CHANNEL_EFFECT = {0.4, 0, -0.2, -0.4};
    static final int BATCH = 256;
    static final double LEARNING_RATE = 1e-2;
    /** Any fixed permutation will do for {@link #idShares}; this one is what the README's numbers used. */
    private static final long SWAP_SEED = 9;

    private RecommenderExample() {
    }

    /**
     * Impressions and their labels: the ids {@code [n, 1]} (int), the numbers {@code [n, 4]}, the click and
     * conversion labels {@code [n, 1]}, and the true probabilities of each label (what the labels were drawn from).
     */
    record Impressions(INDArray user, INDArray item, INDArray channel, INDArray numbers, INDArray click,
                       INDArray conversion, double[] clickProbability, double[] conversionProbability) {
        int size() {
            return clickProbability.length;
        }

        Impressions slice(int from, int to) {
            return new Impressions(rows(user, from, to), rows(item, from, to), rows(channel, from, to),
                    rows(numbers, from, to), rows(click, from, to), rows(conversion, from, to),
                    Arrays.copyOfRange(clickProbability, from, to),
                    Arrays.copyOfRange(conversionProbability, from, to));
        }

        private static INDArray rows(INDArray a, int from, int to) {
            return a.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).dup('c');
        }
    }

    /**
     * {@code n} impressions from one world: the tastes come from {@code seed} first, so every split cut from one call
     * shares its users and items.
     */
    static Impressions makeData(int n, long seed) {
        Random random = new Random(seed);
        double[][] users = tastes(random, Recommender.USERS);
        double[][] items = tastes(random, Recommender.ITEMS);
        int[] user = new int[n];
        int[] item = new int[n];
        int[] channel = new int[n];
        float[] numbers = new float[n * Recommender.NUMBERS];
        float[] clicks = new float[n];
        float[] conversions = new float[n];
        double[] pClick = new double[n];
        double[] pConversion = new double[n];
        for (int i = 0; i < n; i++) {
            user[i] = random.nextInt(Recommender.USERS);
            item[i] = random.nextInt(Recommender.ITEMS);
            channel[i] = random.nextInt(Recommender.CHANNELS);
            double price = random.nextGaussian();
            double budget = random.nextGaussian();
            double discount = random.nextDouble();
            double nothing = random.nextGaussian();
            numbers[i * 4] = (float) price;
            numbers[i * 4 + 1] = (float) budget;
            numbers[i * 4 + 2] = (float) discount;
            numbers[i * 4 + 3] = (float) nothing;
            double affinity = 0;
            for (int k = 0; k < TASTE; k++) {
                affinity += users[user[i]][k] * items[item[i]][k];
            }
            affinity /= Math.sqrt(TASTE);
            pClick[i] = sigmoid(CLICK_BIAS + 2 * affinity + CHANNEL_EFFECT[channel[i]]);
            double pBuy = sigmoid(BUY_BIAS + 1.5 * (budget - price) + discount);
            pConversion[i] = pClick[i] * pBuy;
            boolean click = random.nextDouble() < pClick[i];
            boolean buy = random.nextDouble() < pBuy;
            clicks[i] = click ? 1 : 0;
            conversions[i] = click && buy ? 1 : 0;
        }
        return new Impressions(ids(user), ids(item), ids(channel),
                Nd4j.create(numbers, new long[] {n, Recommender.NUMBERS}, 'c'),
                Nd4j.create(clicks, new long[] {n, 1}, 'c'), Nd4j.create(conversions, new long[] {n, 1}, 'c'),
                pClick, pConversion);
    }

    private static double[][] tastes(Random random, int count) {
        double[][] tastes = new double[count][TASTE];
        for (double[] taste : tastes) {
            for (int k = 0; k < TASTE; k++) {
                taste[k] = random.nextGaussian();
            }
        }
        return tastes;
    }

    private static INDArray ids(int[] values) {
        return Nd4j.createFromArray(values).reshape(values.length, 1).castTo(DataType.INT32);
    }

    static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /** Runs the example. */
    public static void main(String[] args) throws IOException {
        int epochs = 8;
        int trainSize = 40_000;
        long seed = 1;
        Path out = Path.of("recommender-output");
        boolean baseline = true;
        double learningRate = LEARNING_RATE;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--epochs" -> epochs = Integer.parseInt(args[++i]);
                case "--train" -> trainSize = Integer.parseInt(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--no-baseline" -> baseline = false;
                case "--lr" -> learningRate = Double.parseDouble(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; use --epochs N, --train N, --seed N, --out DIR, --no-baseline, --lr X");
            }
        }
        // One world, cut into training, validation and test impressions.
        int validationSize = 5_000;
        int testSize = 20_000;
        Impressions all = makeData(trainSize + validationSize + testSize, seed);
        Impressions train = all.slice(0, trainSize);
        Impressions validation = all.slice(trainSize, trainSize + validationSize);
        Impressions test = all.slice(trainSize + validationSize, all.size());
        System.out.printf(Locale.ROOT, "%d training, %d validation, %d test impressions of %d users and %d items;"
                + " positive rates in training: click %.3f, conversion %.4f%n", trainSize, validationSize, testSize,
                Recommender.USERS, Recommender.ITEMS, rate(train.click()), rate(train.conversion()));

        long start = System.nanoTime();
        RecommenderTrainingModel model = train(train, validation, epochs, seed, learningRate, true);
        double seconds = (System.nanoTime() - start) / 1e9;
        RecommenderHistory history = model.history();
        printEpochs(history);
        System.out.println();
        printGates(history);

        // What the experts became: how much of each one's response comes from the ids (the click's features)
        // rather than the numbers (the purchase's), next to the weight each gate gave it in the last epoch.
        double[] shares = idShares(model.trainer().parameters(), validation);
        RecommenderEpoch last = history.lastEpoch().orElseThrow();
        double[] clickWeights = last.gates().clickGate().group("expert");
        double[] conversionWeights = last.gates().conversionGate().group("expert");
        System.out.println("expert  reads the ids (share)  click gate  conversion gate");
        for (int k = 0; k < Recommender.EXPERTS; k++) {
            System.out.printf(Locale.ROOT, "%6d  %23.3f  %10.3f  %15.3f%n", k, shares[k], clickWeights[k],
                    conversionWeights[k]);
        }
        System.out.printf(Locale.ROOT, "reliance on the ids' experts (gate weights times shares): click %.3f,"
                + " conversion %.3f%n", idReliance(last.gates().clickGate(), shares),
                idReliance(last.gates().conversionGate(), shares));

        RecommenderPrediction prediction = model.predictionModel().predict(test.user(), test.item(), test.channel(),
                test.numbers());
        double[] click = prediction.click().toDoubleVector();
        double[] conversion = prediction.conversion().toDoubleVector();
        double[] clickLabels = test.click().toDoubleVector();
        double[] conversionLabels = test.conversion().toDoubleVector();
        System.out.println();
        System.out.printf(Locale.ROOT, "MMoE trained in %.0f s%n", seconds);
        System.out.println("test AUC                       click   conversion");
        row("base rate (a constant)", 0.5, 0.5);
        row("MMoE", auc(click, clickLabels), auc(conversion, conversionLabels));
        if (baseline) {
            long bottomStart = System.nanoTime();
            RecommenderSharedBottomTrainingModel bottom = trainSharedBottom(train, validation, epochs, seed,
                    learningRate);
            RecommenderSharedBottomPrediction p = bottom.predictionModel().predict(test.user(), test.item(),
                    test.channel(), test.numbers());
            row(String.format(Locale.ROOT, "shared bottom (%.0f s)", (System.nanoTime() - bottomStart) / 1e9),
                    auc(p.click().toDoubleVector(), clickLabels), auc(p.conversion().toDoubleVector(),
                            conversionLabels));
        }
        row("true probabilities", auc(test.clickProbability(), clickLabels),
                auc(test.conversionProbability(), conversionLabels));
        System.out.printf(Locale.ROOT, "test positive rate: click %.4f (MMoE's mean prediction %.4f),"
                + " conversion %.4f (%.4f)%n", mean(clickLabels), mean(click), mean(conversionLabels),
                mean(conversion));

        Files.createDirectories(out);
        history.writeCsv(out.resolve("history.csv"));
        history.writeStepsCsv(out.resolve("steps.csv"));
        history.plotLosses(out.resolve("losses.png"));
        // No weights.png: the weights are fixed, a flat line.
        plotGates(history, out.resolve("gates.png"));
        System.out.println("wrote history.csv, steps.csv, losses.png and gates.png to "
                + out.toAbsolutePath());
    }

    /** Trains a fresh MMoE for {@code epochs}; prints its summary and progress when {@code verbose}. */
    static RecommenderTrainingModel train(Impressions train, Impressions validation, int epochs, long seed,
                                          double learningRate, boolean verbose) {
        RecommenderTrainingModel model = RecommenderTrainingModel.create(TrainingOptions.builder().seed(seed)
                .updater(new Adam(learningRate)).build());
        if (verbose) {
            System.out.println(model.summary());
        }
        FitConfig.Builder config = FitConfig.builder().epochs(epochs).validation(RecommenderTrainingModel.data(
                validation.user(), validation.item(), validation.channel(), validation.numbers(), validation.click(),
                validation.conversion(), 1024).shuffle(false));
        if (!verbose) {
            config.silent();
        }
        model.fit(train.user(), train.item(), train.channel(), train.numbers(), train.click(), train.conversion(),
                BATCH, config.build());
        return model;
    }

    /** The baseline: {@link RecommenderSharedBottom} trained as the MMoE is. */
    static RecommenderSharedBottomTrainingModel trainSharedBottom(Impressions train, Impressions validation,
                                                                  int epochs, long seed, double learningRate) {
        RecommenderSharedBottomTrainingModel model = RecommenderSharedBottomTrainingModel.create(
                TrainingOptions.builder().seed(seed).updater(new Adam(learningRate)).build());
        model.fit(train.user(), train.item(), train.channel(), train.numbers(), train.click(), train.conversion(),
                BATCH, FitConfig.builder().epochs(epochs).silent().build());
        return model;
    }

    private static void printEpochs(RecommenderHistory history) {
        System.out.println("epoch  loss(click)  loss(conversion)  weight(click)  weight(conversion)"
                + "  val loss(click)  val loss(conversion)");
        for (RecommenderEpoch epoch : history.epochs()) {
            RecommenderLosses val = epoch.validationLosses().orElseThrow();
            System.out.printf(Locale.ROOT, "%5d  %11.4f  %16.4f  %13.3f  %18.3f  %15.4f  %20.4f%n", epoch.epoch(),
                    epoch.losses().click(), epoch.losses().conversion(), epoch.weights().click(),
                    epoch.weights().conversion(), val.click(), val.conversion());
        }
    }

    /** Each epoch's mean gate weight per expert, click gate then conversion gate. */
    static void printGates(RecommenderHistory history) {
        StringBuilder header = new StringBuilder("epoch  click gate:");
        for (int k = 0; k < Recommender.EXPERTS; k++) {
            header.append(String.format(Locale.ROOT, "  e%d  ", k));
        }
        header.append("  conversion gate:");
        for (int k = 0; k < Recommender.EXPERTS; k++) {
            header.append(String.format(Locale.ROOT, "  e%d  ", k));
        }
        System.out.println(header);
        for (RecommenderEpoch epoch : history.epochs()) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%5d  %11s", epoch.epoch(), ""));
            for (double w : epoch.gates().clickGate().group("expert")) {
                line.append(String.format(Locale.ROOT, " %5.3f", w));
            }
            line.append(String.format(Locale.ROOT, "  %16s", ""));
            for (double w : epoch.gates().conversionGate().group("expert")) {
                line.append(String.format(Locale.ROOT, " %5.3f", w));
            }
            System.out.println(line);
        }
        RecommenderEpoch last = history.lastEpoch().orElseThrow();
        System.out.printf(Locale.ROOT, "distance between the two heads' gate weights (sum of |differences|), last"
                + " epoch: %.3f%n", gateDistance(last.gates().clickGate(), last.gates().conversionGate()));
    }

    /** The L1 distance between two gates' mean weights over one group of experts: 0 alike, 2 disjoint. */
    static double gateDistance(GateWeights a, GateWeights b) {
        double[] x = a.group("expert");
        double[] y = b.group("expert");
        double sum = 0;
        for (int k = 0; k < x.length; k++) {
            sum += Math.abs(x[k] - y[k]);
        }
        return sum;
    }

    /**
     * What each expert reads, measured from the trained parameters: its output on {@code data} is computed here in
     * plain ND4J (the features, then {@code relu(relu(x·W₀ + b₀)·W₁ + b₁)}), then again with the ids' embeddings of
     * every impression swapped for another impression's (the same permutation for the three ids), and again with the
     * numbers swapped instead. Each expert's {@code idShare} is how much the first swap moves its output over how much
     * both swaps move it (mean distances): near 1 an expert of the ids (the click's features), near 0 one of the
     * numbers (the purchase's).
     */
    static double[] idShares(Map<String, INDArray> parameters, Impressions data) {
        int n = data.size();
        INDArray ids = Nd4j.hstack(embed(parameters.get("features/embedding_0/E"), data.user()),
                embed(parameters.get("features/embedding_1/E"), data.item()),
                embed(parameters.get("features/embedding_2/E"), data.channel()));
        INDArray numbers = data.numbers().castTo(ids.dataType());
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Random random = new Random(SWAP_SEED);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        INDArray features = Nd4j.hstack(ids, numbers);
        INDArray otherIds = Nd4j.hstack(Nd4j.pullRows(ids, 1, order), numbers);
        INDArray otherNumbers = Nd4j.hstack(ids, Nd4j.pullRows(numbers, 1, order));
        double[] shares = new double[Recommender.EXPERTS];
        for (int k = 0; k < Recommender.EXPERTS; k++) {
            INDArray output = expert(parameters, k, features);
            double byIds = meanDistance(output, expert(parameters, k, otherIds));
            double byNumbers = meanDistance(output, expert(parameters, k, otherNumbers));
            shares[k] = byIds / (byIds + byNumbers);
        }
        return shares;
    }

    /** The rows of an embedding table {@code [vocabulary, d]} for ids {@code [n, 1]}: {@code [n, d]}. */
    private static INDArray embed(INDArray table, INDArray ids) {
        return Nd4j.pullRows(table, 1, ids.toIntVector());
    }

    private static INDArray expert(Map<String, INDArray> parameters, int k, INDArray features) {
        String scope = "expert/" + k + "/";
        INDArray hidden = Transforms.relu(features.mmul(parameters.get(scope + "dense_0/W"))
                .addRowVector(parameters.get(scope + "dense_0/b")), false);
        return Transforms.relu(hidden.mmul(parameters.get(scope + "dense_1/W"))
                .addRowVector(parameters.get(scope + "dense_1/b")), false);
    }

    private static double meanDistance(INDArray a, INDArray b) {
        return a.sub(b).norm2(1).meanNumber().doubleValue();
    }

    /**
     * How much a gate leans on the experts of the ids: its mean weights times the experts' {@link #idShares}, summed.
     */
    static double idReliance(GateWeights gate, double[] idShares) {
        double[] weights = gate.group("expert");
        double sum = 0;
        for (int k = 0; k < weights.length; k++) {
            sum += weights[k] * idShares[k];
        }
        return sum;
    }

    /** Each gate's weight per expert over the training steps: click solid, conversion dashed. */
    private static void plotGates(RecommenderHistory history, Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(800).height(500).title("Gate weights per expert")
                .xAxisTitle("step").yAxisTitle("mean gate weight").build();
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        double[] steps = history.history().stepValues("step");
        for (int s = 0; s < steps.length; s++) {
            steps[s] += 1;
        }
        // One colour per expert, so that a column of the table is one colour in both gates.
        java.awt.Color[] colours = {new java.awt.Color(31, 119, 180), new java.awt.Color(255, 127, 14),
            new java.awt.Color(44, 160, 44), new java.awt.Color(214, 39, 40)};
        for (String gate : new String[] {"clickGate", "conversionGate"}) {
            for (int k = 0; k < Recommender.EXPERTS; k++) {
                double[] values = history.history().stepValues(GateWeights.column(gate, "expert", k));
                XYSeries series = chart.addSeries(gate + " expert " + k, steps, values);
                series.setMarker(SeriesMarkers.NONE);
                series.setLineColor(colours[k % colours.length]);
                if (gate.equals("conversionGate")) {
                    series.setLineStyle(new java.awt.BasicStroke(1.5f, java.awt.BasicStroke.CAP_ROUND,
                            java.awt.BasicStroke.JOIN_ROUND, 10f, new float[] {6f, 4f}, 0f));
                } else {
                    series.setLineWidth(1.5f);
                }
            }
        }
        Files.write(png, BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
    }

    private static void row(String name, double click, double conversion) {
        System.out.printf(Locale.ROOT, "%-28s  %6.4f  %11.4f%n", name, click, conversion);
    }

    /**
     * The area under the ROC curve: the probability that a random positive scores above a random negative, ties
     * counting half (the Mann–Whitney statistic from the ranks of the scores, ties given their mean rank). 0.5 for a
     * constant score; NaN without both classes.
     */
    static double auc(double[] scores, double[] labels) {
        int n = scores.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(scores[a], scores[b]));
        double positiveRanks = 0;
        long positives = 0;
        int i = 0;
        while (i < n) {
            int j = i;
            while (j + 1 < n && scores[order[j + 1]] == scores[order[i]]) {
                j++;
            }
            double meanRank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                if (labels[order[k]] >= 0.5) {
                    positiveRanks += meanRank;
                    positives++;
                }
            }
            i = j + 1;
        }
        long negatives = n - positives;
        if (positives == 0 || negatives == 0) {
            return Double.NaN;
        }
        return (positiveRanks - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
    }

    static double rate(INDArray labels) {
        return labels.meanNumber().doubleValue();
    }

    private static double mean(double[] values) {
        return Arrays.stream(values).average().orElse(Double.NaN);
    }
}

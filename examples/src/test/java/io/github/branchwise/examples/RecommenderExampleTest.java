package io.github.branchwise.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.examples.RecommenderExample.Impressions;
import io.github.branchwise.runtime.training.GateWeights;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The recommender example's data are what its javadoc says, its AUC is the Mann–Whitney statistic, and short runs of
 * its MMoE rank held-out impressions better than the base rate while the two heads' gates split the experts as the
 * data's structure predicts.
 *
 * <p>The bars come from measured short runs (20,000 training impressions, 4 epochs, seeds 1 to 5): click AUC 0.630 to
 * 0.739, conversion AUC 0.828 to 0.858 (the true probabilities reach 0.84 to 0.87 and 0.91 to 0.92); the two gates'
 * weight vectors 0.16 to 0.94 apart (sum of absolute differences; 0.58 and 0.63 for the seeds run here); in all five,
 * and in three full runs of the example, the expert the conversion gate favours most over the click gate was the one
 * that reads the numbers most, and the click gate relied more on the ids' experts than the conversion gate did
 * (margins 0.010 to 0.11; 0.071 and 0.052 for the seeds run here).
 */
class RecommenderExampleTest {
    private static final int TRAIN = 20_000;
    private static final int VALIDATION = 5_000;
    private static final int TEST = 20_000;

    @Test
    void aucIsTheProbabilityThatAPositiveOutscoresANegativeWithTiesCountingHalf() {
        // Two positives, two negatives: of the four pairs, (0.35 vs 0.4) is the one the positive loses.
        assertEquals(0.75, RecommenderExample.auc(new double[] {0.1, 0.4, 0.35, 0.8}, new double[] {0, 0, 1, 1}),
                1e-12);
        assertEquals(0.5, RecommenderExample.auc(new double[] {0.3, 0.3, 0.3}, new double[] {0, 1, 0}), 1e-12);
        // A tie between a positive and a negative counts half: pairs (0.2|0.5), (0.5|0.5) → (1 + 0.5) / 2.
        assertEquals(0.75, RecommenderExample.auc(new double[] {0.2, 0.5, 0.5}, new double[] {0, 0, 1}), 1e-12);
        assertEquals(0.0, RecommenderExample.auc(new double[] {0.9, 0.1}, new double[] {0, 1}), 1e-12);
        assertTrue(Double.isNaN(RecommenderExample.auc(new double[] {0.1, 0.2}, new double[] {1, 1})));
    }

    @Test
    void dataAreDeterministicWithAClickRateNear17PercentAndAConversionRateNear2() {
        Impressions a = RecommenderExample.makeData(2_000, 11);
        Impressions b = RecommenderExample.makeData(2_000, 11);
        assertEquals(a.user(), b.user());
        assertEquals(a.numbers(), b.numbers());
        assertEquals(a.conversion(), b.conversion());
        assertArrayEquals(a.conversionProbability(), b.conversionProbability());

        Impressions data = RecommenderExample.makeData(60_000, 1);
        double click = RecommenderExample.rate(data.click());
        double conversion = RecommenderExample.rate(data.conversion());
        assertTrue(click > 0.10 && click < 0.25, "click rate " + click);
        assertTrue(conversion > 0.01 && conversion < 0.03, "conversion rate " + conversion);
        double[] clicks = data.click().toDoubleVector();
        double[] conversions = data.conversion().toDoubleVector();
        int[] users = data.user().toIntVector();
        int[] channels = data.channel().toIntVector();
        for (int i = 0; i < data.size(); i++) {
            // A conversion follows a click, and is never more likely than it.
            assertTrue(conversions[i] == 0 || clicks[i] == 1, "impression " + i);
            assertTrue(data.conversionProbability()[i] <= data.clickProbability()[i], "impression " + i);
            assertTrue(users[i] >= 0 && users[i] < Recommender.USERS);
            assertTrue(channels[i] >= 0 && channels[i] < Recommender.CHANNELS);
        }
    }

    @Test
    void shortRunsBeatTheBaseRateAndTheGatesSplitTheExpertsAsTheDataDo() {
        for (long seed : new long[] {1, 2}) {
            Impressions all = RecommenderExample.makeData(TRAIN + VALIDATION + TEST, seed);
            Impressions train = all.slice(0, TRAIN);
            Impressions validation = all.slice(TRAIN, TRAIN + VALIDATION);
            Impressions test = all.slice(TRAIN + VALIDATION, all.size());
            RecommenderTrainingModel model = RecommenderExample.train(train, validation, 4, seed,
                    RecommenderExample.LEARNING_RATE, false);

            // Ranking held-out impressions: a constant (the base rate) scores 0.5 on both heads.
            RecommenderPrediction prediction = model.predictionModel().predict(test.user(), test.item(),
                    test.channel(), test.numbers());
            double clickAuc = RecommenderExample.auc(prediction.click().toDoubleVector(),
                    test.click().toDoubleVector());
            double conversionAuc = RecommenderExample.auc(prediction.conversion().toDoubleVector(),
                    test.conversion().toDoubleVector());
            assertTrue(clickAuc > 0.58, "seed " + seed + ": click AUC " + clickAuc);
            assertTrue(conversionAuc > 0.75, "seed " + seed + ": conversion AUC " + conversionAuc);

            // The gate weights of every epoch, typed, are the history's columns and sum to 1 per gate.
            RecommenderHistory history = model.history();
            assertEquals(4, history.epochs().size());
            for (RecommenderEpoch epoch : history.epochs()) {
                Map<String, Double> row = history.history().epoch((int) epoch.epoch() - 1);
                assertEquals(RecommenderGateWeights.of(row), epoch.gates());
                for (GateWeights gate : List.of(epoch.gates().clickGate(), epoch.gates().conversionGate())) {
                    double[] weights = gate.group("expert");
                    assertEquals(Recommender.EXPERTS, weights.length);
                    double sum = 0;
                    for (int k = 0; k < weights.length; k++) {
                        assertTrue(weights[k] > 0 && weights[k] < 1, gate.toString());
                        assertEquals(row.get(gate.gate() + "_expert_" + k), weights[k], 0.0, gate.toString());
                        sum += weights[k];
                    }
                    assertEquals(1.0, sum, 1e-5, "epoch " + epoch.epoch() + ": " + gate);
                }
            }

            // The structure: the heads use the experts differently, the conversion head leaning on the expert that
            // reads the numbers (price, budget, discount) and the click head on those that read the ids.
            RecommenderEpoch last = history.lastEpoch().orElseThrow();
            GateWeights clickGate = last.gates().clickGate();
            GateWeights conversionGate = last.gates().conversionGate();
            double distance = RecommenderExample.gateDistance(clickGate, conversionGate);
            assertTrue(distance > 0.3, "seed " + seed + ": " + clickGate + " and " + conversionGate);
            double[] shares = RecommenderExample.idShares(model.trainer().parameters(), validation);
            String seen = "seed " + seed + ": " + clickGate + ", " + conversionGate + ", id shares "
                    + Arrays.toString(shares);
            double[] click = clickGate.group("expert");
            double[] conversion = conversionGate.group("expert");
            int favouredByConversion = 0;
            int readsNumbersMost = 0;
            for (int k = 1; k < Recommender.EXPERTS; k++) {
                if (conversion[k] - click[k] > conversion[favouredByConversion] - click[favouredByConversion]) {
                    favouredByConversion = k;
                }
                if (shares[k] < shares[readsNumbersMost]) {
                    readsNumbersMost = k;
                }
            }
            assertEquals(readsNumbersMost, favouredByConversion, seen);
            assertTrue(RecommenderExample.idReliance(clickGate, shares)
                    > RecommenderExample.idReliance(conversionGate, shares), seen);
        }
    }
}

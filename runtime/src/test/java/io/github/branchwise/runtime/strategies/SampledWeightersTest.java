package io.github.branchwise.runtime.strategies;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.runtime.weighting.BranchGradients;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * SDMGrad's and MoDo's updates on three gradient samples of three branches written out by a formula, three steps in a
 * row (their weights carried from step to step), against sampled_strategies_reference.py (test resources), which
 * works them out in NumPy/PyTorch from the papers' and LibMTL's formulas with its own simplex projection (bisection);
 * the numbers below are its output ("given ..." in sampled_strategies_reference.out).
 */
class SampledWeightersTest {
    /** Double arithmetic on both sides, a different projection algorithm: agreement to rounding. */
    private static final double TOLERANCE = 1e-10;

    /** The script's given(step, sample, branch): the gradient of branch i on sample s at step t, dimension 5. */
    static double[] given(int step, int sample, int branch) {
        double[] v = new double[5];
        for (int d = 0; d < 5; d++) {
            v[d] = Math.sin(1.0 + step + 3 * branch + 5 * d) * (branch + 1)
                    + Math.cos(2.0 + step + 7 * sample + 3 * branch + 5 * d) / 3;
        }
        return v;
    }

    static GivenSampledGradients step(int step) {
        double[][][] shared = new double[3][3][];
        for (int s = 0; s < 3; s++) {
            for (int i = 0; i < 3; i++) {
                shared[s][i] = given(step, s, i);
            }
        }
        return new GivenSampledGradients(shared);
    }

    private static void sdmGradFollows(SdmGradWeighter weighter, double[][] w, double[][] weights,
                                       double[][] sharedUpdates) {
        for (int t = 0; t < 3; t++) {
            Map<String, INDArray> update = weighter.combineGradients(step(t));
            assertArrayEquals(w[t], weighter.simplexWeights(), TOLERANCE, "w of step " + t);
            assertArrayEquals(weights[t], weighter.weights(), TOLERANCE, "weights of step " + t);
            assertArrayEquals(sharedUpdates[t], GivenGradients.values(update, "trunk"), TOLERANCE, "step " + t);
            // Heads: each branch's own gradient averaged over the samples, (1 + 2 + 3)/3 times (i + 1).
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(new double[] {2.0 * (i + 1)}, GivenGradients.values(update, "head" + i), 1e-15);
            }
        }
    }

    @Test
    void sdmGradWithLibMtlDefaultsAsTheReference() {
        sdmGradFollows(new SdmGradWeighter(0.3, 20),
                new double[][] {
                    {0.10410497514560085, 0.0030936840517484243, 0.892801340802651},
                    {0.03880486291896901, 0.0, 0.9611951370810311},
                    {0.11002139590364401, 0.01138198108068239, 0.8785966230156737}},
                new double[][] {
                    {0.15700382703507756, 0.07930283388596032, 0.7636933390789622},
                    {0.10677297147612999, 0.07692307692307691, 0.8163039516007932},
                    {0.16155491992587998, 0.0856784469851403, 0.7527666330889797}},
                new double[][] {
                    {1.4659702552549838, -0.9595578480132926, -2.0103508077466654, -0.18096315933307017,
                        1.9076859972171683},
                    {2.1138779085398456, 1.0475462596260765, -1.5195793857811235, -1.9096406787371578,
                        0.4361936890210021},
                    {0.6813955872904757, 2.009980570696339, 0.4589153755542171, -1.749626693951566,
                        -1.4515212390564183}});
    }

    @Test
    void sdmGradWithOtherLambdaAndIterationsAsTheReference() {
        sdmGradFollows(new SdmGradWeighter(1.0, 5),
                new double[][] {{0, 0, 1}, {0, 1, 0}, {0, 1, 0}},
                new double[][] {
                    {1.0 / 6, 1.0 / 6, 2.0 / 3}, {1.0 / 6, 2.0 / 3, 1.0 / 6}, {1.0 / 6, 2.0 / 3, 1.0 / 6}},
                new double[][] {
                    {1.162257263896342, -0.78541904333857, -1.6078446285720522, -0.12675039911354535,
                        1.5359360381302836},
                    {-0.5245837613173059, -0.4052835309665177, 0.29465653706487466, 0.5724493654962147,
                        0.030107939102512263},
                    {-0.058369538776981006, -0.5784236864392469, -0.26978431526112445, 0.42536846949790613,
                        0.5111062146309717}});
    }

    private static void moDoFollows(MoDoWeighter weighter, double[][] weights, double[][] sharedUpdates) {
        for (int t = 0; t < 3; t++) {
            Map<String, INDArray> update = weighter.combineGradients(step(t));
            assertArrayEquals(weights[t], weighter.weights(), TOLERANCE, "weights of step " + t);
            assertArrayEquals(sharedUpdates[t], GivenGradients.values(update, "trunk"), TOLERANCE, "step " + t);
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(new double[] {2.0 * (i + 1)}, GivenGradients.values(update, "head" + i), 1e-15);
            }
        }
    }

    @Test
    void moDoWithLibMtlDefaultsAsTheReference() {
        moDoFollows(new MoDoWeighter(1e-3, 0.1),
                new double[][] {
                    {0.333239360788243, 0.33648559142648893, 0.33027504778526817},
                    {0.3331698244669856, 0.33947968449362387, 0.3273504910393906},
                    {0.3330915853248301, 0.34232714808183473, 0.3245812665933353}},
                new double[][] {
                    {0.31649479530415897, -0.3928453103980932, -0.5393655138971638, 0.08685010952696175,
                        0.5886376976494411},
                    {0.5809593330918517, 0.15822118435231186, -0.491196599211938, -0.43688898600143755,
                        0.24333883006397686},
                    {0.31370865341322673, 0.5432205499845859, -0.005526396618899983, -0.5463558094698934,
                        -0.3044345692906201}});
    }

    @Test
    void moDoWithOtherGammaAndRhoAsTheReference() {
        moDoFollows(new MoDoWeighter(0.02, 0.5),
                new double[][] {
                    {0.3314538824315263, 0.39637849519644475, 0.27216762237202907},
                    {0.3311278774604206, 0.42690306443432724, 0.24196905810525238},
                    {0.3312969860485582, 0.44174783568119247, 0.22695517827024955}},
                new double[][] {
                    {0.14948790966500808, -0.23499096033364406, -0.28280400840969544, 0.07454935416713436,
                        0.32509767386553834},
                    {0.18526326215153693, 0.011097544710644225, -0.1789673545797424, -0.112630086563968,
                        0.11506956157244747},
                    {0.10484497045195895, 0.09857936228842024, -0.04891849575535009, -0.1263320171194925,
                        -0.02275273638483588}});
    }

    @Test
    void bothAskForThreeSamplesAndRefuseFewer() {
        SdmGradWeighter sdm = new SdmGradWeighter(0.3, 20);
        MoDoWeighter modo = new MoDoWeighter(1e-3, 0.1);
        assertEquals(3, sdm.gradientSamples());
        assertEquals(3, modo.gradientSamples());
        GivenGradients one = GivenGradients.of(new double[][] {{1, 0}, {0, 1}}, 0);
        assertThrows(IllegalStateException.class, () -> sdm.combineGradients(one));
        assertThrows(IllegalStateException.class, () -> modo.combineGradients(one));
    }

    /**
     * Degenerate gradients: all zero (SDMGrad's scale is 0, so A = 0 and w stays; MoDo keeps only the ρ term),
     * opposite on the two Gram samples (a negative diagonal, clipped to a zero scale: A = ξ₁ξ₂ᵀ/1e-8, huge, w jumps to
     * a vertex), huge, and not finite (the weights stay, the update is not finite for the trainer to refuse).
     */
    @Test
    void finiteOnDegenerateGradients() {
        double[][][][] cases = {
            {{{0, 0}, {0, 0}}, {{0, 0}, {0, 0}}, {{0, 0}, {0, 0}}},
            {{{1, 2}, {3, -1}}, {{1, 2}, {3, -1}}, {{-1, -2}, {-3, 1}}},
            {{{1e150, 2}, {3, 1e150}}, {{1e150, 2}, {3, -1e150}}, {{1e150, 2}, {3, 1e150}}},
        };
        for (double[][][] shared : cases) {
            SdmGradWeighter sdm = new SdmGradWeighter(0.3, 20);
            MoDoWeighter modo = new MoDoWeighter(1e-3, 0.1);
            for (int t = 0; t < 3; t++) {
                sdm.combineGradients(new GivenSampledGradients(shared));
                modo.combineGradients(new GivenSampledGradients(shared));
            }
            String what = Arrays.deepToString(shared);
            assertFiniteOnSimplex(sdm.simplexWeights(), what);
            assertFiniteOnSimplex(modo.weights(), what);
        }
        SdmGradWeighter sdm = new SdmGradWeighter(0.3, 20);
        MoDoWeighter modo = new MoDoWeighter(1e-3, 0.1);
        double[][][] notFinite = {{{Double.NaN, 0}, {0, 1}}, {{Double.NaN, 0}, {0, 1}}, {{1, 0}, {0, 1}}};
        sdm.combineGradients(new GivenSampledGradients(notFinite));
        modo.combineGradients(new GivenSampledGradients(notFinite));
        assertArrayEquals(new double[] {0.5, 0.5}, sdm.simplexWeights(), 0);
        assertArrayEquals(new double[] {0.5, 0.5}, modo.weights(), 0);
    }

    private static void assertFiniteOnSimplex(double[] w, String what) {
        double sum = 0;
        for (double v : w) {
            assertTrue(Double.isFinite(v) && v >= 0, what + ": " + Arrays.toString(w));
            sum += v;
        }
        assertEquals(1, sum, 1e-9, what + ": " + Arrays.toString(w));
    }

    @Test
    void simplexProjectionAsByHand() {
        // Inside: unchanged. Above one: shifted down equally. One far ahead: a vertex.
        assertArrayEquals(new double[] {0.2, 0.3, 0.5}, SimplexProjection.project(new double[] {0.2, 0.3, 0.5}),
                1e-15);
        assertArrayEquals(new double[] {0.5, 0.5}, SimplexProjection.project(new double[] {1, 1}), 1e-15);
        assertArrayEquals(new double[] {0, 1, 0}, SimplexProjection.project(new double[] {-1, 5, 2}), 1e-15);
        // (0.9, 0.6, -2): θ = 0.25 -> (0.65, 0.35, 0).
        assertArrayEquals(new double[] {0.65, 0.35, 0}, SimplexProjection.project(new double[] {0.9, 0.6, -2}),
                1e-15);
        // So large that 1 is lost in rounding: the limit, the largest entry's vertex.
        assertArrayEquals(new double[] {0, 1}, SimplexProjection.project(new double[] {-5e296, 5e296}), 0);
        assertThrows(IllegalArgumentException.class, () -> SimplexProjection.project(new double[] {Double.NaN}));
    }

    @Test
    void settingsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new SdmGradWeighter(-0.1, 20));
        assertThrows(IllegalArgumentException.class, () -> new SdmGradWeighter(Double.POSITIVE_INFINITY, 20));
        assertThrows(IllegalArgumentException.class, () -> new SdmGradWeighter(0.3, 0));
        assertThrows(IllegalArgumentException.class, () -> new MoDoWeighter(0, 0.1));
        assertThrows(IllegalArgumentException.class, () -> new MoDoWeighter(1e-3, -1));
        assertThrows(IllegalArgumentException.class, () -> new MoDoWeighter(Double.NaN, 0.1));
    }

    /** The samples' default methods of the SPI keep a one-sample strategy's view as it was. */
    @Test
    void oneSampleDefaults() {
        BranchGradients one = GivenGradients.of(new double[][] {{1, 2}, {3, 4}}, 0);
        assertEquals(1, one.samples());
        assertArrayEquals(one.gram(java.util.List.of("trunk")), one.gram(0, 0, java.util.List.of("trunk")));
        assertThrows(IllegalArgumentException.class, () -> one.gram(0, 1, java.util.List.of("trunk")));
        assertThrows(IllegalArgumentException.class, () -> one.losses(1));
        assertArrayEquals(new double[] {10, 14}, GivenGradients.values(one.combine(new double[][] {{1, 3}},
                java.util.List.of(), new double[][] {{1, 3}}), "trunk"), 0);
    }
}

package io.github.branchwise.runtime.strategies;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Nash-MTL's weights and update on gradients written out by hand, against upgrad_nash_fairgrad_reference.py (test
 * resources), which solves {@code G·α = 1/α} with SciPy's least squares to a relative residual below 1e-15; the
 * numbers below are its output (upgrad_nash_fairgrad_reference.txt).
 */
class NashMtlWeighterTest {
    static final double[][][] STEPS = {
        CaGradWeighterTest.K3,
        {{0.5, -1.0, 2.0, 1.0}, {1.0, 1.0, 0.0, -2.0}, {-0.5, 2.0, 1.0, 0.5}},
        {{2.0, 0.5, -0.5, 1.0}, {-1.0, 1.5, 0.5, 0.0}, {0.5, -0.5, -1.5, 2.5}},
    };
    /** Both sides solve to rounding; the rest is the conditioning of the tiny problems. */
    private static final double TOLERANCE = 1e-12;

    @Test
    void twoBranchesAsTheReference() {
        NashMtlWeighter weighter = new NashMtlWeighter(1.0, 1);
        Map<String, INDArray> update = weighter.combineGradients(GivenGradients.of(CaGradWeighterTest.K2, 0));
        double[] alpha = {0.4154579515960029, 0.3792594863067004};
        assertArrayEquals(alpha, weighter.weights(), TOLERANCE);
        // ‖Σ αᵢ·gᵢ‖ = √(αᵀGα) = √K at the root, so max_norm 1 clips the shared update by 1/(√2 + 1e-6).
        assertArrayEquals(new double[] {-0.10849222030820094, 0.721634236768747, -0.02559616217539179,
            0.6832399935056594}, GivenGradients.values(update, "trunk"), TOLERANCE);
        // Heads are weighted by α and not clipped.
        assertArrayEquals(new double[] {alpha[0]}, GivenGradients.values(update, "head0"), TOLERANCE);
        assertArrayEquals(new double[] {2 * alpha[1]}, GivenGradients.values(update, "head1"), TOLERANCE);
    }

    @Test
    void threeBranchesAsTheReference() {
        NashMtlWeighter weighter = new NashMtlWeighter(1.0, 1);
        Map<String, INDArray> update = weighter.combineGradients(GivenGradients.of(CaGradWeighterTest.K3, 0));
        assertArrayEquals(new double[] {0.7422124953316435, 0.387944607869274, 0.7841855052845507},
                weighter.weights(), TOLERANCE);
        assertArrayEquals(new double[] {0.22837148022050033, 0.5162731192021887, 0.7009623602488297,
            0.4358430316363818}, GivenGradients.values(update, "trunk"), TOLERANCE);
    }

    @Test
    void withoutClippingTheSharedUpdateIsTheWeightedSum() {
        NashMtlWeighter weighter = new NashMtlWeighter(0, 1);
        Map<String, INDArray> update = weighter.combineGradients(GivenGradients.of(CaGradWeighterTest.K2, 0));
        double[] unclipped = {-0.10849222030820094, 0.721634236768747, -0.02559616217539179, 0.6832399935056594};
        double factor = 0.7071062811869011;
        double[] trunk = GivenGradients.values(update, "trunk");
        for (int j = 0; j < 4; j++) {
            assertEquals(unclipped[j] / factor, trunk[j], TOLERANCE);
        }
    }

    @Test
    void updateEveryTwoStepsReusesTheWeightsInBetweenAsTheReference() {
        double[][] alphas = {
            {0.7422124953316435, 0.387944607869274, 0.7841855052845507},
            {0.7422124953316435, 0.387944607869274, 0.7841855052845507},
            {0.4101067626172189, 0.7450204643192561, 0.32508323598530625},
        };
        double[][] trunks = {
            {0.22837148022050033, 0.5162731192021887, 0.7009623602488297, 0.4358430316363818},
            {0.13986319580643936, 0.46274585980700733, 0.8646630541797036, 0.1366074527351268},
            {0.1372561016183005, 0.6697504397533501, -0.1848489760686382, 0.7059920767016998},
        };
        NashMtlWeighter weighter = new NashMtlWeighter(1.0, 2);
        for (int t = 0; t < 3; t++) {
            Map<String, INDArray> update = weighter.combineGradients(GivenGradients.of(STEPS[t], t));
            assertArrayEquals(alphas[t], weighter.weights(), TOLERANCE, "step " + t);
            assertArrayEquals(trunks[t], GivenGradients.values(update, "trunk"), TOLERANCE, "step " + t);
        }
    }

    @Test
    void stateCarriesTheWeightsAndTheStepCount() {
        NashMtlWeighter first = new NashMtlWeighter(1.0, 2);
        first.combineGradients(GivenGradients.of(STEPS[0], 0));
        NashMtlWeighter resumed = new NashMtlWeighter(1.0, 2);
        resumed.restoreState(first.state());
        first.combineGradients(GivenGradients.of(STEPS[1], 1));
        resumed.combineGradients(GivenGradients.of(STEPS[1], 1));
        // Step 1 reuses step 0's weights in both: the restored one did not solve anew.
        assertArrayEquals(first.weights(), resumed.weights(), 0);
        assertArrayEquals(new double[] {0.7422124953316435, 0.387944607869274, 0.7841855052845507},
                resumed.weights(), TOLERANCE);
    }

    @Test
    void aZeroGradientGetsTheMeanOfTheOthers() {
        NashMtlWeighter weighter = new NashMtlWeighter(1.0, 1);
        weighter.combineGradients(GivenGradients.of(
                new double[][] {{1, 2, -1, 0.5}, {0, 0, 0, 0}, {-1.5, 0.5, 1.0, 2.0}}, 0));
        assertArrayEquals(new double[] {0.4154579515960029, 0.39735871895135166, 0.3792594863067004},
                weighter.weights(), TOLERANCE);
    }

    @Test
    void withoutARootThePreviousWeightsAreKept() {
        NashMtlWeighter weighter = new NashMtlWeighter(1.0, 1);
        double[][] cancel = {{1, 2, -1, 0.5}, {-1, -2, 1, -0.5}};
        Map<String, INDArray> update = weighter.combineGradients(GivenGradients.of(cancel, 0));
        assertArrayEquals(new double[] {1, 1}, weighter.weights(), 0);
        assertArrayEquals(new double[4], GivenGradients.values(update, "trunk"), 0);
        weighter.combineGradients(GivenGradients.of(CaGradWeighterTest.K2, 1));
        weighter.combineGradients(GivenGradients.of(cancel, 2));
        assertArrayEquals(new double[] {0.4154579515960029, 0.3792594863067004}, weighter.weights(), TOLERANCE);
        weighter.combineGradients(GivenGradients.of(new double[2][4], 3));
        assertArrayEquals(new double[] {0.4154579515960029, 0.3792594863067004}, weighter.weights(), TOLERANCE);
        for (double w : weighter.weights()) {
            assertTrue(Double.isFinite(w));
        }
    }

    @Test
    void aWarmStartFromAnotherScaleStillReachesTheRoot() {
        double[][] large = new double[3][4];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 4; j++) {
                large[i][j] = CaGradWeighterTest.K3[i][j] * 1e4;
            }
        }
        NashMtlWeighter weighter = new NashMtlWeighter(1.0, 1);
        weighter.combineGradients(GivenGradients.of(large, 0));
        // G scales by 1e8, so α by 1e-4: the next step starts four orders of magnitude away from its root.
        assertArrayEquals(new double[] {0.7422124953316435e-4, 0.387944607869274e-4, 0.7841855052845507e-4},
                weighter.weights(), 1e-16);
        weighter.combineGradients(GivenGradients.of(CaGradWeighterTest.K3, 1));
        assertArrayEquals(new double[] {0.7422124953316435, 0.387944607869274, 0.7841855052845507},
                weighter.weights(), TOLERANCE);
    }

    @Test
    void identicalGradientsShareTheWeight() {
        // G = ‖g‖²·[[1, 1], [1, 1]]: α₁ = α₂ = 1/(‖g‖·√2), by hand.
        double[] g = {1, 2, -1, 0.5};
        NashMtlWeighter weighter = new NashMtlWeighter(1.0, 1);
        weighter.combineGradients(GivenGradients.of(new double[][] {g, g}, 0));
        double expected = 1 / (Math.sqrt(6.25) * Math.sqrt(2));
        assertArrayEquals(new double[] {expected, expected}, weighter.weights(), TOLERANCE);
    }

    @Test
    void rejectsInvalidSettings() {
        assertThrows(IllegalArgumentException.class, () -> new NashMtlWeighter(-1, 1));
        assertThrows(IllegalArgumentException.class, () -> new NashMtlWeighter(Double.NaN, 1));
        assertThrows(IllegalArgumentException.class, () -> new NashMtlWeighter(Double.POSITIVE_INFINITY, 1));
        assertThrows(IllegalArgumentException.class, () -> new NashMtlWeighter(1, 0));
    }
}

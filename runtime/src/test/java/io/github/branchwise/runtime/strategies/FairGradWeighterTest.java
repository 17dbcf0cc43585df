package io.github.branchwise.runtime.strategies;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * FairGrad's weights and update on gradients written out by hand, against upgrad_nash_fairgrad_reference.py (test
 * resources), which solves {@code G·w = w^(-1/α)} with SciPy's least squares to a relative residual below 1e-15; the
 * numbers below are its output (upgrad_nash_fairgrad_reference.txt).
 */
class FairGradWeighterTest {
    private static final double TOLERANCE = 1e-12;

    @Test
    void twoBranchesAsTheReference() {
        FairGradWeighter weighter = new FairGradWeighter(1.0);
        Map<String, INDArray> update = weighter.combineGradients(GivenGradients.of(CaGradWeighterTest.K2, 0));
        double[] w = {0.41545795159600296, 0.3792594863067004};
        assertArrayEquals(w, weighter.weights(), TOLERANCE);
        assertArrayEquals(new double[] {-0.15343127786404764, 1.0205456463453562, -0.03619846528930254,
            0.9662479484114024}, GivenGradients.values(update, "trunk"), TOLERANCE);
        // Heads are weighted, as in the paper's code and LibMTL (Σ wᵢ·Lᵢ backwards).
        assertArrayEquals(new double[] {w[0]}, GivenGradients.values(update, "head0"), TOLERANCE);
        assertArrayEquals(new double[] {2 * w[1]}, GivenGradients.values(update, "head1"), TOLERANCE);
    }

    @Test
    void threeBranchesForSeveralAlphasAsTheReference() {
        double[] alphas = {1.0, 2.0, 0.5};
        double[][] weights = {
            {0.7422124953316436, 0.387944607869274, 0.7841855052845507},
            {0.6700865382811915, 0.28825230249912775, 0.7145061164090147},
            {0.8212709731015111, 0.5277523486243357, 0.8573308785895764},
        };
        double[][] trunks = {
            {0.39555123511309787, 0.8942117893133735, 1.2141031231067316, 0.7549027107620945},
            {0.4520599194552042, 0.7697931114029322, 1.0471779970359658, 0.5542948159343438},
            {0.28684171374188033, 1.0490872419256136, 1.4211431327019772, 1.0374747445046388},
        };
        for (int a = 0; a < alphas.length; a++) {
            FairGradWeighter weighter = new FairGradWeighter(alphas[a]);
            Map<String, INDArray> update = weighter.combineGradients(GivenGradients.of(CaGradWeighterTest.K3, 0));
            assertArrayEquals(weights[a], weighter.weights(), TOLERANCE, "alpha " + alphas[a]);
            assertArrayEquals(trunks[a], GivenGradients.values(update, "trunk"), TOLERANCE, "alpha " + alphas[a]);
        }
    }

    @Test
    void threeStepsWithoutARootInTheMiddleKeepThePreviousWeights() {
        double[][] cancel = {{1, 2, -1, 0.5}, {-1, -2, 1, -0.5}, {1, 2, -1, 0.5}};
        double[] step0 = {0.7422124953316436, 0.387944607869274, 0.7841855052845507};
        FairGradWeighter weighter = new FairGradWeighter(1.0);
        weighter.combineGradients(GivenGradients.of(NashMtlWeighterTest.STEPS[0], 0));
        assertArrayEquals(step0, weighter.weights(), TOLERANCE);
        FairGradWeighter resumed = new FairGradWeighter(1.0);
        resumed.restoreState(weighter.state());
        for (FairGradWeighter w : new FairGradWeighter[] {weighter, resumed}) {
            w.combineGradients(GivenGradients.of(cancel, 1));
            assertArrayEquals(step0, w.weights(), TOLERANCE);
            w.combineGradients(GivenGradients.of(NashMtlWeighterTest.STEPS[2], 2));
            assertArrayEquals(new double[] {0.41010676261721896, 0.7450204643192561, 0.32508323598530625},
                    w.weights(), TOLERANCE);
        }
    }

    @Test
    void degenerateGradientsGiveFiniteDocumentedWeights() {
        FairGradWeighter weighter = new FairGradWeighter(1.0);
        weighter.combineGradients(GivenGradients.of(new double[3][4], 0));
        assertArrayEquals(new double[] {1.0 / 3, 1.0 / 3, 1.0 / 3}, weighter.weights(), 0);
        // With α = 1 FairGrad's equation is Nash-MTL's: the zero branch gets the mean of the others' roots.
        weighter.combineGradients(GivenGradients.of(
                new double[][] {{1, 2, -1, 0.5}, {0, 0, 0, 0}, {-1.5, 0.5, 1.0, 2.0}}, 1));
        assertArrayEquals(new double[] {0.4154579515960029, 0.39735871895135166, 0.3792594863067004},
                weighter.weights(), TOLERANCE);
    }

    @Test
    void rejectsInvalidSettings() {
        assertThrows(IllegalArgumentException.class, () -> new FairGradWeighter(0));
        assertThrows(IllegalArgumentException.class, () -> new FairGradWeighter(-1));
        assertThrows(IllegalArgumentException.class, () -> new FairGradWeighter(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new FairGradWeighter(Double.POSITIVE_INFINITY));
    }
}

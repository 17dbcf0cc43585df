package io.github.branchwise.runtime.strategies;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

/**
 * MGDA's minimum-norm weights against mgda_min_norm_reference.py (test resources), which finds them exactly by
 * enumerating every support and checking the KKT conditions (SciPy's SLSQP agrees to 1e-10 or better); the numbers
 * below are its output (mgda_min_norm_reference.txt).
 */
class MgdaMinNormTest {
    private static final double TOLERANCE = 1e-12;

    private static double[][] gram(double[][] gradients) {
        int k = gradients.length;
        double[][] gram = new double[k][k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                gram[i][j] = SmallProblems.dot(gradients[i], gradients[j]);
            }
        }
        return gram;
    }

    @Test
    void threeBranchesAsTheReference() {
        assertArrayEquals(new double[] {0.4195096413925487, 0.1274321612424745, 0.453058197364977},
                MgdaWeighter.minNormWeights(gram(CaGradWeighterTest.K3)), TOLERANCE);
    }

    @Test
    void tenBranchesWithSeveralOutOfTheSupportAsTheReference() {
        double[][] gradients = new double[10][16];
        for (int i = 0; i < 10; i++) {
            for (int j = 0; j < 16; j++) {
                gradients[i][j] = Math.sin(0.7 * (i + 1) * (j + 1)) + 0.3;
            }
        }
        // The reference's weights; its zeros are exact (out of the support), so they are compared to 1e-12 too.
        assertArrayEquals(new double[] {0.0, 0.17251914267061633, 0.0, 0.0, 0.011973756039199025,
            0.03859828215536595, 0.218403898978623, 0.2972151780336159, 0.0, 0.26128974212257977},
                MgdaWeighter.minNormWeights(gram(gradients)), TOLERANCE);
    }

    @Test
    void twoBranchesInClosedForm() {
        // ‖γ·g₁ + (1 − γ)·g₂‖² is least at γ = (G₂₂ − G₁₂)/(G₁₁ + G₂₂ − 2·G₁₂), by hand: (7.5 + 0.5)/(6.25 + 7.5 + 1).
        double gamma = 8 / 14.75;
        assertArrayEquals(new double[] {gamma, 1 - gamma}, MgdaWeighter.minNormWeights(gram(CaGradWeighterTest.K2)),
                1e-15);
        // One gradient's projection on the other longer than the other: the shorter one alone.
        assertArrayEquals(new double[] {0, 1}, MgdaWeighter.minNormWeights(new double[][] {{4, 1}, {1, 1}}), 0);
        assertArrayEquals(new double[] {0.5, 0.5}, MgdaWeighter.minNormWeights(new double[][] {{1, 1}, {1, 1}}), 0);
    }

    @Test
    void degenerateGramMatricesGiveFiniteWeights() {
        assertArrayEquals(new double[] {1.0 / 3, 1.0 / 3, 1.0 / 3}, MgdaWeighter.minNormWeights(new double[3][3]), 0);
        // Two identical gradients and a zero one: the zero gradient is the minimum-norm point.
        double[] w = MgdaWeighter.minNormWeights(gram(new double[][] {{1, 2, -1, 0.5}, {0, 0, 0, 0},
            {1, 2, -1, 0.5}}));
        assertArrayEquals(new double[] {0, 1, 0}, w, 1e-7);
    }
}

package io.github.branchwise.runtime.strategies;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.annotations.GradientSource;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Aligned-MTL's α on gradients written out by hand, against gram_strategies_reference.py (test resources), which
 * follows LibMTL on the vectors (NumPy's {@code eigh} of their Gram matrix, eigenvalues above
 * {@code λ_max·K·eps(float32)} kept); the numbers are its output (gram_strategies_reference.txt).
 */
class AlignedMtlWeighterTest {
    private static final double TOLERANCE = 1e-12;

    @Test
    void fullRankGradientsAsTheReference() {
        AlignedMtlWeighter weighter = new AlignedMtlWeighter(GradientSource.PARAMETERS);
        Map<String, INDArray> two = weighter.combineGradients(GivenGradients.of(CaGradWeighterTest.K2, 0));
        assertArrayEquals(new double[] {1.0223812405224277, 0.936195983433722}, weighter.weights(), TOLERANCE);
        assertArrayEquals(new double[] {-0.3819127346281552, 2.5128604727617163, -0.08618525708870572,
            2.383582587128658}, GivenGradients.values(two, "trunk"), TOLERANCE);
        assertArrayEquals(new double[] {1}, GivenGradients.values(two, "head0"), 0);
        assertArrayEquals(new double[] {2}, GivenGradients.values(two, "head1"), 0);
        Map<String, INDArray> three = weighter.combineGradients(GivenGradients.of(CaGradWeighterTest.K3, 0));
        assertArrayEquals(new double[] {0.9910025953990986, 0.529874852251477, 1.0409181785325805},
                weighter.weights(), TOLERANCE);
        assertArrayEquals(new double[] {0.5084657705816572, 1.2060244383913552, 1.6207086139175395,
            1.034791912936213}, GivenGradients.values(three, "trunk"), TOLERANCE);
    }

    @Test
    void rankDeficientGradientsDropTheirZeroEigenvaluesAsTheReference() {
        double[] a = CaGradWeighterTest.K3[0];
        double[] b = CaGradWeighterTest.K3[1];
        double[] sum = new double[a.length];
        double[] twice = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            sum[i] = a[i] + b[i];
            twice[i] = 2 * a[i];
        }
        assertArrayEquals(new double[] {0.4525249221447803, 0.37201164094726435, 0.8245365630920444},
                AlignedMtlWeighter.alphas(ImtlWeighterTest.gram(a, b, sum)), 1e-9);
        assertArrayEquals(new double[] {0.6000000000000001, 1.2000000000000002},
                AlignedMtlWeighter.alphas(ImtlWeighterTest.gram(a, twice)), 1e-9);
    }

    @Test
    void zeroOrNonFiniteGramMatricesGiveOnes() {
        // Every eigenvalue dropped: α = 1, the limit of ε·I (the update is zero whatever α).
        assertArrayEquals(new double[] {1, 1}, AlignedMtlWeighter.alphas(new double[2][2]), 0);
        assertArrayEquals(new double[] {1, 1, 1},
                AlignedMtlWeighter.alphas(ImtlWeighterTest.gram(new double[4], new double[4], new double[4])), 0);
        assertArrayEquals(new double[] {1, 1},
                AlignedMtlWeighter.alphas(new double[][] {{Double.NaN, 0}, {0, 1}}), 0);
        // One zero gradient beside others: finite.
        double[] alpha = AlignedMtlWeighter.alphas(ImtlWeighterTest.gram(CaGradWeighterTest.K2[0], new double[4],
                CaGradWeighterTest.K2[1]));
        assertTrue(Arrays.stream(alpha).allMatch(Double::isFinite), Arrays.toString(alpha));
    }
}

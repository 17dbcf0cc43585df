package io.github.branchwise.runtime.strategies;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.annotations.GradientSource;
import io.github.branchwise.annotations.ImtlMode;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * IMTL-G's α on gradients written out by hand, against gram_strategies_reference.py (test resources), which applies
 * LibMTL's closed form to the vectors themselves (NumPy's inverse of D·Uᵀ); the numbers are its output
 * (gram_strategies_reference.txt). The degenerate cases, where the closed form has no answer, against the rules the
 * class states, worked out by hand.
 */
class ImtlWeighterTest {
    private static final double TOLERANCE = 1e-12;

    private static Map<String, INDArray> update(double[][] shared, ImtlWeighter weighter) {
        return weighter.combineGradients(GivenGradients.of(shared, 0));
    }

    @Test
    void twoAndThreeBranchesAsTheReference() {
        ImtlWeighter weighter = new ImtlWeighter(ImtlMode.GRADIENT, GradientSource.PARAMETERS);
        Map<String, INDArray> two = update(CaGradWeighterTest.K2, weighter);
        assertArrayEquals(new double[] {0.5227744249483387, 0.4772255750516613}, weighter.alphas(), TOLERANCE);
        assertArrayEquals(new double[] {-0.1930639376291533, 1.284161637422508, -0.0455488498966774,
            1.215838362577492}, GivenGradients.values(two, "trunk"), TOLERANCE);
        // Each branch's own head keeps its plain gradient, as in LibMTL.
        assertArrayEquals(new double[] {1}, GivenGradients.values(two, "head0"), 0);
        assertArrayEquals(new double[] {2}, GivenGradients.values(two, "head1"), 0);
        Map<String, INDArray> three = update(CaGradWeighterTest.K3, weighter);
        assertArrayEquals(new double[] {0.41707935020958953, 0.13965628047714873, 0.44326436931326174},
                weighter.alphas(), TOLERANCE);
        double[] g = GivenGradients.values(three, "trunk");
        assertArrayEquals(new double[] {0.34057424028784494, 0.4607224713444916, 0.6091056688940827,
            0.26622005140246136}, g, TOLERANCE);
        // The defining property: the same projection, 0.3144094159135905, on every unit gradient.
        for (double[] gi : CaGradWeighterTest.K3) {
            double norm = Math.sqrt(dot(gi, gi));
            assertEquals(0.3144094159135905, dot(g, gi) / norm, 1e-12);
        }
        assertArrayEquals(new double[] {3}, GivenGradients.values(three, "head2"), 0);
    }

    @Test
    void degenerateGradientsGiveTheStatedFiniteWeights() {
        double[] g = {1, 2, -1, 0.5};
        double[] zero = {0, 0, 0, 0};
        double[] twice = {2, 4, -2, 1};
        double[] opposite = {-1, -2, 1, -0.5};
        // A zero gradient has no direction: α = 0 for it, the others balanced among themselves.
        assertArrayEquals(new double[] {0, 1}, ImtlWeighter.alphas(gram(zero, g)), 0);
        assertArrayEquals(new double[] {0.5227744249483387, 0, 0.4772255750516613},
                ImtlWeighter.alphas(gram(CaGradWeighterTest.K2[0], zero, CaGradWeighterTest.K2[1])), TOLERANCE);
        // All zero: 1/K each.
        assertArrayEquals(new double[] {0.5, 0.5}, ImtlWeighter.alphas(gram(zero, zero)), 0);
        // Same direction (equal, or one twice the other): a singular system, every α alike.
        assertArrayEquals(new double[] {0.5, 0.5}, ImtlWeighter.alphas(gram(g, g)), 0);
        assertArrayEquals(new double[] {0.5, 0.5}, ImtlWeighter.alphas(gram(g, twice)), 0);
        // Opposite directions are not singular: α₁ = ‖g₂‖/(‖g₁‖ + ‖g₂‖), so the update is zero (by hand).
        assertArrayEquals(new double[] {2.0 / 3, 1.0 / 3}, ImtlWeighter.alphas(gram(g, scaled(opposite, 2))),
                TOLERANCE);
        // Non-finite gradients: finite weights; the trainer reports the gradient itself.
        double[][] infinite = {{Double.POSITIVE_INFINITY, 0}, {0, 1}};
        assertArrayEquals(new double[] {0.5, 0.5}, ImtlWeighter.alphas(infinite), 0);
        // One branch: all of it.
        assertArrayEquals(new double[] {1}, ImtlWeighter.alphas(gram(g)), 0);
    }

    @Test
    void everyModeReportsFiniteWeightsOnDegenerateGradients() {
        double[][][] cases = {
            {{0, 0, 0, 0}, {0, 0, 0, 0}},
            {{1, 2, -1, 0.5}, {1, 2, -1, 0.5}},
            {{1, 2, -1, 0.5}, {0, 0, 0, 0}, {1, 2, -1, 0.5}},
        };
        for (double[][] shared : cases) {
            ImtlWeighter weighter = new ImtlWeighter(ImtlMode.GRADIENT, GradientSource.PARAMETERS);
            Map<String, INDArray> update = update(shared, weighter);
            for (double v : GivenGradients.values(update, "trunk")) {
                assertTrue(Double.isFinite(v), Arrays.deepToString(shared));
            }
            assertEquals(1.0, Arrays.stream(weighter.alphas()).sum(), 1e-12, Arrays.deepToString(shared));
        }
    }

    private static double[] scaled(double[] v, double factor) {
        return Arrays.stream(v).map(x -> x * factor).toArray();
    }

    private static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    static double[][] gram(double[]... vectors) {
        double[][] gram = new double[vectors.length][vectors.length];
        for (int i = 0; i < vectors.length; i++) {
            for (int j = 0; j < vectors.length; j++) {
                gram[i][j] = dot(vectors[i], vectors[j]);
            }
        }
        return gram;
    }
}

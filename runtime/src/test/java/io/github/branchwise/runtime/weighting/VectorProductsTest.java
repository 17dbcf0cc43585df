package io.github.branchwise.runtime.weighting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * {@link VectorProducts} against exact sums: every product and sum in {@link BigDecimal} (no rounding), so the
 * reference shares nothing with the partial sums and blocks under test. Lengths around the unrolling (4) and the
 * block (512) catch a value counted twice or left out at either edge.
 */
class VectorProductsTest {
    private static double[] random(Random random, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = random.nextGaussian() * Math.exp(random.nextGaussian());
        }
        return v;
    }

    private static double exactDot(double[] a, double[] b) {
        BigDecimal sum = BigDecimal.ZERO;
        for (int i = 0; i < a.length; i++) {
            sum = sum.add(new BigDecimal(a[i]).multiply(new BigDecimal(b[i])));
        }
        return sum.round(MathContext.DECIMAL64).doubleValue();
    }

    private static double scale(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += Math.abs(a[i] * b[i]);
        }
        return s;
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 3, 4, 5, 7, 511, 512, 513, 1027, 2048})
    void dotIsTheExactSumWithinRounding(int n) {
        Random random = new Random(n);
        double[] a = random(random, n);
        double[] b = random(random, n);
        assertEquals(exactDot(a, b), VectorProducts.dot(a, b), 1e-14 * Math.max(1, scale(a, b)));
        assertEquals(exactDot(a, b), BranchGradients.dot(a, b), 1e-14 * Math.max(1, scale(a, b)));
        if (n > 6) {
            double[] x = java.util.Arrays.copyOfRange(a, 2, n - 3);
            double[] y = java.util.Arrays.copyOfRange(b, 2, n - 3);
            assertEquals(exactDot(x, y), VectorProducts.dot(a, b, 2, n - 3), 1e-14 * Math.max(1, scale(x, y)));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 5, 512, 1300})
    void gramAddsEveryPairToBothHalves(int n) {
        Random random = new Random(100 + n);
        double[][] rows = {random(random, n), random(random, n), random(random, n)};
        double[][] gram = {{1, 2, 3}, {2, 5, 6}, {3, 6, 9}};
        double[][] before = {{1, 2, 3}, {2, 5, 6}, {3, 6, 9}};
        VectorProducts.accumulateGram(rows, gram);
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                double expected = before[i][j] + exactDot(rows[i], rows[j]);
                assertEquals(expected, gram[i][j], 1e-14 * Math.max(1, before[i][j] + scale(rows[i], rows[j])),
                        "gram " + i + j);
            }
        }
    }

    @Test
    void productsPairEveryRowOfOneSideWithEveryRowOfTheOther() {
        Random random = new Random(7);
        int n = 1029;
        double[][] a = {random(random, n), random(random, n)};
        double[][] b = {random(random, n), random(random, n), random(random, n)};
        double[][] products = new double[2][3];
        products[1][2] = 10;
        VectorProducts.accumulateProducts(a, b, products);
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 3; j++) {
                double expected = (i == 1 && j == 2 ? 10 : 0) + exactDot(a[i], b[j]);
                assertEquals(expected, products[i][j], 1e-14 * Math.max(1, 10 + scale(a[i], b[j])));
            }
        }
    }

    @Test
    void mismatchedShapesAreRefused() {
        double[] three = new double[3];
        double[] four = new double[4];
        assertThrows(IllegalArgumentException.class, () -> VectorProducts.dot(three, four));
        assertThrows(IllegalArgumentException.class,
                () -> VectorProducts.accumulateGram(new double[][] {three, four}, new double[2][2]));
        assertThrows(IllegalArgumentException.class,
                () -> VectorProducts.accumulateGram(new double[][] {three, three}, new double[3][3]));
        assertThrows(IllegalArgumentException.class,
                () -> VectorProducts.accumulateProducts(new double[][] {three}, new double[][] {four}, new double[1][1]));
        assertThrows(IllegalArgumentException.class,
                () -> VectorProducts.accumulateProducts(new double[][] {three}, new double[][] {three}, new double[1][2]));
    }
}

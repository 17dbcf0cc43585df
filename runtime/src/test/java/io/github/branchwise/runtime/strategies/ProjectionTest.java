package io.github.branchwise.runtime.strategies;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link TrainableWeighter#project} against a brute-force projection onto {w : Σwᵢ = 1, lo ≤ wᵢ ≤ hi}.
 *
 * <p>The brute force does not use the clip(v − τ) structure: it enumerates every assignment of each coordinate to
 * "at lo", "at hi" or "free"; for the free ones the closest point with the required sum moves each by the same
 * amount (a Lagrange multiplier). Every feasible candidate is a point of the set, and by the KKT conditions the
 * projection is one of them, so the feasible candidate nearest to v is the projection.
 */
class ProjectionTest {
    @Test
    void matchesBruteForceOnRandomVectors() {
        Random random = new Random(17);
        for (int trial = 0; trial < 3000; trial++) {
            int n = 2 + random.nextInt(5);
            double lo = random.nextDouble() / n;
            double hi = 1.0 / n + random.nextDouble() * (1 - 1.0 / n);
            if (random.nextInt(10) == 0) {
                lo = 0;
                hi = 1;
            }
            double scale = new double[] {0.1, 1, 10, 1e3, 1e7}[random.nextInt(5)];
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = 1.0 / n + scale * random.nextGaussian();
            }
            double[] expected = bruteForce(v, lo, hi);
            double[] actual = TrainableWeighter.project(v, lo, hi);
            String what = "v=" + Arrays.toString(v) + " lo=" + lo + " hi=" + hi;
            assertArrayEquals(expected, actual, 1e-9 * Math.max(1, scale * 1e-6), what);
            assertFeasible(actual, lo, hi, what);
        }
    }

    @Test
    void leavesFeasiblePointsAlone() {
        double[] w = {0.2, 0.5, 0.3};
        assertArrayEquals(w, TrainableWeighter.project(w, 0.1, 0.6), 1e-15);
        double[] corner = {0.6, 0.3, 0.1};
        assertArrayEquals(corner, TrainableWeighter.project(corner, 0.1, 0.6), 1e-15);
    }

    @Test
    void shiftsEquallyWhenNoBoundIsActive() {
        // v sums to 1.3: every coordinate moves down by 0.1.
        assertArrayEquals(new double[] {0.1, 0.4, 0.5}, TrainableWeighter.project(new double[] {0.2, 0.5, 0.6}, 0, 1),
                1e-15);
    }

    @Test
    void degenerateBoxHasOnePoint() {
        assertArrayEquals(new double[] {0.25, 0.25, 0.25, 0.25},
                TrainableWeighter.project(new double[] {5, -3, 0.1, 1e9}, 0.25, 0.25), 0.0);
    }

    @Test
    void hugeStepsLandOnAVertexWithAnExactSum() {
        // What one SGD step of learning rate 1e6 produces from 1/3 each: the smallest loss wins the upper bound.
        double[] v = {1 / 3.0 - 1e6 * 0.41, 1 / 3.0 - 1e6 * 0.87, 1 / 3.0 - 1e6 * 2.3};
        double[] w = TrainableWeighter.project(v, 0.1, 0.6);
        assertArrayEquals(new double[] {0.6, 0.3, 0.1}, w, 1e-15);
        assertFeasible(w, 0.1, 0.6, Arrays.toString(v));
    }

    private static void assertFeasible(double[] w, double lo, double hi, String what) {
        double sum = 0;
        for (double x : w) {
            assertTrue(x >= lo && x <= hi, what + " -> " + Arrays.toString(w));
            sum += x;
        }
        assertEquals(1.0, sum, 1e-14, what + " -> " + Arrays.toString(w));
    }

    private static double[] bruteForce(double[] v, double lo, double hi) {
        int n = v.length;
        int combinations = (int) Math.pow(3, n);
        double[] best = null;
        double bestDistance = Double.POSITIVE_INFINITY;
        for (int code = 0; code < combinations; code++) {
            int[] state = new int[n];
            int c = code;
            int free = 0;
            double fixedSum = 0;
            double freeSum = 0;
            for (int i = 0; i < n; i++) {
                state[i] = c % 3;
                c /= 3;
                if (state[i] == 0) {
                    fixedSum += lo;
                } else if (state[i] == 1) {
                    fixedSum += hi;
                } else {
                    free++;
                    freeSum += v[i];
                }
            }
            double[] w = new double[n];
            double shift = free == 0 ? 0 : (freeSum - (1 - fixedSum)) / free;
            boolean feasible = free > 0 || Math.abs(fixedSum - 1) < 1e-12;
            for (int i = 0; i < n && feasible; i++) {
                w[i] = state[i] == 0 ? lo : state[i] == 1 ? hi : v[i] - shift;
                feasible = w[i] >= lo - 1e-12 && w[i] <= hi + 1e-12;
            }
            if (!feasible) {
                continue;
            }
            double distance = 0;
            for (int i = 0; i < n; i++) {
                distance += (w[i] - v[i]) * (w[i] - v[i]);
            }
            if (distance < bestDistance) {
                bestDistance = distance;
                best = w;
            }
        }
        return best;
    }
}

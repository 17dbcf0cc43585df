package io.github.branchwise.runtime.strategies;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The small QPs where Hipparchus' ADMM does not converge. The case below is one CAGrad's dual produced while training
 * the benchmarks' three-branch trunk model (StrategyCostBenchmark, TRUNK_64): without an iteration cap the step never
 * returned. Its minimiser, the vertex (0, 0, 1), was found independently by enumerating every support of the simplex
 * and checking the KKT conditions (NumPy; only that support satisfies them, objective 0.002262456188352373).
 */
class SmallProblemsTest {
    private static final double[][] Q = {
        {0.0045789381793040285, 0.002498189287320723, -1.405237075367418E-4},
        {0.002498189287320723, 0.4940900768017317, 0.0012049714983170734},
        {-1.405237075367418E-4, 0.0012049714983170734, 0.0013309923009344428}};
    private static final double[] LINEAR = {0.00462440243870915, 0.331862153558359, 0.0015969600378851517};
    private static final double[] START = {1.0 / 3, 1.0 / 3, 1.0 / 3};

    @Test
    void aSimplexQpAdmmCannotSolveEndsAtTheMinimiser() {
        double[] w = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> SmallProblems.simplexQp(Q, LINEAR, START));
        assertArrayEquals(new double[] {0, 0, 1}, w, 1e-6);
    }

    @Test
    void projectedGradientFindsTheSameVertexOnItsOwn() {
        assertArrayEquals(new double[] {0, 0, 1}, SmallProblems.projectedGradient(Q, LINEAR, START, null), 1e-9);
    }

    @Test
    void projectedGradientKeepsABoxQpAboveItsBound() {
        // min ½·vᵀGv with v ≥ u: G = diag(2, 1), u = (1, -1) gives v = (1, 0) (worked out by hand: the first
        // coordinate is held at its bound, the second is free and goes to G's minimum, 0).
        double[] v = SmallProblems.projectedGradient(new double[][] {{2, 0}, {0, 1}}, new double[2],
                new double[] {1, -1}, new double[] {1, -1});
        assertArrayEquals(new double[] {1, 0}, v, 1e-9);
    }
}

package io.github.branchwise.runtime.strategies;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * CAGrad's update on gradients written out by hand, against solver_strategies_reference.py (test resources), which
 * solves the same dual with SciPy's SLSQP and certifies it by the duality gap; the numbers below are its output
 * (solver_strategies_reference.txt).
 */
class CaGradWeighterTest {
    static final double[][] K2 = {{1.0, 2.0, -1.0, 0.5}, {-1.5, 0.5, 1.0, 2.0}};
    static final double[][] K3 = {{1.0, 2.0, -1.0, 0.5}, {-1.5, 0.5, 1.0, 2.0}, {0.3, -1.0, 2.0, -0.5}};
    /** The reference solves to a duality gap of 1e-8 (the ε of LibMTL's formula): weights agree to about 1e-7. */
    private static final double TOLERANCE = 1e-6;

    @Test
    void twoBranchesAsTheReference() {
        CaGradWeighter weighter = new CaGradWeighter(0.5, 1);
        Map<String, INDArray> update = weighter.combineGradients(GivenGradients.of(K2, 0));
        assertArrayEquals(new double[] {0.6481037020367484, 0.5468375028955434}, weighter.weights(), TOLERANCE);
        assertArrayEquals(new double[] {-0.1721525523065668, 1.5696261555212685, -0.10126619914120494,
            1.4177268568094612}, GivenGradients.values(update, "trunk"), TOLERANCE);
        // Each branch's own head keeps its plain gradient, as in LibMTL.
        assertArrayEquals(new double[] {1}, GivenGradients.values(update, "head0"), 0);
        assertArrayEquals(new double[] {2}, GivenGradients.values(update, "head1"), 0);
    }

    @Test
    void threeBranchesAsTheReference() {
        CaGradWeighter weighter = new CaGradWeighter(0.5, 1);
        Map<String, INDArray> update = weighter.combineGradients(GivenGradients.of(K3, 0));
        assertArrayEquals(new double[] {0.47495713195837846, 0.26666666666666666, 0.505693881387514},
                weighter.weights(), TOLERANCE);
        assertArrayEquals(new double[] {0.22666529637463265, 0.5775537158625763, 0.8030972974833163,
            0.5179649586187656}, GivenGradients.values(update, "trunk"), TOLERANCE);
        assertArrayEquals(new double[] {3}, GivenGradients.values(update, "head2"), 0);
    }

    @Test
    void otherRadiusAndRescaleAsTheReference() {
        CaGradWeighter weighter = new CaGradWeighter(0.8, 2);
        weighter.combineGradients(GivenGradients.of(K3, 0));
        assertArrayEquals(new double[] {0.4188583656350279, 0.18518518518518523, 0.4489239471248878},
                weighter.weights(), TOLERANCE);
    }

    @Test
    void withoutSharedParametersEveryParameterIsShared() {
        double[][] heads = {{1}, {2}};
        CaGradWeighter weighter = new CaGradWeighter(0.5, 1);
        Map<String, INDArray> update = weighter.combineGradients(new GivenGradients(K2, heads, 0, false));
        double[] c = weighter.weights();
        // The heads are orthogonal to everything else, so they change the Gram matrix: only check the heads get the
        // same coefficients as the trunk.
        assertArrayEquals(new double[] {c[0]}, GivenGradients.values(update, "head0"), 1e-15);
        assertArrayEquals(new double[] {2 * c[1]}, GivenGradients.values(update, "head1"), 1e-15);
    }

    @Test
    void finiteOnDegenerateGradients() {
        double[][][] cases = {
            {{0, 0, 0, 0}, {0, 0, 0, 0}},
            {{1, 2, -1, 0.5}, {2, 4, -2, 1}},
            {{1, 2, -1, 0.5}, {-1, -2, 1, -0.5}},
            {{1, 2, -1, 0.5}, {0, 0, 0, 0}, {1, 2, -1, 0.5}},
        };
        for (double[][] shared : cases) {
            CaGradWeighter weighter = new CaGradWeighter(0.5, 1);
            Map<String, INDArray> update = weighter.combineGradients(GivenGradients.of(shared, 0));
            for (double w : weighter.weights()) {
                assertTrue(Double.isFinite(w), java.util.Arrays.deepToString(shared));
            }
            for (double v : GivenGradients.values(update, "trunk")) {
                assertTrue(Double.isFinite(v), java.util.Arrays.deepToString(shared));
            }
        }
        // Opposite gradients: the average is zero and so is the ball around it; the update is zero.
        CaGradWeighter weighter = new CaGradWeighter(0.5, 1);
        Map<String, INDArray> update = weighter.combineGradients(
                GivenGradients.of(new double[][] {{1, 2, -1, 0.5}, {-1, -2, 1, -0.5}}, 0));
        assertArrayEquals(new double[4], GivenGradients.values(update, "trunk"), 1e-6);
    }

    @Test
    void rejectsInvalidSettings() {
        assertThrows(IllegalArgumentException.class, () -> new CaGradWeighter(-0.1, 1));
        assertThrows(IllegalArgumentException.class, () -> new CaGradWeighter(Double.NaN, 1));
        assertThrows(IllegalArgumentException.class, () -> new CaGradWeighter(Double.POSITIVE_INFINITY, 1));
        assertThrows(IllegalArgumentException.class, () -> new CaGradWeighter(0.5, 3));
        assertThrows(IllegalArgumentException.class, () -> new CaGradWeighter(0.5, -1));
    }
}

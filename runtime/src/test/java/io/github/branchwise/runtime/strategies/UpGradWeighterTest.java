package io.github.branchwise.runtime.strategies;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * UPGrad's update on gradients written out by hand, against upgrad_nash_fairgrad_reference.py (test resources), which
 * solves each box QP exactly by enumerating its active sets (and checks that against SciPy's L-BFGS-B); the numbers
 * below are its output (upgrad_nash_fairgrad_reference.txt).
 */
class UpGradWeighterTest {
    /** ADMM finds the active set and the KKT system on it is solved exactly: the weights agree to rounding. */
    private static final double TOLERANCE = 1e-12;

    @Test
    void twoBranchesAsTheReference() {
        UpGradWeighter weighter = new UpGradWeighter();
        Map<String, INDArray> update = weighter.combineGradients(GivenGradients.of(CaGradWeighterTest.K2, 0));
        assertArrayEquals(new double[] {0.5399912019355741, 0.5333272233423872}, weighter.weights(), TOLERANCE);
        assertArrayEquals(new double[] {-0.2599996330780068, 1.3466460155423419, -0.006663978593186903,
            1.3366500476525616}, GivenGradients.values(update, "trunk"), TOLERANCE);
        // Each branch's own head keeps its plain gradient, as in torchjd and LibMTL.
        assertArrayEquals(new double[] {1}, GivenGradients.values(update, "head0"), 0);
        assertArrayEquals(new double[] {2}, GivenGradients.values(update, "head1"), 0);
    }

    @Test
    void threeBranchesAsTheReference() {
        UpGradWeighter weighter = new UpGradWeighter();
        Map<String, INDArray> update = weighter.combineGradients(GivenGradients.of(CaGradWeighterTest.K3, 0));
        assertArrayEquals(new double[] {0.5912189962730895, 0.36578665287260426, 0.6107599971610211},
                weighter.weights(), TOLERANCE);
        assertArrayEquals(new double[] {0.2257670161124895, 0.75457132182146, 0.996087650921557, 0.7218028053012426},
                GivenGradients.values(update, "trunk"), TOLERANCE);
        assertArrayEquals(new double[] {3}, GivenGradients.values(update, "head2"), 0);
    }

    @Test
    void aZeroGradientAndTwoIdenticalOnesGiveTheMean() {
        UpGradWeighter weighter = new UpGradWeighter();
        weighter.combineGradients(GivenGradients.of(new double[][] {{1, 2, -1, 0.5}, {0, 0, 0, 0}, {1, 2, -1, 0.5}},
                0));
        assertArrayEquals(new double[] {1.0 / 3, 1.0 / 3, 1.0 / 3}, weighter.weights(), TOLERANCE);
    }

    @Test
    void gradientsBelowTheNormThresholdGiveTheMean() {
        double[][] tiny = new double[3][4];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 4; j++) {
                tiny[i][j] = CaGradWeighterTest.K3[i][j] * 1e-3;
            }
        }
        UpGradWeighter weighter = new UpGradWeighter();
        weighter.combineGradients(GivenGradients.of(tiny, 0));
        assertArrayEquals(new double[] {1.0 / 3, 1.0 / 3, 1.0 / 3}, weighter.weights(), TOLERANCE);
        weighter.combineGradients(GivenGradients.of(new double[3][4], 0));
        assertArrayEquals(new double[] {1.0 / 3, 1.0 / 3, 1.0 / 3}, weighter.weights(), TOLERANCE);
    }

    @Test
    void withoutSharedParametersEveryParameterIsShared() {
        double[][] heads = {{1}, {2}};
        UpGradWeighter weighter = new UpGradWeighter();
        Map<String, INDArray> update = weighter.combineGradients(new GivenGradients(CaGradWeighterTest.K2, heads, 0,
                false));
        double[] c = weighter.weights();
        assertArrayEquals(new double[] {c[0]}, GivenGradients.values(update, "head0"), 1e-15);
        assertArrayEquals(new double[] {2 * c[1]}, GivenGradients.values(update, "head1"), 1e-15);
    }
}

package io.github.branchwise.runtime.strategies;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.annotations.GradVacGroups;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * GradVac's Gram-matrix form against gram_strategies_reference.py (test resources), which moves the gradient vectors
 * themselves as LibMTL does, over three steps whose targets carry over, with the same visiting orders; the numbers are
 * its output (gram_strategies_reference.txt).
 */
class GradVacWeighterTest {
    private static final double[][][] STEPS = {
        CaGradWeighterTest.K3,
        {{0.5, 1.0, 0.2, -0.3}, {-0.2, 0.4, 1.5, 0.1}, {1.0, -0.5, -0.3, 0.8}},
        {{-0.4, 0.9, 0.3, 0.2}, {0.6, -0.7, 0.2, 1.1}, {0.2, 0.3, -1.2, 0.4}},
    };
    private static final List<List<List<Integer>>> ORDERS = List.of(
            List.of(List.of(2, 1), List.of(0, 2), List.of(1, 0)),
            List.of(List.of(1, 2), List.of(2, 0), List.of(0, 1)),
            List.of(List.of(2, 1), List.of(2, 0), List.of(1, 0)));
    private static final double[][] UPDATES = {
        {0.6562509312197373, 2.1653545536258116, 2.928761541606594, 2.0847141072476587},
        {1.6036059763635535, 0.8430958724792195, 1.7644327382637157, 0.9251304603303732},
        {0.34820686673116913, 0.8566695709474561, -0.4210201289557902, 2.2431104582184482},
    };
    private static final double[][] TARGETS = {
        {0.0, -0.04633730616019504, -0.34186643411049294, -0.03651483711367774, 0.0, -0.021072283242361916,
            -0.34186643411049294, 0.0039503788532576165, 0.0},
        {0.0, 0.13151262822401932, -0.261677467586357, 0.11489559468746063, 0.0, -0.18498196617526402,
            -0.261677467586357, -0.17247063512745425, 0.0},
        {0.0, -0.12833943462406594, -0.16345942179444506, -0.13664795139234528, 0.0, -0.06363539111536172,
            -0.16345942179444506, -0.057379725591456834, 0.0},
    };

    @Test
    void threeStepsWithTheirTargetsAsTheReference() {
        double[][] target = new double[3][3];
        for (int s = 0; s < STEPS.length; s++) {
            double[] c = GradVacWeighter.coefficients(ImtlWeighterTest.gram(STEPS[s]), target, ORDERS.get(s), 0.5);
            double[] update = new double[4];
            for (int m = 0; m < 3; m++) {
                for (int d = 0; d < 4; d++) {
                    update[d] += c[m] * STEPS[s][m][d];
                }
            }
            assertArrayEquals(UPDATES[s], update, 1e-12, "update of step " + s);
            assertArrayEquals(TARGETS[s], Arrays.stream(target).flatMapToDouble(Arrays::stream).toArray(), 1e-12,
                    "targets after step " + s);
        }
    }

    @Test
    void zeroTargetsAndBetaZeroArePcGrad() {
        // Targets at 0 never move with β = 0: each step projects conflicting gradients as PCGrad, by hand for K = 2:
        // g₁·g₂ = -1.5 + 1 - 1 + 1 = -0.5, ‖g₂‖² = 2.25 + 0.25 + 1 + 4 = 7.5, ‖g₁‖² = 1 + 4 + 1 + 0.25 = 6.25.
        double[][] target = new double[2][2];
        double[] c = GradVacWeighter.coefficients(ImtlWeighterTest.gram(CaGradWeighterTest.K2), target,
                List.of(List.of(1), List.of(0)), 0);
        assertArrayEquals(new double[] {1 + 0.5 / 6.25, 1 + 0.5 / 7.5}, c, 1e-9);
        assertArrayEquals(new double[] {0, 0}, target[0], 0);
    }

    @Test
    void degenerateGradientsStayFinite() {
        double[] g = {1, 2, -1, 0.5};
        double[][][] cases = {{g, g}, {g, new double[4]}, {new double[4], new double[4]}, {g, {-1, -2, 1, -0.5}}};
        for (double[][] shared : cases) {
            for (double start : new double[] {0, 0.5, 0.999}) {
                double[][] target = {{start, start}, {start, start}};
                double[] c = GradVacWeighter.coefficients(ImtlWeighterTest.gram(shared), target,
                        List.of(List.of(1), List.of(0)), 0.5);
                assertTrue(Arrays.stream(c).allMatch(Double::isFinite), Arrays.deepToString(shared) + " " + start);
                assertTrue(Arrays.stream(target).flatMapToDouble(Arrays::stream).allMatch(t -> t >= -1 && t <= 1));
            }
        }
        // A zero gⱼ is skipped: gᵢ keeps coefficient 1 alone.
        double[][] target = {{0.5, 0.5}, {0.5, 0.5}};
        double[] c = GradVacWeighter.coefficients(ImtlWeighterTest.gram(g, new double[4]), target,
                List.of(List.of(1), List.of(0)), 0.5);
        assertEquals(1.0, c[0], 0);
    }

    @Test
    void groupsAreTheWholeModelEachLayerOrEachParameter() {
        List<String> shared = List.of("trunk/dense_0/W", "trunk/dense_0/b", "trunk/dense_1/W", "neck/dense_0/W",
                "neck/dense_0/b");
        assertEquals(List.of(shared), GradVacWeighter.group(shared, GradVacGroups.WHOLE_MODEL));
        assertEquals(List.of(List.of("trunk/dense_0/W", "trunk/dense_0/b"), List.of("trunk/dense_1/W"),
                List.of("neck/dense_0/W", "neck/dense_0/b")), GradVacWeighter.group(shared, GradVacGroups.PER_LAYER));
        assertEquals(5, GradVacWeighter.group(shared, GradVacGroups.PER_PARAMETER).size());
    }

    @Test
    void combinesTheSharedGradientsAndKeepsTheHeadsPlain() {
        GradVacWeighter weighter = new GradVacWeighter(0.5, GradVacGroups.WHOLE_MODEL);
        Map<String, INDArray> update = weighter.combineGradients(GivenGradients.of(CaGradWeighterTest.K2, 0));
        // Two branches: each visits the other, whatever the order; the first step is PCGrad's (by hand above), but for
        // LibMTL's 10⁻⁸ in the cosine's denominator (a relative 10⁻⁹ here).
        double[] c = {1 + 0.5 / 6.25, 1 + 0.5 / 7.5};
        double[] expected = new double[4];
        for (int d = 0; d < 4; d++) {
            expected[d] = c[0] * CaGradWeighterTest.K2[0][d] + c[1] * CaGradWeighterTest.K2[1][d];
        }
        assertArrayEquals(expected, GivenGradients.values(update, "trunk"), 1e-8);
        assertArrayEquals(new double[] {1}, GivenGradients.values(update, "head0"), 0);
        assertArrayEquals(new double[] {2}, GivenGradients.values(update, "head1"), 0);
        assertArrayEquals(c, weighter.lastCoefficients()[0], 1e-8);
        assertArrayEquals(new double[] {1, 1}, weighter.weights(), 0);
        double cosine = -0.5 / Math.sqrt(6.25 * 7.5);
        assertEquals(0.5 * cosine, weighter.targets()[0][0][1], 1e-9);
    }

    @Test
    void stateRestoresTheTargetsAndRefusesDamagedOnes() {
        GradVacWeighter weighter = new GradVacWeighter(0.5, GradVacGroups.WHOLE_MODEL);
        assertEquals(Map.of(), weighter.state(), "nothing before the first step");
        weighter.combineGradients(GivenGradients.of(CaGradWeighterTest.K2, 0));
        Map<String, INDArray> saved = weighter.state();
        GradVacWeighter restored = new GradVacWeighter(0.5, GradVacGroups.WHOLE_MODEL);
        restored.restoreState(saved);
        assertArrayEquals(weighter.targets()[0][0], restored.targets()[0][0], 0);
        assertArrayEquals(weighter.targets()[0][1], restored.targets()[0][1], 0);
        assertThrows(IllegalArgumentException.class,
                () -> restored.restoreState(Map.of("targets", Nd4j.zeros(2, 2))));
        assertThrows(IllegalArgumentException.class,
                () -> restored.restoreState(Map.of("targets", Nd4j.valueArrayOf(new long[] {1, 2, 2}, 1.5))));
        // Targets for three branches do not fit a two-branch step.
        restored.restoreState(Map.of("targets", Nd4j.zeros(1, 3, 3)));
        assertThrows(IllegalStateException.class,
                () -> restored.combineGradients(GivenGradients.of(CaGradWeighterTest.K2, 1)));
    }

    @Test
    void rejectsABetaOutsideZeroToOne() {
        assertThrows(IllegalArgumentException.class, () -> new GradVacWeighter(-0.1, GradVacGroups.WHOLE_MODEL));
        assertThrows(IllegalArgumentException.class, () -> new GradVacWeighter(1.1, GradVacGroups.PER_LAYER));
        assertThrows(IllegalArgumentException.class, () -> new GradVacWeighter(Double.NaN, GradVacGroups.PER_LAYER));
    }
}

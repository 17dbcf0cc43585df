package io.github.branchwise.runtime.strategies;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.runtime.weighting.Weighter;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * GRADDROP, DB_MTL, MOCO and EXCESS_MTL on gradients and losses written out by hand, three steps so that their state
 * matters, against elementwise_reference.py (test resources), a NumPy float64 script written from the formulas; the
 * numbers below are its output (elementwise_reference.txt). GradDrop's uniform draws are reproduced by the script's
 * own SplitMix64 (java.util.SplittableRandom's published algorithm), so its masks are checked too.
 */
class ElementwiseStrategiesTest {
    /** Both sides compute in double, in other orders: agreement to rounding. */
    private static final double TOLERANCE = 1e-12;
    private static final long SEED = 42;
    static final double[][][] SHARED = {
        {{1.0, 2.0, -1.0, 0.5, 0.0}, {-1.5, 0.5, 1.0, 2.0, 0.0}, {0.3, -1.0, 2.0, -0.5, 0.0}},
        {{0.5, -1.0, 0.25, 1.5, 0.2}, {1.0, 1.5, -0.5, -2.0, -0.1}, {-0.8, 0.4, 1.2, 0.6, 0.3}},
        {{-0.2, 0.7, 1.1, -0.4, 0.9}, {0.6, -0.3, 0.8, 1.0, -1.2}, {1.4, 0.2, -0.6, 0.5, 0.1}},
    };
    static final double[][] LOSSES = {{2.0, 0.5, 1.25}, {1.5, 0.4, 1.0}, {1.2, 0.35, 0.9}};

    private static final double[] GRADDROP_LEAK_0_0_STEP_0 = {1.3, 2.5, -1.0, -0.5, 0.0};
    private static final double[] GRADDROP_LEAK_0_0_STEP_1 = {1.5, -1.0, -0.5, -2.0, 0.5};
    private static final double[] GRADDROP_LEAK_0_0_STEP_2 = {2.0, 0.8999999999999999, -0.6, 1.5, -1.2};
    private static final double[] GRADDROP_LEAK_0_25_STEP_0 = {0.925, 2.25, -0.25, 0.125, 0.0};
    private static final double[] GRADDROP_LEAK_0_25_STEP_1 = {1.3, -0.525, -0.1375, -1.475, 0.475};
    private static final double[] GRADDROP_LEAK_0_25_STEP_2 = {1.9499999999999997, 0.825, -0.12499999999999994, 1.4, -0.95};
    private static final double[] DB_MTL_ALPHA_1 = {4.381780043772221, 0.9999999817425813, 2.962783948806196};
    private static final double[] DB_MTL_TRUNK_1 = {-0.009804173227114604, 0.3011552843522761, 0.4549564192719785, 0.39103312823945874, 0.0};
    private static final double[] DB_MTL_HEADS_1 = {0.4999999975, 3.9999999200000014, 2.3999999808};
    private static final double[] DB_MTL_ALPHA_2 = {3.253059262728307, 0.9999999795822676, 1.7812001861477478};
    private static final double[] DB_MTL_TRUNK_2 = {0.1308008839300382, 0.4839062897997727, 0.433066831282166, 0.3012485692198368, 0.07181012939939893};
    private static final double[] DB_MTL_HEADS_2 = {0.6666666622222223, 4.999999875000003, 2.9999999700000006};
    private static final double[] DB_MTL_ALPHA_3 = {3.70110752859366, 0.9999999835735225, 2.7998824627020196};
    private static final double[] DB_MTL_TRUNK_3 = {0.6410469640363865, 0.6079898917700937, 1.0015546011780527, 0.6604176165899927, 0.0633458564136289};
    private static final double[] DB_MTL_HEADS_3 = {0.833333326388889, 5.714285551020414, 3.3333332962962965};
    private static final double[] DB_MTL_OTHER_ALPHA_1 = {4.381780219043413, 0.9999999908712907, 2.9627840289388216};
    private static final double[] DB_MTL_OTHER_TRUNK_1 = {-0.019608330557969095, 0.6023105927633128, 0.9099128503107607, 0.7820662661348347, 0.0};
    private static final double[] DB_MTL_OTHER_HEADS_1 = {0.4999999975, 3.9999999200000014, 2.3999999808};
    private static final double[] DB_MTL_OTHER_ALPHA_2 = {4.797685692884009, 0.9999999961245211, 3.1619604752447996};
    private static final double[] DB_MTL_OTHER_TRUNK_2 = {0.6995695067649834, 1.158602535647877, 1.979585599379208, 1.18125667704182, 0.5812343191647782};
    private static final double[] DB_MTL_OTHER_HEADS_2 = {0.6666666622222223, 4.999999875000003, 2.9999999700000006};
    private static final double[] DB_MTL_OTHER_ALPHA_3 = {3.7873217800523693, 0.9999999962317843, 3.2320158369605263};
    private static final double[] DB_MTL_OTHER_TRUNK_3 = {3.507053804825337, 1.734249497084884, 2.8683814678303996, 2.161056513526493, 0.12244080081333064};
    private static final double[] DB_MTL_OTHER_HEADS_3 = {0.833333326388889, 5.714285551020414, 3.3333332962962965};
    private static final double[] MOCO_LAMBDA_1 = {0.3292759421453575, 0.334909566441722, 0.33581449141292047};
    private static final double[] MOCO_TRUNK_1 = {0.11309870961079108, 0.1878814990350306, 0.08051397212203902, 0.08158817240028582, 0.0};
    private static final double[] MOCO_LAMBDA_2 = {0.3306750286314226, 0.33537761081693873, 0.33394736055163865};
    private static final double[] MOCO_TRUNK_2 = {0.07924920680540526, 0.08488068438356122, 0.15189084382124873, 0.20031125309104877, 0.038344391142319245};
    private static final double[] MOCO_LAMBDA_3 = {0.3312853801840019, 0.3352587466535717, 0.3334558731624264};
    private static final double[] MOCO_TRUNK_3 = {0.12839692019462237, 0.11459727764735644, 0.16673904029291498, 0.15961410545704696, 0.0737358717216357};
    private static final double[] MOCO_OTHER_LAMBDA_1 = {0.2946911791214755, 0.34799190833607335, 0.3573169125424511};
    private static final double[] MOCO_OTHER_TRUNK_1 = {0.1389053679315641, 0.2169932568216147, 0.15004274005403645, 0.10381266399617106, 0.0};
    private static final double[] MOCO_OTHER_LAMBDA_2 = {0.3094880513908459, 0.3594466798264879, 0.3310652687826662};
    private static final double[] MOCO_OTHER_TRUNK_2 = {0.06356267020019908, 0.04351562523585413, 0.21706277351484393, 0.2786863030264247, 0.06351443191492824};
    private static final double[] MOCO_OTHER_LAMBDA_3 = {0.315618924088708, 0.35325430512209677, 0.33112677078919517};
    private static final double[] MOCO_OTHER_TRUNK_3 = {0.1702052900373213, 0.11860974634526772, 0.20454889360379555, 0.16153099769062146, 0.11043509651940618};
    private static final double[] EXCESS_MTL_WEIGHTS_1 = {1.0, 1.0, 1.0};
    private static final double[] EXCESS_MTL_TRUNK_1 = {-0.2, 1.5, 2.0, 2.0, 0.0};
    private static final double[] EXCESS_MTL_HEADS_1 = {1.0, 2.0, 3.0};
    private static final double[] EXCESS_MTL_WEIGHTS_2 = {0.9990147118540126, 1.0012138767880847, 0.9997714113579026};
    private static final double[] EXCESS_MTL_TRUNK_2 = {0.7009041036287689, 0.9027146678712755, 0.9488724331989439, 0.09595716101959106, 0.39961297809936486};
    private static final double[] EXCESS_MTL_HEADS_2 = {0.9990147118540126, 2.0024277535761694, 2.999314234073708};
    private static final double[] EXCESS_MTL_WEIGHTS_3 = {0.9990436720760307, 1.001226049132865, 0.9997302787911039};
    private static final double[] EXCESS_MTL_TRUNK_3 = {1.8005492853720582, 0.5989088114715827, 1.3000907113152635, 1.1014737196980047, -0.20235892621190005};
    private static final double[] EXCESS_MTL_HEADS_3 = {0.9990436720760307, 2.00245209826573, 2.9991908363733115};
    private static final double[] EXCESS_MTL_OTHER_WEIGHTS_1 = {1.0, 1.0, 1.0};
    private static final double[] EXCESS_MTL_OTHER_TRUNK_1 = {-0.2, 1.5, 2.0, 2.0, 0.0};
    private static final double[] EXCESS_MTL_OTHER_HEADS_1 = {1.0, 2.0, 3.0};
    private static final double[] EXCESS_MTL_OTHER_WEIGHTS_2 = {0.950931556951315, 1.0614464317912797, 0.9876220112574049};
    private static final double[] EXCESS_MTL_OTHER_TRUNK_2 = {0.7468146012610133, 1.0362868952385664, 0.8921560868510747, -0.10392232140114399, 0.38032827158835647};
    private static final double[] EXCESS_MTL_OTHER_HEADS_2 = {0.950931556951315, 2.1228928635825595, 2.962866033772215};
    private static final double[] EXCESS_MTL_OTHER_WEIGHTS_3 = {0.9523123993757188, 1.0620935791173043, 0.9855940215069771};
    private static final double[] EXCESS_MTL_OTHER_TRUNK_3 = {1.8266252977050064, 0.5451094101292073, 1.305862089702948, 1.1739656301205053, -0.31887173335192043};
    private static final double[] EXCESS_MTL_OTHER_HEADS_3 = {0.9523123993757188, 2.1241871582346086, 2.9567820645209313};

    /** Three scalar branch losses, for {@link Weighter#combine} (which these weighters build without the host). */
    static java.util.List<org.nd4j.autodiff.samediff.SDVariable> threeLosses() {
        org.nd4j.autodiff.samediff.SameDiff sd = org.nd4j.autodiff.samediff.SameDiff.create();
        return java.util.List.of(sd.constant(1.0), sd.constant(2.0), sd.constant(3.0));
    }

    /** Step t's gradients (iteration t, counted from 0). */
    static GivenGradients step(int t) {
        return GivenGradients.of(SHARED[t], LOSSES[t], t, SEED);
    }

    private static Map<String, INDArray> run(Weighter weighter, int t) {
        return weighter.combineGradients(step(t));
    }

    private static void assertHeads(double[] expected, Map<String, INDArray> update, double tolerance) {
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(new double[] {expected[i]}, GivenGradients.values(update, "head" + i), tolerance);
        }
    }

    @Test
    void gradDropMasksAsTheReference() {
        double[][] leak0 = {GRADDROP_LEAK_0_0_STEP_0, GRADDROP_LEAK_0_0_STEP_1, GRADDROP_LEAK_0_0_STEP_2};
        double[][] leak025 = {GRADDROP_LEAK_0_25_STEP_0, GRADDROP_LEAK_0_25_STEP_1, GRADDROP_LEAK_0_25_STEP_2};
        GradDropWeighter plain = new GradDropWeighter(0);
        GradDropWeighter leaky = new GradDropWeighter(0.25);
        plain.combine(null, threeLosses());
        for (int t = 0; t < 3; t++) {
            Map<String, INDArray> update = run(plain, t);
            assertArrayEquals(leak0[t], GivenGradients.values(update, "trunk"), TOLERANCE, "step " + t);
            // Each branch's own head keeps its plain gradient.
            assertHeads(new double[] {1, 2, 3}, update, 0);
            assertArrayEquals(leak025[t], GivenGradients.values(run(leaky, t), "trunk"), TOLERANCE, "step " + t);
        }
        // The draws depend on the seed and step only: the same step again gives the same masks.
        assertArrayEquals(leak0[1], GivenGradients.values(run(plain, 1), "trunk"), TOLERANCE);
        // A leak of 1 keeps everything: the plain sum.
        double[] sum = GivenGradients.values(run(new GradDropWeighter(1), 2), "trunk");
        for (int v = 0; v < 5; v++) {
            assertEquals(SHARED[2][0][v] + SHARED[2][1][v] + SHARED[2][2][v], sum[v], TOLERANCE);
        }
    }

    @Test
    void gradDropsTwoBranchLoopIsTheFormula() {
        // Two branches take a loop of their own; checked against the paper's rule written out here, value by value,
        // with the same uniform draws (one per value, in order), zeros and sign ties included.
        java.util.Random random = new java.util.Random(3);
        int n = 1000;
        double[][] g = new double[2][n];
        for (int v = 0; v < n; v++) {
            g[0][v] = v % 9 == 0 ? 0 : random.nextGaussian();
            g[1][v] = v % 13 == 0 ? 0 : v % 17 == 0 ? -g[0][v] : random.nextGaussian();
        }
        for (double leak : new double[] {0, 0.25}) {
            double[] out = new double[n];
            GradDropWeighter.drop(g, new java.util.SplittableRandom(42), leak, out);
            java.util.SplittableRandom draws = new java.util.SplittableRandom(42);
            for (int v = 0; v < n; v++) {
                double sum = g[0][v] + g[1][v];
                double purity = 0.5 * (1 + sum / (Math.abs(g[0][v]) + Math.abs(g[1][v]) + 1e-7));
                double u = draws.nextDouble();
                double expected = 0;
                for (double x : new double[] {g[0][v], g[1][v]}) {
                    boolean kept = (purity > u && x > 0) || (purity < u && x < 0);
                    expected += kept ? x : leak * x;
                }
                assertEquals(expected, out[v], 0, "value " + v + " leak " + leak);
            }
        }
    }

    private static void dbMtl(DbMtlWeighter weighter, double[][] alphas, double[][] trunks, double[][] heads) {
        weighter.combine(null, threeLosses());
        assertArrayEquals(new double[] {1, 1, 1}, weighter.weights());
        for (int t = 0; t < 3; t++) {
            Map<String, INDArray> update = run(weighter, t);
            assertArrayEquals(alphas[t], weighter.weights(), TOLERANCE * 10, "step " + t);
            assertArrayEquals(trunks[t], GivenGradients.values(update, "trunk"), TOLERANCE * 10, "step " + t);
            assertHeads(heads[t], update, TOLERANCE);
        }
    }

    @Test
    void dbMtlAsTheReference() {
        dbMtl(new DbMtlWeighter(0.9, 0), new double[][] {DB_MTL_ALPHA_1, DB_MTL_ALPHA_2, DB_MTL_ALPHA_3},
                new double[][] {DB_MTL_TRUNK_1, DB_MTL_TRUNK_2, DB_MTL_TRUNK_3},
                new double[][] {DB_MTL_HEADS_1, DB_MTL_HEADS_2, DB_MTL_HEADS_3});
        dbMtl(new DbMtlWeighter(0.8, 0.5),
                new double[][] {DB_MTL_OTHER_ALPHA_1, DB_MTL_OTHER_ALPHA_2, DB_MTL_OTHER_ALPHA_3},
                new double[][] {DB_MTL_OTHER_TRUNK_1, DB_MTL_OTHER_TRUNK_2, DB_MTL_OTHER_TRUNK_3},
                new double[][] {DB_MTL_OTHER_HEADS_1, DB_MTL_OTHER_HEADS_2, DB_MTL_OTHER_HEADS_3});
    }

    private static void moCo(MoCoWeighter weighter, double[][] lambdas, double[][] trunks) {
        weighter.combine(null, threeLosses());
        assertArrayEquals(new double[] {1.0 / 3, 1.0 / 3, 1.0 / 3}, weighter.weights(), 1e-15);
        for (int t = 0; t < 3; t++) {
            Map<String, INDArray> update = run(weighter, t);
            assertArrayEquals(lambdas[t], weighter.weights(), TOLERANCE, "step " + t);
            assertArrayEquals(trunks[t], GivenGradients.values(update, "trunk"), TOLERANCE, "step " + t);
            assertHeads(new double[] {1, 2, 3}, update, 0);
        }
    }

    @Test
    void moCoAsTheReference() {
        moCo(new MoCoWeighter(0.5, 0.5, 0.1, 0.5, 0), new double[][] {MOCO_LAMBDA_1, MOCO_LAMBDA_2, MOCO_LAMBDA_3},
                new double[][] {MOCO_TRUNK_1, MOCO_TRUNK_2, MOCO_TRUNK_3});
        moCo(new MoCoWeighter(0.7, 0.2, 0.5, 0.3, 0.1),
                new double[][] {MOCO_OTHER_LAMBDA_1, MOCO_OTHER_LAMBDA_2, MOCO_OTHER_LAMBDA_3},
                new double[][] {MOCO_OTHER_TRUNK_1, MOCO_OTHER_TRUNK_2, MOCO_OTHER_TRUNK_3});
    }

    private static void excessMtl(ExcessMtlWeighter weighter, double[][] weights, double[][] trunks,
                                  double[][] heads) {
        weighter.combine(null, threeLosses());
        for (int t = 0; t < 3; t++) {
            Map<String, INDArray> update = run(weighter, t);
            assertArrayEquals(weights[t], weighter.weights(), TOLERANCE, "step " + t);
            assertArrayEquals(trunks[t], GivenGradients.values(update, "trunk"), TOLERANCE, "step " + t);
            // A loss-level weighting in the end: the heads get wᵢ·∇Lᵢ.
            assertHeads(heads[t], update, TOLERANCE);
        }
    }

    @Test
    void excessMtlAsTheReference() {
        excessMtl(new ExcessMtlWeighter(0.01),
                new double[][] {EXCESS_MTL_WEIGHTS_1, EXCESS_MTL_WEIGHTS_2, EXCESS_MTL_WEIGHTS_3},
                new double[][] {EXCESS_MTL_TRUNK_1, EXCESS_MTL_TRUNK_2, EXCESS_MTL_TRUNK_3},
                new double[][] {EXCESS_MTL_HEADS_1, EXCESS_MTL_HEADS_2, EXCESS_MTL_HEADS_3});
        excessMtl(new ExcessMtlWeighter(0.5),
                new double[][] {EXCESS_MTL_OTHER_WEIGHTS_1, EXCESS_MTL_OTHER_WEIGHTS_2, EXCESS_MTL_OTHER_WEIGHTS_3},
                new double[][] {EXCESS_MTL_OTHER_TRUNK_1, EXCESS_MTL_OTHER_TRUNK_2, EXCESS_MTL_OTHER_TRUNK_3},
                new double[][] {EXCESS_MTL_OTHER_HEADS_1, EXCESS_MTL_OTHER_HEADS_2, EXCESS_MTL_OTHER_HEADS_3});
    }

    /** Each strategy's state after two steps, restored into a fresh weighter: the third step is the same. */
    @Test
    void stateRestoredContinuesExactly() {
        Weighter[][] pairs = {
            {new DbMtlWeighter(0.8, 0.5), new DbMtlWeighter(0.8, 0.5)},
            {new MoCoWeighter(0.7, 0.2, 0.5, 0.3, 0.1), new MoCoWeighter(0.7, 0.2, 0.5, 0.3, 0.1)},
            {new ExcessMtlWeighter(0.5), new ExcessMtlWeighter(0.5)},
            {new GradDropWeighter(0.25), new GradDropWeighter(0.25)},
        };
        for (Weighter[] pair : pairs) {
            pair[0].combine(null, threeLosses());
            pair[1].combine(null, threeLosses());
            run(pair[0], 0);
            run(pair[0], 1);
            Map<String, INDArray> saved = new java.util.HashMap<>();
            pair[0].state().forEach((key, value) -> saved.put(key, value.dup()));
            pair[1].restoreState(saved);
            double[] expected = GivenGradients.values(run(pair[0], 2), "trunk");
            assertArrayEquals(expected, GivenGradients.values(run(pair[1], 2), "trunk"), 0,
                    pair[0].getClass().getSimpleName());
            assertArrayEquals(pair[0].weights(), pair[1].weights(), 0);
        }
    }

    /** Zero gradients, a zero loss (DB-MTL's logarithm), a branch with no shared gradient at first: all finite. */
    @Test
    void degenerateCasesStayFinite() {
        double[][] zeros = new double[3][5];
        double[] zeroLosses = {0, 0, 0};
        Weighter[] weighters = {new GradDropWeighter(0), new DbMtlWeighter(0.9, 0),
            new MoCoWeighter(0.5, 0.5, 0.1, 0.5, 0), new ExcessMtlWeighter(0.01)};
        for (Weighter weighter : weighters) {
            weighter.combine(null, threeLosses());
            for (int t = 0; t < 3; t++) {
                double[][] shared = t == 0 ? zeros : SHARED[t];
                double[] losses = t == 1 ? zeroLosses : LOSSES[t];
                Map<String, INDArray> update = weighter.combineGradients(GivenGradients.of(shared, losses, t, SEED));
                String what = weighter.getClass().getSimpleName() + " step " + t;
                for (double w : weighter.weights()) {
                    assertTrue(Double.isFinite(w), what);
                }
                update.forEach((name, array) -> {
                    for (double v : array.toDoubleVector()) {
                        assertTrue(Double.isFinite(v), what + " " + name);
                    }
                });
                if (t == 0) {
                    assertArrayEquals(new double[5], GivenGradients.values(update, "trunk"), 0, what);
                }
            }
        }
        DbMtlWeighter negative = new DbMtlWeighter(0.9, 0);
        negative.combine(null, threeLosses());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> negative.combineGradients(GivenGradients.of(SHARED[0], new double[] {1, -0.5, 1}, 0, SEED)));
        assertEquals("DB_MTL trains on the logarithms of the losses; branch 1's loss is -0.5", e.getMessage());
    }

    @Test
    void attributesOutOfRangeAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new GradDropWeighter(-0.1));
        assertThrows(IllegalArgumentException.class, () -> new GradDropWeighter(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new DbMtlWeighter(1.5, 0));
        assertThrows(IllegalArgumentException.class, () -> new DbMtlWeighter(0.9, -1));
        assertThrows(IllegalArgumentException.class, () -> new MoCoWeighter(0, 0.5, 0.1, 0.5, 0));
        assertThrows(IllegalArgumentException.class, () -> new MoCoWeighter(0.5, 0.5, Double.POSITIVE_INFINITY, 0.5, 0));
        assertThrows(IllegalArgumentException.class, () -> new MoCoWeighter(0.5, 0.5, 0.1, 0.5, -1));
        assertThrows(IllegalArgumentException.class, () -> new ExcessMtlWeighter(-0.01));
    }
}

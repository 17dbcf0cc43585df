package io.github.branchwise.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.runtime.ExecutorKind;
import io.github.branchwise.runtime.Losses;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.WeightingSpec;
import io.github.branchwise.runtime.training.Trainer;
import io.github.branchwise.runtime.training.TrainerAccess;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * SDMGrad and MoDo trained end to end, with both executors, against numbers worked out in PyTorch from the papers'
 * and LibMTL's formulas independently of Branchwise: {@code src/test/resources/strategies/sampled_strategies_reference.py}
 * (part 1), whose output ({@code sampled_strategies_reference.out}) is embedded below. The model is
 * {@link StrategyTest#trunkModel} with {@link LossLevelStrategiesReferenceTest}'s initial parameters, trained in double
 * by SGD (lr 0.05) on one batch of 6 or 7 rows split into three parts (2+2+2, 3+2+2); every step's reported losses
 * (the mean over the parts), total and weights, and the parameters after three steps, must match: the split, each
 * part's branch gradients, the strategies' state carried between steps and the head gradients averaged over the parts.
 */
class SampledStrategiesReferenceTest {
    /** Double arithmetic on both sides: agreement to rounding. */
    private static final double TOLERANCE = 1e-10;
    private static final INDArray X = Nd4j.createFromArray(new double[][] {
        {0.5, -1.0, 2.0}, {1.5, 0.3, -0.7}, {-0.2, 0.8, 0.1}, {1.0, 1.0, -1.0},
        {0.3, -0.4, 0.9}, {-1.2, 0.6, 0.2}, {0.7, -0.3, -0.5}});
    private static final INDArray Y_REG = Nd4j.createFromArray(new double[][] {
        {1.0}, {-2.0}, {0.5}, {3.0}, {0.0}, {1.5}, {-1.0}});
    private static final INDArray Y_BIN = Nd4j.createFromArray(new double[][] {
        {1, 0}, {0, 1}, {1, 1}, {0, 0}, {1, 0}, {0, 1}, {1, 1}});

    static Trainer trainer(WeightingSpec weighting, ExecutorKind kind) {
        Trainer trainer = Trainer.create(StrategyTest.trunkModel(weighting), TrainingOptions.builder()
                .seed(3).updater(new Sgd(0.05)).dataType(DataType.DOUBLE).executor(kind).build());
        trainer.setParameters(LossLevelStrategiesReferenceTest.trainer(WeightingSpec.fixed(1, 1)).parameters());
        return trainer;
    }

    private static INDArray rows(INDArray array, int rows) {
        return array.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, rows),
                org.nd4j.linalg.indexing.NDArrayIndex.all()).dup();
    }

    static Losses fit(Trainer trainer, int rows) {
        return trainer.fit(new INDArray[] {rows(X, rows)}, new INDArray[] {rows(Y_REG, rows), rows(Y_BIN, rows)});
    }

    record Step(double[] losses, double total, double[] weights) {
    }

    static Step step(double[] losses, double total, double[] weights) {
        return new Step(losses, total, weights);
    }

    static void follow(Trainer trainer, int rows, Step... expected) {
        for (int s = 0; s < expected.length; s++) {
            Losses actual = fit(trainer, rows);
            assertArrayEquals(expected[s].losses(), actual.branchLosses(), TOLERANCE, "losses of step " + s);
            assertEquals(expected[s].total(), actual.total(), TOLERANCE, "total of step " + s);
            assertArrayEquals(expected[s].weights(), trainer.weights(), TOLERANCE, "weights of step " + s);
        }
    }

    static void assertParameters(Trainer trainer, Map<String, double[]> expected) {
        Map<String, INDArray> actual = trainer.parameters();
        expected.forEach((name, values) -> assertArrayEquals(values, actual.get(name).reshape(-1).toDoubleVector(),
                TOLERANCE, name));
    }

    @ParameterizedTest
    @EnumSource(ExecutorKind.class)
    void sdmGradDefaultsOnSixRows(ExecutorKind kind) {
        Trainer trainer = trainer(WeightingSpec.sdmGrad(0.3, 20), kind);
        follow(trainer, 6,
                step(new double[] {3.3464199753026485, 0.6150638134839782}, 0.9302202936938246,
                    new double[] {0.11538461538461538, 0.8846153846153845}),
                step(new double[] {3.2377238230218683, 0.613425694733336}, 0.9162293249204742,
                    new double[] {0.11538461538461538, 0.8846153846153845}),
                step(new double[] {3.1379369268094273, 0.611826604287616}, 0.9033008722709017,
                    new double[] {0.11538461538461538, 0.8846153846153845}));
        Map<String, double[]> expected = new LinkedHashMap<>();
        expected.put("trunk/dense_0/W", new double[] {0.1729564312830756, -0.062301091865316516, 0.39848260415602077,
            0.26567814113291915, -0.3121299254258011, 0.514520312958917, 0.10552871477969923, -0.2106549373009254,
            0.12626642851401593, 0.16823458228736954, -0.4111330029864209, 0.27371286414836865});
        expected.put("trunk/dense_0/b", new double[] {0.0360444158144239, -0.029098019626562697, 0.09545373977159258,
            -0.02058392680380584});
        expected.put("reg/dense_0/W", new double[] {0.21766466098866324, -0.5053409924473586, 0.17577048918762975,
            0.409657111858389});
        expected.put("reg/dense_0/b", new double[] {0.2478263665439051});
        expected.put("bin/dense_0/W", new double[] {0.40479476404353437, -0.20580818358581493, 0.09857775823682427,
            0.3036270830992751, -0.5083095870364425, 0.20109786917313716, 0.20612372370949553, -0.10693032438448412});
        expected.put("bin/dense_0/b", new double[] {-6.772089621393184e-05, 0.09776092443297915});
        assertParameters(trainer, expected);
    }

    @ParameterizedTest
    @EnumSource(ExecutorKind.class)
    void sdmGradDefaultsOnSevenRowsSplitThreeTwoTwo(ExecutorKind kind) {
        Trainer trainer = trainer(WeightingSpec.sdmGrad(0.3, 20), kind);
        follow(trainer, 7,
                step(new double[] {3.352182876518357, 0.6389040553604244}, 3.0391122433078257,
                    new double[] {0.8846153846153845, 0.11538461538461538}),
                step(new double[] {3.232986966361024, 0.6383329586634144}, 2.9336038116266843,
                    new double[] {0.8846153846153845, 0.11538461538461538}),
                step(new double[] {3.1244984511516236, 0.6377903630604672}, 2.837570594833413,
                    new double[] {0.8846153846153845, 0.11538461538461538}));
        Map<String, double[]> expected = new LinkedHashMap<>();
        expected.put("trunk/dense_0/W", new double[] {0.11461912512850743, 0.07349123683989303, 0.37431278730621603,
            0.1517604264858563, -0.3095367276432278, 0.5276479204455359, 0.1006091730484181, -0.21360463172366156,
            0.15333613698165544, 0.08132822878122989, -0.3796194196105004, 0.33633715631978134});
        expected.put("trunk/dense_0/b", new double[] {0.016136793808702747, 0.02002802638338359, 0.09863635411359466,
            -0.060842634090220615});
        expected.put("reg/dense_0/W", new double[] {0.20991484966651489, -0.49223049469979097, 0.1824062451063935,
            0.40919961691147033});
        expected.put("reg/dense_0/b", new double[] {0.20868249611862957});
        expected.put("bin/dense_0/W", new double[] {0.40619447886812166, -0.20332829980178083, 0.09527594329129654,
            0.30078893968955667, -0.5027711699831631, 0.20129712304351247, 0.206808368366407, -0.1048287442591717});
        expected.put("bin/dense_0/b", new double[] {0.004960259361738276, 0.10168506365321199});
        assertParameters(trainer, expected);
    }

    @ParameterizedTest
    @EnumSource(ExecutorKind.class)
    void moDoDefaultsOnSixRows(ExecutorKind kind) {
        Trainer trainer = trainer(WeightingSpec.moDo(1e-3, 0.1), kind);
        follow(trainer, 6,
                step(new double[] {3.3464199753026485, 0.6150638134839782}, 1.9936542983201928,
                    new double[] {0.5047274698581534, 0.4952725301418467}),
                step(new double[] {3.159320718692403, 0.6152399673250665}, 1.9097933196806947,
                    new double[] {0.5088491596266589, 0.49115084037334117}),
                step(new double[] {3.0121359787303366, 0.6154329188288246}, 1.8437134036757121,
                    new double[] {0.5124875523367344, 0.48751244766326574}));
        Map<String, double[]> expected = new LinkedHashMap<>();
        expected.put("trunk/dense_0/W", new double[] {0.16255464410320047, -0.010457127173548283, 0.3613889587836102,
            0.22973049080787378, -0.28034876281776927, 0.4509962640070459, 0.12224709305805889, -0.16204007275231389,
            0.10271236756090885, 0.20115892626522555, -0.4047428017734182, 0.25097592878918684});
        expected.put("trunk/dense_0/b", new double[] {0.07656166707817802, -0.10345756279006835, 0.117468005431005,
            0.04443206106865667});
        expected.put("reg/dense_0/W", new double[] {0.2244202906354872, -0.5171958862597922, 0.17692134384347571,
            0.41970271557160976});
        expected.put("reg/dense_0/b", new double[] {0.24054005990713223});
        expected.put("bin/dense_0/W", new double[] {0.4045529373419464, -0.2056831769880746, 0.09898799177081975,
            0.3032576906421535, -0.5083741217507212, 0.20133820903548763, 0.2058809667208339, -0.10671358899516335});
        expected.put("bin/dense_0/b", new double[] {-0.00015094356414520663, 0.09794182756973671});
        assertParameters(trainer, expected);
    }

    @ParameterizedTest
    @EnumSource(ExecutorKind.class)
    void moDoFasterOnSevenRowsSplitThreeTwoTwo(ExecutorKind kind) {
        Trainer trainer = trainer(WeightingSpec.moDo(0.05, 0.1), kind);
        follow(trainer, 7,
                step(new double[] {3.352182876518357, 0.6389040553604244}, 2.3492956328526704,
                    new double[] {0.6303781108505135, 0.3696218891494866}),
                step(new double[] {3.1600923377331918, 0.6393758720594871}, 2.5819953046292694,
                    new double[] {0.7706616190371827, 0.2293383809628174}),
                step(new double[] {2.9897417848384813, 0.640124167167868}, 2.7941415384913104,
                    new double[] {0.9167523068961805, 0.08324769310381966}));
        Map<String, double[]> expected = new LinkedHashMap<>();
        expected.put("trunk/dense_0/W", new double[] {0.11031338175648316, 0.09097796700460223, 0.33617113981605196,
            0.1406415391837138, -0.25732744703001115, 0.4089937608617798, 0.1306020287571892, -0.12429798980065508,
            0.13159023353748647, 0.13380263204127926, -0.37930011306932515, 0.30705176507016696});
        expected.put("trunk/dense_0/b", new double[] {0.05599823706355991, -0.0671947343079394, 0.1116313412184376,
            0.0068534107349632655});
        expected.put("reg/dense_0/W", new double[] {0.2169877722500358, -0.5048164681356679, 0.18005902236073232,
            0.4197396043445278});
        expected.put("reg/dense_0/b", new double[] {0.1985954319833865});
        expected.put("bin/dense_0/W", new double[] {0.4059578186800035, -0.2032478125128419, 0.09588079845827484,
            0.30046507411093626, -0.5029974103408169, 0.20163068643128093, 0.2064782164243934, -0.10469051632321873});
        expected.put("bin/dense_0/b", new double[] {0.004812952272254027, 0.10197024423491065});
        assertParameters(trainer, expected);
    }

    /**
     * A strategy of one's own with two samples: each sample's losses are those of its part of the rows (4 + 3 of 7),
     * evaluated separately, the reported losses their mean, the outputs of the step those of the whole batch in row
     * order, and an equal combination of the two samples' gradients moves the parameters as SGD on the mean of the two
     * parts' losses (checked against a FIXED twin fed the parts' mean through the same SGD step).
     */
    @ParameterizedTest
    @EnumSource(ExecutorKind.class)
    void twoSamplesOfAStrategyOfOnesOwnAreThePartsOfTheBatch(ExecutorKind kind) {
        TwoSamples.seen.clear();
        Trainer trainer = trainer(WeightingSpec.custom(TwoSamples::new), kind);
        INDArray[] x = {X};
        INDArray[] y = {Y_REG, Y_BIN};
        INDArray[] firstX = {X.get(NDArrayIndex.interval(0, 4), NDArrayIndex.all()).dup()};
        INDArray[] firstY = {Y_REG.get(NDArrayIndex.interval(0, 4), NDArrayIndex.all()).dup(),
            Y_BIN.get(NDArrayIndex.interval(0, 4), NDArrayIndex.all()).dup()};
        INDArray[] secondX = {X.get(NDArrayIndex.interval(4, 7), NDArrayIndex.all()).dup()};
        INDArray[] secondY = {Y_REG.get(NDArrayIndex.interval(4, 7), NDArrayIndex.all()).dup(),
            Y_BIN.get(NDArrayIndex.interval(4, 7), NDArrayIndex.all()).dup()};
        double[] first = trainer.evaluate(firstX, firstY).branchLosses();
        double[] second = trainer.evaluate(secondX, secondY).branchLosses();
        INDArray[] outputs = TrainerAccess.evaluateWithOutputs(trainer, x, y).outputs();
        Map<String, INDArray> before = trainer.parameters();
        LossesAndOutputs step = TrainerAccess.fitWithOutputs(trainer, x, y);
        assertArrayEquals(first, TwoSamples.seen.get(0), TOLERANCE);
        assertArrayEquals(second, TwoSamples.seen.get(1), TOLERANCE);
        assertArrayEquals(new double[] {(first[0] + second[0]) / 2, (first[1] + second[1]) / 2},
                step.losses().branchLosses(), TOLERANCE);
        for (int o = 0; o < outputs.length; o++) {
            assertArrayEquals(outputs[o].reshape(-1).toDoubleVector(), step.outputs()[o].reshape(-1).toDoubleVector(),
                    TOLERANCE, "output " + o);
        }
        // SGD on ½(L(part 1) + L(part 2)), summed over the branches: half of each part's FIXED (1, 1) step, both
        // taken from the same start by two twins.
        Trainer firstTwin = trainer(WeightingSpec.fixed(1, 1), kind);
        Trainer secondTwin = trainer(WeightingSpec.fixed(1, 1), kind);
        firstTwin.fit(firstX, firstY);
        secondTwin.fit(secondX, secondY);
        Map<String, INDArray> after = trainer.parameters();
        for (String name : before.keySet()) {
            double[] start = before.get(name).reshape(-1).toDoubleVector();
            double[] a = firstTwin.parameters().get(name).reshape(-1).toDoubleVector();
            double[] b = secondTwin.parameters().get(name).reshape(-1).toDoubleVector();
            double[] expected = new double[start.length];
            for (int v = 0; v < start.length; v++) {
                expected[v] = start[v] + ((a[v] - start[v]) + (b[v] - start[v])) / 2;
            }
            assertArrayEquals(expected, after.get(name).reshape(-1).toDoubleVector(), TOLERANCE, name);
        }
    }

    /** Two samples, each branch's gradient weighted ½ on both: SGD on the mean of the two parts' losses. */
    public static final class TwoSamples implements io.github.branchwise.runtime.weighting.Weighter {
        static final java.util.List<double[]> seen = new java.util.ArrayList<>();

        @Override
        public org.nd4j.autodiff.samediff.SDVariable combine(io.github.branchwise.runtime.GraphHost host,
                java.util.List<org.nd4j.autodiff.samediff.SDVariable> branchLosses) {
            return branchLosses.get(0).add(branchLosses.get(1));
        }

        @Override
        public double[] weights() {
            return new double[] {1, 1};
        }

        @Override
        public boolean needsBranchGradients() {
            return true;
        }

        @Override
        public int gradientSamples() {
            return 2;
        }

        @Override
        public Map<String, INDArray> combineGradients(io.github.branchwise.runtime.weighting.BranchGradients g) {
            seen.add(g.losses(0));
            seen.add(g.losses(1));
            double[][] half = {{0.5, 0.5}, {0.5, 0.5}};
            return g.combine(half, java.util.List.of(), half);
        }
    }

    /** What the SPI refuses: no samples, and several samples with representation gradients. */
    @Test
    void impossibleSampleRequestsAreRefused() {
        Trainer none = trainer(WeightingSpec.custom(NoSamples::new), ExecutorKind.COMPILED);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> fit(none, 6));
        assertTrue(e.getMessage().contains("0 gradient samples"), e.getMessage());
        Trainer both = trainer(WeightingSpec.custom(SamplesAndRepresentation::new), ExecutorKind.COMPILED);
        e = assertThrows(IllegalStateException.class, () -> fit(both, 6));
        assertTrue(e.getMessage().contains("only one of the two"), e.getMessage());
    }

    /** Asks for no gradient sample at all. */
    public static final class NoSamples implements io.github.branchwise.runtime.weighting.Weighter {
        @Override
        public org.nd4j.autodiff.samediff.SDVariable combine(io.github.branchwise.runtime.GraphHost host,
                java.util.List<org.nd4j.autodiff.samediff.SDVariable> branchLosses) {
            return branchLosses.get(0).add(branchLosses.get(1));
        }

        @Override
        public double[] weights() {
            return new double[] {1, 1};
        }

        @Override
        public boolean needsBranchGradients() {
            return true;
        }

        @Override
        public int gradientSamples() {
            return 0;
        }
    }

    /** Asks for three samples and for the representation's gradients. */
    public static final class SamplesAndRepresentation implements io.github.branchwise.runtime.weighting.Weighter {
        @Override
        public org.nd4j.autodiff.samediff.SDVariable combine(io.github.branchwise.runtime.GraphHost host,
                java.util.List<org.nd4j.autodiff.samediff.SDVariable> branchLosses) {
            return branchLosses.get(0).add(branchLosses.get(1));
        }

        @Override
        public double[] weights() {
            return new double[] {1, 1};
        }

        @Override
        public boolean needsBranchGradients() {
            return true;
        }

        @Override
        public boolean needsRepresentationGradients() {
            return true;
        }

        @Override
        public int gradientSamples() {
            return 3;
        }
    }

    /** A batch of fewer rows than samples is refused before anything moves, naming the strategy and the size. */
    @Test
    void aBatchOfFewerThanThreeRowsIsRefused() {
        Trainer trainer = trainer(WeightingSpec.moDo(1e-3, 0.1), ExecutorKind.COMPILED);
        Map<String, INDArray> before = trainer.parameters();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fit(trainer, 2));
        assertTrue(e.getMessage().contains("MODO(gamma=0.001, rho=0.1)") && e.getMessage().contains("batch of 2"),
                e.getMessage());
        assertEquals(before, trainer.parameters());
        assertEquals(0, trainer.iteration());
        // Three rows: one per part.
        assertTrue(Double.isFinite(fit(trainer, 3).total()));
    }
}

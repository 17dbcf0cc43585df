package io.github.branchwise.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.runtime.Losses;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.WeightingSpec;
import io.github.branchwise.runtime.strategies.FamoWeighter;
import io.github.branchwise.runtime.training.Trainer;
import io.github.branchwise.runtime.training.TrainerAccess;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * The newer loss-level strategies (STCH, FAMO) against numbers worked out in PyTorch from the papers' and LibMTL's formulas,
 * independently of Branchwise: {@code src/test/resources/strategies/loss_level_reference.py}, whose output is
 * embedded below. The model is {@link StrategyTest#trunkModel} with the script's fixed initial parameters, trained
 * in double by SGD on one batch; every step's losses, total and effective weights, and the parameters at the end,
 * must match.
 */
class LossLevelStrategiesReferenceTest {
    private static final double TOLERANCE = 1e-10;
    private static final INDArray X = Nd4j.createFromArray(new double[][] {
        {0.5, -1.0, 2.0}, {1.5, 0.3, -0.7}, {-0.2, 0.8, 0.1}, {1.0, 1.0, -1.0}});
    private static final INDArray Y_REG = Nd4j.createFromArray(new double[][] {{1.0}, {-2.0}, {0.5}, {3.0}});
    private static final INDArray Y_BIN = Nd4j.createFromArray(new double[][] {{1, 0}, {0, 1}, {1, 1}, {0, 0}});

    /** The script's INIT. */
    static Trainer trainer(WeightingSpec weighting) {
        Trainer trainer = Trainer.create(StrategyTest.trunkModel(weighting), TrainingOptions.builder()
                .seed(3).updater(new Sgd(0.05)).dataType(DataType.DOUBLE).build());
        Map<String, INDArray> init = new LinkedHashMap<>();
        init.put("trunk/dense_0/W", Nd4j.createFromArray(new double[][] {
            {0.2, -0.1, 0.4, 0.3}, {-0.3, 0.5, 0.1, -0.2}, {0.1, 0.2, -0.4, 0.25}}));
        init.put("trunk/dense_0/b", Nd4j.createFromArray(0.05, -0.05, 0.1, 0.0));
        init.put("reg/dense_0/W", Nd4j.createFromArray(new double[][] {{0.3}, {-0.6}, {0.2}, {0.5}}));
        init.put("reg/dense_0/b", Nd4j.createFromArray(0.1));
        init.put("bin/dense_0/W", Nd4j.createFromArray(new double[][] {
            {0.4, -0.2}, {0.1, 0.3}, {-0.5, 0.2}, {0.2, -0.1}}));
        init.put("bin/dense_0/b", Nd4j.createFromArray(0.0, 0.1));
        trainer.setParameters(init);
        return trainer;
    }

    static Losses fit(Trainer trainer) {
        return trainer.fit(new INDArray[] {X}, new INDArray[] {Y_REG, Y_BIN});
    }

    /** One step of the script's output: the branch losses, the total and the effective weights. */
    record Step(double[] losses, double total, double[] weights) {
    }

    static Step step(double[] losses, double total, double[] weights) {
        return new Step(losses, total, weights);
    }

    /** Runs the steps, {@code stepsPerEpoch} to an epoch, checking each against the script's. */
    static void follow(Trainer trainer, int stepsPerEpoch, Step... expected) {
        for (int s = 0; s < expected.length; s++) {
            Losses actual = fit(trainer);
            assertArrayEquals(expected[s].losses(), actual.branchLosses(), TOLERANCE, "losses of step " + s);
            assertEquals(expected[s].total(), actual.total(), TOLERANCE, "total of step " + s);
            assertArrayEquals(expected[s].weights(), trainer.weights(), TOLERANCE, "weights of step " + s);
            if ((s + 1) % stepsPerEpoch == 0) {
                trainer.endEpoch();
            }
        }
    }

    static void assertParameters(Trainer trainer, Map<String, double[]> expected) {
        Map<String, INDArray> actual = trainer.parameters();
        expected.forEach((name, values) -> assertArrayEquals(values, actual.get(name).reshape(-1).toDoubleVector(),
                TOLERANCE, name));
    }

    @Test
    void stchWarmsUpOnLogLossesThenSmoothsTheMaximumRelativeToTheNadir() {
        Trainer trainer = trainer(WeightingSpec.stch(1.0, 1));
        follow(trainer, 2,
                step(new double[] {3.9659637294082994, 0.6099224133768637}, 0.8833253635823641,
                        new double[] {0.2521455233150089, 1.6395527989592211}),
                step(new double[] {3.931675455040487, 0.60805703305685}, 0.8715790624230042,
                        new double[] {0.2543444929356974, 1.6445825730733805}),
                step(new double[] {3.899336524837288, 0.6061737336705351}, 0.8602177720516265,
                        new double[] {0.2564538848161427, 1.6496920675608087}),
                step(new double[] {3.8688121290666593, 0.6042735297181481}, 0.8492191967438937,
                        new double[] {0.25847727070718407, 1.6548797040082677}),
                step(new double[] {3.8399761468676976, 0.6023574118416974}, 1.3701399037557738,
                        new double[] {0.25954959988909077, 1.6656817161577788}),
                step(new double[] {3.812810046879677, 0.6004182890868222}, 1.3598324768629908,
                        new double[] {0.2608906969987694, 1.6742883213543902}));
        Map<String, double[]> expected = new LinkedHashMap<>();
        expected.put("trunk/dense_0/W", new double[] {0.1671872979646341, -0.0927757150495486, 0.4075327094785058,
            0.27232211249236554, -0.28416557383630714, 0.4517173687258456, 0.11568148387283504, -0.15807239261022132,
            0.1269534900836544, 0.20664985215928383, -0.43043073555950173, 0.2520675702003128});
        expected.put("trunk/dense_0/b", new double[] {0.06269469611704524, -0.08460631908029136, 0.09566524554627338,
            0.022846755780205383});
        expected.put("reg/dense_0/W", new double[] {0.2686342855573548, -0.5604045408604462, 0.2036266947989297,
            0.4700309096888033});
        expected.put("reg/dense_0/b", new double[] {0.15521462276895975});
        expected.put("bin/dense_0/W", new double[] {0.4051763010187693, -0.2104140219488195, 0.10998338882212551,
            0.30412338576630565, -0.5484410038455395, 0.21117824274627217, 0.20680551697267913, -0.1120339032904759});
        expected.put("bin/dense_0/b", new double[] {0.004086818385884736, 0.0926153010984667});
        assertParameters(trainer, expected);
    }

    @Test
    void stchWithoutWarmUpMeasuresTheNadirInTheFirstEpoch() {
        Trainer trainer = trainer(WeightingSpec.stch(0.5, 0));
        follow(trainer, 3,
                step(new double[] {3.9659637294082994, 0.6099224133768637}, 0.8833253635823641,
                        new double[] {0.2521455233150089, 1.6395527989592211}),
                step(new double[] {3.931675455040487, 0.60805703305685}, 0.8715790624230042,
                        new double[] {0.2543444929356974, 1.6445825730733805}),
                step(new double[] {3.899336524837288, 0.6061737336705351}, 0.8602177720516265,
                        new double[] {0.2564538848161427, 1.6496920675608087}),
                step(new double[] {3.8688121290666593, 0.6042735297181481}, 0.6706823988504932,
                        new double[] {0.25587927442236136, 1.6715131639294396}),
                step(new double[] {3.840292338601282, 0.6023330096235926}, 0.6601176660444689,
                        new double[] {0.2566905974834385, 1.683841079417474}),
                step(new double[] {3.813431373571335, 0.6003676711805894}, 0.6498907869366176,
                        new double[] {0.25751532970051605, 1.6955992326213691}));
        Map<String, double[]> expected = new LinkedHashMap<>();
        expected.put("trunk/dense_0/W", new double[] {0.16711691112313565, -0.09292899234751056, 0.4076114966144864,
            0.27234928867203057, -0.2843570090706127, 0.4519998804903588, 0.11566717808483673, -0.15834207755743265,
            0.12715947145953754, 0.20661072213035134, -0.43061456283475225, 0.2522113772074851});
        expected.put("reg/dense_0/b", new double[] {0.15492887011562578});
        expected.put("bin/dense_0/b", new double[] {0.004111705807677281, 0.09257505264497895});
        assertParameters(trainer, expected);
    }

    /**
     * A regression head that predicts its constant target exactly: its loss is 0 at every step (its gradient is 0,
     * so nothing moves it), and so is its nadir. Every loss, total, weight and parameter must stay finite.
     */
    static void assertFiniteWithAZeroLoss(WeightingSpec weighting, int epochs, int stepsPerEpoch) {
        Trainer trainer = trainer(weighting);
        trainer.setParameter("reg/dense_0/W", Nd4j.zeros(DataType.DOUBLE, 4, 1));
        trainer.setParameter("reg/dense_0/b", Nd4j.createFromArray(1.0));
        INDArray ones = Nd4j.ones(DataType.DOUBLE, 4, 1);
        for (int e = 0; e < epochs; e++) {
            for (int s = 0; s < stepsPerEpoch; s++) {
                Losses losses = trainer.fit(new INDArray[] {X}, new INDArray[] {ones, Y_BIN});
                assertEquals(0.0, losses.branchLoss(0), "the regression head is exact");
                assertTrue(Double.isFinite(losses.total()), weighting + ": total " + losses.total());
                for (double w : trainer.weights()) {
                    assertTrue(Double.isFinite(w), weighting + ": weights " + Arrays.toString(trainer.weights()));
                }
            }
            trainer.endEpoch();
        }
        trainer.parameters().forEach((name, value) -> assertTrue(
                Arrays.stream(value.reshape(-1).toDoubleVector()).allMatch(Double::isFinite), name));
    }

    /** Saved mid-epoch and loaded, a run continues with exactly the uninterrupted run's losses and weights. */
    static void assertResumesMidEpoch(WeightingSpec weighting, int saveAfter, int steps, int stepsPerEpoch,
                                      Path dir) throws IOException {
        Trainer straight = trainer(weighting);
        Trainer interrupted = trainer(weighting);
        double[] expected = new double[steps];
        double[] actual = new double[steps];
        double[][] expectedWeights = new double[steps][];
        double[][] actualWeights = new double[steps][];
        for (int s = 0; s < steps; s++) {
            expected[s] = fit(straight).total();
            expectedWeights[s] = straight.weights();
            if ((s + 1) % stepsPerEpoch == 0) {
                straight.endEpoch();
            }
        }
        Trainer current = interrupted;
        for (int s = 0; s < steps; s++) {
            if (s == saveAfter) {
                Path file = dir.resolve("mid.bw");
                current.save(file);
                current = Trainer.load(StrategyTest.trunkModel(weighting), file);
            }
            actual[s] = fit(current).total();
            actualWeights[s] = current.weights();
            if ((s + 1) % stepsPerEpoch == 0) {
                current.endEpoch();
            }
        }
        assertArrayEquals(expected, actual, 0.0, weighting.toString());
        for (int s = 0; s < steps; s++) {
            assertArrayEquals(expectedWeights[s], actualWeights[s], 0.0, weighting + " weights of step " + s);
        }
        assertEquals(straight.parameters(), current.parameters());
    }

    @Test
    void stchStaysFiniteWithAZeroLossAndAZeroNadir() {
        assertFiniteWithAZeroLoss(WeightingSpec.stch(1.0, 0), 3, 2);
        assertFiniteWithAZeroLoss(WeightingSpec.stch(0.01, 1), 3, 1);
    }

    @Test
    void stchResumesExactlyWhileMeasuringTheNadirAndAfter(@TempDir Path dir) throws IOException {
        // Epoch 1 (steps 3-5) measures the nadir: saved after its first step, the sums must carry over.
        assertResumesMidEpoch(WeightingSpec.stch(0.5, 1), 4, 12, 3, dir);
        assertResumesMidEpoch(WeightingSpec.stch(0.5, 1), 8, 12, 3, dir);
    }

    @Test
    void famoScalesTheLossesByItsWeightingAndMovesItsLogitsByTheImprovementOfTheSameBatch() {
        Trainer trainer = trainer(WeightingSpec.famo(0.025, 1e-3));
        follow(trainer, 3,
                step(new double[] {3.9659637294082994, 0.6099224133768637}, 0.46694834210481667,
                        new double[] {0.13329055874187828, 0.8667094412581217}),
                step(new double[] {3.9477013747002965, 0.6089358442499597}, 0.4301920505186623,
                        new double[] {0.12795357485647973, 0.8720464251435203}),
                step(new double[] {3.9308221321869095, 0.6079321266333777}, 0.39536048923124584,
                        new double[] {0.1228032942187549, 0.8771967057812451}));
        assertArrayEquals(new double[] {-0.0742453696959254, 0.07424536969592539},
                ((FamoWeighter) TrainerAccess.network(trainer).weighter()).logits(), TOLERANCE);
        Map<String, double[]> expected = new LinkedHashMap<>();
        expected.put("trunk/dense_0/W", new double[] {0.19165879844978825, -0.09826297789518604, 0.4020340058097534,
            0.293080435556477, -0.29573749034890234, 0.4873268225911432, 0.10426732391787577, -0.18896172543069062,
            0.10703749598796608, 0.20184694093534186, -0.4081741750846933, 0.2503593995083776});
        expected.put("reg/dense_0/W", new double[] {0.2917649975000607, -0.5893776284656028, 0.20141805726025697,
            0.4918591783677306});
        expected.put("bin/dense_0/b", new double[] {0.0010348524909754885, 0.09794086177107632});
        assertParameters(trainer, expected);
    }

    @Test
    void famoWithALargeStepAndDecayFollowsTheScriptToo() {
        Trainer trainer = trainer(WeightingSpec.famo(0.5, 0.1));
        follow(trainer, 3,
                step(new double[] {3.9659637294082994, 0.6099224133768637}, 0.46694834210481667,
                        new double[] {0.13329055874187828, 0.8667094412581217}),
                step(new double[] {3.9477013747002965, 0.6089358442499597}, 0.005250652128076461,
                        new double[] {0.053699195196383574, 0.9463008048036164}),
                step(new double[] {3.9412420519789473, 0.6077487581084218}, 0.3006820658182044,
                        new double[] {0.10569929483972161, 0.8943007051602785}));
        assertArrayEquals(new double[] {0.22137039595320407, -0.22137039595320407},
                ((FamoWeighter) TrainerAccess.network(trainer).weighter()).logits(), TOLERANCE);
        Map<String, double[]> expected = new LinkedHashMap<>();
        expected.put("trunk/dense_0/b", new double[] {0.05273475055821715, -0.057278911871866046, 0.09828159282153158,
            0.004665042503543104});
        expected.put("reg/dense_0/b", new double[] {0.11135218955151702});
        assertParameters(trainer, expected);
    }

    @Test
    void famoStaysFiniteWithAZeroLoss() {
        assertFiniteWithAZeroLoss(WeightingSpec.famo(0.025, 1e-3), 2, 3);
        assertFiniteWithAZeroLoss(WeightingSpec.famo(1.0, 0), 2, 3);
    }

    @Test
    void famoResumesExactlyWithItsLogitsAndAdamState(@TempDir Path dir) throws IOException {
        assertResumesMidEpoch(WeightingSpec.famo(0.5, 0.1), 4, 9, 3, dir);
    }
}

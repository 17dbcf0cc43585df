package io.github.branchwise.runtime.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.annotations.Convention;
import io.github.branchwise.annotations.EpochMean;
import io.github.branchwise.annotations.GradNormScope;
import io.github.branchwise.annotations.GradNormWarmup;
import io.github.branchwise.annotations.GradVacGroups;
import io.github.branchwise.annotations.GradientSource;
import io.github.branchwise.annotations.HeadGradients;
import io.github.branchwise.annotations.ImtlMode;
import io.github.branchwise.annotations.Loss;
import io.github.branchwise.annotations.MgdaNormalization;
import io.github.branchwise.annotations.PcGradOrder;
import io.github.branchwise.runtime.Activation;
import io.github.branchwise.runtime.Layers;
import io.github.branchwise.runtime.Losses;
import io.github.branchwise.runtime.ReplicaState;
import io.github.branchwise.runtime.StepContribution;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.WeightingSpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;

/**
 * A step split into shards ({@code beginStep}, {@code contribute} on each shard by replicas, the contributions summed
 * and serialised, {@code applyStep}) against {@code fit} on the whole batch, for every strategy whose total is a sum
 * over examples: after several steps the parameters (Adam's state included, through them), losses and weights agree
 * to rounding. Shards of unequal sizes (2 and 5 of 7 rows), so that a contribution weighted by anything but its size
 * would show.
 */
class SplitStepTest {
    private static final int ROWS = 7;
    private static final java.util.Random RANDOM = new java.util.Random(5);
    private static final INDArray X = values(ROWS, 3, 4, false);
    private static final INDArray Y_REG = values(ROWS, 1, 3, false);
    private static final INDArray Y_BIN = values(ROWS, 2, 1, true);

    /** Fixed pseudo-random values in [-scale/2, scale/2), or zeros and ones. */
    private static INDArray values(int rows, int columns, double scale, boolean binary) {
        double[][] v = new double[rows][columns];
        for (double[] row : v) {
            for (int c = 0; c < columns; c++) {
                double u = RANDOM.nextDouble();
                row[c] = binary ? (u < 0.5 ? 0 : 1) : (u - 0.5) * scale;
            }
        }
        return Nd4j.createFromArray(v);
    }

    /** A shared tanh trunk feeding a linear regression head (MSE) and a sigmoid head (BCE). */
    private static ModelSpec trunkModel(WeightingSpec weighting) {
        return ModelSpec.builder("test.SplitTrunk")
                .input("x", 3)
                .branch("reg", new long[] {1}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .branch("bin", new long[] {2}, Loss.BINARY_CROSSENTROPY, 1.0)
                .weighting(weighting)
                .graph(scope -> {
                    Layers trunk = scope.layers("trunk");
                    // Registered as the @Shared method's output: the representation-gradient sources read it.
                    SDVariable h = scope.sharedOutput("trunk", trunk.dense(scope.input("x"), 4, Activation.TANH));
                    scope.output("reg", scope.layers("reg").dense(h, 1));
                    scope.output("bin", scope.layers("bin").dense(h, 2, Activation.SIGMOID));
                })
                .build();
    }

    private static Trainer trainer(WeightingSpec weighting, DataType type) {
        return Trainer.create(trunkModel(weighting), TrainingOptions.builder()
                .seed(11).updater(new Adam(0.05)).dataType(type).build());
    }

    private static INDArray rows(INDArray array, int from, int to, DataType type) {
        return array.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).dup().castTo(type);
    }

    /** One contribution through Java serialisation, as Spark ships it between JVMs. */
    private static StepContribution shipped(StepContribution contribution) throws IOException, ClassNotFoundException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(contribution);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (StepContribution) in.readObject();
        }
    }

    private static void assertSplitMatchesWhole(Supplier<WeightingSpec> weighting, DataType type, double tolerance)
            throws Exception {
        Trainer whole = trainer(weighting.get(), type);
        Trainer driver = trainer(weighting.get(), type);
        Trainer[] replicas = {trainer(weighting.get(), type), trainer(weighting.get(), type)};
        int[][] shards = {{0, 2}, {2, ROWS}};
        for (int step = 0; step < 4; step++) {
            Losses expected = whole.fit(new INDArray[] {X.castTo(type)},
                    new INDArray[] {Y_REG.castTo(type), Y_BIN.castTo(type)});
            ReplicaState state = driver.beginStep();
            StepContribution sum = null;
            for (int k = 0; k < replicas.length; k++) {
                replicas[k].loadReplicaState(state);
                int from = shards[k][0];
                int to = shards[k][1];
                StepContribution part = replicas[k].contribute(new INDArray[] {rows(X, from, to, type)},
                        new INDArray[] {rows(Y_REG, from, to, type), rows(Y_BIN, from, to, type)});
                assertEquals(to - from, part.examples());
                sum = StepContribution.sum(sum, shipped(part));
            }
            Losses actual = driver.applyStep(sum);
            String what = weighting.get() + " step " + step;
            assertArrayEquals(expected.branchLosses(), actual.branchLosses(), tolerance, what + " branch losses");
            assertEquals(expected.total(), actual.total(), tolerance, what + " total");
            assertArrayEquals(whole.weights(), driver.weights(), tolerance, what + " weights");
            assertEquals(whole.iteration(), driver.iteration());
            if (step == 1) {
                // An epoch ends mid-run: epoch-level strategies (DWA, GradNorm's warm-up) and their epoch means
                // (per example: the step's batch size, which the driver learns from the contribution) see it.
                whole.endEpoch();
                driver.endEpoch();
            }
        }
        Map<String, INDArray> expected = whole.parameters();
        Map<String, INDArray> actual = driver.parameters();
        assertEquals(expected.keySet(), actual.keySet());
        for (String name : expected.keySet()) {
            assertArrayEquals(expected.get(name).reshape(-1).toDoubleVector(),
                    actual.get(name).reshape(-1).toDoubleVector(), tolerance, name);
        }
    }

    @Test
    void fixedSplitEqualsWhole() throws Exception {
        assertSplitMatchesWhole(() -> WeightingSpec.fixed(0.7, 0.3), DataType.DOUBLE, 1e-10);
    }

    @Test
    void trainableSplitEqualsWhole() throws Exception {
        assertSplitMatchesWhole(() -> WeightingSpec.trainable(0.5, 0.1, 0.9), DataType.DOUBLE, 1e-10);
    }

    @Test
    void uncertaintySplitEqualsWhole() throws Exception {
        assertSplitMatchesWhole(WeightingSpec::uncertainty, DataType.DOUBLE, 1e-10);
    }

    @Test
    void gradNormSplitEqualsWhole() throws Exception {
        assertSplitMatchesWhole(() -> WeightingSpec.gradNorm(1.5, ""), DataType.DOUBLE, 1e-10);
    }

    @Test
    void pcGradSplitEqualsWhole() throws Exception {
        assertSplitMatchesWhole(WeightingSpec::pcGrad, DataType.DOUBLE, 1e-10);
    }

    @Test
    void mgdaSplitEqualsWhole() throws Exception {
        assertSplitMatchesWhole(WeightingSpec::mgda, DataType.DOUBLE, 1e-10);
    }

    @Test
    void caGradSplitEqualsWhole() throws Exception {
        assertSplitMatchesWhole(WeightingSpec::caGrad, DataType.DOUBLE, 1e-10);
        assertSplitMatchesWhole(() -> WeightingSpec.caGrad(0.3, 2), DataType.DOUBLE, 1e-10);
    }

    @Test
    void theNewerGradientLevelStrategiesSplitEqualWhole() throws Exception {
        // Their weights come from the Gram matrix of the summed branch gradients, on the driver; IMTL's learned
        // scales and GradVac's targets and seeded order are the driver's too.
        for (Supplier<WeightingSpec> spec : java.util.List.<Supplier<WeightingSpec>>of(
                () -> WeightingSpec.imtl(ImtlMode.HYBRID, GradientSource.PARAMETERS),
                () -> WeightingSpec.imtl(ImtlMode.GRADIENT, GradientSource.PARAMETERS),
                () -> WeightingSpec.alignedMtl(GradientSource.PARAMETERS),
                () -> WeightingSpec.gradVac(0.5, GradVacGroups.PER_LAYER), WeightingSpec::upGrad,
                WeightingSpec::nashMtl, () -> WeightingSpec.nashMtl(0.5, 3), () -> WeightingSpec.fairGrad(2.0),
                // The element-wise ones: masks, moving averages and sums over the summed gradients, on the driver.
                () -> WeightingSpec.gradDrop(0.25), () -> WeightingSpec.dbMtl(0.9, 0.5), () -> WeightingSpec.moco(0.5, 0.5, 0.1, 0.5, 0.1),
                () -> WeightingSpec.excessMtl(0.5))) {
            assertSplitMatchesWhole(spec, DataType.DOUBLE, 1e-10);
        }
    }

    @Test
    void nonDefaultConventionsSplitEqualWhole() throws Exception {
        assertSplitMatchesWhole(() -> WeightingSpec.mgda(Convention.BRANCHWISE, MgdaNormalization.L2,
                HeadGradients.PLAIN), DataType.DOUBLE, 1e-10);
        // LOSS normalisation divides by the batch-mean losses, which the driver has only after the sum.
        assertSplitMatchesWhole(() -> WeightingSpec.mgda(Convention.LIBMTL, MgdaNormalization.LOSS_PLUS,
                HeadGradients.PLAIN), DataType.DOUBLE, 1e-10);
        assertSplitMatchesWhole(() -> WeightingSpec.gradNorm(1.5, "", HeadGradients.PLAIN,
                GradNormWarmup.FIRST_EPOCH, GradNormScope.ALL_SHARED, EpochMean.PER_EXAMPLE), DataType.DOUBLE, 1e-10);
        assertSplitMatchesWhole(() -> WeightingSpec.pcGrad(PcGradOrder.ALL), DataType.DOUBLE, 1e-10);
        assertSplitMatchesWhole(() -> WeightingSpec.dwa(2.0, EpochMean.PER_EXAMPLE), DataType.DOUBLE, 1e-10);
    }

    @Test
    void representationGradientSourcesAreRefusedNamingTheAttribute() {
        for (WeightingSpec spec : java.util.List.of(
                WeightingSpec.mgda(Convention.BRANCHWISE, MgdaNormalization.NONE, HeadGradients.WEIGHTED,
                        GradientSource.REPRESENTATION),
                WeightingSpec.gradNorm(1.5, "", HeadGradients.WEIGHTED, GradNormWarmup.NONE,
                        GradNormScope.LAST_SHARED_LAYER, EpochMean.PER_BATCH, GradientSource.REPRESENTATION_BATCH_SUM))) {
            Trainer driver = trainer(spec, DataType.DOUBLE);
            IllegalStateException begin = assertThrows(IllegalStateException.class, driver::beginStep);
            assertTrue(begin.getMessage().contains("gradientSource = REPRESENTATION")
                    && begin.getMessage().contains("concatenate"), begin.getMessage());
            IllegalStateException contribute = assertThrows(IllegalStateException.class,
                    () -> driver.contribute(new INDArray[] {X}, new INDArray[] {Y_REG, Y_BIN}));
            assertEquals(begin.getMessage(), contribute.getMessage());
            // One machine still trains it.
            driver.fit(new INDArray[] {X}, new INDArray[] {Y_REG, Y_BIN});
        }
    }

    @Test
    void aLocalStateCarriesTheOptimiserSoAReplicaContinuesExactly() throws Exception {
        // Adam's moments travel with the local state: a replica that takes it continues as the original does.
        Trainer original = trainer(WeightingSpec.uncertainty(), DataType.DOUBLE);
        INDArray[] x = {X};
        INDArray[] y = {Y_REG, Y_BIN};
        original.fit(x, y);
        original.fit(x, y);
        Trainer replica = trainer(WeightingSpec.uncertainty(), DataType.DOUBLE);
        ReplicaState state = shippedState(original.localState());
        assertTrue(state.hasOptimiser() && state.optimiserSize() > 0);
        replica.loadReplicaState(state);
        assertEquals(2, replica.iteration());
        Losses expected = original.fit(x, y);
        Losses actual = replica.fit(x, y);
        assertArrayEquals(expected.branchLosses(), actual.branchLosses(), 0);
        for (String name : original.parameters().keySet()) {
            assertArrayEquals(original.parameters().get(name).reshape(-1).toDoubleVector(),
                    replica.parameters().get(name).reshape(-1).toDoubleVector(), 0, name);
        }
        // Without the optimiser state (a synchronous replica's), Adam would restart: the step differs.
        Trainer fresh = trainer(WeightingSpec.uncertainty(), DataType.DOUBLE);
        Trainer again = trainer(WeightingSpec.uncertainty(), DataType.DOUBLE);
        again.fit(x, y);
        again.fit(x, y);
        fresh.loadReplicaState(again.replicaState());
        fresh.fit(x, y);
        assertTrue(!java.util.Arrays.equals(fresh.parameters().get("trunk/dense_0/W").reshape(-1).toDoubleVector(),
                replica.parameters().get("trunk/dense_0/W").reshape(-1).toDoubleVector()));
    }

    @Test
    void aLocalStateIsRefusedForStrategiesWithJavaState() {
        for (WeightingSpec spec : java.util.List.of(WeightingSpec.dwa(2.0), WeightingSpec.gradNorm(1.5, ""))) {
            Trainer trainer = trainer(spec, DataType.DOUBLE);
            IllegalStateException e = assertThrows(IllegalStateException.class, trainer::localState);
            assertTrue(e.getMessage().contains("keeps state of its own in Java"), e.getMessage());
        }
    }

    @Test
    void anOptimiserStateOfAnotherModelIsRefused() {
        Trainer trainer = trainer(WeightingSpec.fixed(1, 1), DataType.DOUBLE);
        ReplicaState state = trainer.localState();
        ReplicaState wrong = state.withOptimiser(new String[] {"nope"}, new long[][] {{1}}, new double[][] {{0}});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> trainer.loadReplicaState(wrong));
        assertTrue(e.getMessage().contains("the optimiser state holds [nope]"), e.getMessage());
    }

    private static ReplicaState shippedState(ReplicaState state) throws IOException, ClassNotFoundException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(state);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (ReplicaState) in.readObject();
        }
    }

    /** The trunk with dropout (rate 0.4) after its dense layer. */
    private static Trainer dropoutTrainer() {
        ModelSpec spec = ModelSpec.builder("test.SplitDropout")
                .input("x", 3)
                .branch("reg", new long[] {1}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .branch("bin", new long[] {2}, Loss.BINARY_CROSSENTROPY, 1.0)
                .weighting(WeightingSpec.fixed(0.6, 0.4))
                .graph(scope -> {
                    Layers trunk = scope.layers("trunk");
                    SDVariable h = trunk.dropout(trunk.dense(scope.input("x"), 6, Activation.TANH), 0.4);
                    scope.output("reg", scope.layers("reg").dense(h, 1));
                    scope.output("bin", scope.layers("bin").dense(h, 2, Activation.SIGMOID));
                })
                .build();
        return Trainer.create(spec, TrainingOptions.builder().seed(11).updater(new Adam(0.05))
                .dataType(DataType.DOUBLE).build());
    }

    @Test
    void shardsThatKnowTheirRowsDropWhatTheWholeBatchDrops() {
        Trainer whole = dropoutTrainer();
        Trainer driver = dropoutTrainer();
        Trainer blind = dropoutTrainer();
        Trainer replica = dropoutTrainer();
        int[][] shards = {{0, 2}, {2, ROWS}};
        boolean blindDiffers = false;
        for (int step = 0; step < 3; step++) {
            Losses expected = whole.fit(new INDArray[] {X}, new INDArray[] {Y_REG, Y_BIN});
            for (Trainer target : new Trainer[] {driver, blind}) {
                ReplicaState state = target.beginStep();
                MeasuredContribution sum = null;
                for (int[] shard : shards) {
                    replica.loadReplicaState(state);
                    INDArray[] x = {rows(X, shard[0], shard[1], DataType.DOUBLE)};
                    INDArray[] y = {rows(Y_REG, shard[0], shard[1], DataType.DOUBLE),
                            rows(Y_BIN, shard[0], shard[1], DataType.DOUBLE)};
                    // The driver's shards say where their rows are; the blind ones draw masks of their own.
                    sum = MeasuredContribution.sum(sum, target == driver
                            ? replica.contribute(x, y, Map.of(), shard[0], ROWS)
                            : replica.contribute(x, y, Map.of()));
                }
                Losses actual = target.applyStep(sum.contribution());
                if (target == driver) {
                    assertArrayEquals(expected.branchLosses(), actual.branchLosses(), 1e-12, "step " + step);
                } else {
                    blindDiffers |= Math.abs(expected.total() - actual.total()) > 1e-6;
                }
            }
        }
        assertTrue(blindDiffers, "shards with masks of their own should not reproduce the whole batch");
        for (String name : whole.parameters().keySet()) {
            assertArrayEquals(whole.parameters().get(name).reshape(-1).toDoubleVector(),
                    driver.parameters().get(name).reshape(-1).toDoubleVector(), 1e-12, name);
        }
        ReplicaState state = driver.beginStep();
        replica.loadReplicaState(state);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> replica.contribute(new INDArray[] {rows(X, 2, ROWS, DataType.DOUBLE)},
                        new INDArray[] {rows(Y_REG, 2, ROWS, DataType.DOUBLE), rows(Y_BIN, 2, ROWS, DataType.DOUBLE)},
                        Map.of(), 3, ROWS));
        assertTrue(e.getMessage().contains("a shard of 5 rows from row 3 does not fit a global batch of 7 rows"),
                e.getMessage());
    }

    @Test
    void floatModelsAgreeToFloatRounding() throws Exception {
        assertSplitMatchesWhole(WeightingSpec::uncertainty, DataType.FLOAT, 2e-5);
        assertSplitMatchesWhole(WeightingSpec::pcGrad, DataType.FLOAT, 2e-5);
    }

    @Test
    void frozenParametersReachTheReplicas() throws Exception {
        Trainer driver = trainer(WeightingSpec.fixed(1, 1), DataType.DOUBLE);
        driver.freeze("trunk");
        Trainer replica = trainer(WeightingSpec.fixed(1, 1), DataType.DOUBLE);
        replica.loadReplicaState(driver.beginStep());
        assertEquals(driver.frozenParameters(), replica.frozenParameters());
        StepContribution part = replica.contribute(new INDArray[] {X}, new INDArray[] {Y_REG, Y_BIN});
        assertTrue(!java.util.List.of(part.parameters()).contains("trunk/dense_0/W"), part.toString());
        INDArray trunk = driver.parameters().get("trunk/dense_0/W");
        driver.applyStep(part);
        assertEquals(trunk, driver.parameters().get("trunk/dense_0/W"));
    }

    @Test
    void strategiesNotAdditiveOverExamplesAreRefusedWithTheReason() {
        // GLS (a geometric mean), STCH (log losses, a log-sum-exp) and FAMO (coefficients 1/Lᵢ, and a second pass
        // after the update): their gradients' coefficients depend on the whole batch's mean losses.
        // SDMGrad and MoDo split each batch into three samples of their own, which shards cannot reproduce.
        for (WeightingSpec spec : java.util.List.of(WeightingSpec.gls(), WeightingSpec.stch(1, 0),
                WeightingSpec.famo(0.025, 0.001), WeightingSpec.sdmGrad(0.3, 20), WeightingSpec.moDo(0.001, 0.1))) {
            Trainer driver = trainer(spec, DataType.DOUBLE);
            IllegalStateException e = assertThrows(IllegalStateException.class, driver::beginStep);
            String name = spec.weighting().name();
            assertTrue(e.getMessage().contains("test.SplitTrunk") && e.getMessage().toUpperCase(java.util.Locale.ROOT)
                    .contains(name + "WEIGHTER") && e.getMessage().contains("additiveOverExamples"), e.getMessage());
            assertEquals(name.equals("FAMO"), e.getMessage().contains("needsLossesAfterUpdate"), e.getMessage());
            assertThrows(IllegalStateException.class,
                    () -> driver.contribute(new INDArray[] {X}, new INDArray[] {Y_REG, Y_BIN}));
        }
    }

    /** A strategy of one's own that declares itself additive but wants the batch's losses after the update. */
    private static final class AdditiveButEvaluatesAgain implements io.github.branchwise.runtime.weighting.Weighter {
        @Override
        public SDVariable combine(io.github.branchwise.runtime.GraphHost host, java.util.List<SDVariable> losses) {
            return losses.get(0).add(losses.get(1));
        }

        @Override
        public double[] weights() {
            return new double[] {1, 1};
        }

        @Override
        public boolean additiveOverExamples() {
            return true;
        }

        @Override
        public boolean needsLossesAfterUpdate() {
            return true;
        }
    }

    @Test
    void aSecondEvaluationAfterTheUpdateIsRefused() {
        Trainer driver = trainer(WeightingSpec.custom(AdditiveButEvaluatesAgain::new), DataType.DOUBLE);
        IllegalStateException e = assertThrows(IllegalStateException.class, driver::beginStep);
        assertTrue(e.getMessage().contains("AdditiveButEvaluatesAgain evaluates the batch again after the update "
                + "(Weighter.needsLossesAfterUpdate)"), e.getMessage());
        // One machine trains it.
        driver.fit(new INDArray[] {X}, new INDArray[] {Y_REG, Y_BIN});
    }

    @Test
    void applyingWithoutBeginOrForAnotherStepIsRefused() {
        Trainer driver = trainer(WeightingSpec.fixed(1, 1), DataType.DOUBLE);
        Trainer replica = trainer(WeightingSpec.fixed(1, 1), DataType.DOUBLE);
        replica.loadReplicaState(driver.beginStep());
        StepContribution part = replica.contribute(new INDArray[] {X}, new INDArray[] {Y_REG, Y_BIN});
        driver.applyStep(part);
        IllegalStateException notBegun = assertThrows(IllegalStateException.class, () -> driver.applyStep(part));
        assertTrue(notBegun.getMessage().contains("was not begun"), notBegun.getMessage());
        driver.beginStep();
        IllegalStateException stale = assertThrows(IllegalStateException.class, () -> driver.applyStep(part));
        assertTrue(stale.getMessage().contains("computed for step 0, the model is at step 1"), stale.getMessage());
    }

    @Test
    void contributionsOfDifferentStepsDoNotAdd() {
        StepContribution a = StepContribution.builder(0, 1).losses(new double[] {1}, 1)
                .gradients(false, new String[] {"w"}, new int[] {1}, new float[] {1}).build();
        StepContribution b = StepContribution.builder(1, 1).losses(new double[] {1}, 1)
                .gradients(false, new String[] {"w"}, new int[] {1}, new float[] {1}).build();
        assertThrows(IllegalArgumentException.class, () -> a.add(b));
    }
}

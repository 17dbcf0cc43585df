package io.github.branchwise.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.branchwise.annotations.Convention;
import io.github.branchwise.annotations.EpochMean;
import io.github.branchwise.annotations.GradNormScope;
import io.github.branchwise.annotations.GradNormWarmup;
import io.github.branchwise.annotations.GradVacGroups;
import io.github.branchwise.annotations.GradientSource;
import io.github.branchwise.annotations.ImtlMode;
import io.github.branchwise.annotations.HeadGradients;
import io.github.branchwise.annotations.MgdaNormalization;
import io.github.branchwise.annotations.PcGradOrder;
import io.github.branchwise.annotations.Ramp;
import io.github.branchwise.annotations.RampUnit;
import io.github.branchwise.annotations.UncertaintyScale;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.WeightingSpec;
import io.github.branchwise.runtime.training.Trainer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Every strategy's state is saved with the model: a run saved and loaded mid-way continues with exactly the losses
 * and weights of the uninterrupted run (Adam, so the optimiser state matters too).
 */
class StrategyResumeTest {
    static Stream<WeightingSpec> strategies() {
        return Stream.of(WeightingSpec.fixed(1, 2), WeightingSpec.trainable(0.3, 0.1, 0.9),
                WeightingSpec.scheduled(new double[] {1, 0}, new double[] {0, 1}, Ramp.COSINE, 5, RampUnit.STEP),
                WeightingSpec.uncertainty(), WeightingSpec.dwa(2.0), WeightingSpec.rlw(), WeightingSpec.gls(),
                WeightingSpec.gradNorm(1.5, ""), WeightingSpec.pcGrad(), WeightingSpec.mgda(),
                // Non-default conventions, with state of their own (GradNorm's warm-up sums, DWA's weighted sums).
                WeightingSpec.uncertainty(UncertaintyScale.HALF, -0.5), WeightingSpec.dwa(2.0, EpochMean.PER_EXAMPLE),
                WeightingSpec.gradNorm(1.5, "", HeadGradients.PLAIN, GradNormWarmup.FIRST_EPOCH,
                        GradNormScope.ALL_SHARED, EpochMean.PER_EXAMPLE),
                WeightingSpec.pcGrad(PcGradOrder.ALL),
                WeightingSpec.mgda(Convention.LIBMTL, MgdaNormalization.LOSS_PLUS, HeadGradients.PLAIN),
                WeightingSpec.gradNorm(1.5, "", HeadGradients.PLAIN, GradNormWarmup.FIRST_EPOCH,
                        GradNormScope.ALL_SHARED, EpochMean.PER_EXAMPLE, GradientSource.REPRESENTATION_BATCH_SUM),
                WeightingSpec.caGrad(), WeightingSpec.caGrad(0.8, 2),
                WeightingSpec.stch(1.0, 1), WeightingSpec.stch(0.5, 2), WeightingSpec.famo(0.025, 0.001),
                // IMTL's s is a parameter (with Adam's state); GradVac's targets are Java state.
                WeightingSpec.imtl(ImtlMode.HYBRID, GradientSource.PARAMETERS),
                WeightingSpec.imtl(ImtlMode.LOSS, GradientSource.PARAMETERS),
                WeightingSpec.imtl(ImtlMode.GRADIENT, GradientSource.REPRESENTATION_BATCH_SUM),
                WeightingSpec.alignedMtl(GradientSource.PARAMETERS),
                WeightingSpec.gradVac(0.01, GradVacGroups.WHOLE_MODEL),
                WeightingSpec.gradVac(0.5, GradVacGroups.PER_PARAMETER),
                // Three gradient samples per step (the batch of 6 split into 2 + 2 + 2); w and λ kept across steps.
                WeightingSpec.sdmGrad(0.3, 20), WeightingSpec.sdmGrad(1.0, 3), WeightingSpec.moDo(1e-3, 0.1),
                WeightingSpec.moDo(0.05, 0.5),
                WeightingSpec.upGrad(), WeightingSpec.nashMtl(), WeightingSpec.nashMtl(0.5, 3),
                WeightingSpec.fairGrad(), WeightingSpec.fairGrad(2.0),
                // Per-value state (moving averages, AdaGrad sums) and GradDrop's seeded draws.
                WeightingSpec.gradDrop(0), WeightingSpec.gradDrop(0.25), WeightingSpec.dbMtl(0.9, 0),
                WeightingSpec.dbMtl(0.8, 0.5), WeightingSpec.moco(0.5, 0.5, 0.1, 0.5, 0),
                WeightingSpec.moco(0.7, 0.2, 0.5, 0.3, 0.1), WeightingSpec.excessMtl(0.01),
                WeightingSpec.excessMtl(0.5));
    }

    private static final INDArray[] X = {TestArrays.gaussian(1, 6, 3)};
    private static final INDArray[] Y = {TestArrays.gaussian(2, 6, 1),
        TestArrays.uniform(3, 6, 2).gt(0.5).castTo(DataType.DOUBLE)};

    private static void epoch(Trainer trainer, double[] totals, int offset) {
        for (int i = 0; i < 2; i++) {
            totals[offset + i] = trainer.fit(X, Y).total();
        }
        trainer.endEpoch();
    }

    @ParameterizedTest
    @MethodSource("strategies")
    void resumesExactly(WeightingSpec weighting, @TempDir Path dir) throws IOException {
        ModelSpec spec = StrategyTest.trunkModel(weighting);
        TrainingOptions options = TrainingOptions.builder().seed(9).updater(new Adam(0.05))
                .dataType(DataType.DOUBLE).build();
        Trainer straight = Trainer.create(spec, options);
        Trainer interrupted = Trainer.create(spec, options);
        double[] expected = new double[10];
        double[] actual = new double[10];
        for (int e = 0; e < 5; e++) {
            epoch(straight, expected, 2 * e);
        }
        for (int e = 0; e < 3; e++) {
            epoch(interrupted, actual, 2 * e);
        }
        Path file = dir.resolve("mid.bw");
        interrupted.save(file);
        Trainer resumed = Trainer.load(spec, file);
        for (int e = 3; e < 5; e++) {
            epoch(resumed, actual, 2 * e);
        }
        assertArrayEquals(expected, actual, 0.0, weighting.toString());
        assertArrayEquals(straight.weights(), resumed.weights(), 0.0);
        assertEquals(straight.parameters(), resumed.parameters());
    }
}

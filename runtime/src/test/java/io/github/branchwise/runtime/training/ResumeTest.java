package io.github.branchwise.runtime.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.WeightingSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;

/** Checkpoints, resuming from any of them bit for bit, and the NaN guard. */
class ResumeTest {
    // DWA keeps Java-side state and changes its weights at epoch ends; Adam keeps optimiser state; the schedule
    // depends on the step counter; early stopping keeps its best value and parameters.
    private static final ModelSpec SPEC = TrainingModels.mapAndClass(WeightingSpec.dwa(2.0));

    private static TrainingOptions options() {
        return TrainingOptions.builder().seed(9).updater(new Adam(LearningRates.exponentialDecay(0.02, 4, 0.5)))
                .build();
    }

    private static FitConfig config(Path dir, INDArray[][] validation) {
        return FitConfig.builder().epochs(4).silent()
                .validation(validation[0], validation[1], 7)
                .earlyStopping(EarlyStopping.monitor("val_kind_loss").patience(10).restoreBest(true))
                .checkpoints(Checkpoints.to(dir).everySteps(4).everyEpochs(1).keepLast(0).withStepHistory(true))
                .build();
    }

    @Test
    void resumingFromAnyCheckpointContinuesExactlyAsTheUninterruptedRun(@TempDir Path dir) throws Exception {
        INDArray[][] train = TrainingModels.mapAndClassData(40, 21);
        INDArray[][] validation = TrainingModels.mapAndClassData(14, 22);
        DataSource data = DataSource.arrays(train[0], train[1], 16);

        Path full = dir.resolve("full");
        Fitting uninterrupted = Fitting.of(Trainer.create(SPEC, options()));
        History expected = uninterrupted.fit(data, config(full, validation));
        assertEquals(12, expected.stepCount());
        // Steps 4 and 8 fall inside epochs 1 and 2; 3, 6, 9 and 12 end epochs.
        List<Path> checkpoints = Checkpoints.list(full);
        assertEquals(List.of("checkpoint-000000000003.bwm", "checkpoint-000000000004.bwm",
                "checkpoint-000000000006.bwm", "checkpoint-000000000008.bwm", "checkpoint-000000000009.bwm",
                "checkpoint-000000000012.bwm"), checkpoints.stream().map(p -> p.getFileName().toString()).toList());

        for (Path checkpoint : checkpoints.subList(0, checkpoints.size() - 1)) {
            Fitting resumed = Fitting.resume(SPEC, checkpoint);
            History actual = resumed.fit(data, config(dir.resolve("again-" + checkpoint.getFileName()), validation));
            String where = "resumed from " + checkpoint.getFileName();
            assertEquals(expected.stepColumns(), actual.stepColumns(), where);
            assertEquals(expected.epochColumns(), actual.epochColumns(), where);
            assertRowsIdentical(expected.stepRowsCopy(), actual.stepRowsCopy(), where + ", steps");
            assertRowsIdentical(expected.epochRowsCopy(), actual.epochRowsCopy(), where + ", epochs");
            Map<String, INDArray> want = uninterrupted.trainer().parameterValues();
            resumed.trainer().parameterValues().forEach((name, value) -> assertEquals(want.get(name), value,
                    where + ", " + name));
            assertEquals(uninterrupted.bestEpoch(), resumed.bestEpoch(), where);
        }
    }

    private static void assertRowsIdentical(List<double[]> expected, List<double[]> actual, String where) {
        assertEquals(expected.size(), actual.size(), where);
        for (int i = 0; i < expected.size(); i++) {
            // assertArrayEquals on doubles compares bit patterns: bit-identical, NaN included.
            assertArrayEquals(expected.get(i), actual.get(i), where + ", row " + i);
        }
    }

    @Test
    void onlyTheNewestCheckpointsAreKept(@TempDir Path dir) throws Exception {
        INDArray[][] train = TrainingModels.mapAndClassData(20, 3);
        Fitting.of(Trainer.create(SPEC, options())).fit(DataSource.arrays(train[0], train[1], 5),
                FitConfig.builder().epochs(2).silent()
                        .checkpoints(Checkpoints.to(dir).everySteps(2).everyEpochs(0).keepLast(2)).build());
        assertEquals(List.of("checkpoint-000000000006.bwm", "checkpoint-000000000008.bwm"),
                Checkpoints.list(dir).stream().map(p -> p.getFileName().toString()).toList());
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count(), "no temporary files are left behind");
        }
        assertEquals(8, Fitting.resumeLatest(SPEC, dir).orElseThrow().trainer().iteration());
    }

    @Test
    void aDivergingStepStopsTrainingAndTheLastGoodStateIsSaved(@TempDir Path dir) throws Exception {
        ModelSpec spec = TrainingModels.regression();
        List<Batch> batches = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 4, 3);
            // Batch 3's targets are finite, but their squared error overflows FLOAT to infinity.
            INDArray y = i == 3 ? Nd4j.valueArrayOf(new long[] {4, 1}, 1e20f) : x.sum(true, 1);
            batches.add(new Batch(new INDArray[] {x}, new INDArray[] {y}));
        }
        Trainer trainer = Trainer.create(spec, TrainingOptions.builder().seed(1).updater(new Sgd(0.1)).build());
        Fitting fitting = Fitting.of(trainer);
        FitDivergedException e = assertThrows(FitDivergedException.class, () -> fitting.fit(
                DataSource.batches(batches), FitConfig.builder().epochs(2).silent()
                        .checkpoints(Checkpoints.to(dir).withStepHistory(true)).build()));
        assertEquals(3, e.step());
        assertEquals("loss of branch 'y'", e.culprit());
        assertTrue(e.getMessage().contains("at step 3") && e.getMessage().contains("(epoch 1)"), e.getMessage());
        assertEquals(3, e.history().stepCount());
        assertEquals(3, trainer.iteration());
        for (double v : e.history().stepValues("total")) {
            assertTrue(Double.isFinite(v));
        }
        Path saved = e.lastGoodCheckpoint().orElseThrow();
        assertEquals(dir.resolve("checkpoint-000000000003.bwm"), saved);
        Fitting resumed = Fitting.resume(spec, saved);
        assertEquals(3, resumed.trainer().iteration());
        assertEquals(3, resumed.history().stepCount());
        Map<String, INDArray> good = trainer.parameterValues();
        resumed.trainer().parameterValues().forEach((name, value) -> {
            assertEquals(good.get(name), value, name);
            for (double v : Metrics.values(value)) {
                assertTrue(Double.isFinite(v), name);
            }
        });
    }
}

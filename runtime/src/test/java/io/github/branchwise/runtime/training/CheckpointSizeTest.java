package io.github.branchwise.runtime.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ModelSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Checkpoints stay the size of the model unless the step history is asked for. */
class CheckpointSizeTest {
    private static final ModelSpec SPEC = TrainingModels.mapAndClass();
    private static final int EPOCHS = 6;
    /** 60 examples in batches of 4: 15 steps an epoch, 17 step columns of 8 bytes each, about 2 KB an epoch. */
    private static final INDArray[][] DATA = TrainingModels.mapAndClassData(60, 8);

    private static List<Long> sizes(Path dir, Checkpoints checkpoints) throws Exception {
        Fitting.of(Trainer.create(SPEC, TrainingOptions.builder().seed(2).build()))
                .fit(DataSource.arrays(DATA[0], DATA[1], 4), FitConfig.builder().epochs(EPOCHS).silent()
                        .checkpoints(checkpoints.keepLast(0)).build());
        List<Long> sizes = new java.util.ArrayList<>();
        for (Path file : Checkpoints.list(dir)) {
            sizes.add(Files.size(file));
        }
        assertEquals(EPOCHS, sizes.size());
        return sizes;
    }

    @Test
    void byDefaultACheckpointGrowsOnlyByItsEpochRows(@TempDir Path dir) throws Exception {
        List<Long> sizes = sizes(dir, Checkpoints.to(dir));
        long growth = sizes.get(EPOCHS - 1) - sizes.get(0);
        // Five more epoch rows of 11 doubles: 440 bytes; the model itself does not change size.
        assertTrue(growth <= 5 * 11 * Double.BYTES, "grew by " + growth + " bytes over " + sizes);
    }

    @Test
    void withTheStepHistoryItGrowsWithEveryStep(@TempDir Path dir) throws Exception {
        List<Long> sizes = sizes(dir, Checkpoints.to(dir).withStepHistory(true));
        long growth = sizes.get(EPOCHS - 1) - sizes.get(0);
        assertTrue(growth >= 5 * 15 * 13 * Double.BYTES, "grew by only " + growth + " bytes over " + sizes);
    }

    @Test
    void aRunResumedWithoutStepRowsKeepsItsEpochsAndRecordsStepsFromTheResumeOn(@TempDir Path dir)
            throws Exception {
        sizes(dir, Checkpoints.to(dir));
        Fitting resumed = Fitting.resume(SPEC, Checkpoints.list(dir).get(2));
        assertEquals(3, resumed.history().epochCount());
        assertEquals(0, resumed.history().stepCount());
        resumed.fit(DataSource.arrays(DATA[0], DATA[1], 4), FitConfig.builder().epochs(4).silent().build());
        assertEquals(4, resumed.history().epochCount());
        assertEquals(15, resumed.history().stepCount());
    }
}

package io.github.branchwise.runtime.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.WeightingSpec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;

/** Early stopping on what a learned weighting cannot move, Keras' patience, and a fit with nothing to do. */
class EarlyStoppingTest {
    private static final ModelSpec SPEC = TrainingModels.mapAndClass(WeightingSpec.uncertainty());

    @Test
    void theUnweightedValidationTotalIsTheSumOfTheBranchLosses() {
        INDArray[][] train = TrainingModels.mapAndClassData(40, 1);
        INDArray[][] validation = TrainingModels.mapAndClassData(12, 2);
        Fitting fitting = Fitting.of(Trainer.create(SPEC, TrainingOptions.builder().seed(5).updater(new Adam(0.01))
                .build()));
        // Patience 0 and a min delta no epoch can beat: the first epoch is the best, the second stops training.
        History history = fitting.fit(DataSource.arrays(train[0], train[1], 10), FitConfig.builder().epochs(6)
                .silent().validation(validation[0], validation[1], 6)
                .earlyStopping(EarlyStopping.unweightedValidationTotal().minDelta(1e6)).build());
        assertEquals(2, history.epochCount());
        assertEquals(1, fitting.bestEpoch(), "epochs count from 1");
        double[] map = history.epochValues("val_map_loss");
        double[] kind = history.epochValues("val_kind_loss");
        double[] weighted = history.epochValues("val_total");
        assertTrue(Math.abs(weighted[0] - (map[0] + kind[0])) > 1e-3,
                "under UNCERTAINTY the weighted total differs from the plain sum, or the test shows nothing");
    }

    @Test
    void aBranchsValidationLossIsMonitoredByName() {
        assertEquals("val_kind_loss", EarlyStopping.validationLoss("kind").monitored());
        INDArray[][] train = TrainingModels.mapAndClassData(20, 3);
        Fitting fitting = Fitting.of(Trainer.create(SPEC, TrainingOptions.defaults()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fitting.fit(
                DataSource.arrays(train[0], train[1], 10), FitConfig.builder().epochs(1).silent()
                        .earlyStopping(EarlyStopping.unweightedValidationTotal()).build()));
        assertTrue(e.getMessage().contains("needs validation data"), e.getMessage());
    }

    @Test
    void aFitThatWouldTrainNothingSaysSo() {
        INDArray[][] train = TrainingModels.mapAndClassData(20, 4);
        Fitting fitting = Fitting.of(Trainer.create(SPEC, TrainingOptions.defaults()));
        fitting.fit(DataSource.arrays(train[0], train[1], 10), FitConfig.builder().epochs(1).silent().build());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        fitting.fit(DataSource.arrays(train[0], train[1], 10), FitConfig.builder().epochs(1)
                .progress(Progress.LINES).output(new PrintStream(out, true, StandardCharsets.UTF_8)).build());
        String printed = out.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("nothing to train: 1 epoch(s) done already and FitConfig asks for 1 in all"),
                printed);
        assertEquals(1, fitting.trainer().epoch());
    }
}

package io.github.branchwise.runtime.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.Activation;
import io.github.branchwise.runtime.Layers;
import io.github.branchwise.runtime.Losses;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.WeightingSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Modes through {@link Fitting}: validation runs in inference mode and moves no statistics, early stopping's best
 * parameters include the moving statistics, and a run resumed from any checkpoint, dropout and batch norm included,
 * is the uninterrupted run bit for bit.
 */
class ModesFittingTest {
    private static final String MEAN = "trunk/batch_norm_0/moving_mean";

    /** {@link TrainingModels#mapAndClass}'s model with a batch norm and dropout in the trunk and dropout in a head. */
    static ModelSpec spec(WeightingSpec weighting) {
        return ModelSpec.builder("test.MapAndClassModes")
                .input("image", 4, 4, 1)
                .branch("map", new long[] {2, 2, 1}, Loss.BINARY_CROSSENTROPY, 1.0)
                .branch("kind", new long[] {3}, Loss.CATEGORICAL_CROSSENTROPY, 1.0)
                .weighting(weighting)
                .graph(scope -> {
                    Layers trunk = scope.layers("trunk");
                    SDVariable features = trunk.conv2d(scope.input("image"), 3, 2, Activation.TANH);
                    features = trunk.dropout(trunk.activation(trunk.batchNorm(features), Activation.RELU), 0.2);
                    Layers map = scope.layers("map");
                    scope.output("map", map.conv2d(features, 1, 2, Activation.SIGMOID));
                    Layers kind = scope.layers("kind");
                    SDVariable flat = kind.dropout(kind.flatten(features), 0.5);
                    scope.output("kind", kind.dense(flat, 3, Activation.SOFTMAX));
                })
                .build();
    }

    private static TrainingOptions options() {
        return TrainingOptions.builder().seed(9).updater(new Adam(0.02)).build();
    }

    @Test
    void validationRunsInInferenceModeAndMovesNoStatistics() throws Exception {
        ModelSpec spec = spec(WeightingSpec.fixed(1, 1));
        INDArray[][] train = TrainingModels.mapAndClassData(24, 1);
        INDArray[][] validation = TrainingModels.mapAndClassData(10, 2);
        Trainer trainer = Trainer.create(spec, options());
        Fitting fitting = Fitting.of(trainer);
        History history = fitting.fit(DataSource.arrays(train[0], train[1], 8),
                FitConfig.builder().epochs(1).silent().validation(validation[0], validation[1], 10).build());
        // The validation loss is evaluate's (inference mode), on the parameters and statistics the epoch ended with.
        Losses evaluated = trainer.evaluate(validation[0], validation[1]);
        assertEquals(evaluated.branchLoss(0), history.epochValues("val_map_loss")[0], 1e-6);
        assertEquals(evaluated.branchLoss(1), history.epochValues("val_kind_loss")[0], 1e-6);
        // The same epoch without validation ends with the same parameters and statistics, bit for bit.
        Trainer without = Trainer.create(spec, options());
        Fitting.of(without).fit(DataSource.arrays(train[0], train[1], 8), FitConfig.builder().epochs(1).silent()
                .build());
        Map<String, INDArray> want = without.parameters();
        trainer.parameters().forEach((name, value) -> assertEquals(want.get(name), value, name));
        assertNotEquals(0.0, want.get(MEAN).getDouble(0));
    }

    @Test
    void earlyStoppingRestoresTheBestEpochsStatisticsToo() throws Exception {
        ModelSpec spec = spec(WeightingSpec.fixed(1, 1));
        INDArray[][] train = TrainingModels.mapAndClassData(24, 3);
        INDArray[][] validation = TrainingModels.mapAndClassData(10, 4);
        Trainer trainer = Trainer.create(spec, options());
        Fitting fitting = Fitting.of(trainer);
        fitting.fit(DataSource.arrays(train[0], train[1], 8), FitConfig.builder().epochs(6).silent()
                .validation(validation[0], validation[1], 10)
                // Patience beyond the run: the best epoch is restored at the end, whichever it was.
                .earlyStopping(EarlyStopping.monitor("val_kind_loss").patience(10).restoreBest(true)).build());
        Losses best = trainer.evaluate(validation[0], validation[1]);
        // The restored model evaluates to the best epoch's validation loss: parameters and statistics of that epoch.
        double[] curve = fitting.history().epochValues("val_kind_loss");
        double min = Double.MAX_VALUE;
        for (double v : curve) {
            min = Math.min(min, v);
        }
        assertEquals(min, best.branchLoss(1), 1e-6);
    }

    @Test
    void resumingFromAnyCheckpointContinuesTheSameMasksAndStatistics(@TempDir Path dir) throws Exception {
        ModelSpec spec = spec(WeightingSpec.pcGrad());
        INDArray[][] train = TrainingModels.mapAndClassData(30, 5);
        INDArray[][] validation = TrainingModels.mapAndClassData(10, 6);
        DataSource data = DataSource.arrays(train[0], train[1], 8);
        Fitting uninterrupted = Fitting.of(Trainer.create(spec, options()));
        History expected = uninterrupted.fit(data, config(dir.resolve("full"), validation));
        List<Path> checkpoints = Checkpoints.list(dir.resolve("full"));
        assertTrue(checkpoints.size() >= 3, checkpoints.toString());
        Map<String, INDArray> want = uninterrupted.trainer().parameters();
        assertNotEquals(0.0, want.get(MEAN).getDouble(0));
        for (Path checkpoint : checkpoints.subList(0, checkpoints.size() - 1)) {
            Fitting resumed = Fitting.resume(spec, checkpoint);
            History actual = resumed.fit(data, config(dir.resolve("again-" + checkpoint.getFileName()), validation));
            String where = "resumed from " + checkpoint.getFileName();
            assertEquals(expected.stepCount(), actual.stepCount(), where);
            for (int i = 0; i < expected.stepCount(); i++) {
                // Bit for bit (assertArrayEquals on doubles compares bit patterns).
                assertArrayEquals(expected.stepRowsCopy().get(i), actual.stepRowsCopy().get(i), where + ", step " + i);
            }
            for (int i = 0; i < expected.epochRowsCopy().size(); i++) {
                assertArrayEquals(expected.epochRowsCopy().get(i), actual.epochRowsCopy().get(i), where + ", epoch " + i);
            }
            resumed.trainer().parameters().forEach((name, value) -> assertEquals(want.get(name), value,
                    where + ", " + name));
        }
    }

    private static FitConfig config(Path dir, INDArray[][] validation) {
        return FitConfig.builder().epochs(3).silent()
                .validation(validation[0], validation[1], 10)
                .checkpoints(Checkpoints.to(dir).everySteps(3).everyEpochs(1).keepLast(0).withStepHistory(true))
                .build();
    }
}

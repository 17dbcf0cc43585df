package io.github.branchwise.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
 * The element-wise strategies in a FLOAT model (StrategyResumeTest runs DOUBLE): their rules write into FLOAT output
 * buffers, and their per-value state, kept in double, must come back from the file as double for the resumed run to
 * repeat the uninterrupted one exactly.
 */
class ElementwiseFloatResumeTest {
    static Stream<WeightingSpec> strategies() {
        return Stream.of(WeightingSpec.gradDrop(0.25), WeightingSpec.dbMtl(0.8, 0.5),
                WeightingSpec.moco(0.7, 0.2, 0.5, 0.3, 0.1), WeightingSpec.excessMtl(0.5));
    }

    private static final INDArray[] X = {TestArrays.gaussian(1, 6, 3).castTo(DataType.FLOAT)};
    private static final INDArray[] Y = {TestArrays.gaussian(2, 6, 1).castTo(DataType.FLOAT),
        TestArrays.uniform(3, 6, 2).gt(0.5).castTo(DataType.FLOAT)};

    private static void steps(Trainer trainer, double[] totals, int from, int to) {
        for (int i = from; i < to; i++) {
            totals[i] = trainer.fit(X, Y).total();
        }
    }

    @ParameterizedTest
    @MethodSource("strategies")
    void resumesExactlyInFloat(WeightingSpec weighting, @TempDir Path dir) throws IOException {
        ModelSpec spec = StrategyTest.trunkModel(weighting);
        TrainingOptions options = TrainingOptions.builder().seed(5).updater(new Adam(0.05))
                .dataType(DataType.FLOAT).build();
        Trainer straight = Trainer.create(spec, options);
        Trainer interrupted = Trainer.create(spec, options);
        double[] expected = new double[8];
        double[] actual = new double[8];
        steps(straight, expected, 0, 8);
        steps(interrupted, actual, 0, 4);
        Path file = dir.resolve("mid.bw");
        interrupted.save(file);
        Trainer resumed = Trainer.load(spec, file);
        steps(resumed, actual, 4, 8);
        assertArrayEquals(expected, actual, 0.0, weighting.toString());
        assertArrayEquals(straight.weights(), resumed.weights(), 0.0);
        assertEquals(straight.parameters(), resumed.parameters());
    }
}

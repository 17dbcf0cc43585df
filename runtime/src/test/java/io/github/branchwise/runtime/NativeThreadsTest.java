package io.github.branchwise.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.WeightingSpec;
import io.github.branchwise.runtime.training.DataSource;
import io.github.branchwise.runtime.training.FitConfig;
import io.github.branchwise.runtime.training.Fitting;
import io.github.branchwise.runtime.training.Trainer;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

class NativeThreadsTest {
    @Test
    void setsTheNativeThreadCountAndKernelsStillRun() {
        int before = NativeThreads.current();
        try {
            INDArray a = Nd4j.rand(64, 64);
            INDArray expected = a.mmul(a);
            NativeThreads.set(2);
            assertEquals(2, NativeThreads.current());
            assertTrue(expected.equalsWithEps(a.mmul(a), 1e-4));
            NativeThreads.set(1);
            assertEquals(1, NativeThreads.current());
            assertTrue(expected.equalsWithEps(a.mmul(a), 1e-4));
        } finally {
            NativeThreads.set(Math.max(1, before));
        }
        assertThrows(IllegalArgumentException.class, () -> NativeThreads.set(0));
    }

    @Test
    void choosesOneThreadOrEveryCoreByTimingTheModelsOwnStep() {
        int before = NativeThreads.current();
        try {
            ModelSpec spec = ModelSpec.builder("test.Threads")
                    .input("x", 16)
                    .branch("y", new long[] {4}, Loss.MEAN_SQUARED_ERROR, 1.0)
                    .weighting(WeightingSpec.fixed(1.0))
                    .graph(scope -> scope.output("y", scope.layers("y").dense(scope.input("x"), 4, Activation.TANH)))
                    .build();
            Trainer trainer = Trainer.create(spec, TrainingOptions.builder().seed(1).updater(new Sgd(0.1)).build());
            assertTrue(Double.isNaN(trainer.timeLastStep(3)), "no step to time yet");
            NativeThreads.set(1);
            if (Runtime.getRuntime().availableProcessors() > 1) {
                IllegalStateException none = assertThrows(IllegalStateException.class,
                        () -> trainer.chooseNativeThreads(3), "nothing to time: no answer without measuring");
                assertTrue(none.getMessage().contains("after a training step"), none.getMessage());
                assertEquals(1, NativeThreads.current(), "the setting stays");
            }

            INDArray x = Nd4j.rand(DataType.FLOAT, 32, 16);
            INDArray y = Nd4j.rand(DataType.FLOAT, 32, 4);
            trainer.fit(new INDArray[] {x}, new INDArray[] {y});
            double ms = trainer.timeLastStep(3);
            assertTrue(ms > 0 && Double.isFinite(ms), "a compiled step takes some time: " + ms);
            Map<String, INDArray> weights = trainer.parameterValues();
            int cores = Runtime.getRuntime().availableProcessors();
            int chosen = trainer.chooseNativeThreads(3);
            assertTrue(chosen == 1 || chosen == cores, "1 or " + cores + ", got " + chosen);
            assertEquals(chosen, NativeThreads.current());
            // Timing re-runs the step's forward and backward pass only: the weights are unchanged.
            trainer.parameterValues().forEach((name, value) -> assertEquals(weights.get(name), value, name));

            Trainer reference = Trainer.create(spec, TrainingOptions.builder().seed(1).updater(new Sgd(0.1))
                    .executor(ExecutorKind.SAMEDIFF).build());
            reference.fit(new INDArray[] {x}, new INDArray[] {y});
            NativeThreads.set(1);
            assertTrue(Double.isNaN(reference.timeLastStep(3)));
            if (Runtime.getRuntime().availableProcessors() > 1) {
                IllegalStateException sameDiff = assertThrows(IllegalStateException.class,
                        () -> reference.chooseNativeThreads(3));
                assertTrue(sameDiff.getMessage().contains("SameDiff executor"), sameDiff.getMessage());
            }
            assertThrows(IllegalArgumentException.class, () -> trainer.chooseNativeThreads(0));
        } finally {
            NativeThreads.set(Math.max(1, before));
        }
    }

    @Test
    void aFittingChoosesByItselfUnlessTheUserChose() {
        int before = NativeThreads.current();
        ModelSpec spec = ModelSpec.builder("test.AutoThreads")
                .input("x", 16)
                .branch("y", new long[] {4}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .weighting(WeightingSpec.fixed(1.0))
                .graph(scope -> scope.output("y", scope.layers("y").dense(scope.input("x"), 4, Activation.TANH)))
                .build();
        INDArray x = Nd4j.rand(DataType.FLOAT, 64, 16);
        INDArray y = Nd4j.rand(DataType.FLOAT, 64, 4);
        try {
            // The tests run with OMP_NUM_THREADS set, which is a user's choice: the runtime leaves it alone.
            assertFalse(NativeThreads.automatic(), "OMP_NUM_THREADS is set for the tests (surefire)");
            Trainer untouched = Trainer.create(spec, TrainingOptions.builder().seed(1).build());
            Fitting.of(untouched).fit(DataSource.arrays(new INDArray[] {x}, new INDArray[] {y}, 8),
                    FitConfig.builder().epochs(1).silent().build());
            assertTrue(untouched.chosenNativeThreads().isEmpty());

            System.setProperty(NativeThreads.PROPERTY, "auto");
            assertTrue(NativeThreads.automatic());
            Trainer chooser = Trainer.create(spec, TrainingOptions.builder().seed(1).build());
            Fitting.of(chooser).fit(DataSource.arrays(new INDArray[] {x}, new INDArray[] {y}, 8),
                    FitConfig.builder().epochs(1).silent().build());
            int cores = Runtime.getRuntime().availableProcessors();
            int chosen = chooser.chosenNativeThreads().orElseThrow();
            assertTrue(chosen == 1 || chosen == cores, "1 or " + cores + ", got " + chosen);
            assertEquals(chosen, NativeThreads.current());

            System.setProperty(NativeThreads.PROPERTY, "2");
            assertFalse(NativeThreads.automatic(), "a count in the property is the user's choice");
            assertEquals(2, NativeThreads.current());
            System.setProperty(NativeThreads.PROPERTY, "many");
            IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, NativeThreads::automatic);
            assertTrue(bad.getMessage().contains("'auto' or a positive thread count"), bad.getMessage());
        } finally {
            System.clearProperty(NativeThreads.PROPERTY);
            NativeThreads.set(Math.max(1, before));
        }
    }
}

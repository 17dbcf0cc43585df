package io.github.branchwise.runtime.engine;

import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.training.Trainer;
import java.nio.file.Path;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Trains {@link TestModels#big()} and saves it to the same file after every step, forever; {@link KillTest} kills
 * it. Prints {@code saving <n>} before and {@code saved <n>} after each save, where n is the step count in the file.
 */
public final class SaveLoopMain {
    private SaveLoopMain() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        ModelSpec spec = TestModels.big();
        Trainer trainer = Trainer.create(spec, TrainingOptions.builder().updater(new Adam(1e-3)).build());
        Random random = new Random(Long.parseLong(args[1]));
        INDArray[] x = TestData.inputs(spec, 4, random, DataType.FLOAT);
        INDArray[] y = TestData.targets(spec, 4, random, DataType.FLOAT);
        while (true) {
            trainer.fit(x, y);
            System.out.println("saving " + trainer.iteration());
            System.out.flush();
            trainer.save(file);
            System.out.println("saved " + trainer.iteration());
            System.out.flush();
        }
    }
}

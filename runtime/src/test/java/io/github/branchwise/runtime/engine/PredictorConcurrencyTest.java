package io.github.branchwise.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.Predictor;
import io.github.branchwise.runtime.internal.WeightingSpec;
import io.github.branchwise.runtime.training.Trainer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Several threads call one {@link Predictor} (and {@link Trainer#evaluate}) at once, each over all batches in its own
 * order: every result equals the serial result bit for bit, and nothing throws.
 */
class PredictorConcurrencyTest {
    private static final int THREADS = 4;
    private static final int BATCHES = 12;
    private static final int REPEATS = 2;

    @Test
    void concurrentCallersGetTheSerialResults() throws Exception {
        ModelSpec spec = TestModels.twoInputs(WeightingSpec.trainable(0.5, 0.0, 1.0));
        Trainer trainer = Trainer.create(spec, TrainingOptions.builder().updater(new Adam(0.01)).build());
        Random random = new Random(41);
        for (int i = 0; i < 3; i++) {
            trainer.fit(TestData.inputs(spec, 8, random, DataType.FLOAT),
                    TestData.targets(spec, 8, random, DataType.FLOAT));
        }
        List<INDArray[]> inputs = new ArrayList<>();
        List<INDArray[]> targets = new ArrayList<>();
        for (int b = 0; b < BATCHES; b++) {
            int size = 1 + b % 7;
            inputs.add(TestData.inputs(spec, size, random, DataType.FLOAT));
            targets.add(TestData.targets(spec, size, random, DataType.FLOAT));
        }
        Predictor predictor = trainer.predictor();
        List<double[][]> serial = new ArrayList<>();
        List<Double> serialLosses = new ArrayList<>();
        for (int b = 0; b < BATCHES; b++) {
            serial.add(flatten(predictor.predict(inputs.get(b))));
            serialLosses.add(trainer.evaluate(inputs.get(b), targets.get(b)).total());
        }

        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    List<Integer> order = new ArrayList<>();
                    for (int b = 0; b < BATCHES; b++) {
                        order.add(b);
                    }
                    Collections.shuffle(order, new Random(thread));
                    start.await();
                    int calls = 0;
                    for (int r = 0; r < REPEATS; r++) {
                        for (int b : order) {
                            if (thread == 0) {
                                // One thread evaluates instead: it shares the graph and its lock with the predictor.
                                assertEquals(serialLosses.get(b),
                                        trainer.evaluate(inputs.get(b), targets.get(b)).total(), 0.0);
                            } else {
                                double[][] actual = flatten(predictor.predict(inputs.get(b)));
                                for (int i = 0; i < actual.length; i++) {
                                    assertArrayEquals(serial.get(b)[i], actual[i], "thread " + thread + " batch " + b);
                                }
                            }
                            calls++;
                        }
                    }
                    return calls;
                }));
            }
            start.countDown();
            int calls = 0;
            for (Future<Integer> future : futures) {
                calls += future.get(120, TimeUnit.SECONDS);
            }
            assertEquals(THREADS * BATCHES * REPEATS, calls);
        } finally {
            pool.shutdownNow();
        }
    }

    private static double[][] flatten(INDArray[] arrays) {
        double[][] out = new double[arrays.length][];
        for (int i = 0; i < arrays.length; i++) {
            out[i] = arrays[i].data().asDouble();
        }
        return out;
    }
}

package io.github.branchwise.runtime.engine;

import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reproducible random test arrays. {@code Nd4j.getRandom().setSeed(s)} followed by {@code Nd4j.rand(...)} was seen
 * to give different values on repeated calls here, so test data comes from {@link java.util.Random}.
 */
final class TestArrays {
    private TestArrays() {
    }

    static INDArray uniform(long seed, long... shape) {
        Random random = new Random(seed);
        double[] values = new double[Math.toIntExact(java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b))];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextDouble();
        }
        return Nd4j.create(values, shape, DataType.DOUBLE);
    }

    static INDArray gaussian(long seed, long... shape) {
        Random random = new Random(seed);
        double[] values = new double[Math.toIntExact(java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b))];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextGaussian();
        }
        return Nd4j.create(values, shape, DataType.DOUBLE);
    }
}

package io.github.branchwise.runtime.engine;

import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.internal.BranchSpec;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.Shapes;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Random batches that fit a {@link ModelSpec}: inputs in [-1, 1], targets valid for each branch's loss. */
final class TestData {
    private TestData() {
    }

    /** One array per input, {@code [batch, shape...]}, uniform in [-1, 1] (ids and masks: {@link SequenceModels#input}). */
    static INDArray[] inputs(ModelSpec spec, int batch, Random random, DataType type) {
        INDArray[] x = new INDArray[spec.inputs().size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = SequenceModels.input(spec.inputs().get(i), batch, random, type);
            if (x[i] != null) {
                continue;
            }
            long[] shape = Shapes.withBatch(batch, spec.inputs().get(i).shape());
            double[] values = new double[(int) Shapes.size(shape)];
            for (int j = 0; j < values.length; j++) {
                values[j] = 2 * random.nextDouble() - 1;
            }
            x[i] = Nd4j.create(values, shape, DataType.DOUBLE).castTo(type);
        }
        return x;
    }

    /**
     * One target per branch: soft labels in [0, 1] for BCE, one-hot rows for CCE, class indices for sparse CCE,
     * Gaussian values for the regression losses.
     */
    static INDArray[] targets(ModelSpec spec, int batch, Random random, DataType type) {
        INDArray[] y = new INDArray[spec.branches().size()];
        for (int i = 0; i < y.length; i++) {
            BranchSpec branch = spec.branches().get(i);
            long[] shape = Shapes.withBatch(batch, branch.targetShape());
            long[] out = branch.shape();
            int classes = out.length == 0 ? 1 : (int) out[out.length - 1];
            double[] values = new double[(int) Shapes.size(shape)];
            switch (branch.loss()) {
                case BINARY_CROSSENTROPY -> {
                    for (int j = 0; j < values.length; j++) {
                        values[j] = random.nextDouble();
                    }
                }
                case CATEGORICAL_CROSSENTROPY -> {
                    for (int row = 0; row < values.length / classes; row++) {
                        values[row * classes + random.nextInt(classes)] = 1;
                    }
                }
                case SPARSE_CATEGORICAL_CROSSENTROPY -> {
                    for (int j = 0; j < values.length; j++) {
                        values[j] = random.nextInt(classes);
                    }
                }
                default -> {
                    for (int j = 0; j < values.length; j++) {
                        values[j] = 0.8 * random.nextGaussian();
                    }
                }
            }
            y[i] = Nd4j.create(values, shape, DataType.DOUBLE).castTo(type);
        }
        return y;
    }

    static boolean isRegression(Loss loss) {
        return loss == Loss.MEAN_SQUARED_ERROR || loss == Loss.MEAN_ABSOLUTE_ERROR || loss == Loss.HUBER;
    }
}

package io.github.branchwise.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.Losses;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.training.Trainer;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Every built-in loss on a tiny batch against the formula written out in plain Java doubles, Keras' definitions:
 * the element loss, averaged over every non-batch axis (cross-entropies first sum over the class axis), then the
 * batch mean; probabilities clipped to [1e-7, 1 - 1e-7] before the logarithm.
 *
 * <p>The model is {@link TestModels#identity}: each branch outputs its input, so the prediction is whatever the test
 * feeds in, extreme values included. Branch {@code a} is a vector, branch {@code b} a [2, 3] grid, so the mean over
 * more than one non-batch axis is covered; the total is 0.25·L_a + 0.75·L_b.
 */
class LossValueTest {
    private static final double EPS = 1e-7;
    private static final int BATCH = 3;

    @ParameterizedTest
    @EnumSource(value = Loss.class, names = "CUSTOM", mode = EnumSource.Mode.EXCLUDE)
    void lossMatchesHandFormula(Loss loss) {
        check(loss, new long[] {3}, new long[] {2, 3}, DataType.DOUBLE, true, 1e-12);
    }

    @ParameterizedTest
    @EnumSource(value = Loss.class, names = {"BINARY_CROSSENTROPY", "MEAN_SQUARED_ERROR", "HUBER",
        "MEAN_ABSOLUTE_ERROR"})
    void singleElementBranchesMatchHandFormula(Loss loss) {
        // Shape [1]: the per-example mean is a reshape, not a reduction (M2.1 cannot differentiate mean over size 1).
        check(loss, new long[] {1}, new long[] {4}, DataType.DOUBLE, true, 1e-12);
    }

    @ParameterizedTest
    @EnumSource(value = Loss.class, names = "CUSTOM", mode = EnumSource.Mode.EXCLUDE)
    void floatModelsAgreeToSinglePrecision(Loss loss) {
        // No probabilities at the clip bounds here: 1 - 1e-7 is not representable in float.
        check(loss, new long[] {3}, new long[] {2, 3}, DataType.FLOAT, false, 2e-6);
    }

    @Test
    void sparseTargetsAsColumnAreAcceptedLikeKeras() {
        Trainer trainer = Trainer.create(TestModels.identity(Loss.SPARSE_CATEGORICAL_CROSSENTROPY,
                new long[] {3}, new long[] {2, 3}), TrainingOptions.builder().dataType(DataType.DOUBLE).build());
        INDArray pa = Nd4j.create(new double[][] {{0.2, 0.5, 0.3}, {0.6, 0.3, 0.1}});
        INDArray pb = Nd4j.create(new double[] {0.1, 0.2, 0.7, 0.3, 0.3, 0.4, 0.5, 0.25, 0.25, 0.1, 0.8, 0.1},
                new long[] {2, 2, 3});
        // a: classes 1 and 0, given as [batch, 1]; b: [batch, 2] class indices.
        INDArray ta = Nd4j.create(new double[][] {{1}, {0}});
        INDArray tb = Nd4j.create(new double[][] {{2, 0}, {0, 1}});
        Losses r = trainer.evaluate(new INDArray[] {pa, pb}, new INDArray[] {ta, tb});
        double la = (-Math.log(0.5) - Math.log(0.6)) / 2;
        double lb = ((-Math.log(0.7) - Math.log(0.3)) / 2 + (-Math.log(0.5) - Math.log(0.8)) / 2) / 2;
        assertEquals(la, r.branchLoss(0), 1e-12);
        assertEquals(lb, r.branchLoss(1), 1e-12);
        assertEquals(0.25 * la + 0.75 * lb, r.total(), 1e-12);
    }

    private static void check(Loss loss, long[] shapeA, long[] shapeB, DataType type, boolean extremes,
                              double tolerance) {
        Random random = new Random(1234 + loss.ordinal());
        Trainer trainer = Trainer.create(TestModels.identity(loss, shapeA, shapeB),
                TrainingOptions.builder().dataType(type).build());
        Case a = new Case(loss, shapeA, random, extremes);
        Case b = new Case(loss, shapeB, random, extremes);
        Losses r = trainer.evaluate(new INDArray[] {a.prediction(type), b.prediction(type)},
                new INDArray[] {a.target(type), b.target(type)});
        double la = a.handLoss();
        double lb = b.handLoss();
        assertEquals(la, r.branchLoss(0), tolerance * Math.max(1, Math.abs(la)), loss + " branch a");
        assertEquals(lb, r.branchLoss(1), tolerance * Math.max(1, Math.abs(lb)), loss + " branch b");
        double total = 0.25 * la + 0.75 * lb;
        assertEquals(total, r.total(), tolerance * Math.max(1, Math.abs(total)), loss + " total");
    }

    /** One branch's predictions and targets as plain doubles, [example][flat index], and the hand-made loss. */
    private static final class Case {
        final Loss loss;
        final long[] shape;
        final int classes;
        final int positions;
        final double[][] p;
        final double[][] t;

        Case(Loss loss, long[] shape, Random random, boolean extremes) {
            this.loss = loss;
            this.shape = shape;
            this.classes = (int) shape[shape.length - 1];
            int size = 1;
            for (long d : shape) {
                size *= (int) d;
            }
            this.positions = size / classes;
            p = new double[BATCH][size];
            boolean sparse = loss == Loss.SPARSE_CATEGORICAL_CROSSENTROPY;
            t = new double[BATCH][sparse ? positions : size];
            for (int e = 0; e < BATCH; e++) {
                switch (loss) {
                    case BINARY_CROSSENTROPY -> {
                        for (int i = 0; i < size; i++) {
                            p[e][i] = 0.02 + 0.96 * random.nextDouble();
                            t[e][i] = i % 3 == 2 ? random.nextDouble() : random.nextInt(2);
                        }
                        if (extremes) {
                            // Exact 0 and 1, and values inside the clip band, on both target values.
                            double[] edge = {0.0, 1.0, 1e-9, 1 - 1e-9};
                            p[e][e % size] = edge[e % edge.length];
                            p[e][(e + 1) % size] = edge[(e + 1) % edge.length];
                        }
                    }
                    case CATEGORICAL_CROSSENTROPY, SPARSE_CATEGORICAL_CROSSENTROPY -> {
                        for (int pos = 0; pos < positions; pos++) {
                            double sum = 0;
                            for (int c = 0; c < classes; c++) {
                                p[e][pos * classes + c] = 0.05 + random.nextDouble();
                                sum += p[e][pos * classes + c];
                            }
                            for (int c = 0; c < classes; c++) {
                                p[e][pos * classes + c] /= sum;
                            }
                            int k = random.nextInt(classes);
                            if (extremes && pos == 0 && e == 0) {
                                // A one-hot prediction that is certain and wrong: log of the clipped 0.
                                for (int c = 0; c < classes; c++) {
                                    p[e][c] = c == (k + 1) % classes ? 1.0 : 0.0;
                                }
                            }
                            if (sparse) {
                                t[e][pos] = k;
                            } else {
                                t[e][pos * classes + k] = 1;
                            }
                        }
                    }
                    default -> {
                        for (int i = 0; i < size; i++) {
                            p[e][i] = random.nextGaussian();
                            // Keep |p - t| away from 0 (MAE's kink) but on both sides of the Huber threshold.
                            double diff = (0.05 + 1.5 * random.nextDouble()) * (random.nextBoolean() ? 1 : -1);
                            t[e][i] = p[e][i] - diff;
                        }
                    }
                }
            }
        }

        INDArray prediction(DataType type) {
            return array(p, shape, type);
        }

        INDArray target(DataType type) {
            if (loss == Loss.SPARSE_CATEGORICAL_CROSSENTROPY) {
                long[] targetShape = java.util.Arrays.copyOf(shape, shape.length - 1);
                return array(t, targetShape, type);
            }
            return array(t, shape, type);
        }

        private static INDArray array(double[][] values, long[] exampleShape, DataType type) {
            long[] full = new long[exampleShape.length + 1];
            full[0] = values.length;
            System.arraycopy(exampleShape, 0, full, 1, exampleShape.length);
            double[] flat = new double[values.length * values[0].length];
            for (int e = 0; e < values.length; e++) {
                System.arraycopy(values[e], 0, flat, e * values[e].length, values[e].length);
            }
            return Nd4j.create(flat, full, DataType.DOUBLE).castTo(type);
        }

        double handLoss() {
            double batchSum = 0;
            for (int e = 0; e < BATCH; e++) {
                batchSum += exampleLoss(p[e], t[e]);
            }
            return batchSum / BATCH;
        }

        private double exampleLoss(double[] pe, double[] te) {
            double sum = 0;
            switch (loss) {
                case BINARY_CROSSENTROPY -> {
                    for (int i = 0; i < pe.length; i++) {
                        double q = clip(pe[i]);
                        sum += -(te[i] * Math.log(q) + (1 - te[i]) * Math.log(1 - q));
                    }
                    return sum / pe.length;
                }
                case CATEGORICAL_CROSSENTROPY -> {
                    for (int pos = 0; pos < positions; pos++) {
                        for (int c = 0; c < classes; c++) {
                            sum += -te[pos * classes + c] * Math.log(clip(pe[pos * classes + c]));
                        }
                    }
                    return sum / positions;
                }
                case SPARSE_CATEGORICAL_CROSSENTROPY -> {
                    for (int pos = 0; pos < positions; pos++) {
                        sum += -Math.log(clip(pe[pos * classes + (int) te[pos]]));
                    }
                    return sum / positions;
                }
                case MEAN_SQUARED_ERROR -> {
                    for (int i = 0; i < pe.length; i++) {
                        sum += (pe[i] - te[i]) * (pe[i] - te[i]);
                    }
                    return sum / pe.length;
                }
                case MEAN_ABSOLUTE_ERROR -> {
                    for (int i = 0; i < pe.length; i++) {
                        sum += Math.abs(pe[i] - te[i]);
                    }
                    return sum / pe.length;
                }
                case HUBER -> {
                    double d = TestModels.HUBER_DELTA;
                    for (int i = 0; i < pe.length; i++) {
                        double x = Math.abs(pe[i] - te[i]);
                        sum += x <= d ? 0.5 * x * x : d * x - 0.5 * d * d;
                    }
                    return sum / pe.length;
                }
                default -> throw new AssertionError(loss);
            }
        }

        private static double clip(double q) {
            return Math.min(1 - EPS, Math.max(EPS, q));
        }
    }
}

package io.github.branchwise.runtime;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The initialisers of the sequence layers that {@code Layers} does not have, Keras' defaults, each drawn from the
 * parameter's own stream ({@link Layers#streamSeed}) so that values depend on the model seed and the name alone.
 */
final class SequenceInit {
    private SequenceInit() {
    }

    /** Keras' {@code RandomUniform(-limit, limit)} (an Embedding's default with limit 0.05). */
    static INDArray uniform(long seed, String name, double limit, DataType type, long... shape) {
        SplittableRandom random = new SplittableRandom(Layers.streamSeed(seed, name));
        double[] values = new double[Math.toIntExact(count(shape))];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextDouble(-limit, limit);
        }
        return Nd4j.createFromArray(values).reshape(shape).castTo(type);
    }

    /**
     * Keras' {@code Orthogonal()} for a {@code [rows, cols]} matrix (a recurrent kernel {@code [units, g·units]}):
     * a standard normal matrix of the taller orientation, its Q factor with the signs that make R's diagonal
     * positive, transposed back when {@code rows < cols}; so the rows (or the columns) are orthonormal.
     */
    static INDArray orthogonal(long seed, String name, DataType type, int rows, int cols) {
        SplittableRandom random = new SplittableRandom(Layers.streamSeed(seed, name));
        int tall = Math.max(rows, cols);
        int wide = Math.min(rows, cols);
        // a[i][j], tall x wide, columns orthonormalised in place by modified Gram-Schmidt: the Q of a QR whose R has a
        // positive diagonal, which is what Keras' q * sign(diag(r)) normalises numpy's QR to.
        double[][] a = new double[wide][tall];
        for (int i = 0; i < tall; i++) {
            for (int j = 0; j < wide; j++) {
                a[j][i] = gaussian(random);
            }
        }
        for (int j = 0; j < wide; j++) {
            for (int k = 0; k < j; k++) {
                double dot = 0;
                for (int i = 0; i < tall; i++) {
                    dot += a[k][i] * a[j][i];
                }
                for (int i = 0; i < tall; i++) {
                    a[j][i] -= dot * a[k][i];
                }
            }
            double norm = 0;
            for (int i = 0; i < tall; i++) {
                norm += a[j][i] * a[j][i];
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < tall; i++) {
                a[j][i] /= norm;
            }
        }
        double[] values = new double[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                // q is tall x wide with q[i][j] = a[j][i]; a wide matrix is its transpose.
                values[r * cols + c] = rows >= cols ? a[c][r] : a[r][c];
            }
        }
        return Nd4j.createFromArray(values).reshape(rows, cols).castTo(type);
    }

    private static double gaussian(SplittableRandom random) {
        // Box-Muller: SplittableRandom has no nextGaussian before Java 17's RandomGenerator default, which draws a
        // different number of values per call on different JDKs; this draws exactly two.
        double u = 1.0 - random.nextDouble();
        double v = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    private static long count(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }
}

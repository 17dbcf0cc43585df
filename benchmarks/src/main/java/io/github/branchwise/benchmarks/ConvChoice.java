package io.github.branchwise.benchmarks;

import io.github.branchwise.runtime.Padding;
import java.util.Arrays;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Side by side in one process, alternating, median µs: the hand-written convolutions of {@link HandWritten} as
 * im2col + GEMM (IM2COL), libnd4j's {@code conv2d} forward with an im2col backward (HYBRID), and libnd4j's
 * {@code conv2d}/{@code conv2d_bp} (LIBND4J), forward and backward without input gradient; and
 * the small pieces of its step: a bias gradient as {@code sum(db, 0)} against a ones-GEMM, an SGD update as BLAS
 * {@code axpy} against the Java pass. What {@link HandWritten} uses was chosen from these numbers.
 *
 * <pre>
 * OMP_NUM_THREADS=1 java -cp benchmarks/target/classes:$(cat benchmarks/target/classpath.txt) \
 *     io.github.branchwise.benchmarks.ConvChoice [rounds]
 * </pre>
 */
public final class ConvChoice {
    private ConvChoice() {
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        conv("seed_1024 conv 3x3 VALID [1024,5,5,2] -> 1", new long[] {1024, 5, 5, 2}, 1, Padding.VALID, rounds);
        conv("seed_7 conv 3x3 VALID [7,5,5,2] -> 1", new long[] {7, 5, 5, 2}, 1, Padding.VALID, rounds);
        conv("cnn first conv 3x3 SAME [64,32,32,3] -> 32", new long[] {64, 32, 32, 3}, 32, Padding.SAME,
                Math.max(10, rounds / 10));
        if (args.length > 1 && args[1].equals("conv")) {
            return;
        }
        bias("bias gradient [1024*9, 1]", 1024 * 9, 1, rounds);
        bias("bias gradient [256, 512]", 256, 512, rounds);
        bias("bias gradient [256, 10]", 256, 10, rounds);
        bias("bias gradient [64*1024, 32]", 64 * 1024, 32, Math.max(10, rounds / 10));
        update("update 18 values", 18, rounds);
        update("update 2 560 values", 2560, rounds);
        update("update 65 536 values", 65536, rounds);
        update("update 131 072 values", 131072, rounds);
        update("update 401 408 values", 401408, rounds);
    }

    private static INDArray random(Random r, long... shape) {
        INDArray a = Nd4j.create(DataType.FLOAT, shape);
        float[] v = new float[(int) a.length()];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextFloat() - 0.5f;
        }
        return Nd4j.createFromArray(v).reshape(shape);
    }

    private static void conv(String what, long[] in, int filters, Padding padding, int rounds) {
        Random r = new Random(1);
        INDArray x = random(r, in);
        INDArray w = random(r, 3, 3, in[3], filters);
        INDArray b = random(r, filters);
        HandWritten.Conv[] convs = new HandWritten.Conv[3];
        HandWritten.ConvMode[] modes = HandWritten.ConvMode.values();
        for (int m = 0; m < modes.length; m++) {
            convs[m] = new HandWritten.Conv(w, b, in, 3, padding, false, modes[m]);
        }
        INDArray dOut = random(r, convs[0].out.shape());
        long[][] t = new long[6][rounds];
        for (int i = -rounds / 5; i < rounds; i++) {
            for (int m = 0; m < modes.length; m++) {
                long t0 = System.nanoTime();
                convs[m].forward(x);
                long t1 = System.nanoTime();
                convs[m].backward(dOut);
                long t2 = System.nanoTime();
                if (i >= 0) {
                    t[2 * m][i] = t1 - t0;
                    t[2 * m + 1][i] = t2 - t1;
                }
            }
        }
        HandWritten.Conv reference = convs[2];
        StringBuilder line = new StringBuilder(String.format("%-46s", what));
        for (int m = 0; m < modes.length; m++) {
            double dw = convs[m].dw.sub(reference.dw).amaxNumber().doubleValue() / reference.dw.amaxNumber().doubleValue();
            double out = convs[m].out.sub(reference.out).amaxNumber().doubleValue()
                    / reference.out.amaxNumber().doubleValue();
            line.append(String.format(" | %s fwd %7.1f + bwd %7.1f = %7.1f µs (out %.0e, dW %.0e)", modes[m],
                    median(t[2 * m]), median(t[2 * m + 1]), median(t[2 * m]) + median(t[2 * m + 1]), out, dw));
        }
        System.out.println(line);
    }

    private static void bias(String what, int rows, int n, int rounds) {
        Random r = new Random(2);
        INDArray g = random(r, rows, n);
        INDArray db = Nd4j.create(DataType.FLOAT, n);
        INDArray row = db.reshape(1, n);
        INDArray ones = Nd4j.ones(DataType.FLOAT, 1, rows);
        long[][] t = new long[2][rounds];
        for (int i = -rounds / 5; i < rounds; i++) {
            long t0 = System.nanoTime();
            g.sum(db, 0);
            long t1 = System.nanoTime();
            HandWritten.columnSums(ones, g, row);
            long t2 = System.nanoTime();
            if (i >= 0) {
                t[0][i] = t1 - t0;
                t[1][i] = t2 - t1;
            }
        }
        System.out.printf("%-48s sum(db, 0) %8.1f µs, ones-GEMM %8.1f µs%n", what, median(t[0]), median(t[1]));
    }

    private static void update(String what, int n, int rounds) {
        Random r = new Random(3);
        INDArray w = random(r, n);
        INDArray g = random(r, n);
        long[][] t = new long[2][rounds];
        for (int i = -rounds / 5; i < rounds; i++) {
            long t0 = System.nanoTime();
            Nd4j.getBlasWrapper().level1().axpy(n, -1e-6, g, w);
            long t1 = System.nanoTime();
            javaSgd(1e-6, w, g);
            long t2 = System.nanoTime();
            if (i >= 0) {
                t[0][i] = t1 - t0;
                t[1][i] = t2 - t1;
            }
        }
        System.out.printf("%-48s axpy %8.1f µs, Java pass %8.1f µs%n", what, median(t[0]), median(t[1]));
    }

    private static void javaSgd(double lr, INDArray parameter, INDArray gradient) {
        java.nio.FloatBuffer w = HandWritten.floats(parameter);
        java.nio.FloatBuffer g = HandWritten.floats(gradient);
        float rate = (float) lr;
        int n = (int) parameter.length();
        for (int i = 0; i < n; i++) {
            w.put(i, w.get(i) - g.get(i) * rate);
        }
    }

    private static double median(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2] / 1e3;
    }
}

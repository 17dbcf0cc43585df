package io.github.branchwise.runtime.engine;

import java.util.Arrays;
import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The forward of one NHWC convolution alone: libnd4j's {@code conv2d} against Java {@link Im2col} + one GEMM
 * ({@code patches · W}) + the bias add, the two ways a prediction plan can run the first convolution. Medians of
 * {@code reps} runs per case, both ways interleaved in one JVM.
 *
 * <p>A runnable main in the runtime's test sources, next to the tests, for package-private access to the engine; see
 * docs/performance.md ("Probes") for how to run it:
 *
 * <pre>OMP_NUM_THREADS=1 java \
 *     -cp "runtime/target/test-classes:runtime/target/classes:$(cat runtime/target/probe-classpath.txt)" \
 *     io.github.branchwise.runtime.engine.ConvForwardProbe [reps] [case]</pre>
 */
public final class ConvForwardProbe {
    private ConvForwardProbe() {
    }

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        int only = args.length > 1 ? Integer.parseInt(args[1]) : -1;
        // name, n, h, w, c, k, filters, same
        Object[][] cases = {
            {"seed n=7", 7, 5, 5, 2, 3, 1, false},
            {"seed n=1024", 1024, 5, 5, 2, 3, 1, false},
            {"cnn conv1 n=64", 64, 32, 32, 3, 3, 32, true},
            {"cnn conv2 n=64", 64, 16, 16, 32, 3, 64, true},
        };
        for (int i = 0; i < cases.length; i++) {
            Object[] c = cases[i];
            if (only >= 0 && i != only) {
                continue;
            }
            run((String) c[0], (int) c[1], (int) c[2], (int) c[3], (int) c[4], (int) c[5], (int) c[6],
                    (boolean) c[7], reps);
        }
    }

    private static void run(String name, int n, int h, int w, int c, int k, int filters, boolean same, int reps) {
        DataType type = DataType.FLOAT;
        INDArray x = Nd4j.rand(type, n, h, w, c);
        INDArray kernel = Nd4j.rand(type, k, k, c, filters);
        INDArray bias = Nd4j.rand(type, filters);
        int oH = same ? h : h - k + 1;
        int oW = same ? w : w - k + 1;
        INDArray expected = Nd4j.create(type, n, oH, oW, filters);
        DynamicCustomOp conv = DynamicCustomOp.builder("conv2d").addInputs(x, kernel, bias).addOutputs(expected)
                .addIntegerArguments(k, k, 1, 1, 0, 0, 1, 1, same ? 1 : 0, 1, 0).build();
        OpContext convCtx = Nd4j.getExecutioner().buildContext();
        convCtx.setArgs(new INDArray[] {x, kernel, bias}, conv.iArgs(), conv.dArgs(), conv.tArgs(), conv.bArgs());
        convCtx.setOutputArray(0, expected);
        int pad = same ? Math.max(0, ((oH - 1) + k - h) / 2) : 0;
        Im2col im2col = new Im2col(n, h, w, c, k, k, 1, 1, pad, pad, 1, 1, oH, oW);
        INDArray cols = Nd4j.create(type, im2col.rows(), im2col.columns());
        INDArray out = Nd4j.create(type, n, oH, oW, filters);
        INDArray out2 = out.reshape(im2col.rows(), filters);
        INDArray w2 = kernel.reshape(im2col.columns(), filters);
        Mmul gemm = new Mmul(cols, w2, out2, MMulTranspose.builder().build());
        OpContext gemmCtx = Nd4j.getExecutioner().buildContext();
        gemmCtx.setArgs(new INDArray[] {cols, w2}, gemm.iArgs(), gemm.dArgs(), gemm.tArgs(), gemm.bArgs());
        gemmCtx.setOutputArray(0, out2);
        DynamicCustomOp add = DynamicCustomOp.builder("add").addInputs(out2, bias).addOutputs(out2).build();
        OpContext addCtx = Nd4j.getExecutioner().buildContext();
        addCtx.setArgs(new INDArray[] {out2, bias}, add.iArgs(), add.dArgs(), add.tArgs(), add.bArgs());
        addCtx.setOutputArray(0, out2);
        long[] tConv = new long[reps];
        long[] tCols = new long[reps];
        long[] tGemm = new long[reps];
        long[] tAdd = new long[reps];
        for (int warm = 0; warm < 2; warm++) {
            for (int r = 0; r < reps; r++) {
                long t0 = System.nanoTime();
                Nd4j.exec(conv, convCtx);
                long t1 = System.nanoTime();
                im2col.apply(x, cols);
                long t2 = System.nanoTime();
                Nd4j.exec(gemm, gemmCtx);
                long t3 = System.nanoTime();
                Nd4j.exec(add, addCtx);
                long t4 = System.nanoTime();
                tConv[r] = t1 - t0;
                tCols[r] = t2 - t1;
                tGemm[r] = t3 - t2;
                tAdd[r] = t4 - t3;
            }
        }
        double diff = expected.sub(out).amaxNumber().doubleValue() / expected.amaxNumber().doubleValue();
        System.out.printf("%-16s conv2d %8.1f µs | im2col %8.1f + gemm %8.1f + add %6.1f = %8.1f µs | ratio %.2f"
                        + " (rel diff %.1e)%n", name, med(tConv), med(tCols), med(tGemm), med(tAdd),
                med(tCols) + med(tGemm) + med(tAdd), (med(tCols) + med(tGemm) + med(tAdd)) / med(tConv), diff);
    }

    private static double med(long[] t) {
        long[] s = t.clone();
        Arrays.sort(s);
        return s[s.length / 2] / 1e3;
    }
}

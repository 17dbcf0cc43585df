package io.github.branchwise.benchmarks;

import java.util.Arrays;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.factory.Nd4j;

/**
 * GFLOP/s of the mlp workload's five large matrix products (forward 784→512 and 512→256, the two weight gradients,
 * one input gradient) through the three routes a step can take: libnd4j's {@code matmul} op with platform helpers
 * allowed (oneDNN in the oneDNN builds), the same op with helpers refused (libnd4j's own path to OpenBLAS), and
 * {@code Nd4j.gemm} straight into OpenBLAS. Every output is preallocated, as in the compiled plan. Prints one
 * Markdown row per product; {@code benchmarks/compare-builds.sh} runs it under each native build.
 *
 * <pre>java -cp ... io.github.branchwise.benchmarks.GemmThroughput [runs]</pre>
 */
public final class GemmThroughput {
    private GemmThroughput() {
    }

    /** {m, k, n, transpose a, transpose b} of each product of the mlp step at batch 256. */
    private static final long[][] PRODUCTS = {{256, 784, 512, 0, 0}, {784, 256, 512, 1, 0}, {256, 512, 256, 0, 0},
        {512, 256, 256, 1, 0}, {256, 256, 512, 0, 1}};

    public static void main(String[] args) {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        Nd4j.create(1);
        System.out.println("| product m×k×n | matmul op, helpers | matmul op, no helpers | Nd4j.gemm |");
        System.out.println("|---|---|---|---|");
        for (long[] p : PRODUCTS) {
            long m = p[0];
            long k = p[1];
            long n = p[2];
            boolean ta = p[3] == 1;
            boolean tb = p[4] == 1;
            INDArray a = ta ? Nd4j.rand(DataType.FLOAT, k, m) : Nd4j.rand(DataType.FLOAT, m, k);
            INDArray b = tb ? Nd4j.rand(DataType.FLOAT, n, k) : Nd4j.rand(DataType.FLOAT, k, n);
            INDArray c = Nd4j.create(DataType.FLOAT, m, n);
            double mflop = 2.0 * m * k * n / 1e6;
            double withHelpers = mflop / median(matmul(a, b, c, ta, tb, true), runs);
            double withoutHelpers = mflop / median(matmul(a, b, c, ta, tb, false), runs);
            double gemm = mflop / median(() -> Nd4j.gemm(a, b, c, ta, tb, 1.0, 0.0), runs);
            System.out.printf(Locale.ROOT, "| %d×%d×%d%s | %.0f | %.0f | %.0f |%n", m, k, n,
                    ta ? " (aᵀ)" : tb ? " (bᵀ)" : "", withHelpers, withoutHelpers, gemm);
        }
    }

    private static Runnable matmul(INDArray a, INDArray b, INDArray c, boolean ta, boolean tb, boolean helpers) {
        DynamicCustomOp op = DynamicCustomOp.builder("matmul").addInputs(a, b).addOutputs(c)
                .addIntegerArguments(ta ? 1 : 0, tb ? 1 : 0).build();
        OpContext ctx = Nd4j.getExecutioner().buildContext();
        ctx.setInputArrays(a, b);
        ctx.setOutputArrays(c);
        ctx.setIArguments(ta ? 1 : 0, tb ? 1 : 0, 0);
        ctx.allowHelpers(helpers);
        return () -> Nd4j.exec(op, ctx);
    }

    /** Median milliseconds of {@code runs} timed calls after five untimed ones. */
    private static double median(Runnable call, int runs) {
        for (int i = 0; i < 5; i++) {
            call.run();
        }
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            call.run();
            ms[i] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(ms);
        return ms[runs / 2];
    }
}

package io.github.branchwise.runtime.engine;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Log;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The logs of the fused binary cross-entropy's forward, 9,216 and 18,432 FLOAT values (the seed model's localisation
 * output at batch 1024, one or two logs a value): Java's {@code Math.log} per value against libnd4j's {@code log}
 * through one op context on a preallocated buffer, plus the bulk copies in and out. Medians, interleaved.
 *
 * <p>A runnable main in the runtime's test sources, next to the tests, for package-private access to the engine; see
 * docs/performance.md ("Probes") for how to run it:
 *
 * <pre>OMP_NUM_THREADS=1 java \
 *     -cp "runtime/target/test-classes:runtime/target/classes:$(cat runtime/target/probe-classpath.txt)" \
 *     io.github.branchwise.runtime.engine.LogProbe [reps]</pre>
 */
public final class LogProbe {
    private LogProbe() {
    }

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        for (int n : new int[] {9216, 18432}) {
            float[] values = new float[n];
            java.util.Random random = new java.util.Random(1);
            for (int i = 0; i < n; i++) {
                values[i] = 1e-7f + random.nextFloat() * 0.999f;
            }
            double[] out = new double[n];
            INDArray buffer = Nd4j.create(DataType.FLOAT, n);
            Log log = new Log(buffer, buffer);
            OpContext ctx = Nd4j.getExecutioner().buildContext();
            ctx.setInputArray(0, buffer);
            ctx.setOutputArray(0, buffer);
            FloatBuffer fb = buffer.data().pointer().asByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer();
            long[] java = new long[reps];
            long[] nativeAll = new long[reps];
            long[] nativeOp = new long[reps];
            double sink = 0;
            for (int round = 0; round < 2; round++) {
                for (int r = 0; r < reps; r++) {
                    long t0 = System.nanoTime();
                    for (int i = 0; i < n; i++) {
                        out[i] = Math.log(values[i]);
                    }
                    long t1 = System.nanoTime();
                    fb.put(0, values, 0, n);
                    long t2 = System.nanoTime();
                    Nd4j.exec(log, ctx);
                    long t3 = System.nanoTime();
                    fb.get(0, values, 0, n);
                    fb.put(0, values, 0, n);
                    long t4 = System.nanoTime();
                    sink += out[r % n];
                    java[r] = t1 - t0;
                    nativeOp[r] = t3 - t2;
                    nativeAll[r] = (t4 - t3) / 2 + (t2 - t1) + (t3 - t2);
                    // restore the arguments (the op logged them in place)
                    for (int i = 0; i < n; i++) {
                        values[i] = 1e-7f + (float) ((i * 0.6180339887) % 0.999);
                    }
                }
            }
            System.out.printf("%6d logs: Math.log %7.1f µs | libnd4j log %7.1f µs (op alone %7.1f) %s%n", n,
                    med(java), med(nativeAll), med(nativeOp), sink == 42 ? "" : "");
        }
    }

    private static double med(long[] t) {
        long[] s = t.clone();
        Arrays.sort(s);
        return s[s.length / 2] / 1e3;
    }
}

package io.github.branchwise.runtime.engine;

import io.github.branchwise.runtime.internal.WeightingSpec;
import java.util.Arrays;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The seed model's fused BCE steps alone ([1024, 3, 3, 1] FLOAT, binary targets): the forward with libnd4j's log
 * and with Java's, the backward, medians of interleaved runs. The test models' detector has the seed model's
 * localisation head ({@code [3, 3, 1]}, sigmoid, binary cross-entropy).
 *
 * <p>A runnable main in the runtime's test sources, next to the tests, for package-private access to the engine; see
 * docs/performance.md ("Probes") for how to run it:
 *
 * <pre>OMP_NUM_THREADS=1 java \
 *     -cp "runtime/target/test-classes:runtime/target/classes:$(cat runtime/target/probe-classpath.txt)" \
 *     io.github.branchwise.runtime.engine.FusedLossProbe [reps]</pre>
 */
public final class FusedLossProbe {
    private FusedLossProbe() {
    }

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        Network network = NetworkBuilder.build(TestModels.detector(WeightingSpec.fixed(0.3, 0.7)), 1, DataType.FLOAT);
        Map<String, LossFusion> fusions = LossFusion.find(network, network.sameDiff().getFunction("grad"));
        LossFusion fusion = fusions.values().stream().filter(f -> !f.fits(f.perExample, 2000)).findFirst()
                .orElseThrow();
        INDArray p = Nd4j.rand(DataType.FLOAT, 1024, 3, 3, 1);
        INDArray y = Transforms.round(Nd4j.rand(DataType.FLOAT, 1024, 3, 3, 1));
        INDArray out1 = Nd4j.create(DataType.FLOAT, 1024);
        INDArray out2 = Nd4j.create(DataType.FLOAT, 1024);
        INDArray g = Nd4j.rand(DataType.FLOAT, 1024);
        INDArray dz = p.like();
        Runnable nativeLog = fusion.kernels.forwardStep(p, () -> y, out1);
        PlanSwitch.disable(PlanSwitch.NATIVE_LOG);
        Runnable javaLog = fusion.kernels.forwardStep(p, () -> y, out2);
        PlanSwitch.disable();
        // The backward from the per-example losses' gradient g ([batch]), not from a folded branch-loss mean.
        Runnable backward = fusion.kernels.backwardStep(p, () -> y, g, dz, false);
        long[] a = new long[reps];
        long[] b = new long[reps];
        long[] c = new long[reps];
        for (int round = 0; round < 3; round++) {
            for (int r = 0; r < reps; r++) {
                long t0 = System.nanoTime();
                nativeLog.run();
                long t1 = System.nanoTime();
                javaLog.run();
                long t2 = System.nanoTime();
                backward.run();
                long t3 = System.nanoTime();
                a[r] = t1 - t0;
                b[r] = t2 - t1;
                c[r] = t3 - t2;
            }
        }
        System.out.printf("fused BCE [1024,3,3,1]: forward native log %.1f µs, Java log %.1f µs, backward %.1f µs"
                + " (forwards differ by %.1e)%n", med(a), med(b), med(c), out1.sub(out2).amaxNumber().doubleValue());
    }

    private static double med(long[] t) {
        long[] s = t.clone();
        Arrays.sort(s);
        return s[s.length / 2] / 1e3;
    }
}

package io.github.branchwise.benchmarks;

import io.github.branchwise.annotations.Weighting;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.engine.PlanSwitch;
import io.github.branchwise.runtime.internal.Predictor;
import io.github.branchwise.runtime.training.Trainer;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * A plan rewrite against itself switched off, interleaved in one JVM: two trainers of the same workload, one
 * planned with the rewrites named on the command line switched off ({@link PlanSwitch#disable}, which plans read
 * when they are built; names as in {@code -Dbranchwise.plan.disable}), then steps (or predictions) alternating between the two and the median of each. On a
 * shared, noisy machine the load hits both sides alike, unlike separate JMH forks run one after the other.
 * {@link PlanSwitch} is the one class of the runtime's hidden engine package this module uses: a deliberate seam,
 * public there for this purpose (the benchmarks run on the class path).
 *
 * <pre>OMP_NUM_THREADS=1 java -cp benchmarks/target/classes:$(cat benchmarks/target/classpath.txt) \
 *     io.github.branchwise.benchmarks.InterleavedAB SEED_1024 FIXED native_log+fused_mean [train|predict] [n]</pre>
 */
public final class InterleavedAB {
    private InterleavedAB() {
    }

    public static void main(String[] args) {
        Workloads.Workload workload = Workloads.Workload.valueOf(args[0]);
        Weighting weighting = Weighting.valueOf(args[1]);
        PlanSwitch[] off = PlanSwitch.parse(args[2]).toArray(new PlanSwitch[0]);
        boolean predict = args.length > 3 && args[3].equals("predict");
        int n = args.length > 4 ? Integer.parseInt(args[4]) : 1000;
        INDArray[][] data = workload.data(1);
        PlanSwitch.disable(off);
        Trainer without = trainer(workload, weighting);
        Predictor withoutPredictor = without.predictor();
        Runnable b = predict ? () -> withoutPredictor.predict(data[0]) : () -> without.fit(data[0], data[1]);
        b.run();
        PlanSwitch.disable();
        Trainer with = trainer(workload, weighting);
        Predictor withPredictor = with.predictor();
        Runnable a = predict ? () -> withPredictor.predict(data[0]) : () -> with.fit(data[0], data[1]);
        a.run();
        long[] ta = new long[n];
        long[] tb = new long[n];
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                a.run();
                long t1 = System.nanoTime();
                b.run();
                long t2 = System.nanoTime();
                ta[i] = t1 - t0;
                tb[i] = t2 - t1;
            }
        }
        double ma = median(ta);
        double mb = median(tb);
        System.out.printf("%s %s %s: with %.3f ms, without (%s) %.3f ms, with/without %.2f (medians of %d, "
                        + "interleaved; quartiles %.3f-%.3f vs %.3f-%.3f)%n", workload, weighting,
                predict ? "predict" : "train", ma, args[2], mb, ma / mb, n, q(ta, 1), q(ta, 3), q(tb, 1), q(tb, 3));
    }

    private static Trainer trainer(Workloads.Workload workload, Weighting weighting) {
        return Trainer.create(workload.spec(weighting),
                TrainingOptions.builder().seed(1).updater(new Sgd(0.01)).build());
    }

    private static double median(long[] t) {
        return q(t, 2);
    }

    private static double q(long[] t, int quartile) {
        long[] s = t.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, s.length * quartile / 4)] / 1e6;
    }
}

package io.github.branchwise.runtime;

import io.github.branchwise.runtime.engine.Trainer;
import java.util.Locale;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The number of threads ND4J's native kernels use (OpenMP and BLAS), for the whole process.
 *
 * <p>Measured on 2 cores (docs/performance.md): one thread is fastest for small models — the seed model ran up to
 * 1.7x slower with two, because a second OpenMP thread fights the JVM — and all cores pay off only when a step is
 * dominated by convolutions or matrix products of roughly 50 MFLOP or more (the cnn workload ran ≈ 20 % faster with
 * two). Setting {@code OMP_NUM_THREADS} before the JVM starts does the same; this class changes it at run time.
 * {@code Nd4j.getEnvironment().setMaxThreads} alone changes nothing measurable, so both the OpenMP pool and the BLAS
 * library are set here.
 *
 * <p>The setting is process-wide: it applies to every model in the JVM. {@link #choose} picks it for one model by
 * measuring that model's own step with one thread and with every core.
 */
public final class NativeThreads {
    private static final Logger LOG = LoggerFactory.getLogger(NativeThreads.class);

    private NativeThreads() {
    }

    /**
     * Sets the native thread count for every model in this process.
     *
     * @throws IllegalArgumentException unless {@code threads} is positive
     */
    public static synchronized void set(int threads) {
        if (threads <= 0) {
            throw new IllegalArgumentException("the thread count must be positive, got " + threads);
        }
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(threads);
        Nd4j.factory().blas().setMaxThreads(threads);
    }

    /**
     * Times {@code trainer}'s last training step ({@link Trainer#timeLastStep}) with one native thread and with every
     * available core, keeps the faster setting for the whole process and returns it; logs both times once at INFO.
     * Call it after a few steps, on a batch of the size training uses, and when the machine is as busy as it will be
     * during training: the choice is only as good as that measurement. The rule it replaces (docs/performance.md:
     * one thread unless convolutions or matrix products of ≳ 50 MFLOP dominate a step) held on the four benchmark
     * models, but where the break-even lies depends on the machine's cores and load, hence measuring.
     *
     * @param runs timed re-runs of the step per setting (their median is compared); 20 is plenty for steps above 1 ms
     * @return the thread count now in effect; the current one, unchanged, when the trainer has no compiled step to
     *         time (SameDiff executor, or no step yet) or the machine has one core
     * @throws IllegalArgumentException unless {@code runs} is positive
     */
    public static synchronized int choose(Trainer trainer, int runs) {
        if (runs <= 0) {
            throw new IllegalArgumentException("runs must be positive, got " + runs);
        }
        int cores = Runtime.getRuntime().availableProcessors();
        int before = current();
        if (cores == 1 || Double.isNaN(trainer.timeLastStep(1))) {
            return before;
        }
        set(1);
        double one = trainer.timeLastStep(runs);
        set(cores);
        double all = trainer.timeLastStep(runs);
        int chosen = one <= all ? 1 : cores;
        set(chosen);
        LOG.info("{}: {} ms per step with 1 native thread, {} ms with {}: using {}", trainer.spec().modelName(),
                String.format(Locale.ROOT, "%.3f", one), String.format(Locale.ROOT, "%.3f", all), cores, chosen);
        return chosen;
    }

    /** The BLAS library's current thread count. */
    public static int current() {
        return Nd4j.factory().blas().getMaxThreads();
    }
}

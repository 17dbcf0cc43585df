package io.github.branchwise.runtime;

import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * The number of threads ND4J's native kernels use (OpenMP and BLAS), for the whole process.
 *
 * <p>One thread is fastest for small models, because a second OpenMP thread fights the JVM for the cores, and all
 * cores pay off only when a step is dominated by large convolutions or matrix products (docs/performance.md,
 * "Threads"). Setting {@code OMP_NUM_THREADS} before the JVM starts does the same; this class changes it at run time.
 * {@code Nd4j.getEnvironment().setMaxThreads} alone changes nothing measurable, so both the OpenMP pool and the BLAS
 * library are set here.
 *
 * <p>The setting is process-wide: it applies to every model in the JVM. {@code Trainer.chooseNativeThreads} picks it
 * for one model by measuring that model's own step with one thread and with every core.
 */
public final class NativeThreads {
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

    /** The BLAS library's current thread count. */
    public static int current() {
        return Nd4j.factory().blas().getMaxThreads();
    }
}

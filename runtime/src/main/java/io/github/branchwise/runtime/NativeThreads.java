package io.github.branchwise.runtime;

import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * The number of threads ND4J's native kernels use (OpenMP and BLAS), for the whole process.
 *
 * <p>One thread is fastest for small models, because a second OpenMP thread fights the JVM for the cores, and all
 * cores pay off only when a step is dominated by large convolutions or matrix products (docs/performance.md,
 * "Threads"). Setting {@code OMP_NUM_THREADS} before the JVM starts does the same; this class changes it at run time:
 * OpenMP's thread count, libnd4j's master thread count (its own loops pass it to every parallel region, ignoring
 * OpenMP's setting) and the BLAS library's. libnd4j never goes above the count it started with, so a JVM started
 * with {@code OMP_NUM_THREADS=1} stays at one thread in its own loops.
 *
 * <p>The setting is process-wide: it applies to every model in the JVM. Unless the user chose a count, a fitting
 * chooses it by itself: its first steps run with one thread, which it keeps when other processes hold the spare
 * cores; otherwise the next steps alternate between one thread and every core until the medians of their times
 * decide (at once when every core is several times slower, as when another
 * process holds a core), it keeps the faster, logs one line, and tries again when a later window of steps is clearly
 * slower than the chosen setting was. {@code ThreadChoiceBenchmark} (benchmarks module) checks the result against
 * both fixed settings. The user's choice wins, in this order: the system property {@value #PROPERTY} ({@code auto}
 * or a count), {@link #set}, the environment variable {@code OMP_NUM_THREADS}.
 */
public final class NativeThreads {
    /** The system property that fixes the thread count ({@code -Dbranchwise.nativeThreads=2}) or asks for {@code auto}. */
    public static final String PROPERTY = "branchwise.nativeThreads";

    private static volatile boolean setByUser;

    private NativeThreads() {
    }

    /**
     * Whether the runtime may choose the thread count itself: the system property says {@code auto}, or nobody chose
     * (no property, no {@link #set} call, no {@code OMP_NUM_THREADS}).
     *
     * @throws IllegalArgumentException when the system property is neither {@code auto} nor a positive count
     */
    public static boolean automatic() {
        String property = System.getProperty(PROPERTY);
        if (property != null) {
            if (property.strip().equalsIgnoreCase("auto")) {
                return true;
            }
            try {
                set(Integer.parseInt(property.strip()));
                return false;
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("-D" + PROPERTY + " must be 'auto' or a positive thread count, got '"
                        + property + "'", e);
            }
        }
        return !setByUser && System.getenv("OMP_NUM_THREADS") == null;
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
        apply(threads);
        setByUser = true;
    }

    /** Sets the count as the runtime's own choice, which a later user choice overrides. */
    static synchronized void apply(int threads) {
        // Nd4j first: it loads the backend, without which NativeOpsHolder fails to initialise.
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(threads);
        Nd4j.factory().blas().setMaxThreads(threads);
    }

    /** The runtime's choice ({@code Trainer.chooseNativeThreads}): applied as {@link #set} does, not marked as the user's. */
    public static void choose(int threads) {
        if (threads <= 0) {
            throw new IllegalArgumentException("the thread count must be positive, got " + threads);
        }
        apply(threads);
    }

    /** The BLAS library's current thread count. */
    public static int current() {
        return Nd4j.factory().blas().getMaxThreads();
    }
}

package io.github.branchwise.runtime.training;

import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;

/**
 * How many cores other processes kept busy between {@link #start} and {@link #busyCores}: the system's CPU use less
 * this process's, as the JVM reads them ({@code /proc} on Linux; in a container with a CPU limit the JVM reports the
 * container's use, where other processes do not show). For {@link ThreadChoice}.
 */
final class OtherCpuUse {
    /** Shorter intervals are too coarse for the kernel's counters (10 ms ticks). */
    private static final long MIN_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private final com.sun.management.OperatingSystemMXBean os;
    private long since = -1;

    OtherCpuUse() {
        this.os = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean
                bean ? bean : null;
    }

    /** Starts an interval (the JVM measures each reading's use since the one before). */
    void start() {
        if (os != null) {
            os.getCpuLoad();
            os.getProcessCpuLoad();
            since = System.nanoTime();
        }
    }

    /** Cores other processes kept busy since {@link #start}, on average; NaN when unknown or too short to tell. */
    double busyCores(int cores) {
        if (os == null || since < 0 || System.nanoTime() - since < MIN_INTERVAL_NANOS) {
            return Double.NaN;
        }
        double system = os.getCpuLoad();
        double process = os.getProcessCpuLoad();
        since = -1;
        if (!(system >= 0 && system <= 1 && process >= 0 && process <= 1)) {
            return Double.NaN;
        }
        return Math.max(0, system - process) * cores;
    }
}

package io.github.branchwise.runtime.engine;

import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs, once per JVM, which ND4J backend, native build and thread counts the models run on. */
final class NativeBackend {
    private static final Logger LOG = LoggerFactory.getLogger(NativeBackend.class);
    private static final AtomicBoolean LOGGED = new AtomicBoolean();

    private NativeBackend() {
    }

    /** Logs the backend at INFO the first time it is called; later calls do nothing. */
    static void logOnce() {
        if (!LOGGED.compareAndSet(false, true)) {
            return;
        }
        try {
            Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
            String omp = System.getenv("OMP_NUM_THREADS");
            LOG.info("ND4J backend {} ({}), BLAS {}, {} cores, OpenMP threads {}{}, helpers (oneDNN/cuDNN) {}",
                    Nd4j.getBackend().getClass().getSimpleName(),
                    env.getProperty("backend", "?"),
                    env.getProperty("blas.vendor", "?"),
                    env.getProperty("cores", String.valueOf(Runtime.getRuntime().availableProcessors())),
                    env.getProperty("omp.threads", String.valueOf(Nd4j.getEnvironment().maxThreads())),
                    omp == null ? "" : " (OMP_NUM_THREADS=" + omp + ")",
                    Nd4j.getEnvironment().helpersAllowed() ? "allowed" : "off");
        } catch (RuntimeException e) {
            LOG.info("ND4J backend {}", Nd4j.getBackend().getClass().getSimpleName());
        }
    }
}

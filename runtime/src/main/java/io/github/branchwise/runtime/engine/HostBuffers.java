package io.github.branchwise.runtime.engine;

import org.nd4j.linalg.factory.Nd4j;

/**
 * Whether the runtime's Java passes may read and write ND4J arrays' native memory directly (the buffer's pointer as
 * a {@code ByteBuffer}): the finiteness and range scans, im2col and the fused losses.
 *
 * <p>True on the CPU backend, where an array's buffer is the host memory the kernels use. On the CUDA backend the
 * kernels work on device memory and the host copy is synchronised only by ND4J's own accessors, so a direct read
 * would see stale values and a direct write would be lost. There every plan rewrite that runs in Java is off (the
 * ops SameDiff emitted run instead) and the scans fall back to ND4J reductions. {@code -Dbranchwise.hostBuffers=false}
 * forces that path on the CPU too, to test it where no GPU is.
 */
public final class HostBuffers {
    private static volatile boolean direct = Nd4j.getEnvironment().isCPU()
            && Boolean.parseBoolean(System.getProperty("branchwise.hostBuffers", "true"));

    private HostBuffers() {
    }

    /** Whether Java may access arrays' native buffers directly (the runtime's own packages ask this). */
    public static boolean direct() {
        return direct;
    }

    /** Tests: the path a device backend takes, on the CPU. */
    static void force(boolean directAccess) {
        direct = directAccess && Nd4j.getEnvironment().isCPU();
    }
}

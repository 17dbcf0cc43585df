package io.github.branchwise.runtime.engine;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Plain SGD, {@code w ← w − lr·g}, as one BLAS {@code axpy} into the parameter instead of ND4J's {@code SgdUpdater}
 * ({@code sgd_updater}: {@code g ← g·lr}) followed by {@code w.subi(g)}: two native op calls whose setup costs more
 * than the whole {@code axpy} whatever the size (the trainer then also had to copy gradients the updater would
 * scale in place; timings in docs/performance.md, "Measurements behind the code"). OpenBLAS' AVX kernels fuse the
 * multiply and the add, so each weight is {@code w − lr·g} rounded once (the updater path rounds the product first:
 * the two can differ in the last bit); the gradient is left unchanged.
 */
public final class SgdUpdate {
    private SgdUpdate() {
    }

    /**
     * Applies {@code value ← value − lr·gradient} when both are contiguous, unshifted arrays of the same FLOAT or
     * DOUBLE type and length; returns false (nothing done) otherwise, and when {@link PlanSwitch#SGD} is off
     * ({@code -Dbranchwise.plan.disable=sgd}; benchmarks: the ND4J updater path in the same run).
     */
    public static boolean apply(INDArray value, INDArray gradient, double lr) {
        DataType type = value.dataType();
        long n = value.length();
        if (!PlanSwitch.SGD.enabled() || (type != DataType.FLOAT && type != DataType.DOUBLE)
                || gradient.dataType() != type || gradient.length() != n || n == 0
                // The BLAS wrapper passes the buffers' base addresses: a view's offset would be ignored.
                || value.offset() != 0 || gradient.offset() != 0
                || !ArrayScan.contiguous(value) || !ArrayScan.contiguous(gradient)) {
            return false;
        }
        Nd4j.getBlasWrapper().level1().axpy(n, -lr, gradient, value);
        return true;
    }
}

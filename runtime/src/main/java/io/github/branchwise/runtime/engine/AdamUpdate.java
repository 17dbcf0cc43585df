package io.github.branchwise.runtime.engine;

import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Adam as one Java pass over the parameter, its gradient and its state, in place, instead of ND4J's
 * {@code AdamUpdater} ({@code adam_updater} into the gradient, then {@code value.subi(update)}).
 *
 * <p>Why: the ND4J path costs two native op calls per parameter plus the views and reshapes around them, each of
 * which allocates shape buffers; every JavaCPP allocation reads the process's resident size from {@code /proc}
 * ({@code Pointer.physicalBytesInaccurate}, its guard against native memory growth). On the MultiMNIST LeNet (14
 * parameters, 22 K values) the optimiser took 9 % of a training step's profile samples, more than half of them in
 * that accounting, for arithmetic worth microseconds (docs/performance.md, "MultiMNIST LeNet against PyTorch").
 *
 * <p>The arithmetic is libnd4j's {@code adamUpdater_} (ND4J 1.0.0-M2.1), in the array's own precision and order of
 * operations, so that resuming a model trained by either path continues the same run: with {@code t} the
 * zero-based iteration,
 * <pre>
 * m ← β₁·m + (1 − β₁)·g,   v ← β₂·v + (1 − β₂)·g²,
 * w ← w − α_t·m / (√v + ε),   α_t = lr·√(1 − β₂^(t+1)) / (1 − β₁^(t+1))
 * </pre>
 * (ε is added to the uncorrected √v: libnd4j's convention, which differs from PyTorch's ε on the corrected one).
 * The state array is ND4J's layout: {@code m} the first half, {@code v} the second. Results equal the ND4J path's
 * up to the last bit (C++ may contract a multiply and an add into one fused instruction where Java rounds twice).
 */
public final class AdamUpdate {
    private AdamUpdate() {
    }

    /**
     * Applies one Adam step to {@code value} from {@code gradient}, updating {@code state} ({@code [1, 2n]}: m then v),
     * when all three are contiguous, unshifted host arrays of one FLOAT or DOUBLE type; returns false (nothing done)
     * otherwise, and when {@link PlanSwitch#ADAM} is off ({@code -Dbranchwise.plan.disable=adam}). The gradient is
     * left unchanged.
     *
     * @param learningRate the learning rate for this iteration (the config's schedule already applied)
     * @param iteration    the zero-based iteration number, as ND4J's updaters count
     */
    public static boolean apply(INDArray value, INDArray gradient, INDArray state, Adam config, double learningRate,
                                int iteration) {
        DataType type = value.dataType();
        long n = value.length();
        if (!PlanSwitch.ADAM.enabled() || (type != DataType.FLOAT && type != DataType.DOUBLE) || n == 0
                || gradient.dataType() != type || gradient.length() != n
                || state == null || state.dataType() != type || state.length() != 2 * n
                || value.offset() != 0 || gradient.offset() != 0 || state.offset() != 0
                || !ArrayScan.contiguous(value) || !ArrayScan.contiguous(gradient) || !ArrayScan.contiguous(state)
                || 2 * n > Integer.MAX_VALUE) {
            return false;
        }
        ByteBuffer w = ArrayScan.hostBytes(value);
        ByteBuffer g = ArrayScan.hostBytes(gradient);
        ByteBuffer s = ArrayScan.hostBytes(state);
        if (w == null || g == null || s == null) {
            return false;
        }
        int length = (int) n;
        if (type == DataType.FLOAT) {
            return floats(w.asFloatBuffer(), g.asFloatBuffer(), s.asFloatBuffer(), length, config, learningRate,
                    iteration);
        }
        return doubles(w.asDoubleBuffer(), g.asDoubleBuffer(), s.asDoubleBuffer(), length, config, learningRate,
                iteration);
    }

    private static boolean floats(FloatBuffer w, FloatBuffer g, FloatBuffer s, int n, Adam config,
                                  double learningRate, int iteration) {
        if (w.limit() < n || g.limit() < n || s.limit() < 2 * n) {
            return false;
        }
        float lr = (float) learningRate;
        float beta1 = (float) config.getBeta1();
        float beta2 = (float) config.getBeta2();
        float epsilon = (float) config.getEpsilon();
        float t = (float) iteration + 1;
        float beta1T = (float) Math.pow(beta1, t);
        float beta2T = (float) Math.pow(beta2, t);
        // libnd4j mixes precisions here: 1.0 - beta2T is a double, its square root is taken in T, and the division
        // by (1.0 - beta1T) is a double one rounded to T on assignment.
        float epsilonT = (float) (lr * (float) Math.sqrt((float) (1.0 - beta2T)) / (1.0 - beta1T));
        if (Float.isNaN(epsilonT) || epsilonT == 0 || Float.isInfinite(epsilonT)) {
            epsilonT = epsilon;
        }
        float keep1 = 1 - beta1;
        float keep2 = 1 - beta2;
        for (int i = 0; i < n; i++) {
            float grad = g.get(i);
            float m = beta1 * s.get(i) + grad * keep1;
            float v = beta2 * s.get(n + i) + grad * grad * keep2;
            s.put(i, m);
            s.put(n + i, v);
            w.put(i, w.get(i) - (m * epsilonT) / ((float) Math.sqrt(v) + epsilon));
        }
        return true;
    }

    private static boolean doubles(DoubleBuffer w, DoubleBuffer g, DoubleBuffer s, int n, Adam config,
                                   double lr, int iteration) {
        if (w.limit() < n || g.limit() < n || s.limit() < 2 * n) {
            return false;
        }
        double beta1 = config.getBeta1();
        double beta2 = config.getBeta2();
        double epsilon = config.getEpsilon();
        double t = iteration + 1.0;
        double epsilonT = lr * Math.sqrt(1.0 - Math.pow(beta2, t)) / (1.0 - Math.pow(beta1, t));
        if (Double.isNaN(epsilonT) || epsilonT == 0 || Double.isInfinite(epsilonT)) {
            epsilonT = epsilon;
        }
        double keep1 = 1 - beta1;
        double keep2 = 1 - beta2;
        for (int i = 0; i < n; i++) {
            double grad = g.get(i);
            double m = beta1 * s.get(i) + grad * keep1;
            double v = beta2 * s.get(n + i) + grad * grad * keep2;
            s.put(i, m);
            s.put(n + i, v);
            w.put(i, w.get(i) - (m * epsilonT) / (Math.sqrt(v) + epsilon));
        }
        return true;
    }
}

package io.github.branchwise.runtime.engine;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Plain SGD, {@code w ← w − lr·g}, as one Java pass over the native buffers of a small parameter instead of ND4J's
 * {@code SgdUpdater} ({@code sgd_updater}: {@code g ← g·lr}) followed by {@code w.subi(g)}: two native calls of
 * 5–100 µs each whatever the size, which dominated the updates of small models. The arithmetic is the same, in the
 * parameter's type and order (the product rounded to the type, then the difference), so the new weights are
 * bit-identical to the ND4J path; the gradient is left unchanged.
 */
final class SgdStep {
    /** Parameters up to this many values take the Java pass; larger ones the native ops (which may use threads). */
    static final long MAX_VALUES = 1L << 16;

    private SgdStep() {
    }

    /**
     * Applies {@code value ← value − lr·gradient} when both are contiguous arrays of the same FLOAT or DOUBLE type
     * and the same length, at most {@link #MAX_VALUES} values; returns false (nothing done) otherwise, and when
     * switched off with {@code -Dbranchwise.plan.disable=sgd} (benchmarks: the ND4J path in the same run).
     */
    static boolean apply(INDArray value, INDArray gradient, double lr) {
        DataType type = value.dataType();
        long n = value.length();
        if (!ExecutionPlan.enabled("sgd") || (type != DataType.FLOAT && type != DataType.DOUBLE) || gradient.dataType() != type
                || gradient.length() != n || n > MAX_VALUES || !ArrayScan.contiguous(value)
                || !ArrayScan.contiguous(gradient)) {
            return false;
        }
        ByteBuffer v = value.data().pointer().asByteBuffer();
        ByteBuffer g = gradient.data().pointer().asByteBuffer();
        if (v == null || g == null) {
            return false;
        }
        int vo = Math.toIntExact(value.offset());
        int go = Math.toIntExact(gradient.offset());
        int length = (int) n;
        if (type == DataType.FLOAT) {
            FloatBuffer vf = v.order(ByteOrder.nativeOrder()).asFloatBuffer();
            FloatBuffer gf = g.order(ByteOrder.nativeOrder()).asFloatBuffer();
            if (vf.limit() < vo + length || gf.limit() < go + length) {
                return false;
            }
            float rate = (float) lr;
            for (int i = 0; i < length; i++) {
                float update = gf.get(go + i) * rate;
                vf.put(vo + i, vf.get(vo + i) - update);
            }
        } else {
            DoubleBuffer vd = v.order(ByteOrder.nativeOrder()).asDoubleBuffer();
            DoubleBuffer gd = g.order(ByteOrder.nativeOrder()).asDoubleBuffer();
            if (vd.limit() < vo + length || gd.limit() < go + length) {
                return false;
            }
            for (int i = 0; i < length; i++) {
                double update = gd.get(go + i) * lr;
                vd.put(vo + i, vd.get(vo + i) - update);
            }
        }
        return true;
    }
}

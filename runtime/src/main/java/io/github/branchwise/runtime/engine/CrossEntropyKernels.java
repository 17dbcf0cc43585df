package io.github.branchwise.runtime.engine;

import io.github.branchwise.annotations.Loss;
import java.util.function.Supplier;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Log;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The Java steps of a fused cross-entropy ({@link LossFusion}, where the formulas are): the per-example loss, the
 * gradient of the logits, and the batch mean. Each step reads and writes the native buffers through one bulk copy
 * each way ({@link HeapCopy}) into {@code double[]} working arrays allocated once per plan; sums run in double.
 */
final class CrossEntropyKernels {
    private final Loss loss;
    private final boolean sigmoid;
    private final int exampleSize;
    private final int classes;

    /**
     * @param loss        the built-in loss
     * @param sigmoid     a sigmoid output (binary) rather than a softmax over the last axis
     * @param exampleSize the prediction's values per example
     * @param classes     the size of the last axis
     */
    CrossEntropyKernels(Loss loss, boolean sigmoid, int exampleSize, int classes) {
        this.loss = loss;
        this.sigmoid = sigmoid;
        this.exampleSize = exampleSize;
        this.classes = classes;
    }

    /**
     * The step computing the per-example losses of predictions {@code p} ({@code [batch, ...]}, contiguous) for the
     * targets that {@code target} supplies on each run into {@code out} ({@code [batch]}). Its heap copies and its
     * native log buffer are allocated here, once per plan.
     *
     * <p>The logs run as libnd4j's vectorised {@code log} over the whole block of clipped predictions (and, binary,
     * their complements), one native call into a preallocated buffer, because Java's {@code Math.log} per value made
     * this step several times slower (docs/performance.md, "Executors": the forward logs). The arguments are rounded
     * as the graph's ops round them ({@code clip}, {@code 1 − pc} in the prediction's type), so the logs are the
     * graph's own. {@link PlanSwitch#NATIVE_LOG} off: {@code Math.log} per value instead.
     */
    Runnable forwardStep(INDArray p, Supplier<INDArray> target, INDArray out) {
        int n = Math.toIntExact(p.length());
        int batch = Math.toIntExact(out.length());
        boolean single = p.dataType() == DataType.FLOAT;
        HeapCopy io = new HeapCopy(single, 2 * n);
        double[] pa = new double[n];
        double[] ya = new double[n];
        double[] oa = new double[batch];
        int logCount = sigmoid ? 2 * n : n;
        double[] la = new double[logCount];
        INDArray logs;
        Log log;
        OpContext ctx;
        // Binary targets need one log a value (log pc where t = 1, log(1 − pc) where t = 0): the first n values
        // only. Other targets need both logs of some values, appended after the first n.
        Log firstLog;
        OpContext firstCtx;
        if (PlanSwitch.NATIVE_LOG.enabled()) {
            logs = Nd4j.create(p.dataType(), logCount);
            log = new Log(logs, logs);
            ctx = Nd4j.getExecutioner().buildContext();
            ctx.setInputArray(0, logs);
            ctx.setOutputArray(0, logs);
            INDArray first = sigmoid ? logs.get(NDArrayIndex.interval(0, n)) : logs;
            firstLog = new Log(first, first);
            firstCtx = Nd4j.getExecutioner().buildContext();
            firstCtx.setInputArray(0, first);
            firstCtx.setOutputArray(0, first);
        } else {
            logs = null;
            log = null;
            ctx = null;
            firstLog = null;
            firstCtx = null;
        }
        double lo = single ? (float) BuiltinLosses.EPSILON : BuiltinLosses.EPSILON;
        double hi = single ? (float) (1 - BuiltinLosses.EPSILON) : 1 - BuiltinLosses.EPSILON;
        return () -> {
            io.read(p, pa, n);
            INDArray y = contiguous(target.get());
            io.read(y, ya, Math.min(n, Math.toIntExact(y.length())));
            if (sigmoid) {
                int extra = n;
                if (logs != null) {
                    for (int i = 0; i < n; i++) {
                        double pc = clip(pa[i], lo, hi);
                        double t = ya[i];
                        // The arguments rounded as the graph's clip and 1 − pc round them.
                        if (t == 1) {
                            la[i] = pc;
                        } else if (t == 0) {
                            la[i] = onePlus(-pc, single);
                        } else {
                            la[i] = pc;
                            la[extra++] = onePlus(-pc, single);
                        }
                    }
                    if (extra == n) {
                        io.write(la, logs, n);
                        Nd4j.exec(firstLog, firstCtx);
                        io.read(logs, la, n);
                    } else {
                        java.util.Arrays.fill(la, extra, logCount, 1.0);
                        io.write(la, logs, logCount);
                        Nd4j.exec(log, ctx);
                        io.read(logs, la, logCount);
                    }
                }
                extra = n;
                for (int b = 0; b < batch; b++) {
                    double sum = 0;
                    for (int i = b * exampleSize, end = i + exampleSize; i < end; i++) {
                        double t = ya[i];
                        double positive;
                        double negative;
                        if (logs != null) {
                            // A zero coefficient times a finite log is exactly 0.
                            positive = t == 0 ? 0 : t * la[i];
                            negative = t == 1 ? 0 : (1 - t) * (t == 0 ? la[i] : la[extra++]);
                        } else {
                            double pc = clip(pa[i], lo, hi);
                            positive = t == 0 ? 0 : t * Math.log(pc);
                            negative = t == 1 ? 0 : (1 - t) * Math.log(onePlus(-pc, single));
                        }
                        sum += -(positive + negative);
                    }
                    oa[b] = sum / exampleSize;
                }
            } else {
                if (logs != null) {
                    for (int i = 0; i < n; i++) {
                        la[i] = clip(pa[i], lo, hi);
                    }
                    io.write(la, logs, n);
                    Nd4j.exec(log, ctx);
                    io.read(logs, la, n);
                }
                int positions = exampleSize / classes;
                boolean sparse = loss == Loss.SPARSE_CATEGORICAL_CROSSENTROPY;
                for (int b = 0; b < batch; b++) {
                    double sum = 0;
                    for (int q = 0; q < positions; q++) {
                        int row = (b * positions + q) * classes;
                        if (sparse) {
                            int k = (int) ya[b * positions + q];
                            if (k >= 0 && k < classes) {
                                sum += -(logs != null ? la[row + k] : Math.log(clip(pa[row + k], lo, hi)));
                            }
                            continue;
                        }
                        for (int k = 0; k < classes; k++) {
                            double t = ya[row + k];
                            if (t != 0) {
                                sum += -(t * (logs != null ? la[row + k] : Math.log(clip(pa[row + k], lo, hi))));
                            }
                        }
                    }
                    oa[b] = sum / positions;
                }
            }
            io.write(oa, out, batch);
        };
    }

    /**
     * The step computing the gradient of the logits into {@code dz} (the prediction's shape) from predictions
     * {@code p}, the targets {@code target} supplies and the per-example loss gradient {@code g} ({@code [batch]}),
     * through heap copies allocated once.
     */
    Runnable backwardStep(INDArray p, Supplier<INDArray> target, INDArray g, INDArray dz, boolean scalar) {
        int n = Math.toIntExact(p.length());
        int batch = Math.toIntExact(p.size(0));
        // scalar: g is the branch loss's gradient; every example's gradient is g / batch (reduce_mean_bp).
        boolean single = p.dataType() == DataType.FLOAT;
        HeapCopy io = new HeapCopy(single, n);
        double[] pa = new double[n];
        double[] ya = new double[n];
        double[] ga = new double[batch];
        double[] da = new double[n];
        double[] u = new double[classes];
        double lo = single ? (float) BuiltinLosses.EPSILON : BuiltinLosses.EPSILON;
        double hi = single ? (float) (1 - BuiltinLosses.EPSILON) : 1 - BuiltinLosses.EPSILON;
        return () -> {
            io.read(p, pa, n);
            INDArray y = contiguous(target.get());
            io.read(y, ya, Math.min(n, Math.toIntExact(y.length())));
            if (scalar) {
                io.read(g, ga, 1);
                java.util.Arrays.fill(ga, 1, batch, ga[0] / batch);
                ga[0] = ga[0] / batch;
            } else {
                io.read(g, ga, batch);
            }
            if (sigmoid) {
                for (int b = 0; b < batch; b++) {
                    double scale = ga[b] / exampleSize;
                    for (int i = b * exampleSize, end = i + exampleSize; i < end; i++) {
                        double pi = pa[i];
                        da[i] = pi > lo && pi < hi ? (pi - ya[i]) * scale : 0.0;
                    }
                }
            } else {
                int positions = exampleSize / classes;
                boolean sparse = loss == Loss.SPARSE_CATEGORICAL_CROSSENTROPY;
                for (int b = 0; b < batch; b++) {
                    double scale = ga[b] / positions;
                    for (int q = 0; q < positions; q++) {
                        int row = (b * positions + q) * classes;
                        int hot = sparse ? (int) ya[b * positions + q] : -1;
                        double dot = 0;
                        for (int k = 0; k < classes; k++) {
                            double pk = pa[row + k];
                            double t = sparse ? (k == hot ? 1 : 0) : ya[row + k];
                            // ∂(−t·log pc)/∂pc = −t/pc, passed where the clip does not clip.
                            u[k] = pk > lo && pk < hi ? -t / pk * scale : 0.0;
                            dot += u[k] * pk;
                        }
                        for (int k = 0; k < classes; k++) {
                            da[row + k] = pa[row + k] * (u[k] - dot);
                        }
                    }
                }
            }
            io.write(da, dz, n);
        };
    }

    /** The step writing the mean of {@code perExample} ({@code [batch]}) into the scalar {@code out}. */
    Runnable meanStep(INDArray perExample, INDArray out) {
        int batch = Math.toIntExact(perExample.length());
        HeapCopy io = new HeapCopy(perExample.dataType() == DataType.FLOAT, batch);
        double[] values = new double[batch];
        double[] mean = new double[1];
        return () -> {
            io.read(perExample, values, batch);
            double sum = 0;
            for (int b = 0; b < batch; b++) {
                sum += values[b];
            }
            mean[0] = sum / batch;
            io.write(mean, out, 1);
        };
    }

    private static double clip(double v, double lo, double hi) {
        return v < lo ? lo : v > hi ? hi : v;
    }

    /** {@code 1 + x} rounded as the graph's FLOAT op would round it. */
    private static double onePlus(double x, boolean single) {
        return single ? (double) (1f + (float) x) : 1 + x;
    }

    private static INDArray contiguous(INDArray array) {
        return ArrayScan.contiguous(array) ? array : array.dup('c');
    }
}

package io.github.branchwise.runtime.engine;

import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.internal.Shapes;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.autodiff.samediff.internal.Variable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.impl.reduce.bp.MeanBp;
import org.nd4j.linalg.api.ops.impl.reduce.floating.Mean;
import org.nd4j.linalg.api.ops.impl.transforms.clip.ClipByValue;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.SigmoidDerivative;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.SoftmaxBp;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Log;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A built-in cross-entropy over a sigmoid or softmax output, computed in one Java step each way instead of the
 * ≈ 40 tiny ops that {@link BuiltinLosses} and SameDiff's autodiff make of it (clip, logs, products, negations,
 * reductions, the clip's masks and casts, the softmax or sigmoid backward), each of which costs a native call of
 * 3–10 µs whatever its size.
 *
 * <p>The values are {@link BuiltinLosses}' (Keras' definitions with the prediction clipped to
 * {@code [ε, 1 − ε]}, ε = 1e-7):
 * <ul>
 *   <li>forward, the per-example loss: the mean over the example's elements of
 *       {@code −(y·log pc + (1 − y)·log(1 − pc))} (binary) or the mean over positions of
 *       {@code −Σ_k t_k·log pc_k} (categorical; sparse targets as one-hot rows, an out-of-range class as a zero
 *       row, as {@code oneHot} does), {@code pc = clip(p, ε, 1 − ε)};</li>
 *   <li>backward, the gradient of the logits {@code z} (p = sigmoid(z) or softmax(z) over the last axis) given
 *       the gradient {@code g} of the per-example loss: with {@code m = [ε < p < 1 − ε]} (the clip passes no
 *       gradient where it clips) and {@code u_k = m_k·(∂e/∂pc_k)·g/n}, {@code dz = u·p·(1 − p)} for the sigmoid,
 *       which is {@code m·(p − y)·g/n}, and {@code dz_j = p_j·(u_j − Σ_k u_k·p_k)} for the softmax.</li>
 * </ul>
 * Sums run in double; results agree with the op-by-op graph to rounding (checked against SameDiff's sessions in
 * {@code CompiledExecutorTest}). The fusion applies only where the graph is exactly what {@link BuiltinLosses}
 * built over a sigmoid or softmax output that nothing else reads, and only up to {@link #MAX_FORWARD_ELEMENTS}
 * (forward) and {@link #MAX_BACKWARD_ELEMENTS} (backward) prediction values per batch; above that the ops are kept.
 */
final class LossFusion {
    /**
     * The largest prediction (values per batch) whose per-example loss is computed in Java: a Java log costs
     * ≈ 10–15 ns, libnd4j's vectorised one far less, so above this the ≈ 11 forward ops are cheaper.
     */
    static final long MAX_FORWARD_ELEMENTS = 1L << 14;
    /**
     * The largest prediction whose logits' gradient is computed in Java (≈ 1–2 ns a value, no logs, against ≈ 25
     * native ops of 3–10 µs plus their passes over the data).
     */
    static final long MAX_BACKWARD_ELEMENTS = 1L << 18;

    /** A built-in loss as {@link NetworkBuilder} made it, before the graph is checked. */
    record Candidate(Loss loss, String prediction, String target, String perExample, long[] exampleShape) {
    }

    final Loss loss;
    final String prediction;
    final String target;
    final String perExample;
    /** The output of the sigmoid or softmax backward op in the gradient function; null: no backward fusion. */
    final String logitsGradient;
    /** The gradient of the per-example loss in the gradient function; null: no backward fusion. */
    final String perExampleGradient;
    /**
     * The branch loss, the mean of the per-example losses over the batch, where nothing else reads the per-example
     * loss: a Java mean instead of a native {@code reduce_mean}; null: not folded.
     */
    final String branchLoss;
    /**
     * The gradient of {@link #branchLoss} where {@link #perExampleGradient} is its {@code reduce_mean_bp} (every
     * example's gradient is that scalar over the batch size): the fused backward reads the scalar, and the
     * {@code reduce_mean_bp} is dropped; null: not folded.
     */
    final String branchLossGradient;
    private final int exampleSize;
    private final int classes;
    private final boolean sigmoid;

    private LossFusion(Candidate candidate, boolean sigmoid, String logitsGradient, String perExampleGradient,
                       String branchLoss, String branchLossGradient) {
        this.branchLoss = branchLoss;
        this.branchLossGradient = branchLossGradient;
        this.loss = candidate.loss();
        this.prediction = candidate.prediction();
        this.target = candidate.target();
        this.perExample = candidate.perExample();
        this.sigmoid = sigmoid;
        this.logitsGradient = logitsGradient;
        this.perExampleGradient = perExampleGradient;
        this.exampleSize = Math.toIntExact(Shapes.size(candidate.exampleShape()));
        long[] shape = candidate.exampleShape();
        this.classes = (int) shape[shape.length - 1];
    }

    /** Whether a loss has a fused form (cross-entropies). */
    static boolean fusible(Loss loss) {
        return loss == Loss.BINARY_CROSSENTROPY || loss == Loss.CATEGORICAL_CROSSENTROPY
                || loss == Loss.SPARSE_CATEGORICAL_CROSSENTROPY;
    }

    /**
     * The fusions of {@code network}'s losses, by the variable each one computes: the per-example loss and, where the
     * gradient function has it, the logits' gradient. Losses whose graph is not exactly the expected one are left
     * out.
     */
    static Map<String, LossFusion> find(Network network, SameDiff gradFunction) {
        Map<String, LossFusion> fusions = new LinkedHashMap<>();
        if (gradFunction == null || (network.dataType() != DataType.FLOAT && network.dataType() != DataType.DOUBLE)) {
            return fusions;
        }
        SameDiff sd = network.sameDiff();
        for (Candidate candidate : network.fusibleLosses()) {
            LossFusion fusion = analyse(sd, gradFunction, candidate);
            if (fusion != null) {
                fusions.put(fusion.perExample, fusion);
                if (fusion.logitsGradient != null) {
                    fusions.put(fusion.logitsGradient, fusion);
                }
                if (fusion.branchLoss != null) {
                    fusions.put(fusion.branchLoss, fusion);
                }
            }
        }
        return fusions;
    }

    private static LossFusion analyse(SameDiff sd, SameDiff grad, Candidate candidate) {
        Variable p = sd.getVariables().get(candidate.prediction());
        if (p == null || p.getOutputOfOp() == null || candidate.exampleShape().length == 0) {
            return null;
        }
        SameDiffOp activation = sd.getOps().get(p.getOutputOfOp());
        DifferentialFunction f = activation.getOp();
        boolean sigmoid = candidate.loss() == Loss.BINARY_CROSSENTROPY;
        if (sigmoid ? !(f instanceof Sigmoid) : !(f instanceof SoftMax && lastAxis((SoftMax) f,
                candidate.exampleShape().length + 1))) {
            return null;
        }
        if (activation.getInputsToOp() == null || activation.getInputsToOp().size() != 1) {
            return null;
        }
        String logits = activation.getInputsToOp().get(0);
        // Nothing but the loss's clip reads the prediction, so its gradient is the loss's alone.
        List<String> readers = p.getInputsForOp();
        if (readers == null || readers.size() != 1 || !(sd.getOps().get(readers.get(0)).getOp() instanceof ClipByValue
                clip) || !clipsToEpsilon(clip)) {
            return null;
        }
        String logitsGradient = null;
        String perExampleGradient = gradientName(sd, candidate.perExample());
        String predictionGradient = gradientName(sd, candidate.prediction());
        if (perExampleGradient != null && predictionGradient != null) {
            for (SameDiffOp op : grad.getOps().values()) {
                DifferentialFunction df = op.getOp();
                boolean backward = sigmoid ? df instanceof SigmoidDerivative : df instanceof SoftmaxBp;
                if (backward && op.getInputsToOp() != null && op.getInputsToOp().size() == 2
                        && op.getInputsToOp().get(0).equals(logits)
                        && op.getInputsToOp().get(1).equals(predictionGradient)
                        && op.getOutputsOfOp() != null && op.getOutputsOfOp().size() == 1
                        && (sigmoid || lastAxis((DynamicCustomOp) df, candidate.exampleShape().length + 1))) {
                    logitsGradient = op.getOutputsOfOp().get(0);
                }
            }
        }
        if (logitsGradient == null) {
            perExampleGradient = null;
        }
        String branchLoss = batchMean(sd, candidate.perExample());
        String branchLossGradient = null;
        if (branchLoss != null && perExampleGradient != null) {
            String lossGradient = gradientName(sd, branchLoss);
            Variable g = grad.getVariables().get(perExampleGradient);
            SameDiffOp producer = g == null || g.getOutputOfOp() == null ? null : grad.getOps().get(g.getOutputOfOp());
            if (lossGradient != null && producer != null && producer.getOp() instanceof MeanBp meanBp
                    && producer.getInputsToOp() != null && producer.getInputsToOp().size() == 2
                    && producer.getInputsToOp().get(0).equals(candidate.perExample())
                    && producer.getInputsToOp().get(1).equals(lossGradient)
                    && producer.getOutputsOfOp() != null && producer.getOutputsOfOp().size() == 1
                    && fullMeanBp(meanBp)) {
                branchLossGradient = lossGradient;
            }
        }
        return new LossFusion(candidate, sigmoid, logitsGradient, perExampleGradient, branchLoss,
                branchLossGradient);
    }

    /**
     * The variable that is the mean of the (rank-1, {@code [batch]}) per-example loss {@code perExample}, when that
     * {@code reduce_mean} is its only reader in the forward graph; else null.
     */
    private static String batchMean(SameDiff sd, String perExample) {
        Variable v = sd.getVariables().get(perExample);
        if (v == null || v.getInputsForOp() == null || v.getInputsForOp().size() != 1) {
            return null;
        }
        SameDiffOp reader = sd.getOps().get(v.getInputsForOp().get(0));
        if (reader == null || !(reader.getOp() instanceof Mean mean) || mean.isKeepDims()
                || reader.getInputsToOp() == null || reader.getInputsToOp().size() != 1
                || reader.getOutputsOfOp() == null || reader.getOutputsOfOp().size() != 1) {
            return null;
        }
        // The per-example loss is [batch]: every reduction of a rank-1 array without kept dimensions is its mean.
        return reader.getOutputsOfOp().get(0);
    }

    private static boolean fullMeanBp(MeanBp op) {
        boolean[] keep = op.bArgs();
        if (keep != null && keep.length > 0 && keep[0]) {
            return false;
        }
        for (long axis : op.iArgs()) {
            if (axis != 0 && axis != -1) {
                return false;
            }
        }
        return true;
    }

    /** Whether the fused backward reads the branch loss's scalar gradient (and the plan drops its reduce_mean_bp). */
    boolean foldsMean() {
        return branchLossGradient != null && ExecutionPlan.enabled("fused_mean");
    }

    private static boolean lastAxis(DynamicCustomOp op, int rank) {
        long[] iArgs = op.iArgs();
        return iArgs.length == 0 ? false : iArgs[0] == -1 || iArgs[0] == rank - 1;
    }

    private static boolean clipsToEpsilon(ClipByValue clip) {
        double[] t = clip.tArgs();
        return t.length == 2 && t[0] == BuiltinLosses.EPSILON && t[1] == 1 - BuiltinLosses.EPSILON;
    }

    private static String gradientName(SameDiff sd, String variable) {
        try {
            SDVariable gradient = sd.getVariable(variable).getGradient();
            return gradient == null ? null : gradient.name();
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The variables the step computing {@code output} reads. */
    List<String> inputsFor(String output) {
        if (output.equals(branchLoss)) {
            return List.of(perExample);
        }
        return output.equals(perExample) ? List.of(prediction, target)
                : List.of(prediction, target, foldsMean() ? branchLossGradient : perExampleGradient);
    }

    /** Whether the step computing {@code output} for {@code batch} examples is small enough for a Java loop. */
    boolean fits(String output, long batch) {
        if (output.equals(branchLoss)) {
            return ExecutionPlan.enabled("fused_mean");
        }
        return batch * exampleSize <= (output.equals(perExample) ? MAX_FORWARD_ELEMENTS : MAX_BACKWARD_ELEMENTS);
    }

    String describe(String output) {
        if (output.equals(branchLoss)) {
            return "fused mean of the per-example losses (Java)";
        }
        String what = sigmoid ? "sigmoid + " + loss.name().toLowerCase(java.util.Locale.ROOT)
                : "softmax + " + loss.name().toLowerCase(java.util.Locale.ROOT);
        return output.equals(perExample) ? "fused " + what + " (per-example loss, Java)"
                : "fused " + what + " gradient of the logits (Java)"
                + (foldsMean() ? " from the branch loss's gradient" : "");
    }

    // ---------------------------------------------------------------------------------------------------------

    /**
     * The step computing the per-example losses of predictions {@code p} ({@code [batch, ...]}, contiguous) for the
     * targets that {@code target} supplies on each run into {@code out} ({@code [batch]}). Its heap copies and its
     * native log buffer are allocated here, once per plan.
     *
     * <p>The logs run as libnd4j's vectorised {@code log} over the whole block of clipped predictions (and, binary,
     * their complements), one native call into a preallocated buffer: Java's {@code Math.log} costs ≈ 10–15 ns a
     * value, which made this step ≈ 0.09–0.27 ms of the seed model's batch of 1024 (9,216 logs). The arguments are
     * rounded as the graph's ops round them ({@code clip}, {@code 1 − pc} in the prediction's type), so the logs are
     * the graph's own. {@code native_log} in {@code branchwise.plan.disable}: {@code Math.log} per value instead.
     */
    Runnable forwardStep(INDArray p, Supplier<INDArray> target, INDArray out) {
        int n = Math.toIntExact(p.length());
        int batch = Math.toIntExact(out.length());
        boolean single = p.dataType() == DataType.FLOAT;
        Heap io = new Heap(single, 2 * n);
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
        if (ExecutionPlan.enabled("native_log")) {
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
    Runnable backwardStep(INDArray p, Supplier<INDArray> target, INDArray g, INDArray dz) {
        int n = Math.toIntExact(p.length());
        int batch = Math.toIntExact(p.size(0));
        // The branch loss's scalar gradient: every example's gradient is g / batch (reduce_mean_bp).
        boolean scalar = foldsMean();
        boolean single = p.dataType() == DataType.FLOAT;
        Heap io = new Heap(single, n);
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
        Heap io = new Heap(perExample.dataType() == DataType.FLOAT, batch);
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

    /**
     * Bulk copies between contiguous FLOAT or DOUBLE native arrays and {@code double[]} working arrays (one
     * buffer copy each way instead of a buffer access per value).
     */
    private static final class Heap {
        private final boolean single;
        private final float[] floats;

        Heap(boolean single, int capacity) {
            this.single = single;
            this.floats = single ? new float[capacity] : null;
        }

        /** The first {@code n} values of {@code array} into {@code to}. */
        void read(INDArray array, double[] to, int n) {
            ByteBuffer bytes = bytes(array, n);
            int offset = Math.toIntExact(array.offset());
            if (single) {
                bytes.asFloatBuffer().get(offset, floats, 0, n);
                for (int i = 0; i < n; i++) {
                    to[i] = floats[i];
                }
            } else {
                bytes.asDoubleBuffer().get(offset, to, 0, n);
            }
        }

        /** The first {@code n} values of {@code from} into {@code array}. */
        void write(double[] from, INDArray array, int n) {
            ByteBuffer bytes = bytes(array, n);
            int offset = Math.toIntExact(array.offset());
            if (single) {
                for (int i = 0; i < n; i++) {
                    floats[i] = (float) from[i];
                }
                bytes.asFloatBuffer().put(offset, floats, 0, n);
            } else {
                bytes.asDoubleBuffer().put(offset, from, 0, n);
            }
        }

        private ByteBuffer bytes(INDArray array, int n) {
            if (array.dataType() != (single ? DataType.FLOAT : DataType.DOUBLE)) {
                throw new IllegalStateException("a " + array.dataType() + " array in a fused "
                        + (single ? "FLOAT" : "DOUBLE") + " loss");
            }
            ByteBuffer bytes = array.data().pointer().asByteBuffer();
            if (bytes == null) {
                throw new IllegalStateException("no direct buffer for an array of " + n + " values");
            }
            bytes.order(ByteOrder.nativeOrder());
            int size = single ? Float.BYTES : Double.BYTES;
            if (bytes.capacity() / size < array.offset() + n) {
                throw new IllegalStateException("the direct buffer of an array of " + n + " values is too short");
            }
            return bytes;
        }
    }
}

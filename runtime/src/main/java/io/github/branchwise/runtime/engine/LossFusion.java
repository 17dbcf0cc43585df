package io.github.branchwise.runtime.engine;

import io.github.branchwise.annotations.Loss;
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
import org.nd4j.linalg.api.ops.impl.transforms.clip.ClipByValue;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.SigmoidDerivative;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.SoftmaxBp;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Log;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.factory.Nd4j;

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

    /** A built-in loss as {@link GraphBuilder} made it, before the graph is checked. */
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
    private final int exampleSize;
    private final int classes;
    private final boolean sigmoid;

    private LossFusion(Candidate candidate, boolean sigmoid, String logitsGradient, String perExampleGradient) {
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
        return new LossFusion(candidate, sigmoid, logitsGradient, perExampleGradient);
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
        return output.equals(perExample) ? List.of(prediction, target)
                : List.of(prediction, target, perExampleGradient);
    }

    /** Whether the step computing {@code output} for {@code batch} examples is small enough for a Java loop. */
    boolean fits(String output, long batch) {
        return batch * exampleSize <= (output.equals(perExample) ? MAX_FORWARD_ELEMENTS : MAX_BACKWARD_ELEMENTS);
    }

    String describe(String output) {
        String what = sigmoid ? "sigmoid + " + loss.name().toLowerCase(java.util.Locale.ROOT)
                : "softmax + " + loss.name().toLowerCase(java.util.Locale.ROOT);
        return output.equals(perExample) ? "fused " + what + " (per-example loss, Java)"
                : "fused " + what + " gradient of the logits (Java)";
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
        if (ExecutionPlan.enabled("native_log")) {
            logs = Nd4j.create(p.dataType(), logCount);
            log = new Log(logs, logs);
            ctx = Nd4j.getExecutioner().buildContext();
            ctx.setInputArray(0, logs);
            ctx.setOutputArray(0, logs);
        } else {
            logs = null;
            log = null;
            ctx = null;
        }
        double lo = single ? (float) BuiltinLosses.EPSILON : BuiltinLosses.EPSILON;
        double hi = single ? (float) (1 - BuiltinLosses.EPSILON) : 1 - BuiltinLosses.EPSILON;
        return () -> {
            io.read(p, pa);
            io.read(contiguous(target.get()), ya);
            if (logs != null) {
                for (int i = 0; i < n; i++) {
                    double pc = clip(pa[i], lo, hi);
                    la[i] = pc;
                    if (sigmoid) {
                        la[n + i] = onePlus(-pc, single);
                    }
                }
                io.write(la, logs);
                Nd4j.exec(log, ctx);
                io.read(logs, la);
            }
            if (sigmoid) {
                for (int b = 0; b < batch; b++) {
                    double sum = 0;
                    for (int i = b * exampleSize, end = i + exampleSize; i < end; i++) {
                        double t = ya[i];
                        double logP;
                        double logQ;
                        if (logs != null) {
                            logP = la[i];
                            logQ = la[n + i];
                        } else {
                            double pc = clip(pa[i], lo, hi);
                            // A zero coefficient times a finite log is exactly 0: binary targets need one log.
                            logP = t == 0 ? 0 : Math.log(pc);
                            logQ = t == 1 ? 0 : Math.log(onePlus(-pc, single));
                        }
                        double positive = t == 0 ? 0 : t * logP;
                        double negative = t == 1 ? 0 : (1 - t) * logQ;
                        sum += -(positive + negative);
                    }
                    oa[b] = sum / exampleSize;
                }
            } else {
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
            io.write(oa, out);
        };
    }

    /**
     * The step computing the gradient of the logits into {@code dz} (the prediction's shape) from predictions
     * {@code p}, the targets {@code target} supplies and the per-example loss gradient {@code g} ({@code [batch]}),
     * through heap copies allocated once.
     */
    Runnable backwardStep(INDArray p, Supplier<INDArray> target, INDArray g, INDArray dz) {
        int n = Math.toIntExact(p.length());
        int batch = Math.toIntExact(g.length());
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
            io.read(p, pa);
            io.read(contiguous(target.get()), ya);
            io.read(g, ga);
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
            io.write(da, dz);
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

        void read(INDArray array, double[] to) {
            int n = Math.toIntExact(array.length());
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

        void write(double[] from, INDArray array) {
            int n = Math.toIntExact(array.length());
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

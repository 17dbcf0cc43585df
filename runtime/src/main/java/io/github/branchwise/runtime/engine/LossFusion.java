package io.github.branchwise.runtime.engine;

import io.github.branchwise.annotations.Loss;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.autodiff.samediff.internal.Variable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.transforms.clip.ClipByValue;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.SigmoidDerivative;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.SoftmaxBp;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;

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

    /** The per-example losses of predictions {@code p} for targets {@code y} into {@code out} ({@code [batch]}). */
    void forward(INDArray p, INDArray y, INDArray out) {
        int batch = (int) out.length();
        boolean single = p.dataType() == DataType.FLOAT;
        Values pv = Values.of(p);
        Values yv = Values.of(contiguous(y));
        Values ov = Values.of(out);
        double lo = single ? (float) BuiltinLosses.EPSILON : BuiltinLosses.EPSILON;
        double hi = single ? (float) (1 - BuiltinLosses.EPSILON) : 1 - BuiltinLosses.EPSILON;
        if (sigmoid) {
            for (int b = 0; b < batch; b++) {
                double sum = 0;
                for (int i = b * exampleSize, end = i + exampleSize; i < end; i++) {
                    double pc = clip(pv.get(i), lo, hi);
                    double t = yv.get(i);
                    // A zero coefficient times a finite log is exactly 0: binary targets need one log, not two.
                    double positive = t == 0 ? 0 : t * Math.log(pc);
                    double negative = t == 1 ? 0 : (1 - t) * Math.log(onePlus(-pc, single));
                    sum += -(positive + negative);
                }
                ov.set(b, sum / exampleSize);
            }
            return;
        }
        int positions = exampleSize / classes;
        boolean sparse = loss == Loss.SPARSE_CATEGORICAL_CROSSENTROPY;
        for (int b = 0; b < batch; b++) {
            double sum = 0;
            for (int q = 0; q < positions; q++) {
                int row = (b * positions + q) * classes;
                if (sparse) {
                    int k = (int) yv.get(b * positions + q);
                    if (k >= 0 && k < classes) {
                        sum += -Math.log(clip(pv.get(row + k), lo, hi));
                    }
                    continue;
                }
                for (int k = 0; k < classes; k++) {
                    double t = yv.get(row + k);
                    if (t != 0) {
                        sum += -(t * Math.log(clip(pv.get(row + k), lo, hi)));
                    }
                }
            }
            ov.set(b, sum / positions);
        }
    }

    /**
     * The gradient of the logits into {@code dz} (the prediction's shape) from predictions {@code p}, targets
     * {@code y} and the per-example loss gradient {@code g} ({@code [batch]}).
     */
    void backward(INDArray p, INDArray y, INDArray g, INDArray dz) {
        int batch = (int) g.length();
        boolean single = p.dataType() == DataType.FLOAT;
        Values pv = Values.of(p);
        Values yv = Values.of(contiguous(y));
        Values gv = Values.of(g);
        Values out = Values.of(dz);
        double lo = single ? (float) BuiltinLosses.EPSILON : BuiltinLosses.EPSILON;
        double hi = single ? (float) (1 - BuiltinLosses.EPSILON) : 1 - BuiltinLosses.EPSILON;
        if (sigmoid) {
            for (int b = 0; b < batch; b++) {
                double scale = gv.get(b) / exampleSize;
                for (int i = b * exampleSize, end = i + exampleSize; i < end; i++) {
                    double pi = pv.get(i);
                    out.set(i, pi > lo && pi < hi ? (pi - yv.get(i)) * scale : 0.0);
                }
            }
            return;
        }
        int positions = exampleSize / classes;
        boolean sparse = loss == Loss.SPARSE_CATEGORICAL_CROSSENTROPY;
        double[] u = new double[classes];
        for (int b = 0; b < batch; b++) {
            double scale = gv.get(b) / positions;
            for (int q = 0; q < positions; q++) {
                int row = (b * positions + q) * classes;
                int hot = sparse ? (int) yv.get(b * positions + q) : -1;
                double dot = 0;
                for (int k = 0; k < classes; k++) {
                    double pk = pv.get(row + k);
                    double t = sparse ? (k == hot ? 1 : 0) : yv.get(row + k);
                    // ∂(−t·log pc)/∂pc = −t/pc, passed where the clip does not clip.
                    u[k] = pk > lo && pk < hi ? -t / pk * scale : 0.0;
                    dot += u[k] * pk;
                }
                for (int k = 0; k < classes; k++) {
                    out.set(row + k, pv.get(row + k) * (u[k] - dot));
                }
            }
        }
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

    /** Absolute access to a contiguous FLOAT or DOUBLE array's values. */
    private abstract static class Values {
        abstract double get(int i);

        abstract void set(int i, double v);

        static Values of(INDArray array) {
            ByteBuffer bytes = array.data().pointer().asByteBuffer();
            if (bytes == null) {
                throw new IllegalStateException("no direct buffer for an array of " + array.length() + " values");
            }
            bytes.order(ByteOrder.nativeOrder());
            int offset = Math.toIntExact(array.offset());
            int size = array.dataType() == DataType.FLOAT ? Float.BYTES : Double.BYTES;
            if (bytes.capacity() / size < offset + array.length()) {
                throw new IllegalStateException("the direct buffer of an array of " + array.length()
                        + " values is too short");
            }
            if (array.dataType() == DataType.FLOAT) {
                FloatBuffer f = bytes.asFloatBuffer();
                return new Values() {
                    @Override
                    double get(int i) {
                        return f.get(offset + i);
                    }

                    @Override
                    void set(int i, double v) {
                        f.put(offset + i, (float) v);
                    }
                };
            }
            DoubleBuffer d = bytes.asDoubleBuffer();
            return new Values() {
                @Override
                double get(int i) {
                    return d.get(offset + i);
                }

                @Override
                void set(int i, double v) {
                    d.put(offset + i, v);
                }
            };
        }
    }
}

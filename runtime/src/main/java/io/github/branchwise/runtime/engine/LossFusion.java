package io.github.branchwise.runtime.engine;

import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.internal.Shapes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.autodiff.samediff.internal.Variable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.reduce.bp.MeanBp;
import org.nd4j.linalg.api.ops.impl.reduce.floating.Mean;
import org.nd4j.linalg.api.ops.impl.transforms.clip.ClipByValue;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.SigmoidDerivative;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.SoftmaxBp;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;

/**
 * A built-in cross-entropy over a sigmoid or softmax output, computed in one Java step each way instead of the
 * ≈ 40 tiny ops that {@link BuiltinLosses} and SameDiff's autodiff make of it (clip, logs, products, negations,
 * reductions, the clip's masks and casts, the softmax or sigmoid backward), each of which costs a native call
 * whatever its size. This class finds where the graph allows it ({@link #find}); {@link CrossEntropyKernels} holds
 * the steps and {@link FusedLossRewrite} puts them into a plan.
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
     * The largest prediction (values per batch) whose per-example loss is computed in Java: a Java log costs far more
     * than libnd4j's vectorised one, so above this the ≈ 11 forward ops are cheaper (docs/performance.md,
     * "Executors": fused cross-entropies).
     */
    static final long MAX_FORWARD_ELEMENTS = 1L << 14;
    /**
     * The largest prediction whose logits' gradient is computed in Java (no logs: a few arithmetic operations a value,
     * against ≈ 25 native ops, each with a fixed cost per call plus a pass over the data).
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
    /** The Java steps of this loss. */
    final CrossEntropyKernels kernels;
    private final int exampleSize;
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
        this.kernels = new CrossEntropyKernels(loss, sigmoid, exampleSize, (int) shape[shape.length - 1]);
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
        return branchLossGradient != null && PlanSwitch.FUSED_MEAN.enabled();
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
            return PlanSwitch.FUSED_MEAN.enabled();
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
}

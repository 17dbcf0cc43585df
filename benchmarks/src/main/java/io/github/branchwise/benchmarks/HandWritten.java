package io.github.branchwise.benchmarks;

import io.github.branchwise.annotations.Weighting;
import io.github.branchwise.runtime.Padding;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.MaxPooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.shape.OneHot;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Log;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.api.ops.impl.transforms.strict.SoftPlus;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The workloads written by hand on ND4J: the same layers, losses, weighting strategy and SGD update as the generated
 * model, with a hand-derived backward pass (fused sigmoid + cross-entropy and softmax + cross-entropy gradients, ReLU
 * in place), every buffer allocated once and ND4J's native kernels called directly. This is the baseline of the
 * "generated model ≤ 1.05x hand-written ND4J" target.
 *
 * <p>Convolutions: a convolution whose input gradient nobody needs (the seed model's, the cnn's first) is done as
 * im2col patches written in Java (NHWC, a bulk copy of the batch, each patch row ending in a 1) and one GEMM
 * {@code [patches, 1]·[W; b]} forward, one GEMM {@code [patches, 1]ᵀ·dOut} backward for the kernel and bias gradients
 * together; the cnn's second convolution keeps libnd4j's (oneDNN's) {@code conv2d}/{@code conv2d_bp}, since it needs
 * the input gradient. {@link ConvChoice} measures the choices side by side; {@code -Dhandwritten.conv=libnd4j} (or
 * {@code hybrid}: libnd4j forward, im2col backward) switches. Updates: BLAS {@code axpy} in place; dense bias
 * gradients: a ones-GEMM into the preallocated gradient (cheaper than {@code sum(db, 0)}, {@link ConvChoice}). Loss
 * heads of up to {@link #JAVA_LOSS_MAX} values (all but the seed_1024 localization head) run as Java passes over the
 * native buffers, forward and backward, instead of 3–6 native ops each (the runtime fuses them in Java likewise).
 *
 * <p>Weighting: every strategy of the runtime but CUSTOM, with the runtime's semantics (see each {@code Weighter}):
 * loss-level strategies give each branch's backward its weight {@code ∂total/∂Lᵢ} and update their own parameters
 * (α, log-variances) with SGD; PCGRAD and MGDA run one forward pass, then each branch's backward through the trunk
 * on its own, and combine the shared parameters' per-branch gradients in Java; GRADNORM runs one backward with the
 * heads accumulated (Σ gᵢ) and, per branch, only the last shared layer's kernel gradient for its norm (the runtime
 * runs one full forward-backward pass per branch for all three). GEMMs and the dense bias add run as ops bound once
 * in an {@link OpContext} ({@link Bound}). RLW and PCGrad draw from the same seeded streams as the runtime (the model
 * seed, {@link #create}), so their weights and visiting orders are the same.
 *
 * <p>The maths differs from the generated model's only where Keras' probability clip to [1e-7, 1 - 1e-7] is
 * active (|logit| > 16), which the benchmark data never reaches: {@code HandWrittenCheckTest} compares parameters,
 * losses and weights ({@link HandWrittenCheck}).
 *
 * <p>Independent reference on purpose: every strategy's maths here (the loss-level weights and their updates, DWA's
 * epoch ratios, GradNorm's update, PCGrad's projections, MGDA's min-norm weights) is written from the papers' and the
 * runtime's documented semantics, not calling the runtime's {@code strategies}, which the benchmarks cannot reach
 * anyway (the module does not export them). {@code HandWrittenCheckTest} compares the runtime's strategies against
 * this code; calling them would make that check circular. Where the formulation can differ it does (PCGrad on the
 * gradient vectors, MGDA in closed form). Only the random streams (RLW's draw, PCGrad's visiting order) must be the
 * runtime's own recipe, since the weights are random; the maths around them is still this class's.
 */
public abstract class HandWritten {
    /** The learning rate of the SGD update, as in the peer. */
    protected final double lr;
    private final Weighting strategy;
    private final long seed;
    private final int k;
    private final boolean[] classification;
    private long iteration;
    private long epoch;
    // TRAINABLE: α; UNCERTAINTY: sᵢ = log σᵢ²; GRADNORM: logits; SCHEDULED, DWA, RLW: λ (as the runtime's FLOAT state).
    private double alpha;
    private double[] logVariance;
    private double[] logits;
    private double[] gradNormInitial;
    private double[] lambda;
    private double[] dwaSums;
    private long dwaSteps;
    private double[] dwaPrevious;
    private double[] dwaBeforePrevious;
    private double[] mgdaAlpha;
    // Per-branch gradients of the shared parameters (gradient-level strategies), as Java vectors.
    private double[][] branchGradients;
    private float[] scratch = new float[0];

    HandWritten(Weighting strategy, double lr, long seed, int branches, boolean[] classification) {
        this.strategy = strategy;
        this.lr = lr;
        this.seed = seed;
        this.k = branches;
        this.classification = classification;
        lambda = new double[branches];
        Arrays.fill(lambda, 1.0 / branches);
        if (strategy == Weighting.DWA) {
            Arrays.fill(lambda, 1.0);
            dwaSums = new double[branches];
        }
        if (strategy == Weighting.CUSTOM) {
            throw new IllegalArgumentException("no hand-written CUSTOM weighting: it needs a user class");
        }
    }

    /**
     * A hand-written model of {@code workload} under {@code strategy} (settings of {@link Workloads#weighting})
     * starting from the given parameter values by the model's names, the weighting's included; {@code seed} is the
     * model seed (RLW's and PCGrad's random streams).
     */
    public static HandWritten create(Workloads.Workload workload, Weighting strategy, Map<String, INDArray> start,
                                     double lr, long seed) {
        String why = workload.excluded(strategy);
        if (why != null) {
            throw new IllegalArgumentException(workload + " " + strategy + ": excluded, " + why);
        }
        HandWritten model = switch (workload) {
            case SEED_7, SEED_1024 -> new Seed(strategy, lr, seed, start, workload.batch());
            case MLP_256 -> new Mlp(strategy, lr, seed, start, workload.batch());
            case CNN_64 -> new Cnn(strategy, lr, seed, start, workload.batch());
            case TRUNK_64 -> throw new IllegalArgumentException("no hand-written model of " + workload);
        };
        model.init(start);
        return model;
    }

    private void init(Map<String, INDArray> start) {
        switch (strategy) {
            case TRAINABLE -> alpha = start.get("weighting/alpha").getDouble(0);
            case UNCERTAINTY -> logVariance = start.get("weighting/log_variance").toDoubleVector();
            case GRADNORM -> logits = start.get("weighting/logits").toDoubleVector();
            default -> { }
        }
        int shared = 0;
        for (Param p : parameters()) {
            shared += p.branch < 0 ? (int) p.value.length() : 0;
        }
        if (strategy == Weighting.PCGRAD || strategy == Weighting.MGDA) {
            int length = shared;
            if (length == 0 && strategy == Weighting.MGDA) {
                // No @Shared parameters: MGDA uses the gradients over all parameters, as the runtime does.
                for (Param p : parameters()) {
                    length += (int) p.value.length();
                }
            }
            branchGradients = new double[k][length];
        }
        mgdaAlpha = new double[k];
        Arrays.fill(mgdaAlpha, 1.0 / k);
    }

    private boolean gradientLevel() {
        return strategy == Weighting.GRADNORM || strategy == Weighting.PCGRAD || strategy == Weighting.MGDA;
    }

    // ---- what each workload provides ---------------------------------------------------------------------------

    /** A parameter: its name in the model, value, gradient buffer, and owning branch ({@code -1}: shared trunk). */
    record Param(String name, INDArray value, INDArray grad, int branch) {
    }

    /** Every network parameter, the trunk's first, in the model's creation order. */
    abstract List<Param> parameters();

    /** The forward pass and the branch losses (unweighted), keeping what the backward pass needs. */
    abstract double[] forward(INDArray[] x, INDArray[] y);

    /**
     * Branch {@code i}'s head backward with its loss weighted by {@code weight}: writes the head's parameter gradients
     * and the gradient of the trunk's output (added to what is there when {@code accumulate}).
     */
    abstract void headBackward(int branch, double weight, boolean accumulate);

    /** The trunk's backward pass from the trunk output's gradient the heads wrote; nothing without a trunk. */
    abstract void trunkBackward();

    /**
     * GRADNORM, after every head's backward: per branch, the norm of the gradient of that branch's weighted loss
     * w.r.t. the last shared layer's kernel, from the head's own output gradient alone (GradNorm's default layer).
     */
    double[] lastSharedGradientNorms() {
        throw new IllegalStateException("GRADNORM needs a shared layer");
    }

    /** The Euclidean norm of a contiguous FLOAT array, summed in double. */
    static double norm(INDArray a) {
        FloatBuffer f = floats(a);
        int o = (int) a.offset();
        double s = 0;
        for (int i = 0; i < a.length(); i++) {
            double v = f.get(o + i);
            s += v * v;
        }
        return Math.sqrt(s);
    }

    /** The branch outputs for {@code inputs}: buffers overwritten by the next call. */
    public abstract INDArray[] predict(INDArray[] inputs);

    // ---- one step ----------------------------------------------------------------------------------------------

    /** One SGD step; returns {total, first branch loss, second branch loss, ...}, the total as the runtime reports it. */
    public double[] step(INDArray[] x, INDArray[] y) {
        beforeStep();
        double[] losses = forward(x, y);
        double total = gradientLevel() ? gradientLevelStep(losses) : lossLevelStep(losses);
        if (strategy == Weighting.DWA) {
            for (int i = 0; i < k; i++) {
                dwaSums[i] += losses[i];
            }
            dwaSteps++;
        }
        iteration++;
        double[] result = new double[k + 1];
        result[0] = total;
        System.arraycopy(losses, 0, result, 1, k);
        return result;
    }

    /**
     * Ends an epoch (DWA's bookkeeping), as {@code Trainer.endEpoch}. Independent reference on purpose:
     * {@code HandWrittenCheckTest} compares the runtime's DwaWeighter (epoch means, ratios, {@code K·softmax(r/T)})
     * against this, from the third step on.
     */
    public void endEpoch() {
        if (strategy == Weighting.DWA && dwaSteps > 0) {
            double[] means = new double[k];
            for (int i = 0; i < k; i++) {
                means[i] = dwaSums[i] / dwaSteps;
            }
            dwaBeforePrevious = dwaPrevious;
            dwaPrevious = means;
            Arrays.fill(dwaSums, 0);
            dwaSteps = 0;
            if (dwaBeforePrevious == null) {
                Arrays.fill(lambda, 1.0);
            } else {
                double[] ratio = new double[k];
                for (int i = 0; i < k; i++) {
                    ratio[i] = dwaPrevious[i] / dwaBeforePrevious[i];
                }
                double[] soft = softmax(ratio, Workloads.DWA_TEMPERATURE);
                for (int i = 0; i < k; i++) {
                    lambda[i] = (float) (k * soft[i]);
                }
            }
        }
        epoch++;
    }

    /** Weights that are set before the forward pass: SCHEDULED's ramp, RLW's draw. */
    private void beforeStep() {
        if (strategy == Weighting.SCHEDULED) {
            double[] end = Workloads.scheduledEnd(k);
            double t = Math.min(1.0, (double) iteration / Workloads.SCHEDULE_STEPS);
            double f = (1 - Math.cos(Math.PI * t)) / 2;
            for (int i = 0; i < k; i++) {
                lambda[i] = (float) (1.0 / k + (end[i] - 1.0 / k) * f);
            }
        } else if (strategy == Weighting.RLW) {
            // RLW: λ = softmax(z), z ~ N(0, I). The stream (seeded by the model seed and the step) and its Box-Muller
            // normals must be RlwWeighter's recipe, since the draw is random; softmax and the weighted sum are this
            // class's, and HandWrittenCheckTest compares the runtime's weights against them.
            SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + iteration);
            double[] z = new double[k];
            for (int i = 0; i < k; i++) {
                double u = 1.0 - random.nextDouble();
                double v = random.nextDouble();
                z[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
            }
            double[] w = softmax(z, 1.0);
            for (int i = 0; i < k; i++) {
                lambda[i] = (float) w[i];
            }
        }
    }

    /**
     * One backward pass with each branch weighted by ∂total/∂Lᵢ, the SGD update, the strategy's own update.
     * Independent reference on purpose: {@code HandWrittenCheckTest} compares the runtime's loss-level strategies
     * (the weighted sums its weighters build in the graph, and their trainable parameters' updates) against these
     * sums and derivatives written out by hand.
     */
    private double lossLevelStep(double[] l) {
        double[] weights;
        double total = 0;
        if (strategy == Weighting.GLS) {
            // total = (Π Lᵢ)^(1/K), so ∂total/∂Lᵢ = total / (K·Lᵢ): weights that depend on this step's losses.
            double meanLog = 0;
            for (int i = 0; i < k; i++) {
                meanLog += Math.log(l[i]) / k;
            }
            total = Math.exp(meanLog);
            weights = new double[k];
            for (int i = 0; i < k; i++) {
                weights[i] = total / (k * l[i]);
                lambda[i] = weights[i];
            }
        } else {
            // total = Σ wᵢ·Lᵢ (+ Σ sᵢ/2 for UNCERTAINTY), so ∂total/∂Lᵢ = wᵢ, the weights in effect.
            weights = weights();
            for (int i = 0; i < k; i++) {
                total += weights[i] * l[i] + (strategy == Weighting.UNCERTAINTY ? 0.5 * logVariance[i] : 0);
            }
        }
        for (int i = 0; i < k; i++) {
            headBackward(i, weights[i], i > 0);
        }
        trunkBackward();
        for (Param p : parameters()) {
            sgd(lr, p.value, p.grad);
        }
        if (strategy == Weighting.TRAINABLE) {
            // ∂total/∂α = L₁ − L₂, then TrainableWeighter's clip to [0, 1].
            alpha = Math.min(1, Math.max(0, (float) (alpha - lr * (l[0] - l[1]))));
        } else if (strategy == Weighting.UNCERTAINTY) {
            for (int i = 0; i < k; i++) {
                double c = classification[i] ? 1.0 : 0.5;
                logVariance[i] = (float) (logVariance[i] - lr * (0.5 - c * Math.exp(-logVariance[i]) * l[i]));
            }
        }
        return total;
    }

    /**
     * GRADNORM, PCGRAD, MGDA: each branch's backward on its own (heads' gradients stay in their buffers, the trunk's
     * are copied out as Java vectors), then the runtime's combination of the shared parameters' gradients.
     */
    private double gradientLevelStep(double[] l) {
        List<Param> params = parameters();
        if (strategy == Weighting.GRADNORM) {
            // Σ gᵢ is the gradient of Σ wᵢ·Lᵢ: one backward with the heads accumulating; per branch only the norm of
            // the last shared layer's kernel gradient, from that head's own output gradient.
            double[] w = gradNormWeights();
            for (int i = 0; i < k; i++) {
                headBackward(i, w[i], i > 0);
            }
            double[] norms = lastSharedGradientNorms();
            trunkBackward();
            gradNormUpdate(l, w, norms);
            double total = 0;
            for (int i = 0; i < k; i++) {
                total += w[i] * l[i];
            }
            for (Param p : params) {
                sgd(lr, p.value, p.grad);
            }
            return total;
        }
        double[] scale = new double[k];
        Arrays.fill(scale, 1.0);
        boolean trunk = params.get(0).branch < 0;
        for (int i = 0; i < k; i++) {
            headBackward(i, scale[i], false);
            if (trunk) {
                trunkBackward();
                int offset = 0;
                for (Param p : params) {
                    if (p.branch < 0) {
                        offset = read(p.grad, branchGradients[i], offset);
                    }
                }
            }
        }
        double[] headScale = new double[k];
        Arrays.fill(headScale, 1.0);
        double total = 0;
        switch (strategy) {
            case PCGRAD -> {
                if (trunk) {
                    writeShared(params, pcGrad());
                }
                for (int i = 0; i < k; i++) {
                    total += l[i];
                }
            }
            case MGDA -> {
                if (!trunk) {
                    // Gradients over all parameters: each branch's own head, zeros elsewhere.
                    for (int i = 0; i < k; i++) {
                        Arrays.fill(branchGradients[i], 0);
                        int offset = 0;
                        for (Param p : params) {
                            if (p.branch == i) {
                                read(p.grad, branchGradients[i], offset);
                            }
                            offset += (int) p.value.length();
                        }
                    }
                }
                double[][] gram = new double[k][k];
                for (int i = 0; i < k; i++) {
                    for (int j = i; j < k; j++) {
                        gram[i][j] = dot(branchGradients[i], branchGradients[j]);
                        gram[j][i] = gram[i][j];
                    }
                }
                mgdaAlpha = minNormWeights(gram);
                headScale = mgdaAlpha.clone();
                if (trunk) {
                    double[] sum = new double[branchGradients[0].length];
                    for (int i = 0; i < k; i++) {
                        double a = mgdaAlpha[i];
                        double[] g = branchGradients[i];
                        for (int v = 0; v < sum.length; v++) {
                            sum[v] += a * g[v];
                        }
                    }
                    writeShared(params, sum);
                }
                for (int i = 0; i < k; i++) {
                    total += mgdaAlpha[i] * l[i];
                }
            }
            default -> throw new IllegalStateException(strategy.toString());
        }
        for (Param p : params) {
            sgd(lr * (p.branch < 0 ? 1.0 : headScale[p.branch]), p.value, p.grad);
        }
        return total;
    }

    /**
     * PCGrad's projections on the gradient vectors themselves, as in Yu et al. (2020). Independent reference on
     * purpose: {@code HandWrittenCheckTest} compares the runtime's PcGradWeighter, which runs the same projections on
     * the Gram matrix, against this; only the random visiting order (model seed · 31 + step) is the runtime's recipe.
     */
    private double[] pcGrad() {
        double[][] g = branchGradients;
        double[] norms = new double[k];
        for (int i = 0; i < k; i++) {
            norms[i] = dot(g[i], g[i]);
        }
        Random random = new Random(seed * 31 + iteration);
        double[] sum = new double[g[0].length];
        for (int i = 0; i < k; i++) {
            double[] projected = g[i].clone();
            List<Integer> others = new ArrayList<>();
            for (int j = 0; j < k; j++) {
                if (j != i) {
                    others.add(j);
                }
            }
            Collections.shuffle(others, random);
            for (int j : others) {
                double d = dot(projected, g[j]);
                if (d < 0 && norms[j] > 0) {
                    double s = d / norms[j];
                    for (int v = 0; v < projected.length; v++) {
                        projected[v] -= s * g[j][v];
                    }
                }
            }
            for (int v = 0; v < sum.length; v++) {
                sum[v] += projected[v];
            }
        }
        return sum;
    }

    /** GradNorm: w = K·softmax(logits). */
    private double[] gradNormWeights() {
        double[] w = softmax(logits, 1.0);
        for (int i = 0; i < k; i++) {
            w[i] *= k;
        }
        return w;
    }

    /**
     * GradNorm's loss on the last shared layer's kernel gradient norms, and the SGD step of the logits, its gradient
     * derived by hand. Independent reference on purpose: {@code HandWrittenCheckTest} compares the runtime's
     * GradNormWeighter (which differentiates through SameDiff) against this.
     */
    private void gradNormUpdate(double[] losses, double[] w, double[] norms) {
        if (gradNormInitial == null) {
            gradNormInitial = losses.clone();
        }
        double[] relative = new double[k];
        double meanNorm = 0;
        double meanRelative = 0;
        for (int i = 0; i < k; i++) {
            relative[i] = losses[i] / gradNormInitial[i];
            meanNorm += norms[i] / k;
            meanRelative += relative[i] / k;
        }
        double[] weightGradient = new double[k];
        for (int i = 0; i < k; i++) {
            double target = meanNorm * Math.pow(relative[i] / meanRelative, Workloads.GRADNORM_ASYMMETRY);
            weightGradient[i] = Math.signum(norms[i] - target) * norms[i] / w[i];
        }
        for (int j = 0; j < k; j++) {
            double g = 0;
            for (int i = 0; i < k; i++) {
                g += weightGradient[i] * w[i] * ((i == j ? 1 : 0) - w[j] / k);
            }
            logits[j] = (float) (logits[j] - (float) (lr * (float) g));
        }
    }

    private void writeShared(List<Param> params, double[] values) {
        int offset = 0;
        for (Param p : params) {
            if (p.branch < 0) {
                offset = write(values, offset, p.grad);
            }
        }
    }

    /**
     * MGDA's weights for two branches: the minimum-norm point {@code α·g₁ + (1 − α)·g₂} of the segment between the
     * gradients, in closed form from their Gram matrix (Sener and Koltun 2018, Algorithm 1):
     * {@code α = clip((g₂·g₂ − g₁·g₂) / ‖g₁ − g₂‖², 0, 1)}; ½ when the gradients are equal (every point is then the
     * minimum, and the runtime keeps its start). Independent reference on purpose: {@code HandWrittenCheckTest}
     * compares the runtime's MgdaWeighter (its own closed form for two branches, a QP for more) against this.
     */
    static double[] minNormWeights(double[][] gram) {
        if (gram.length != 2) {
            throw new IllegalArgumentException("the hand-written MGDA has two branches, got " + gram.length);
        }
        double distance = gram[0][0] - 2 * gram[0][1] + gram[1][1];
        double alpha = distance <= 0 ? 0.5 : Math.min(1, Math.max(0, (gram[1][1] - gram[0][1]) / distance));
        return new double[] {alpha, 1 - alpha};
    }

    static double[] softmax(double[] z, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v / temperature);
        }
        double[] out = new double[z.length];
        double sum = 0;
        for (int i = 0; i < z.length; i++) {
            out[i] = Math.exp(z[i] / temperature - max);
            sum += out[i];
        }
        for (int i = 0; i < z.length; i++) {
            out[i] /= sum;
        }
        return out;
    }

    static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    /** The branch weights now in effect, as {@code Trainer.weights()} reports them. */
    public double[] weights() {
        double[] w = new double[k];
        switch (strategy) {
            case FIXED -> Arrays.fill(w, 1.0 / k);
            case TRAINABLE -> {
                w[0] = alpha;
                w[1] = 1 - alpha;
            }
            case UNCERTAINTY -> {
                for (int i = 0; i < k; i++) {
                    w[i] = (classification[i] ? 1.0 : 0.5) * Math.exp(-logVariance[i]);
                }
            }
            case GRADNORM -> w = gradNormWeights();
            case PCGRAD -> Arrays.fill(w, 1.0);
            case MGDA -> w = mgdaAlpha.clone();
            default -> w = lambda.clone();
        }
        return w;
    }

    /** Every parameter by the model's name, the weighting's included (copies). */
    public Map<String, INDArray> parameterValues() {
        Map<String, INDArray> values = new LinkedHashMap<>();
        for (Param p : parameters()) {
            values.put(p.name, p.value.dup());
        }
        switch (strategy) {
            case TRAINABLE -> values.put("weighting/alpha", Nd4j.scalar((float) alpha));
            case UNCERTAINTY -> values.put("weighting/log_variance",
                    Nd4j.createFromArray(logVariance).castTo(DataType.FLOAT));
            case GRADNORM -> values.put("weighting/logits", Nd4j.createFromArray(logits).castTo(DataType.FLOAT));
            default -> { }
        }
        return values;
    }

    // ---- Java passes over native buffers -----------------------------------------------------------------------

    static FloatBuffer floats(INDArray a) {
        if (a.dataType() != DataType.FLOAT || !isContiguous(a)) {
            throw new IllegalStateException("a contiguous FLOAT array expected");
        }
        return a.data().pointer().asByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    private static boolean isContiguous(INDArray a) {
        return a.ordering() == 'c' && Arrays.equals(a.stride(), Nd4j.getStrides(a.shape(), 'c'));
    }

    /** Copies {@code a} into {@code dst} from {@code offset}; returns the offset after it. */
    private int read(INDArray a, double[] dst, int offset) {
        int n = (int) a.length();
        if (scratch.length < n) {
            scratch = new float[n];
        }
        floats(a).get((int) a.offset(), scratch, 0, n);
        for (int i = 0; i < n; i++) {
            dst[offset + i] = scratch[i];
        }
        return offset + n;
    }

    /** Writes {@code src} from {@code offset} into {@code a}; returns the offset after it. */
    private int write(double[] src, int offset, INDArray a) {
        int n = (int) a.length();
        if (scratch.length < n) {
            scratch = new float[n];
        }
        for (int i = 0; i < n; i++) {
            scratch[i] = (float) src[offset + i];
        }
        floats(a).put((int) a.offset(), scratch, 0, n);
        return offset + n;
    }

    /**
     * {@code parameter ← parameter − lr·gradient} in place: BLAS {@code axpy}, which {@link ConvChoice} measured at
     * 0.5 µs for 18 values and 4 µs for 64 K, as cheap as a Java pass over the buffer for the smallest parameters and
     * 2–6x cheaper for the others (the runtime's Java {@code SgdUpdate} replaces ND4J's {@code sgd_updater} + {@code subi},
     * two op calls, not {@code axpy}).
     */
    static void sgd(double lr, INDArray parameter, INDArray gradient) {
        Nd4j.getBlasWrapper().level1().axpy(parameter.length(), -lr, gradient, parameter);
    }

    /** Whether a reshaped array is a view of the original's memory (the GEMMs write through it). */
    static boolean sameMemory(INDArray view, INDArray original) {
        return view.data().address() + view.offset() * 4 == original.data().address() + original.offset() * 4;
    }

    static int[] ints(long[] values) {
        int[] ints = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            ints[i] = Math.toIntExact(values[i]);
        }
        return ints;
    }

    /** {@code sum[1, n] = ones[1, rows] · g[rows, n]}: a bias gradient as one GEMM into a preallocated row. */
    static void columnSums(INDArray ones, INDArray g, INDArray sum) {
        Nd4j.gemm(ones, g, sum, false, false, 1.0, 0.0);
    }

    // ---- layers ------------------------------------------------------------------------------------------------

    /** {@code z = x·W + b}; backward writes dW, db and (optionally) dx. */
    static final class Dense {
        final INDArray w;
        final INDArray b;
        final INDArray dw;
        final INDArray db;
        final INDArray z;
        final INDArray dx;
        private final INDArray dbRow;
        private final INDArray ones;
        private final Bound forward;
        private final Bound bias;
        private final Bound weightGradient;
        private final Bound biasGradient;
        private final Bound inputGradient;
        private final Bound inputGradientAdd;
        private INDArray x;

        Dense(INDArray w, INDArray b, int batch, boolean needDx) {
            this(w, b, batch, needDx ? Nd4j.create(DataType.FLOAT, batch, w.size(0)) : null);
        }

        /** A layer whose input gradient goes to {@code dx} (null: not computed). */
        Dense(INDArray w, INDArray b, int batch, INDArray dx) {
            this.w = w.dup('c');
            this.b = b.dup('c');
            dw = Nd4j.create(DataType.FLOAT, w.shape());
            db = Nd4j.create(DataType.FLOAT, b.shape());
            dbRow = db.reshape(1, db.length());
            if (!sameMemory(dbRow, db)) {
                throw new IllegalStateException("reshape copied");
            }
            ones = Nd4j.ones(DataType.FLOAT, 1, batch);
            z = Nd4j.create(DataType.FLOAT, batch, w.size(1));
            this.dx = dx;
            // The input and the output gradient are rebound on every call; their shapes are fixed.
            INDArray input = Nd4j.create(DataType.FLOAT, batch, w.size(0));
            forward = Bound.gemm(input, this.w, z, false, false, 0.0);
            bias = new Bound(DynamicCustomOp.builder("add").addInputs(z, this.b).addOutputs(z).build(),
                    new INDArray[] {z, this.b}, z);
            weightGradient = Bound.gemm(input, z, dw, true, false, 0.0);
            biasGradient = Bound.gemm(ones, z, dbRow, false, false, 0.0);
            inputGradient = dx == null ? null : Bound.gemm(z, this.w, dx, false, true, 0.0);
            inputGradientAdd = dx == null ? null : Bound.gemm(z, this.w, dx, false, true, 1.0);
        }

        INDArray forward(INDArray input) {
            x = input;
            forward.input(0, input).run();
            bias.run();
            return z;
        }

        /** dx is accumulated into when {@code accumulate}. */
        void backward(INDArray dz, boolean accumulate) {
            weightGradient.input(0, x).input(1, dz).run();
            biasGradient.input(1, dz).run();
            if (dx != null) {
                (accumulate ? inputGradientAdd : inputGradient).input(0, dz).run();
            }
        }
    }

    /**
     * A custom op with its arrays bound once in an {@link OpContext}, as the compiled executor runs its plan: one
     * native call per run, without building the op's context each time ({@code Nd4j.gemm} builds one per call).
     */
    static final class Bound {
        private final DynamicCustomOp op;
        private final OpContext ctx;

        Bound(DynamicCustomOp op, INDArray[] inputs, INDArray output) {
            this.op = op;
            ctx = Nd4j.getExecutioner().buildContext();
            ctx.setArgs(inputs, op.iArgs(), op.dArgs(), op.tArgs(), op.bArgs());
            ctx.setOutputArray(0, output);
        }

        /** {@code c = op(a)·op(b) + beta·c}. */
        static Bound gemm(INDArray a, INDArray b, INDArray c, boolean transposeA, boolean transposeB, double beta) {
            Mmul mmul = new Mmul(a, b, c, 1.0, beta,
                    MMulTranspose.builder().transposeA(transposeA).transposeB(transposeB).build());
            return new Bound(mmul, new INDArray[] {a, b}, c);
        }

        Bound input(int index, INDArray array) {
            ctx.setInputArray(index, array);
            return this;
        }

        void run() {
            Nd4j.exec(op, ctx);
        }
    }

    /** How {@link Conv} computes a convolution whose input gradient is not needed. */
    enum ConvMode {
        /** im2col patches in Java; forward one GEMM + bias, backward the kernel-gradient GEMM and a ones-GEMM. */
        IM2COL,
        /** libnd4j's (oneDNN's) conv2d forward; backward as IM2COL (patches written in the backward). */
        HYBRID,
        /** conv2d and conv2d_bp. */
        LIBND4J;

        static ConvMode of(String name) {
            return valueOf(name.toUpperCase(java.util.Locale.ROOT));
        }
    }

    /**
     * NHWC convolution with bias, stride 1. Without an input gradient (and unless {@code -Dhandwritten.conv=libnd4j}):
     * im2col patches in Java + GEMMs; otherwise libnd4j's conv2d / conv2d_bp.
     */
    static final class Conv {
        final INDArray w;
        final INDArray b;
        final INDArray dw;
        final INDArray db;
        final INDArray out;
        final INDArray dx;
        final ConvMode mode;
        private final Conv2DConfig config;
        private INDArray x;
        private long[] iArgs;
        // im2col
        private final int batch;
        private final int height;
        private final int width;
        private final int channels;
        private final int kernel;
        private final int pad;
        private final int outH;
        private final int outW;
        private Bound forwardGemm;
        private Bound kernelGemm;
        private INDArray cols;
        private INDArray wAug;
        private INDArray dwAug;
        private INDArray out2;
        private float[] image;
        private float[] patchRows;
        private int rowStride;

        Conv(INDArray w, INDArray b, long[] inShape, int k, Padding padding, boolean needDx) {
            this(w, b, inShape, k, padding, needDx, ConvMode.of(System.getProperty("handwritten.conv", "im2col")));
        }

        /**
         * Without input gradient and not LIBND4J: the kernel and bias are views into one {@code [kH·kW·inC + 1, outC]}
         * matrix (the bias its last row) and every patch row ends in a 1, so the forward is one GEMM
         * {@code [patches, 1]·[W; b]} and the backward one GEMM {@code [patches, 1]ᵀ·dOut} that yields the kernel and
         * the bias gradient together (no bias op, no separate column sum).
         */
        Conv(INDArray w, INDArray b, long[] inShape, int k, Padding padding, boolean needDx, ConvMode mode) {
            config = Conv2DConfig.builder().kH(k).kW(k).sH(1).sW(1)
                    .paddingMode(padding == Padding.SAME ? PaddingMode.SAME : PaddingMode.VALID)
                    .dataFormat("NHWC").build();
            batch = (int) inShape[0];
            height = (int) inShape[1];
            width = (int) inShape[2];
            channels = (int) inShape[3];
            kernel = k;
            pad = padding == Padding.SAME ? (k - 1) / 2 : 0;
            outH = padding == Padding.SAME ? height : height - k + 1;
            outW = padding == Padding.SAME ? width : width - k + 1;
            long outC = w.size(3);
            out = Nd4j.create(DataType.FLOAT, batch, outH, outW, outC);
            dx = needDx ? Nd4j.create(DataType.FLOAT, inShape) : null;
            this.mode = needDx ? ConvMode.LIBND4J : mode;
            if (this.mode == ConvMode.LIBND4J) {
                this.w = w.dup('c');
                this.b = b.dup('c');
                dw = Nd4j.create(DataType.FLOAT, w.shape());
                db = Nd4j.create(DataType.FLOAT, b.shape());
                return;
            }
            long rows = (long) batch * outH * outW;
            int columns = k * k * channels;
            rowStride = columns + 1;
            wAug = Nd4j.create(DataType.FLOAT, columns + 1, outC);
            dwAug = Nd4j.create(DataType.FLOAT, columns + 1, outC);
            this.w = part(wAug, w.shape(), 0);
            this.b = part(wAug, b.shape(), columns * outC);
            dw = part(dwAug, w.shape(), 0);
            db = part(dwAug, b.shape(), columns * outC);
            this.w.assign(w);
            this.b.assign(b);
            cols = Nd4j.create(DataType.FLOAT, rows, rowStride);
            out2 = out.reshape(rows, outC);
            image = new float[batch * height * width * channels];
            patchRows = new float[Math.toIntExact(rows * rowStride)];
            for (long r = 0; r < rows; r++) {
                patchRows[(int) (r * rowStride + columns)] = 1f;
            }
            if (!sameMemory(out2, out)) {
                throw new IllegalStateException("reshape copied");
            }
            forwardGemm = Bound.gemm(cols, wAug, out2, false, false, 0.0);
            kernelGemm = Bound.gemm(cols, out2, dwAug, true, false, 0.0);
        }

        /** A c-ordered view of {@code shape} into {@code whole}'s buffer from {@code offset}. */
        private static INDArray part(INDArray whole, long[] shape, long offset) {
            return Nd4j.create(whole.data(), shape, Nd4j.getStrides(shape, 'c'), offset, 'c', DataType.FLOAT);
        }

        INDArray forward(INDArray input) {
            x = input;
            if (mode == ConvMode.IM2COL) {
                im2col(input);
                forwardGemm.run();
                return out;
            }
            Conv2D op = new Conv2D(new INDArray[] {x, w, b}, new INDArray[] {out}, config);
            iArgs = op.iArgs();
            Nd4j.exec(op);
            return out;
        }

        /** The kernel (and bias) gradient alone for {@code dOut}, im2col'ing {@code input} first when {@code newInput}. */
        void kernelGradient(INDArray input, INDArray dOut, boolean newInput) {
            if (newInput) {
                im2col(input);
            }
            kernelGemm.input(1, dOut.reshape(out2.shape())).run();
        }

        void backward(INDArray dOut) {
            if (mode != ConvMode.LIBND4J) {
                if (mode == ConvMode.HYBRID) {
                    im2col(x);
                }
                kernelGemm.input(1, dOut.reshape(out2.shape())).run();
                return;
            }
            INDArray dInput = dx != null ? dx : Nd4j.create(DataType.FLOAT, x.shape());
            Nd4j.exec(DynamicCustomOp.builder("conv2d_bp").addInputs(x, w, b, dOut).addOutputs(dInput, dw, db)
                    .addIntegerArguments(ints(iArgs)).build());
        }

        /**
         * The patches of {@code x} as rows {@code (n, oh, ow)}, columns {@code (kh, kw, c)}: one bulk read of the
         * whole batch into a heap array, the rows built with {@code System.arraycopy} per kernel row, one bulk write
         * (per-image reads and writes cost ≈ 0.1 ms more on the seed batch of 1024 small images).
         */
        private void im2col(INDArray input) {
            int kc = kernel * channels;
            int rowLength = rowStride;
            int imageSize = height * width * channels;
            int patchesSize = outH * outW * rowLength;
            floats(input).get((int) input.offset(), image, 0, batch * imageSize);
            // Row (n, oh, ow): kH·kW·inC patch values, then the 1 written once in the constructor.
            for (int n = 0; n < batch; n++) {
                int row = n * patchesSize;
                int base = n * imageSize;
                for (int oh = 0; oh < outH; oh++) {
                    int ih0 = oh - pad;
                    for (int ow = 0; ow < outW; ow++, row += rowLength) {
                        int iw0 = ow - pad;
                        boolean inW = iw0 >= 0 && iw0 + kernel <= width;
                        for (int kh = 0; kh < kernel; kh++) {
                            int ih = ih0 + kh;
                            int dst = row + kh * kc;
                            if (ih < 0 || ih >= height) {
                                Arrays.fill(patchRows, dst, dst + kc, 0f);
                                continue;
                            }
                            int line = base + ih * width * channels;
                            if (inW) {
                                int src = line + iw0 * channels;
                                if (kc <= 32) {
                                    // A plain loop: System.arraycopy's call costs more than 6 floats (the seed's).
                                    for (int q = 0; q < kc; q++) {
                                        patchRows[dst + q] = image[src + q];
                                    }
                                } else {
                                    System.arraycopy(image, src, patchRows, dst, kc);
                                }
                                continue;
                            }
                            for (int kw = 0; kw < kernel; kw++) {
                                int iw = iw0 + kw;
                                int d = dst + kw * channels;
                                if (iw < 0 || iw >= width) {
                                    Arrays.fill(patchRows, d, d + channels, 0f);
                                } else {
                                    System.arraycopy(image, line + iw * channels, patchRows, d, channels);
                                }
                            }
                        }
                    }
                }
            }
            floats(cols).put(0, patchRows, 0, batch * patchesSize);
        }
    }

    /** 2x2 max-pooling, stride 2, NHWC. */
    static final class Pool {
        final INDArray in;
        final INDArray out;
        final INDArray dIn;
        private final MaxPooling2D forward;
        private final DynamicCustomOp backward;

        Pool(INDArray in, INDArray dOut) {
            this.in = in;
            long[] s = in.shape();
            out = Nd4j.create(DataType.FLOAT, s[0], s[1] / 2, s[2] / 2, s[3]);
            dIn = in.like();
            Pooling2DConfig config = Pooling2DConfig.builder().kH(2).kW(2).sH(2).sW(2)
                    .paddingMode(PaddingMode.VALID).isNHWC(true).build();
            forward = new MaxPooling2D(in, out, config);
            backward = DynamicCustomOp.builder("maxpool2d_bp").addInputs(in, dOut).addOutputs(dIn)
                    .addIntegerArguments(ints(forward.iArgs())).build();
        }

        INDArray forward() {
            Nd4j.exec(forward);
            return out;
        }

        INDArray backward() {
            Nd4j.exec(backward);
            return dIn;
        }
    }

    /** ReLU in place; its backward masks the incoming gradient in place. */
    static void relu(INDArray x) {
        Nd4j.exec(new RectifiedLinear(x, x, 0.0));
    }

    static void reluBackward(INDArray activated, INDArray gradient) {
        Nd4j.exec(DynamicCustomOp.builder("relu_bp").addInputs(activated, gradient).addOutputs(gradient).build());
    }

    // ---- loss heads --------------------------------------------------------------------------------------------

    /**
     * Loss heads up to this many prediction values run as one Java pass over the native buffers (forward) and one
     * (backward) instead of 3–6 native ops each: a Java exp or log costs ≈ 10–30 ns, a native op's call ≈ 5–20 µs.
     */
    static final long JAVA_LOSS_MAX = 2048;

    /** Sigmoid + binary cross-entropy over all elements of {@code z} ([batch, n]). */
    static final class SigmoidBce {
        final INDArray p;
        final INDArray dz;
        private final INDArray tmp;
        private final INDArray tmp2;
        private final boolean java;
        private final float[] pv;
        private final float[] yv;
        private final float[] zv;

        SigmoidBce(int batch, long n) {
            p = Nd4j.create(DataType.FLOAT, batch, n);
            dz = p.like();
            tmp = p.like();
            tmp2 = p.like();
            java = p.length() <= JAVA_LOSS_MAX;
            int size = java ? (int) p.length() : 0;
            pv = new float[size];
            yv = new float[size];
            zv = new float[size];
        }

        /** Forward; returns the batch mean of the per-example mean loss. */
        double forward(INDArray z, INDArray y) {
            if (java) {
                int n = pv.length;
                floats(z).get((int) z.offset(), zv, 0, n);
                floats(y).get((int) y.offset(), yv, 0, n);
                double sum = 0;
                for (int i = 0; i < n; i++) {
                    double x = zv[i];
                    double e = Math.exp(-Math.abs(x));
                    pv[i] = (float) (x >= 0 ? 1 / (1 + e) : e / (1 + e));
                    // softplus(z) − y·z, the stable form of −(y ln p + (1 − y) ln(1 − p)).
                    sum += Math.max(x, 0) + Math.log1p(e) - yv[i] * x;
                }
                return sum / n;
            }
            Nd4j.exec(new Sigmoid(z, p));
            // BCE(σ(z), y) = softplus(z) - y·z, the numerically stable form of -(y ln p + (1-y) ln(1-p)).
            Nd4j.exec(new SoftPlus(z, tmp));
            tmp2.assign(y).muli(z);
            return tmp.subi(tmp2).meanNumber().doubleValue();
        }

        /** dL/dz scaled by the branch weight: (p - y)·w/(batch·n). */
        INDArray backward(INDArray y, double weight) {
            if (java) {
                int n = pv.length;
                float scale = (float) (weight / n);
                for (int i = 0; i < n; i++) {
                    zv[i] = (pv[i] - yv[i]) * scale;
                }
                floats(dz).put(0, zv, 0, n);
                return dz;
            }
            return dz.assign(p).subi(y).muli(weight / p.length());
        }
    }

    /** Softmax + sparse categorical cross-entropy with class indices as floats. */
    static final class SoftmaxCe {
        final INDArray p;
        final INDArray dz;
        private final INDArray oneHot;
        private final INDArray classes;
        private final INDArray logP;
        private final boolean java;
        private final float[] pv;
        private final float[] yv;
        private final int width;

        SoftmaxCe(int batch, int n) {
            p = Nd4j.create(DataType.FLOAT, batch, n);
            dz = p.like();
            oneHot = p.like();
            logP = p.like();
            classes = Nd4j.create(DataType.INT, batch);
            java = p.length() <= JAVA_LOSS_MAX;
            pv = new float[java ? (int) p.length() : 0];
            yv = new float[java ? batch : 0];
            width = n;
        }

        double forward(INDArray z, INDArray y) {
            if (java) {
                int rows = yv.length;
                floats(z).get((int) z.offset(), pv, 0, pv.length);
                floats(y).get((int) y.offset(), yv, 0, rows);
                double sum = 0;
                for (int r = 0; r < rows; r++) {
                    int o = r * width;
                    float max = Float.NEGATIVE_INFINITY;
                    for (int j = 0; j < width; j++) {
                        max = Math.max(max, pv[o + j]);
                    }
                    double total = 0;
                    for (int j = 0; j < width; j++) {
                        double e = Math.exp(pv[o + j] - max);
                        pv[o + j] = (float) e;
                        total += e;
                    }
                    for (int j = 0; j < width; j++) {
                        pv[o + j] = (float) (pv[o + j] / total);
                    }
                    sum -= Math.log(pv[o + (int) yv[r]]);
                }
                return sum / rows;
            }
            Nd4j.exec(new SoftMax(z, p, -1));
            classes.assign(y);
            Nd4j.exec(new OneHot(classes, oneHot, (int) p.size(1)));
            Nd4j.exec(new Log(p, logP));
            return -logP.muli(oneHot).sumNumber().doubleValue() / p.size(0);
        }

        INDArray backward(double weight) {
            if (java) {
                int rows = yv.length;
                float scale = (float) (weight / rows);
                FloatBuffer out = floats(dz);
                for (int r = 0; r < rows; r++) {
                    int o = r * width;
                    int c = (int) yv[r];
                    for (int j = 0; j < width; j++) {
                        out.put(o + j, (pv[o + j] - (j == c ? 1f : 0f)) * scale);
                    }
                }
                return dz;
            }
            return dz.assign(p).subi(oneHot).muli(weight / p.size(0));
        }
    }

    /** Mean squared error. */
    static final class Mse {
        final INDArray d;
        final INDArray dz;
        private final boolean java;
        private final float[] dv;
        private final float[] yv;

        Mse(int batch, long n) {
            d = Nd4j.create(DataType.FLOAT, batch, n);
            dz = d.like();
            java = d.length() <= JAVA_LOSS_MAX;
            dv = new float[java ? (int) d.length() : 0];
            yv = new float[dv.length];
        }

        double forward(INDArray z, INDArray y) {
            if (java) {
                int n = dv.length;
                floats(z).get((int) z.offset(), dv, 0, n);
                floats(y).get((int) y.offset(), yv, 0, n);
                double sum = 0;
                for (int i = 0; i < n; i++) {
                    dv[i] -= yv[i];
                    sum += (double) dv[i] * dv[i];
                }
                return sum / n;
            }
            d.assign(z).subi(y);
            return Nd4j.getBlasWrapper().dot(d, d) / d.length();
        }

        INDArray backward(double weight) {
            if (java) {
                int n = dv.length;
                float scale = (float) (2 * weight / n);
                FloatBuffer out = floats(dz);
                for (int i = 0; i < n; i++) {
                    out.put(i, dv[i] * scale);
                }
                return dz;
            }
            return dz.assign(d).muli(2 * weight / d.length());
        }
    }

    // ---- the workloads -----------------------------------------------------------------------------------------

    static final class Seed extends HandWritten {
        private final Conv conv;
        private final Dense dense;
        private final SigmoidBce loc;
        private final SigmoidBce cls;
        private final int batch;
        private final List<Param> params;
        private INDArray yLoc;
        private INDArray yCls;

        Seed(Weighting weighting, double lr, long seed, Map<String, INDArray> p, int batch) {
            super(weighting, lr, seed, 2, new boolean[] {true, true});
            this.batch = batch;
            conv = new Conv(p.get("localization/conv2d_0/W"), p.get("localization/conv2d_0/b"),
                    new long[] {batch, 5, 5, 2}, 3, Padding.VALID, false);
            dense = new Dense(p.get("classification/dense_0/W"), p.get("classification/dense_0/b"), batch, false);
            loc = new SigmoidBce(batch, 9);
            cls = new SigmoidBce(batch, 2);
            params = List.of(new Param("localization/conv2d_0/W", conv.w, conv.dw, 0),
                    new Param("localization/conv2d_0/b", conv.b, conv.db, 0),
                    new Param("classification/dense_0/W", dense.w, dense.dw, 1),
                    new Param("classification/dense_0/b", dense.b, dense.db, 1));
        }

        @Override
        List<Param> parameters() {
            return params;
        }

        @Override
        double[] forward(INDArray[] x, INDArray[] y) {
            INDArray zLoc = conv.forward(x[0]).reshape(batch, 9);
            yLoc = y[0].reshape(batch, 9);
            yCls = y[1];
            INDArray zCls = dense.forward(x[0].reshape(batch, 50));
            return new double[] {loc.forward(zLoc, yLoc), cls.forward(zCls, yCls)};
        }

        @Override
        void headBackward(int branch, double weight, boolean accumulate) {
            if (branch == 0) {
                conv.backward(loc.backward(yLoc, weight).reshape(batch, 3, 3, 1));
            } else {
                dense.backward(cls.backward(yCls, weight), false);
            }
        }

        @Override
        void trunkBackward() {
        }

        @Override
        public INDArray[] predict(INDArray[] x) {
            INDArray zLoc = conv.forward(x[0]);
            INDArray zCls = dense.forward(x[0].reshape(batch, 50));
            Nd4j.exec(new Sigmoid(zLoc, zLoc));
            Nd4j.exec(new Sigmoid(zCls, zCls));
            return new INDArray[] {zLoc, zCls};
        }
    }

    /**
     * The mlp and the cnn: a shared trunk whose {@code [batch, features]} output feeds a softmax-10 head (sparse
     * cross-entropy, branch 0, {@code classes}) and a linear head (MSE, branch 1). The heads, their losses, the
     * per-branch backward into the trunk output and GradNorm's per-branch loop live here; each workload adds its trunk.
     */
    abstract static class SharedTrunk extends HandWritten {
        final Dense classes;
        final Dense value;
        /** dL/d(trunk output): both heads write it, the second accumulating (or, per branch, overwriting). */
        final INDArray dFeatures;
        /** GRADNORM: one branch's own dL/d(trunk output); null otherwise. */
        final INDArray dFeaturesBranch;
        private final SoftmaxCe ce;
        private final Mse mse;
        private final String valueHead;
        // Built on first use: the trunk's layers exist only once the workload's constructor has run.
        private List<Param> params;

        SharedTrunk(Weighting weighting, double lr, long seed, Map<String, INDArray> p, int batch, int features,
                    String valueHead, int valueWidth) {
            super(weighting, lr, seed, 2, new boolean[] {true, false});
            this.valueHead = valueHead;
            dFeatures = Nd4j.create(DataType.FLOAT, batch, features);
            dFeaturesBranch = weighting == Weighting.GRADNORM ? dFeatures.like() : null;
            classes = new Dense(p.get("classes/dense_0/W"), p.get("classes/dense_0/b"), batch, dFeatures);
            value = new Dense(p.get(valueHead + "/dense_0/W"), p.get(valueHead + "/dense_0/b"), batch, dFeatures);
            ce = new SoftmaxCe(batch, 10);
            mse = new Mse(batch, valueWidth);
        }

        /** The trunk's forward pass: its {@code [batch, features]} output. */
        abstract INDArray trunk(INDArray x);

        /** The trunk's parameters, in the model's creation order. */
        abstract List<Param> trunkParameters();

        /**
         * GRADNORM: the norm of the last shared layer's kernel gradient for one branch's {@code dFeatures} (the
         * trunk's layers below it are untouched); {@code firstBranch}: the first call of this step.
         */
        abstract double lastSharedKernelGradientNorm(INDArray dFeatures, boolean firstBranch);

        @Override
        final List<Param> parameters() {
            if (params == null) {
                List<Param> all = new ArrayList<>(trunkParameters());
                all.add(new Param("classes/dense_0/W", classes.w, classes.dw, 0));
                all.add(new Param("classes/dense_0/b", classes.b, classes.db, 0));
                all.add(new Param(valueHead + "/dense_0/W", value.w, value.dw, 1));
                all.add(new Param(valueHead + "/dense_0/b", value.b, value.db, 1));
                params = List.copyOf(all);
            }
            return params;
        }

        @Override
        final double[] forward(INDArray[] x, INDArray[] y) {
            INDArray h = trunk(x[0]);
            return new double[] {ce.forward(classes.forward(h), y[0]), mse.forward(value.forward(h), y[1])};
        }

        @Override
        final void headBackward(int branch, double weight, boolean accumulate) {
            // dL/dh = dz_classes·W_classesᵀ + dz_value·W_valueᵀ: the second GEMM accumulates into the first.
            if (branch == 0) {
                classes.backward(ce.backward(weight), accumulate);
            } else {
                value.backward(mse.backward(weight), accumulate);
            }
        }

        @Override
        final double[] lastSharedGradientNorms() {
            Dense[] heads = {classes, value};
            INDArray[] dz = {ce.dz, mse.dz};
            double[] norms = new double[2];
            for (int i = 0; i < 2; i++) {
                // This branch's own dL/dh, from its head's (weighted) output gradient alone.
                Nd4j.gemm(dz[i], heads[i].w, dFeaturesBranch, false, true, 1.0, 0.0);
                norms[i] = lastSharedKernelGradientNorm(dFeaturesBranch, i == 0);
            }
            return norms;
        }

        @Override
        public final INDArray[] predict(INDArray[] x) {
            INDArray h = trunk(x[0]);
            INDArray z = classes.forward(h);
            Nd4j.exec(new SoftMax(z, z, -1));
            return new INDArray[] {z, value.forward(h)};
        }
    }

    static final class Mlp extends SharedTrunk {
        private final Dense d1;
        private final Dense d2;
        private final INDArray dwBranch;

        Mlp(Weighting weighting, double lr, long seed, Map<String, INDArray> p, int batch) {
            super(weighting, lr, seed, p, batch, 256, "value", 1);
            d1 = new Dense(p.get("trunk/dense_0/W"), p.get("trunk/dense_0/b"), batch, false);
            d2 = new Dense(p.get("trunk/dense_1/W"), p.get("trunk/dense_1/b"), batch, true);
            dwBranch = weighting == Weighting.GRADNORM ? Nd4j.create(DataType.FLOAT, d2.w.shape()) : null;
        }

        @Override
        List<Param> trunkParameters() {
            return List.of(new Param("trunk/dense_0/W", d1.w, d1.dw, -1),
                    new Param("trunk/dense_0/b", d1.b, d1.db, -1),
                    new Param("trunk/dense_1/W", d2.w, d2.dw, -1),
                    new Param("trunk/dense_1/b", d2.b, d2.db, -1));
        }

        @Override
        INDArray trunk(INDArray x) {
            INDArray h1 = d1.forward(x);
            relu(h1);
            INDArray h2 = d2.forward(h1);
            relu(h2);
            return h2;
        }

        @Override
        double lastSharedKernelGradientNorm(INDArray dh, boolean firstBranch) {
            reluBackward(d2.z, dh);
            Nd4j.gemm(d1.z, dh, dwBranch, true, false, 1.0, 0.0);
            return norm(dwBranch);
        }

        @Override
        void trunkBackward() {
            reluBackward(d2.z, dFeatures);
            d2.backward(dFeatures, false);
            reluBackward(d1.z, d2.dx);
            d1.backward(d2.dx, false);
        }
    }

    static final class Cnn extends SharedTrunk {
        private final Conv c1;
        private final Pool p1;
        private final Conv c2;
        private final Pool p2;
        private final int batch;
        // GRADNORM: one branch's gradient through the second pool and ReLU, and the second conv's kernel gradient.
        private final Pool p2Branch;
        private final Conv c2Kernel;

        Cnn(Weighting weighting, double lr, long seed, Map<String, INDArray> p, int batch) {
            super(weighting, lr, seed, p, batch, 8 * 8 * 64, "box", 4);
            this.batch = batch;
            c1 = new Conv(p.get("trunk/conv2d_0/W"), p.get("trunk/conv2d_0/b"), new long[] {batch, 32, 32, 3}, 3,
                    Padding.SAME, false);
            c2 = new Conv(p.get("trunk/conv2d_1/W"), p.get("trunk/conv2d_1/b"), new long[] {batch, 16, 16, 32}, 3,
                    Padding.SAME, true);
            // conv2d_bp of c2 writes its input gradient where maxpool2d_bp of p1 reads it; both heads write
            // (the second accumulating) where maxpool2d_bp of p2 reads.
            p1 = new Pool(c1.out, c2.dx);
            p2 = new Pool(c2.out, pooled(dFeatures));
            if (weighting == Weighting.GRADNORM) {
                p2Branch = new Pool(c2.out, pooled(dFeaturesBranch));
                c2Kernel = new Conv(p.get("trunk/conv2d_1/W"), p.get("trunk/conv2d_1/b"),
                        new long[] {batch, 16, 16, 32}, 3, Padding.SAME, false, ConvMode.IM2COL);
            } else {
                p2Branch = null;
                c2Kernel = null;
            }
        }

        /** The {@code [batch, 8, 8, 64]} view of a flat trunk-output gradient the pool's backward reads. */
        private INDArray pooled(INDArray flat) {
            INDArray view = flat.reshape(batch, 8, 8, 64);
            if (!sameMemory(view, flat)) {
                throw new IllegalStateException("reshape copied");
            }
            return view;
        }

        @Override
        List<Param> trunkParameters() {
            return List.of(new Param("trunk/conv2d_0/W", c1.w, c1.dw, -1),
                    new Param("trunk/conv2d_0/b", c1.b, c1.db, -1),
                    new Param("trunk/conv2d_1/W", c2.w, c2.dw, -1),
                    new Param("trunk/conv2d_1/b", c2.b, c2.db, -1));
        }

        @Override
        INDArray trunk(INDArray x) {
            relu(c1.forward(x));
            p1.forward();
            relu(c2.forward(p1.out));
            return p2.forward().reshape(batch, 8 * 8 * 64);
        }

        @Override
        double lastSharedKernelGradientNorm(INDArray dFlat, boolean firstBranch) {
            INDArray dRelu = p2Branch.backward();
            reluBackward(c2.out, dRelu);
            // The patches of the second conv's input are the same for both branches: written once a step.
            c2Kernel.kernelGradient(p1.out, dRelu, firstBranch);
            return norm(c2Kernel.dw);
        }

        @Override
        void trunkBackward() {
            INDArray dRelu2 = p2.backward();
            reluBackward(c2.out, dRelu2);
            c2.backward(dRelu2);
            INDArray dRelu1 = p1.backward();
            reluBackward(c1.out, dRelu1);
            c1.backward(dRelu1);
        }
    }
}

package io.github.branchwise.runtime.strategies;

import io.github.branchwise.annotations.EpochMean;
import io.github.branchwise.annotations.GradNormScope;
import io.github.branchwise.annotations.GradNormWarmup;
import io.github.branchwise.annotations.GradientSource;
import io.github.branchwise.annotations.HeadGradients;
import io.github.branchwise.runtime.GraphHost;
import io.github.branchwise.runtime.Losses;
import io.github.branchwise.runtime.weighting.StepInfo;
import io.github.branchwise.runtime.weighting.BranchGradients;
import io.github.branchwise.runtime.weighting.Weighter;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * GradNorm, Chen et al. (2018). {@code total = Σ wᵢ·Lᵢ} trains the network; the weights are trained by a loss of
 * their own, {@code L_grad = Σ |Gᵢ - Ḡ·rᵢ^a|}, where {@code Gᵢ = ‖∇_W wᵢ·Lᵢ‖} on the weights W of the last layer of
 * the shared trunk, {@code Ḡ} is their mean, {@code rᵢ = L̃ᵢ / mean(L̃)} with {@code L̃ᵢ = Lᵢ(t)/Lᵢ(0)} the relative
 * inverse training rate, and the targets {@code Ḡ·rᵢ^a} are held constant.
 *
 * <p>As in LibMTL, the weights are {@code w = K·softmax(l)} of trainable logits {@code weighting/logits} (starting
 * at 0, so w = 1): they stay positive and sum to K without a projection, and the optimiser moves them on a log
 * scale, which matters when the right weights differ by orders of magnitude (the paper's σ = (1, 100) toy). The
 * model's optimiser (or its {@code weighting} group's) is applied to
 * {@code ∂L_grad/∂lⱼ = Σᵢ sign(Gᵢ - targetᵢ)·‖∇_W Lᵢ‖·wᵢ·(δᵢⱼ - wⱼ/K)}.
 *
 * <p>The conventions ({@code @WeightedLoss} attributes): the norms are measured on the last shared layer's W
 * ({@link GradNormScope#LAST_SHARED_LAYER}, the paper) or on every shared parameter
 * ({@link GradNormScope#ALL_SHARED}, LibMTL); the weights adapt from the first step with {@code Lᵢ(0)} the first
 * batch's losses ({@link GradNormWarmup#NONE}, the paper) or from the second epoch, the first training with equal
 * weights and giving {@code Lᵢ(0)} as its mean loss ({@link GradNormWarmup#FIRST_EPOCH}, LibMTL); branch
 * {@code i}'s own parameters get {@code wᵢ·∇Lᵢ} ({@link HeadGradients#WEIGHTED}) or {@code ∇Lᵢ}
 * ({@link HeadGradients#PLAIN}, LibMTL); the shared ones always get {@code Σ wᵢ·∇Lᵢ}.
 */
public final class GradNormWeighter implements Weighter {
    private final double asymmetry;
    private final String sharedLayer;
    private final HeadGradients heads;
    private final GradNormWarmup warmup;
    private final GradNormScope scope;
    private final EpochMean epochMean;
    private final GradientSource source;
    private SDVariable logits;
    private int branches;
    private double[] initialLosses;
    /** FIRST_EPOCH: the first epoch's weighted loss sums and their total weight, until it ends. */
    private double[] warmupSums;
    private double warmupWeight;
    private double[] lastNorms;
    private double[] lastTargets;

    /**
     * @param asymmetry   the exponent a of the targets
     * @param sharedLayer the {@code @Shared} method whose last layer's weights measure the norms; empty for the last
     */
    public GradNormWeighter(double asymmetry, String sharedLayer) {
        this(asymmetry, sharedLayer, HeadGradients.WEIGHTED, GradNormWarmup.NONE, GradNormScope.LAST_SHARED_LAYER,
                EpochMean.PER_BATCH);
    }

    /**
     * @param asymmetry   the exponent a of the targets
     * @param sharedLayer the {@code @Shared} method whose last layer's weights measure the norms; empty for the last
     *                    declared; only with {@link GradNormScope#LAST_SHARED_LAYER}
     * @param heads       what each branch's own parameters get
     * @param warmup      when the weights start adapting
     * @param scope       where the norms are measured
     * @param epochMean   how the first epoch's mean loss is taken, with {@link GradNormWarmup#FIRST_EPOCH}
     */
    public GradNormWeighter(double asymmetry, String sharedLayer, HeadGradients heads, GradNormWarmup warmup,
                            GradNormScope scope, EpochMean epochMean) {
        this(asymmetry, sharedLayer, heads, warmup, scope, epochMean, GradientSource.PARAMETERS);
    }

    /**
     * As {@link #GradNormWeighter(double, String, HeadGradients, GradNormWarmup, GradNormScope, EpochMean)}, the norms
     * measured on the gradients {@code source} names: with a representation source, {@code ‖∂(wᵢ·Lᵢ)/∂z‖} on the
     * output {@code z} of the last {@code @Shared} method, and {@code scope} and {@code sharedLayer} unused.
     */
    public GradNormWeighter(double asymmetry, String sharedLayer, HeadGradients heads, GradNormWarmup warmup,
                            GradNormScope scope, EpochMean epochMean, GradientSource source) {
        this.source = Objects.requireNonNull(source, "source");
        this.heads = Objects.requireNonNull(heads, "heads");
        this.warmup = Objects.requireNonNull(warmup, "warmup");
        this.scope = Objects.requireNonNull(scope, "scope");
        this.epochMean = Objects.requireNonNull(epochMean, "epochMean");
        if (scope == GradNormScope.ALL_SHARED && sharedLayer != null && !sharedLayer.isEmpty()) {
            throw new IllegalArgumentException("GRADNORM sharedLayer names the layer measured with gradNormScope "
                    + "LAST_SHARED_LAYER; with ALL_SHARED every shared parameter is measured, so leave it empty; got '"
                    + sharedLayer + "'");
        }
        if (!(asymmetry >= 0) || Double.isInfinite(asymmetry)) {
            throw new IllegalArgumentException("GRADNORM asymmetry must be finite and non-negative, got " + asymmetry);
        }
        this.asymmetry = asymmetry;
        this.sharedLayer = sharedLayer == null ? "" : sharedLayer;
    }

    @Override
    public SDVariable combine(GraphHost host, List<SDVariable> branchLosses) {
        branches = branchLosses.size();
        warmupSums = new double[branches];
        logits = host.parameter("weighting/logits", Nd4j.zeros(branches));
        SDVariable exp = host.sameDiff().math().exp(logits);
        SDVariable weights = exp.div(exp.sum()).mul(branches);
        return LossSums.weightedSum(host, weights, branchLosses);
    }

    @Override
    public boolean needsBranchGradients() {
        return true;
    }

    @Override
    public boolean needsRepresentationGradients() {
        return source != GradientSource.PARAMETERS;
    }

    @Override
    public Map<String, INDArray> combineGradients(BranchGradients gradients) {
        double[] ones = new double[branches];
        Arrays.fill(ones, 1.0);
        if (warmup == GradNormWarmup.FIRST_EPOCH && gradients.step().epoch() == 0) {
            // Equal weights (the logits have not moved), the plain sum, and no change to the logits.
            Map<String, INDArray> combined = gradients.combine(ones);
            INDArray current = combined.get("weighting/logits");
            if (current != null) {
                current.assign(0);
            }
            return combined;
        }
        List<String> shared = gradients.sharedParameters();
        String layer = null;
        if (source != GradientSource.PARAMETERS) {
            if (shared.isEmpty()) {
                throw new IllegalStateException("GRADNORM needs shared parameters for the representation's gradient "
                        + "to train");
            }
        } else if (scope == GradNormScope.LAST_SHARED_LAYER) {
            layer = lastLayerWeights(gradients);
            if (!gradients.parameterNames().contains(layer)) {
                throw new IllegalStateException("GRADNORM measures gradient norms on '" + layer + "', which is frozen");
            }
        } else if (shared.isEmpty()) {
            throw new IllegalStateException("GRADNORM measures gradient norms on the shared parameters, and every one "
                    + "is frozen or the model shares none");
        }
        double[] losses = gradients.losses();
        if (initialLosses == null) {
            initialLosses = losses.clone();
        }
        double[] w = weights();
        double[] norms = new double[branches];
        double[][] gram = source != GradientSource.PARAMETERS
                ? gradients.representationGram(source == GradientSource.REPRESENTATION_BATCH_SUM)
                : layer == null ? gradients.gram(shared) : null;
        double[] relative = new double[branches];
        double meanNorm = 0;
        double meanRelative = 0;
        for (int i = 0; i < branches; i++) {
            norms[i] = layer != null ? gradients.norm(i, layer) : Math.sqrt(Math.max(0, gram[i][i]));
            relative[i] = losses[i] / initialLosses[i];
            meanNorm += norms[i] / branches;
            meanRelative += relative[i] / branches;
        }
        double[] targets = new double[branches];
        double[] weightGradient = new double[branches];
        for (int i = 0; i < branches; i++) {
            targets[i] = meanNorm * Math.pow(relative[i] / meanRelative, asymmetry);
            // ∂|Gᵢ - targetᵢ|/∂wᵢ with Gᵢ = wᵢ·‖∇ Lᵢ‖.
            weightGradient[i] = Math.signum(norms[i] - targets[i]) * norms[i] / w[i];
        }
        double[] logitGradient = new double[branches];
        for (int j = 0; j < branches; j++) {
            for (int i = 0; i < branches; i++) {
                logitGradient[j] += weightGradient[i] * w[i] * ((i == j ? 1 : 0) - w[j] / branches);
            }
        }
        lastNorms = norms;
        lastTargets = targets;

        Map<String, INDArray> combined;
        if (heads == HeadGradients.PLAIN) {
            // The passes give the gradients of wᵢ·Lᵢ: 1/wᵢ makes a head's plain again, the shared keep Σ wᵢ·∇Lᵢ.
            double[] plain = new double[branches];
            for (int i = 0; i < branches; i++) {
                plain[i] = 1 / w[i];
            }
            combined = gradients.combine(plain, shared, ones);
        } else {
            combined = gradients.combine(ones);
        }
        INDArray current = combined.get("weighting/logits");
        if (current != null) {
            // Written into the combination's own buffer: no array allocated per step.
            for (int i = 0; i < branches; i++) {
                current.putScalar(i, logitGradient[i]);
            }
        }
        return combined;
    }

    @Override
    public void afterStep(StepInfo step, Losses losses) {
        if (warmup != GradNormWarmup.FIRST_EPOCH || step.epoch() != 0) {
            return;
        }
        double weight = EpochMeans.weight(epochMean, step);
        for (int i = 0; i < branches; i++) {
            warmupSums[i] += weight * losses.branchLoss(i);
        }
        warmupWeight += weight;
    }

    @Override
    public void onEpochEnd(long epoch) {
        if (warmup == GradNormWarmup.FIRST_EPOCH && epoch == 0 && warmupWeight > 0) {
            initialLosses = new double[branches];
            for (int i = 0; i < branches; i++) {
                initialLosses[i] = warmupSums[i] / warmupWeight;
            }
        }
    }

    private String lastLayerWeights(BranchGradients gradients) {
        Map<String, List<String>> scopes = gradients.sharedScopes();
        if (scopes.isEmpty()) {
            throw new IllegalStateException("GRADNORM needs a @Shared method with layers: it measures the branches' "
                    + "gradient norms on the last shared layer");
        }
        List<String> parameters;
        if (sharedLayer.isEmpty()) {
            // The last @Shared method the model class declares, not the last to create a parameter (an experts group
            // or a method declared earlier but first called later).
            List<String> declared = gradients.sharedMethods();
            parameters = declared.isEmpty() ? List.copyOf(scopes.values()).get(scopes.size() - 1)
                    : scopes.get(declared.get(declared.size() - 1));
        } else {
            parameters = scopes.get(sharedLayer);
            if (parameters == null) {
                throw new IllegalStateException("GRADNORM sharedLayer '" + sharedLayer + "' has no parameters; "
                        + "shared methods with parameters: " + scopes.keySet());
            }
        }
        for (int i = parameters.size() - 1; i >= 0; i--) {
            if (parameters.get(i).endsWith("/W")) {
                return parameters.get(i);
            }
        }
        return parameters.get(parameters.size() - 1);
    }

    /**
     * With {@code gradientSource = PARAMETERS}: each branch term wᵢ·Lᵢ is linear in its loss; the weights get their
     * gradient from the whole batch: its losses and the norms of its summed gradients. Not with a representation
     * source: the representation gradients are one row per example, which shards concatenate.
     */
    @Override
    public boolean additiveOverExamples() {
        return source == GradientSource.PARAMETERS;
    }

    @Override
    public double[] weights() {
        double[] l = logits.getArr().toDoubleVector();
        double max = Arrays.stream(l).max().orElse(0);
        double sum = 0;
        double[] w = new double[l.length];
        for (int i = 0; i < l.length; i++) {
            w[i] = Math.exp(l[i] - max);
            sum += w[i];
        }
        for (int i = 0; i < l.length; i++) {
            w[i] *= branches / sum;
        }
        return w;
    }

    /** The gradient norms {@code Gᵢ} of the last step, or null before the first. */
    public double[] lastGradientNorms() {
        return lastNorms == null ? null : lastNorms.clone();
    }

    /** The targets {@code Ḡ·rᵢ^a} of the last step, or null before the first. */
    public double[] lastTargets() {
        return lastTargets == null ? null : lastTargets.clone();
    }

    @Override
    public Map<String, INDArray> state() {
        Map<String, INDArray> state = new HashMap<>();
        if (initialLosses != null) {
            state.put("initial_losses", Nd4j.createFromArray(initialLosses.clone()));
        }
        if (warmup == GradNormWarmup.FIRST_EPOCH) {
            state.put("warmup_sums", Nd4j.createFromArray(warmupSums.clone()));
            state.put("warmup_weight", Nd4j.createFromArray(new double[] {warmupWeight}));
        }
        return state;
    }

    @Override
    public void restoreState(Map<String, INDArray> state) {
        INDArray initial = state.get("initial_losses");
        initialLosses = initial == null ? null : initial.toDoubleVector();
        if (state.containsKey("warmup_sums")) {
            warmupSums = state.get("warmup_sums").toDoubleVector();
            warmupWeight = state.get("warmup_weight").getDouble(0);
        }
    }
}

package io.github.branchwise.runtime.strategies;

import io.github.branchwise.runtime.GraphHost;
import io.github.branchwise.runtime.weighting.BranchGradients;
import io.github.branchwise.runtime.weighting.Weighter;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 */
public final class GradNormWeighter implements Weighter {
    private final double asymmetry;
    private final String sharedLayer;
    private SDVariable logits;
    private int branches;
    private double[] initialLosses;
    private double[] lastNorms;
    private double[] lastTargets;

    /**
     * @param asymmetry   the exponent a of the targets
     * @param sharedLayer the {@code @Shared} method whose last layer's weights measure the norms; empty for the last
     */
    public GradNormWeighter(double asymmetry, String sharedLayer) {
        if (!(asymmetry >= 0) || Double.isInfinite(asymmetry)) {
            throw new IllegalArgumentException("GRADNORM asymmetry must be finite and non-negative, got " + asymmetry);
        }
        this.asymmetry = asymmetry;
        this.sharedLayer = sharedLayer == null ? "" : sharedLayer;
    }

    @Override
    public SDVariable combine(GraphHost host, List<SDVariable> branchLosses) {
        branches = branchLosses.size();
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
    public Map<String, INDArray> combineGradients(BranchGradients gradients) {
        String layer = lastLayerWeights(gradients);
        if (!gradients.parameterNames().contains(layer)) {
            throw new IllegalStateException("GRADNORM measures gradient norms on '" + layer + "', which is frozen");
        }
        double[] losses = gradients.losses();
        if (initialLosses == null) {
            initialLosses = losses.clone();
        }
        double[] w = weights();
        double[] norms = new double[branches];
        double[] relative = new double[branches];
        double meanNorm = 0;
        double meanRelative = 0;
        for (int i = 0; i < branches; i++) {
            norms[i] = gradients.norm(i, layer);
            relative[i] = losses[i] / initialLosses[i];
            meanNorm += norms[i] / branches;
            meanRelative += relative[i] / branches;
        }
        double[] targets = new double[branches];
        double[] weightGradient = new double[branches];
        for (int i = 0; i < branches; i++) {
            targets[i] = meanNorm * Math.pow(relative[i] / meanRelative, asymmetry);
            // ∂|Gᵢ - targetᵢ|/∂wᵢ with Gᵢ = wᵢ·‖∇_W Lᵢ‖.
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

        double[] ones = new double[branches];
        Arrays.fill(ones, 1.0);
        Map<String, INDArray> combined = gradients.combine(ones);
        INDArray current = combined.get("weighting/logits");
        if (current != null) {
            // Written into the combination's own buffer: no array allocated per step.
            for (int i = 0; i < branches; i++) {
                current.putScalar(i, logitGradient[i]);
            }
        }
        return combined;
    }

    private String lastLayerWeights(BranchGradients gradients) {
        Map<String, List<String>> scopes = gradients.sharedScopes();
        if (scopes.isEmpty()) {
            throw new IllegalStateException("GRADNORM needs a @Shared method with layers: it measures the branches' "
                    + "gradient norms on the last shared layer");
        }
        List<String> parameters;
        if (sharedLayer.isEmpty()) {
            parameters = List.copyOf(scopes.values()).get(scopes.size() - 1);
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

    /** True: each branch term wᵢ·Lᵢ is linear in its loss; the weights get their gradient from the whole batch: its losses and the norms of its summed gradients. */
    @Override
    public boolean additiveOverExamples() {
        return true;
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
        return state;
    }

    @Override
    public void restoreState(Map<String, INDArray> state) {
        INDArray initial = state.get("initial_losses");
        initialLosses = initial == null ? null : initial.toDoubleVector();
    }
}

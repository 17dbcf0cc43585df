package io.github.branchwise.runtime.strategies;

import io.github.branchwise.annotations.UncertaintyScale;
import io.github.branchwise.runtime.GraphHost;
import io.github.branchwise.runtime.weighting.Weighter;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Kendall, Gal and Cipolla (2018): {@code total = Σ cᵢ·exp(-sᵢ)·Lᵢ + ½·sᵢ} with a trainable
 * {@code sᵢ = log σᵢ²} per branch ({@code weighting/log_variance}, starting at {@code initialLogVariance}: 0 by
 * default, i.e. σ = 1; LibMTL starts at -0.5).
 *
 * <p>With {@link UncertaintyScale#BY_LOSS}, {@code cᵢ = ½} for a regression branch (Gaussian likelihood:
 * {@code L/(2σ²) + log σ}) and {@code cᵢ = 1} for a classification branch (softmax likelihood approximation:
 * {@code L/σ² + log σ}); with {@link UncertaintyScale#HALF} (LibMTL's UW) {@code cᵢ = ½} for every branch. Setting
 * {@code ∂/∂sᵢ = 0} gives the point each settles at: {@code exp(sᵢ) = σᵢ² = 2cᵢ·Lᵢ}. The reported weight of a branch
 * is {@code cᵢ·exp(-sᵢ)}; the learned σ is {@code sqrt(exp(sᵢ))}.
 */
public final class UncertaintyWeighter implements Weighter {
    private final double[] scale;
    private final double initialLogVariance;
    private SDVariable logVariance;

    /** @param classification per branch, whether it uses the classification form */
    public UncertaintyWeighter(boolean[] classification) {
        this(classification, UncertaintyScale.BY_LOSS, 0.0);
    }

    /**
     * @param classification     per branch, whether its loss is a cross-entropy (read by {@link UncertaintyScale#BY_LOSS})
     * @param scale              how {@code cᵢ} is chosen
     * @param initialLogVariance the starting {@code sᵢ} of every branch, finite
     */
    public UncertaintyWeighter(boolean[] classification, UncertaintyScale scale, double initialLogVariance) {
        if (!Double.isFinite(initialLogVariance)) {
            throw new IllegalArgumentException("UNCERTAINTY initialLogVariance must be finite; " + initialLogVariance
                    + " is not");
        }
        this.scale = new double[classification.length];
        for (int i = 0; i < this.scale.length; i++) {
            this.scale[i] = scale == UncertaintyScale.BY_LOSS && classification[i] ? 1.0 : 0.5;
        }
        this.initialLogVariance = initialLogVariance;
    }

    @Override
    public SDVariable combine(GraphHost host, List<SDVariable> branchLosses) {
        if (branchLosses.size() != scale.length) {
            throw new IllegalArgumentException("UNCERTAINTY weighting was set up for " + scale.length
                    + " branches, got " + branchLosses.size());
        }
        double[] start = new double[scale.length];
        // A double array: the parameter takes the model's type from it, and 0.3 in float would lose digits.
        java.util.Arrays.fill(start, initialLogVariance);
        logVariance = host.parameter("weighting/log_variance", Nd4j.createFromArray(start));
        SDVariable stacked = host.sameDiff().stack(0, branchLosses.toArray(new SDVariable[0]));
        SDVariable c = host.sameDiff().constant(Nd4j.createFromArray(scale).castTo(host.dataType()));
        SDVariable precision = host.sameDiff().math().exp(logVariance.neg());
        return c.mul(precision).mul(stacked).add(logVariance.mul(0.5)).sum();
    }

    /** True: Σ cᵢ·exp(-sᵢ)·Lᵢ + ½·sᵢ is affine in the losses, its regulariser independent of the examples. */
    @Override
    public boolean additiveOverExamples() {
        return true;
    }

    @Override
    public double[] weights() {
        double[] s = logVariance.getArr().toDoubleVector();
        double[] w = new double[s.length];
        for (int i = 0; i < s.length; i++) {
            w[i] = scale[i] * Math.exp(-s[i]);
        }
        return w;
    }

    /** The learned standard deviations {@code σᵢ = sqrt(exp(sᵢ))}, in branch order. */
    public double[] sigmas() {
        INDArray s = logVariance.getArr();
        double[] sigma = new double[(int) s.length()];
        for (int i = 0; i < sigma.length; i++) {
            sigma[i] = Math.sqrt(Math.exp(s.getDouble(i)));
        }
        return sigma;
    }
}

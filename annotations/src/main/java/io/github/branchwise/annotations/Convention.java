package io.github.branchwise.annotations;

/**
 * Whose choices a strategy follows where the papers and the reference code differ: a preset for every convention
 * attribute of {@link WeightedLoss} at once. An attribute set explicitly wins over the preset.
 *
 * <p>Read by {@link Weighting#UNCERTAINTY}, {@link Weighting#DWA}, {@link Weighting#GRADNORM},
 * {@link Weighting#PCGRAD} and {@link Weighting#MGDA}; the other strategies compute the same numbers either way.
 */
public enum Convention {
    /**
     * Branchwise's own choices, those of the papers where they say: weighted head gradients, MGDA without
     * normalisation or clamp, UNCERTAINTY's constant by loss and {@code s = 0} at the start, GradNorm from the first
     * step on the last shared layer, PCGrad visiting the other branches only, epoch means per batch.
     */
    BRANCHWISE(HeadGradients.WEIGHTED, MgdaNormalization.NONE, UncertaintyScale.BY_LOSS, 0.0, GradNormWarmup.NONE,
            GradNormScope.LAST_SHARED_LAYER, PcGradOrder.OTHERS, EpochMean.PER_BATCH),
    /**
     * The choices of LibMTL ({@code median-research-group/LibMTL}), to reproduce a study run with it: plain head
     * gradients, MGDA's two-branch solution 0.999/0.001 where the exact one is 1/0 and its update with the normalised
     * gradients (normalisation stays {@code none}, LibMTL's default), UNCERTAINTY with ½ for every branch and {@code s = -0.5} at the start, GradNorm warming up
     * for one epoch and measuring on every shared parameter, PCGrad's shuffled order including the branch itself,
     * epoch means weighted by batch size.
     */
    LIBMTL(HeadGradients.PLAIN, MgdaNormalization.NONE, UncertaintyScale.HALF, -0.5, GradNormWarmup.FIRST_EPOCH,
            GradNormScope.ALL_SHARED, PcGradOrder.ALL, EpochMean.PER_EXAMPLE);

    private final HeadGradients headGradients;
    private final MgdaNormalization mgdaNormalization;
    private final UncertaintyScale uncertaintyScale;
    private final double initialLogVariance;
    private final GradNormWarmup gradNormWarmup;
    private final GradNormScope gradNormScope;
    private final PcGradOrder pcGradOrder;
    private final EpochMean epochMean;

    Convention(HeadGradients headGradients, MgdaNormalization mgdaNormalization, UncertaintyScale uncertaintyScale,
               double initialLogVariance, GradNormWarmup gradNormWarmup, GradNormScope gradNormScope,
               PcGradOrder pcGradOrder, EpochMean epochMean) {
        this.headGradients = headGradients;
        this.mgdaNormalization = mgdaNormalization;
        this.uncertaintyScale = uncertaintyScale;
        this.initialLogVariance = initialLogVariance;
        this.gradNormWarmup = gradNormWarmup;
        this.gradNormScope = gradNormScope;
        this.pcGradOrder = pcGradOrder;
        this.epochMean = epochMean;
    }

    /** This convention's {@link WeightedLoss#headGradients()}. */
    public HeadGradients headGradients() {
        return headGradients;
    }

    /** This convention's {@link WeightedLoss#mgdaNormalization()}. */
    public MgdaNormalization mgdaNormalization() {
        return mgdaNormalization;
    }

    /** This convention's {@link WeightedLoss#uncertaintyScale()}. */
    public UncertaintyScale uncertaintyScale() {
        return uncertaintyScale;
    }

    /** This convention's {@link WeightedLoss#initialLogVariance()}. */
    public double initialLogVariance() {
        return initialLogVariance;
    }

    /** This convention's {@link WeightedLoss#gradNormWarmup()}. */
    public GradNormWarmup gradNormWarmup() {
        return gradNormWarmup;
    }

    /** This convention's {@link WeightedLoss#gradNormScope()}. */
    public GradNormScope gradNormScope() {
        return gradNormScope;
    }

    /** This convention's {@link WeightedLoss#pcGradOrder()}. */
    public PcGradOrder pcGradOrder() {
        return pcGradOrder;
    }

    /** This convention's {@link WeightedLoss#gradientSource()}: {@link GradientSource#PARAMETERS} for both. */
    public GradientSource gradientSource() {
        return GradientSource.PARAMETERS;
    }

    /** This convention's {@link WeightedLoss#epochMean()}. */
    public EpochMean epochMean() {
        return epochMean;
    }
}

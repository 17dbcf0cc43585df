package io.github.branchwise.annotations;

/**
 * How {@link WeightedLoss} combines the branch losses {@code L₁ … L_K} into the one loss that trains every branch.
 *
 * <p>The loss-level strategies ({@link #FIXED}, {@link #TRAINABLE}, {@link #SCHEDULED}, {@link #UNCERTAINTY},
 * {@link #DWA}, {@link #RLW}, {@link #GLS}, {@link #STCH}, {@link #FAMO}) cost one forward and backward pass per step,
 * like a single loss (FAMO one forward pass more). The gradient-level ones ({@link #GRADNORM}, {@link #PCGRAD},
 * {@link #MGDA}, {@link #CAGRAD}, {@link #IMTL} but for its loss-only mode, {@link #ALIGNED_MTL},
 * {@link #GRADVAC}, {@link #UPGRAD}, {@link #NASH_MTL}, {@link #FAIRGRAD}, {@link #GRADDROP}, {@link #DB_MTL},
 * {@link #MOCO}, {@link #EXCESS_MTL}) need each branch's own gradient and cost about K passes per step
 * ({@link #SDMGRAD} and {@link #MODO} 3K passes over a third of the batch each). The README's
 * strategy table gives the measured costs and when to use which.
 */
public enum Weighting {
    /**
     * Constant weights, one per branch, from {@link WeightedLoss#weights()} (Keras' {@code loss_weights}):
     * {@code total = Σ wᵢ·Lᵢ}.
     */
    FIXED,
    /**
     * Trainable weights that form a convex combination: for two branches {@code total = α·L₁ + (1 - α)·L₂}, with
     * {@code α} learned by the same optimiser as the network, starting at {@link WeightedLoss#initial()} and clipped
     * to {@code [min, max]} after every update. For {@code N > 2} branches every branch has a weight starting at
     * {@code 1/N}, and after every update the weights are projected back (Euclidean projection) onto the set where
     * each lies in {@code [min, max]} and they sum to one.
     *
     * <p>Beware: {@code ∂total/∂α = L₁ - L₂} does not depend on α, so α runs to the bound that puts all weight on
     * the currently smaller loss and stays there. Prefer {@link #UNCERTAINTY} for learned weights.
     */
    TRAINABLE,
    /**
     * Weights that follow a schedule of the step or epoch: a {@link Ramp} from {@link WeightedLoss#weights()} to
     * {@link WeightedLoss#endWeights()} over {@link WeightedLoss#rampLength()} units of
     * {@link WeightedLoss#rampUnit()}, or the user's {@link WeightedLoss#schedule()} class.
     */
    SCHEDULED,
    /**
     * Kendall, Gal and Cipolla (2018): a learned {@code sᵢ = log σᵢ²} per branch and
     * {@code total = Σ cᵢ·exp(-sᵢ)·Lᵢ + ½·sᵢ}, with {@code cᵢ = ½} for regression losses (Gaussian likelihood) and
     * {@code cᵢ = 1} for the cross-entropies (softmax likelihood); each {@code σᵢ²} settles at {@code 2cᵢ·Lᵢ}.
     * {@link WeightedLoss#uncertaintyScale()} and {@link WeightedLoss#initialLogVariance()} choose the constant and
     * the start of s.
     */
    UNCERTAINTY,
    /**
     * Dynamic Weight Average, Liu, Johns and Davison (2019): {@code λₖ = K·exp(wₖ/T) / Σ exp(wᵢ/T)} with
     * {@code wₖ = Lₖ(t-1) / Lₖ(t-2)} on epoch means and {@code T = } {@link WeightedLoss#temperature()};
     * {@code λ = 1} during the first two epochs.
     */
    DWA,
    /** Random Loss Weighting, Lin et al. (2021): a softmax of K standard normal samples, drawn anew every step. */
    RLW,
    /** Geometric Loss Strategy, Chennupati et al. (2019): {@code total = (Π Lᵢ)^(1/K)}. */
    GLS,
    /**
     * GradNorm, Chen et al. (2018): weights that equalise the branches' gradient norms on the last shared layer,
     * {@code Gᵢ = ‖∇_W wᵢ·Lᵢ‖}, towards {@code Ḡ·rᵢ^a} with {@code a = } {@link WeightedLoss#asymmetry()}; the
     * weights are updated by {@code Σ |Gᵢ - targetᵢ|} alone and renormalised to sum to K.
     */
    GRADNORM,
    /**
     * PCGrad, Yu et al. (2020): on the shared parameters, each branch's gradient is projected onto the normal plane
     * of every other branch gradient it conflicts with (negative dot product), then the results are summed.
     */
    PCGRAD,
    /**
     * MGDA, Sener and Koltun (2018): the weights are the minimum-norm point of the convex hull of the branches'
     * gradients on the shared parameters, computed anew every step.
     */
    MGDA,
    /**
     * CAGrad, Liu et al. (2021): on the shared parameters, the direction within a ball of radius
     * {@code c·‖g₀‖} ({@code c = } {@link WeightedLoss#caGradRadius()}) around the average gradient {@code g₀} that
     * most improves the worst branch, found from its dual over the simplex anew every step; each branch's own
     * parameters get their plain gradient.
     */
    CAGRAD,
    /**
     * Smooth Tchebycheff scalarisation, Lin et al. (2024): after warming up on {@code Σ log Lᵢ} for
     * {@link WeightedLoss#stchWarmupEpochs()} epochs and one more that measures each branch's mean loss {@code nᵢ},
     * {@code total = K·μ·log Σ exp(log(Lᵢ/nᵢ)/μ)}, a smooth maximum of the relative log losses with
     * {@code μ = } {@link WeightedLoss#stchMu()}.
     */
    STCH,
    /**
     * Fast Adaptive Multitask Optimization, Liu et al. (2023): {@code total = Σ zᵢ·log Lᵢ / c} with
     * {@code z = softmax(w)} and {@code c = Σ zᵢ/Lᵢ} constant within the step; after each update the same batch's
     * losses are evaluated again and the logits {@code w} take an Adam step ({@link WeightedLoss#famoLearningRate()},
     * {@link WeightedLoss#famoWeightDecay()}) that lowers the weight of the branches that improved most. One forward
     * pass more per step.
     */
    FAMO,
    /**
     * Impartial Multi-task Learning, Liu et al. (ICLR 2021), by default (LibMTL's) IMTL-L and IMTL-G together
     * ({@link WeightedLoss#imtlMode()}). IMTL-L: {@code total = Σ exp(sᵢ)·Lᵢ - sᵢ} with a learned {@code sᵢ} per
     * branch. IMTL-G: on the shared parameters the update is {@code g = Σ αᵢ·gᵢ} with {@code Σ αᵢ = 1} and
     * {@code g·uᵢ} equal for every unit gradient {@code uᵢ = gᵢ/‖gᵢ‖}, in closed form
     * {@code α₂..K = g₁·Uᵀ·(D·Uᵀ)⁻¹} with the rows {@code D = g₁ - gᵢ} and {@code U = u₁ - uᵢ}; each branch's own
     * parameters get the gradient of its own (scaled) term.
     */
    IMTL,
    /**
     * Aligned-MTL, Senushkin et al. (CVPR 2023): on the shared parameters the update is {@code Σ αᵢ·gᵢ} with
     * {@code α = B·1}, {@code B = √λ_min·V·Λ^(-1/2)·Vᵀ} from the eigen-decomposition {@code G = V·Λ·Vᵀ} of the
     * branches' Gram matrix (eigenvalues below {@code λ_max·K·2⁻²³} dropped, as LibMTL does): the branch gradients
     * made orthogonal and of equal norm, scaled to the smallest singular value; each branch's own parameters get
     * their plain gradient.
     */
    ALIGNED_MTL,
    /**
     * Gradient Vaccine, Wang et al. (ICLR 2021): on the shared parameters, per group of parameters
     * ({@link WeightedLoss#gradVacGroups()}), each branch's gradient {@code gᵢ'} is moved towards every other branch's
     * {@code gⱼ} (visited in a random order) whose cosine {@code φᵢⱼ} is below a target {@code φ̂ᵢⱼ}:
     * {@code gᵢ' += ‖gᵢ'‖·(φ̂ᵢⱼ·√(1-φᵢⱼ²) - φᵢⱼ·√(1-φ̂ᵢⱼ²)) / (‖gⱼ‖·√(1-φ̂ᵢⱼ²))·gⱼ}, and the target follows
     * {@code φ̂ᵢⱼ ← (1-β)·φ̂ᵢⱼ + β·φᵢⱼ} ({@code β = } {@link WeightedLoss#gradVacBeta()}); the results are summed.
     * With every target at 0 it is PCGrad.
     */
    GRADVAC,
    /**
     * SDMGrad, Xiao, Ban and Ji (2023): a stochastic, direction-oriented MGDA. Each step's batch is split into three
     * consecutive parts, independent samples ζ, ξ₁, ξ₂ of every branch's gradient (3K passes). Simplex weights w, kept
     * from step to step, take {@link WeightedLoss#sdmGradIterations()} projected SGD steps on
     * {@code ½‖Gw‖² + λ·(Gw)·g₀} estimated from {@code ξ₁·ξ₂ᵀ}; the shared parameters' update is
     * {@code (Σ wᵢ·ζᵢ + λ·mean(ζ))/(1 + λ)} with {@code λ = } {@link WeightedLoss#sdmGradLambda()}; each branch's own
     * parameters get its gradient on the whole batch. A batch of 3b rows is LibMTL's three batches of b.
     */
    SDMGRAD,
    /**
     * MoDo, Chen et al. (2023): multi-objective gradient with double sampling. Each step's batch is split into three
     * consecutive parts, independent samples G₁, G₂, G₃ of every branch's gradient (3K passes). Weights λ, kept from
     * step to step, take one projected step {@code λ ← Π(λ − γ·(G₁G₂ᵀλ + ρλ))} ({@code γ = }
     * {@link WeightedLoss#modoGamma()}, {@code ρ = } {@link WeightedLoss#modoRho()}); the shared parameters' update is
     * {@code Σ λᵢ·G₃ᵢ}; each branch's own parameters get its gradient on the whole batch. A batch of 3b rows is
     * LibMTL's three batches of b.
     */
    MODO,
    /**
     * UPGrad, Quinton and Rey (2024): on the shared parameters, each branch gradient projected onto the dual cone of
     * the branch gradients (the directions that conflict with none of them; a small box QP per branch on their Gram
     * matrix, each step) and the projections averaged; each branch's own parameters get their plain gradient.
     */
    UPGRAD,
    /**
     * Nash-MTL, Navon et al. (2022): weights α, the Nash bargaining solution {@code G·α = 1/α} (G the Gram matrix of
     * the shared gradients), solved every {@link WeightedLoss#nashMtlUpdateEvery()} steps; every parameter is updated with
     * the gradient of {@code Σ αᵢ·Lᵢ}, its shared part clipped to norm {@link WeightedLoss#nashMtlMaxNorm()}.
     */
    NASH_MTL,
    /**
     * FairGrad, Ban and Ji (2024): weights w with {@code G·w = w^(-1/α)} (G the Gram matrix of the shared gradients,
     * {@code α = } {@link WeightedLoss#fairGradAlpha()} the fairness exponent), solved each step; every parameter is
     * updated with the gradient of {@code Σ wᵢ·Lᵢ}.
     */
    FAIRGRAD,
    /**
     * Gradient Sign Dropout, Chen et al. (NeurIPS 2020): the network trains on {@code Σ Lᵢ}; per value of the shared
     * parameters' gradient, with the sign purity {@code P = ½·(1 + Σ gᵢ / Σ |gᵢ|)} and a uniform draw U from the
     * model's seeded stream, only the positive branch gradients are kept if {@code P > U}, only the negative ones
     * otherwise; the dropped ones keep the fraction {@link WeightedLoss#gradDropLeak()}. Each branch's own parameters
     * get their plain gradient. LibMTL applies it to the shared representation's gradient instead (see the README).
     */
    GRADDROP,
    /**
     * Dual-Balancing Multi-Task Learning, Lin et al. (2023): on the shared parameters, moving averages
     * {@code mᵢ ← bᵢ + (β/t^σ)·(mᵢ − bᵢ)} of the gradients of the log losses {@code bᵢ = ∇Lᵢ/(Lᵢ + 1e-8)}
     * ({@link WeightedLoss#dbMtlBeta()}, {@link WeightedLoss#dbMtlBetaSigma()}), each scaled to the largest one's
     * norm: update {@code Σ (maxⱼ‖mⱼ‖/‖mᵢ‖)·mᵢ}. Each branch's own parameters get {@code ∇Lᵢ/(Lᵢ + 1e-8)}.
     */
    DB_MTL,
    /**
     * MoCo, Fernando et al. (ICLR 2023): on the shared parameters, tracked gradients
     * {@code yᵢ ← yᵢ − (β/t^βσ)·(yᵢ − Lᵢ·gᵢ/‖gᵢ‖)} and weights {@code λ ← softmax(λ − (γ/t^γσ)·(YYᵀ + ρI)·λ)}
     * (the {@code moco*} attributes); update {@code Σ λᵢ·yᵢ}. Each branch's own parameters get their plain gradient.
     */
    MOCO,
    /**
     * ExcessMTL, He et al. (ICML 2024): loss weights that grow with each branch's excess risk, estimated as
     * {@code eᵢ = Σ gᵢ²/√(Σₜ gᵢ²)} over the shared parameters (AdaGrad sums kept per value):
     * {@code wᵢ ← wᵢ·exp(η·eᵢ/eᵢ(1))} renormalised to sum to K, η = {@link WeightedLoss#excessMtlStepSize()};
     * update {@code Σ wᵢ·∇Lᵢ}.
     */
    EXCESS_MTL,
    /** The user's own strategy: a class implementing {@code io.github.branchwise.runtime.weighting.Weighter}. */
    CUSTOM
}

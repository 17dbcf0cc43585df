package io.github.branchwise.runtime.strategies;

import io.github.branchwise.annotations.GradVacGroups;
import io.github.branchwise.runtime.GraphHost;
import io.github.branchwise.runtime.weighting.BranchGradients;
import io.github.branchwise.runtime.weighting.Weighter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Gradient Vaccine, Wang et al. (ICLR 2021): the network trains on {@code Σ Lᵢ}; on the shared parameters, within
 * each group of them ({@link GradVacGroups}), each branch's gradient {@code gᵢ'} (starting at {@code gᵢ}) visits the
 * other branches in a random order and, where its cosine {@code φᵢⱼ = gᵢ'·gⱼ/(‖gᵢ'‖·‖gⱼ‖ + 10⁻⁸)} with the original
 * {@code gⱼ} is below the target {@code φ̂ᵢⱼ}, becomes
 * {@code gᵢ' + ‖gᵢ'‖·(φ̂ᵢⱼ·√(1-φᵢⱼ²) - φᵢⱼ·√(1-φ̂ᵢⱼ²)) / (‖gⱼ‖·√(1-φ̂ᵢⱼ²) + 10⁻⁸)·gⱼ}, whose cosine with
 * {@code gⱼ} is the target; then {@code φ̂ᵢⱼ ← (1-β)·φ̂ᵢⱼ + β·φᵢⱼ}. The update is {@code Σᵢ gᵢ'}; each branch's own
 * parameters get their plain gradient. The targets start at 0 (the first step is PCGrad's), one per ordered pair and
 * group, and are this strategy's state, saved with the model. The 10⁻⁸ terms are LibMTL's. The order of each branch
 * comes from a stream seeded by the model seed and the step, as PCGrad's, so a resumed run draws the same.
 *
 * <p>Every {@code gᵢ'} is a combination {@code Σₘ Cᵢₘ·gₘ} of the original gradients, so each norm and dot product
 * above is read off the group's Gram matrix ({@code ‖gᵢ'‖² = Cᵢ·G·Cᵢᵀ}, {@code gᵢ'·gⱼ = (Cᵢ·G)ⱼ}); the whole
 * strategy is one pass over the gradients for the Gram matrices and one for the combination, with coefficients
 * {@code Σᵢ Cᵢₘ} per group.
 *
 * <p>Degenerate cases: a cosine is clamped to {@code [-1, 1]} against rounding (LibMTL's would give a NaN root
 * beyond); a zero {@code gⱼ} adds nothing and is skipped (its cosine, 0, still enters the target); a zero
 * {@code gᵢ'} has cosine 0 and stays zero. Without shared parameters every parameter counts as shared, as for CAGrad.
 *
 * <p>{@link #weights()} is 1 for every branch, as PCGrad's (the network trains on the plain sum); the coefficients of
 * the shared update are {@link #lastCoefficients()}.
 */
public final class GradVacWeighter implements Weighter {
    private static final double EPSILON = 1e-8;

    private final double beta;
    private final GradVacGroups groups;
    private int branches;
    /** The targets φ̂, {@code [group][i][j]}; null until the first step (or a restore). */
    private double[][][] targets;
    private double[][] lastCoefficients;

    /** GradVac with the paper's β, 0.01, on the shared parameters as one group. */
    public GradVacWeighter() {
        this(0.01, GradVacGroups.WHOLE_MODEL);
    }

    /**
     * @param beta   the rate of the targets' moving averages, in [0, 1]
     * @param groups how the shared parameters are grouped
     * @throws IllegalArgumentException unless beta lies in [0, 1]
     */
    public GradVacWeighter(double beta, GradVacGroups groups) {
        if (!(beta >= 0 && beta <= 1)) {
            throw new IllegalArgumentException("GRADVAC gradVacBeta must lie in [0, 1]; " + beta + " does not");
        }
        this.beta = beta;
        this.groups = Objects.requireNonNull(groups, "groups");
    }

    @Override
    public SDVariable combine(GraphHost host, List<SDVariable> branchLosses) {
        branches = branchLosses.size();
        return LossSums.sum(branchLosses);
    }

    @Override
    public boolean needsBranchGradients() {
        return true;
    }

    @Override
    public Map<String, INDArray> combineGradients(BranchGradients gradients) {
        branches = gradients.branches();
        List<List<String>> grouped = group(SharedOrAll.of(gradients), groups);
        if (targets == null) {
            targets = new double[grouped.size()][branches][branches];
        } else if (targets.length != grouped.size() || targets[0].length != branches) {
            throw new IllegalStateException("GRADVAC has targets for " + targets.length + " group(s) of shared "
                    + "parameters and " + targets[0].length + " branches, and the model has " + branches
                    + " branches whose trained shared parameters form " + grouped.size() + " group(s) (" + groups
                    + "); were parameters frozen or unfrozen since the targets were saved?");
        }
        Random random = new Random(gradients.step().seed() * 31 + gradients.step().iteration());
        List<List<Integer>> orders = new ArrayList<>();
        for (int i = 0; i < branches; i++) {
            List<Integer> others = new ArrayList<>();
            for (int j = 0; j < branches; j++) {
                if (j != i) {
                    others.add(j);
                }
            }
            Collections.shuffle(others, random);
            orders.add(others);
        }
        double[] ones = new double[branches];
        Arrays.fill(ones, 1.0);
        Map<String, double[]> byParameter = new HashMap<>();
        lastCoefficients = new double[grouped.size()][];
        for (int g = 0; g < grouped.size(); g++) {
            double[] coefficients = coefficients(gradients.gram(grouped.get(g)), targets[g], orders, beta);
            lastCoefficients[g] = coefficients;
            for (String name : grouped.get(g)) {
                byParameter.put(name, coefficients);
            }
        }
        return gradients.combine(ones, byParameter);
    }

    /**
     * One group's update coefficients {@code Σᵢ Cᵢₘ} from its Gram matrix, moving {@code target} (in place) by the
     * step's cosines; {@code orders.get(i)} is the order in which branch i visits the others.
     */
    static double[] coefficients(double[][] gram, double[][] target, List<List<Integer>> orders, double beta) {
        int k = gram.length;
        double[] sum = new double[k];
        for (int i = 0; i < k; i++) {
            double[] c = new double[k];
            c[i] = 1;
            for (int j : orders.get(i)) {
                double dot = 0;
                double squared = 0;
                for (int m = 0; m < k; m++) {
                    dot += c[m] * gram[m][j];
                    for (int n = 0; n < k; n++) {
                        squared += c[m] * gram[m][n] * c[n];
                    }
                }
                double normI = Math.sqrt(Math.max(0, squared));
                double normJ = Math.sqrt(Math.max(0, gram[j][j]));
                double rho = Math.max(-1, Math.min(1, dot / (normI * normJ + EPSILON)));
                double goal = target[i][j];
                if (rho < goal && normJ > 0) {
                    double w = normI * (goal * Math.sqrt(1 - rho * rho) - rho * Math.sqrt(1 - goal * goal))
                            / (normJ * Math.sqrt(1 - goal * goal) + EPSILON);
                    c[j] += w;
                }
                target[i][j] = (1 - beta) * goal + beta * rho;
            }
            for (int m = 0; m < k; m++) {
                sum[m] += c[m];
            }
        }
        return sum;
    }

    /** The shared parameters in the groups {@code groups} says, in the order of {@code shared}. */
    static List<List<String>> group(List<String> shared, GradVacGroups groups) {
        return switch (groups) {
            case WHOLE_MODEL -> List.of(shared);
            case PER_PARAMETER -> shared.stream().map(List::of).toList();
            case PER_LAYER -> {
                Map<String, List<String>> layers = new LinkedHashMap<>();
                for (String name : shared) {
                    int slash = name.lastIndexOf('/');
                    layers.computeIfAbsent(slash < 0 ? name : name.substring(0, slash), key -> new ArrayList<>())
                            .add(name);
                }
                yield List.copyOf(layers.values());
            }
        };
    }

    @Override
    public double[] weights() {
        double[] ones = new double[branches];
        Arrays.fill(ones, 1.0);
        return ones;
    }

    /**
     * Each group's coefficients of the original branch gradients in the last step's shared update, by group in the
     * order of the shared parameters; null before the first step.
     */
    public double[][] lastCoefficients() {
        if (lastCoefficients == null) {
            return null;
        }
        double[][] copy = new double[lastCoefficients.length][];
        for (int g = 0; g < copy.length; g++) {
            copy[g] = lastCoefficients[g].clone();
        }
        return copy;
    }

    /** The targets φ̂, {@code [group][i][j]}; null before the first step. */
    public double[][][] targets() {
        if (targets == null) {
            return null;
        }
        double[][][] copy = new double[targets.length][][];
        for (int g = 0; g < copy.length; g++) {
            copy[g] = new double[targets[g].length][];
            for (int i = 0; i < copy[g].length; i++) {
                copy[g][i] = targets[g][i].clone();
            }
        }
        return copy;
    }

    @Override
    public Map<String, INDArray> state() {
        if (targets == null) {
            return Map.of();
        }
        return Map.of("targets", Nd4j.createFromArray(targets()));
    }

    @Override
    public void restoreState(Map<String, INDArray> state) {
        INDArray saved = state.get("targets");
        if (saved == null) {
            targets = null;
            return;
        }
        long[] shape = saved.shape();
        if (shape.length != 3 || shape[0] < 1 || shape[1] < 1 || shape[1] != shape[2]) {
            throw new IllegalArgumentException("GRADVAC targets must have the shape [groups, branches, branches]; got "
                    + Arrays.toString(shape));
        }
        int k = (int) shape[1];
        double[][][] restored = new double[(int) shape[0]][k][k];
        for (int g = 0; g < shape[0]; g++) {
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    double value = saved.getDouble(g, i, j);
                    if (!(value >= -1 && value <= 1)) {
                        throw new IllegalArgumentException("GRADVAC target " + value + " is not a cosine");
                    }
                    restored[g][i][j] = value;
                }
            }
        }
        targets = restored;
    }

    /**
     * True: the branch terms are batch-mean losses, so each branch's gradient over a batch is the examples-weighted
     * sum of its shards'; the cosines, the targets' update and the order are computed once, on the driver.
     */
    @Override
    public boolean additiveOverExamples() {
        return true;
    }
}

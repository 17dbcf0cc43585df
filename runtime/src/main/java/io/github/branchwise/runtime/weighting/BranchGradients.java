package io.github.branchwise.runtime.weighting;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The gradient of each branch's own term of the total loss, for every parameter, computed once per step and
 * shared by the gradient-level strategies.
 *
 * <p>For branch {@code i} the gradient is that of {@code λᵢ·Lᵢ}, where {@code λᵢ} is the weight the strategy put
 * in the graph ({@code 1} for PCGrad and MGDA, the current weight for GradNorm).
 */
public final class BranchGradients {
    private final List<Map<String, INDArray>> perBranch;
    private final double[] losses;
    private final List<String> sharedParameters;
    private final Map<String, List<String>> sharedScopes;
    private final StepInfo step;

    /**
     * @param perBranch        per branch, in branch order, the gradient of that branch's term by parameter name
     * @param losses           the branch losses of the same forward pass
     * @param sharedParameters the parameters of the {@code @Shared} methods, in creation order
     * @param sharedScopes     the parameter names of each {@code @Shared} method, in declaration order
     * @param step             where training stands
     */
    public BranchGradients(List<Map<String, INDArray>> perBranch, double[] losses, List<String> sharedParameters,
                           Map<String, List<String>> sharedScopes, StepInfo step) {
        this.perBranch = List.copyOf(perBranch);
        this.losses = losses.clone();
        this.sharedParameters = List.copyOf(sharedParameters);
        this.sharedScopes = Map.copyOf(sharedScopes);
        this.step = step;
    }

    /** The number of branches. */
    public int branches() {
        return perBranch.size();
    }

    /** The gradient of branch {@code i}'s term for every parameter, by name. */
    public Map<String, INDArray> of(int branch) {
        return perBranch.get(branch);
    }

    /** The names of all parameters. */
    public Set<String> parameterNames() {
        return perBranch.get(0).keySet();
    }

    /** The branch losses of this step's forward pass, in branch order. */
    public double[] losses() {
        return losses.clone();
    }

    /** The parameters of the {@code @Shared} methods, which several branches pull on. */
    public List<String> sharedParameters() {
        return sharedParameters;
    }

    /** The parameter names of each {@code @Shared} method, keyed by the method's name. */
    public Map<String, List<String>> sharedScopes() {
        return sharedScopes;
    }

    /** Where training stands. */
    public StepInfo step() {
        return step;
    }

    /**
     * Branch {@code i}'s gradient over {@code parameters} as one Java vector: the gradient-level strategies do their
     * dot products and projections on these, since each allocating ND4J op over a large gradient costs milliseconds.
     */
    public double[] flatValues(int branch, List<String> parameters) {
        long total = 0;
        for (String name : parameters) {
            total += perBranch.get(branch).get(name).length();
        }
        double[] values = new double[Math.toIntExact(total)];
        int offset = 0;
        for (String name : parameters) {
            double[] part = perBranch.get(branch).get(name).dup('c').data().asDouble();
            System.arraycopy(part, 0, values, offset, part.length);
            offset += part.length;
        }
        return values;
    }

    /** The dot product of two vectors. */
    public static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    /** {@code Σ cᵢ·gᵢ} for every parameter: the gradient of the branch terms scaled by {@code coefficients}. */
    public Map<String, INDArray> combine(double[] coefficients) {
        Map<String, INDArray> sum = new java.util.LinkedHashMap<>();
        for (String name : parameterNames()) {
            INDArray total = perBranch.get(0).get(name).mul(coefficients[0]);
            for (int i = 1; i < perBranch.size(); i++) {
                total.addi(perBranch.get(i).get(name).mul(coefficients[i]));
            }
            sum.put(name, total);
        }
        return sum;
    }
}

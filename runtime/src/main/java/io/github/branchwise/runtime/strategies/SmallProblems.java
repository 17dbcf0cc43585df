package io.github.branchwise.runtime.strategies;

import java.util.Arrays;
import org.hipparchus.linear.MatrixUtils;
import org.hipparchus.optim.InitialGuess;
import org.hipparchus.optim.nonlinear.scalar.ObjectiveFunction;
import org.hipparchus.optim.nonlinear.vector.constrained.ADMMQPOptimizer;
import org.hipparchus.optim.nonlinear.vector.constrained.ADMMQPOption;
import org.hipparchus.optim.nonlinear.vector.constrained.LinearBoundedConstraint;
import org.hipparchus.optim.nonlinear.vector.constrained.LinearEqualityConstraint;
import org.hipparchus.optim.nonlinear.vector.constrained.QuadraticFunction;

/**
 * The small optimisation problems of the gradient-level strategies, on the K × K Gram matrix of the branch gradients,
 * solved with Hipparchus (chosen over ojAlgo by {@code benchmarks/SolverChoice}; docs/performance.md, "Solver
 * library"): quadratic programmes with its ADMM optimiser, systems of nonlinear equations with its
 * Levenberg-Marquardt least squares. Every problem is first scaled so that its Gram matrix has unit trace, so the
 * solvers' tolerances mean the same for gradients of any size; every answer is finite.
 */
final class SmallProblems {
    /** ADMM's convergence tolerance: the weights come out within about 1e-8 of the exact ones (SolverChoice). */
    private static final double ADMM_EPSILON = 1e-9;
    /** Outer iterations of CAGrad's variational form; SolverChoice needed at most 30 at K = 10. */
    private static final int CAGRAD_ITERATIONS = 100;

    private SmallProblems() {
    }

    /** The trace of a Gram matrix: the sum of the squared gradient norms. */
    static double trace(double[][] gram) {
        double trace = 0;
        for (int i = 0; i < gram.length; i++) {
            trace += gram[i][i];
        }
        return trace;
    }

    static double[][] scaled(double[][] gram, double factor) {
        double[][] out = new double[gram.length][];
        for (int i = 0; i < gram.length; i++) {
            out[i] = new double[gram.length];
            for (int j = 0; j < gram.length; j++) {
                out[i][j] = gram[i][j] * factor;
            }
        }
        return out;
    }

    static double[] times(double[][] matrix, double[] vector) {
        double[] out = new double[matrix.length];
        for (int i = 0; i < matrix.length; i++) {
            for (int j = 0; j < vector.length; j++) {
                out[i] += matrix[i][j] * vector[j];
            }
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

    static double[] uniform(int k) {
        double[] out = new double[k];
        Arrays.fill(out, 1.0 / k);
        return out;
    }

    /**
     * {@code argmin wᵀ·G·b + c·√(wᵀ·G·w + ε)} over the simplex (CAGrad's dual, with LibMTL's ε = 1e-8): through the
     * variational form {@code √s = min_τ (s/τ + τ)/2}, alternating an ADMM QP in w at fixed τ with
     * {@code τ = √(wᵀGw + ε)}; each alternation lowers the objective, and the fixed point is the optimum.
     */
    static double[] caGradWeights(double[][] gram, double[] b, double c, double epsilon) {
        int k = gram.length;
        double trace = trace(gram);
        if (!(trace > 0)) {
            return uniform(k);
        }
        // With G = t·g the objective is t·(wᵀgb + (c/√t)·√(wᵀgw + ε/t)): the same minimiser on g, c/√t, ε/t.
        double[][] g = scaled(gram, 1 / trace);
        double cs = c / Math.sqrt(trace);
        double es = epsilon / trace;
        double[] gb = times(g, b);
        double[] w = uniform(k);
        double tau = Math.sqrt(dot(w, times(g, w)) + es);
        for (int iteration = 0; iteration < CAGRAD_ITERATIONS; iteration++) {
            double[][] q = scaled(g, cs / tau);
            w = simplexQp(q, gb, w);
            double next = Math.sqrt(Math.max(dot(w, times(g, w)), 0) + es);
            if (Math.abs(next - tau) <= 1e-10 * tau) {
                break;
            }
            tau = next;
        }
        return w;
    }

    /** {@code argmin ½·wᵀQw + qᵀw} over the simplex, by ADMM, from {@code start}; clipped and renormalised. */
    static double[] simplexQp(double[][] quadratic, double[] linear, double[] start) {
        int k = linear.length;
        double[] ones = new double[k];
        Arrays.fill(ones, 1);
        ADMMQPOption option = new ADMMQPOption();
        option.setEps(ADMM_EPSILON);
        double[] w = new ADMMQPOptimizer().optimize(option,
                new ObjectiveFunction(new QuadraticFunction(quadratic, linear, 0)),
                new LinearEqualityConstraint(new double[][] {ones}, new double[] {1}),
                new LinearBoundedConstraint(MatrixUtils.createRealIdentityMatrix(k).getData(), new double[k], ones),
                new InitialGuess(start)).getX().toArray();
        // ADMM meets the constraints to its tolerance: make the weights exactly a point of the simplex.
        double sum = 0;
        for (int i = 0; i < k; i++) {
            w[i] = Double.isFinite(w[i]) ? Math.max(0, w[i]) : 0;
            sum += w[i];
        }
        if (!(sum > 0)) {
            return uniform(k);
        }
        for (int i = 0; i < k; i++) {
            w[i] /= sum;
        }
        return w;
    }
}

package io.github.branchwise.runtime.strategies;

import java.util.Arrays;
import org.hipparchus.exception.MathIllegalStateException;
import org.hipparchus.linear.Array2DRowRealMatrix;
import org.hipparchus.linear.ArrayRealVector;
import org.hipparchus.linear.LUDecomposition;
import org.hipparchus.linear.MatrixUtils;
import org.hipparchus.linear.RealVector;
import org.hipparchus.optim.InitialGuess;
import org.hipparchus.optim.MaxIter;
import org.hipparchus.optim.nonlinear.scalar.ObjectiveFunction;
import org.hipparchus.optim.nonlinear.vector.constrained.ADMMQPOptimizer;
import org.hipparchus.optim.nonlinear.vector.constrained.ADMMQPOption;
import org.hipparchus.optim.nonlinear.vector.constrained.LinearBoundedConstraint;
import org.hipparchus.optim.nonlinear.vector.constrained.LinearEqualityConstraint;
import org.hipparchus.optim.nonlinear.vector.constrained.QuadraticFunction;
import org.hipparchus.optim.nonlinear.vector.leastsquares.LeastSquaresBuilder;
import org.hipparchus.optim.nonlinear.vector.leastsquares.LeastSquaresProblem;
import org.hipparchus.optim.nonlinear.vector.leastsquares.LevenbergMarquardtOptimizer;
import org.hipparchus.util.Pair;

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
    /**
     * ADMM's iteration cap. Hipparchus' ADMMQPOptimizer has none by default and, on some ill-conditioned problems
     * (CAGrad's dual with nearly parallel branch gradients), never meets its tolerance: a training step hung in it.
     * Past the cap the problem is solved by projected gradient descent instead ({@link #projectedGradient}).
     */
    static final int ADMM_MAX_ITERATIONS = 5_000;
    /** Outer iterations of CAGrad's variational form; SolverChoice needed at most 30 at K = 10. */
    private static final int CAGRAD_ITERATIONS = 100;
    /** Log-weights are kept in [-LOG_LIMIT, LOG_LIMIT] on the unit-trace problem, so weights stay finite. */
    private static final double LOG_LIMIT = 60;
    /**
     * A root of {@code G·w = w^(-1/p)} is accepted when every residual is within this much of {@code wᵢ^(-1/p)}
     * (Levenberg-Marquardt reaches about 1e-15 where a root exists, SolverChoice).
     */
    private static final double ROOT_TOLERANCE = 1e-9;
    /** A branch whose squared gradient norm is at most this fraction of the trace counts as having none. */
    private static final double ZERO_GRADIENT = 1e-24;

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
        double[] w;
        try {
            w = new ADMMQPOptimizer().optimize(option,
                    new ObjectiveFunction(new QuadraticFunction(quadratic, linear, 0)),
                    new LinearEqualityConstraint(new double[][] {ones}, new double[] {1}),
                    new LinearBoundedConstraint(MatrixUtils.createRealIdentityMatrix(k).getData(), new double[k], ones),
                    new InitialGuess(start), new MaxIter(ADMM_MAX_ITERATIONS)).getX().toArray();
        } catch (MathIllegalStateException notConverged) {
            w = projectedGradient(quadratic, linear, start, null);
        }
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

    /**
     * {@code argmin ½·xᵀQx + qᵀx} by projected gradient descent from {@code start}, onto the simplex ({@code lower}
     * null) or onto {@code x ≥ lower}: the fallback where ADMM does not converge. A step of 1/L with L the Frobenius
     * norm of Q (at least its largest eigenvalue) never increases the objective, and a fixed number of steps bounds
     * the time; for the small K here that is well under a millisecond.
     */
    static double[] projectedGradient(double[][] quadratic, double[] linear, double[] start, double[] lower) {
        int k = linear.length;
        double norm = 0;
        for (double[] row : quadratic) {
            for (double v : row) {
                norm += v * v;
            }
        }
        norm = Math.sqrt(norm);
        double[] x = start.clone();
        x = lower == null ? SimplexProjection.project(x) : atLeast(x, lower);
        if (!(norm > 0) || !Double.isFinite(norm)) {
            return x;
        }
        double step = 1 / norm;
        for (int iteration = 0; iteration < PROJECTED_GRADIENT_STEPS; iteration++) {
            double[] gradient = times(quadratic, x);
            double[] next = new double[k];
            for (int i = 0; i < k; i++) {
                next[i] = x[i] - step * (gradient[i] + linear[i]);
            }
            x = lower == null ? SimplexProjection.project(next) : atLeast(next, lower);
        }
        return x;
    }

    /** The fallback's number of projected gradient steps. */
    private static final int PROJECTED_GRADIENT_STEPS = 20_000;

    private static double[] atLeast(double[] x, double[] lower) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = Double.isFinite(x[i]) ? Math.max(lower[i], x[i]) : lower[i];
        }
        return out;
    }

    /**
     * MGDA's minimum-norm point of the convex hull of the branch gradients, {@code argmin wᵀGw} over the simplex: by
     * ADMM on the unit-trace Gram matrix, then the KKT system on the support ADMM found solved exactly and kept where
     * it satisfies every KKT condition (weights to rounding instead of ADMM's 1e-7); uniform for a zero Gram matrix.
     */
    static double[] minNorm(double[][] gram) {
        int k = gram.length;
        double trace = trace(gram);
        if (!(trace > 0) || !Double.isFinite(trace)) {
            return uniform(k);
        }
        double[][] g = scaled(gram, 1 / trace);
        // ½·wᵀ(2g)w: the same minimiser as wᵀgw.
        double[] w = simplexQp(scaled(g, 2), new double[k], uniform(k));
        double[] exact = simplexSupportSolution(g, w, 1e-6);
        return exact != null ? exact : w;
    }

    /**
     * The minimiser of {@code wᵀGw} over the simplex on the support {@code approximate} suggests (the {@code i} with
     * {@code wᵢ > slack}): {@code G_SS·w_S = λ·1}, {@code Σ w_S = 1}; null unless it satisfies the KKT conditions
     * ({@code w_S ≥ 0} and {@code (Gw)ᵢ ≥ λ} off the support) or the system is singular.
     */
    private static double[] simplexSupportSolution(double[][] gram, double[] approximate, double slack) {
        int k = approximate.length;
        int[] support = new int[k];
        int n = 0;
        for (int i = 0; i < k; i++) {
            if (approximate[i] > slack) {
                support[n++] = i;
            }
        }
        if (n == 0) {
            return null;
        }
        double[][] a = new double[n + 1][n + 1];
        double[] rhs = new double[n + 1];
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < n; c++) {
                a[r][c] = gram[support[r]][support[c]];
            }
            a[r][n] = -1;
            a[n][r] = 1;
        }
        rhs[n] = 1;
        double[] x;
        try {
            x = new LUDecomposition(new Array2DRowRealMatrix(a, false), 1e-14).getSolver()
                    .solve(new ArrayRealVector(rhs, false)).toArray();
        } catch (RuntimeException singular) {
            return null;
        }
        double[] w = new double[k];
        for (int r = 0; r < n; r++) {
            if (!Double.isFinite(x[r]) || x[r] < 0) {
                return null;
            }
            w[support[r]] = x[r];
        }
        double lambda = x[n];
        double[] gw = times(gram, w);
        for (int i = 0; i < k; i++) {
            if (gw[i] < lambda - 1e-12) {
                return null;
            }
        }
        return w;
    }

    /**
     * {@code argmin ½·vᵀGv} subject to {@code v ≥ u} (UPGrad's projection onto the dual cone; G must be positive
     * definite, as UPGrad's regularisation makes it). ADMM finds the active set (the {@code i} with {@code vᵢ = uᵢ});
     * the KKT system on that set is then solved exactly and kept where it satisfies every KKT condition (feasible,
     * non-negative multipliers), which gives the weights to rounding instead of ADMM's 1e-7 (SolverChoice); where it
     * does not, ADMM's answer is kept.
     */
    static double[] boxQp(double[][] gram, double[] u) {
        int k = u.length;
        double[] upper = new double[k];
        Arrays.fill(upper, Double.POSITIVE_INFINITY);
        ADMMQPOption option = new ADMMQPOption();
        option.setEps(ADMM_EPSILON);
        double[] v;
        try {
            v = new ADMMQPOptimizer().optimize(option,
                    new ObjectiveFunction(new QuadraticFunction(gram, new double[k], 0)),
                    new LinearBoundedConstraint(MatrixUtils.createRealIdentityMatrix(k).getData(), u, upper),
                    new InitialGuess(u), new MaxIter(ADMM_MAX_ITERATIONS)).getX().toArray();
        } catch (MathIllegalStateException notConverged) {
            v = projectedGradient(gram, new double[k], u, u);
        }
        double scale = 0;
        for (int i = 0; i < k; i++) {
            v[i] = Double.isFinite(v[i]) ? Math.max(u[i], v[i]) : u[i];
            scale = Math.max(scale, Math.abs(v[i]));
        }
        double[] exact = activeSetSolution(gram, u, v, 1e-6 * Math.max(scale, 1e-300));
        return exact != null ? exact : v;
    }

    /**
     * The solution of {@code min ½·vᵀGv, v ≥ u} on the active set ADMM's {@code approximate} answer suggests (the
     * {@code i} with {@code vᵢ − uᵢ ≤ slack}), or null unless it satisfies the KKT conditions: {@code vᵢ ≥ uᵢ} off the
     * set and multipliers {@code (Gv)ᵢ ≥ 0} on it.
     */
    private static double[] activeSetSolution(double[][] gram, double[] u, double[] approximate, double slack) {
        int k = u.length;
        int[] free = new int[k];
        int freeCount = 0;
        double[] v = new double[k];
        for (int i = 0; i < k; i++) {
            if (approximate[i] - u[i] > slack) {
                free[freeCount++] = i;
            } else {
                v[i] = u[i];
            }
        }
        if (freeCount > 0) {
            // Stationarity on the free set: (G·v)_F = 0 with v fixed to u on the active set.
            double[][] a = new double[freeCount][freeCount];
            double[] rhs = new double[freeCount];
            for (int r = 0; r < freeCount; r++) {
                for (int c = 0; c < freeCount; c++) {
                    a[r][c] = gram[free[r]][free[c]];
                }
                for (int j = 0; j < k; j++) {
                    if (approximate[j] - u[j] <= slack) {
                        rhs[r] -= gram[free[r]][j] * u[j];
                    }
                }
            }
            double[] x;
            try {
                x = new LUDecomposition(new Array2DRowRealMatrix(a, false)).getSolver()
                        .solve(new ArrayRealVector(rhs, false)).toArray();
            } catch (RuntimeException singular) {
                return null;
            }
            for (int r = 0; r < freeCount; r++) {
                v[free[r]] = x[r];
            }
        }
        double[] gv = times(gram, v);
        double tolerance = 1e-12 * (1 + Math.abs(dot(v, gv)));
        for (int i = 0; i < k; i++) {
            if (!Double.isFinite(v[i]) || v[i] < u[i] - tolerance || gv[i] < -tolerance) {
                return null;
            }
        }
        return v;
    }

    /**
     * The positive root of {@code G·w = w^(-1/p)} (FairGrad with {@code p = α}; Nash-MTL's {@code G·α = 1/α} with
     * {@code p = 1}), or null where it has none. Branches whose gradient is zero ({@code Gᵢᵢ} at most 1e-24 of the
     * trace) have no root ({@code 0 = wᵢ^(-1/p)}): the root is taken over the others and each of them gets the mean of
     * the others' weights (its weight changes no shared gradient, only how its own head is scaled); null when every
     * branch's gradient is zero. Two branches with {@code p = 1} have a closed form ({@link #twoBranchRoot}); the rest
     * is solved by Levenberg-Marquardt in log-weights (so w stays positive) from
     * {@code start} (and, if that fails, once more from {@code w' = 1}) on the unit-trace Gram matrix {@code G/t},
     * whose root {@code w'} gives {@code w = w'·t^(-p/(p+1))}; an answer whose residuals exceed 1e-9 of
     * {@code wᵢ^(-1/p)} (no positive root: gradients that cancel, such as {@code g} and {@code −g}) is null.
     */
    static double[] positiveRoot(double[][] gram, double p, double[] start, int maxIterations) {
        int k = gram.length;
        double trace = trace(gram);
        if (!(trace > 0) || !Double.isFinite(trace)) {
            return null;
        }
        int[] live = new int[k];
        int n = 0;
        for (int i = 0; i < k; i++) {
            if (gram[i][i] > ZERO_GRADIENT * trace) {
                live[n++] = i;
            }
        }
        double[][] sub = new double[n][n];
        double[] subStart = new double[n];
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < n; c++) {
                sub[r][c] = gram[live[r]][live[c]];
            }
            subStart[r] = start[live[r]] > 0 && Double.isFinite(start[live[r]]) ? start[live[r]] : 1.0 / k;
        }
        double[] root = n == 2 && p == 1 ? twoBranchRoot(sub) : powerRoot(sub, p, subStart, maxIterations);
        if (root == null && !(n == 2 && p == 1)) {
            // Least squares can stall away from the root from a poor start (a warm start from another step's
            // weights); once more from the unit-trace problem's neutral start, w' = 1.
            double[] neutral = new double[n];
            Arrays.fill(neutral, Math.pow(trace(sub), -p / (p + 1)));
            root = powerRoot(sub, p, neutral, maxIterations);
        }
        if (root == null) {
            return null;
        }
        double mean = 0;
        for (double w : root) {
            mean += w;
        }
        mean /= n;
        double[] out = new double[k];
        Arrays.fill(out, mean);
        for (int r = 0; r < n; r++) {
            out[live[r]] = root[r];
        }
        return out;
    }

    /**
     * {@code G·w = 1/w} for two branches in closed form (Nash-MTL; FairGrad with α = 1): with {@code G = [[a, b], [b,
     * c]]} the two equations {@code a·w₁² + b·w₁w₂ = 1} and {@code b·w₁w₂ + c·w₂² = 1} give {@code a·w₁² = c·w₂²},
     * so {@code w₂ = w₁·√(a/c)} and {@code w₁ = 1/√(a + b·√(a/c))}, which exists exactly when
     * {@code b > −√(ac)} (the gradients are not opposite). The same root as Levenberg-Marquardt's to rounding,
     * without its iterations (≈ 0.7 ms a step on the mlp, measured as Nash-MTL's and FairGrad's cost over MGDA's);
     * the same residual check decides. Null where there is no root.
     */
    private static double[] twoBranchRoot(double[][] gram) {
        double a = gram[0][0];
        double b = gram[0][1];
        double c = gram[1][1];
        double ratio = Math.sqrt(a / c);
        double denominator = a + b * ratio;
        if (!(denominator > 0) || !Double.isFinite(denominator)) {
            return null;
        }
        double w1 = 1 / Math.sqrt(denominator);
        double[] w = {w1, w1 * ratio};
        double[] gw = times(gram, w);
        for (int i = 0; i < 2; i++) {
            if (!(Math.abs(gw[i] - 1 / w[i]) <= ROOT_TOLERANCE / w[i])) {
                return null;
            }
        }
        return w;
    }

    /** {@link #positiveRoot} on a Gram matrix with no zero diagonal entry. */
    private static double[] powerRoot(double[][] gram, double p, double[] start, int maxIterations) {
        int k = gram.length;
        double trace = trace(gram);
        double[][] g = scaled(gram, 1 / trace);
        double rescale = Math.pow(trace, -p / (p + 1));
        double[] beta = new double[k];
        for (int i = 0; i < k; i++) {
            beta[i] = clampLog(Math.log(start[i] / rescale));
        }
        double exponent = -1 / p;
        LeastSquaresProblem problem = new LeastSquaresBuilder()
                .model(point -> {
                    double[] w = new double[k];
                    for (int i = 0; i < k; i++) {
                        w[i] = Math.exp(point.getEntry(i));
                    }
                    double[] residual = times(g, w);
                    double[][] jacobian = new double[k][k];
                    for (int i = 0; i < k; i++) {
                        double power = Math.pow(w[i], exponent);
                        residual[i] -= power;
                        for (int j = 0; j < k; j++) {
                            // ∂/∂βⱼ of (Gw)ᵢ − wᵢ^e, with wⱼ = exp(βⱼ).
                            jacobian[i][j] = g[i][j] * w[j] - (i == j ? exponent * power : 0);
                        }
                    }
                    return new Pair<>(new ArrayRealVector(residual, false),
                            new Array2DRowRealMatrix(jacobian, false));
                })
                .parameterValidator(point -> {
                    RealVector clamped = point.copy();
                    for (int i = 0; i < k; i++) {
                        clamped.setEntry(i, clampLog(point.getEntry(i)));
                    }
                    return clamped;
                })
                .target(new double[k])
                .start(beta)
                .maxIterations(maxIterations)
                .maxEvaluations(Math.max(100, 10 * maxIterations))
                .build();
        RealVector solution;
        try {
            solution = new LevenbergMarquardtOptimizer()
                    .withCostRelativeTolerance(1e-14)
                    .withParameterRelativeTolerance(1e-14)
                    .optimize(problem).getPoint();
        } catch (MathIllegalStateException tooManyIterations) {
            return null;
        }
        double[] w = new double[k];
        for (int i = 0; i < k; i++) {
            w[i] = Math.exp(solution.getEntry(i));
        }
        // Accept only a root: least squares also ends where none exists, at a point the residuals merely favour.
        double[] gw = times(g, w);
        for (int i = 0; i < k; i++) {
            double power = Math.pow(w[i], exponent);
            if (!(Math.abs(gw[i] - power) <= ROOT_TOLERANCE * power)) {
                return null;
            }
        }
        for (int i = 0; i < k; i++) {
            w[i] *= rescale;
        }
        return w;
    }

    private static double clampLog(double value) {
        return Double.isNaN(value) ? 0 : Math.max(-LOG_LIMIT, Math.min(LOG_LIMIT, value));
    }
}

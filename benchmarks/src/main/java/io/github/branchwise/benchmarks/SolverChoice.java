package io.github.branchwise.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Function;
import org.hipparchus.linear.Array2DRowRealMatrix;
import org.hipparchus.linear.ArrayRealVector;
import org.hipparchus.linear.MatrixUtils;
import org.hipparchus.linear.RealMatrix;
import org.hipparchus.linear.RealVector;
import org.hipparchus.optim.InitialGuess;
import org.hipparchus.optim.nonlinear.scalar.ObjectiveFunction;
import org.hipparchus.optim.nonlinear.vector.constrained.ADMMQPOptimizer;
import org.hipparchus.optim.nonlinear.vector.constrained.ADMMQPOption;
import org.hipparchus.optim.nonlinear.vector.constrained.LinearBoundedConstraint;
import org.hipparchus.optim.nonlinear.vector.constrained.LinearEqualityConstraint;
import org.hipparchus.optim.nonlinear.vector.constrained.LinearInequalityConstraint;
import org.hipparchus.optim.nonlinear.vector.constrained.QuadraticFunction;
import org.hipparchus.optim.nonlinear.vector.constrained.SQPOptimizerS;
import org.hipparchus.optim.nonlinear.vector.constrained.TwiceDifferentiableFunction;
import org.ojalgo.matrix.store.RawStore;
import org.ojalgo.optimisation.Optimisation;
import org.ojalgo.optimisation.convex.ConvexSolver;

/**
 * Which Java solver library the gradient-level strategies use for their small optimisation problems: ojAlgo's
 * active-set convex solver against Hipparchus' SQP and ADMM optimisers, on the three kinds of problem the strategies
 * pose, at K = 2, 3 and 10 branches, each on Gram matrices of random gradients of 64 values (a fresh problem per
 * seed). For each: median µs per solve, and the error against a solution known independently of both libraries.
 *
 * <ul>
 *   <li>min-norm point of the convex hull (MGDA): {@code min αᵀGα}, α on the simplex. Known solution: every
 *       support set enumerated, its KKT system solved exactly, the best feasible point kept. Also today's
 *       Frank-Wolfe of {@code MgdaWeighter} (250 iterations, exact line search), rewritten here.</li>
 *   <li>CAGrad's dual: {@code min_w wᵀGb + r·√(wᵀGw)}, w on the simplex, {@code b = 1/K}, {@code r = ½‖g₀‖}. Not a
 *       QP: Hipparchus' SQP takes it as it is; ojAlgo, which has no nonlinear solver, through its variational form
 *       {@code r·√s = min_τ r/2·(s/τ + τ)}: QPs in w alternating with {@code τ = √(wᵀGw)}. Error: the duality
 *       gap {@code F(w) − min_i gᵢ·d(w)} with {@code d(w) = g₀ + r·g_w/‖g_w‖}, an upper bound of how far
 *       {@code F(w)} is from the optimum that needs no known solution.</li>
 *   <li>UPGrad's box QP: {@code min ½vᵀGv} subject to {@code v ≥ u}, {@code u = eᵢ/K}, G normalised by its trace
 *       plus 1e-4·I (as torchjd). Known solution: every active set enumerated.</li>
 * </ul>
 *
 * <pre>
 * java -cp benchmarks/target/classes:$(cat benchmarks/target/classpath.txt) \
 *     io.github.branchwise.benchmarks.SolverChoice [problems per K]
 * </pre>
 */
public final class SolverChoice {
    private static final int DIMENSION = 64;

    private SolverChoice() {
    }

    /** Runs every solver on every problem and prints one line per problem kind, K and solver. */
    public static void main(String[] args) {
        int problems = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        System.out.println("problem        K  solver                          median µs  worst error");
        for (int k : new int[] {2, 3, 10}) {
            List<double[][]> grams = new ArrayList<>();
            for (int seed = 0; seed < problems; seed++) {
                grams.add(gram(k, seed));
            }
            minNorm(k, grams);
        }
        for (int k : new int[] {2, 3, 10}) {
            List<double[][]> grams = new ArrayList<>();
            for (int seed = 0; seed < problems; seed++) {
                grams.add(gram(k, seed));
            }
            caGrad(k, grams);
        }
        for (int k : new int[] {2, 3, 10}) {
            List<double[][]> grams = new ArrayList<>();
            for (int seed = 0; seed < problems; seed++) {
                grams.add(frobeniusNormalised(gram(k, seed)));
            }
            report("Nash Gα = 1/α", k, "Hipparchus Levenberg-Marquardt", grams, SolverChoice::nashLm,
                    g -> nashResidual(g, nashLm(g)));
            System.out.printf(Locale.ROOT, "%-13s %2d  %-31s no nonlinear solver%n", "Nash Gα = 1/α", k,
                    "ojAlgo");
        }
        for (int k : new int[] {2, 3, 10}) {
            List<double[][]> grams = new ArrayList<>();
            for (int seed = 0; seed < problems; seed++) {
                grams.add(regularised(gram(k, seed)));
            }
            if (args.length < 2) { boxQp(k, grams); }
        }
    }

    private static void minNorm(int k, List<double[][]> grams) {
        Function<double[][], double[]> reference = SolverChoice::minNormByEnumeration;
        report("min-norm", k, "Frank-Wolfe 250 (today's MGDA)", grams, SolverChoice::frankWolfe,
                g -> objectiveError(g, frankWolfe(g), reference.apply(g)));
        report("min-norm", k, "ojAlgo ConvexSolver", grams, SolverChoice::minNormOjAlgo,
                g -> objectiveError(g, minNormOjAlgo(g), reference.apply(g)));
        report("min-norm", k, "Hipparchus ADMMQPOptimizer", grams, SolverChoice::minNormAdmm,
                g -> objectiveError(g, minNormAdmm(g), reference.apply(g)));
        report("min-norm", k, "Hipparchus SQPOptimizerS", grams, SolverChoice::minNormSqp,
                g -> objectiveError(g, minNormSqp(g), reference.apply(g)));
    }

    private static void caGrad(int k, List<double[][]> grams) {
        report("CAGrad dual", k, "ojAlgo ConvexSolver, τ iterated", grams, SolverChoice::caGradOjAlgo,
                g -> caGradGap(g, caGradOjAlgo(g)));
        report("CAGrad dual", k, "Hipparchus SQPOptimizerS", grams, SolverChoice::caGradSqp,
                g -> caGradGap(g, caGradSqp(g)));
        report("CAGrad dual", k, "Hipparchus ADMMQP, τ iterated", grams, SolverChoice::caGradAdmm,
                g -> caGradGap(g, caGradAdmm(g)));
    }

    private static void boxQp(int k, List<double[][]> grams) {
        report("UPGrad box QP", k, "ojAlgo ConvexSolver", grams, g -> boxOjAlgo(g, 0),
                g -> boxError(g, boxOjAlgo(g, 0), boxByEnumeration(g, 0)));
        report("UPGrad box QP", k, "Hipparchus ADMMQPOptimizer", grams, g -> boxAdmm(g, 0),
                g -> boxError(g, boxAdmm(g, 0), boxByEnumeration(g, 0)));
    }

    /** Times the solver (warm-up first) and reports the worst error over the problems. */
    private static void report(String problem, int k, String solver, List<double[][]> grams,
            Function<double[][], double[]> solve, Function<double[][], Double> error) {
        double worst = 0;
        int failures = 0;
        for (double[][] g : grams) {
            try {
                worst = Math.max(worst, error.apply(g));
            } catch (RuntimeException e) {
                failures++;
            }
        }
        if (failures > 0) {
            System.out.printf(Locale.ROOT, "%-13s %2d  %-31s failed on %d of %d problems%n", problem, k, solver,
                    failures, grams.size());
            return;
        }
        long warmUpEnd = System.nanoTime() + 1_000_000_000L;
        while (System.nanoTime() < warmUpEnd) {
            for (double[][] g : grams) {
                solve.apply(g);
            }
        }
        int rounds = 15;
        double[] micros = new double[rounds];
        int repeats = 0;
        long probeStart = System.nanoTime();
        for (double[][] g : grams) {
            solve.apply(g);
        }
        double oneRound = (System.nanoTime() - probeStart) / 1e3;
        repeats = Math.max(1, (int) (20_000 / Math.max(1, oneRound)));
        for (int r = 0; r < rounds; r++) {
            long start = System.nanoTime();
            for (int rep = 0; rep < repeats; rep++) {
                for (double[][] g : grams) {
                    solve.apply(g);
                }
            }
            micros[r] = (System.nanoTime() - start) / 1e3 / repeats / grams.size();
        }
        Arrays.sort(micros);
        System.out.printf(Locale.ROOT, "%-13s %2d  %-31s %9.1f  %.2e%n", problem, k, solver, micros[rounds / 2],
                worst);
    }

    /** The Gram matrix of K random gradients whose pairs conflict often (each row shares a common part). */
    static double[][] gram(int k, long seed) {
        Random random = new Random(seed * 1000 + k);
        double[][] g = new double[k][DIMENSION];
        double[] common = new double[DIMENSION];
        for (int d = 0; d < DIMENSION; d++) {
            common[d] = random.nextGaussian();
        }
        for (int i = 0; i < k; i++) {
            double scale = Math.exp(random.nextGaussian());
            double sign = random.nextBoolean() ? 1 : -0.5;
            for (int d = 0; d < DIMENSION; d++) {
                g[i][d] = scale * (random.nextGaussian() + sign * common[d]);
            }
        }
        double[][] gram = new double[k][k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                for (int d = 0; d < DIMENSION; d++) {
                    gram[i][j] += g[i][d] * g[j][d];
                }
            }
        }
        return gram;
    }

    private static double[][] regularised(double[][] gram) {
        int k = gram.length;
        double trace = 0;
        for (int i = 0; i < k; i++) {
            trace += gram[i][i];
        }
        double[][] out = new double[k][k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                out[i][j] = gram[i][j] / trace + (i == j ? 1e-4 : 0);
            }
        }
        return out;
    }

    // ----- min-norm point -----

    static double[] frankWolfe(double[][] gram) {
        int k = gram.length;
        double[] a = new double[k];
        Arrays.fill(a, 1.0 / k);
        for (int iteration = 0; iteration < 250; iteration++) {
            double[] ma = times(gram, a);
            int t = 0;
            for (int i = 1; i < k; i++) {
                if (ma[i] < ma[t]) {
                    t = i;
                }
            }
            double aa = dot(a, ma);
            double ab = ma[t];
            double bb = gram[t][t];
            double denominator = aa - 2 * ab + bb;
            double gamma = denominator <= 0 ? 1.0 : Math.min(1.0, Math.max(0.0, (bb - ab) / denominator));
            double change = 0;
            for (int i = 0; i < k; i++) {
                double next = gamma * a[i] + (i == t ? 1 - gamma : 0);
                change += Math.abs(next - a[i]);
                a[i] = next;
            }
            if (change < 1e-10) {
                break;
            }
        }
        return a;
    }

    static double[] minNormOjAlgo(double[][] gram) {
        int k = gram.length;
        double[] ones = new double[k];
        Arrays.fill(ones, 1.0);
        double[][] negativeIdentity = new double[k][k];
        for (int i = 0; i < k; i++) {
            negativeIdentity[i][i] = -1;
        }
        Optimisation.Result result = ConvexSolver.newBuilder(k)
                .quadratic(RawStore.wrap(gram))
                .linear(new double[k])
                .equality(1.0, ones)
                .inequalities(RawStore.wrap(negativeIdentity), column(new double[k]))
                .build().solve();
        return values(result, k);
    }

    static double[] minNormAdmm(double[][] gram) {
        int k = gram.length;
        ADMMQPOption option = new ADMMQPOption();
        // Polishing (a KKT solve on the active set) threw "matrix is singular" on these problems: left off.
        option.setEps(1e-9);
        double[] x0 = new double[k];
        Arrays.fill(x0, 1.0 / k);
        return new ADMMQPOptimizer().optimize(option,
                new ObjectiveFunction(new QuadraticFunction(gram, new double[k], 0)),
                new LinearEqualityConstraint(new double[][] {ones(k)}, new double[] {1}),
                new LinearBoundedConstraint(identity(k), new double[k], ones(k)),
                new InitialGuess(x0)).getX().toArray();
    }

    static double[] minNormSqp(double[][] gram) {
        int k = gram.length;
        double[] x0 = new double[k];
        Arrays.fill(x0, 1.0 / k);
        return new SQPOptimizerS().optimize(
                new ObjectiveFunction(new QuadraticFunction(gram, new double[k], 0)),
                new LinearEqualityConstraint(new double[][] {ones(k)}, new double[] {1}),
                new LinearInequalityConstraint(identity(k), new double[k]),
                new InitialGuess(x0)).getX().toArray();
    }

    /** Every support set: the equality-constrained minimum on it, kept when feasible; the best of them. */
    static double[] minNormByEnumeration(double[][] gram) {
        int k = gram.length;
        double[] best = null;
        double bestValue = Double.POSITIVE_INFINITY;
        for (int mask = 1; mask < (1 << k); mask++) {
            int[] support = members(mask, k);
            int n = support.length;
            // [G_SS 1; 1ᵀ 0] [α_S; -λ] = [0; 1]
            double[][] a = new double[n + 1][n + 1];
            double[] b = new double[n + 1];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    a[i][j] = gram[support[i]][support[j]];
                }
                a[i][n] = 1;
                a[n][i] = 1;
            }
            b[n] = 1;
            double[] solution = solve(a, b);
            if (solution == null) {
                continue;
            }
            double[] alpha = new double[k];
            boolean feasible = true;
            for (int i = 0; i < n; i++) {
                alpha[support[i]] = solution[i];
                feasible &= solution[i] >= -1e-12;
            }
            double value = dot(alpha, times(gram, alpha));
            if (feasible && value < bestValue) {
                bestValue = value;
                best = alpha;
            }
        }
        return best;
    }

    /** {@code αᵀGα − α*ᵀGα*} relative to {@code α*ᵀGα*}, plus any violation of the simplex constraints. */
    private static double objectiveError(double[][] gram, double[] alpha, double[] reference) {
        double violation = Math.abs(sum(alpha) - 1);
        for (double a : alpha) {
            violation += Math.max(0, -a);
        }
        double value = dot(alpha, times(gram, alpha));
        double best = dot(reference, times(gram, reference));
        return Math.abs(value - best) / Math.max(best, 1e-300) + violation;
    }

    // ----- CAGrad -----

    private static double caGradRadius(double[][] gram) {
        double mean = 0;
        for (double[] row : gram) {
            mean += sum(row);
        }
        mean /= gram.length * gram.length;
        return 0.5 * Math.sqrt(mean);
    }

    static double[] caGradSqp(double[][] gram) {
        int k = gram.length;
        double r = caGradRadius(gram);
        RealMatrix g = new Array2DRowRealMatrix(gram);
        RealVector gb = g.operate(new ArrayRealVector(k, 1.0 / k));
        TwiceDifferentiableFunction f = new TwiceDifferentiableFunction() {
            @Override
            public int dim() {
                return k;
            }

            @Override
            public double value(RealVector w) {
                return gb.dotProduct(w) + r * Math.sqrt(Math.max(w.dotProduct(g.operate(w)), 0) + 1e-20);
            }

            @Override
            public RealVector gradient(RealVector w) {
                RealVector gw = g.operate(w);
                double s = Math.sqrt(Math.max(w.dotProduct(gw), 0) + 1e-20);
                return gb.add(gw.mapMultiply(r / s));
            }

            @Override
            public RealMatrix hessian(RealVector w) {
                RealVector gw = g.operate(w);
                double s = Math.sqrt(Math.max(w.dotProduct(gw), 0) + 1e-20);
                return g.scalarMultiply(r / s).subtract(gw.outerProduct(gw).scalarMultiply(r / (s * s * s)));
            }
        };
        double[] x0 = new double[k];
        Arrays.fill(x0, 1.0 / k);
        return new SQPOptimizerS().optimize(new ObjectiveFunction(f),
                new LinearEqualityConstraint(new double[][] {ones(k)}, new double[] {1}),
                new LinearInequalityConstraint(identity(k), new double[k]),
                new InitialGuess(x0)).getX().toArray();
    }

    static double[] caGradOjAlgo(double[][] gram) {
        int k = gram.length;
        double r = caGradRadius(gram);
        double[] gb = times(gram, filled(k, 1.0 / k));
        double[] w = filled(k, 1.0 / k);
        double[][] negativeIdentity = new double[k][k];
        for (int i = 0; i < k; i++) {
            negativeIdentity[i][i] = -1;
        }
        double tau = Math.sqrt(Math.max(dot(w, times(gram, w)), 1e-20));
        for (int iteration = 0; iteration < 100; iteration++) {
            double[][] q = new double[k][k];
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    q[i][j] = gram[i][j] * r / tau;
                }
            }
            double[] c = new double[k];
            for (int i = 0; i < k; i++) {
                c[i] = -gb[i];
            }
            Optimisation.Result result = ConvexSolver.newBuilder(k)
                    .quadratic(RawStore.wrap(q))
                    .linear(c)
                    .equality(1.0, ones(k))
                    .inequalities(RawStore.wrap(negativeIdentity), column(new double[k]))
                    .build().solve();
            w = values(result, k);
            double next = Math.sqrt(Math.max(dot(w, times(gram, w)), 1e-20));
            if (Math.abs(next - tau) <= 1e-12 * tau) {
                break;
            }
            tau = next;
        }
        return w;
    }

    static double[] caGradAdmm(double[][] gram) {
        int k = gram.length;
        double r = caGradRadius(gram);
        double[] gb = times(gram, filled(k, 1.0 / k));
        double[] w = filled(k, 1.0 / k);
        double tau = Math.sqrt(Math.max(dot(w, times(gram, w)), 1e-20));
        ADMMQPOption option = new ADMMQPOption();
        option.setEps(1e-9);
        for (int iteration = 0; iteration < 100; iteration++) {
            double[][] q = new double[k][k];
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    q[i][j] = gram[i][j] * r / tau;
                }
            }
            w = new ADMMQPOptimizer().optimize(option,
                    new ObjectiveFunction(new QuadraticFunction(q, gb, 0)),
                    new LinearEqualityConstraint(new double[][] {ones(k)}, new double[] {1}),
                    new LinearBoundedConstraint(identity(k), new double[k], ones(k)),
                    new InitialGuess(w)).getX().toArray();
            double next = Math.sqrt(Math.max(dot(w, times(gram, w)), 1e-20));
            if (Math.abs(next - tau) <= 1e-10 * tau) {
                break;
            }
            tau = next;
        }
        return w;
    }

    /** The duality gap of CAGrad's problem at w, relative to ‖g₀‖². */
    static double caGradGap(double[][] gram, double[] w) {
        int k = gram.length;
        double r = caGradRadius(gram);
        double[] gb = times(gram, filled(k, 1.0 / k));
        double[] gw = times(gram, w);
        double norm = Math.sqrt(Math.max(dot(w, gw), 1e-300));
        double dual = dot(w, gb) + r * norm;
        double primal = Double.POSITIVE_INFINITY;
        for (int i = 0; i < k; i++) {
            primal = Math.min(primal, gb[i] + r * gw[i] / norm);
        }
        double violation = Math.abs(sum(w) - 1);
        for (double a : w) {
            violation += Math.max(0, -a);
        }
        return Math.max(0, dual - primal) / (4 * r * r) + violation;
    }

    // ----- Nash-MTL -----

    private static double[][] frobeniusNormalised(double[][] gram) {
        double norm = 0;
        for (double[] row : gram) {
            norm += dot(row, row);
        }
        norm = Math.sqrt(norm);
        double[][] out = new double[gram.length][];
        for (int i = 0; i < gram.length; i++) {
            out[i] = gram[i].clone();
            for (int j = 0; j < gram.length; j++) {
                out[i][j] /= norm;
            }
        }
        return out;
    }

    /** {@code Gα − 1/α = 0} in {@code α = exp(β)}, which keeps α positive without bounds. */
    static double[] nashLm(double[][] gram) {
        int k = gram.length;
        org.hipparchus.optim.nonlinear.vector.leastsquares.LeastSquaresProblem problem =
                new org.hipparchus.optim.nonlinear.vector.leastsquares.LeastSquaresBuilder()
                        .model(beta -> {
                            double[] alpha = new double[k];
                            for (int i = 0; i < k; i++) {
                                alpha[i] = Math.exp(beta.getEntry(i));
                            }
                            double[] residual = times(gram, alpha);
                            double[][] jacobian = new double[k][k];
                            for (int i = 0; i < k; i++) {
                                residual[i] -= 1 / alpha[i];
                                for (int j = 0; j < k; j++) {
                                    jacobian[i][j] = gram[i][j] * alpha[j] + (i == j ? 1 / alpha[i] : 0);
                                }
                            }
                            return new org.hipparchus.util.Pair<>(new ArrayRealVector(residual, false),
                                    new Array2DRowRealMatrix(jacobian, false));
                        })
                        .target(new double[k])
                        .start(new double[k])
                        .maxEvaluations(1000)
                        .maxIterations(1000)
                        .build();
        RealVector beta = new org.hipparchus.optim.nonlinear.vector.leastsquares.LevenbergMarquardtOptimizer()
                .withCostRelativeTolerance(1e-15).withParameterRelativeTolerance(1e-15)
                .optimize(problem).getPoint();
        double[] alpha = new double[k];
        for (int i = 0; i < k; i++) {
            alpha[i] = Math.exp(beta.getEntry(i));
        }
        return alpha;
    }

    /** {@code max_i |(Gα)ᵢ·αᵢ − 1|}: zero at the Nash solution. */
    static double nashResidual(double[][] gram, double[] alpha) {
        double[] ga = times(gram, alpha);
        double worst = 0;
        for (int i = 0; i < alpha.length; i++) {
            worst = Math.max(worst, Math.abs(ga[i] * alpha[i] - 1));
        }
        return worst;
    }

    // ----- box QP -----

    private static double[] lowerBound(int k, int task) {
        double[] u = new double[k];
        u[task] = 1.0 / k;
        return u;
    }

    static double[] boxOjAlgo(double[][] gram, int task) {
        int k = gram.length;
        double[] u = lowerBound(k, task);
        double[][] negativeIdentity = new double[k][k];
        double[] bound = new double[k];
        for (int i = 0; i < k; i++) {
            negativeIdentity[i][i] = -1;
            bound[i] = -u[i];
        }
        Optimisation.Result result = ConvexSolver.newBuilder(k)
                .quadratic(RawStore.wrap(gram))
                .linear(new double[k])
                .inequalities(RawStore.wrap(negativeIdentity), column(bound))
                .build().solve();
        return values(result, k);
    }

    static double[] boxAdmm(double[][] gram, int task) {
        int k = gram.length;
        double[] u = lowerBound(k, task);
        ADMMQPOption option = new ADMMQPOption();
        // Polishing (a KKT solve on the active set) threw "matrix is singular" on these problems: left off.
        option.setEps(1e-9);
        return new ADMMQPOptimizer().optimize(option,
                new ObjectiveFunction(new QuadraticFunction(gram, new double[k], 0)),
                new LinearBoundedConstraint(identity(k), u, filled(k, 1e20)),
                new InitialGuess(u)).getX().toArray();
    }

    /** Every active set A (v_A = u_A): v_F from G_FF v_F = −G_FA u_A, kept when feasible; the best of them. */
    static double[] boxByEnumeration(double[][] gram, int task) {
        int k = gram.length;
        double[] u = lowerBound(k, task);
        double[] best = null;
        double bestValue = Double.POSITIVE_INFINITY;
        for (int mask = 0; mask < (1 << k); mask++) {
            int[] free = members(mask, k);
            double[] v = u.clone();
            if (free.length > 0) {
                double[][] a = new double[free.length][free.length];
                double[] b = new double[free.length];
                for (int i = 0; i < free.length; i++) {
                    for (int j = 0; j < free.length; j++) {
                        a[i][j] = gram[free[i]][free[j]];
                    }
                    for (int j = 0; j < k; j++) {
                        if ((mask & (1 << j)) == 0) {
                            b[i] -= gram[free[i]][j] * u[j];
                        }
                    }
                }
                double[] solution = solve(a, b);
                if (solution == null) {
                    continue;
                }
                for (int i = 0; i < free.length; i++) {
                    v[free[i]] = solution[i];
                }
            }
            boolean feasible = true;
            for (int i = 0; i < k; i++) {
                feasible &= v[i] >= u[i] - 1e-12;
            }
            double value = 0.5 * dot(v, times(gram, v));
            if (feasible && value < bestValue) {
                bestValue = value;
                best = v;
            }
        }
        return best;
    }

    private static double boxError(double[][] gram, double[] v, double[] reference) {
        int k = gram.length;
        double[] u = lowerBound(k, 0);
        double violation = 0;
        for (int i = 0; i < k; i++) {
            violation += Math.max(0, u[i] - v[i]);
        }
        double value = dot(v, times(gram, v));
        double best = dot(reference, times(gram, reference));
        return Math.abs(value - best) / best + violation;
    }

    // ----- small helpers -----

    private static double[] values(Optimisation.Result result, int k) {
        if (!result.getState().isFeasible()) {
            throw new IllegalStateException("ojAlgo: " + result.getState());
        }
        double[] x = new double[k];
        for (int i = 0; i < k; i++) {
            x[i] = result.doubleValue(i);
        }
        return x;
    }

    /** ojAlgo reads a right-hand side as a k × 1 column. */
    private static RawStore column(double[] values) {
        double[][] rows = new double[values.length][1];
        for (int i = 0; i < values.length; i++) {
            rows[i][0] = values[i];
        }
        return RawStore.wrap(rows);
    }

    private static int[] members(int mask, int k) {
        return java.util.stream.IntStream.range(0, k).filter(i -> (mask & (1 << i)) != 0).toArray();
    }

    /** Gaussian elimination with partial pivoting; null when singular. */
    private static double[] solve(double[][] matrix, double[] rhs) {
        int n = rhs.length;
        double[][] a = new double[n][];
        for (int i = 0; i < n; i++) {
            a[i] = Arrays.copyOf(matrix[i], n + 1);
            a[i][n] = rhs[i];
        }
        for (int c = 0; c < n; c++) {
            int pivot = c;
            for (int i = c + 1; i < n; i++) {
                if (Math.abs(a[i][c]) > Math.abs(a[pivot][c])) {
                    pivot = i;
                }
            }
            if (Math.abs(a[pivot][c]) < 1e-14) {
                return null;
            }
            double[] swap = a[c];
            a[c] = a[pivot];
            a[pivot] = swap;
            for (int i = c + 1; i < n; i++) {
                double factor = a[i][c] / a[c][c];
                for (int j = c; j <= n; j++) {
                    a[i][j] -= factor * a[c][j];
                }
            }
        }
        double[] x = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double s = a[i][n];
            for (int j = i + 1; j < n; j++) {
                s -= a[i][j] * x[j];
            }
            x[i] = s / a[i][i];
        }
        return x;
    }

    private static double[] times(double[][] m, double[] v) {
        double[] out = new double[m.length];
        for (int i = 0; i < m.length; i++) {
            out[i] = dot(m[i], v);
        }
        return out;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static double sum(double[] a) {
        double s = 0;
        for (double x : a) {
            s += x;
        }
        return s;
    }

    private static double[] ones(int k) {
        return filled(k, 1.0);
    }

    private static double[] filled(int k, double value) {
        double[] out = new double[k];
        Arrays.fill(out, value);
        return out;
    }

    private static double[][] identity(int k) {
        return MatrixUtils.createRealIdentityMatrix(k).getData();
    }
}

package io.github.branchwise.runtime.strategies;

import java.util.Arrays;

/**
 * The Euclidean projection onto the probability simplex {@code {w : wᵢ ≥ 0, Σ wᵢ = 1}}, by sorting (Held, Wolfe and
 * Crowder 1974; Duchi et al. 2008): {@code wᵢ = max(vᵢ − θ, 0)} with the one threshold θ that makes the result sum to
 * one. Used by the stochastic strategies (SDMGrad, MoDo) that take projected gradient steps on their weights.
 */
final class SimplexProjection {
    private SimplexProjection() {
    }

    /**
     * The point of the simplex nearest to {@code v}.
     *
     * @throws IllegalArgumentException when {@code v} is empty or holds a value that is not finite
     */
    static double[] project(double[] v) {
        int n = v.length;
        if (n == 0) {
            throw new IllegalArgumentException("cannot project an empty vector onto the simplex");
        }
        for (double value : v) {
            if (!Double.isFinite(value)) {
                throw new IllegalArgumentException("cannot project " + Arrays.toString(v) + " onto the simplex");
            }
        }
        double[] sorted = v.clone();
        Arrays.sort(sorted);
        // Largest first: the threshold is set by the largest ρ with u_ρ > (Σ_{j≤ρ} u_j − 1)/ρ.
        double cumulative = 0;
        double theta = 0;
        for (int r = 1; r <= n; r++) {
            double u = sorted[n - r];
            cumulative += u;
            double candidate = (cumulative - 1) / r;
            if (u > candidate) {
                theta = candidate;
            }
        }
        double[] w = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            w[i] = Math.max(v[i] - theta, 0);
            sum += w[i];
        }
        if (Math.abs(sum - 1) > 1e-9) {
            // Values so large that 1 is lost in their rounding: the projection's limit, the largest entries' vertex
            // (shared equally between ties).
            double max = sorted[n - 1];
            int ties = 0;
            for (double value : v) {
                ties += value == max ? 1 : 0;
            }
            for (int i = 0; i < n; i++) {
                w[i] = v[i] == max ? 1.0 / ties : 0;
            }
        }
        return w;
    }
}

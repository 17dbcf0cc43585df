#!/usr/bin/env python3
"""Reference numbers for MgdaMinNormTest (runtime/src/test/java/.../strategies/): MGDA's minimum-norm point of the
convex hull of K branch gradients, min ||sum_i w_i g_i||^2 over the simplex, worked out with NumPy and SciPy
independently of the Java code (which uses Hipparchus' ADMM and an active-set polish). Exact: every support is
enumerated and the one meeting all KKT conditions kept; SciPy's SLSQP at a tight tolerance is run as a cross-check.
The test embeds what this prints (mgda_min_norm_reference.txt). Run: python3 mgda_min_norm_reference.py
"""
import itertools

import numpy as np
from scipy.optimize import minimize

K3 = np.array([[1.0, 2.0, -1.0, 0.5],
               [-1.5, 0.5, 1.0, 2.0],
               [0.3, -1.0, 2.0, -0.5]])
# K = 10 gradients of 16 values, g[i][j] = sin(0.7 (i + 1) (j + 1)) + 0.3 (the test builds the same matrix).
K10 = np.array([[np.sin(0.7 * (i + 1) * (j + 1)) + 0.3 for j in range(16)] for i in range(10)])


def show(name, values):
    print(name + " = " + ", ".join(repr(float(v)) for v in np.ravel(values)))


def min_norm_enumerated(gram):
    k = len(gram)
    best = None
    for size in range(1, k + 1):
        for support in itertools.combinations(range(k), size):
            s = list(support)
            # KKT on the support: G_SS w_S = lam 1, sum w_S = 1.
            a = np.zeros((size + 1, size + 1))
            a[:size, :size] = gram[np.ix_(s, s)]
            a[:size, size] = -1
            a[size, :size] = 1
            rhs = np.zeros(size + 1)
            rhs[size] = 1
            try:
                x = np.linalg.solve(a, rhs)
            except np.linalg.LinAlgError:
                continue
            w = np.zeros(k)
            w[s] = x[:size]
            lam = x[size]
            if np.all(w >= -1e-12) and np.all(gram @ w >= lam - 1e-12):
                if best is None or w @ gram @ w < best @ gram @ best - 1e-15:
                    best = w
    return best


for name, grads in (("K3", K3), ("K10", K10)):
    gram = grads @ grads.T
    w = min_norm_enumerated(gram)
    k = len(gram)
    res = minimize(lambda x: x @ gram @ x, np.ones(k) / k, jac=lambda x: 2 * gram @ x, bounds=[(0, 1)] * k,
                   constraints=({'type': 'eq', 'fun': lambda x: x.sum() - 1},), method='SLSQP',
                   options={'ftol': 1e-16, 'maxiter': 1000})
    print(f"# MGDA {name}: squared min norm {float(w @ gram @ w)!r}, smallest eigenvalue of G {np.linalg.eigvalsh(gram)[0]:.2e}; SLSQP agrees to {np.max(np.abs(res.x - w)):.1e}")
    show(f"mgda_{name}_weights", w)

#!/usr/bin/env python3
"""Reference numbers for the solver strategies' unit tests (runtime/src/test/java/.../strategies/*Test.java).

Worked out from the papers' formulas with NumPy and SciPy, independently of the Java code (which uses Hipparchus):
the tests embed what this prints (solver_strategies_reference.txt). Run: python3 solver_strategies_reference.py

The gradients are those of GivenGradients: branch i's gradient of the shared parameter, written out below.
"""
import numpy as np
from scipy.optimize import minimize

np.set_printoptions(precision=17)

K2 = np.array([[1.0, 2.0, -1.0, 0.5],
               [-1.5, 0.5, 1.0, 2.0]])
K3 = np.array([[1.0, 2.0, -1.0, 0.5],
               [-1.5, 0.5, 1.0, 2.0],
               [0.3, -1.0, 2.0, -0.5]])


def show(name, values):
    print(name + " = " + ", ".join(repr(float(v)) for v in np.ravel(values)))


def cagrad(grads, calpha=0.5, rescale=1):
    """CAGrad (Liu et al. 2021) with LibMTL's constants, its dual solved by SLSQP to a tight tolerance."""
    k = len(grads)
    gg = grads @ grads.T
    g0_norm = np.sqrt(gg.mean() + 1e-8)
    c = calpha * g0_norm + 1e-8
    b = np.ones(k) / k

    def objective(x):
        return x @ gg @ b + c * np.sqrt(x @ gg @ x + 1e-8)

    res = minimize(objective, b, bounds=[(0, 1)] * k, constraints=({'type': 'eq', 'fun': lambda x: 1 - x.sum()},),
                   method='SLSQP', options={'ftol': 1e-15, 'maxiter': 1000})
    w = res.x
    # The duality gap certifies the solution without trusting the solver: the primal direction d(w) is feasible
    # for max_d min_i g_i.d with |d - g0| <= c, so min_i g_i.d(w) <= optimum <= objective(w).
    gw = w @ grads
    d_primal = grads.mean(0) + c * gw / np.linalg.norm(gw)
    gap = objective(w) - np.min(grads @ d_primal)
    lam = c / (np.linalg.norm(gw) + 1e-8)
    divisor = {0: 1.0, 1: 1 + calpha ** 2, 2: 1 + calpha}[rescale]
    coefficients = (b + lam * w) / divisor
    return w, gap, coefficients, coefficients @ grads


for name, grads in (("K2", K2), ("K3", K3)):
    w, gap, coefficients, update = cagrad(grads)
    print(f"# CAGrad {name}, c = 0.5, rescale = 1: duality gap {gap:.2e}")
    show(f"cagrad_{name}_w", w)
    show(f"cagrad_{name}_coefficients", coefficients)
    show(f"cagrad_{name}_shared_update", update)
w, gap, coefficients, update = cagrad(K3, calpha=0.8, rescale=2)
print(f"# CAGrad K3, c = 0.8, rescale = 2: duality gap {gap:.2e}")
show("cagrad_K3_c08_r2_coefficients", coefficients)

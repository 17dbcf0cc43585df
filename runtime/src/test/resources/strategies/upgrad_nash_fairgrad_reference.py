#!/usr/bin/env python3
"""Reference numbers for UpGradWeighterTest, NashMtlWeighterTest and FairGradWeighterTest (runtime/src/test/java/
.../strategies/), worked out from the papers' formulas with NumPy and SciPy, independently of the Java code (which
uses Hipparchus' ADMM and Levenberg-Marquardt). The tests embed what this prints
(upgrad_nash_fairgrad_reference.txt). Run: python3 upgrad_nash_fairgrad_reference.py

The gradients are those of GivenGradients: branch i's gradient of the shared parameter "trunk" is row i below; its
head "head<i>" has gradient i + 1.
"""
import itertools

import numpy as np
from scipy.optimize import least_squares, minimize

K2 = np.array([[1.0, 2.0, -1.0, 0.5],
               [-1.5, 0.5, 1.0, 2.0]])
K3 = np.array([[1.0, 2.0, -1.0, 0.5],
               [-1.5, 0.5, 1.0, 2.0],
               [0.3, -1.0, 2.0, -0.5]])
# Three steps of other gradients, for the weighters' state.
STEPS = [K3,
         np.array([[0.5, -1.0, 2.0, 1.0], [1.0, 1.0, 0.0, -2.0], [-0.5, 2.0, 1.0, 0.5]]),
         np.array([[2.0, 0.5, -0.5, 1.0], [-1.0, 1.5, 0.5, 0.0], [0.5, -0.5, -1.5, 2.5]])]


def show(name, values):
    print(name + " = " + ", ".join(repr(float(v)) for v in np.ravel(values)))


# ----- UPGrad (Quinton & Rey 2024) with torchjd's norm_eps = reg_eps = 1e-4 -----
def box_qp_enumerated(g, u):
    """argmin v'Gv s.t. v >= u, exactly: every active set enumerated, the one meeting all KKT conditions kept."""
    k = len(u)
    found = []
    for active in itertools.product([False, True], repeat=k):
        active = np.array(active)
        free = ~active
        v = u.copy()
        if free.any():
            v[free] = np.linalg.solve(g[np.ix_(free, free)], -g[np.ix_(free, active)] @ u[active])
        mult = g @ v
        if np.all(v[free] >= u[free] - 1e-12) and np.all(mult[active] >= -1e-12):
            found.append(v)
    assert len(found) >= 1
    return found[0]


def upgrad(grads):
    k = len(grads)
    gram = grads @ grads.T
    tr = np.trace(gram)
    g = np.zeros_like(gram) if tr < 1e-4 else gram / tr
    g = g + 1e-4 * np.eye(k)
    weights = np.zeros(k)
    worst = 0.0
    for i in range(k):
        u = np.zeros(k)
        u[i] = 1.0 / k
        v = box_qp_enumerated(g, u)
        # Cross-check with a general solver.
        res = minimize(lambda x: x @ g @ x, u, jac=lambda x: 2 * g @ x, bounds=[(ui, None) for ui in u],
                       method='L-BFGS-B', options={'ftol': 1e-15, 'gtol': 1e-13, 'maxiter': 10000})
        worst = max(worst, np.max(np.abs(res.x - v)))
        weights += v
    return weights, worst


for name, grads in (("K2", K2), ("K3", K3)):
    w, worst = upgrad(grads)
    print(f"# UPGrad {name}: enumerated KKT solution; L-BFGS-B agrees to {worst:.1e}")
    show(f"upgrad_{name}_weights", w)
    show(f"upgrad_{name}_shared_update", w @ grads)
w, _ = upgrad(np.array([[1.0, 2.0, -1.0, 0.5], [0.0, 0.0, 0.0, 0.0], [1.0, 2.0, -1.0, 0.5]]))
print("# UPGrad with a zero gradient and two identical ones")
show("upgrad_degenerate_weights", w)
w, _ = upgrad(K3 * 1e-3)
print("# UPGrad with trace below norm_eps = 1e-4: the mean")
show("upgrad_tiny_weights", w)


# ----- Nash-MTL (Navon et al. 2022): G a = 1/a -----
def positive_root(gram, p, start):
    """The root of G w = w^(-1/p), w > 0, by SciPy's least squares in log-weights at tight tolerances."""
    def residual(beta):
        w = np.exp(beta)
        return gram @ w - w ** (-1.0 / p)
    res = least_squares(residual, np.log(start), xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=10000)
    w = np.exp(res.x)
    rel = np.max(np.abs(gram @ w - w ** (-1.0 / p)) / w ** (-1.0 / p))
    return w, rel


def clip(gram, alpha, max_norm):
    norm = np.sqrt(alpha @ gram @ alpha)
    factor = max_norm / (norm + 1e-6)
    return min(factor, 1.0)


for name, grads in (("K2", K2), ("K3", K3)):
    gram = grads @ grads.T
    alpha, rel = positive_root(gram, 1.0, np.ones(len(grads)))
    s = clip(gram, alpha, 1.0)
    print(f"# Nash-MTL {name}: relative residual {rel:.1e}; clip factor for max_norm 1: {float(s)!r}")
    show(f"nash_{name}_alpha", alpha)
    show(f"nash_{name}_shared_update", s * alpha @ grads)

print("# Nash-MTL over STEPS with update_every = 2, max_norm = 1: solved at steps 0 and 2, step 1 reuses step 0's")
alpha = np.ones(3)
for t, grads in enumerate(STEPS):
    gram = grads @ grads.T
    if t % 2 == 0:
        alpha, rel = positive_root(gram, 1.0, alpha)
    s = clip(gram, alpha, 1.0)
    show(f"nash_step{t}_alpha", alpha)
    show(f"nash_step{t}_shared_update", s * alpha @ grads)


# ----- FairGrad (Ban & Ji 2024): G w = w^(-1/alpha) -----
for name, grads, a in (("K2", K2, 1.0), ("K3", K3, 1.0), ("K3_alpha2", K3, 2.0), ("K3_alpha05", K3, 0.5)):
    gram = grads @ grads.T
    w, rel = positive_root(gram, a, np.ones(len(grads)) / len(grads))
    # LibMTL's call: least_squares on the weights, bounds (0, inf), from 1/K, SciPy's default tolerances.
    lib = least_squares(lambda x: gram @ x - np.power(1 / x, 1 / a), np.ones(len(grads)) / len(grads),
                        bounds=(0, np.inf)).x
    print(f"# FairGrad {name} (alpha {a}): relative residual {rel:.1e}; "
          f"LibMTL's default-tolerance solve differs by {np.max(np.abs(lib - w) / w):.1e} (relative)")
    show(f"fairgrad_{name}_weights", w)
    show(f"fairgrad_{name}_shared_update", w @ grads)

print("# FairGrad over three steps: the middle one's gradients cancel (no root), so step 0's weights are kept")
cancel = np.array([[1.0, 2.0, -1.0, 0.5], [-1.0, -2.0, 1.0, -0.5], [1.0, 2.0, -1.0, 0.5]])
for t, grads in enumerate([STEPS[0], cancel, STEPS[2]]):
    gram = grads @ grads.T
    if t == 1:
        # Rows 0 and 1 of G are opposite, so (G w)_0 = -(G w)_1 can never both be positive: no positive root.
        assert np.allclose(gram[0], -gram[1])
        print("# step 1: (G w)_0 = -(G w)_1 for every w, no positive root")
        continue
    w, rel = positive_root(gram, 1.0, np.ones(3) / 3)
    show(f"fairgrad_step{t}_weights", w)

print("# Nash-MTL / FairGrad with a zero gradient: the root over the others, the zero one gets their mean")
zero = np.array([[1.0, 2.0, -1.0, 0.5], [0.0, 0.0, 0.0, 0.0], [-1.5, 0.5, 1.0, 2.0]])
sub = zero[[0, 2]] @ zero[[0, 2]].T
w, _ = positive_root(sub, 1.0, np.ones(2))
show("nash_zero_alpha", [w[0], w.mean(), w[1]])

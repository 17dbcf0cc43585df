"""Reference for PCGrad's order ALL (ConventionsTest): three gradients, chosen so that visiting a branch's own
gradient can matter, and the summed projection coefficients for every possible visiting order, from the paper's
rule in NumPy (float64). Coefficients: the update Σᵢ gᵢ' written as Σₖ cₖ·gₖ of the original gradients.

OTHERS: each branch visits the other two in either order; ALL: each visits all three in any order (LibMTL).
Run: /usr/bin/python3 pcgrad_self.py > pcgrad_self.txt
"""
import itertools
import numpy as np

G = np.array([[1.0, 0.0], [-0.6, 0.5], [-0.6, -0.45]])  # g0, g1, g2 in two dimensions


def project(i, order):
    c = np.zeros(3)
    c[i] = 1.0
    for j in order:
        d = (c @ G) @ G[j]
        if d < 0:
            c[j] -= d / (G[j] @ G[j])
    return c


def outcomes(include_self):
    per_branch = []
    for i in range(3):
        pool = [j for j in range(3) if include_self or j != i]
        per_branch.append([project(i, o) for o in itertools.permutations(pool)])
    found = []
    for combo in itertools.product(*per_branch):
        total = sum(combo)
        if all(np.max(np.abs(total - f)) > 1e-12 for f in found):
            found.append(total)
    return found


others, every = outcomes(False), outcomes(True)
only = [t for t in every if min(np.max(np.abs(t - o)) for o in others) > 1e-9]
print("gram = " + " ".join(repr(float(v)) for v in (G @ G.T).reshape(-1)))
for name, ts in (("others", others), ("all", every)):
    for n, t in enumerate(ts):
        print("%s.%d = %s" % (name, n, " ".join(repr(float(v)) for v in t)))
print("count.others = %d" % len(others))
print("count.all = %d" % len(every))
print("count.all_only = %d" % len(only))

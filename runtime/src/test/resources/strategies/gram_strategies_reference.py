"""Expected numbers for ImtlWeighterTest, AlignedMtlWeighterTest, GradVacWeighterTest and
GramStrategiesReferenceTest, worked out here independently of Branchwise.

Each strategy is written from its paper and LibMTL's formulas (LibMTL/weighting/IMTL.py, Aligned_MTL.py, GradVac.py)
on the gradient vectors themselves, not on their Gram matrix as Branchwise computes them: IMTL-G with the inverse of
D.U^T, Aligned-MTL with numpy's eigh, GradVac by moving the vectors. Part 1 works on gradients written out by hand;
part 2 trains StrategyTest.trunkModel (the model of loss_level_reference.py: x[4,3] -> tanh(x.W0 + b0) -> an MSE
regression head and a two-unit sigmoid BCE head) in float64 by SGD (lr 0.05) on one batch, one backward pass per
task, the heads getting their own task's gradient as LibMTL gives them. Run: /usr/bin/python3 gram_strategies_reference.py
"""
import numpy as np
import torch

torch.set_default_dtype(torch.float64)
np.set_printoptions(precision=17)
FLOAT32_EPS = float(np.finfo(np.float32).eps)


def fmt(values):
    return "{" + ", ".join(repr(float(v)) for v in np.asarray(values).reshape(-1)) + "}"


# ---------------------------------------------------------------- the strategies, on vectors
def imtl_alpha(grads):
    """LibMTL's IMTL-G: alpha[1:] = g1.U^T (D.U^T)^-1, alpha[0] = 1 - sum."""
    grads = np.asarray(grads, dtype=np.float64)
    unit = grads / np.linalg.norm(grads, axis=1, keepdims=True)
    d = grads[0:1] - grads[1:]
    u = unit[0:1] - unit[1:]
    rest = grads[0] @ u.T @ np.linalg.inv(d @ u.T)
    return np.concatenate([[1 - rest.sum()], rest])


def aligned_alpha(grads):
    """LibMTL's Aligned-MTL: eigh of G = grads.grads^T, eigenvalues above max*K*eps(float32) kept, B = sqrt(l_min)
    V diag(1/sqrt(l)) V^T, alpha = B.sum(0)."""
    grads = np.asarray(grads, dtype=np.float64)
    m = grads @ grads.T
    lam, v = np.linalg.eigh(m)
    tol = lam.max() * max(m.shape) * FLOAT32_EPS
    keep = lam > tol
    lam, v = lam[keep], v[:, keep]
    order = np.argsort(lam)[::-1]
    lam, v = lam[order], v[:, order]
    b = np.sqrt(lam[-1]) * (v @ np.diag(1 / np.sqrt(lam)) @ v.T)
    return b.sum(0)


def gradvac(grads, targets, beta, orders, groups):
    """LibMTL's GradVac on one step: grads [K, n], targets [G, K, K] (updated in place), orders[i] the order in
    which task i visits the others, groups a list of (begin, end) slices. Returns the summed new gradient."""
    grads = np.asarray(grads, dtype=np.float64)
    pc = grads.copy()
    k = grads.shape[0]
    for i in range(k):
        for j in orders[i]:
            for g, (beg, end) in enumerate(groups):
                gi, gj = pc[i, beg:end], grads[j, beg:end]
                rho = gi @ gj / (np.linalg.norm(gi) * np.linalg.norm(gj) + 1e-8)
                t = targets[g, i, j]
                if rho < t:
                    w = np.linalg.norm(gi) * (t * np.sqrt(1 - rho ** 2) - rho * np.sqrt(1 - t ** 2)) / (
                        np.linalg.norm(gj) * np.sqrt(1 - t ** 2) + 1e-8)
                    pc[i, beg:end] = gi + w * gj
                targets[g, i, j] = (1 - beta) * t + beta * rho
    return pc.sum(0)


# ---------------------------------------------------------------- part 1: gradients written out by hand
K2 = [[1.0, 2.0, -1.0, 0.5], [-1.5, 0.5, 1.0, 2.0]]
K3 = [[1.0, 2.0, -1.0, 0.5], [-1.5, 0.5, 1.0, 2.0], [0.3, -1.0, 2.0, -0.5]]


def part1():
    for name, grads in (("K2", K2), ("K3", K3)):
        a = imtl_alpha(grads)
        update = a @ np.asarray(grads)
        print(f"IMTL-G {name} alpha {fmt(a)} update {fmt(update)}")
        # the defining property: equal projections on every unit gradient
        unit = np.asarray(grads) / np.linalg.norm(grads, axis=1, keepdims=True)
        print(f"  projections {fmt(unit @ update)}")
    for name, grads in (("K2", K2), ("K3", K3), ("K3 rank 2", [K3[0], K3[1], [K3[0][i] + K3[1][i] for i in range(4)]]),
                        ("K2 parallel", [K2[0], [2 * v for v in K2[0]]])):
        a = aligned_alpha(grads)
        print(f"ALIGNED {name} alpha {fmt(a)} update {fmt(a @ np.asarray(grads))}")
    steps = [K3, [[0.5, 1.0, 0.2, -0.3], [-0.2, 0.4, 1.5, 0.1], [1.0, -0.5, -0.3, 0.8]],
             [[-0.4, 0.9, 0.3, 0.2], [0.6, -0.7, 0.2, 1.1], [0.2, 0.3, -1.2, 0.4]]]
    orders = [[[2, 1], [0, 2], [1, 0]], [[1, 2], [2, 0], [0, 1]], [[2, 1], [2, 0], [1, 0]]]
    targets = np.zeros((1, 3, 3))
    print("GRADVAC K3 beta 0.5 whole")
    for s, grads in enumerate(steps):
        update = gradvac(grads, targets, 0.5, orders[s], [(0, 4)])
        print(f"  step {s} update {fmt(update)} targets {fmt(targets)}")


# ---------------------------------------------------------------- part 2: the trunk model
LR = 0.05
X = torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7], [-0.2, 0.8, 0.1], [1.0, 1.0, -1.0]])
Y_REG = torch.tensor([[1.0], [-2.0], [0.5], [3.0]])
Y_BIN = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0]])
INIT = {
    "trunk/dense_0/W": [[0.2, -0.1, 0.4, 0.3], [-0.3, 0.5, 0.1, -0.2], [0.1, 0.2, -0.4, 0.25]],
    "trunk/dense_0/b": [0.05, -0.05, 0.1, 0.0],
    "reg/dense_0/W": [[0.3], [-0.6], [0.2], [0.5]],
    "reg/dense_0/b": [0.1],
    "bin/dense_0/W": [[0.4, -0.2], [0.1, 0.3], [-0.5, 0.2], [0.2, -0.1]],
    "bin/dense_0/b": [0.0, 0.1],
}
SHARED = ["trunk/dense_0/W", "trunk/dense_0/b"]
EPS_BCE = 1e-7


def params():
    return {k: torch.tensor(v, requires_grad=True) for k, v in INIT.items()}


def forward(p):
    h = torch.tanh(X @ p["trunk/dense_0/W"] + p["trunk/dense_0/b"])
    reg = h @ p["reg/dense_0/W"] + p["reg/dense_0/b"]
    prob = torch.sigmoid(h @ p["bin/dense_0/W"] + p["bin/dense_0/b"]).clamp(EPS_BCE, 1 - EPS_BCE)
    l_reg = ((reg - Y_REG) ** 2).mean()
    l_bin = (-(Y_BIN * torch.log(prob) + (1 - Y_BIN) * torch.log(1 - prob))).mean()
    return h, torch.stack([l_reg, l_bin])


def train(name, steps, strategy):
    """strategy(per-task shared gradient vectors [K, n], per-task representation gradients, losses, scale) returns
    the shared coefficients (one per task, or per shared parameter a vector) and the reported weights."""
    p = params()
    scale = torch.zeros(2, requires_grad=True) if name.startswith("IMTL hybrid") else None
    print(name)
    for step in range(steps):
        h, l = forward(p)
        terms = (scale.exp() * l - scale) if scale is not None else l
        per_task = []
        rep = []
        for i in range(2):
            g = torch.autograd.grad(terms[i], list(p.values()) + [h], retain_graph=True, allow_unused=True)
            per_task.append({n: (gg if gg is not None else torch.zeros_like(v)) for (n, v), gg in zip(p.items(), g)})
            rep.append(g[-1].sum(0))
        shared = np.stack([torch.cat([per_task[i][n].reshape(-1) for n in SHARED]).numpy() for i in range(2)])
        coefficients = strategy(shared, torch.stack(rep).numpy(), l.detach().numpy(), scale)
        new = {}
        for n in p:
            if n in SHARED:
                c = coefficients[n] if isinstance(coefficients, dict) else coefficients
                new[n] = sum(float(c[i]) * per_task[i][n] for i in range(2))
            else:
                new[n] = per_task[0][n] + per_task[1][n]
        with torch.no_grad():
            for n, v in p.items():
                v -= LR * new[n]
            if scale is not None:
                scale_grad = scale.exp() * l.detach() - 1
                scale_before = scale.detach().clone()
                scale -= LR * scale_grad
        if scale is not None:
            a = coefficients
            total = float((torch.tensor(a) * scale_before.exp() * l.detach()).sum())
            weights = torch.tensor(a) * scale.detach().exp()
        elif isinstance(coefficients, dict):
            total, weights = float(l.detach().sum()), np.ones(2)
        else:
            total = float((torch.tensor(coefficients) * l.detach()).sum())
            weights = coefficients
        print(f"  step {step} losses {fmt(l.detach())} total {total!r} weights {fmt(weights)}")
    for n, v in p.items():
        print(f"  {n} {fmt(v.detach().reshape(-1))}")
    if scale is not None:
        print(f"  weighting/loss_scale {fmt(scale.detach())}")


def part2():
    train("IMTL hybrid", 4, lambda g, r, l, s: imtl_alpha(g))
    train("IMTL gradient", 4, lambda g, r, l, s: imtl_alpha(g))
    train("IMTL hybrid from the representation summed over the batch", 3, lambda g, r, l, s: imtl_alpha(r))
    train("ALIGNED_MTL", 4, lambda g, r, l, s: aligned_alpha(g))
    # GradVac with two tasks: each visits the other, so the order is fixed. PER_PARAMETER: W (12 values) and b (4).
    for beta, groups, label in ((0.5, [(0, 12), (12, 16)], "PER_PARAMETER"), (0.3, [(0, 16)], "WHOLE_MODEL")):
        targets = np.zeros((len(groups), 2, 2))

        def strategy(g, r, l, s, targets=targets, groups=groups, beta=beta):
            pc = np.asarray(g).copy()
            coefficient_of = {}
            for gi, (beg, end) in enumerate(groups):
                # Coefficients of this group's update: GradVac on the group's slice, then read back as a combination
                # of the two original slices (solve the 2 x 2 least-squares system; the slices are independent).
                update = gradvac(np.asarray(g)[:, beg:end], targets[gi:gi + 1], beta, [[1], [0]], [(0, end - beg)])
                c, *_ = np.linalg.lstsq(np.asarray(g)[:, beg:end].T, update, rcond=None)
                # One group: both parameters take its coefficients; two: W is the first, b the second.
                names = SHARED if len(groups) == 1 else [SHARED[gi]]
                for name in names:
                    coefficient_of[name] = c
            return coefficient_of
        train(f"GRADVAC beta {beta} {label}", 4, strategy)
        print(f"  targets {fmt(targets)}")


if __name__ == "__main__":
    part1()
    part2()

"""Expected numbers for SampledStrategiesReferenceTest and SampledWeightersTest, worked out in PyTorch / NumPy
independently of Branchwise, from the papers' and LibMTL's formulas (SDMGrad: Xiao et al. 2023; MoDo: Chen et al.
2023), not from LibMTL's or Branchwise's code.

Part 1, a whole model: StrategyTest.trunkModel (x[n,3] -> tanh dense 4 -> a linear regression head, MSE, and a
sigmoid head of two units, binary cross-entropy), the fixed parameters below, float64, plain SGD (lr 0.05), the same
batch every step. Each step splits the batch's rows into 3 consecutive parts (sizes differing by at most one, the
first parts the larger), computes each branch's gradient on each part, and combines them:
  SDMGrad: A = xi1.xi2^T / (s^2 + 1e-8), s = mean(sqrt(max(diag, 0))); w (kept across steps, uniform at the start)
           takes `niter` steps of torch's SGD (lr 5, momentum 0.5, new each training step) along A.w + lam.mean_j(A_ij),
           each projected onto the simplex; shared update (sum_i w_i zeta_i + lam mean_i zeta_i) / (1 + lam); weights
           (w + lam/K) / (1 + lam). zeta = part 1, xi1 = part 2, xi2 = part 3.
  MoDo:    lambda <- proj(lambda - gamma (G1 G2^T lambda + rho lambda)), shared update sum_i lambda_i G3_i; weights
           lambda. G1, G2, G3 = parts 1, 2, 3.
  Every branch's own head: its gradient averaged over the three parts. Reported losses: the mean over the parts;
  total = weights . losses.
The simplex projection here is by bisection on the threshold (not the sorting algorithm Branchwise uses).

Part 2, given gradients (K = 3, no model): three steps of each weighter's update from vectors defined by a formula.
Run: /usr/bin/python3 sampled_strategies_reference.py
"""
import math

import numpy as np
import torch

torch.set_default_dtype(torch.float64)
LR = 0.05
X = torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7], [-0.2, 0.8, 0.1], [1.0, 1.0, -1.0],
                  [0.3, -0.4, 0.9], [-1.2, 0.6, 0.2], [0.7, -0.3, -0.5]])
Y_REG = torch.tensor([[1.0], [-2.0], [0.5], [3.0], [0.0], [1.5], [-1.0]])
Y_BIN = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
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


def fmt(values):
    return "{" + ", ".join(repr(float(v)) for v in np.asarray(values, dtype=np.float64).reshape(-1)) + "}"


def project(v):
    """Euclidean projection onto the simplex: w = max(v - theta, 0) with sum(w) = 1, theta found by bisection."""
    v = np.asarray(v, dtype=np.float64)
    lo, hi = v.min() - 1.0, v.max()
    for _ in range(200):
        mid = (lo + hi) / 2
        if np.maximum(v - mid, 0).sum() > 1:
            lo = mid
        else:
            hi = mid
    return np.maximum(v - (lo + hi) / 2, 0)


def losses(p, x, y_reg, y_bin):
    h = torch.tanh(x @ p["trunk/dense_0/W"] + p["trunk/dense_0/b"])
    reg = h @ p["reg/dense_0/W"] + p["reg/dense_0/b"]
    prob = torch.sigmoid(h @ p["bin/dense_0/W"] + p["bin/dense_0/b"]).clamp(EPS_BCE, 1 - EPS_BCE)
    l_reg = ((reg - y_reg) ** 2).mean()
    l_bin = (-(y_bin * torch.log(prob) + (1 - y_bin) * torch.log(1 - prob))).mean()
    return [l_reg, l_bin]


def parts(n):
    sizes = [n // 3 + (1 if s < n % 3 else 0) for s in range(3)]
    out, start = [], 0
    for size in sizes:
        out.append((start, start + size))
        start += size
    return out


def sampled_gradients(p, rows):
    """grads[s][i]: dict name -> gradient of branch i's loss on part s; part losses[s][i]."""
    grads, part_losses = [], []
    for a, b in parts(rows):
        l = losses(p, X[a:b], Y_REG[a:b], Y_BIN[a:b])
        part_losses.append([float(v) for v in l])
        row = []
        for li in l:
            g = torch.autograd.grad(li, list(p.values()), retain_graph=True, allow_unused=True)
            row.append({k: (torch.zeros_like(v) if gi is None else gi) for (k, v), gi in zip(p.items(), g)})
        grads.append(row)
    return grads, np.array(part_losses)


def flat(g, names):
    return np.concatenate([g[n].detach().numpy().reshape(-1) for n in names])


def apply(p, grads, shared_coefficients):
    """shared: sum over samples and branches of shared_coefficients[s][i] g; heads: mean over samples of g."""
    with torch.no_grad():
        for name, v in p.items():
            if name in SHARED:
                total = sum(shared_coefficients[s][i] * grads[s][i][name] for s in range(3) for i in range(2))
            else:
                total = sum(grads[s][i][name] for s in range(3) for i in range(2)) / 3
            v -= LR * total


def sdmgrad_w(w, cross, lam, niter):
    diag = np.maximum(np.diag(cross), 0)
    scale = np.mean(np.sqrt(diag))
    a = torch.tensor(cross / (scale ** 2 + 1e-8))
    row_means = a.mean(dim=1)
    wt = torch.tensor(w, requires_grad=True)
    opt = torch.optim.SGD([wt], lr=5, momentum=0.5)
    for _ in range(niter):
        opt.zero_grad()
        wt.grad = a @ wt.detach() + lam * row_means
        opt.step()
        with torch.no_grad():
            wt.copy_(torch.tensor(project(wt.detach().numpy())))
    return wt.detach().numpy().copy()


def model_run(name, rows, steps, update):
    p = {k: torch.tensor(v, requires_grad=True) for k, v in INIT.items()}
    state = np.full(2, 0.5)
    print(f"{name} rows={rows}")
    for step in range(steps):
        grads, part_losses = sampled_gradients(p, rows)
        state, weights, coefficients = update(state, grads)
        mean = part_losses.mean(axis=0)
        print(f"  step {step} losses {fmt(mean)} total {float(np.dot(weights, mean))!r} weights {fmt(weights)}")
        apply(p, grads, coefficients)
    for n, v in p.items():
        print(f"  {n} {fmt(v.detach())}")


def sdmgrad_update(lam, niter):
    def update(w, grads):
        xi1 = np.stack([flat(grads[1][i], SHARED) for i in range(2)])
        xi2 = np.stack([flat(grads[2][i], SHARED) for i in range(2)])
        w = sdmgrad_w(w, xi1 @ xi2.T, lam, niter)
        c = (w + lam / 2) / (1 + lam)
        return w, c, [c, np.zeros(2), np.zeros(2)]
    return update


def modo_update(gamma, rho):
    def update(lam, grads):
        g1 = np.stack([flat(grads[0][i], SHARED) for i in range(2)])
        g2 = np.stack([flat(grads[1][i], SHARED) for i in range(2)])
        lam = project(lam - gamma * (g1 @ (g2.T @ lam) + rho * lam))
        return lam, lam, [np.zeros(2), np.zeros(2), lam]
    return update


def given(step, sample, branch):
    """The given gradient of a branch on a sample (dimension 5): the branch's own direction, alike on every sample,
    plus a third as much that differs by sample."""
    return np.array([math.sin(1.0 + step + 3 * branch + 5 * d) * (branch + 1)
                     + math.cos(2.0 + step + 7 * sample + 3 * branch + 5 * d) / 3 for d in range(5)])


def given_runs():
    k = 3
    for lam, niter in [(0.3, 20), (1.0, 5)]:
        w = np.full(k, 1 / k)
        print(f"given SDMGrad lam={lam} niter={niter}")
        for step in range(3):
            g = [np.stack([given(step, s, i) for i in range(k)]) for s in range(3)]
            w = sdmgrad_w(w, g[1] @ g[2].T, lam, niter)
            c = (w + lam / k) / (1 + lam)
            print(f"  step {step} w {fmt(w)} weights {fmt(c)} shared {fmt(c @ g[0])}")
    for gamma, rho in [(1e-3, 0.1), (0.02, 0.5)]:
        lam = np.full(k, 1 / k)
        print(f"given MoDo gamma={gamma} rho={rho}")
        for step in range(3):
            g = [np.stack([given(step, s, i) for i in range(k)]) for s in range(3)]
            lam = project(lam - gamma * (g[0] @ (g[1].T @ lam) + rho * lam))
            print(f"  step {step} weights {fmt(lam)} shared {fmt(lam @ g[2])}")


if __name__ == "__main__":
    model_run("SDMGrad lam=0.3 niter=20", 6, 3, sdmgrad_update(0.3, 20))
    model_run("SDMGrad lam=0.3 niter=20", 7, 3, sdmgrad_update(0.3, 20))
    model_run("MoDo gamma=0.001 rho=0.1", 6, 3, modo_update(1e-3, 0.1))
    model_run("MoDo gamma=0.05 rho=0.1", 7, 3, modo_update(0.05, 0.1))
    given_runs()

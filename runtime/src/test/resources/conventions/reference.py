"""Reference numbers for the weighting conventions (ConventionsTest), written from the formulas, not from
Branchwise's code nor LibMTL's: PyTorch autograd on the test's tiny model, in float64.

Model (StrategyTest.trunkModel): h = tanh(x·W1 + b1); reg = h·W2 + b2 (mean squared error);
bin = sigmoid(h·W3 + b3) (binary cross-entropy, mean over every element). Plain SGD, learning rate 0.05.
Data: 6 examples, one epoch = a batch of rows 0-3 and a partial batch of rows 4-5.

Run: /usr/bin/python3 reference.py > reference.txt   (torch 1.13, numpy)
Each output line is `case.key = v1 v2 ...`; `data.*` holds the inputs and starting parameters the test loads.
"""
import itertools
import numpy as np
import torch

torch.set_default_dtype(torch.float64)
LR = 0.05
rng = np.random.default_rng(4)
r4 = lambda a: np.round(a, 4)
X = r4(rng.normal(size=(6, 3)))
Y_REG = r4(rng.normal(size=(6, 1)) * 3)
Y_BIN = (rng.uniform(size=(6, 2)) > 0.5).astype(float)
START = {
    "trunk/dense_0/W": r4(rng.uniform(-0.9, 0.9, size=(3, 4))),
    "trunk/dense_0/b": r4(rng.uniform(-0.1, 0.1, size=(4,))),
    "reg/dense_0/W": r4(rng.uniform(-0.9, 0.9, size=(4, 1))),
    "reg/dense_0/b": r4(rng.uniform(-0.1, 0.1, size=(1,))),
    "bin/dense_0/W": r4(rng.uniform(-0.9, 0.9, size=(4, 2))),
    "bin/dense_0/b": r4(rng.uniform(-0.1, 0.1, size=(2,))),
}
SHARED = ["trunk/dense_0/W", "trunk/dense_0/b"]
HEAD = {0: ["reg/dense_0/W", "reg/dense_0/b"], 1: ["bin/dense_0/W", "bin/dense_0/b"]}
BATCHES = [slice(0, 4), slice(4, 6)]
out = []


def emit(key, values):
    values = np.atleast_1d(np.asarray(values, dtype=float)).reshape(-1)
    out.append(key + " = " + " ".join(repr(float(v)) for v in values))


def fresh():
    return {k: torch.tensor(v, requires_grad=True) for k, v in START.items()}


def losses(p, rows, keep=None):
    x = torch.tensor(X[rows])
    h = torch.tanh(x @ p["trunk/dense_0/W"] + p["trunk/dense_0/b"])
    if keep is not None:
        keep.append(h)  # the shared representation z, output of the @Shared trunk
    reg = h @ p["reg/dense_0/W"] + p["reg/dense_0/b"]
    prob = torch.sigmoid(h @ p["bin/dense_0/W"] + p["bin/dense_0/b"])
    y = torch.tensor(Y_BIN[rows])
    l_reg = ((reg - torch.tensor(Y_REG[rows])) ** 2).mean()
    l_bin = -(y * torch.log(prob) + (1 - y) * torch.log(1 - prob)).mean()
    return [l_reg, l_bin]


def branch_grads(p, ls):
    """Each branch's own gradient of every network parameter (zeros where it does not reach)."""
    grads = []
    for l in ls:
        g = torch.autograd.grad(l, list(p.values()), retain_graph=True, allow_unused=True)
        grads.append({k: (torch.zeros_like(p[k]) if gi is None else gi) for k, gi in zip(p.keys(), g)})
    return grads


def flat(g, names):
    return torch.cat([g[n].reshape(-1) for n in names])


def sgd(p, update):
    with torch.no_grad():
        for k, u in update.items():
            p[k] -= LR * u


def dump_params(case, p):
    for k in START:
        emit(case + ".final." + k, p[k].detach().numpy())


# ---- MGDA ----
def mgda_case(case, convention, normalization, heads, steps=4):
    p = fresh()
    clamped = 0
    for step in range(steps):
        ls = losses(p, BATCHES[step % 2])
        g = branch_grads(p, ls)
        v = [flat(gi, SHARED) for gi in g]
        L = np.array([l.item() for l in ls])
        norm = np.array([vi.norm().item() for vi in v])
        n = {"NONE": np.ones(2), "L2": norm, "LOSS": L, "LOSS_PLUS": L * norm}[normalization]
        u = [vi / ni for vi, ni in zip(v, n)]
        a, ab, b = (u[0] @ u[0]).item(), (u[0] @ u[1]).item(), (u[1] @ u[1]).item()
        if convention == "LIBMTL":
            # The minimum of |γ·u0 + (1-γ)·u1|² over [0, 1], with 1 and 0 answered as 0.999 and 0.001.
            if ab >= a:
                gamma, clamped = 0.999, clamped + 1
            elif ab >= b:
                gamma, clamped = 0.001, clamped + 1
            else:
                gamma = (b - ab) / (a + b - 2 * ab)
        else:
            gamma = min(1.0, max(0.0, (b - ab) / (a + b - 2 * ab)))
        alpha = np.array([gamma, 1 - gamma])
        shared_c = alpha / n if convention == "LIBMTL" else alpha
        head_c = np.ones(2) if heads == "PLAIN" else alpha
        update = {k: sum(shared_c[i] * g[i][k] for i in range(2)) for k in SHARED}
        for i in range(2):
            for k in HEAD[i]:
                update[k] = head_c[i] * g[i][k]
        emit(f"{case}.step{step}.losses", L)
        emit(f"{case}.step{step}.total", alpha @ L)
        emit(f"{case}.step{step}.weights", alpha)
        sgd(p, update)
    emit(case + ".clamped_steps", clamped)
    dump_params(case, p)


def rep_vectors(ls, z, batch_sum):
    """Each branch's gradient with respect to z: summed over the batch (LibMTL's rep_grad) or whole (MGDA-UB)."""
    out = []
    for l in ls:
        r = torch.autograd.grad(l, z, retain_graph=True)[0]
        out.append(r.sum(0) if batch_sum else r.reshape(-1))
    return out


def min_norm(gram):
    """Two vectors: the exact minimiser of |γ·u0 + (1-γ)·u1|² on [0, 1]."""
    a, ab, b = gram
    return min(1.0, max(0.0, (b - ab) / (a + b - 2 * ab)))


# ---- MGDA on the representation ----
def mgda_rep_case(case, convention, normalization, heads, batch_sum, steps=4):
    p = fresh()
    clamped = 0
    for step in range(steps):
        keep = []
        ls = losses(p, BATCHES[step % 2], keep)
        v = rep_vectors(ls, keep[0], batch_sum)
        g = branch_grads(p, ls)
        L = np.array([l.item() for l in ls])
        norm = np.array([vi.norm().item() for vi in v])
        n = {"NONE": np.ones(2), "L2": norm, "LOSS": L, "LOSS_PLUS": L * norm}[normalization]
        u = [vi / ni for vi, ni in zip(v, n)]
        a, ab, b = (u[0] @ u[0]).item(), (u[0] @ u[1]).item(), (u[1] @ u[1]).item()
        if convention == "LIBMTL" and (ab >= a or ab >= b):
            gamma, clamped = (0.999 if ab >= a else 0.001), clamped + 1
        else:
            gamma = min_norm((a, ab, b))
        alpha = np.array([gamma, 1 - gamma])
        # The trunk gets one backward of Σ αᵢ·∂Lᵢ/∂z: by linearity Σ αᵢ·∇Lᵢ on its parameters, unnormalised.
        z = keep[0]
        rep_total = sum(alpha[i] * torch.autograd.grad(ls[i], z, retain_graph=True)[0] for i in range(2))
        trunk = torch.autograd.grad(z, [p[k] for k in SHARED], grad_outputs=rep_total, retain_graph=True)
        update = dict(zip(SHARED, trunk))
        head_c = np.ones(2) if heads == "PLAIN" else alpha
        for i in range(2):
            for k in HEAD[i]:
                update[k] = head_c[i] * g[i][k]
        emit(f"{case}.step{step}.losses", L)
        emit(f"{case}.step{step}.total", alpha @ L)
        emit(f"{case}.step{step}.weights", alpha)
        sgd(p, update)
    emit(case + ".clamped_steps", clamped)
    dump_params(case, p)


# ---- UNCERTAINTY ----
def uncertainty_case(case, c, s0, steps=4):
    p = fresh()
    s = torch.tensor([s0, s0], requires_grad=True)
    c = torch.tensor(c)
    for step in range(steps):
        ls = losses(p, BATCHES[step % 2])
        L = torch.stack(ls)
        total = (c * torch.exp(-s) * L + 0.5 * s).sum()
        grads = torch.autograd.grad(total, list(p.values()) + [s])
        emit(f"{case}.step{step}.losses", L.detach().numpy())
        emit(f"{case}.step{step}.total", total.item())
        with torch.no_grad():
            for (k, t), gk in zip(p.items(), grads[:-1]):
                t -= LR * gk
            s -= LR * grads[-1]
        emit(f"{case}.step{step}.weights", (c * torch.exp(-s)).detach().numpy())
    emit(case + ".log_variance", s.detach().numpy())
    dump_params(case, p)


# ---- DWA ----
def dwa_case(case, per_example, temperature=2.0, epochs=4):
    p = fresh()
    means = []
    for epoch in range(epochs):
        if epoch < 2:
            lam = np.ones(2)
        else:
            w = means[-1] / means[-2]
            e = np.exp(w / temperature)
            lam = 2 * e / e.sum()
        sums, weight = np.zeros(2), 0.0
        for b, rows in enumerate(BATCHES):
            ls = losses(p, rows)
            L = np.array([l.item() for l in ls])
            total = sum(lam[i] * ls[i] for i in range(2))
            grads = torch.autograd.grad(total, list(p.values()))
            emit(f"{case}.epoch{epoch}.batch{b}.total", total.item())
            emit(f"{case}.epoch{epoch}.weights", lam)
            size = rows.stop - rows.start
            wgt = size if per_example else 1
            sums += wgt * L
            weight += wgt
            sgd(p, dict(zip(p.keys(), grads)))
        means.append(sums / weight)
    dump_params(case, p)


# ---- GradNorm ----
def gradnorm_case(case, asymmetry, heads, warmup, scope, per_example, epochs=3, rep=None):
    p = fresh()
    logits = torch.zeros(2, requires_grad=True)
    initial = None
    warm_sums, warm_weight = np.zeros(2), 0.0
    for epoch in range(epochs):
        for b, rows in enumerate(BATCHES):
            keep = []
            ls = losses(p, rows, keep)
            L = np.array([l.item() for l in ls])
            w = (2 * torch.softmax(logits, 0)).detach()
            g = branch_grads(p, ls)
            if warmup == "FIRST_EPOCH" and epoch == 0:
                update = {k: g[0][k] + g[1][k] for k in START}
                size = rows.stop - rows.start
                wgt = size if per_example else 1
                warm_sums += wgt * L
                warm_weight += wgt
                logit_grad = torch.zeros(2)
            else:
                if initial is None:
                    initial = L.copy()
                names = SHARED if scope == "ALL_SHARED" else ["trunk/dense_0/W"]
                if rep is None:
                    plain_norm = torch.stack([flat(gi, names).norm() for gi in g])
                else:
                    plain_norm = torch.stack([vi.norm() for vi in rep_vectors(ls, keep[0], rep == "BATCH_SUM")])
                wl = 2 * torch.softmax(logits, 0)
                G = wl * plain_norm
                rel = torch.tensor(L / initial)
                target = (G.mean() * (rel / rel.mean()) ** asymmetry).detach()
                logit_grad = torch.autograd.grad((G - target).abs().sum(), logits)[0]
                update = {k: w[0] * g[0][k] + w[1] * g[1][k] for k in SHARED}
                for i in range(2):
                    for k in HEAD[i]:
                        update[k] = g[i][k] if heads == "PLAIN" else w[i] * g[i][k]
            emit(f"{case}.epoch{epoch}.batch{b}.losses", L)
            emit(f"{case}.epoch{epoch}.batch{b}.total", (w.numpy() @ L))
            sgd(p, update)
            with torch.no_grad():
                logits -= LR * logit_grad
            emit(f"{case}.epoch{epoch}.batch{b}.weights", (2 * torch.softmax(logits, 0)).detach().numpy())
        if warmup == "FIRST_EPOCH" and epoch == 0:
            initial = warm_sums / warm_weight
    dump_params(case, p)


emit("data.x", X)
emit("data.y_reg", Y_REG)
emit("data.y_bin", Y_BIN)
for k, v in START.items():
    emit("data.start." + k, v)
mgda_case("mgda_libmtl", "LIBMTL", "NONE", "PLAIN")
mgda_case("mgda_l2_plain", "BRANCHWISE", "L2", "PLAIN")
mgda_case("mgda_loss_plus_libmtl", "LIBMTL", "LOSS_PLUS", "PLAIN")
mgda_case("mgda_loss_weighted", "BRANCHWISE", "LOSS", "WEIGHTED")
uncertainty_case("uncertainty_libmtl", [0.5, 0.5], -0.5)
uncertainty_case("uncertainty_by_loss_start", [0.5, 1.0], 0.3)
dwa_case("dwa_per_example", True)
dwa_case("dwa_per_batch", False)
gradnorm_case("gradnorm_libmtl", 1.5, "PLAIN", "FIRST_EPOCH", "ALL_SHARED", True)
gradnorm_case("gradnorm_plain_heads", 1.5, "PLAIN", "NONE", "LAST_SHARED_LAYER", False)
mgda_rep_case("mgda_rep_libmtl", "LIBMTL", "NONE", "PLAIN", True)
mgda_rep_case("mgda_rep_ub_l2", "BRANCHWISE", "L2", "WEIGHTED", False)
gradnorm_case("gradnorm_rep_libmtl", 1.5, "PLAIN", "FIRST_EPOCH", "ALL_SHARED", True, rep="BATCH_SUM")
gradnorm_case("gradnorm_rep_whole", 1.5, "WEIGHTED", "NONE", "LAST_SHARED_LAYER", False, rep="WHOLE")
print("\n".join(out))

"""Expected numbers for LossLevelStrategiesReferenceTest, worked out in PyTorch independently of Branchwise.

The model is StrategyTest.trunkModel: x[4,3] -> tanh(x.W0 + b0) [4,4] -> a linear regression head (MSE, mean over
the batch) and a sigmoid head of two units (binary cross-entropy, mean over units then batch), with the fixed
parameters below, trained in float64 by plain SGD (lr 0.05) on the same batch every step. Each strategy is written
from its paper / LibMTL's formulas here, without Branchwise code. Run: /usr/bin/python3 loss_level_reference.py
"""
import torch

torch.set_default_dtype(torch.float64)
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
EPS_BCE = 1e-7


def params():
    return {k: torch.tensor(v, requires_grad=True) for k, v in INIT.items()}


def losses(p):
    h = torch.tanh(X @ p["trunk/dense_0/W"] + p["trunk/dense_0/b"])
    reg = h @ p["reg/dense_0/W"] + p["reg/dense_0/b"]
    prob = torch.sigmoid(h @ p["bin/dense_0/W"] + p["bin/dense_0/b"]).clamp(EPS_BCE, 1 - EPS_BCE)
    l_reg = ((reg - Y_REG) ** 2).mean()
    l_bin = (-(Y_BIN * torch.log(prob) + (1 - Y_BIN) * torch.log(1 - prob))).mean()
    return torch.stack([l_reg, l_bin])


def sgd(p, total):
    grads = torch.autograd.grad(total, list(p.values()))
    with torch.no_grad():
        for v, g in zip(p.values(), grads):
            v -= LR * g


def fmt(values):
    return "{" + ", ".join(repr(float(v)) for v in values) + "}"


def stch(mu, warmup, epochs, steps_per_epoch):
    """LibMTL's STCH: sum of log losses while epoch <= warmup, the nadir = mean loss of epoch `warmup`."""
    p = params()
    k = 2
    nadir_sum, nadir_count, nadir = torch.zeros(k), 0, None
    print(f"STCH mu={mu} warmup={warmup}")
    for epoch in range(epochs):
        for _ in range(steps_per_epoch):
            l = losses(p)
            if epoch <= warmup:
                total = torch.log(l + 1e-20).sum()
                weights = 1 / (l.detach() + 1e-20)
                if epoch == warmup:
                    nadir_sum += l.detach()
                    nadir_count += 1
            else:
                if nadir is None:
                    nadir = nadir_sum / nadir_count
                r = torch.log((l + 1e-20) / (nadir + 1e-20))
                total = mu * torch.logsumexp(r / mu, 0) * k
                weights = torch.autograd.grad(total, l, retain_graph=True)[0]
            print(f"  epoch {epoch} losses {fmt(l.detach())} total {float(total)!r} weights {fmt(weights)}")
            sgd(p, total)
    print("  nadir", fmt(nadir))
    for name, v in p.items():
        print(f"  {name} {fmt(v.detach().reshape(-1))}")


def famo(lr, gamma, steps):
    """LibMTL's / the official FAMO: losses scaled by z/c, the logits w updated after the step from the losses of the
    same batch at the new parameters, by torch's Adam with L2 weight decay."""
    p = params()
    k = 2
    min_losses = torch.zeros(k)
    w = torch.zeros(k, requires_grad=True)
    w_opt = torch.optim.Adam([w], lr=lr, weight_decay=gamma)
    print(f"FAMO lr={lr} gamma={gamma}")
    for step in range(steps):
        l = losses(p)
        z = torch.softmax(w, -1).detach()
        d = l - min_losses + 1e-8
        c = (z / d).sum().detach()
        total = (d.log() * z / c).sum()
        weights = torch.autograd.grad(total, l, retain_graph=True)[0]
        print(f"  step {step} losses {fmt(l.detach())} total {float(total)!r} weights {fmt(weights)}")
        sgd(p, total)
        with torch.no_grad():
            after = losses(p)
        delta = (l.detach() - min_losses + 1e-8).log() - (after - min_losses + 1e-8).log()
        with torch.enable_grad():
            g = torch.autograd.grad(torch.softmax(w, -1), w, grad_outputs=delta)[0]
        w_opt.zero_grad()
        w.grad = g
        w_opt.step()
        print(f"    losses after {fmt(after)} logits {fmt(w.detach())}")
    for name, v in p.items():
        print(f"  {name} {fmt(v.detach().reshape(-1))}")


if __name__ == "__main__":
    stch(1.0, 1, 3, 2)
    stch(0.5, 0, 2, 3)
    famo(0.025, 1e-3, 3)
    famo(0.5, 0.1, 3)

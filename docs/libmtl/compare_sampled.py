"""SDMGrad and MoDo: LibMTL's own classes against the numbers Branchwise is tested on (docs/libmtl-comparison.md,
"SDMGrad and MoDo"; not CI).

Branchwise's SampledStrategiesReferenceTest checks, to 1e-10, that Branchwise trains the runtime's
StrategyTest.trunkModel exactly as runtime/src/test/resources/strategies/sampled_strategies_reference.py says (that
script's output, sampled_strategies_reference.out, is embedded in the test). This script runs LibMTL's SDMGrad and
MoDo classes on the same model, data, starting parameters, SGD step and split (the batch's rows in three consecutive
parts, which LibMTL's trainer would draw as three batches) and compares them with that output: losses (the mean over
the three parts), weights and the parameters after three steps.

LibMTL is extracted at run time to /tmp/libmtl-compare (compare.py's extract_libmtl / load_weightings: only
abstract_weighting.py and the two weighting files are loaded, nothing of LibMTL enters this repository). The model is
mixed with the weighting class as LibMTL's trainer does (zero_grad(set_to_none=False), backward(losses[3, K]),
optimizer.step()), in float64. "SDMGrad, heads / 3" divides the head gradients by 3 after LibMTL's backward: the one
place where Branchwise differs (LibMTL's SDMGrad leaves each head the sum of its three samples' gradients).

Run from the repository root: /usr/bin/python3 docs/libmtl/compare_sampled.py
"""
import argparse
import os
import re
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from compare import extract_libmtl, load_weightings  # noqa: E402

REFERENCE = os.path.join(ROOT, "runtime/src/test/resources/strategies/sampled_strategies_reference.out")
LR = 0.05
EPS_BCE = 1e-7
X = [[0.5, -1.0, 2.0], [1.5, 0.3, -0.7], [-0.2, 0.8, 0.1], [1.0, 1.0, -1.0], [0.3, -0.4, 0.9], [-1.2, 0.6, 0.2],
     [0.7, -0.3, -0.5]]
Y_REG = [[1.0], [-2.0], [0.5], [3.0], [0.0], [1.5], [-1.0]]
Y_BIN = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
INIT = {
    "trunk/dense_0/W": [[0.2, -0.1, 0.4, 0.3], [-0.3, 0.5, 0.1, -0.2], [0.1, 0.2, -0.4, 0.25]],
    "trunk/dense_0/b": [0.05, -0.05, 0.1, 0.0],
    "reg/dense_0/W": [[0.3], [-0.6], [0.2], [0.5]],
    "reg/dense_0/b": [0.1],
    "bin/dense_0/W": [[0.4, -0.2], [0.1, 0.3], [-0.5, 0.2], [0.2, -0.1]],
    "bin/dense_0/b": [0.0, 0.1],
}


class Tiny(torch.nn.Module):
    """StrategyTest.trunkModel with what LibMTL's AbsArchitecture gives a weighting (decoders, shared parameters)."""

    def __init__(self):
        super().__init__()
        t = lambda k: torch.tensor(INIT[k])
        self.encoder = torch.nn.Linear(3, 4)
        self.reg = torch.nn.Linear(4, 1)
        self.bin = torch.nn.Linear(4, 2)
        with torch.no_grad():
            # Branchwise keeps dense weights [in, out]; torch's Linear keeps [out, in].
            self.encoder.weight.copy_(t("trunk/dense_0/W").T)
            self.encoder.bias.copy_(t("trunk/dense_0/b"))
            self.reg.weight.copy_(t("reg/dense_0/W").T)
            self.reg.bias.copy_(t("reg/dense_0/b"))
            self.bin.weight.copy_(t("bin/dense_0/W").T)
            self.bin.bias.copy_(t("bin/dense_0/b"))
        self.decoders = torch.nn.ModuleDict({"reg": self.reg, "bin": self.bin})
        self.task_num = 2
        self.task_name = ["reg", "bin"]
        self.device = torch.device("cpu")
        self.rep_grad = False

    def losses(self, x, y_reg, y_bin):
        h = torch.tanh(self.encoder(x))
        prob = torch.sigmoid(self.bin(h)).clamp(EPS_BCE, 1 - EPS_BCE)
        l_reg = ((self.reg(h) - y_reg) ** 2).mean()
        l_bin = (-(y_bin * torch.log(prob) + (1 - y_bin) * torch.log(1 - prob))).mean()
        return torch.stack([l_reg, l_bin])

    def get_share_params(self):
        return self.encoder.parameters()

    def zero_grad_share_params(self):
        self.encoder.zero_grad(set_to_none=False)

    def final(self):
        return {"trunk/dense_0/W": self.encoder.weight.detach().T, "trunk/dense_0/b": self.encoder.bias.detach(),
                "reg/dense_0/W": self.reg.weight.detach().T, "reg/dense_0/b": self.reg.bias.detach(),
                "bin/dense_0/W": self.bin.weight.detach().T, "bin/dense_0/b": self.bin.bias.detach()}


def parts(n):
    sizes = [n // 3 + (1 if s < n % 3 else 0) for s in range(3)]
    starts = np.cumsum([0] + sizes)
    return [(starts[s], starts[s + 1]) for s in range(3)]


def run_libmtl(weighting_class, kwargs, rows, steps, heads_divided=False):
    class Model(Tiny, weighting_class):
        def __init__(self):
            Tiny.__init__(self)
            self.init_param()

    model = Model()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    x, y_reg, y_bin = torch.tensor(X), torch.tensor(Y_REG), torch.tensor(Y_BIN)
    out = {"losses": [], "weights": []}
    for _ in range(steps):
        train_losses = torch.stack([model.losses(x[a:b], y_reg[a:b], y_bin[a:b]) for a, b in parts(rows)])
        optimizer.zero_grad(set_to_none=False)
        w = model.backward(train_losses, **kwargs)
        if heads_divided:
            for p in list(model.reg.parameters()) + list(model.bin.parameters()):
                p.grad.data = p.grad.data / 3
        optimizer.step()
        if w is None:
            # SDMGrad returns nothing: the shared update's coefficients from its kept w, as Branchwise reports them.
            lam = kwargs["SDMGrad_lamda"]
            w = ((model.w + lam / 2) / (1 + lam)).detach().numpy()
        out["losses"].append(train_losses.detach().numpy().mean(axis=0))
        out["weights"].append(np.asarray(w, dtype=float))
    out["final"] = {k: v.numpy().reshape(-1) for k, v in model.final().items()}
    return out


def reference_runs():
    runs, current = [], None
    for line in open(REFERENCE):
        if not line.startswith(" "):
            if line.startswith("given"):
                break
            current = {"title": line.strip(), "losses": [], "weights": [], "final": {}}
            runs.append(current)
            continue
        m = re.match(r"\s+step \d+ losses \{(.*?)\} total \S+ weights \{(.*?)\}$", line)
        if m:
            current["losses"].append(np.array([float(v) for v in m.group(1).split(",")]))
            current["weights"].append(np.array([float(v) for v in m.group(2).split(",")]))
        else:
            name, values = line.strip().split(" ", 1)
            current["final"][name] = np.array([float(v) for v in values.strip("{}").split(",")])
    return runs


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--libmtl-git", default="/work/.mirror/median-research-group+LibMTL/repo")
    parser.add_argument("--out", default=os.path.join(HERE, "results", "sampled-float64.txt"))
    args = parser.parse_args()
    torch.set_default_dtype(torch.float64)
    commit = extract_libmtl(args.libmtl_git, "/tmp/libmtl-compare")
    classes = load_weightings("/tmp/libmtl-compare", ["SDMGrad", "MoDo"])
    ours = reference_runs()
    cases = [("SDMGrad, 6 rows", "SDMGrad", {"SDMGrad_lamda": 0.3, "SDMGrad_niter": 20}, 6, ours[0], False),
             ("SDMGrad, 6 rows, heads / 3", "SDMGrad", {"SDMGrad_lamda": 0.3, "SDMGrad_niter": 20}, 6, ours[0],
              True),
             ("SDMGrad, 7 rows", "SDMGrad", {"SDMGrad_lamda": 0.3, "SDMGrad_niter": 20}, 7, ours[1], False),
             ("SDMGrad, 7 rows, heads / 3", "SDMGrad", {"SDMGrad_lamda": 0.3, "SDMGrad_niter": 20}, 7, ours[1],
              True),
             ("MoDo, 6 rows", "MoDo", {"MoDo_gamma": 1e-3, "MoDo_rho": 0.1}, 6, ours[2], False),
             ("MoDo γ = 0.05, 7 rows", "MoDo", {"MoDo_gamma": 0.05, "MoDo_rho": 0.1}, 7, ours[3], False)]
    rel = lambda a, b: float(np.max(np.abs(np.asarray(a) - np.asarray(b)) / np.maximum(np.abs(np.asarray(b)), 1e-3)))
    lines = ["LibMTL %s, float64, SGD lr %s, 3 steps on one batch split into three parts" % (commit, LR), "",
             "| case | Branchwise's reference run | max rel. diff of losses | of weights | of final shared "
             "parameters | of final head parameters |", "|---|---|---|---|---|---|"]
    for name, cls, kwargs, rows, reference, divided in cases:
        theirs = run_libmtl(classes[cls], kwargs, rows, len(reference["losses"]), divided)
        losses = max(rel(a, b) for a, b in zip(reference["losses"], theirs["losses"]))
        weights = max(rel(a, b) for a, b in zip(reference["weights"], theirs["weights"]))
        shared = max(rel(reference["final"][k], theirs["final"][k]) for k in INIT if k.startswith("trunk"))
        heads = max(rel(reference["final"][k], theirs["final"][k]) for k in INIT if not k.startswith("trunk"))
        lines.append("| %s | %s | %.1e | %.1e | %.1e | %.1e |" % (name, reference["title"], losses, weights, shared,
                                                                  heads))
    report = "\n".join(lines)
    print(report)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(report + "\n")


if __name__ == "__main__":
    main()

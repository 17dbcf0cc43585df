"""Branchwise against LibMTL's own weighting classes, step by step (docs/libmtl-comparison.md; not CI).

What it does:
1. extracts LibMTL from a git directory (default: the mirror this project reads) to /tmp/libmtl-compare and loads
   LibMTL/weighting/abstract_weighting.py and the weighting files it compares straight from their paths, so that
   LibMTL's package __init__ (which imports every architecture, trainer and solver dependency) never runs: no
   package is stubbed, nothing of LibMTL enters this repository;
2. trains the tiny model of the runtime's StrategyTest.trunkModel (shared Linear(3,4)+tanh; a Linear(4,1) head under
   mean squared error; a Linear(4,2)+sigmoid head under binary cross-entropy) with each LibMTL weighting mixed into
   it exactly as LibMTL's trainer does (zero_grad(set_to_none=False), weighting.backward(losses, **kwargs),
   optimizer.step(); train_loss_buffer[:, epoch] = the batch-size-weighted epoch mean), plain SGD;
3. writes the data, starting parameters and batching to a file, runs LibMtlComparisonMain (runtime test classes) on
   it, and prints and writes the step-by-step comparison.

Run from the repository root (builds nothing; compile first with
`mvn -o -q -pl runtime -am test-compile` and give the test class path, see docs/libmtl-comparison.md):
    /usr/bin/python3 docs/libmtl/compare.py --classpath "$(cat /tmp/bw-cp.txt)" [--double]
"""
import argparse
import importlib.util
import os
import subprocess
import sys
import types

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SHARED = ["trunk/dense_0/W", "trunk/dense_0/b"]


def extract_libmtl(git_dir, target):
    os.makedirs(target, exist_ok=True)
    archive = subprocess.run(["git", "--git-dir", git_dir, "archive", "HEAD", "LibMTL"], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", target], input=archive, check=True)
    commit = subprocess.run(["git", "--git-dir", git_dir, "rev-parse", "HEAD"], check=True, capture_output=True,
                            text=True).stdout.strip()
    return commit


def load_weightings(root, names):
    """LibMTL.weighting.<name> for each name, loaded from its file without running the package __init__ files."""
    for package, path in [("LibMTL", "LibMTL"), ("LibMTL.weighting", "LibMTL/weighting")]:
        module = types.ModuleType(package)
        module.__path__ = [os.path.join(root, path)]
        sys.modules[package] = module

    def load(name):
        full = "LibMTL.weighting." + name
        spec = importlib.util.spec_from_file_location(full, os.path.join(root, "LibMTL", "weighting", name + ".py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[full] = module
        spec.loader.exec_module(module)
        return module

    load("abstract_weighting")
    return {name: getattr(load(name), name) for name in names}


class TinyArch(torch.nn.Module):
    """The test model, with what LibMTL's AbsArchitecture gives a weighting (shared parameters, rep_grad off)."""

    def __init__(self, start, dtype):
        super().__init__()
        t = lambda k: torch.tensor(start[k], dtype=dtype)
        self.encoder = torch.nn.Linear(3, 4).to(dtype)
        self.reg = torch.nn.Linear(4, 1).to(dtype)
        self.bin = torch.nn.Linear(4, 2).to(dtype)
        with torch.no_grad():
            # Branchwise keeps dense weights [in, out]; torch's Linear keeps [out, in].
            self.encoder.weight.copy_(t("trunk/dense_0/W").reshape(3, 4).T)
            self.encoder.bias.copy_(t("trunk/dense_0/b"))
            self.reg.weight.copy_(t("reg/dense_0/W").reshape(4, 1).T)
            self.reg.bias.copy_(t("reg/dense_0/b"))
            self.bin.weight.copy_(t("bin/dense_0/W").reshape(4, 2).T)
            self.bin.bias.copy_(t("bin/dense_0/b"))
        self.task_num = 2
        self.task_name = ["reg", "bin"]
        self.device = torch.device("cpu")
        self.rep_grad = False

    def forward(self, x):
        h = torch.tanh(self.encoder(x))
        if self.rep_grad:
            # As LibMTL's AbsArchitecture._prepare_rep with one shared representation: each decoder reads a detached
            # copy whose gradient the weighting collects; self.rep keeps the encoder's graph for the final backward.
            self.rep = h
            for task in self.task_name:
                self.rep_tasks[task] = h.detach().clone()
                self.rep_tasks[task].requires_grad = True
            return self.reg(self.rep_tasks["reg"]), torch.sigmoid(self.bin(self.rep_tasks["bin"]))
        return self.reg(h), torch.sigmoid(self.bin(h))

    def get_share_params(self):
        return self.encoder.parameters()

    def zero_grad_share_params(self):
        self.encoder.zero_grad(set_to_none=False)

    def final(self):
        return {"trunk/dense_0/W": self.encoder.weight.detach().T, "trunk/dense_0/b": self.encoder.bias.detach(),
                "reg/dense_0/W": self.reg.weight.detach().T, "reg/dense_0/b": self.reg.bias.detach(),
                "bin/dense_0/W": self.bin.weight.detach().T, "bin/dense_0/b": self.bin.bias.detach()}


def run_libmtl(weighting_class, kwargs, data, start, batches, epochs, lr, dtype, rlw_draws=None, rep_grad=False):
    class Model(TinyArch, weighting_class):
        def __init__(self):
            # TinyArch's super().__init__() runs the weighting's __init__ too (Model, TinyArch, weighting, Module).
            TinyArch.__init__(self, start, dtype)
            self.rep_grad = rep_grad
            self.rep_tasks, self.rep = {}, None
            self.init_param()

    model = Model()
    # LibMTL's trainer puts every parameter, the weighting's (UW's and GradNorm's loss_scale) included, in one optimiser.
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    model.train_loss_buffer = np.zeros([2, epochs])
    model.epochs = epochs
    x, y_reg, y_bin = (torch.tensor(a, dtype=dtype) for a in data)
    rows, records = np.cumsum([0] + batches), {}
    step = 0
    for epoch in range(epochs):
        model.epoch = epoch
        loss_sums, sizes = np.zeros(2), 0
        for b in range(len(batches)):
            s = slice(rows[b], rows[b + 1])
            reg, prob = model(x[s])
            yb = y_bin[s]
            l_reg = ((reg - y_reg[s]) ** 2).mean()
            l_bin = -(yb * torch.log(prob) + (1 - yb) * torch.log(1 - prob)).mean()
            losses = torch.stack([l_reg, l_bin])
            loss_sums += np.array([l_reg.item(), l_bin.item()]) * batches[b]
            sizes += batches[b]
            optimizer.zero_grad(set_to_none=False)
            if rlw_draws is not None:
                # RLW compared given the same draws: LibMTL's torch.randn returns the z whose softmax Branchwise drew.
                z = torch.tensor(rlw_draws[step])
                original, torch.randn = torch.randn, lambda *a, **k: z.clone()
                try:
                    w = model.backward(losses, **kwargs)
                finally:
                    torch.randn = original
            else:
                w = model.backward(losses, **kwargs)
            optimizer.step()
            if hasattr(model, "update_w"):
                # FAMO: LibMTL's trainer evaluates the batch again after the step and updates the logits from it.
                with torch.no_grad():
                    reg, prob = model(x[s])
                    new = torch.stack([((reg - y_reg[s]) ** 2).mean(),
                                       -(yb * torch.log(prob) + (1 - yb) * torch.log(1 - prob)).mean()])
                model.update_w(new)
            at = "epoch%d.batch%d" % (epoch, b)
            records[at + ".losses"] = losses.detach().numpy().astype(float)
            records[at + ".weights"] = np.full(2, np.nan) if w is None else np.asarray(w, dtype=float)
            step += 1
        model.train_loss_buffer[:, epoch] = loss_sums / sizes
    for k, v in model.final().items():
        records["final." + k] = v.numpy().reshape(-1).astype(float)
    return records


def read(path):
    values = {}
    with open(path) as f:
        for line in f:
            if line.strip():
                key, rest = line.split(" = ", 1)
                values[key.strip()] = np.array([float(v) for v in rest.split()])
    return values


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--libmtl-git", default="/work/.mirror/median-research-group+LibMTL/repo")
    parser.add_argument("--classpath", required=True, help="runtime test classes and dependencies")
    parser.add_argument("--double", action="store_true", help="float64 on both sides (default float32)")
    parser.add_argument("--out", default=os.path.join(HERE, "results"))
    args = parser.parse_args()
    dtype = torch.float64 if args.double else torch.float32
    torch.set_default_dtype(dtype)
    commit = extract_libmtl(args.libmtl_git, "/tmp/libmtl-compare")
    classes = load_weightings("/tmp/libmtl-compare", ["EW", "UW", "DWA", "RLW", "GLS", "GradNorm", "PCGrad", "MGDA",
                                                       "CAGrad", "STCH", "FAMO", "IMTL", "Aligned_MTL", "GradVac",
                                                       "FairGrad", "DB_MTL", "MoCo", "ExcessMTL"])

    rng = np.random.default_rng(4)
    r4 = lambda a: np.round(a, 4)
    x = r4(rng.normal(size=(6, 3)))
    y_reg = r4(rng.normal(size=(6, 1)) * 3)
    y_bin = (rng.uniform(size=(6, 2)) > 0.5).astype(float)
    start = {"trunk/dense_0/W": r4(rng.uniform(-0.9, 0.9, size=(3, 4))),
             "trunk/dense_0/b": r4(rng.uniform(-0.1, 0.1, size=(4,))),
             "reg/dense_0/W": r4(rng.uniform(-0.9, 0.9, size=(4, 1))),
             "reg/dense_0/b": r4(rng.uniform(-0.1, 0.1, size=(1,))),
             "bin/dense_0/W": r4(rng.uniform(-0.9, 0.9, size=(4, 2))),
             "bin/dense_0/b": r4(rng.uniform(-0.1, 0.1, size=(2,)))}
    batches, epochs, lr = [4, 2], 4, 0.05

    os.makedirs(args.out, exist_ok=True)
    suffix = "float64" if args.double else "float32"
    given = os.path.join(args.out, "input-%s.txt" % suffix)
    with open(given, "w") as f:
        f.write("data.x = %s\n" % " ".join(repr(float(v)) for v in x.reshape(-1)))
        f.write("data.y_reg = %s\n" % " ".join(repr(float(v)) for v in y_reg.reshape(-1)))
        f.write("data.y_bin = %s\n" % " ".join(repr(float(v)) for v in y_bin.reshape(-1)))
        for k, v in start.items():
            f.write("data.start.%s = %s\n" % (k, " ".join(repr(float(a)) for a in v.reshape(-1))))
        f.write("config.batches = %s\nconfig.epochs = %d\nconfig.lr = %r\nconfig.double = %d\n"
                % (" ".join(str(b) for b in batches), epochs, lr, 1 if args.double else 0))
    ours_file = os.path.join(args.out, "branchwise-%s.txt" % suffix)
    subprocess.run(["java", "-cp", args.classpath, "io.github.branchwise.runtime.engine.LibMtlComparisonMain", given,
                    ours_file], check=True, cwd=ROOT)
    ours = read(ours_file)

    # Which of Branchwise's weights LibMTL returns: those the step used. MGDA, RLW and GLS compute them during the
    # step (read after it); UW, GradNorm, DWA and EW use the weights they held when the step began.
    cases = [("EW", "EW", {}, "weights_before"), ("UW", "UW", {}, "weights_before"),
             ("DWA", "DWA", {"T": 2.0}, "weights_before"), ("RLW", "RLW", {}, "weights_after"),
             ("GLS", "GLS", {}, None), ("GradNorm", "GradNorm", {"alpha": 1.5}, "weights_before"),
             ("PCGrad", "PCGrad", {}, None), ("MGDA", "MGDA", {"mgda_gn": "none"}, "weights_after"),
             ("MGDA_l2", "MGDA", {"mgda_gn": "l2"}, "weights_after"),
             ("MGDA_loss+", "MGDA", {"mgda_gn": "loss+"}, "weights_after"),
             ("MGDA_rep", "MGDA", {"mgda_gn": "none"}, "weights_after"),
             ("MGDA_l2_rep", "MGDA", {"mgda_gn": "l2"}, "weights_after"),
             ("GradNorm_rep", "GradNorm", {"alpha": 1.5}, "weights_before"),
             # CAGrad returns the dual weights w of its simplex problem (scipy's SLSQP in LibMTL, Hipparchus here);
             # STCH returns ones and FAMO nothing: their losses and parameters are compared.
             ("CAGrad", "CAGrad", {"calpha": 0.5, "rescale": 1}, "weights_after"),
             ("CAGrad_rescale2", "CAGrad", {"calpha": 0.8, "rescale": 2}, "weights_after"),
             ("STCH", "STCH", {"STCH_mu": 1.0, "STCH_warmup_epoch": 1}, None),
             ("FAMO", "FAMO", {"FAMO_w_lr": 0.025, "FAMO_w_gamma": 0.001}, None),
             # IMTL: LibMTL returns α of the scaled gradients, Branchwise α·exp(s) (see notes).
             ("IMTL", "IMTL", {}, None), ("IMTL_rep", "IMTL", {}, None),
             ("Aligned_MTL", "Aligned_MTL", {}, "weights_after"),
             ("Aligned_MTL_rep", "Aligned_MTL", {}, "weights_after"),
             ("GradVac", "GradVac", {"GradVac_beta": 0.5, "GradVac_group_type": 0}, "weights_after"),
             ("GradVac_layer", "GradVac", {"GradVac_beta": 0.5, "GradVac_group_type": 1}, "weights_after"),
             ("GradVac_matrix", "GradVac", {"GradVac_beta": 0.5, "GradVac_group_type": 2}, "weights_after"),
             ("FairGrad", "FairGrad", {"FairGrad_alpha": 1.0}, "weights_after"),
             ("FairGrad_alpha2", "FairGrad", {"FairGrad_alpha": 2.0}, "weights_after"),
             # LibMTL's config.py defaults. DB_MTL returns ones (Branchwise reports its scales αᵢ): not compared.
             ("DB_MTL", "DB_MTL", {"DB_beta": 0.9, "DB_beta_sigma": 0.0}, None),
             ("MoCo", "MoCo", {"MoCo_beta": 0.5, "MoCo_beta_sigma": 0.5, "MoCo_gamma": 0.1,
                               "MoCo_gamma_sigma": 0.5, "MoCo_rho": 0.0}, "weights_after"),
             ("ExcessMTL", "ExcessMTL", {"robust_step_size": 0.01}, "weights_after"),
             # Controls: Branchwise's defaults against LibMTL, to show the conventions matter on this problem.
             ("UW_default", "UW", {}, "weights_before"),
             ("GradNorm_default", "GradNorm", {"alpha": 1.5}, "weights_before"),
             ("MGDA_default", "MGDA", {"mgda_gn": "none"}, "weights_after"),
             ("DWA_default", "DWA", {"T": 2.0}, "weights_before")]
    steps = [(e, b) for e in range(epochs) for b in range(len(batches))]
    lines = ["LibMTL %s, %s, %d epochs of batches %s, SGD lr %s" % (commit, suffix, epochs, batches, lr), ""]
    lines.append("| strategy | max rel. diff of losses | max rel. diff of weights | max rel. diff of final parameters |")
    lines.append("|---|---|---|---|")
    detail = []
    for name, libmtl_name, kwargs, weights_key in cases:
        draws = None
        if name == "RLW":
            draws = [np.log(ours["RLW.epoch%d.batch%d.weights_after" % s]) for s in steps]
        theirs = run_libmtl(classes[libmtl_name], kwargs, (x, y_reg, y_bin), start, batches, epochs, lr, dtype,
                            draws, rep_grad=name.endswith("_rep"))
        rel = lambda a, b: float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-3)))
        loss_diff = max(rel(ours["%s.epoch%d.batch%d.losses" % (name, *s)], theirs["epoch%d.batch%d.losses" % s])
                        for s in steps)
        if libmtl_name == "CAGrad":
            # Branchwise's weights are the update's coefficients (1/K + λ·wᵢ)/scale; LibMTL returns the dual w: map
            # ours back to w (wᵢ ∝ coefficientᵢ·scale − 1/K, which sums to λ·Σw = λ).
            scale = {0: 1.0, 1: 1 + kwargs["calpha"] ** 2, 2: 1 + kwargs["calpha"]}[kwargs["rescale"]]
            for st in steps:
                key = "%s.epoch%d.batch%d.%s" % (name, *st, weights_key)
                v = ours[key] * scale - 0.5
                ours[key] = v / v.sum()
        if weights_key is None:
            weight_diff = "not compared (see notes)"
        else:
            weight_diff = "%.1e" % max(rel(ours["%s.epoch%d.batch%d.%s" % (name, *s, weights_key)],
                                           theirs["epoch%d.batch%d.weights" % s]) for s in steps)
        param_diff = max(rel(ours["%s.final.%s" % (name, k)], theirs["final." + k]) for k in start)
        lines.append("| %s | %.1e | %s | %.1e |" % (name, loss_diff, weight_diff, param_diff))
        for s in steps:
            detail.append("%s epoch %d batch %d: losses ours %s LibMTL %s; weights ours %s LibMTL %s" % (
                name, s[0], s[1], np.array2string(ours["%s.epoch%d.batch%d.losses" % (name, *s)], precision=7),
                np.array2string(theirs["epoch%d.batch%d.losses" % s], precision=7),
                np.array2string(ours["%s.epoch%d.batch%d.%s" % (name, *s, weights_key or "weights_after")],
                                precision=7),
                np.array2string(theirs["epoch%d.batch%d.weights" % s], precision=7)))
    report = "\n".join(lines + ["", "Step by step:", ""] + detail)
    print(report)
    with open(os.path.join(args.out, "comparison-%s.txt" % suffix), "w") as f:
        f.write(report + "\n")


if __name__ == "__main__":
    main()

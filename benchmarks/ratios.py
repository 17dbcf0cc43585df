"""Prints the ratio tables of benchmarks/run-comparison.sh from its results folder (Markdown)."""
import glob, json, os, re, sys

out = sys.argv[1]
WORKLOADS = [("SEED_7", "seed", 7), ("SEED_1024", "seed", 1024), ("MLP_256", "mlp", 256), ("CNN_64", "cnn", 64)]
STRATEGIES = ["FIXED", "TRAINABLE", "SCHEDULED", "UNCERTAINTY", "DWA", "RLW", "GLS", "GRADNORM", "PCGRAD", "MGDA"]
# The PyTorch peer's strategies (../shared/peers/torch_workloads.py): fixed 0.5/0.5, convex = the seed's clipped α,
# uncertainty = Kendall's exp(-s)·L + s per branch (ours: c·exp(-s)·L + s/2 with c = 1/2 for regression: the same ops).
PEER = {"FIXED": "fixed", "TRAINABLE": "convex", "UNCERTAINTY": "uncertainty"}
IMPLS = ("COMPILED", "SAMEDIFF", "HANDWRITTEN")

def excluded(workload, strategy):
    """Cells TrainingStepBenchmark does not run (Workloads.Workload.excluded)."""
    return workload.startswith("SEED") and strategy == "GRADNORM"

torch = {}   # (name, batch, strategy, threads) -> ms
for path in glob.glob(os.path.join(out, "torch-*.txt")):
    t = int(re.search(r"torch-(\d+)", path).group(1))
    for line in open(path):
        m = re.match(r"\s*(\w+)\s+batch=\s*(\d+)\s+(\w+)\s+([\d.]+) ms/step", line)
        if m:
            torch[(m.group(1), int(m.group(2)), m.group(3), t)] = float(m.group(4))

def results(path):
    try:
        return json.load(open(path))
    except ValueError:  # a run still in progress or cut short
        return []

train = {}   # (workload, weighting, impl, threads) -> median ms, every rewrite on
switched = {}  # (workload, weighting, impl, threads, disabled rewrites) -> median ms
predict = {}  # (workload, impl, threads) -> batches/s
for path in glob.glob(os.path.join(out, "train-*.json")):
    t = int(re.search(r"train-(\d+)", path).group(1))
    for r in results(path):
        p = r["params"]
        median = r["primaryMetric"]["scorePercentiles"]["50.0"]
        disabled = p.get("disable", "none")
        switched[(p["workload"], p["weighting"], p["implementation"], t, disabled)] = median
        if disabled == "none":
            train[(p["workload"], p["weighting"], p["implementation"], t)] = median
strategy = {}  # (workload, strategy, threads) -> median ms
for path in glob.glob(os.path.join(out, "strategy-*.json")):
    t = int(re.search(r"strategy-(\d+)", path).group(1))
    for r in results(path):
        p = r["params"]
        strategy[(p["workload"], p["strategy"], t)] = r["primaryMetric"]["scorePercentiles"]["50.0"]
for path in glob.glob(os.path.join(out, "predict-*.json")):
    t = int(re.search(r"predict-(\d+)", path).group(1))
    for r in results(path):
        p = r["params"]
        predict[(p["workload"], p["implementation"], t)] = r["primaryMetric"]["score"]

threads = sorted({k[3] for k in train} | {k[3] for k in torch} | {k[2] for k in strategy})

def best(values):
    vals = [(v, t) for v, t in values if v is not None]
    return min(vals) if vals else (None, None)

def fmt(v, digits=2):
    return "–" if v is None else f"{v:.{digits}f}"

def ratio(a, b):
    return None if a is None or b is None else a / b

strategies = [n for n in STRATEGIES if any(k[1] == n for k in train)]

print("### Median ms per training step (best thread count in brackets) and ratios\n")
print("PyTorch has only fixed, convex (TRAINABLE) and uncertainty; GRADNORM is not run on the seed model (no shared "
      "layer: the runtime refuses it); PCGRAD on the seed model is the plain gradient of the summed losses (nothing "
      "shared to project: the runtime still takes one pass per branch, the hand-written model one backward).\n")
print("| workload | weighting | PyTorch | compiled | SameDiff | hand-written ND4J | compiled / PyTorch "
      "| compiled / hand-written | SameDiff / compiled |")
print("|---|---|---|---|---|---|---|---|---|")
for w, peer, batch in WORKLOADS:
    for ours in strategies:
        if excluded(w, ours):
            print(f"| {w.lower()} | {ours.lower()} | excluded: no shared layer | | | | | | |")
            continue
        theirs = PEER.get(ours)
        pt, ptt = best([(torch.get((peer, batch, theirs, t)), t) for t in threads]) if theirs else (None, None)
        row = {}
        for impl in IMPLS:
            row[impl] = best([(train.get((w, ours, impl, t)), t) for t in threads])
        cell = lambda v: "–" if v[0] is None else f"{v[0]:.2f} ({v[1]})"
        print(f"| {w.lower()} | {ours.lower()} | {cell((pt, ptt))} | {cell(row['COMPILED'])} | "
              f"{cell(row['SAMEDIFF'])} | {cell(row['HANDWRITTEN'])} | "
              f"{fmt(ratio(row['COMPILED'][0], pt))} | {fmt(ratio(row['COMPILED'][0], row['HANDWRITTEN'][0]))} | "
              f"{fmt(ratio(row['SAMEDIFF'][0], row['COMPILED'][0]), 1)} |")

print("\n### Per thread count: median ms per step (compiled / hand-written / SameDiff / PyTorch)\n")
print("| workload | weighting | " + " | ".join(f"{t} thread(s)" for t in threads) + " |")
print("|---|---|" + "---|" * len(threads))
for w, peer, batch in WORKLOADS:
    for ours in strategies:
        if excluded(w, ours):
            continue
        theirs = PEER.get(ours)
        cells = []
        for t in threads:
            cells.append(" / ".join(fmt(x) for x in (train.get((w, ours, "COMPILED", t)),
                                                      train.get((w, ours, "HANDWRITTEN", t)),
                                                      train.get((w, ours, "SAMEDIFF", t)),
                                                      torch.get((peer, batch, theirs, t)) if theirs else None)))
        print(f"| {w.lower()} | {ours.lower()} | " + " | ".join(cells) + " |")

if len(strategies) > 1:
    print("\n### Each strategy's cost relative to FIXED, per implementation (same workload, thread count and run)\n")
    for t in threads:
        cols = [(w, impl) for w, _, _ in WORKLOADS for impl in IMPLS
                if any(train.get((w, n, impl, t)) is not None for n in strategies if n != "FIXED")]
        if not cols:
            continue
        print(f"{t} thread(s), median ms / FIXED's (compiled, SameDiff, hand-written per workload):\n")
        print("| strategy | " + " | ".join(f"{w.lower()} {impl.lower()}" for w, impl in cols) + " |")
        print("|---|" + "---|" * len(cols))
        for n in strategies:
            cells = []
            for w, impl in cols:
                if excluded(w, n):
                    cells.append("excl.")
                else:
                    cells.append(fmt(ratio(train.get((w, n, impl, t)), train.get((w, "FIXED", impl, t)))))
            print(f"| {n.lower()} | " + " | ".join(cells) + " |")
        print()

if predict:
    print("\n### Prediction throughput, examples per second (best thread count)\n")
    print("| workload | compiled | SameDiff | hand-written | compiled / SameDiff | hand-written / compiled |")
    print("|---|---|---|---|---|---|")
    for w, peer, batch in WORKLOADS:
        vals = {}
        for impl in ("COMPILED", "SAMEDIFF", "HANDWRITTEN"):
            v = [predict.get((w, impl, t)) for t in threads]
            v = [x for x in v if x is not None]
            vals[impl] = max(v) * batch if v else None
        print(f"| {w.lower()} | {fmt(vals['COMPILED'], 0)} | {fmt(vals['SAMEDIFF'], 0)} | "
              f"{fmt(vals['HANDWRITTEN'], 0)} | {fmt(ratio(vals['COMPILED'], vals['SAMEDIFF']), 1)} | "
              f"{fmt(ratio(vals['HANDWRITTEN'], vals['COMPILED']))} |")

offs = sorted({k[4] for k in switched} - {"none"})
if offs:
    print("\n### Plan rewrites switched off (branchwise.plan.disable), median ms per step, compiled executor\n")
    print("| workload | weighting | threads | all rewrites | " + " | ".join(f"without {o}" for o in offs)
          + " | " + " | ".join(f"without {o} / all" for o in offs) + " |")
    print("|---|---|---|---|" + "---|" * (2 * len(offs)))
    for w, peer, batch in WORKLOADS:
        for ours in strategies:
            for t in threads:
                base = switched.get((w, ours, "COMPILED", t, "none"))
                vals = [switched.get((w, ours, "COMPILED", t, o)) for o in offs]
                if base is None or all(v is None for v in vals):
                    continue
                print(f"| {w.lower()} | {ours.lower()} | {t} | {fmt(base)} | " + " | ".join(fmt(v) for v in vals)
                      + " | " + " | ".join(fmt(ratio(v, base)) for v in vals) + " |")

GRADIENT_LEVEL = {"GRADNORM", "PCGRAD", "MGDA"}
if strategy:
    names = STRATEGIES + ["CUSTOM"]
    print("\n### Weighting strategy costs: median ms per SGD step and ratio to FIXED (same model, data, executor)\n")
    print("`custom` is KPassesFloor: the K passes of the branches' own gradients and their plain sum, the floor of "
          "every gradient-level strategy; `/ k passes` is a gradient-level strategy's step over it (issue 16: at "
          "most 1.10 on the mlp).\n")
    for t in sorted({k[2] for k in strategy}):
        models = sorted({k[0] for k in strategy if k[2] == t})
        print(f"{t} thread(s):\n")
        print("| strategy | " + " | ".join(f"{m.lower()} ms | {m.lower()} / fixed | {m.lower()} / k passes"
                                           for m in models) + " |")
        print("|---|" + "---|---|---|" * len(models))
        for n in names:
            cells = []
            for m in models:
                v, f = strategy.get((m, n, t)), strategy.get((m, "FIXED", t))
                floor = strategy.get((m, "CUSTOM", t)) if n in GRADIENT_LEVEL else None
                cells += [fmt(v), fmt(ratio(v, f)), fmt(ratio(v, floor))]
            label = "custom (k passes)" if n == "CUSTOM" else n.lower()
            print(f"| {label} | " + " | ".join(cells) + " |")
        print()

for name in ("rss.md", "processor.md"):
    path = os.path.join(out, name)
    if os.path.exists(path):
        print()
        print(open(path).read().rstrip())

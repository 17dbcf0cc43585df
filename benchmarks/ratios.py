"""Prints the ratio tables of benchmarks/run-comparison.sh from its results folder (Markdown)."""
import glob, json, os, re, sys

out = sys.argv[1]
WORKLOADS = [("SEED_7", "seed", 7), ("SEED_1024", "seed", 1024), ("MLP_256", "mlp", 256), ("CNN_64", "cnn", 64)]
WEIGHTINGS = [("FIXED", "fixed"), ("TRAINABLE", "convex")]

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

print("### Median ms per training step (best thread count in brackets) and ratios\n")
print("| workload | weighting | PyTorch | compiled | SameDiff | hand-written ND4J | compiled / PyTorch "
      "| compiled / hand-written | SameDiff / compiled |")
print("|---|---|---|---|---|---|---|---|---|")
for w, peer, batch in WORKLOADS:
    for ours, theirs in WEIGHTINGS:
        pt, ptt = best([(torch.get((peer, batch, theirs, t)), t) for t in threads])
        row = {}
        for impl in ("COMPILED", "SAMEDIFF", "HANDWRITTEN"):
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
    for ours, theirs in WEIGHTINGS:
        cells = []
        for t in threads:
            cells.append(" / ".join(fmt(x) for x in (train.get((w, ours, "COMPILED", t)),
                                                      train.get((w, ours, "HANDWRITTEN", t)),
                                                      train.get((w, ours, "SAMEDIFF", t)),
                                                      torch.get((peer, batch, theirs, t)))))
        print(f"| {w.lower()} | {ours.lower()} | " + " | ".join(cells) + " |")

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
        for ours, theirs in WEIGHTINGS:
            for t in threads:
                base = switched.get((w, ours, "COMPILED", t, "none"))
                vals = [switched.get((w, ours, "COMPILED", t, o)) for o in offs]
                if base is None or all(v is None for v in vals):
                    continue
                print(f"| {w.lower()} | {ours.lower()} | {t} | {fmt(base)} | " + " | ".join(fmt(v) for v in vals)
                      + " | " + " | ".join(fmt(ratio(v, base)) for v in vals) + " |")

if strategy:
    names = ["FIXED", "TRAINABLE", "SCHEDULED", "UNCERTAINTY", "DWA", "RLW", "GLS", "GRADNORM", "PCGRAD", "MGDA"]
    print("\n### Weighting strategy costs: median ms per SGD step and ratio to FIXED (same model, data, executor)\n")
    for t in sorted({k[2] for k in strategy}):
        models = sorted({k[0] for k in strategy if k[2] == t})
        print(f"{t} thread(s):\n")
        print("| strategy | " + " | ".join(f"{m.lower()} ms | {m.lower()} / fixed" for m in models) + " |")
        print("|---|" + "---|---|" * len(models))
        for n in names:
            cells = []
            for m in models:
                v, f = strategy.get((m, n, t)), strategy.get((m, "FIXED", t))
                cells += [fmt(v), fmt(ratio(v, f))]
            print(f"| {n.lower()} | " + " | ".join(cells) + " |")
        print()

for name in ("rss.md", "processor.md"):
    path = os.path.join(out, name)
    if os.path.exists(path):
        print()
        print(open(path).read().rstrip())

#!/usr/bin/env bash
# Times the compiled training step and the prediction path of every peer workload, and the GFLOP/s of the mlp's
# matrix products (GemmThroughput), under each nd4j-native build (classifier), in one run, so the builds are compared
# under the same machine load; prints the tables.
#
#   benchmarks/compare-builds.sh
#   BUILDS="linux-x86_64 linux-x86_64-onednn" THREADS="1 2" JMH_ARGS="-wi 2 -w 1 -i 3 -r 1" benchmarks/compare-builds.sh
#
# Each build's jar is fetched with `mvn dependency:get` and swapped into the benchmark classpath (JMH forks inherit
# it); JavaCPP loads the classifier it finds on the classpath. Results: benchmarks/target/results/builds-*.json and
# builds.md. Needs what run-comparison.sh needs, minus the PyTorch peer.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILDS=${BUILDS:-linux-x86_64 linux-x86_64-avx2 linux-x86_64-avx512 linux-x86_64-onednn linux-x86_64-onednn-avx2 linux-x86_64-onednn-avx512}
THREADS=${THREADS:-1 2}
JMH_ARGS=${JMH_ARGS:--wi 2 -w 1 -i 3 -r 1}
PYTHON=${PYTHON:-python3}
OUT=benchmarks/target/results
# Maven 3.8 wraps -q output in colour escapes even when asked not to: strip them.
evaluate() { mvn -B -q help:evaluate -Dexpression="$1" -DforceStdout | sed 's/\x1b\[[0-9;]*m//g'; }
VERSION=$(evaluate nd4j.version)
REPO=$(evaluate settings.localRepository)

mvn -B -q -pl benchmarks -am package -DskipTests
# The classpath without any nd4j-native classifier jar; each run adds its own.
BASE=$(tr ':' '\n' < benchmarks/target/classpath.txt | grep -vF "/nd4j-native-$VERSION-linux-" | paste -sd:)
mkdir -p "$OUT"
rm -f "$OUT"/builds-*.json "$OUT/builds-gemm.md"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" > "$OUT/builds-machine.txt"
for build in $BUILDS; do
  mvn -B -q dependency:get -Dartifact="org.nd4j:nd4j-native:$VERSION:jar:$build" >/dev/null
  jar="$REPO/org/nd4j/nd4j-native/$VERSION/nd4j-native-$VERSION-$build.jar"
  # The plain jar stays on the path under every extension, as the root pom has it (the presets look for it).
  plain="$REPO/org/nd4j/nd4j-native/$VERSION/nd4j-native-$VERSION-linux-x86_64.jar"
  for t in $THREADS; do
    echo "== $build, OMP_NUM_THREADS=$t"
    OMP_NUM_THREADS=$t java ${JAVA_OPTS:-} -cp "benchmarks/target/classes:$BASE:$jar:$plain" org.openjdk.jmh.Main \
        'TrainingStepBenchmark|PredictionBenchmark' -p implementation=COMPILED -p weighting=FIXED $JMH_ARGS \
        -rf json -rff "$OUT/builds-$build-$t.json" > "$OUT/builds-$build-$t.log" 2>&1 \
        || { tail -40 "$OUT/builds-$build-$t.log"; exit 1; }
    { echo "#### $build, $t thread(s): GFLOP/s of the mlp's matrix products"; echo
      OMP_NUM_THREADS=$t java -cp "benchmarks/target/classes:$BASE:$jar:$plain" \
          io.github.branchwise.benchmarks.GemmThroughput 2>/dev/null | grep '^|'; echo; } >> "$OUT/builds-gemm.md"
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/builds-machine.txt"
"$PYTHON" - "$OUT" <<'PY' | tee "$OUT/builds.md"
import glob, json, os, re, sys
out = sys.argv[1]
rows = {}
for path in sorted(glob.glob(os.path.join(out, "builds-*.json"))):
    build, t = re.search(r"builds-(.+)-(\d+)\.json", path).groups()
    for r in json.load(open(path)):
        kind = "step ms" if "TrainingStep" in r["benchmark"] else "predict batches/s"
        rows[(r["params"]["workload"], kind, build, int(t))] = r["primaryMetric"]["scorePercentiles"]["50.0"]
builds = sorted({k[2] for k in rows}, key=lambda b: (b.count("-"), b))
threads = sorted({k[3] for k in rows})
cols = [(b, t) for b in builds for t in threads]
print("| workload | measure | " + " | ".join(f"{b} ({t})" for b, t in cols) + " |")
print("|---|---|" + "---|" * len(cols))
for w in ["SEED_7", "SEED_1024", "MLP_256", "CNN_64"]:
    for kind in ["step ms", "predict batches/s"]:
        cells = [rows.get((w, kind, b, t)) for b, t in cols]
        if any(c is not None for c in cells):
            print(f"| {w} | {kind} | " + " | ".join("" if c is None else f"{c:.3g}" for c in cells) + " |")
PY
cat "$OUT/builds-gemm.md" "$OUT/builds-machine.txt"

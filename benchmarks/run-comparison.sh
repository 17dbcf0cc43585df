#!/usr/bin/env bash
# Runs the PyTorch peer and our JMH benchmarks side by side, with 1 and 2 threads, and prints ratio tables.
#
#   benchmarks/run-comparison.sh                 # oneDNN AVX-512 build (profile avx512), full JMH settings
#   PROFILE=avx2 benchmarks/run-comparison.sh    # oneDNN AVX2 build; PROFILE= (empty) for the plain default build
#   JMH_ARGS="-wi 2 -i 3 -w 1 -r 1" THREADS="1 2" benchmarks/run-comparison.sh   # quicker, noisier
#
# Needs: JDK 17, Maven, and for the peer `apt-get install -y python3-torch libopenblas0-pthread` (Debian's
# python3-torch 1.13; it runs with /usr/bin/python3). Results land in benchmarks/target/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
PROFILE=${PROFILE-avx512}
THREADS=${THREADS:-1 2}
JMH_ARGS=${JMH_ARGS:-}
PEER=${PEER:-../shared/peers/torch_workloads.py}
PYTHON=${PYTHON:-/usr/bin/python3}
OUT=benchmarks/target/results
PROFILES=benchmarks${PROFILE:+,$PROFILE}

mvn -B -q -P"$PROFILES" -pl benchmarks -am package -DskipTests
CP=benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)
mkdir -p "$OUT"
rm -f "$OUT"/*.txt "$OUT"/*.json
{
  echo "date: $(date -u +%FT%TZ)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores visible"
  echo "flags: $(grep -m1 -o -w 'avx512f\|avx2' /proc/cpuinfo | sort -u | tr '\n' ' ')"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "java: $(java -version 2>&1 | head -1)"
  echo "nd4j classifier: profile '${PROFILE:-none}'"
} > "$OUT/machine.txt"

for t in $THREADS; do
  if [ -f "$PEER" ] && "$PYTHON" -c 'import torch' 2>/dev/null; then
    echo "== PyTorch peer, $t thread(s)"
    "$PYTHON" "$PEER" "$t" | tee "$OUT/torch-$t.txt"
  else
    echo "== PyTorch peer not available ($PEER, $PYTHON): skipped" >&2
  fi
  echo "== JMH training steps, OMP_NUM_THREADS=$t"
  OMP_NUM_THREADS=$t java -cp "$CP" org.openjdk.jmh.Main TrainingStepBenchmark $JMH_ARGS \
      -rf json -rff "$OUT/train-$t.json" > "$OUT/train-$t.log" 2>&1 || { tail -40 "$OUT/train-$t.log"; exit 1; }
  echo "== JMH predictions, OMP_NUM_THREADS=$t"
  OMP_NUM_THREADS=$t java -cp "$CP" org.openjdk.jmh.Main PredictionBenchmark $JMH_ARGS \
      -rf json -rff "$OUT/predict-$t.json" > "$OUT/predict-$t.log" 2>&1 || { tail -40 "$OUT/predict-$t.log"; exit 1; }
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"
"$PYTHON" benchmarks/ratios.py "$OUT" | tee "$OUT/ratios.md"

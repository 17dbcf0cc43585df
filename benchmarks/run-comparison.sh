#!/usr/bin/env bash
# Runs the PyTorch peer and our JMH benchmarks side by side, with 1 and 2 threads, and prints ratio tables.
#
#   benchmarks/run-comparison.sh                 # oneDNN AVX-512 build (profile avx512), full JMH settings
#   PROFILE=avx2 benchmarks/run-comparison.sh    # oneDNN AVX2 build; PROFILE= (empty) for the plain default build
#   JMH_ARGS="-wi 2 -i 3 -w 1 -r 1" THREADS="1 2" benchmarks/run-comparison.sh   # quicker, noisier
#   PARTS="train strategy" benchmarks/run-comparison.sh   # only some parts (default: all of them)
#   PARTS=processor PROCESSOR_BASELINE=/tmp/before/branchwise-processor.jar benchmarks/run-comparison.sh
#                                                # processor time of this build and of an earlier processor jar,
#                                                # alternating in one run
#   FULL_THREADS="1" FEW_STRATEGIES="FIXED,TRAINABLE" benchmarks/run-comparison.sh   # the defaults, see below
#   SAMEDIFF_STRATEGIES="FIXED,TRAINABLE" benchmarks/run-comparison.sh   # SameDiff's slow cells for these only
#
# Training steps (TrainingStepBenchmark): every workload x implementation (compiled, SameDiff, hand-written) under
# every weighting strategy at the thread counts in FULL_THREADS (default 1), under FEW_STRATEGIES only (default
# FIXED,TRAINABLE) at the other thread counts: the full product at 2 threads would double the run on 2 cores.
# GRADNORM is not run on the seed model (no shared layer; the runtime refuses it), CUSTOM nowhere (needs a user
# class). Each hand-written cell first checks its parameters against the generated model's after 1 and 3 steps and
# fails loudly if they differ (HandWrittenCheckTest, in `mvn -B verify`, runs the same check for every cell).
# Duration, 2 cores: 138 training cells of ~12 s fork + setup plus measurement: ~65 min of them with the JMH defaults
# (3x2 s warm-up, 5x2 s measurement), ~1.5 h for all parts; ~40 min / ~1 h with JMH_ARGS="-wi 2 -w 1 -i 4 -r 1".
#
# Parts: train (TrainingStepBenchmark + PyTorch peer), predict (PredictionBenchmark), strategy
# (StrategyCostBenchmark: every weighting strategy against FIXED), rss (peak RSS per workload and executor, one JVM
# each), processor (annotation-processor time per model class, ProcessorTime).
#
# Needs: JDK 17, Maven, and for the peer `apt-get install -y python3-torch libopenblas0-pthread` (Debian's
# python3-torch 1.13; it runs with /usr/bin/python3). Results land in benchmarks/target/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
PROFILE=${PROFILE-avx512}
THREADS=${THREADS:-1 2}
JMH_ARGS=${JMH_ARGS:-}
JAVA_OPTS=${JAVA_OPTS:-}   # for the JMH launcher, e.g. -Djmh.ignoreLock=true on a machine another JMH run holds
PEER=${PEER:-../shared/peers/torch_workloads.py}
PYTHON=${PYTHON:-/usr/bin/python3}
OUT=benchmarks/target/results
PARTS=${PARTS:-train predict strategy rss processor}
ALL_STRATEGIES=FIXED,TRAINABLE,SCHEDULED,UNCERTAINTY,DWA,RLW,GLS,GRADNORM,PCGRAD,MGDA
FULL_THREADS=${FULL_THREADS:-1}
FEW_STRATEGIES=${FEW_STRATEGIES:-FIXED,TRAINABLE}
has() { [[ " $PARTS " == *" $1 "* ]]; }
mvn -B -q ${PROFILE:+-P"$PROFILE"} -pl benchmarks -am package -DskipTests
CP=benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)
mkdir -p "$OUT"
rm -f "$OUT"/*.txt "$OUT"/*.json "$OUT"/*.md
{
  echo "date: $(date -u +%FT%TZ)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores visible"
  echo "flags: $(grep -m1 -o -w 'avx512f\|avx2' /proc/cpuinfo | sort -u | tr '\n' ' ')"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "java: $(java -version 2>&1 | head -1)"
  echo "nd4j classifier: profile '${PROFILE:-none}'"
} > "$OUT/machine.txt"

for t in $THREADS; do
  if has train; then
    if [ -f "$PEER" ] && "$PYTHON" -c 'import torch' 2>/dev/null; then
      echo "== PyTorch peer, $t thread(s)"
      "$PYTHON" "$PEER" "$t" | tee "$OUT/torch-$t.txt"
    else
      echo "== PyTorch peer not available ($PEER, $PYTHON): skipped" >&2
    fi
    strategies=$FEW_STRATEGIES
    [[ " $FULL_THREADS " == *" $t "* ]] && strategies=$ALL_STRATEGIES
    # Two JMH runs: the seed model without GRADNORM (excluded), the shared-trunk models with every strategy.
    seed_strategies=$(echo "$strategies" | tr ',' '\n' | grep -vx GRADNORM | paste -sd, -)
    # SameDiff's session executor is the slow reference: SAMEDIFF_STRATEGIES limits its cells (default: the same).
    samediff_strategies=$(echo "$strategies" | tr ',' '\n' | grep -xF -f <(echo "${SAMEDIFF_STRATEGIES:-$ALL_STRATEGIES}" | tr ',' '\n') | paste -sd, - || true)
    for part in "seed SEED_7,SEED_1024 $seed_strategies COMPILED,HANDWRITTEN" "trunk MLP_256,CNN_64 $strategies COMPILED,HANDWRITTEN" \
        "seed-samediff SEED_7,SEED_1024 $(echo "$samediff_strategies" | tr ',' '\n' | grep -vx GRADNORM | paste -sd, -) SAMEDIFF" \
        "trunk-samediff MLP_256,CNN_64 $samediff_strategies SAMEDIFF"; do
      set -- $part
      [ $# -eq 4 ] || continue   # no strategy left for this part
      echo "== JMH training steps, OMP_NUM_THREADS=$t, $2 x $3 x $4"
      OMP_NUM_THREADS=$t java $JAVA_OPTS -cp "$CP" org.openjdk.jmh.Main TrainingStepBenchmark $JMH_ARGS \
          -p workload="$2" -p weighting="$3" -p implementation="$4" \
          -rf json -rff "$OUT/train-$t-$1.json" > "$OUT/train-$t-$1.log" 2>&1 \
          || { tail -40 "$OUT/train-$t-$1.log"; exit 1; }
      if grep -q '<failure>' "$OUT/train-$t-$1.log"; then
        echo "!! failed cells (a hand-written check or a setup), see $OUT/train-$t-$1.log:" >&2
        grep -B2 -A3 '<failure>' "$OUT/train-$t-$1.log" | grep -v '^\s*at ' >&2
      fi
    done
  fi
  if has predict; then
    echo "== JMH predictions, OMP_NUM_THREADS=$t"
    OMP_NUM_THREADS=$t java $JAVA_OPTS -cp "$CP" org.openjdk.jmh.Main PredictionBenchmark $JMH_ARGS \
        -rf json -rff "$OUT/predict-$t.json" > "$OUT/predict-$t.log" 2>&1 || { tail -40 "$OUT/predict-$t.log"; exit 1; }
  fi
  if has strategy; then
    echo "== JMH weighting strategies, OMP_NUM_THREADS=$t"
    OMP_NUM_THREADS=$t java $JAVA_OPTS -cp "$CP" org.openjdk.jmh.Main StrategyCostBenchmark $JMH_ARGS \
        -rf json -rff "$OUT/strategy-$t.json" > "$OUT/strategy-$t.log" 2>&1 || { tail -40 "$OUT/strategy-$t.log"; exit 1; }
  fi
done
if has rss; then
  echo "== peak RSS (one JVM per workload and executor, -Xmx2g, OMP_NUM_THREADS=1)"
  {
    echo "#### Peak resident memory (VmHWM), MiB"
    echo
    echo "| workload | executor | steps | after ND4J start | peak | peak − start | Java heap used |"
    echo "|---|---|---|---|---|---|---|"
    for w in SEED_7 SEED_1024 MLP_256 CNN_64; do
      for e in COMPILED SAMEDIFF; do
        steps=200; [ "$w" = CNN_64 ] && steps=40
        OMP_NUM_THREADS=1 java -Xmx2g -cp "$CP" io.github.branchwise.benchmarks.PeakRss "$w" "$e" "$steps" 2>/dev/null \
            | grep '^|'
      done
    done
  } | tee "$OUT/rss.md"
fi
if has processor; then
  echo "== annotation processor time"
  java ${PROCESSOR_BASELINE:+-Dbaseline="$PROCESSOR_BASELINE"} -cp "$CP" io.github.branchwise.benchmarks.ProcessorTime \
      50 ${PROCESSOR_ROUNDS:-12} 2 | tee "$OUT/processor.md"
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"
"$PYTHON" benchmarks/ratios.py "$OUT" | tee "$OUT/ratios.md"

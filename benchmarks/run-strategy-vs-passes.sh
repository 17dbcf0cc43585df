#!/usr/bin/env bash
# Issue 16's cost bar on the mlp: every gradient-level strategy against its K passes (KPassesFloor), steps
# interleaved in one JVM per strategy (StrategyVsPasses), one core, one native thread. Run it on an otherwise idle
# machine; ROUNDS repeats the whole list so that a second round shows how far the ratios move.
#
#   benchmarks/run-strategy-vs-passes.sh            # 2 rounds, 300 paired steps each
#   ROUNDS=1 STEPS=500 CORE=0 benchmarks/run-strategy-vs-passes.sh
#   BLOCK=10 benchmarks/run-strategy-vs-passes.sh   # 10 steps a side before switching (caches warm, as in one run)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-2}
STEPS=${STEPS:-300}
CORE=${CORE:-1}
BLOCK=${BLOCK:-1}
STRATEGIES=${STRATEGIES:-PCGRAD GRADNORM MGDA CAGRAD IMTL ALIGNED_MTL GRADVAC UPGRAD NASH_MTL FAIRGRAD GRADDROP DB_MTL MOCO EXCESS_MTL SDMGRAD MODO}
OUT=benchmarks/target/results
mkdir -p "$OUT"
mvn -B -q -pl benchmarks -am package -DskipTests
CP=benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)
for round in $(seq 1 "$ROUNDS"); do
    echo "round $round, blocks of $BLOCK, load $(cut -d' ' -f1-3 /proc/loadavg)"
    for strategy in $STRATEGIES; do
        # MoDo's steps diverge on this model at SGD 0.01; the cost of a step does not depend on the rate.
        rate=0.01
        [ "$strategy" = MODO ] && rate=0.001
        OMP_NUM_THREADS=1 taskset -c "$CORE" java -Xms1g -Xmx3g -cp "$CP" \
            io.github.branchwise.benchmarks.StrategyVsPasses MLP_256 "$strategy" "$STEPS" 120 "$rate" "$BLOCK" 2>/dev/null \
            | grep -A1 '^strategy' | tail -1
    done
done | tee "$OUT/strategy-vs-passes-block$BLOCK.txt"

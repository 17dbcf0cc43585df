#!/usr/bin/env bash
# MultiMNIST side by side: the shared LeNet trained with the same recipe by Branchwise (MultiMnistExample --compare)
# and by PyTorch (multimnist_lenet.py), one native thread each, for several seeds, alternating the two so that a
# change in the machine's load falls on both. Prints each run's RESULT line, the load average before each run, and
# a summary table.
#
#   examples/data/multimnist_side_by_side.sh CLASSPATH [EPOCHS] [WEIGHTING] [SEEDS...]
#
# CLASSPATH: the examples' runtime class path (examples/target/classes, runtime/target/classes,
# annotations/target/classes and the dependencies, e.g. from `mvn -pl examples dependency:build-classpath`).
# Defaults: 10 epochs, uncertainty weighting, seeds 1 2 3. Run from the repository root. JAVA_OPTS, if set, is
# passed to java (e.g. JAVA_OPTS=-Dorg.bytedeco.javacpp.maxPhysicalBytes=0, see docs/performance.md).
set -euo pipefail
cp="$1"; epochs="${2:-10}"; weighting="${3:-uncertainty}"; shift $(( $# < 3 ? $# : 3 ))
seeds=("$@"); [ ${#seeds[@]} -eq 0 ] && seeds=(1 2 3)
python="${PYTHON:-/usr/bin/python3}"
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
results=$(mktemp)
for seed in "${seeds[@]}"; do
  # Alternate which framework goes first from seed to seed.
  if (( seed % 2 )); then order="pytorch branchwise"; else order="branchwise pytorch"; fi
  for fw in $order; do
    echo "load $(cut -d' ' -f1-3 /proc/loadavg) before $fw seed $seed"
    if [ "$fw" = pytorch ]; then
      "$python" examples/data/multimnist_lenet.py --seed "$seed" --epochs "$epochs" --weighting "$weighting" \
        --threads 1 | grep '^RESULT' | tee -a "$results"
    else
      # shellcheck disable=SC2086
      java ${JAVA_OPTS:-} -cp "$cp" -Dbranchwise.nativeThreads=1 io.github.branchwise.examples.MultiMnistExample --compare --model lenet \
        --seed "$seed" --epochs "$epochs" --weighting "$weighting" --threads 1 2>/dev/null | grep '^RESULT' \
        | tee -a "$results"
    fi
  done
done
echo "load $(cut -d' ' -f1-3 /proc/loadavg) at the end"
"$python" - "$results" <<'PY'
import sys, statistics
rows = [dict(kv.split("=", 1) for kv in line.split()[1:]) for line in open(sys.argv[1])]
print(f"{'framework':<11} {'seed':>4} {'left':>7} {'right':>7} {'train s':>8}")
for r in rows:
    print(f"{r['framework']:<11} {r['seed']:>4} {float(r['left']):7.4f} {float(r['right']):7.4f} {float(r['train_s']):8.2f}")
for fw in ("branchwise", "pytorch"):
    sel = [r for r in rows if r["framework"] == fw]
    if sel:
        mean = lambda k: statistics.mean(float(r[k]) for r in sel)
        print(f"{fw:<11} mean {mean('left'):7.4f} {mean('right'):7.4f} {mean('train_s'):8.2f}")
PY
rm -f "$results"

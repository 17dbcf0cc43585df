#!/usr/bin/env bash
# Times synchronous branchwise-spark steps on local[K] for K = 1, 2, 4 (SparkStepCost) and prints its Markdown tables.
#
#   benchmarks/run-spark-step-cost.sh                         # seed, mlp, cnn; 20 steps after 4 warm-up steps
#   benchmarks/run-spark-step-cost.sh MLP_256 1,2,4 10 3 MGDA 2  # workloads, partitions, steps, warm-up, strategy, rounds
#
# One JVM: the driver and K executor threads share the machine's cores, one OpenMP thread each. The --add-opens flags
# are the spark module's surefire argLine (Spark on Java 17 reaches into JDK internals, as its launcher allows).
# Set SKIP_BUILD=1 to reuse benchmarks/target.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${SKIP_BUILD:-}" ]; then
  nice -n 19 mvn -B -q -o -pl benchmarks -am package -DskipTests
fi
OPENS=$(sed -n 's:.*<argLine>\(.*\)</argLine>.*:\1:p' spark/pom.xml)
# shellcheck disable=SC2086
OMP_NUM_THREADS=1 SPARK_LOCAL_IP=127.0.0.1 java $OPENS -Xmx4g ${JAVA_OPTS:-} \
    -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" \
    io.github.branchwise.benchmarks.SparkStepCost "$@"

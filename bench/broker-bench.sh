#!/usr/bin/env bash
# Kafka's ProducerPerformance, ConsumerPerformance and EndToEndLatency against mini-broker and
# against Apache Kafka, both started by the driver on this machine in the same run.
# Usage: bench/broker-bench.sh [records] [runs]      (default: 1000000 3)
# Results: printed, and written to bench/results/broker-<date>.md. See docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -pl mini-broker -am package -DskipTests -Dspotless.check.skip=true
./mvnw -B -q -pl mini-broker dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/bench-classpath.txt
cp="mini-broker/target/test-classes:mini-broker/target/classes:$(cat mini-broker/target/bench-classpath.txt)"
exec java -cp "$cp" dev.eventshop.broker.bench.BrokerBenchmark "$@"

#!/usr/bin/env bash
# Builds the broker and runs a benchmark driver (a main class of mini-broker's test code) on the
# test classpath, which holds Apache Kafka and its tools. Usage: run-benchmark.sh <class> [args...]
set -euo pipefail
cd "$(dirname "$0")/../.."
./mvnw -B -q -pl mini-broker -am package -DskipTests -Dspotless.check.skip=true
./mvnw -B -q -pl mini-broker dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/bench-classpath.txt
cp="mini-broker/target/test-classes:mini-broker/target/classes:$(cat mini-broker/target/bench-classpath.txt)"
main="$1"
shift
exec java -cp "$cp" "dev.eventshop.broker.bench.$main" "$@"

#!/usr/bin/env bash
# Random against time-ordered UUID keys in an H2 file database with frequent stores, as the
# services' inbox and outbox see them (decision 17; docs/performance.md).
# Usage: bench/h2-keys.sh [rows per round] [rows per checkpoint] [rounds]   (default: 20000 20 3)
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -pl service-support -am install -DskipTests -Dspotless.check.skip=true
./mvnw -B -q -pl service-support test-compile dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/bench-classpath.txt
cp="service-support/target/test-classes:service-support/target/classes:$(cat service-support/target/bench-classpath.txt)"
exec java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$cp" dev.eventshop.support.ids.KeyOrderBench "$@"

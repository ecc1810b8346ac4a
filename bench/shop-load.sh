#!/usr/bin/env bash
# The shop's load benchmark: for each broker (mini-broker and Apache Kafka, both in the driver's
# JVM), starts the four services as processes on this machine, places orders at a target rate
# with a mix of outcomes, and prints orders/s and latency percentiles from placing to the final
# event, with the outcome counts. See docs/performance.md.
# Usage: bench/shop-load.sh [orders] [rate per second] [brokers]   (default: 6000 300 mini-broker,kafka)
# Brokers: mini-broker (one node), mini-broker-3 (three nodes, replication factor 3), kafka.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -pl shop-tests,order-service,payment-service,inventory-service,notification-service \
  -am install -DskipTests -Dspotless.check.skip=true
./mvnw -B -q -pl shop-tests test-compile dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/load-classpath.txt
cp="shop-tests/target/test-classes:$(cat shop-tests/target/load-classpath.txt)"
exec java -Xmx1g -Dshop.root=. -cp "$cp" dev.eventshop.shop.load.ShopLoad "$@"

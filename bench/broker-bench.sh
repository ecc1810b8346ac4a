#!/usr/bin/env bash
# Kafka's ProducerPerformance, ConsumerPerformance and EndToEndLatency against mini-broker and
# against Apache Kafka, both started by the driver on this machine in the same run.
# Usage: bench/broker-bench.sh [records] [runs]      (default: 1000000 3)
# Results: printed, and written to bench/results/broker-<date>.md. See docs/performance.md.
exec "$(dirname "$0")/lib/run-benchmark.sh" BrokerBenchmark "$@"

#!/usr/bin/env bash
# Consumer group rebalances, classic protocol and KIP-848's, on one mini-broker and one Apache Kafka
# broker started by the driver on this machine in the same run: the time until three members share
# a topic's partitions, and until two take over those of a third that leaves.
# Usage: bench/group-bench.sh [rounds]      (default: 3)
# Results: printed, and written to bench/results/groups-<date>.md. See docs/performance.md.
exec "$(dirname "$0")/lib/run-benchmark.sh" GroupRebalanceBenchmark "$@"

#!/usr/bin/env bash
# Three mini-broker nodes against three Apache Kafka nodes, both started by the driver on this
# machine in the same run: cluster ready time, acks=all throughput and end-to-end latency with
# replication factor 3, and failover time after SIGKILLing a leader.
# Usage: bench/cluster-bench.sh [records] [runs]      (default: 1000000 3)
# Results: printed, and written to bench/results/cluster-<date>.md. See docs/performance.md.
exec "$(dirname "$0")/lib/run-benchmark.sh" ClusterBenchmark "$@"

#!/usr/bin/env bash
# The bounded chaos test (ClusterChaosIT) run for longer: three broker processes, a random one
# killed with SIGKILL and restarted every few seconds, an idempotent acks=all producer and a
# consumer group running throughout; at the end every acknowledged record must be present exactly
# once and in order. The seed is printed; pass it again to replay the same kills.
# Usage: bench/chaos.sh [minutes] [seed] [group protocol]
#        (default: 5, a fresh seed, classic; "consumer" for a KIP-848 consumer group, "mixed"
#        for a group of a classic member and a KIP-848 one; pass "" as the seed for a fresh one)
# Results: the test's "chaos:" lines, printed at the end. See docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes="${1:-5}"
args=(-Dchaos.seconds=$((minutes * 60)))
if [[ $# -ge 2 && -n "$2" ]]; then
  args+=(-Dchaos.seed="$2")
fi
if [[ $# -ge 3 ]]; then
  args+=(-Dchaos.groupProtocol="$3")
fi
./mvnw -B -q -pl mini-broker -am install -DskipTests -Dspotless.check.skip=true
log="mini-broker/target/chaos-$(date -u +%Y%m%dT%H%M%SZ).log"
status=0
./mvnw -B -pl mini-broker verify -Dit.test=ClusterChaosIT -Dtest=None \
  -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false \
  -Dspotless.check.skip=true "${args[@]}" >"$log" 2>&1 || status=$?
grep -E "^chaos|Tests run:|FAIL" "$log" || true
echo "full log: $log"
exit "$status"

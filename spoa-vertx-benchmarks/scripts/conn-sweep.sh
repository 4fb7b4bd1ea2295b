#!/usr/bin/env bash
# Agent alone under the SPOP load generator: NOTIFY/s and p99 against the number of connections,
# then the chart docs/performance-connections.png (needs python3-matplotlib).
#   spoa-vertx-benchmarks/scripts/conn-sweep.sh [seconds=8] [event-loops=1]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
secs=${1:-8}; loops=${2:-1}
jar=$root/spoa-vertx-examples/target/ip-reputation-agent.jar
gen=$root/spoa-vertx-benchmarks/target/spoa-benchmarks.jar
work=$root/spoa-vertx-benchmarks/target/bench; mkdir -p "$work"
out=$work/conn-sweep.jsonl; : > "$out"
port=18346
[ -f "$jar" ] && [ -f "$gen" ] || { echo "build first: ./mvnw -B -DskipTests -Pbench package" >&2; exit 1; }

# one event loop, local event bus, handler on an event loop; Vert.x metrics off (their cost: docs/performance.md);
# the load generator plays HAProxy 2.6 with pipelining, which the agent agrees to only when told
SPOA_PORT=$port SPOA_METRICS_ENABLED=false SPOA_AGENT_EVENT_LOOPS=$loops SPOA_PIPELINING_BEFORE31=true java @"$root/conf/jvm.options" -jar "$jar" > "$work/agent-sweep.log" 2>&1 &
agent=$!
trap 'kill $agent 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

for c in 1 2 4 8 16 32 64; do
  java -jar "$gen" --port $port --connections $c --depth 20 --duration "$secs" --warmup 3 2>/dev/null | tail -1 | tee -a "$out"
done
kill $agent; wait $agent 2>/dev/null || true
/usr/bin/python3 "$here/plot-sweep.py" "$out" "$root/docs/performance-connections.png"
echo "chart: docs/performance-connections.png"

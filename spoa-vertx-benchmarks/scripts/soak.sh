#!/usr/bin/env bash
# Soak: HAProxy 2.6 -> the example agent at a steady paced rate for a while, then checks that
# nothing failed and nothing grew: requests, bad responses (not 200 or no Ip_score), heap after GC,
# threads, file descriptors and agent connections at the start and the end.
#   spoa-vertx-benchmarks/scripts/soak.sh [minutes=10] [requests/s=5000]
# The soak profile runs it on the jar it packages: ./mvnw -B verify -Psoak -DskipTests -pl spoa-vertx-examples -am
# (-Dsoak.minutes, -Dsoak.rate); CI runs it for 1 minute. Exits non-zero on any failed request or growth beyond the tolerances.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
minutes=${1:-10}; rate=${2:-5000}; conns=50
jar=$root/spoa-vertx-examples/target/ip-reputation-agent.jar
work=$root/spoa-vertx-benchmarks/target/soak; mkdir -p "$work"
web=18090; agent_port=18355; admin=19355
heap_tolerance_mib=32; thread_tolerance=5; fd_tolerance=20
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
haproxy=$(command -v haproxy || echo /usr/sbin/haproxy)
[ -f "$jar" ] || { echo "build first: ./mvnw -B -DskipTests package" >&2; exit 1; }

source "$here/lib.sh"

write_bench_config "$work" $web $agent_port yes "" "    option spop-check
    server agent1 127.0.0.1:$agent_port check inter 2s"

SPOA_PORT=$agent_port SPOA_METRICS_PORT=$admin java @"$root/conf/jvm.options" -jar "$jar" > "$work/agent.log" 2>&1 &
agent=$!; pids+=("$agent")
wait_port $agent_port || { echo "soak: the agent did not start" >&2; exit 1; }
"$haproxy" -db -f "$work/haproxy.cfg" > "$work/haproxy.log" 2>&1 &
pids+=($!)
wait_port $web || { echo "soak: HAProxy did not start" >&2; exit 1; }

snapshot() { # heap MiB after GC, threads, fds, agent connections
  jcmd "$agent" GC.run > /dev/null
  local heap threads fds connections
  # the heap's lines ("garbage-first heap", or a generation each with ParallelGC and Serial):
  # "total NK, used NK"; metaspace lines have no total
  heap=$(jcmd "$agent" GC.heap_info | awk 'match($0, /total [0-9]+K, used [0-9]+K/) {
    split(substr($0, RSTART, RLENGTH), f, /[ K,]+/); used += f[4] } END { printf "%d", used / 1024 }')
  threads=$(awk '/^Threads:/ {print $2}' "/proc/$agent/status")
  fds=$(ls "/proc/$agent/fd" | wc -l)
  connections=$(curl -s "http://127.0.0.1:$admin/metrics" | awk '/^spoa_connections_active / {printf "%d", $2}')
  echo "$heap $threads $fds $connections $(jvm_allocated "$agent")"
}

per_conn=$(( (rate + conns - 1) / conns ))
echo "soak: warming up 10 s"
wrk -t1 -c$conns -d10s -s "$here/soak.lua" "http://127.0.0.1:$web/" -- $per_conn > /dev/null
read -r heap0 threads0 fds0 conns0 alloc0 < <(snapshot)
# a value that could not be read would shift the others into the wrong checks
[ -n "$alloc0" ] || { echo "soak: could not read the agent's heap, threads, fds, connections or allocation" >&2; exit 1; }
echo "soak: start: heap ${heap0} MiB after GC, ${threads0} threads, ${fds0} fds, ${conns0} agent connections"
echo "soak: ${minutes} min at ${rate} req/s"
out=$(wrk -t1 -c$conns -d"${minutes}m" --latency -s "$here/soak.lua" "http://127.0.0.1:$web/" -- $per_conn)
read -r heap1 threads1 fds1 conns1 alloc1 < <(snapshot)
[ -n "$alloc1" ] || { echo "soak: could not read the agent's heap, threads, fds, connections or allocation" >&2; exit 1; }
echo "soak: end:   heap ${heap1} MiB after GC, ${threads1} threads, ${fds1} fds, ${conns1} agent connections"
requests=$(awk '/requests in/ {print $1}' <<<"$out")
bad=$(awk '/^soak-bad-responses/ {print $2}' <<<"$out")
errors=$(awk '/Socket errors|Non-2xx/ {print}' <<<"$out")
p99=$(awk '$1=="99%" {print $2}' <<<"$out")
echo "soak: ${requests} requests, ${bad} bad responses, p99 ${p99} ${errors}"
awk -v a=$((alloc1 - alloc0)) -v n="$requests" 'BEGIN { if (n > 0) printf "soak: the agent allocated %.0f bytes per request (all its threads)\n", a / n }'

fail=0
[ "${bad:-1}" = 0 ] || { echo "soak: FAILED: $bad responses without the agent's verdict" >&2; fail=1; }
[ -z "$errors" ] || { echo "soak: FAILED: $errors" >&2; fail=1; }
[ $((heap1 - heap0)) -le $heap_tolerance_mib ] || { echo "soak: FAILED: heap grew by $((heap1 - heap0)) MiB" >&2; fail=1; }
[ $((threads1 - threads0)) -le $thread_tolerance ] || { echo "soak: FAILED: threads grew by $((threads1 - threads0))" >&2; fail=1; }
# HAProxy opens more agent connections as the rate grows and keeps them: one fd each is not a leak
fd_growth=$(( (fds1 - conns1) - (fds0 - conns0) ))
[ $fd_growth -le $fd_tolerance ] || { echo "soak: FAILED: file descriptors other than agent connections grew by $fd_growth" >&2; fail=1; }
[ $fail = 0 ] && echo "soak: OK (tolerances: heap +${heap_tolerance_mib} MiB, threads +${thread_tolerance}, fds +${fd_tolerance})"
exit $fail

#!/usr/bin/env bash
# End-to-end benchmark: wrk -> HAProxy 2.6 -> ip-reputation agent, against the same HAProxy
# configuration without the SPOE filter (the ceiling), in one run, interleaved repetitions, medians;
# SPOE modes: pipelining, default (pipelining + async) and serial (neither).
#   spoa-vertx-benchmarks/scripts/e2e-bench.sh [seconds=10] [repetitions=3] [connections=50]
# Needs: wrk, haproxy, and the built agent (./mvnw -B -DskipTests package). Loopback only.
# Prints a table and writes the raw lines to target/bench/e2e-results.txt.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
secs=${1:-10}; reps=${2:-3}; conns=${3:-50}
jar=$root/spoa-vertx-examples/target/ip-reputation-agent.jar
work=$root/spoa-vertx-benchmarks/target/bench; mkdir -p "$work"
results=$work/e2e-results.txt; : > "$results"
web=18080; agent_port=18345
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
haproxy=$(command -v haproxy || echo /usr/sbin/haproxy)
[ -x "$haproxy" ] || { echo "haproxy is missing: apt-get install haproxy" >&2; exit 1; }
[ -f "$jar" ] || { echo "build first: ./mvnw -B -DskipTests package" >&2; exit 1; }

source "$here/lib.sh"
haproxy_pid=

cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }   # utime+stime of one process, in clock ticks
hz=$(getconf CLK_TCK)

write_config() { # mode: ceiling | pipelining | default | serial
  local filter=yes spoe_opts=""
  if [ "$1" = ceiling ]; then filter=no; fi
  if [ "$1" = pipelining ]; then spoe_opts="    no option async"; fi
  # one NOTIFY at a time per connection: HAProxy opens more connections instead
  if [ "$1" = serial ]; then spoe_opts=$'    no option pipelining\n    no option async'; fi
  write_bench_config "$work" $web $agent_port $filter "$spoe_opts" "    server agent1 127.0.0.1:$agent_port"
}


# The agent runs for the whole benchmark (a warm JIT, like production); async allowed for "default".
SPOA_PORT=$agent_port SPOA_METRICS_PORT=0 java @"$root/conf/jvm.options" -Dspoa.async=true -jar "$jar" > "$work/agent.log" 2>&1 &
agent_pid=$!; pids+=("$agent_pid")
wait_port $agent_port || { echo "agent did not start" >&2; exit 1; }

run() { # mode rep [rate]: one wrk run; prints a result line
  local mode=$1 rep=$2 rate=${3:-0}
  write_config "$mode"
  "$haproxy" -db -f "$work/haproxy.cfg" > "$work/haproxy.log" 2>&1 &
  local hp=$!
  haproxy_pid=$hp
  wait_port $web
  local args=(-t1 -c"$conns" -d"${secs}s" --latency "http://127.0.0.1:$web/")
  # paced: the script's arguments (requests/s per connection) follow the URL after "--"
  if [ "$rate" != 0 ]; then args=(-s "$here/pace.lua" "${args[@]}" -- $(( (rate + conns - 1) / conns ))); fi
  local h0 a0 c0 h1 a1 c1 out
  h0=$(cpu_ticks $hp); a0=$(cpu_ticks $agent_pid); c0=$(awk '{print $14+$15+$16+$17}' /proc/$$/stat)
  out=$(wrk "${args[@]}" 2>&1) || { kill $hp; echo "wrk failed: $out" >&2; return 1; }
  h1=$(cpu_ticks $hp); a1=$(cpu_ticks $agent_pid); c1=$(awk '{print $14+$15+$16+$17}' /proc/$$/stat)
  kill $hp; wait $hp 2>/dev/null || true
  local rps p50 p99 reqs errors
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  reqs=$(awk '/requests in/ {print $1}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out"); p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out" | tr '\n' ' ')
  # CPU microseconds per request for HAProxy, the agent and wrk (wrk: this shell's waited children)
  local line
  line=$(awk -v m="$mode" -v r="$rep" -v rate="$rate" -v rps="$rps" -v n="$reqs" -v p50="$p50" -v p99="$p99" \
    -v h=$((h1-h0)) -v a=$((a1-a0)) -v w=$((c1-c0)) -v hz="$hz" -v e="$errors" \
    'BEGIN { printf "%s rep=%s rate=%s rps=%s p50=%s p99=%s haproxy_us=%.1f agent_us=%.1f wrk_us=%.1f %s\n", m, r, rate, rps, p50, p99, h*1e6/hz/n, (m=="ceiling"?0:a*1e6/hz/n), w*1e6/hz/n, e }')
  echo "$line" | tee -a "$results"
}

# warm-up: every SPOE mode once, so that the measured runs do not pay for the JIT (its threads
# count in the agent's CPU)
echo "warming up the agent ($((3 * secs))s)..."
for mode in pipelining default serial; do run $mode 0 > /dev/null; done
: > "$results"
for rep in $(seq 1 "$reps"); do
  for mode in ceiling pipelining default serial; do run $mode "$rep"; done
done

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
field() { grep "^$1 " "$results" | grep " rate=0 " | sed -E "s/.* $2=([0-9.]+).*/\1/" | median; }
echo
printf "%-11s %10s %12s %12s %10s\n" mode "req/s" "haproxy us" "agent us" "wrk us"
for mode in ceiling pipelining default serial; do
  printf "%-11s %10s %12s %12s %10s\n" $mode "$(field $mode rps)" "$(field $mode haproxy_us)" "$(field $mode agent_us)" "$(field $mode wrk_us)"
done
ceil=$(field ceiling rps)
for mode in pipelining default serial; do
  awk -v a="$(field $mode rps)" -v c="$ceil" -v m=$mode 'BEGIN { printf "%s: %.2f x the ceiling\n", m, a/c }'
done

# p99 at half the SPOE rate, for the ceiling and SPOE, same paced load
half=$(awk -v r="$(field pipelining rps)" 'BEGIN { printf "%d", r/2 }')
echo; echo "paced at $half req/s:"
for rep in $(seq 1 "$reps"); do
  for mode in ceiling pipelining; do run $mode "p$rep" "$half"; done
done

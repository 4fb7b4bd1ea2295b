#!/usr/bin/env bash
# Side-by-side comparison of SPOA agents behind one HAProxy: wrk -> HAProxy (nbthread 1, SPOE with
# pipelining) -> agent, against the same HAProxy without the SPOE filter (the ceiling). Every agent
# runs for the whole comparison (warm), the runs are interleaved (ceiling, agent 1, agent 2, ...,
# then again), and the table gives medians. Then every agent again, paced at half the first agent's
# rate, for the tail under a load that leaves room.
#
#   spoa-vertx-benchmarks/scripts/compare-agents.sh [options] [--agent 'NAME=COMMAND']...
#
#   --agent 'NAME=COMMAND'  an agent to compare; COMMAND is run with bash, {port} is its SPOP port and
#                           {admin} a free port for its admin/metrics server (if it has one, the
#                           agent's own p99 is read from spoa_ack_latency_seconds) and {gclog} a file
#                           for its JVM's GC log (-Xlog:gc:file={gclog}: its pauses are counted per run).
#                           An agent that is a JVM (the command execs java) also gets its bytes
#                           allocated per request, all threads (jcmd Thread.print -e). Repeat for more.
#                           Default: this project's example agent, packaged, default configuration,
#                           with conf/jvm.options.
#   --haproxy VERSION       2.6 (default), 3.0 or 3.2 (scripts/haproxy-version provides it)
#   --seconds N             length of each measured run (default 20)
#   --reps N                interleaved repetitions (default 3)
#   --connections N         wrk connections (default 64; wrk runs 1 thread)
#   --warmup N              seconds of load each agent gets before the measured runs (default 20)
#   --no-paced              skip the paced runs
#
# Needs: wrk, the agents' binaries. Loopback only; as root, in a network namespace of its own, so
# that an agent listening on every interface is reachable from nowhere else. Prints a Markdown
# table; the raw lines, the table and a chart go to spoa-vertx-benchmarks/target/bench/compare-<haproxy>.{txt,md,svg}.
# A request whose SPOE call failed (error, timeout) is answered 503, so wrk counts it as non-2xx.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

version=2.6 secs=20 reps=3 conns=64 warmup=20 paced=yes
names=() commands=() given=("$@")
while [ $# -gt 0 ]; do
  case "$1" in
    --agent) names+=("${2%%=*}"); commands+=("${2#*=}"); shift 2 ;;
    --haproxy) version=$2; shift 2 ;;
    --seconds) secs=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --connections) conns=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --no-paced) paced=no; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "unknown option $1 (--help)" >&2; exit 2 ;;
  esac
done
jar=$root/spoa-vertx-examples/target/ip-reputation-agent.jar
if [ ${#names[@]} = 0 ]; then
  [ -f "$jar" ] || { echo "build first: ./mvnw -B -DskipTests package" >&2; exit 1; }
  names=(spoa-vertx)
  commands=("SPOA_PORT={port} SPOA_METRICS_PORT={admin} exec java @'$root/conf/jvm.options' -Xlog:gc:file={gclog} -jar '$jar'")
fi
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
haproxy=$("$root/scripts/haproxy-version" "$version")

# Other agents may listen on every interface (the C example binds INADDR_ANY): as root, the whole
# comparison runs in a network namespace of its own, whose only interface is loopback.
if [ -z "${COMPARE_AGENTS_IN_NETNS:-}" ] && [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
  exec unshare -n bash -c 'ip link set lo up && COMPARE_AGENTS_IN_NETNS=1 exec "$0" "$@"' "$0" "${given[@]}"
fi

work=$root/spoa-vertx-benchmarks/target/bench; mkdir -p "$work"
results=$work/compare-$version.txt; table=$work/compare-$version.md; : > "$results"

source "$here/lib.sh"
haproxy_pid=
hz=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }   # utime+stime of one process, in clock ticks
# ns the threads of a process spent runnable but waiting for a core (the scheduler's run delay)
run_delay_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $2} END {printf "%.0f", s}'; }
# GC pauses in the log lines after line $2 of GC log $1: "count max_ms total_ms"
gc_pauses() {
  [ -n "$1" ] && [ -f "$1" ] || { echo "- - -"; return; }
  tail -n +"$(( $2 + 1 ))" "$1" | awk '/Pause/ { v = $NF; sub(/ms$/, "", v); v += 0; n++; t += v; if (v > m) m = v }
    END { printf "%d %.1f %.1f\n", n, m, t }'
}
lines() { [ -n "$1" ] && [ -f "$1" ] && wc -l < "$1" || echo 0; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
web=$(free_port)

# Start every agent once, each on its own ports.
agent_pids=() agent_ports=() agent_admins=() agent_gclogs=()
for i in "${!names[@]}"; do
  port=$(free_port); admin=$(free_port); gclog=$work/gc-${names[$i]}.log
  cmd=${commands[$i]//\{port\}/$port}; cmd=${cmd//\{admin\}/$admin}; cmd=${cmd//\{gclog\}/$gclog}
  [[ ${commands[$i]} == *"{admin}"* ]] || admin=
  [[ ${commands[$i]} == *"{gclog}"* ]] || gclog=
  rm -f "$gclog"; agent_gclogs+=("$gclog")
  bash -c "$cmd" > "$work/agent-${names[$i]}.log" 2>&1 &
  agent_pids+=($!); pids+=($!); agent_ports+=("$port"); agent_admins+=("$admin")
  wait_port "$port" || { echo "agent ${names[$i]} did not listen on $port; its log:" >&2; cat "$work/agent-${names[$i]}.log" >&2; exit 1; }
done

config() { # agent index, or "ceiling"
  local filter=no backend=""
  if [ "$1" != ceiling ]; then
    filter=yes; backend="    server agent1 127.0.0.1:${agent_ports[$1]}"
  fi
  local spoe_opts="    option pipelining"
  case "$version" in 2.6|3.0) ;; *) spoe_opts="" ;; esac   # 3.1+: the mux always pipelines
  write_bench_config "$work" "$web" 0 $filter "$spoe_opts" "$backend"
  # nbthread 1: HAProxy on one core, the agent on the other; a failed SPOE call answers 503
  sed -i -e 's/^global$/global\n    nbthread 1/' \
    -e 's/^\(    http-request return status 200.*\)$/    http-request return status 503 if { var(txn.iprep.error) -m found }\n\1/' "$work/haproxy.cfg"
  if [ "$version" != 2.6 ] && [ "$version" != 3.0 ]; then
    sed -i 's/^    mode tcp$/    mode spop/' "$work/haproxy.cfg"   # 3.1+: the SPOP multiplexer
  fi
}

scrape_p99() { # admin port -> the agent's own p99 in ms, or "-"
  [ -n "$1" ] || { echo -; return; }
  curl -s "http://127.0.0.1:$1/metrics" | awk -F' ' '/^spoa_ack_latency_seconds\{quantile="0.99"/ {printf "%.2f", $2*1000; f=1} END {if (!f) print "-"}'
}

run() { # target(index|ceiling) label [rate]: one wrk run; prints a result line
  local target=$1 label=$2 rate=${3:-0} name=ceiling apid=""
  if [ "$target" != ceiling ]; then name=${names[$target]}; apid=${agent_pids[$target]}; fi
  config "$target"
  "$haproxy" -db -f "$work/haproxy.cfg" > "$work/haproxy.log" 2>&1 &
  local hp=$!; haproxy_pid=$hp
  wait_port "$web" || { echo "HAProxy did not start:" >&2; cat "$work/haproxy.log" >&2; return 1; }
  local duration=$secs
  [[ $label != warm:* ]] || duration=${label#warm:}
  local args=(-t1 -c"$conns" -d"${duration}s" --latency "http://127.0.0.1:$web/")
  if [ "$rate" != 0 ]; then args=(-s "$here/pace.lua" "${args[@]}" -- $(( (rate + conns - 1) / conns ))); fi
  local h0 a0=0 h1 a1=0 hq0 aq0=0 hq1 aq1=0 out gclog="" gc0=0 m0="" m1=""
  [ -z "$apid" ] || { gclog=${agent_gclogs[$target]}; gc0=$(lines "$gclog"); }
  h0=$(cpu_ticks $hp); hq0=$(run_delay_ns $hp)
  [ -z "$apid" ] || { a0=$(cpu_ticks "$apid"); aq0=$(run_delay_ns "$apid"); m0=$(jvm_allocated "$apid"); }
  out=$(wrk "${args[@]}" 2>&1) || { kill $hp; echo "wrk failed: $out" >&2; return 1; }
  h1=$(cpu_ticks $hp); hq1=$(run_delay_ns $hp)
  [ -z "$apid" ] || { a1=$(cpu_ticks "$apid"); aq1=$(run_delay_ns "$apid"); m1=$(jvm_allocated "$apid"); }
  local gc
  gc=$(gc_pauses "$gclog" "$gc0")
  kill $hp; wait $hp 2>/dev/null || true; haproxy_pid=
  local own=-
  [ "$target" = ceiling ] || own=$(scrape_p99 "${agent_admins[$target]}")
  awk -v name="$name" -v label="$label" -v rate="$rate" -v h=$((h1-h0)) -v a=$((a1-a0)) -v hz="$hz" -v own="$own" \
      -v hq=$((hq1-hq0)) -v aq=$((aq1-aq0)) -v gc="$gc" -v m0="$m0" -v m1="$m1" '
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    /Requests\/sec/ {rps=$2} /requests in/ {n=$1} $1=="50%" {p50=ms($2)} $1=="99%" {p99=ms($2)}
    /Non-2xx/ {bad+=$NF} /Socket errors/ {err=$0}
    END { split(gc, g, " ")
      alloc = (m0 != "" && m1 != "") ? sprintf("%.0f", (m1 - m0) / n) : "-"
      printf "%s run=%s rate=%s rps=%s p50=%.3f p99=%.3f haproxy_us=%.1f agent_us=%.1f agent_p99=%s haproxy_wait_us=%.1f agent_wait_us=%.1f gc_pauses=%s gc_max_ms=%s gc_total_ms=%s agent_bytes=%s non2xx=%d %s\n",
      name, label, rate, rps, p50, p99, h*1e6/hz/n, a*1e6/hz/n, own, hq/1000/n, aq/1000/n, g[1], g[2], g[3], alloc, bad, err }' <<<"$out" | tee -a "$results"
}

echo "HAProxy: $("$haproxy" -v 2>&1 | head -1)"
echo "warming up each agent (${warmup}s)..."
for i in "${!names[@]}"; do run "$i" "warm:$warmup" > /dev/null; done
: > "$results"
for rep in $(seq 1 "$reps"); do
  run ceiling "$rep"
  for i in "${!names[@]}"; do run "$i" "$rep"; done
done

median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print "-"; else print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
field() { grep "^$1 " "$results" | grep " rate=$2 " | sed -E "s/.* $3=([^ ]+).*/\1/" | grep -v '^-$' | median; }
gc_cell() { # agent rate -> "median pauses (median max ms)", or "-" without a GC log
  local n; n=$(field "$1" "$2" gc_pauses)
  [ "$n" = - ] && echo - || echo "$n ($(field "$1" "$2" gc_max_ms))"
}

rate_half=
if [ "$paced" = yes ]; then
  rate_half=$(awk -v r="$(field "${names[0]}" 0 rps)" 'BEGIN { printf "%d", r/2 }')
  echo "paced at $rate_half req/s (half of ${names[0]}'s rate):"
  for rep in $(seq 1 "$reps"); do
    for i in "${!names[@]}"; do run "$i" "p$rep" "$rate_half"; done
  done
fi

{
  echo "HAProxy $version ($("$haproxy" -v 2>&1 | head -1 | awk '{print $3}')), wrk -t1 -c$conns, ${secs}s runs, medians of $reps interleaved runs"
  echo
  echo "| agent | req/s | x ${names[0]} | p50 ms | p99 ms | agent's own p99 ms | agent CPU us/req | HAProxy CPU us/req | agent / HAProxy waiting for a core us/req | GC pauses per run (max ms) | agent B/req (JVM) | non-2xx |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
  ref=$(field "${names[0]}" 0 rps)
  for name in ceiling "${names[@]}"; do
    rps=$(field "$name" 0 rps)
    x=$(awk -v a="$rps" -v r="$ref" 'BEGIN { printf "%.2f", a/r }')
    [ "$name" != ceiling ] || x=
    echo "| $name | $rps | $x | $(field "$name" 0 p50) | $(field "$name" 0 p99) | $(field "$name" 0 agent_p99) | $(field "$name" 0 agent_us) | $(field "$name" 0 haproxy_us) | $(field "$name" 0 agent_wait_us) / $(field "$name" 0 haproxy_wait_us) | $(gc_cell "$name" 0) | $(field "$name" 0 agent_bytes) | $(grep "^$name " "$results" | grep " rate=0 " | sed -E 's/.* non2xx=([0-9]+).*/\1/' | awk '{s+=$1} END {print s+0}') |"
  done
  if [ -n "$rate_half" ]; then
    echo
    echo "Paced at $rate_half req/s offered (each connection waits between a response and its next request, so"
    echo "the rate achieved is lower):"
    echo
    echo "| agent | req/s achieved | p50 ms | p99 ms | agent's own p99 ms | agent CPU us/req | agent / HAProxy waiting for a core us/req | GC pauses per run (max ms) |"
    echo "|---|---|---|---|---|---|---|---|"
    for name in "${names[@]}"; do
      echo "| $name | $(field "$name" "$rate_half" rps) | $(field "$name" "$rate_half" p50) | $(field "$name" "$rate_half" p99) | $(field "$name" "$rate_half" agent_p99) | $(field "$name" "$rate_half" agent_us) | $(field "$name" "$rate_half" agent_wait_us) / $(field "$name" "$rate_half" haproxy_wait_us) | $(gc_cell "$name" "$rate_half") |"
    done
  fi
} | tee "$table"

# The chart (SVG, no tool needed to draw it): req/s and p99 of each agent at full load, side by side.
chart=$work/compare-$version.svg
for name in ceiling "${names[@]}"; do echo "$name $(field "$name" 0 rps) $(field "$name" 0 p99)"; done |
awk -v title="HAProxy $version, wrk -t1 -c$conns, medians of $reps runs of ${secs}s" '
  { name[NR] = $1; rps[NR] = $2 + 0; p99[NR] = $3 + 0; if (rps[NR] > maxr) maxr = rps[NR]; if (p99[NR] > maxp) maxp = p99[NR] }
  END {
    row = 26; top = 50; label = 170; bar = 260; gap = 90; h = top + NR * row + 20
    printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"13\">\n", label + 2 * bar + gap + 80, h
    printf "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n<text x=\"10\" y=\"20\" font-weight=\"bold\">%s</text>\n", title
    printf "<text x=\"%d\" y=\"40\">requests per second (more is better)</text>\n", label
    printf "<text x=\"%d\" y=\"40\">p99 latency, ms (less is better)</text>\n", label + bar + gap
    for (i = 1; i <= NR; i++) {
      y = top + (i - 1) * row
      printf "<text x=\"10\" y=\"%d\">%s</text>\n", y + 15, name[i]
      w = maxr > 0 ? rps[i] / maxr * bar : 0
      printf "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"18\" fill=\"#4e79a7\"/><text x=\"%.1f\" y=\"%d\">%d</text>\n", label, y + 2, w, label + w + 4, y + 15, rps[i]
      w = maxp > 0 ? p99[i] / maxp * bar : 0
      printf "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"18\" fill=\"#e15759\"/><text x=\"%.1f\" y=\"%d\">%.2f</text>\n", label + bar + gap, y + 2, w, label + bar + gap + w + 4, y + 15, p99[i]
    }
    print "</svg>"
  }' > "$chart"
echo "chart: $chart"

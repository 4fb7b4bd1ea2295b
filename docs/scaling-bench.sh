#!/usr/bin/env bash
# Throughput and latency through HAProxy for the three deployment models, same run, same load:
#   local    : java -jar ip-reputation-agent.jar                       (server + handler, event loop)
#   worker   : java -jar ip-reputation-agent.jar --worker-pool-size 4  (handler on a worker pool)
#   clustered: --role front  +  --role handler (another JVM), Hazelcast on loopback
# Usage: docs/scaling-bench.sh [seconds=15] [connections=32]   (after ./mvnw -q -B -DskipTests package; needs wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-15}; conns=${2:-32}
jar=spoa-vertx-examples/target/ip-reputation-agent.jar
haproxy_bin=$(command -v haproxy || echo /usr/sbin/haproxy)
dir=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_log() { for _ in $(seq 1 600); do grep -q "$2" "$1" && return 0; sleep 0.1; done; echo "timeout: $1"; cat "$1"; exit 1; }
cat > "$dir/haproxy.cfg" <<CFG
global
    maxconn 4096
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend fe_web
    bind 127.0.0.1:18000
    filter spoe engine iprep config $PWD/conf/spoe-iprep.conf
    http-request return status 200 content-type text/plain string ok
    http-after-response set-header Ip_score %[var(sess.iprep.ip_score)] if { var(sess.iprep.ip_score) -m found }
    http-after-response set-header Spoe_error %[var(txn.iprep.error)] if { var(txn.iprep.error) -m found }
backend spoe-iprep
    mode tcp
    timeout connect 5s
    timeout server 3m
    server agent 127.0.0.1:18345
CFG
# prints wrk's numbers on one line
cat > "$dir/count.lua" <<'LUA'
done = function(summary, latency, requests)
  io.write(string.format("RESULT rps=%.0f p50=%.2fms p99=%.2fms max=%.2fms requests=%d errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read
      + summary.errors.write + summary.errors.timeout))
end
LUA
"$haproxy_bin" -db -f "$dir/haproxy.cfg" >"$dir/haproxy.log" 2>&1 & pids+=($!)
run() { # name, then agent command lines separated by ';;'
  local name=$1; shift
  local mine=()
  local i=0
  IFS=';' read -ra cmds <<<"$*"
  for c in "${cmds[@]}"; do
    [ -z "$c" ] && continue
    # shellcheck disable=SC2086
    SPOA_METRICS_ENABLED=false java @conf/jvm.options -jar "$jar" $c >"$dir/$name-$i.log" 2>&1 & mine+=($!); pids+=($!); i=$((i+1))
  done
  wait_log "$dir/$name-0.log" "listening on"
  for j in $(seq 1 $((i-1))); do wait_log "$dir/$name-$j.log" "registered"; done
  sleep 1
  wrk -t2 -c"$conns" -d5s http://127.0.0.1:18000/ >/dev/null           # warm-up
  echo -n "$name: "; wrk -t2 -c"$conns" -d"${secs}s" -s "$dir/count.lua" http://127.0.0.1:18000/ | grep RESULT
  kill "${mine[@]}"; wait "${mine[@]}" 2>/dev/null || true
  while port_open 18345; do sleep 0.1; done
}
cl="--cluster-name bench-$$ --cluster-members 127.0.0.1:15801,127.0.0.1:15802"
run local  "--port 18345"
run worker "--port 18345 --worker-pool-size 4"
run clustered "--role front --port 18345 --cluster-port 15801 $cl;--role handler --cluster-port 15802 --worker-pool-size 4 $cl"

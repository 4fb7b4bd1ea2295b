#!/usr/bin/env bash
# Runs the demo: the ip-reputation example agent behind a real HAProxy.
#   ./demo.sh          build if needed, start both, show one request, keep running until Ctrl-C
#   ./demo.sh --once   the same, then check the answer and stop (used by CI)
# Afterwards `curl -v http://127.0.0.1:8000/` shows the agent's verdict in the header Ip_score.
#   ./demo.sh --example rate-limit [--once]   the second example: a rate limit counted in Redis
#     (redis-server on 127.0.0.1:16379, started here); HAProxy on 127.0.0.1:8001 answers 429 past
#     100 requests in 60 s, and the header Rl-Count shows the count.
set -euo pipefail
cd "$(dirname "$0")"
once=false
example=ip-reputation
while [ $# -gt 0 ]; do
  case "$1" in
    --once) once=true ;;
    --example) example=${2-}; shift ;;
    *) echo "usage: ./demo.sh [--example ip-reputation|rate-limit] [--once]" >&2; exit 2 ;;
  esac
  shift
done
case "$example" in
  ip-reputation) web=8000 agent_port=12345 admin=9090 haproxy_cfg=conf/haproxy.cfg
    agent_cmd=(-jar spoa-vertx-examples/target/ip-reputation-agent.jar --conf conf/spoa.yaml) ;;
  rate-limit) web=8001 agent_port=12346 admin=9091 haproxy_cfg=conf/haproxy-ratelimit.cfg redis_port=16379
    agent_cmd=(-cp spoa-vertx-examples/target/ip-reputation-agent.jar dev.spoa.examples.ratelimit.RateLimitAgent
      --conf conf/ratelimit.yaml --ratelimit.redis=redis://127.0.0.1:16379 --ratelimit.window=60) ;;
  *) echo "demo: unknown example '$example' (ip-reputation or rate-limit)" >&2; exit 2 ;;
esac

jar=spoa-vertx-examples/target/ip-reputation-agent.jar
mkdir -p run

# What the demo needs from the distribution when absent: unzip (the Maven Wrapper unpacks Maven
# with it), HAProxy and, for the rate limit, Redis.
installed() { command -v "$1" 2>/dev/null || { [ -x "/usr/sbin/$1" ] && echo "/usr/sbin/$1"; } || true; }
need() { # need <command> <package> <what>
  local bin; bin=$(installed "$1")
  if [ -z "$bin" ]; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
      echo "demo: installing Debian's $2 package" >&2
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
      bin=$(installed "$1")
    else
      echo "demo: $3 is needed: 'sudo apt-get install $2', then run ./demo.sh again" >&2
      exit 1
    fi
  fi
  echo "$bin"
}

# 1. Build when the jar is missing or older than any source or pom.
if [ ! -f "$jar" ] || [ -n "$(find pom.xml spoa-vertx spoa-vertx-examples -newer "$jar" \( -name '*.java' -o -name 'pom.xml' -o -name '*.properties' \) -not -path '*/target/*' -print -quit)" ]; then
  echo "demo: building the agent (./mvnw -q -B -DskipTests package)"
  need unzip unzip "unzip" >/dev/null
  ./mvnw -q -B -DskipTests package
fi

# 2. HAProxy (and for the rate limit, Redis).
haproxy_bin=$(need haproxy haproxy "HAProxy 2.6 or later")
[ "$example" = rate-limit ] && redis_bin=$(need redis-server redis-server "Redis 7")

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() {
  for _ in $(seq 1 100); do port_open "$1" && return 0; sleep 0.1; done
  echo "demo: nothing listens on 127.0.0.1:$1 after 10 s; see run/$2.log" >&2
  return 1
}
for p in $web $agent_port $admin ${redis_port-}; do
  if port_open "$p"; then echo "demo: port $p is already in use; stop what runs there first" >&2; exit 1; fi
done

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

# 3. (Redis,) the agent, then HAProxy (its health check finds the agent at once).
if [ "$example" = rate-limit ]; then
  "$redis_bin" --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >run/redis.log 2>&1 &
  pids+=($!)
  wait_port "$redis_port" redis
fi
java @conf/jvm.options "${agent_cmd[@]}" >run/agent.log 2>&1 &
pids+=($!)
wait_port "$agent_port" agent
"$haproxy_bin" -db -f "$haproxy_cfg" >run/haproxy.log 2>&1 &
pids+=($!)
wait_port "$web" haproxy

echo "demo: $example agent on 127.0.0.1:$agent_port, HAProxy on 127.0.0.1:$web (pids ${pids[*]}); logs in run/"
if [ "$example" = ip-reputation ]; then
  echo "demo: curl -v http://127.0.0.1:8000/"
  answer=$(curl -sv http://127.0.0.1:8000/ 2>&1)
  echo "$answer"
  if ! grep -qi '^< Ip_score: 20' <<<"$answer"; then
    echo "demo: FAILED: the response has no 'Ip_score: 20' header" >&2
    exit 1
  fi
  echo "demo: OK, HAProxy asked the agent and the agent answered Ip_score 20"
else
  echo "demo: 101 requests from one client (the limit: 100 per client in 60 s)"
  statuses=$(for _ in $(seq 1 101); do curl -s -o /dev/null -w '%{http_code}\n' http://127.0.0.1:8001/; done | sort | uniq -c | tr -s ' ')
  echo "$statuses"
  last=$(curl -sv http://127.0.0.1:8001/ 2>&1)
  echo "$last" | grep -i '^< HTTP\|^< Rl-' || true
  if ! grep -q '^ 100 200$' <<<"$statuses" || ! grep -qi '^< HTTP/1.1 429' <<<"$last"; then
    echo "demo: FAILED: expected 100 answers 200, then 429" >&2
    exit 1
  fi
  echo "demo: OK, the agent counted in Redis and HAProxy denied the 101st request"
fi
echo "demo: the agent's metrics: curl http://127.0.0.1:$admin/metrics (also /health and /ready)"
if $once; then
  exit 0
fi
echo "demo: running; try 'curl -v http://127.0.0.1:$web/' yourself. Ctrl-C stops all."
wait

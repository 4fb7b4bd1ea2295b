#!/usr/bin/env bash
# Runs the demo: the ip-reputation example agent behind a real HAProxy.
#   ./demo.sh          build if needed, start both, show one request, keep running until Ctrl-C
#   ./demo.sh --once   the same, then check the answer and stop (used by CI)
# Afterwards `curl -v http://127.0.0.1:8000/` shows the agent's verdict in the header Ip_score.
set -euo pipefail
cd "$(dirname "$0")"
once=false
[ "${1-}" = "--once" ] && once=true

jar=spoa-vertx-examples/target/ip-reputation-agent.jar
mkdir -p run

# 1. Build when the jar is missing or older than any source or pom.
if [ ! -f "$jar" ] || [ -n "$(find pom.xml spoa-vertx spoa-vertx-examples -newer "$jar" \( -name '*.java' -o -name 'pom.xml' -o -name '*.properties' \) -not -path '*/target/*' -print -quit)" ]; then
  echo "demo: building the agent (./mvnw -q -B -DskipTests package)"
  ./mvnw -q -B -DskipTests package
fi

# 2. HAProxy from the distribution when absent.
haproxy_bin=$(command -v haproxy || true)
[ -z "$haproxy_bin" ] && [ -x /usr/sbin/haproxy ] && haproxy_bin=/usr/sbin/haproxy
if [ -z "$haproxy_bin" ]; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "demo: installing Debian's haproxy package"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null
    haproxy_bin=$(command -v haproxy || echo /usr/sbin/haproxy)
  else
    echo "demo: HAProxy 2.6 or later is needed: 'sudo apt-get install haproxy', then run ./demo.sh again" >&2
    exit 1
  fi
fi

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() {
  for _ in $(seq 1 100); do port_open "$1" && return 0; sleep 0.1; done
  echo "demo: nothing listens on 127.0.0.1:$1 after 10 s; see run/$2.log" >&2
  return 1
}
for p in 8000 12345 9090; do
  if port_open "$p"; then echo "demo: port $p is already in use; stop what runs there first" >&2; exit 1; fi
done

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

# 3. The agent, then HAProxy (its health check finds the agent at once).
java -jar "$jar" --conf conf/spoa.yaml >run/agent.log 2>&1 &
pids+=($!)
wait_port 12345 agent
"$haproxy_bin" -db -f conf/haproxy.cfg >run/haproxy.log 2>&1 &
pids+=($!)
wait_port 8000 haproxy

echo "demo: agent (pid ${pids[0]}) on 127.0.0.1:12345, HAProxy (pid ${pids[1]}) on 127.0.0.1:8000; logs in run/"
echo "demo: curl -v http://127.0.0.1:8000/"
answer=$(curl -sv http://127.0.0.1:8000/ 2>&1)
echo "$answer"
if ! grep -qi '^< Ip_score: 20' <<<"$answer"; then
  echo "demo: FAILED: the response has no 'Ip_score: 20' header" >&2
  exit 1
fi
echo "demo: OK, HAProxy asked the agent and the agent answered Ip_score 20"
echo "demo: the agent's metrics: curl http://127.0.0.1:9090/metrics (also /health and /ready)"
if $once; then
  exit 0
fi
echo "demo: running; try 'curl -v http://127.0.0.1:8000/' yourself. Ctrl-C stops both."
wait

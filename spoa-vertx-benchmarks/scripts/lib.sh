# Shared by the benchmark scripts (sourced): HAProxy + SPOE configuration of the measurements,
# waiting for a port, and cleaning up only the processes a script started.

wait_port() { for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

# bytes allocated so far by the live threads of JVM $1 (jcmd rounds each to K or M); empty for other processes
jvm_allocated() {
  # jcmd attaches by sending SIGQUIT, which ends a process that is not a JVM (a Go agent, for one)
  grep -q '/libjvm\.so$' "/proc/$1/maps" 2>/dev/null || return 0
  jcmd "$1" Thread.print -e 2>/dev/null | grep -o 'allocated=[0-9.]*[BKMG]' | awk -F= '{
    v = $2; u = substr(v, length(v)); n = substr(v, 1, length(v) - 1)
    total += n * (u == "K" ? 1024 : u == "M" ? 1048576 : u == "G" ? 1073741824 : 1); f = 1 } END { if (f) printf "%.0f", total }' ||
    true # a JVM that has just exited: nothing, and no failure for the scripts' set -e
}

pids=()
# only the main shell cleans up (command substitutions are subshells that would run the trap too)
cleanup() { [ "$BASH_SUBSHELL" = 0 ] || return 0; for p in "${pids[@]}" ${haproxy_pid:-}; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# write_bench_config DIR WEB_PORT AGENT_PORT FILTER(yes|no) SPOE_OPTION_LINE BACKEND_EXTRA_LINES
# HAProxy answers every request itself (http-request return), the SPOE filter asks the ip-reputation
# agent first and the response carries Ip_score.
write_bench_config() {
  local dir=$1 web=$2 agent=$3 filter="" spoe_opts=$5 backend_extra=$6
  if [ "$4" = yes ]; then filter="    filter spoe engine iprep config $dir/spoe.conf"; fi
  cat > "$dir/haproxy.cfg" <<CFG
global
    maxconn 4000
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend fe
    bind 127.0.0.1:$web
$filter
    http-request return status 200 content-type text/plain string ok
    http-after-response set-header Ip_score %[var(sess.iprep.ip_score)] if { var(sess.iprep.ip_score) -m found } !{ var(txn.iprep.error) -m found }
backend spoe-iprep
    mode tcp
    timeout connect 5s
    timeout server 3m
$backend_extra
CFG
  cat > "$dir/spoe.conf" <<SPOE
[iprep]
spoe-agent iprep-agent
    messages check-client-ip
    option var-prefix iprep
    option set-on-error error
    option continue-on-error
$spoe_opts
    timeout processing 500ms
    timeout hello 2s
    timeout idle 2m
    use-backend spoe-iprep
spoe-message check-client-ip
    args ip=src
    event on-frontend-http-request
SPOE
}

# shellcheck shell=bash
# Sourced by scripts/cluster.sh: the processes of a running cluster, recorded in $STATE (state.env,
# KEY=value lines, read too by scripts/cluster/nodes/state.ts and the deploy-safety tier): free ports,
# start in a session of its own with its pid and start time, readiness waits, and stop. A recorded pid
# counts as ours only while /proc/<pid>/stat shows the same start time, so a reused pid is never killed.

free_ports() { # n: n distinct free loopback ports (all bound at once, then released)
  python3 -c 'import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))' "$1"
}
state_get() { sed -n "s/^$1=//p" "$STATE" 2>/dev/null | tail -1; }
state_set() { printf '%s=%s\n' "$1" "$2" >> "$STATE"; }
# A pid counts as ours only while it is the very process we started: same pid, same start time.
proc_start() { awk '{print $22}' "/proc/$1/stat" 2>/dev/null; }
pid_alive() { # name
  local pid; pid="$(state_get "PID_$1")"
  [ -n "$pid" ] && [ -n "$(proc_start "$pid")" ] && [ "$(proc_start "$pid")" = "$(state_get "START_$1")" ]
}
start_bg() { # name command...: starts it in the background, logs to $LOGS/name.log, records pid and start time
  local name="$1"; shift
  setsid "$@" > "$LOGS/$name.log" 2>&1 < /dev/null &
  local pid=$!
  state_set "PID_$name" "$pid"
  state_set "START_$name" "$(proc_start "$pid")"
}
wait_for() { # seconds what command...: until the command succeeds (what: for the reader of the call)
  local secs="$1"; shift 2
  local until=$(( $(date +%s) + secs ))
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$until" ]; then return 1; fi
    sleep 0.2
  done
}
stop_processes() {
  local name pid
  for name in ingress-status kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do
    pid_alive "$name" || continue
    pid="$(state_get "PID_$name")"
    kill -TERM -- "-$pid" 2>/dev/null  # its own session (setsid): the process and its children
    for _ in $(seq 1 50); do pid_alive "$name" || break; sleep 0.1; done
    pid_alive "$name" && kill -KILL -- "-$pid" 2>/dev/null
  done
}

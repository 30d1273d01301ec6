#!/usr/bin/env bash
# A local Kubernetes control plane on loopback, built from the Go module proxy: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler and kubectl (k8s.io/kubernetes), plus kwok playing 3
# kubelets (one per zone). TLS on every port, client certificates, Node+RBAC authorization, the
# default admission chain (PodSecurity included), service-account token signing.
#
# Usage: bash scripts/cluster.sh up|down|status|build|env [--budget-seconds N] [--real-nodes [N]]
#   build   build the binaries into the cache (idempotent; a no-op when cached)
#   up      build, then start the cluster (or reuse a running one); the last two lines on stdout are
#           `export KUBECONFIG=...` and `export PATH=...`, so `eval "$(npm run --silent cluster -- up)"`
#           --real-nodes N (1..3, default 3): N real nodes too (scripts/cluster/nodes, docs/local-cluster.md)
#   down    stop exactly the processes `up` started (by pid) and remove the cluster's data
#   status  print what runs, where (exit 0 when the cluster answers /readyz, 1 otherwise)
#   env     print the two export lines of a running cluster
#   exec -- CMD | push SRC REPO:TAG | push-image | routes     real nodes only: see docs/local-cluster.md
# Exit codes: 0 ok; 1 usage or start-up failure (logs are kept and named); 3 build budget exhausted;
# 4 a build failed.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
K8S_VERSION="${CLUSTER_K8S_VERSION:-v1.37.2}"     # k8s.io/kubernetes; staging modules at v0.<minor>.<patch>
ETCD_VERSION="${CLUSTER_ETCD_VERSION:-v3.7.3}"    # go.etcd.io/etcd/server/v3
KWOK_VERSION="${CLUSTER_KWOK_VERSION:-v0.8.0}"    # sigs.k8s.io/kwok
ZONES=(zone-a zone-b zone-c)                      # one kwok node per topology.kubernetes.io/zone

CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/websvc/cluster-$K8S_VERSION"
BIN="$CACHE/bin"
SRC="$CACHE/src"
BUILD_LOGS="$CACHE/logs"
RUN="${WEBSVC_CLUSTER_DIR:-${XDG_RUNTIME_DIR:-/tmp}/websvc-cluster}"   # data, certs, pids, logs of a running cluster

CMD="${1:-}"; [ $# -gt 0 ] && shift
nodes_ts() { WEBSVC_CLUSTER_DIR="$RUN" bash "$ROOT/scripts/node22.sh" node -r "$ROOT/node_modules/ts-node/register/transpile-only" "$ROOT/scripts/cluster/nodes/main.ts" "$@"; }
case "$CMD" in exec|push|push-image|routes) nodes_ts "$CMD" "$@"; exit $? ;; esac
REAL_NODES=0
# shellcheck source=scripts/lib/budget.sh
source "$ROOT/scripts/lib/budget.sh"
while [ $# -gt 0 ]; do
  case "$1" in
    --budget-seconds|--budget-seconds=*) budget_flag "$@"; shift "$BUDGET_SHIFT" ;;
    --real-nodes=*) REAL_NODES="${1#*=}"; shift ;;
    --real-nodes) REAL_NODES=3; case "${2:-}" in [0-9]*) REAL_NODES="$2"; shift ;; esac; shift ;;  # 3: one per zone
    *) echo "cluster: unknown argument $1" >&2; exit 1 ;;
  esac
done

log() { echo "cluster: $*" >&2; }
START=$(date +%s)
budget_start

# The jobs, one file each under scripts/cluster/ (docs/local-cluster.md, "Layout"):
# shellcheck source=scripts/cluster/build.sh
source "$ROOT/scripts/cluster/build.sh"           # build_all: the binaries from the Go module proxy
# shellcheck source=scripts/cluster/crds.sh
source "$ROOT/scripts/cluster/crds.sh"            # crd_files, module_dirs: the CRDs the stack uses
# shellcheck source=scripts/cluster/processes.sh
source "$ROOT/scripts/cluster/processes.sh"       # state.env, start_bg, pid_alive, wait_for, stop_processes
# shellcheck source=scripts/cluster/pki.sh
source "$ROOT/scripts/cluster/pki.sh"             # make_pki, write_kubeconfig
# shellcheck source=scripts/cluster/control-plane.sh
source "$ROOT/scripts/cluster/control-plane.sh"   # start_etcd, start_kube_apiserver, start_controllers
# shellcheck source=scripts/cluster/kwok.sh
source "$ROOT/scripts/cluster/kwok.sh"            # node_manifest, start_kwok, nodes_ready

# ---------------------------------------------------------------- running cluster
STATE="$RUN/state.env"        # ports and pids of the running cluster
PKI="$RUN/pki"
LOGS="$RUN/logs"
KUBECONFIG_ADMIN="$RUN/kubeconfig"   # the cluster-admin kubeconfig (system:masters)

kubectl_admin() { "$BIN/kubectl" --kubeconfig "$KUBECONFIG_ADMIN" "$@"; }
apiserver_ready() { kubectl_admin get --raw /readyz >/dev/null 2>&1; }
print_env() {
  echo "export KUBECONFIG=$KUBECONFIG_ADMIN"
  echo "export PATH=$BIN:\$PATH"
}

fail_up() { # message component
  log "up FAILED: $1"
  [ -n "${2:-}" ] && [ -f "$LOGS/$2.log" ] && { log "last lines of $LOGS/$2.log:"; tail -20 "$LOGS/$2.log" >&2; }
  log "logs are kept in $LOGS; the started processes were stopped; \`npm run cluster -- down\` removes the data"
  stop_processes
  exit 1
}
phase() { # name: time since the previous mark, for the summary line of `up`
  local now; now=$(date +%s%N)
  PHASES+=" $1 $(( (now - PHASE_T) / 1000000 ))ms;"; PHASE_T=$now
}

cmd_up() {
  if [ -f "$STATE" ]; then
    if pid_alive kube-apiserver && apiserver_ready; then
      log "reusing the running cluster in $RUN (kube-apiserver pid $(state_get PID_kube-apiserver), https://127.0.0.1:$(state_get APISERVER_PORT))"
      print_env; return 0
    fi
    log "refusing: $RUN holds a cluster that is not running (stale state from an earlier up). Run \`npm run cluster -- down\` first."
    exit 1
  fi
  build_all
  local t0; t0=$(date +%s)
  PHASES=""; PHASE_T=$(date +%s%N)
  local crds; crds="$(crd_files)" || exit 1
  phase "CRD sources"
  rm -rf "$RUN"; mkdir -p "$RUN" "$LOGS" "$RUN/etcd"; chmod 700 "$RUN"
  : > "$STATE"
  state_set K8S_VERSION "$K8S_VERSION"
  [ "$REAL_NODES" -eq 0 ] || nodes_ts plan "$REAL_NODES" >> "$STATE" || { log "up FAILED: --real-nodes $REAL_NODES"; exit 1; }
  local names=(ETCD_PORT ETCD_PEER_PORT APISERVER_PORT CONTROLLER_MANAGER_PORT SCHEDULER_PORT KWOK_PORT) ports i
  read -r -a ports <<< "$(free_ports ${#names[@]})"
  for i in "${!names[@]}"; do state_set "${names[$i]}" "${ports[$i]}"; done
  make_pki
  write_kubeconfig "$KUBECONFIG_ADMIN" admin
  write_kubeconfig "$RUN/controller-manager.kubeconfig" controller-manager
  write_kubeconfig "$RUN/scheduler.kubeconfig" scheduler
  write_kubeconfig "$RUN/kwok.kubeconfig" kwok
  write_kubeconfig "$RUN/ingress-status.kubeconfig" ingress-status
  phase "ports, PKI, kubeconfigs"

  start_etcd
  start_kube_apiserver
  wait_for 60 "kube-apiserver /readyz" apiserver_ready || { pid_alive etcd || fail_up "etcd exited" etcd; fail_up "kube-apiserver not ready within 60 s" kube-apiserver; }
  phase "etcd+apiserver ready"
  log "kube-apiserver ready after $(( $(date +%s) - t0 ))s on https://127.0.0.1:$(state_get APISERVER_PORT)"

  start_controllers

  # One kubectl run (one API discovery): the stand-in controllers' RBAC, the nodes and the CRDs. `create`,
  # not a server-side apply: the cluster is new, and computing managed fields for the large CRDs
  # costs the apiserver more (6.1 s against 4.4 s for prometheus-operator's, measured here).
  local create=(-f "$ROOT/scripts/cluster/controllers.yaml" -f "$RUN/nodes.yaml") z f
  for z in "${ZONES[@]}"; do node_manifest "$z"; echo ---; done > "$RUN/nodes.yaml"
  while read -r f; do create+=(-f "$f"); done <<< "$crds"
  kubectl_admin create "${create[@]}" > "$LOGS/setup.log" 2>&1 \
    || fail_up "the controllers' RBAC, the kwok nodes or the CRDs could not be created" setup
  phase "objects created"
  start_bg ingress-status bash "$ROOT/scripts/cluster/ingress-status.sh" "$BIN/kubectl" "$RUN/ingress-status.kubeconfig"
  start_kwok

  kubectl_admin wait --for condition=Established crd --all --timeout 60s >> "$LOGS/setup.log" 2>&1 || fail_up "CRDs not established" setup
  phase "CRDs established"
  wait_for 90 "3 Ready, untainted kwok nodes" nodes_ready || { pid_alive kwok || fail_up "kwok exited" kwok; fail_up "kwok nodes not Ready and untainted within 90 s" kube-controller-manager; }
  phase "nodes Ready"
  # Until the token controller has made the default ServiceAccount, pods cannot be created.
  wait_for 30 "the default ServiceAccount" kubectl_admin -n default get serviceaccount default || fail_up "no default ServiceAccount" kube-controller-manager
  phase "default ServiceAccount"
  if [ "$REAL_NODES" -gt 0 ]; then nodes_ts up || fail_up "real nodes did not start (above)"; phase "real nodes"; fi
  log "cluster up in $(( $(date +%s) - t0 ))s: Kubernetes $K8S_VERSION, ${#ZONES[@]} kwok nodes (${ZONES[*]}), $(kubectl_admin get crd --no-headers | wc -l) CRDs; data and logs in $RUN"
  log "phases:$PHASES"
  print_env
}

cmd_down() {
  if [ ! -f "$STATE" ]; then log "no cluster state in $RUN: nothing to stop"; rm -rf "$RUN"; return 0; fi
  [ ! -f "$RUN/nodes/layout.json" ] || nodes_ts down || { log "real nodes not fully stopped (above); data kept in $RUN"; exit 1; }
  stop_processes
  local left="" name
  for name in ingress-status kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do pid_alive "$name" && left+=" $name"; done
  [ -z "$left" ] || { log "could not stop:$left (data kept in $RUN)"; exit 1; }
  rm -rf "$RUN"
  log "stopped and removed $RUN"
}

cmd_status() {
  if [ ! -f "$STATE" ]; then echo "cluster: not running (no state in $RUN)"; return 1; fi
  local name rc=0
  for name in etcd kube-apiserver kube-controller-manager kube-scheduler kwok ingress-status; do
    if pid_alive "$name"; then echo "cluster: $name running (pid $(state_get "PID_$name"))"; else echo "cluster: $name NOT running (log: $LOGS/$name.log)"; rc=1; fi
  done
  if apiserver_ready; then
    echo "cluster: kube-apiserver https://127.0.0.1:$(state_get APISERVER_PORT) ready, $(kubectl_admin version -o json 2>/dev/null | sed -n 's/.*"gitVersion": "\([^"]*\)".*/\1/p' | tail -1)"
    kubectl_admin get nodes -L topology.kubernetes.io/zone --no-headers 2>/dev/null | sed 's/^/cluster: node /'
    [ ! -f "$RUN/nodes/layout.json" ] || nodes_ts status || rc=1
  else
    echo "cluster: kube-apiserver not answering /readyz"; rc=1
  fi
  [ $rc -eq 0 ] && print_env
  return $rc
}

case "$CMD" in
  build) build_all; log "binaries ready in $BIN ($(( $(date +%s) - START ))s)" ;;
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) pid_alive kube-apiserver || { log "no running cluster in $RUN"; exit 1; }; print_env ;;
  *) sed -n 2,17p "$0" >&2; exit 1 ;;
esac

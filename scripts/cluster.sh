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
remaining() { budget_remaining; }

# ---------------------------------------------------------------- build
# kubelet and kube-proxy serve the real nodes (`up --real-nodes N`); same wrapper module, same ldflags.
KUBE_BINARIES=(kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy)
BINARIES=(etcd "${KUBE_BINARIES[@]}" kwok)
stamp_ok() { [ -x "$BIN/$1" ] && [ "$(cat "$BIN/.$1.stamp" 2>/dev/null)" = "$2" ]; }
# go with the remaining budget; exit 3 (budget) or 4 (failure) with the log's tail.
gobuild() { # logfile what go-args...
  local logf="$1" what="$2"; shift 2
  local left; left=$(remaining)
  if [ "$left" -le 0 ]; then log "BUDGET EXHAUSTED before: $what (Go's caches keep the progress; rerun)"; exit 3; fi
  timeout "$left" go "$@" >>"$logf" 2>&1
  local rc=$?
  if [ $rc -eq 124 ]; then log "BUDGET EXHAUSTED after $(( $(date +%s) - START ))s of ${BUDGET}s during: $what (Go's caches keep the progress; rerun)"; exit 3; fi
  if [ $rc -ne 0 ]; then log "$what failed (exit $rc), log $logf:"; tail -15 "$logf" >&2; exit 4; fi
}
record() { # name stamp seconds
  echo "$2" > "$BIN/.$1.stamp"
  log "built $1 ($2) in ${3}s: $(du -h "$BIN/$1" | cut -f1)"
}

# k8s.io/kubernetes replaces every staging module with ./staging/src/..., which the module zip lacks,
# so `go install` refuses it: a wrapper module requires it and points each staging module at its own
# v0.<minor>.<patch> release, read from that version's go.mod.
build_kubernetes() {
  local want="$K8S_VERSION" todo=() b
  for b in "${KUBE_BINARIES[@]}"; do stamp_ok "$b" "$want" || todo+=("$b"); done
  [ ${#todo[@]} -eq 0 ] && return 0
  local dir="$SRC/kubernetes" lf="$BUILD_LOGS/kubernetes.log" t0; t0=$(date +%s); : > "$lf"
  log "building ${todo[*]} from k8s.io/kubernetes@$want (log: $lf; about 6 min cold on 2 cores)"
  gobuild "$lf" "k8s.io/kubernetes download" mod download "k8s.io/kubernetes@$want"
  local gomod staging_v="v0.${want#v1.}"
  gomod="$(go mod download -json "k8s.io/kubernetes@$want" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  rm -rf "$dir"; mkdir -p "$dir"
  {
    printf 'module websvc.local/cluster/kubernetes\n\ngo %s\n\nrequire k8s.io/kubernetes %s\n\n' "$(go env GOVERSION | sed 's/^go//')" "$want"
    sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => \./staging/src/.*#\1#p' "$gomod" | sort -u \
      | while read -r m; do printf 'replace %s => %s %s\n' "$m" "$m" "$staging_v"; done
  } > "$dir/go.mod"
  { printf '//go:build tools\n\npackage tools\n\nimport (\n'
    for b in "${KUBE_BINARIES[@]}"; do printf '\t_ "k8s.io/kubernetes/cmd/%s"\n' "$b"; done
    printf ')\n'; } > "$dir/tools.go"
  (cd "$dir" && gobuild "$lf" "kubernetes wrapper go mod tidy" mod tidy) || exit $?
  # Without version ldflags the server reports v0.0.0-master+$Format:%H$, which kubectl and the
  # Pulumi kubernetes provider cannot parse.
  local major minor
  major="$(echo "${want#v}" | cut -d. -f1)"; minor="$(echo "$want" | cut -d. -f2)"
  local ld="-s -w" pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $pkg.gitVersion=$want -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  for b in "${todo[@]}"; do
    local tb; tb=$(date +%s)
    (cd "$dir" && gobuild "$lf" "$b compile" build -trimpath -ldflags "$ld" -o "$BIN/$b.tmp" "k8s.io/kubernetes/cmd/$b") || exit $?
    mv "$BIN/$b.tmp" "$BIN/$b"; record "$b" "$want" $(( $(date +%s) - tb ))
  done
  log "kubernetes binaries: $(( $(date +%s) - t0 ))s"
}

# go.etcd.io/etcd/server/v3 has local replaces too: a wrapper main calling etcdmain.Main.
build_etcd() {
  stamp_ok etcd "$ETCD_VERSION" && return 0
  local dir="$SRC/etcd" lf="$BUILD_LOGS/etcd.log" t0; t0=$(date +%s); : > "$lf"
  log "building etcd $ETCD_VERSION (log: $lf)"
  rm -rf "$dir"; mkdir -p "$dir"
  printf 'module websvc.local/cluster/etcd\n\ngo %s\n\nrequire (\n' "$(go env GOVERSION | sed 's/^go//')" > "$dir/go.mod"
  for m in server/v3 api/v3 client/pkg/v3 client/v3 pkg/v3; do printf '\tgo.etcd.io/etcd/%s %s\n' "$m" "$ETCD_VERSION"; done >> "$dir/go.mod"
  printf ')\n' >> "$dir/go.mod"
  printf 'package main\n\nimport (\n\t"os"\n\n\t"go.etcd.io/etcd/server/v3/etcdmain"\n)\n\nfunc main() { etcdmain.Main(os.Args) }\n' > "$dir/main.go"
  (cd "$dir" && gobuild "$lf" "etcd go mod tidy" mod tidy && \
    gobuild "$lf" "etcd compile" build -trimpath -ldflags "-s -w" -o "$BIN/etcd.tmp" .) || exit $?
  mv "$BIN/etcd.tmp" "$BIN/etcd"; record etcd "$ETCD_VERSION" $(( $(date +%s) - t0 ))
}

build_kwok() {
  stamp_ok kwok "$KWOK_VERSION" && return 0
  local lf="$BUILD_LOGS/kwok.log" t0; t0=$(date +%s); : > "$lf"
  log "building kwok $KWOK_VERSION (log: $lf)"
  mkdir -p "$SRC/kwok-bin"
  GOBIN="$SRC/kwok-bin" gobuild "$lf" "kwok install" install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  mv "$SRC/kwok-bin/kwok" "$BIN/kwok"; record kwok "$KWOK_VERSION" $(( $(date +%s) - t0 ))
}

build_all() {
  export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0
  command -v go >/dev/null || { log "go is not installed"; exit 4; }
  mkdir -p "$BIN" "$SRC" "$BUILD_LOGS"
  build_etcd
  build_kwok
  build_kubernetes
  local b; for b in "${BINARIES[@]}"; do [ -x "$BIN/$b" ] || { log "missing $BIN/$b after the build"; exit 4; }; done
}


# shellcheck source=scripts/cluster/crds.sh
source "$ROOT/scripts/cluster/crds.sh"   # CRD_SOURCES, module_dirs, crd_files

# ---------------------------------------------------------------- running cluster
STATE="$RUN/state.env"        # ports and pids of the running cluster
PKI="$RUN/pki"
LOGS="$RUN/logs"
KUBECONFIG_ADMIN="$RUN/kubeconfig"   # the cluster-admin kubeconfig (system:masters)

free_ports() { # n: n distinct free loopback ports (all bound at once, then released)
  python3 -c 'import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))' "$1"
}
state_get() { sed -n "s/^$1=//p" "$STATE" 2>/dev/null | tail -1; }
state_set() { printf '%s=%s\n' "$1" "$2" >> "$STATE"; }
svc_cidr() { local c; c="$(state_get SERVICE_CIDR)"; echo "${c:-10.96.0.0/16}"; }   # per cluster with real nodes
# A pid counts as ours only while it is the very process we started: same pid, same start time.
proc_start() { awk '{print $22}' "/proc/$1/stat" 2>/dev/null; }
pid_alive() { # name
  local pid; pid="$(state_get "PID_$1")"
  [ -n "$pid" ] && [ -n "$(proc_start "$pid")" ] && [ "$(proc_start "$pid")" = "$(state_get "START_$1")" ]
}
kubectl_admin() { "$BIN/kubectl" --kubeconfig "$KUBECONFIG_ADMIN" "$@"; }
apiserver_ready() { kubectl_admin get --raw /readyz >/dev/null 2>&1; }
print_env() {
  echo "export KUBECONFIG=$KUBECONFIG_ADMIN"
  echo "export PATH=$BIN:\$PATH"
}

# ECDSA P-256 keys: fast to generate; every component of the chain accepts them.
pki_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/$1.key" 2>/dev/null; }
pki_cert() { # name subject [extensions]: a new key and its certificate signed by $PKI_CA (default: ca), in one openssl run
  local name="$1" subj="$2" ext="${3:-}" extargs=() line ca="${PKI_CA:-ca}"
  while IFS= read -r line; do [ -n "$line" ] && extargs+=(-addext "$line"); done <<< "$ext"
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$PKI/$name.key" \
    -CA "$PKI/$ca.crt" -CAkey "$PKI/$ca.key" -subj "$subj" -days 2 -sha256 \
    -addext "basicConstraints=critical,CA:FALSE" -addext "keyUsage=critical,digitalSignature,keyEncipherment" \
    "${extargs[@]}" -out "$PKI/$name.crt" 2>/dev/null
}
pki_ca() { # name CN: a self-signed CA
  pki_key "$1"
  openssl req -x509 -new -key "$PKI/$1.key" -subj "/CN=$2" -days 2 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$PKI/$1.crt" 2>/dev/null
}
make_pki() {
  mkdir -p "$PKI"; chmod 700 "$PKI"
  pki_ca ca websvc-local-ca
  # The aggregation layer (metrics.k8s.io for the HPA): the apiserver proxies to an extension
  # apiserver with this client certificate, which asserts the user in X-Remote-* headers. Its own CA,
  # not the cluster's: with one CA, any client certificate of the cluster could assert any user.
  pki_ca front-proxy-ca websvc-local-front-proxy-ca
  PKI_CA=front-proxy-ca pki_cert front-proxy-client "/CN=front-proxy-client" "extendedKeyUsage=clientAuth"
  local serving="extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost"
  pki_cert etcd "/CN=etcd" "extendedKeyUsage=serverAuth,clientAuth
subjectAltName=IP:127.0.0.1,DNS:localhost"
  pki_cert apiserver-etcd-client "/CN=kube-apiserver-etcd-client" "extendedKeyUsage=clientAuth"
  # 10.96.0.1: the first address of the service range, the in-cluster `kubernetes` Service.
  pki_cert apiserver "/CN=kube-apiserver" "extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:$(state_get KUBERNETES_SERVICE_IP | grep . || echo 10.96.0.1),DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  pki_cert admin "/O=system:masters/CN=websvc-cluster-admin" "extendedKeyUsage=clientAuth"
  pki_cert controller-manager "/CN=system:kube-controller-manager" "extendedKeyUsage=clientAuth"
  pki_cert scheduler "/CN=system:kube-scheduler" "extendedKeyUsage=clientAuth"
  # kwok plays every node's kubelet; it gets its own identity and a ClusterRole (cluster/controllers.yaml).
  pki_cert kwok "/CN=websvc:kwok-controller" "extendedKeyUsage=clientAuth"
  pki_cert ingress-status "/CN=websvc:ingress-status" "extendedKeyUsage=clientAuth"
  pki_cert apiserver-kubelet-client "/CN=websvc:apiserver-kubelet-client" "extendedKeyUsage=clientAuth"   # exec, logs
  pki_cert controller-manager-serving "/CN=kube-controller-manager" "$serving"
  pki_cert scheduler-serving "/CN=kube-scheduler" "$serving"
  pki_key service-account
  openssl pkey -in "$PKI/service-account.key" -pubout -out "$PKI/service-account.pub" 2>/dev/null
  local f; for f in ca front-proxy-ca front-proxy-client etcd apiserver-etcd-client apiserver admin controller-manager scheduler kwok ingress-status apiserver-kubelet-client controller-manager-serving scheduler-serving; do
    if ! { [ -s "$PKI/$f.crt" ] && [ -s "$PKI/$f.key" ]; }; then log "could not make the certificate $f"; exit 1; fi
  done
  chmod 600 "$PKI"/*.key
}
write_kubeconfig() { # file user-cert-name
  local f="$1" user="$2"
  cat > "$f" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: websvc-local
  cluster:
    server: https://127.0.0.1:$(state_get APISERVER_PORT)
    certificate-authority-data: $(base64 -w0 < "$PKI/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 < "$PKI/$user.crt")
    client-key-data: $(base64 -w0 < "$PKI/$user.key")
contexts:
- name: websvc-local
  context: {cluster: websvc-local, user: $user}
current-context: websvc-local
KUBECONFIG
  chmod 600 "$f"
}
start_bg() { # name command...: starts it in the background, logs to $LOGS/name.log, records pid and start time
  local name="$1"; shift
  setsid "$@" > "$LOGS/$name.log" 2>&1 < /dev/null &
  local pid=$!
  state_set "PID_$name" "$pid"
  state_set "START_$name" "$(proc_start "$pid")"
}
wait_for() { # seconds what command...
  local secs="$1" what="$2"; shift 2
  local until=$(( $(date +%s) + secs ))
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$until" ]; then return 1; fi
    sleep 0.2
  done
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

node_manifest() { # zone index
  cat <<NODE
apiVersion: v1
kind: Node
metadata:
  name: kwok-$1
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/arch: amd64
    kubernetes.io/os: linux
    kubernetes.io/hostname: kwok-$1
    kubernetes.io/role: agent
    node.kubernetes.io/instance-type: kwok-4x16
    topology.kubernetes.io/region: local
    topology.kubernetes.io/zone: $1
    type: kwok
status:
  allocatable: {cpu: "4", memory: 16Gi, ephemeral-storage: 100Gi, pods: "110"}
  capacity: {cpu: "4", memory: 16Gi, ephemeral-storage: 100Gi, pods: "110"}
NODE
}
# Ready and without the not-ready/unreachable taints that the node lifecycle controller lifts.
nodes_ready() {
  local out
  out="$(kubectl_admin get nodes -l type=kwok -o jsonpath='{range .items[*]}{.metadata.name}{" "}{.status.conditions[?(@.type=="Ready")].status}{" "}{.spec.taints[*].key}{"\n"}{end}')" || return 1
  [ "$(echo "$out" | grep -c ' True *$')" -eq ${#ZONES[@]} ]
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

  local ep epp; ep="$(state_get ETCD_PORT)"; epp="$(state_get ETCD_PEER_PORT)"
  start_bg etcd "$BIN/etcd" --name websvc-local --data-dir "$RUN/etcd" \
    --listen-client-urls "https://127.0.0.1:$ep" --advertise-client-urls "https://127.0.0.1:$ep" \
    --listen-peer-urls "https://127.0.0.1:$epp" --initial-advertise-peer-urls "https://127.0.0.1:$epp" \
    --initial-cluster "websvc-local=https://127.0.0.1:$epp" --initial-cluster-state new \
    --cert-file "$PKI/etcd.crt" --key-file "$PKI/etcd.key" --client-cert-auth --trusted-ca-file "$PKI/ca.crt" \
    --peer-cert-file "$PKI/etcd.crt" --peer-key-file "$PKI/etcd.key" --peer-client-cert-auth --peer-trusted-ca-file "$PKI/ca.crt" \
    --listen-metrics-urls "" --log-level warn

  # Node,RBAC authorization, client certificates only (no anonymous requests), the default admission
  # chain (PodSecurity included) plus NodeRestriction. A loopback advertise address needs
  # --endpoint-reconciler-type=none. Without real nodes the service range is bookkeeping only.
  # The aggregation layer (--requestheader-*, --proxy-client-*): APIServices such as metrics-server's.
  # --enable-aggregator-routing: the apiserver dials an APIService's endpoint (pod IP) rather than its
  # ClusterIP. No kube-proxy runs on this host; with real nodes the host routes the pod ranges to the
  # nodes' namespaces, while a ClusterIP from here would depend on the first node's kube-proxy.
  start_bg kube-apiserver "$BIN/kube-apiserver" \
    --etcd-servers "https://127.0.0.1:$ep" --etcd-cafile "$PKI/ca.crt" \
    --etcd-certfile "$PKI/apiserver-etcd-client.crt" --etcd-keyfile "$PKI/apiserver-etcd-client.key" \
    --bind-address 127.0.0.1 --secure-port "$(state_get APISERVER_PORT)" --advertise-address 127.0.0.1 \
    --endpoint-reconciler-type none \
    --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
    --client-ca-file "$PKI/ca.crt" --anonymous-auth=false \
    --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
    --allow-privileged=true \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$PKI/service-account.pub" --service-account-signing-key-file "$PKI/service-account.key" \
    --kubelet-preferred-address-types InternalIP \
    --kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" --kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
    --requestheader-client-ca-file "$PKI/front-proxy-ca.crt" --requestheader-allowed-names front-proxy-client \
    --requestheader-username-headers X-Remote-User --requestheader-group-headers X-Remote-Group \
    --requestheader-extra-headers-prefix X-Remote-Extra- \
    --proxy-client-cert-file "$PKI/front-proxy-client.crt" --proxy-client-key-file "$PKI/front-proxy-client.key" \
    --enable-aggregator-routing=true \
    --service-cluster-ip-range "$(svc_cidr)" --profiling=false

  wait_for 60 "kube-apiserver /readyz" apiserver_ready || { pid_alive etcd || fail_up "etcd exited" etcd; fail_up "kube-apiserver not ready within 60 s" kube-apiserver; }
  phase "etcd+apiserver ready"
  log "kube-apiserver ready after $(( $(date +%s) - t0 ))s on https://127.0.0.1:$(state_get APISERVER_PORT)"

  # The controllers read the apiserver's extension-apiserver-authentication ConfigMap at start:
  # they start once it is ready.
  # The node lifecycle controller runs (default): it lifts node.kubernetes.io/not-ready once kwok
  # reports the nodes Ready. Node CIDR allocation is off: pod addresses are bookkeeping (kwok).
  start_bg kube-controller-manager "$BIN/kube-controller-manager" \
    --kubeconfig "$RUN/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$RUN/controller-manager.kubeconfig" --authorization-kubeconfig "$RUN/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$(state_get CONTROLLER_MANAGER_PORT)" \
    --tls-cert-file "$PKI/controller-manager-serving.crt" --tls-private-key-file "$PKI/controller-manager-serving.key" \
    --client-ca-file "$PKI/ca.crt" \
    --service-account-private-key-file "$PKI/service-account.key" --root-ca-file "$PKI/ca.crt" \
    --use-service-account-credentials=true \
    --cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" \
    --service-cluster-ip-range "$(svc_cidr)" --leader-elect=false --profiling=false

  start_bg kube-scheduler "$BIN/kube-scheduler" \
    --kubeconfig "$RUN/scheduler.kubeconfig" \
    --authentication-kubeconfig "$RUN/scheduler.kubeconfig" --authorization-kubeconfig "$RUN/scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$(state_get SCHEDULER_PORT)" \
    --tls-cert-file "$PKI/scheduler-serving.crt" --tls-private-key-file "$PKI/scheduler-serving.key" \
    --client-ca-file "$PKI/ca.crt" --leader-elect=false --profiling=false


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
  local kwok_stages; kwok_stages="$(module_dirs "sigs.k8s.io/kwok@$KWOK_VERSION")/kustomize/stage"
  local stage_args=() f
  for f in node/fast/node-initialize node/heartbeat-with-lease/node-heartbeat-with-lease pod/fast/pod-ready pod/fast/pod-complete pod/fast/pod-delete; do
    stage_args+=(--config "$kwok_stages/$f.yaml")
  done
  # Only the annotated kwok nodes are kwok's; pod IPs come from a bookkeeping range. Node leases are
  # renewed like a kubelet's: without them the heartbeat stage posts status too rarely, the node
  # lifecycle controller marks the nodes NotReady and every pod loses its Ready condition.
  start_bg kwok "$BIN/kwok" --kubeconfig "$RUN/kwok.kubeconfig" "${stage_args[@]}" \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
    --node-lease-duration-seconds 40 \
    --cidr 10.244.0.0/16 --node-ip 127.0.0.1 --server-address "127.0.0.1:$(state_get KWOK_PORT)"

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

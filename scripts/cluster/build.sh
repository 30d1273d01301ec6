# shellcheck shell=bash
# Sourced by scripts/cluster.sh: the control plane's binaries from the Go module proxy into $BIN
# (etcd, kwok, and k8s.io/kubernetes' commands through a wrapper module), each stamped with its
# version so that a warm `build` is a no-op. Uses its versions, paths, log and budget_run.

# kubelet and kube-proxy serve the real nodes (`up --real-nodes N`); same wrapper module, same ldflags.
KUBE_BINARIES=(kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy)
BINARIES=(etcd "${KUBE_BINARIES[@]}" kwok)
stamp_ok() { [ -x "$BIN/$1" ] && [ "$(cat "$BIN/.$1.stamp" 2>/dev/null)" = "$2" ]; }
# go with the remaining budget; exit 3 (budget) or 4 (failure) with the log's tail.
gobuild() { # logfile what go-args...
  local logf="$1" what="$2" rc=0; shift 2
  budget_run go "$@" >>"$logf" 2>&1 || rc=$?
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

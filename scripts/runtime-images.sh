#!/usr/bin/env bash
# Helper images of the runtime tier, built here from the Go module proxy and packed FROM scratch as
# OCI archives with buildah (nothing is pulled from a container registry). Binaries and archives go
# into a cache outside the repository; a present archive is not rebuilt.
#
# Usage: bash scripts/runtime-images.sh build [image...] [--budget-seconds N]
#        bash scripts/runtime-images.sh list            one line per image: <name> <ref> <archive|-> [why not]
#        bash scripts/runtime-images.sh archive <name>  the archive's path (exit 1 when not built)
#        bash scripts/runtime-images.sh binary <name>   the static binary's path (exit 1 when not built)
# Images (default: all buildable ones, in this order):
#   kube-router            github.com/cloudnativelabs/kube-router/v2 v2.1.0: the NetworkPolicy enforcer the
#                          runtime tier runs (iptables + ipset; its binary runs in each node's network
#                          namespace, since it calls the iptables and ipset commands)
#   kube-network-policies  sigs.k8s.io/kube-network-policies v0.8.0: built, but it cannot enforce on this
#                          kernel (no nftables `queue` expression: "Could not process rule: No such file")
#   prometheus-operator, config-reloader, prometheus: built and packed by scripts/prometheus-images.sh
#                          (one home for those versions); `build` runs it, `list` and `archive` report them
#   metrics-server         sigs.k8s.io/metrics-server v0.8.0: the resource metrics API (metrics.k8s.io) the
#                          HPA reads; v0.9.1 declares go 1.26.10 (this machine: 1.26.8, GOTOOLCHAIN=local)
#                          and v0.9.0 is not an approved release, so v0.8.0 (go 1.24.4, no replaces)
#   kube-state-metrics     k8s.io/kube-state-metrics/v2 v2.20.0 (go 1.26.0, no replaces): the kube_* series
#                          the dashboard's replica panels and the operational alerts read
# The archives carry the images' usual names; `npm run cluster -- push <archive> <repo:tag>` publishes
# them to the local registry that the nodes' containerd mirrors those registries to.
# Exit codes: 0 built (or present); 1 a build failed; 3 budget exhausted.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/budget.sh
source "$ROOT/scripts/lib/budget.sh"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/websvc/runtime-images"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod

# name | module@version | package | binary path in the image | image reference | extra modules (wrapper)
# An entry with extra modules (a go.mod with local replaces, which `go install mod@v`
# refuses) is built from a generated wrapper module requiring them at one version.
IMAGES=(
  "kube-router|github.com/cloudnativelabs/kube-router/v2@v2.1.0|github.com/cloudnativelabs/kube-router/v2/cmd/kube-router|/bin/kube-router|docker.io/cloudnativelabs/kube-router:v2.1.0|"
  "kube-network-policies|sigs.k8s.io/kube-network-policies@v0.8.0|sigs.k8s.io/kube-network-policies/cmd|/bin/netpol|registry.k8s.io/networking/kube-network-policies:v0.8.0|"
  "metrics-server|sigs.k8s.io/metrics-server@v0.8.0|sigs.k8s.io/metrics-server/cmd/metrics-server|/metrics-server|registry.k8s.io/metrics-server/metrics-server:v0.8.0|"
  "kube-state-metrics|k8s.io/kube-state-metrics/v2@v2.20.0|k8s.io/kube-state-metrics/v2|/kube-state-metrics|registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.20.0|"
)
# Images that cannot be built here: name | module@version | image reference | why (`list` prints them
# with no archive). None at present: metrics-server v0.9.1 (go 1.26.10) gave way to v0.8.0 above.
UNBUILDABLE=()

log() { echo "runtime-images: $*" >&2; }
# The Prometheus images come from scripts/prometheus-images.sh: <name here>|<its NAME in images.env>.
PROMETHEUS_IMAGES=("prometheus-operator|prometheus_operator" "config-reloader|prometheus_config_reloader" "prometheus|prometheus")
PROMETHEUS_OCI="$(bash "$ROOT/scripts/prometheus-images.sh" --print-dir || true)"
prometheus_ref() { sed -n "s/^$1=//p" "$PROMETHEUS_OCI/../images.env" 2>/dev/null; }
prometheus_archive() { local a="$PROMETHEUS_OCI/${1//_/-}.oci.tar"; [ -s "$a" ] && echo "$a"; }
field() { echo "$1" | cut -d'|' -f"$2"; }
entry() { local e; for e in "${IMAGES[@]}"; do [ "$(field "$e" 1)" = "$1" ] && { echo "$e"; return 0; }; done; return 1; }
archive_of() { echo "$CACHE/$1/image.oci.tar"; }

# go_build <entry> <out-binary>: go install mod@version, or a wrapper module when extra modules are given.
go_build() {
  local e="$1" out="$2" mod pkg extra gobin logf
  mod="$(field "$e" 2)"; pkg="$(field "$e" 3)"; extra="$(field "$e" 6)"
  logf="$CACHE/$(field "$e" 1)/build.log"; gobin="$CACHE/$(field "$e" 1)/gobin"
  mkdir -p "$gobin"
  if [ -z "$extra" ]; then
    GOBIN="$gobin" gotimed install -trimpath -ldflags '-s -w' "$pkg@${mod#*@}" >"$logf" 2>&1 || return 1
  else
    local w m; w="$CACHE/$(field "$e" 1)/wrapper"
    mkdir -p "$w"
    { echo "module websvc.local/runtime-image"; echo; echo "go 1.24"; echo; echo "require ("
      for m in "$mod" $extra; do echo "	${m%@*} ${m#*@}"; done; echo ")"; } >"$w/go.mod"
    printf '//go:build tools\n\npackage main\n\nimport _ "%s"\n' "$pkg" >"$w/tools.go"
    (cd "$w" && gotimed mod tidy >"$logf" 2>&1 && GOBIN="$gobin" gotimed install -trimpath -ldflags '-s -w' "$pkg" >>"$logf" 2>&1) || return 1
  fi
  # go names the binary after the package path without a major-version suffix (k8s.io/x/v2 -> x).
  local name; name="$(basename "$pkg")"; [[ "$name" =~ ^v[0-9]+$ ]] && name="$(basename "$(dirname "$pkg")")"
  mv "$gobin/$name" "$out"
}

# pack <entry> <binary>: FROM scratch, the static binary, non-root by default, into an OCI archive.
pack() {
  local e="$1" bin="$2" path ref archive c
  path="$(field "$e" 4)"; ref="$(field "$e" 5)"; archive="$(archive_of "$(field "$e" 1)")"
  command -v buildah >/dev/null || { log "buildah is missing (the image tier installs it: npm run image -- build)"; return 1; }
  c="$(buildah from scratch)" || return 1
  buildah copy --chmod 0755 "$c" "$bin" "$path" >/dev/null \
    && buildah config --entrypoint "[\"$path\"]" --user 65534:65534 --label "org.opencontainers.image.source=$(field "$e" 2)" "$c" \
    && buildah commit --quiet --format oci "$c" "oci-archive:$archive.tmp:$ref" >/dev/null \
    && mv "$archive.tmp" "$archive"
  local rc=$?
  buildah rm "$c" >/dev/null
  return $rc
}

build_one() {
  local e name bin t0
  e="$(entry "$1")" || { log "unknown image $1"; return 1; }
  name="$(field "$e" 1)"; bin="$CACHE/$name/$(basename "$(field "$e" 4)")"
  mkdir -p "$CACHE/$name"
  [ -s "$(archive_of "$name")" ] && { log "$name: present ($(archive_of "$name"))"; return 0; }
  t0=$(date +%s)
  if [ ! -x "$bin" ]; then
    log "$name: building $(field "$e" 3) $(field "$e" 2 | cut -d@ -f2) (log: $CACHE/$name/build.log)"
    go_build "$e" "$bin" || { log "$name: go build FAILED: $(tail -3 "$CACHE/$name/build.log")"; return 1; }
  fi
  pack "$e" "$bin" || { log "$name: packing FAILED"; return 1; }
  log "$name: $(field "$e" 5) in $(( $(date +%s) - t0 ))s, binary $(du -m "$bin" | cut -f1) MB"
}

# gotimed <go args...>: go at low priority (the machine is shared), stopped when the budget runs out
# (exit 3 for the whole script; Go's caches keep the progress).
gotimed() {
  local rc=0
  budget_run nice -n 10 go "$@" || rc=$?
  [ $rc -eq 124 ] && { log "BUDGET EXHAUSTED during go $* (Go's caches keep the progress; rerun)"; exit 3; }
  return $rc
}

COMMAND="${1:-}"; shift || true
NAMES=()
while [ $# -gt 0 ]; do
  case "$1" in
    --budget-seconds|--budget-seconds=*) budget_flag "$@"; shift "$BUDGET_SHIFT" ;;
    *) NAMES+=("$1"); shift ;;
  esac
done
case "$COMMAND" in
  build)
    budget_start
    explicit=true; [ ${#NAMES[@]} -gt 0 ] || explicit=false
    [ ${#NAMES[@]} -gt 0 ] || for e in "${IMAGES[@]}"; do [ "$(field "$e" 1)" = kube-network-policies ] || NAMES+=("$(field "$e" 1)"); done
    rc=0
    for n in "${NAMES[@]}"; do build_one "$n" || rc=1; done
    if [ "$explicit" = false ]; then
      bash "$ROOT/scripts/prometheus-images.sh" --budget-seconds "$(budget_remaining)" || { r=$?; [ "$r" -eq 3 ] && exit 3; rc=1; }
    fi
    exit $rc ;;
  list)
    for e in "${IMAGES[@]}"; do
      a="$(archive_of "$(field "$e" 1)")"; [ -s "$a" ] || a=-
      echo "$(field "$e" 1) $(field "$e" 5) $a"
    done
    for p in "${PROMETHEUS_IMAGES[@]}"; do
      a="$(prometheus_archive "${p#*|}")" || a=-
      echo "${p%%|*} $(prometheus_ref "${p#*|}") $a"
    done
    for e in "${UNBUILDABLE[@]}"; do echo "$(field "$e" 1) $(field "$e" 3) - $(field "$e" 2) $(field "$e" 4)"; done ;;
  archive)
    for p in "${PROMETHEUS_IMAGES[@]}"; do [ "${p%%|*}" = "${NAMES[0]:-}" ] && { prometheus_archive "${p#*|}"; exit $?; }; done
    a="$(archive_of "${NAMES[0]:-}")"; [ -s "$a" ] && echo "$a" ;;
  binary)
    e="$(entry "${NAMES[0]:-}")" || exit 1
    b="$CACHE/${NAMES[0]}/$(basename "$(field "$e" 4)")"; [ -x "$b" ] && echo "$b" ;;
  *) sed -n 2,18p "$0"; exit 1 ;;
esac

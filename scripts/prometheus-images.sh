#!/usr/bin/env bash
# Builds the monitoring stack's images for the local end-to-end check (issue 18, part 3): the
# prometheus, prometheus-operator and prometheus-config-reloader binaries from the Go module proxy,
# each packed with buildah into a FROM-scratch OCI archive named as upstream names the image.
# Nothing is pushed: a registry on loopback (another entry point) loads the archives.
#
# Usage: bash scripts/prometheus-images.sh [--budget-seconds N] [--print-dir]
#   --budget-seconds N  give up after N seconds: prints "SKIPPED: <why>" and exits 3 (Go's caches keep
#                       the progress; the next run continues).
#   --print-dir         print the archive directory; exit 0 if all three archives exist, else 1.
# Output (~/.cache/websvc/prometheus-images-<versions>/):
#   bin/{prometheus,operator,prometheus-config-reloader}    static binaries (CGO_ENABLED=0)
#   oci/<name>.oci.tar                                      OCI archives, one image each
#   images.env                                              NAME=<image reference> per archive
# Exit codes: 0 done; 3 budget exhausted; 4 a build failed; 5 buildah cannot be installed; 1 usage.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/budget.sh
source "$ROOT/scripts/lib/budget.sh"
# shellcheck source=scripts/lib/prometheus-version.sh
source "$ROOT/scripts/lib/prometheus-version.sh"
OPERATOR_VERSION="${OPERATOR_VERSION:-v0.85.0}"
MODE=build
while [ $# -gt 0 ]; do
  case "$1" in
    --budget-seconds|--budget-seconds=*) budget_flag "$@"; shift "$BUDGET_SHIFT" ;;
    --print-dir) MODE=print; shift ;;
    -h|--help) sed -n 2,16p "$0"; exit 0 ;;
    *) echo "prometheus-images: unknown argument $1" >&2; exit 1 ;;
  esac
done

PROMETHEUS_RELEASE="$(prometheus_release "$PROMETHEUS_MODULE_VERSION")"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/websvc/prometheus-images-$PROMETHEUS_RELEASE-$OPERATOR_VERSION"
BIN="$CACHE/bin"
OCI="$CACHE/oci"
# name | image reference (upstream's) | binary | user | port
IMAGES=(
  "prometheus|quay.io/prometheus/prometheus:$PROMETHEUS_RELEASE|prometheus|65534|9090"
  "prometheus-operator|quay.io/prometheus-operator/prometheus-operator:$OPERATOR_VERSION|operator|65534|8080"
  "prometheus-config-reloader|quay.io/prometheus-operator/prometheus-config-reloader:$OPERATOR_VERSION|prometheus-config-reloader|65534|8080"
)
all_present() { local i; for i in "${IMAGES[@]}"; do [ -s "$OCI/${i%%|*}.oci.tar" ] || return 1; done; }
if [ "$MODE" = print ]; then echo "$OCI"; all_present; exit $?; fi

log() { echo "prometheus-images: $*" >&2; }
command -v go >/dev/null || { echo "SKIPPED: prometheus-images: go is not installed"; exit 4; }
mkdir -p "$BIN" "$OCI" "$CACHE/logs"
budget_start
START=$(date +%s)
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod

# Runs a go command within the remaining budget; exit 3 (SKIPPED) when it runs out.
within_budget() { # step log -- command...
  local step="$1" logfile="$2"; shift 3
  local left; left="$(budget_remaining)"
  [ "$left" -gt 0 ] || { echo "SKIPPED: prometheus-images: the ${BUDGET}s budget ran out before $step"; exit 3; }
  timeout --kill-after=10 "$left" "$@" >"$logfile" 2>&1
  local rc=$?
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    echo "SKIPPED: prometheus-images: the ${BUDGET}s budget ran out during $step after $(( $(date +%s) - START ))s (rerun to continue from Go's caches)"
    exit 3
  fi
  [ "$rc" -eq 0 ] || { tail -20 "$logfile" >&2; log "$step failed (exit $rc), log $logfile"; exit 4; }
}

version_ldflags() { # version revision
  echo "-s -w -X github.com/prometheus/common/version.Version=${1#v} -X github.com/prometheus/common/version.Revision=$2 -X github.com/prometheus/common/version.Branch=HEAD"
}

# prometheus: its module has no replace directives, so `go install mod@version` builds it. Without
# the `builtinassets` tag the web UI is not embedded (the API, rules and scraping are all there).
# Service discovery: kubernetes only (what the operator's generated config uses).
if [ ! -x "$BIN/prometheus" ]; then
  log "building prometheus $PROMETHEUS_RELEASE (module $PROMETHEUS_MODULE_VERSION)"
  t0=$(date +%s)
  within_budget "the prometheus build" "$CACHE/logs/prometheus.log" -- \
    env GOBIN="$BIN" go install -trimpath -tags remove_all_sd,enable_kubernetes_sd -ldflags "$(version_ldflags "$PROMETHEUS_RELEASE" "$PROMETHEUS_MODULE_VERSION")" \
    "github.com/prometheus/prometheus/cmd/prometheus@$PROMETHEUS_MODULE_VERSION"
  log "prometheus built in $(( $(date +%s) - t0 ))s"
fi

# prometheus-operator and its config reloader: the module replaces pkg/apis/monitoring and
# pkg/client with local directories (nested modules, absent from the module zip), so `go install`
# refuses it. A wrapper module requires the three modules at the same version instead.
if [ ! -x "$BIN/operator" ] || [ ! -x "$BIN/prometheus-config-reloader" ]; then
  WRAP="$CACHE/operator-wrapper"
  mkdir -p "$WRAP"
  cat >"$WRAP/go.mod" <<EOF
module websvc.local/prometheus-operator-build

go 1.24.0

require (
	github.com/prometheus-operator/prometheus-operator $OPERATOR_VERSION
	github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring $OPERATOR_VERSION
	github.com/prometheus-operator/prometheus-operator/pkg/client $OPERATOR_VERSION
)
EOF
  cat >"$WRAP/tools.go" <<'EOF'
//go:build tools

// Package tools pins the commands this module builds (never compiled).
package tools

import (
	_ "github.com/prometheus-operator/prometheus-operator/cmd/operator"
	_ "github.com/prometheus-operator/prometheus-operator/cmd/prometheus-config-reloader"
)
EOF
  log "building prometheus-operator and prometheus-config-reloader $OPERATOR_VERSION (wrapper module $WRAP)"
  t0=$(date +%s)
  (cd "$WRAP" && within_budget "go mod tidy (operator wrapper)" "$CACHE/logs/operator-tidy.log" -- go mod tidy) || exit $?
  for cmd in operator prometheus-config-reloader; do
    (cd "$WRAP" && within_budget "the $cmd build" "$CACHE/logs/$cmd.log" -- \
      go build -trimpath -ldflags "$(version_ldflags "$OPERATOR_VERSION" "$OPERATOR_VERSION")" -o "$BIN/$cmd" \
      "github.com/prometheus-operator/prometheus-operator/cmd/$cmd") || exit $?
  done
  log "operator binaries built in $(( $(date +%s) - t0 ))s"
fi

# Packing: one FROM-scratch image per binary, committed straight to an OCI archive.
if ! command -v buildah >/dev/null; then
  log "buildah is missing: installing it from Debian's packages (as the image tier does)"
  if ! { apt-get install -y --no-install-recommends buildah >"$CACHE/logs/apt.log" 2>&1; }; then
    echo "SKIPPED: prometheus-images: buildah is not installed and apt-get could not install it ($(tail -1 "$CACHE/logs/apt.log"))"
    exit 5
  fi
fi
for entry in "${IMAGES[@]}"; do
  IFS='|' read -r name ref binary user port <<<"$entry"
  archive="$OCI/$name.oci.tar"
  [ -s "$archive" ] && [ "$archive" -nt "$BIN/$binary" ] && continue
  ctr="$(buildah from --quiet scratch)" || { log "buildah from scratch failed"; exit 4; }
  trap 'buildah rm "$ctr" >/dev/null 2>&1' EXIT
  # shellcheck disable=SC2015 # the || branch only logs and exits: it runs exactly when a step of the chain failed
  buildah copy --quiet --chmod 0755 "$ctr" "$BIN/$binary" "/bin/$binary" >/dev/null &&
    buildah config --entrypoint "[\"/bin/$binary\"]" --cmd '' --user "$user:$user" --port "$port" \
      --label "org.opencontainers.image.source=https://proxy.golang.org (Go module build, websvc scripts/prometheus-images.sh)" \
      --label "org.opencontainers.image.version=${ref##*:}" "$ctr" &&
    rm -f "$archive.tmp" &&
    buildah commit --quiet --rm "$ctr" "oci-archive:$archive.tmp:$ref" >/dev/null &&
    mv "$archive.tmp" "$archive" || { log "packing $name failed"; exit 4; }
  trap - EXIT
  log "packed $ref -> $archive ($(du -h "$archive" | cut -f1))"
done
{ for entry in "${IMAGES[@]}"; do IFS='|' read -r name ref _ <<<"$entry"; echo "${name//-/_}=$ref"; done; } >"$CACHE/images.env"
log "done in $(( $(date +%s) - START ))s"
echo "$OCI"

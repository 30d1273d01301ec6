#!/usr/bin/env bash
# Builds what the real nodes need besides Kubernetes, into a cache (never the repo), from the Go module
# proxy: the image registry (distribution v3) and the pod sandbox's pause binary (scripts/cluster/pause).
# Idempotent (stamps); prints nothing on stdout.
# Usage: bash scripts/cluster/build-node-tools.sh [--budget-seconds N]   (exit 3: the budget ran out; Go's
# cache keeps the progress for the next run)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/lib/budget.sh
source "$HERE/../lib/budget.sh"
case "${1:-}" in --budget-seconds|--budget-seconds=*) budget_flag "$@" ;; "") ;; *) echo "build-node-tools: unknown argument $1" >&2; exit 1 ;; esac
budget_start
# gotimed <go args...>: go, stopped when the budget runs out (exit 3).
gotimed() {
  local rc=0
  budget_run go "$@" || rc=$?
  [ "$rc" -eq 124 ] && { echo "node-tools: budget exhausted during go $1" >&2; exit 3; }
  return "$rc"
}
REGISTRY_VERSION="${CLUSTER_REGISTRY_VERSION:-v3.1.2}"   # github.com/distribution/distribution/v3
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/websvc/node-tools"
mkdir -p "$CACHE/bin" "$CACHE/logs"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
stamp_ok() { [ -x "$CACHE/bin/$1" ] && [ "$(cat "$CACHE/bin/.$1.stamp" 2>/dev/null)" = "$2" ]; }
built() { echo "$2" > "$CACHE/bin/.$1.stamp"; echo "node-tools: built $1 ($2) in $3s" >&2; }
if ! stamp_ok registry "$REGISTRY_VERSION"; then
  t0=$(date +%s)
  echo "node-tools: building registry $REGISTRY_VERSION (log $CACHE/logs/registry.log)" >&2
  GOBIN="$CACHE/bin" gotimed install -trimpath -ldflags "-s -w -X github.com/distribution/distribution/v3/version.version=$REGISTRY_VERSION" \
    "github.com/distribution/distribution/v3/cmd/registry@$REGISTRY_VERSION" > "$CACHE/logs/registry.log" 2>&1 \
    || { tail -15 "$CACHE/logs/registry.log" >&2; exit 4; }
  built registry "$REGISTRY_VERSION" $(( $(date +%s) - t0 ))
fi
PAUSE_HASH="$(cat "$HERE/pause/main.go" "$HERE/pause/go.mod" | sha256sum | cut -c1-16)"
if ! stamp_ok pause "$PAUSE_HASH"; then
  t0=$(date +%s)
  (cd "$HERE/pause" && gotimed build -trimpath -ldflags "-s -w" -o "$CACHE/bin/pause" .) || { rc=$?; [ "$rc" -eq 3 ] && exit 3; exit 4; }
  built pause "$PAUSE_HASH" $(( $(date +%s) - t0 ))
fi

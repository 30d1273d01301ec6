#!/usr/bin/env bash
# Builds promtool (Prometheus' rule checker and rule unit-test runner) from the Go module proxy into a
# cache outside the repository, and prints where it is. Idempotent: a present binary is not rebuilt.
#
# Usage: bash scripts/promtool.sh [--budget-seconds N] [--print-path]   (PROMETHEUS_MODULE_VERSION overrides v0.316.0)
#   --budget-seconds N  give up after N seconds: prints "SKIPPED: <why>" and exits 3 (Go's module and
#                       build caches keep the progress, the next run continues).
#   --print-path        print the binary's path; exit 0 if it exists, 1 if not (never builds).
# Exit codes: 0 built or present (path on stdout); 3 budget exhausted; 4 the build failed; 1 usage.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/budget.sh
source "$ROOT/scripts/lib/budget.sh"
# shellcheck source=scripts/lib/prometheus-version.sh
source "$ROOT/scripts/lib/prometheus-version.sh"
PROMETHEUS_VERSION="$PROMETHEUS_MODULE_VERSION"
MODE=build
while [ $# -gt 0 ]; do
  case "$1" in
    --budget-seconds|--budget-seconds=*) budget_flag "$@"; shift "$BUDGET_SHIFT" ;;
    --print-path) MODE=print; shift ;;
    -h|--help) sed -n 2,9p "$0"; exit 0 ;;
    *) echo "promtool: unknown argument $1" >&2; exit 1 ;;
  esac
done
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/websvc/promtool-$PROMETHEUS_VERSION"
BIN="$CACHE/bin/promtool"
if [ "$MODE" = print ]; then echo "$BIN"; [ -x "$BIN" ]; exit $?; fi
if [ -x "$BIN" ]; then echo "$BIN"; exit 0; fi

command -v go >/dev/null || { echo "SKIPPED: promtool: go is not installed"; exit 4; }
mkdir -p "$CACHE/bin"
budget_start
START=$(date +%s)
LOG="$CACHE/build.log"
echo "promtool: building github.com/prometheus/prometheus/cmd/promtool@$PROMETHEUS_VERSION (log $LOG)" >&2
# Version stamp as Prometheus' own build sets it, so `promtool --version` names the release.
RELEASE="$(prometheus_release "$PROMETHEUS_VERSION")"
LDFLAGS="-s -w -X github.com/prometheus/common/version.Version=${RELEASE#v} -X github.com/prometheus/common/version.Revision=$PROMETHEUS_VERSION"
# remove_all_sd: none of the cloud service-discovery plugins (AWS, Azure, GCE, …: most of a cold
# build's packages); `check rules` and `test rules` need none of them.
GOTOOLCHAIN=local CGO_ENABLED=0 GOBIN="$CACHE/bin.tmp" \
  timeout --kill-after=10 "$(budget_remaining)" \
  go install -trimpath -tags remove_all_sd -ldflags "$LDFLAGS" "github.com/prometheus/prometheus/cmd/promtool@$PROMETHEUS_VERSION" >"$LOG" 2>&1
rc=$?
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
  echo "SKIPPED: promtool: the build exceeded its ${BUDGET}s budget after $(( $(date +%s) - START ))s (a cold build compiles Prometheus' rule engine; rerun to continue from Go's caches)"
  exit 3
fi
if [ "$rc" -ne 0 ]; then tail -20 "$LOG" >&2; echo "promtool: build failed (exit $rc), log $LOG" >&2; exit 4; fi
mv "$CACHE/bin.tmp/promtool" "$BIN" && rmdir "$CACHE/bin.tmp"
echo "promtool: built in $(( $(date +%s) - START ))s" >&2
echo "$BIN"

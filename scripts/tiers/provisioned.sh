#!/usr/bin/env bash
# Provisions what a tier needs, then runs it: glue between the provisioning entry points and the
# tiers, which themselves only take a `pulumi` CLI from PATH and a cluster from KUBECONFIG
# (tests/tiers/, docs/testing.md). Used by .ci/run and by `npm run test:<tier>:provisioned`.
#
# Usage: bash scripts/tiers/provisioned.sh engine|cluster|runtime|nodes|deploy-safety [--toolchain-budget S] [--cluster-budget S] [-- mocha args]
#   1. scripts/pulumi-toolchain.sh (a no-op when built), its bin dir first on PATH; with
#      --toolchain-budget 0 nothing is built: the tier is skipped when the toolchain is not there;
#   2. cluster tier, when KUBECONFIG is unset: scripts/cluster.sh build, then `up` in a private
#      WEBSVC_CLUSTER_DIR, stopped at exit; the tier's last checks may stop it (TIER_CLUSTER_LIFECYCLE=1).
#      A KUBECONFIG that is set is used as it is (kind, k3d, a running local cluster).
#      runtime tier: the same with `up --real-nodes 3`, after the nodes' Debian packages and tools
#      (scripts/cluster/node-packages.sh, build-node-tools.sh), the image tier's build and the helper
#      images (scripts/runtime-images.sh), each within --cluster-budget; nodes: the same cluster, and
#      only the real-node provisioning spec (npm run test:nodes). deploy-safety: the cluster tier's kwok
#      cluster (its API server restart needs that WEBSVC_CLUSTER_DIR).
#   3. npm run test:<tier>, with TIERS_REQUIRE_PREREQUISITES=1: once provisioned, anything missing fails.
# A build budget that runs out (exit 3), or a build that cannot run here (exit 5), prints
# "SKIPPED: <tier> tier: ..." and exits 0, as CI expects.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
tier="${1:-}"; [ $# -gt 0 ] && shift
case "$tier" in engine|cluster|runtime|nodes|deploy-safety) ;; *) echo "usage: $0 engine|cluster|runtime|nodes|deploy-safety [--toolchain-budget S] [--cluster-budget S] [-- mocha args]" >&2; exit 1 ;; esac
toolchain_budget=3000 cluster_budget=1800
while [ $# -gt 0 ]; do
  case "$1" in
    --toolchain-budget) toolchain_budget="$2"; shift 2 ;;
    --cluster-budget) cluster_budget="$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "provisioned: unknown argument $1" >&2; exit 1 ;;
  esac
done

# CI_DEADLINE (epoch seconds, set by .ci/run): the tier must be over by then. Each build's budget is
# capped so that the tier's own run (RESERVE, measured warm here with margin) still fits; when it cannot
# fit, the tier is skipped, saying so.
case "$tier" in engine) reserve=900 ;; cluster) reserve=900 ;; nodes) reserve=400 ;; runtime) reserve=2100 ;; deploy-safety) reserve=1200 ;; *) reserve=1200 ;; esac
capped() { # capped <budget>: the budget, or less when CI_DEADLINE is near
  local b="$1" left
  [ -n "${CI_DEADLINE:-}" ] || { echo "$b"; return; }
  left=$(( CI_DEADLINE - $(date +%s) - reserve ))
  [ "$left" -lt "$b" ] && b="$left"
  if [ "$b" -lt 30 ]; then
    echo "SKIPPED: $tier tier: CI has $(( CI_DEADLINE - $(date +%s) )) s left, and the tier itself needs about $reserve s after its builds" >&2
    return 1
  fi
  echo "$b"
}

# provision <what> <budget> <command...>: runs a build with `--budget-seconds <budget, capped>`
# appended; its budget running out skips the tier.
provision() {
  local what="$1" budget rc=0
  budget="$(capped "$2")" || exit 0
  shift 2
  "$@" --budget-seconds "$budget" || rc=$?
  if [ "$rc" -eq 3 ]; then
    echo "SKIPPED: $tier tier: $what exceeded its ${budget} s budget in this run (Go's caches keep the progress for the next run)"
    exit 0
  fi
  if [ "$rc" -eq 5 ]; then
    echo "SKIPPED: $tier tier: $what cannot run on this machine (a tool could not be installed; its message is above)"
    exit 0
  fi
  [ "$rc" -eq 0 ] || exit "$rc"
}

if [ "$toolchain_budget" -gt 0 ]; then
  provision "the Pulumi toolchain build" "$toolchain_budget" bash scripts/pulumi-toolchain.sh
fi
bin_dir="$(bash scripts/pulumi-toolchain.sh --print-bin-dir)" || {
  echo "SKIPPED: $tier tier: the Pulumi toolchain is not built in $bin_dir (\`npm run toolchain\`; not built here: --toolchain-budget 0)"
  exit 0
}
PATH="$bin_dir:$PATH"
export PATH TIERS_REQUIRE_PREREQUISITES=1

up_args=()
if [ "$tier" = runtime ] || [ "$tier" = nodes ]; then
  up_args=(--real-nodes 3)
  bash scripts/cluster/node-packages.sh
  provision "the real nodes' tools (registry, pause)" "$cluster_budget" bash scripts/cluster/build-node-tools.sh
fi
if [ "$tier" = runtime ]; then
  # The app image (pushed by `cluster up`) and the helper images the checks deploy (kube-router,
  # prometheus-operator, config reloader, Prometheus, metrics-server).
  provision "the app image build" "$cluster_budget" npm run --silent image -- build
  provision "the runtime helper images" "$cluster_budget" bash scripts/runtime-images.sh build
fi
if [ "$tier" != engine ] && [ -z "${KUBECONFIG:-}" ]; then
  provision "the control-plane build" "$cluster_budget" bash scripts/cluster.sh build
  scratch="$(mktemp -d "${TMPDIR:-/tmp}/websvc-cluster-tier.XXXXXX")"
  WEBSVC_CLUSTER_DIR="${WEBSVC_CLUSTER_DIR:-$scratch/cluster}"
  export WEBSVC_CLUSTER_DIR TIER_CLUSTER_LIFECYCLE=1
  trap 'bash scripts/cluster.sh down >/dev/null 2>&1 || true; rm -rf "$scratch"' EXIT
  started=$(date +%s)
  cluster_env="$(bash scripts/cluster.sh up "${up_args[@]}" | grep '^export ')"   # KUBECONFIG and PATH (kubectl)
  eval "$cluster_env"
  echo "cluster: started a local control plane in $(( $(date +%s) - started )) s ($WEBSVC_CLUSTER_DIR)"
fi

npm run --silent "test:$tier" -- "$@"

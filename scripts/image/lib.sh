# shellcheck shell=bash
# Shared by scripts/image.sh and scripts/image/*.sh: paths, logging, the time budget, skip/exit codes.
# Exit codes of the image tier: 0 done; 1 a failure; 3 the budget ran out (caches keep the progress);
# 5 it cannot run on this machine (a tool cannot be installed). 3 and 5 print "SKIPPED: <why>" first.
IMAGE_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/websvc/image"
TOOLS_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/websvc/tools"
# The reference of the last successful build, read by `image test`, `image sbom` and the cluster tier.
# shellcheck disable=SC2034 # read by scripts/image.sh, which sources this file
IMAGE_REF_FILE="$IMAGE_CACHE/IMAGE"
mkdir -p "$IMAGE_CACHE" "$TOOLS_CACHE"

# The tier's own stdout, kept so that a SKIPPED line is seen even from inside a redirected step.
exec {TIER_STDOUT}>&1
log() { echo "image: $*" >&2; }
die() { log "FAILED: $*"; exit 1; }
skip_unavailable() { echo "SKIPPED: image tier: $*" >&"$TIER_STDOUT"; exit 5; }

# Scratch paths and buildah containers to remove however the script ends (a budget or skip exit
# leaves from inside a step).
CLEANUP_PATHS=()
CLEANUP_CONTAINERS=()
TRACKING_CONTAINERS=""   # set by track_new_containers: a step may leave containers behind when killed
track_new_containers() { TRACKING_CONTAINERS=1; CONTAINERS_BEFORE="$(buildah containers --all --quiet | sort)"; }
cleanup() {
  local c
  if [ -n "$TRACKING_CONTAINERS" ]; then
    mapfile -t -O "${#CLEANUP_CONTAINERS[@]}" CLEANUP_CONTAINERS < <(comm -13 <(echo "$CONTAINERS_BEFORE") <(buildah containers --all --quiet | sort))
  fi
  for c in "${CLEANUP_CONTAINERS[@]}"; do buildah rm "$c" >/dev/null 2>&1; done
  [ ${#CLEANUP_PATHS[@]} -eq 0 ] || rm -rf "${CLEANUP_PATHS[@]}"
}
trap cleanup EXIT
# scratch_dir / scratch_file: set SCRATCH to a new temporary path that is removed at exit.
scratch_dir() { SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/websvc-image.XXXXXX")"; CLEANUP_PATHS+=("$SCRATCH"); }
scratch_file() { SCRATCH="$(mktemp "${TMPDIR:-/tmp}/websvc-image.XXXXXX")"; CLEANUP_PATHS+=("$SCRATCH"); }

start_budget() { budget_start; }
remaining() { budget_remaining; }
budget_exhausted() {
  echo "SKIPPED: image tier: the ${BUDGET}s budget ran out during: $1 (a rerun continues: the base image, tools and layer cache are kept)" >&"$TIER_STDOUT"
  exit 3
}
# within_budget <step> <command...>: runs the command with what is left of the budget.
within_budget() {
  local step="$1" left rc; shift
  left=$(remaining)
  [ "$left" -le 0 ] && budget_exhausted "$step"
  timeout --kill-after=20 "$left" "$@"
  rc=$?
  { [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; } && budget_exhausted "$step"
  return "$rc"
}

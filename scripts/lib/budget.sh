# --budget-seconds for the build entry points (pulumi-toolchain.sh, cluster.sh, image.sh): a deadline
# for their work. What running out means is each script's own (they exit 3, and say what was left).
#   case "$1" in --budget-seconds|--budget-seconds=*) budget_flag "$@"; shift "$BUDGET_SHIFT" ;; esac
#   budget_start            the clock starts (DEADLINE stays empty without a budget)
#   budget_remaining        seconds left (86400 without a budget)
# shellcheck shell=bash
BUDGET="${BUDGET:-}"
DEADLINE=""
budget_flag() { # the flag and what follows it, as the script got them
  # shellcheck disable=SC2034 # BUDGET_SHIFT is read by the sourcing script (`shift "$BUDGET_SHIFT"`)
  case "$1" in
    --budget-seconds=*) BUDGET="${1#*=}"; BUDGET_SHIFT=1 ;;
    *) BUDGET="${2:-}"; BUDGET_SHIFT=2 ;;
  esac
  case "$BUDGET" in ''|*[!0-9]*) echo "--budget-seconds needs a whole number of seconds, got \"$BUDGET\"" >&2; exit 1 ;; esac
}
budget_start() { [ -z "$BUDGET" ] || DEADLINE=$(( $(date +%s) + BUDGET )); }
budget_remaining() { [ -z "$DEADLINE" ] && { echo 86400; return; }; echo $(( DEADLINE - $(date +%s) )); }
# budget_run CMD...: CMD under the remaining budget. Returns 124 when the budget ran out, before CMD
# started (`timeout 0` would mean no limit at all) or while it ran; else CMD's own status.
budget_run() {
  local left; left="$(budget_remaining)"
  [ "$left" -gt 0 ] || return 124
  timeout "$left" "$@"
}

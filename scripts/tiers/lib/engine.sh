# Shared by the real-engine tiers (scripts/tiers/test-engine.sh: render mode; scripts/tiers/test-cluster.sh: a
# real API server). Source it from a tier script after `set -uo pipefail`; it expects ROOT.
#   engine_setup <tier> [stack...]   toolchain on PATH, private PULUMI_HOME, file backend, pack copy
#                                ($POLICY), STACKS (default: staging production); prints "SKIPPED: ..."
#                                and exits 0 when the toolchain is missing
#   program_copy <dir>           a copy of the program (the CLI writes stack files; the repo stays clean)
#   stack_config <s> <dir> k=json...   plain config values into the copy's Pulumi.<s>.yaml
#   cli_required_config <s> <dir>      the keys this CLI requires although Pulumi.yaml defaults them
#   pass/fail/skip <text>, run <log> <cmd...>, show <log> [lines]
# shellcheck shell=bash

PASSED=0; FAILED=0; SKIPPED=0
pass() { PASSED=$((PASSED + 1)); echo "  ok   $*"; }
skip() { SKIPPED=$((SKIPPED + 1)); echo "  SKIPPED $*"; }
fail() { FAILED=$((FAILED + 1)); echo "  FAIL $*"; }
# run <log> <cmd...>: runs a command, keeps its output in the log, returns its exit code.
run() { local logf="$1"; shift; "$@" >"$logf" 2>&1; }
show() { sed 's/^/       | /' "$1" | tail -n "${2:-25}"; }
tier_summary() { echo; echo "$1: ${PASSED} passed, ${FAILED} failed, ${SKIPPED} skipped"; [ "$FAILED" -eq 0 ]; }

engine_setup() { # tier-name [stack...]
  local tier="$1"; shift
  STACKS=("$@")
  [ ${#STACKS[@]} -eq 0 ] && STACKS=(staging production)
  # shellcheck source=/dev/null
  source "$ROOT/scripts/node22.sh"
  BIN="$(bash "$ROOT/scripts/pulumi-toolchain.sh" --print-bin-dir)" || {
    echo "SKIPPED: $tier tests: the Pulumi toolchain is not built in $BIN (run \`npm run toolchain\`: a cold build compiles the CLI and the kubernetes provider from Go sources, about 50 min on 2 shared cores; see docs/ENGINE.md)"
    exit 0
  }
  if grep -q '^NODEJS_POLICY=.*unsupported' "$(dirname "$BIN")/status.env" 2>/dev/null; then
    echo "SKIPPED: $tier tests: this toolchain cannot run a Node.js policy pack ($(sed -n 's/^NODEJS_POLICY=//p' "$(dirname "$BIN")/status.env"))"
    exit 0
  fi
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/websvc-$tier.XXXXXX")"
  # Everything the CLI could reach the network for is switched off or made local.
  export PATH="$BIN:$PATH"
  export PULUMI_HOME="$WORK/pulumi-home"
  export PULUMI_SKIP_UPDATE_CHECK=true
  export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
  export PULUMI_CONFIG_PASSPHRASE="$tier-test-only"
  export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=true
  export PULUMI_DIY_BACKEND_NO_LOCK=false
  unset PULUMI_ACCESS_TOKEN PULUMI_BACKEND_URL
  mkdir -p "$PULUMI_HOME" "$WORK/state"
  pulumi login "file://$WORK/state" >/dev/null || { echo "FAIL: pulumi login file://"; exit 1; }
  echo "$tier: $(pulumi version) with $(ls "$BIN" | tr '\n' ' ')"
  echo "$tier: work dir $WORK"
  # The policy pack: a copy whose node_modules is the pack's own installed tree.
  POLICY="$WORK/policy"
  mkdir -p "$POLICY"
  tar -C "$ROOT/policy" --exclude=node_modules -cf - . | tar -C "$POLICY" -xf -
  ln -s "$ROOT/policy/node_modules" "$POLICY/node_modules"
  EDIT=(npx --prefix "$ROOT" ts-node --transpile-only "$ROOT/scripts/tiers/lib/set-config.ts")
  # Flags the Node.js host declares: the runtime options it accepts.
  HOST_FLAGS="$(pulumi-language-nodejs --help 2>&1 | sed -n 's/^ *-\([a-z][a-z-]*\).*/\1/p' | paste -sd, -)"
  HAS_RANDOM_PROVIDER=false
  command -v pulumi-resource-random >/dev/null 2>&1 && HAS_RANDOM_PROVIDER=true
}

# A copy of the program with the repo's node_modules; the Node.js host exits on runtime options it
# does not know (e.g. packagemanager, which only `pulumi install` uses), so those are dropped.
program_copy() { # dir
  local dir="$1" dropped
  mkdir -p "$dir"
  tar -C "$ROOT" --exclude=./node_modules --exclude=./.git --exclude=./policy --exclude=./dist -cf - . | tar -C "$dir" -xf -
  ln -s "$ROOT/node_modules" "$dir/node_modules"
  dropped="$("${EDIT[@]}" runtime-options "$dir/Pulumi.yaml" "$HOST_FLAGS")" || return 1
  [ -z "$dropped" ] || echo "  note: $dropped"
}
stack_config() { # stack dir key=json...
  local s="$1" dir="$2"; shift 2
  "${EDIT[@]}" config "$dir/Pulumi.$s.yaml" websvc "$@"
}
stack_environment() { sed -n 's/^ *websvc:environment: *//p' "$2/Pulumi.$1.yaml"; }

# CLI v3.171.0 treats every Pulumi.yaml config key declared without a default as required (v3.276.0
# does not). Those keys get the values config.ts defaults them to; the engine tier's synth comparison
# runs synth WITHOUT them, so a value here that differed from config.ts's default would fail there.
declare -A CLI_REQUIRED_DEFAULTS=(
  [networkPolicy]='{"ingressControllerNamespace": "ingress-nginx", "extraEgress": []}'
  [platform]='{"installIngressNginx": false, "installCertManager": false, "installKubePrometheusStack": false}'
  [rbacRules]='[]'
  [appSecrets]='[{"name": "session-key", "length": 64, "kind": "password", "special": false}, {"name": "jwt-signing-key", "length": 64, "kind": "bytes", "special": false}]'
  [storage]='{"enabled": false}'
  [kubernetes]='{}'
)
cli_required_config() { # stack dir
  local s="$1" dir="$2" missing key sets=()
  missing="$(pulumi -C "$dir" config 2>&1 | sed -n "s/.*missing configuration values\{0,1\} //p" | grep -o "'[A-Za-z]*'" | tr -d "'")"
  [ -z "$missing" ] && return 0
  echo "  note $s: $(pulumi version) requires Pulumi.yaml keys without defaults: $(echo $missing)"
  for key in $missing; do
    case "$key" in
      namespace) sets+=("namespace=\"websvc-$(stack_environment "$s" "$dir")\"") ;;
      # Secrets: empty, which config.ts treats as unset (a kubeconfig would also clash with render mode).
      registryPassword|alertWebhookUrl|kubeconfig) pulumi -C "$dir" config set --secret "$key" "" >/dev/null ;;
      *) [ -n "${CLI_REQUIRED_DEFAULTS[$key]:-}" ] || { fail "$s: no default known for required key $key"; return 1; }
         sets+=("$key=${CLI_REQUIRED_DEFAULTS[$key]}") ;;
    esac
  done
  [ ${#sets[@]} -eq 0 ] || stack_config "$s" "$dir" "${sets[@]}"
}

#!/usr/bin/env bash
# Engine tier: the real Pulumi CLI, Node.js language host and kubernetes provider (built by
# scripts/pulumi-toolchain.sh) run the real program and the real policy pack, per stack:
#   preview --policy-pack policy      (no mandatory violation)
#   bad variant (scripts/fixtures/bad-stack) preview --policy-pack policy   -> BLOCKED by mandatory policies
#   up --yes, then preview --expect-no-changes, then destroy --yes
# and assert the engine-rendered YAML matches `npm run synth` and that no secret value is in
# plaintext in `pulumi stack export`. No cluster (k8s provider in renderYamlToDirectory mode),
# no Docker (digest-pinned image.ref), no network (local file backend, no plugin downloads).
#
# Usage: bash scripts/tiers/test-engine.sh [stack...]        (default: staging production)
# Prints "SKIPPED: ..." and exits 0 when the toolchain is not built; exits 1 on any failure.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/tiers/lib/engine.sh
source scripts/tiers/lib/engine.sh
STACKS=("$@")
[ ${#STACKS[@]} -eq 0 ] && STACKS=(staging production)
engine_setup engine
[ -n "${KEEP_ENGINE_WORKDIR:-}" ] || trap 'rm -rf "$WORK"' EXIT
IMAGE_REF="registry.example.com/websvc/app@sha256:$(printf 'engine-test' | sha256sum | cut -d' ' -f1)"

# ---------------------------------------------------------------- bad variant: must be blocked
bad_variant() {
  local dir="$WORK/bad" logf="$WORK/bad-preview.log"
  cp -r "$ROOT/scripts/fixtures/bad-stack" "$dir"
  ln -s "$ROOT/node_modules" "$dir/node_modules"
  (cd "$dir" && pulumi stack init bad >/dev/null && pulumi config set renderDir "$WORK/bad-render" >/dev/null) || { fail "bad variant: stack init"; return; }
  if (cd "$dir" && run "$logf" pulumi preview --non-interactive --policy-pack "$POLICY"); then
    fail "bad variant: preview of a privileged root Pod passed the policy pack"; show "$logf"
  elif grep -q 'mandatory' "$logf" && grep -qi 'privileged' "$logf"; then
    pass "bad variant BLOCKED by mandatory policies: $(grep -c 'mandatory' "$logf") mandatory violation line(s), e.g. $(grep -m1 -i 'privileged' "$logf" | sed 's/^ *//' | cut -c1-110)"
  else
    fail "bad variant: preview failed, but not with a mandatory policy violation"; show "$logf"
  fi
  [ ! -e "$WORK/bad-render/1-manifest" ] && pass "bad variant: nothing rendered" || fail "bad variant: objects were rendered despite the violation"
}

# ---------------------------------------------------------------- control: compliant variant, full lifecycle
# The same tiny program with variant=hardened must pass the pack (production config: every policy
# mandatory) and go through up, a no-change preview and destroy. It proves the lifecycle with this
# toolchain independently of the real program's providers.
control_lifecycle() {
  local dir="$WORK/control" render="$WORK/control-render" l="$WORK/control"
  cp -r "$ROOT/scripts/fixtures/bad-stack" "$dir"
  ln -s "$ROOT/node_modules" "$dir/node_modules"
  local P=(pulumi -C "$dir" --non-interactive) POL=(--policy-pack "$POLICY" --policy-pack-config "$POLICY/config/production.json")
  (cd "$dir" && pulumi stack init control >/dev/null && pulumi config set renderDir "$render" >/dev/null && pulumi config set variant hardened >/dev/null) \
    || { fail "control: stack init"; return; }
  if run "$l/preview.log" "${P[@]}" preview "${POL[@]}" && grep -q 'websvc-k8s' "$l/preview.log" && ! grep -q mandatory "$l/preview.log"; then
    pass "control: hardened variant passes the pack (production config) in preview"
  else
    fail "control: hardened variant preview"; show "$l/preview.log"; return
  fi
  if run "$l/up.log" "${P[@]}" up --yes "${POL[@]}" && [ "$(find "$render" -name '*.yaml' | wc -l)" -eq 2 ]; then
    pass "control: up rendered $(find "$render" -name '*.yaml' | wc -l) objects"
  else
    fail "control: up"; show "$l/up.log"; return
  fi
  run "$l/preview2.log" "${P[@]}" preview --expect-no-changes "${POL[@]}" \
    && pass "control: second preview --expect-no-changes: $(grep -Eo '[0-9]+ unchanged' "$l/preview2.log" | head -1)" \
    || { fail "control: second preview shows changes"; show "$l/preview2.log"; }
  run "$l/destroy.log" "${P[@]}" destroy --yes && [ "$(find "$render" -name '*.yaml' | wc -l)" -eq 0 ] \
    && pass "control: destroy removed every rendered object" || { fail "control: destroy"; show "$l/destroy.log"; }
}

# ---------------------------------------------------------------- one stack of the real program
stack_cycle() {
  local s="$1" dir="$WORK/program-$s" render="$WORK/render-$s" synth="$WORK/synth-$s" logs="$WORK/logs-$s"
  mkdir -p "$dir" "$logs"
  echo "stack $s:"
  program_copy "$dir" || { fail "$s: program copy"; return; }
  local policy_cfg=()
  local env_name; env_name="$(stack_environment "$s" "$dir")"
  [ -f "$POLICY/config/${env_name:-$s}.json" ] && policy_cfg=(--policy-pack-config "$POLICY/config/${env_name:-$s}.json")
  local synth_sets=(--set "image.ref=$IMAGE_REF" --set "kubernetes.renderYamlToDirectory=$render")
  local sets=("image={\"ref\": \"$IMAGE_REF\"}" "kubernetes={\"renderYamlToDirectory\": \"$render\"}")
  # The Go module proxy refuses pulumi-random's provider module, so without that plugin the stack
  # runs with appSecrets=[] (no AppSecrets component, no random.* resource); synth gets the same.
  if [ "$HAS_RANDOM_PROVIDER" != true ]; then
    echo "  note $s: pulumi-resource-random is not available (see docs/ENGINE.md): running with websvc:appSecrets=[], so AppSecrets and its Secret are not exercised by the engine"
    synth_sets+=(--set "appSecrets=[]")
    sets+=("appSecrets=[]")
  fi
  stack_config "$s" "$dir" "${sets[@]}" || { fail "$s: could not write the engine stack config"; return; }
  (cd "$dir" && pulumi stack init "$s" >/dev/null) || { fail "$s: stack init"; return; }
  # A real secret through the engine: the alert receiver URL (a Pulumi secret that must reach only a
  # Kubernetes Secret). Synth gets the same key as a secret (its own value: the comparison does not read it).
  pulumi -C "$dir" config set --secret alertWebhookUrl "https://hooks.example.com/services/$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" >/dev/null \
    || { fail "$s: could not set the secret websvc:alertWebhookUrl"; return; }
  synth_sets+=(--secret "alertWebhookUrl=https://hooks.example.com/services/engine-test")
  cli_required_config "$s" "$dir" || return
  pulumi -C "$dir" config get image >"$logs/image.json" 2>&1 && grep -q "$IMAGE_REF" "$logs/image.json" \
    && pass "$s: websvc:image = {ref: $IMAGE_REF}" || { fail "$s: could not set websvc:image"; show "$logs/image.json"; return; }

  local P=(pulumi -C "$dir" --non-interactive)
  if run "$logs/preview.log" "${P[@]}" preview --diff --policy-pack "$POLICY" "${policy_cfg[@]}"; then
    pass "$s: preview with the policy pack: $(grep -E '^ +[0-9]+ to create|[0-9]+ to create' "$logs/preview.log" | head -1 | sed 's/^ *//')"
  elif grep -q "no resource plugin 'pulumi-resource-random' found" "$logs/preview.log"; then
    skip "$s: preview, up, no-change preview, synth comparison, leak check, destroy: the engine loaded the policy pack and ran the program, which stopped at its random.* resources: $(grep -m1 -o "no resource plugin 'pulumi-resource-random'[^\"]*PATH" "$logs/preview.log") (the proxy refuses the random provider's module, see docs/ENGINE.md)"
    return
  else
    fail "$s: preview with the policy pack failed"; show "$logs/preview.log" 40; return
  fi
  if grep -q 'mandatory' "$logs/preview.log"; then fail "$s: preview reports a mandatory violation"; show "$logs/preview.log"; fi

  if run "$logs/up.log" "${P[@]}" up --yes --policy-pack "$POLICY" "${policy_cfg[@]}"; then
    pass "$s: up: $(grep -E '[0-9]+ created' "$logs/up.log" | head -1 | sed 's/^ *//'); $(find "$render" -name '*.yaml' | wc -l) YAML files rendered"
  else
    fail "$s: up failed"; show "$logs/up.log" 40; return
  fi

  if run "$logs/preview2.log" "${P[@]}" preview --expect-no-changes --policy-pack "$POLICY" "${policy_cfg[@]}"; then
    pass "$s: second preview --expect-no-changes: $(grep -E '[0-9]+ unchanged' "$logs/preview2.log" | head -1 | sed 's/^ *//')"
  else
    fail "$s: second preview shows changes (perpetual diff)"; show "$logs/preview2.log" 40
  fi

  if (cd "$ROOT" && run "$logs/synth.log" npm run --silent synth -- --stack "$s" --out "$synth" --no-policy "${synth_sets[@]}"); then
    if run "$logs/compare.log" npx --prefix "$ROOT" ts-node --transpile-only "$ROOT/scripts/tiers/lib/engine-checks.ts" compare "$render" "$synth"; then
      pass "$s: engine render matches synth ($(head -1 "$logs/compare.log"))"
    else
      fail "$s: engine render differs from synth"; show "$logs/compare.log" 40
    fi
  else
    fail "$s: npm run synth failed"; show "$logs/synth.log"
  fi

  "${P[@]}" stack export --file "$logs/export.json" >/dev/null 2>&1
  # Secret stack outputs only: the plain ones are meant to be in the state.
  "${P[@]}" stack output --show-secrets --json >"$logs/outputs-shown.json" 2>/dev/null || echo '{}' >"$logs/outputs-shown.json"
  "${P[@]}" stack output --json >"$logs/outputs-masked.json" 2>/dev/null || echo '{}' >"$logs/outputs-masked.json"
  node -e 'const [shown, masked] = process.argv.slice(1).map((f) => require(f));
    console.log(JSON.stringify(Object.keys(shown).filter((k) => JSON.stringify(masked[k]).includes("[secret]")).map((k) => shown[k])))' \
    "$logs/outputs-shown.json" "$logs/outputs-masked.json" >"$logs/outputs.json"
  local CHECKS=(npx --prefix "$ROOT" ts-node --transpile-only "$ROOT/scripts/tiers/lib/engine-checks.ts")
  if run "$logs/leaks.log" "${CHECKS[@]}" leaks "$logs/export.json" "$render" "$logs/outputs.json"; then
    pass "$s: no secret value in plaintext in the stack export ($(head -1 "$logs/leaks.log" | sed 's/^leaks: //'))"
  else
    fail "$s: secret leak check"; show "$logs/leaks.log"
  fi
  # Positive control: the same values are visible once decrypted, so the check above can fail.
  "${P[@]}" stack export --show-secrets --file "$logs/export-decrypted.json" >/dev/null 2>&1
  if run "$logs/leaks-control.log" "${CHECKS[@]}" leaks --expect-found "$logs/export-decrypted.json" "$render" "$logs/outputs.json"; then
    pass "$s: leak check positive control: every value is found in \`stack export --show-secrets\`"
  else
    fail "$s: leak check positive control"; show "$logs/leaks-control.log"
  fi

  if run "$logs/destroy.log" "${P[@]}" destroy --yes; then
    local left; left=$(find "$render" -name '*.yaml' 2>/dev/null | wc -l)
    [ "$left" -eq 0 ] && pass "$s: destroy removed every rendered object" || fail "$s: destroy left $left rendered file(s)"
  else
    fail "$s: destroy failed"; show "$logs/destroy.log" 40
  fi
}

echo "bad variant:"
bad_variant
echo "control (compliant variant of the same program):"
control_lifecycle
for s in "${STACKS[@]}"; do stack_cycle "$s"; done

tier_summary engine

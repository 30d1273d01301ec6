#!/usr/bin/env bash
# Compatibility of the policy pack with @pulumi/policy: for each version, a scratch copy of policy/
# (without node_modules or dist) with that version installed runs the pack's own tests
# (`npm test` in it, policy/test), so the working tree's node_modules is never touched. The
# peer range is one tested minor because lib/args.ts loads private modules of @pulumi/policy
# (policy/test/runtime-internals.test.ts names them).
#
#   bash scripts/tiers/policy-compat.sh              # oldest and newest of the declared range
#   bash scripts/tiers/policy-compat.sh 1.20.0       # any versions, e.g. one below the range
#
# Needs the npm registry. Prints one line per version and a summary; exits 1 if any failed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/node22.sh
source scripts/node22.sh

# Oldest = the range's lower bound; newest = the newest published version inside the range.
declared_versions() {
  local published
  published="$(npm view @pulumi/policy versions --json)"
  npx ts-node --transpile-only scripts/tiers/policy-compat-versions.ts "$published"
}

if [ "$#" -gt 0 ]; then VERSIONS="$*"; else VERSIONS="$(declared_versions)"; fi
echo "policy-compat: @pulumi/policy versions: $VERSIONS"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/policy-compat.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
declare -a SUMMARY=()
STATUS=0

for version in $VERSIONS; do
  started=$SECONDS
  dir="$WORK/$version"
  mkdir -p "$dir"
  tar -C "$ROOT/policy" --exclude=node_modules --exclude=dist -cf - . | tar -C "$dir" -xf -
  log="$WORK/$version.log"
  if ! (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error && npm install --no-save --no-audit --no-fund --loglevel=error "@pulumi/policy@$version") >"$log" 2>&1; then
    SUMMARY+=("$version: install FAILED after $((SECONDS - started))s (see output above)")
    cat "$log"; STATUS=1; continue
  fi
  # @pulumi/policy's package.json carries its version with a "v" prefix.
  installed="$(cd "$dir" && node -p 'require("@pulumi/policy/package.json").version.replace(/^v/, "")')"
  if [ "$installed" != "$version" ]; then
    SUMMARY+=("$version: installed $installed instead"); STATUS=1; continue
  fi
  installed_after=$SECONDS
  if (cd "$dir" && npm test --silent -- --reporter dot) >"$log" 2>&1; then result="passed"; else result="FAILED"; STATUS=1; fi
  counts="$(grep -E '^ +[0-9]+ (passing|failing|pending)' "$log" | tr -s ' ' | tr '\n' ',' | sed 's/,$//')"
  # The first failures say why; the rest of a failing run usually repeats them.
  if [ "$result" = "FAILED" ]; then grep -m 3 -A 12 -E '^  [0-9]+\) ' "$log" || tail -40 "$log"; fi
  SUMMARY+=("$version: $result ($counts) install $((installed_after - started))s, tests $((SECONDS - installed_after))s")
done

echo "policy-compat summary:"
printf '  @pulumi/policy %s\n' "${SUMMARY[@]}"
exit "$STATUS"

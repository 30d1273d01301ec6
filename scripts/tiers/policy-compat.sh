#!/usr/bin/env bash
# Compatibility matrix of the policy pack: runs the pack's tests (tests/policy/** and
# tests/policy-tooling/**, tests/policy-cli/**) against the oldest and the newest @pulumi/policy that
# policy/package.json's peerDependencies range admits, each in a scratch copy of policy/ with
# that version installed, so the working tree's node_modules is never touched.
#
#   bash scripts/tiers/policy-compat.sh              # oldest and newest of the declared range
#   bash scripts/tiers/policy-compat.sh 1.15.0       # any versions, e.g. one below the range
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
  # shellcheck disable=SC2016 # a JavaScript program: its $ and backquotes are JavaScript's, not the shell's
  PUBLISHED="$published" node -e '
    const semver = require("semver");
    const range = require("./policy/package.json").peerDependencies["@pulumi/policy"];
    const published = JSON.parse(process.env.PUBLISHED);
    const oldest = semver.minVersion(range).version;
    const newest = semver.maxSatisfying(published, range);
    if (!published.includes(oldest)) throw new Error(`range ${range}: its lower bound ${oldest} is not published`);
    console.log([...new Set([oldest, newest])].join(" "));
  '
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
  mkdir -p "$dir/tests"
  # The pack without its installed modules or benchmark output; the tests keep their relative
  # imports (../../policy/...) because the layout is the same as in the repository.
  tar -C "$ROOT" --exclude=node_modules -cf - policy | tar -C "$dir" -xf -
  cp -r tests/policy tests/policy-tooling tests/policy-cli "$dir/tests/"
  # Test-only tools (mocha, ts-node, ajv, the SARIF schema) come from the root install, read-only.
  ln -s "$ROOT/node_modules" "$dir/node_modules"
  cp tsconfig.json "$dir/"
  cat > "$dir/.mocharc.json" <<'JSON'
{ "require": ["ts-node/register/transpile-only"], "extension": ["ts"], "spec": ["tests/policy/**/*.test.ts", "tests/policy-tooling/**/*.test.ts", "tests/policy-cli/**/*.test.ts"], "timeout": 120000, "reporter": "dot" }
JSON
  log="$WORK/$version.log"
  if ! (cd "$dir/policy" && npm ci --no-audit --no-fund --loglevel=error && npm install --no-save --no-audit --no-fund --loglevel=error "@pulumi/policy@$version") >"$log" 2>&1; then
    SUMMARY+=("$version: install FAILED after $((SECONDS - started))s (see output above)")
    cat "$log"; STATUS=1; continue
  fi
  # @pulumi/policy's package.json carries its version with a "v" prefix.
  installed="$(cd "$dir/policy" && node -p 'require("@pulumi/policy/package.json").version.replace(/^v/, "")')"
  if [ "$installed" != "$version" ]; then
    SUMMARY+=("$version: installed $installed instead"); STATUS=1; continue
  fi
  installed_after=$SECONDS
  if (cd "$dir" && node node_modules/mocha/bin/mocha.js) >"$log" 2>&1; then result="passed"; else result="FAILED"; STATUS=1; fi
  counts="$(grep -E '^ +[0-9]+ (passing|failing|pending)' "$log" | tr -s ' ' | tr '\n' ',' | sed 's/,$//')"
  # The first failures say why; the rest of a failing run usually repeats them.
  if [ "$result" = "FAILED" ]; then grep -m 3 -A 12 -E '^  [0-9]+\) ' "$log" || tail -40 "$log"; fi
  SUMMARY+=("$version: $result ($counts) install $((installed_after - started))s, tests $((SECONDS - installed_after))s")
done

echo "policy-compat summary:"
printf '  @pulumi/policy %s\n' "${SUMMARY[@]}"
exit "$STATUS"

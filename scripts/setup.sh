#!/usr/bin/env bash
# The first command of the README's Quick start (`npm run setup`): installs everything from the
# lockfiles (the program, the policy pack, the app and the example that installs the pack as a
# package) and runs the main job, the offline render of the production stack. Needs nothing
# installed: `npm run` checks no engines, and scripts/node22.sh brings Node 22 where the
# machine's Node is older, so `npm ci` (which does check engines.node >= 22) passes honestly.
# The packages stay separate (no npm workspaces): policy/ is published on its own, with its own
# lockfile, and `pulumi preview --policy-pack policy` loads it from its own node_modules.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node22.sh

for dir in . policy app examples/worker-stack; do
  echo "== npm ci ($dir)"
  npm ci --prefix "$dir" --no-audit --no-fund
done

echo "== main job: offline render of the production stack (npm run synth -- --stack production)"
npm run --silent synth -- --stack production

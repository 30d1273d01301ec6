#!/usr/bin/env bash
# Runs shellcheck on every shell file of the repository: the tracked *.sh files plus tracked files whose
# first line is a sh/bash shebang (.ci/run). Installs Debian's shellcheck (pinned) when it is missing.
# Sourced files are followed (-x) from the repository root, where the `# shellcheck source=` paths
# are written. Every suppression carries its reason on the same or the previous line.
# Usage: bash scripts/lint-shell.sh        (npm run lint:shell)   Exit: shellcheck's (0 when clean).
set -euo pipefail
cd "$(dirname "$0")/.."
SHELLCHECK_DEB_VERSION="${SHELLCHECK_DEB_VERSION:-0.9.0-1}"   # Debian bookworm's

installed="$(dpkg-query -W -f '${Version}' shellcheck 2>/dev/null || true)"
if [ "$installed" != "$SHELLCHECK_DEB_VERSION" ]; then
  [ "$(id -u)" -eq 0 ] || { echo "lint-shell: shellcheck $SHELLCHECK_DEB_VERSION is not installed (apt-get install shellcheck=$SHELLCHECK_DEB_VERSION, as root)" >&2; exit 1; }
  echo "lint-shell: installing shellcheck=$SHELLCHECK_DEB_VERSION from Debian's packages (installed: ${installed:-none})"
  apt-get install -y -q --no-install-recommends "shellcheck=$SHELLCHECK_DEB_VERSION" >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "shellcheck=$SHELLCHECK_DEB_VERSION" >/dev/null; }
fi

files=()
while IFS= read -r -d '' f; do
  case "$f" in
    *.sh) files+=("$f") ;;
    *) head -n1 "$f" 2>/dev/null | grep -Eq '^#!.*\b(ba)?sh\b' && files+=("$f") ;;
  esac
done < <(git ls-files -z)
echo "lint-shell: $(shellcheck --version | sed -n 's/^version: //p') on ${#files[@]} files"
shellcheck -x "${files[@]}"
echo "lint-shell: clean"

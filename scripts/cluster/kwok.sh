# shellcheck shell=bash
# Sourced by scripts/cluster.sh: kwok playing one kubelet per zone (ZONES): the Node objects, kwok's
# process with its stages, and the readiness check. Uses its paths (BIN, RUN) and processes.sh.

node_manifest() { # zone index
  cat <<NODE
apiVersion: v1
kind: Node
metadata:
  name: kwok-$1
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/arch: amd64
    kubernetes.io/os: linux
    kubernetes.io/hostname: kwok-$1
    kubernetes.io/role: agent
    node.kubernetes.io/instance-type: kwok-4x16
    topology.kubernetes.io/region: local
    topology.kubernetes.io/zone: $1
    type: kwok
status:
  allocatable: {cpu: "4", memory: 16Gi, ephemeral-storage: 100Gi, pods: "110"}
  capacity: {cpu: "4", memory: 16Gi, ephemeral-storage: 100Gi, pods: "110"}
NODE
}
# Ready and without the not-ready/unreachable taints that the node lifecycle controller lifts.
nodes_ready() {
  local out
  out="$(kubectl_admin get nodes -l type=kwok -o jsonpath='{range .items[*]}{.metadata.name}{" "}{.status.conditions[?(@.type=="Ready")].status}{" "}{.spec.taints[*].key}{"\n"}{end}')" || return 1
  [ "$(echo "$out" | grep -c ' True *$')" -eq ${#ZONES[@]} ]
}

start_kwok() {
  local kwok_stages; kwok_stages="$(module_dirs "sigs.k8s.io/kwok@$KWOK_VERSION")/kustomize/stage"
  local stage_args=() f
  for f in node/fast/node-initialize node/heartbeat-with-lease/node-heartbeat-with-lease pod/fast/pod-ready pod/fast/pod-complete pod/fast/pod-delete; do
    stage_args+=(--config "$kwok_stages/$f.yaml")
  done
  # Only the annotated kwok nodes are kwok's; pod IPs come from a bookkeeping range. Node leases are
  # renewed like a kubelet's: without them the heartbeat stage posts status too rarely, the node
  # lifecycle controller marks the nodes NotReady and every pod loses its Ready condition.
  start_bg kwok "$BIN/kwok" --kubeconfig "$RUN/kwok.kubeconfig" "${stage_args[@]}" \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
    --node-lease-duration-seconds 40 \
    --cidr 10.244.0.0/16 --node-ip 127.0.0.1 --server-address "127.0.0.1:$(state_get KWOK_PORT)"
}

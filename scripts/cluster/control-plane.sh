# shellcheck shell=bash
# Sourced by scripts/cluster.sh: the control plane's processes and their flags (etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler). Uses its paths (BIN, RUN, PKI) and processes.sh.

svc_cidr() { local c; c="$(state_get SERVICE_CIDR)"; echo "${c:-10.96.0.0/16}"; }   # per cluster with real nodes

start_etcd() {
  local ep epp; ep="$(state_get ETCD_PORT)"; epp="$(state_get ETCD_PEER_PORT)"
  start_bg etcd "$BIN/etcd" --name websvc-local --data-dir "$RUN/etcd" \
    --listen-client-urls "https://127.0.0.1:$ep" --advertise-client-urls "https://127.0.0.1:$ep" \
    --listen-peer-urls "https://127.0.0.1:$epp" --initial-advertise-peer-urls "https://127.0.0.1:$epp" \
    --initial-cluster "websvc-local=https://127.0.0.1:$epp" --initial-cluster-state new \
    --cert-file "$PKI/etcd.crt" --key-file "$PKI/etcd.key" --client-cert-auth --trusted-ca-file "$PKI/ca.crt" \
    --peer-cert-file "$PKI/etcd.crt" --peer-key-file "$PKI/etcd.key" --peer-client-cert-auth --peer-trusted-ca-file "$PKI/ca.crt" \
    --listen-metrics-urls "" --log-level warn
}

start_kube_apiserver() {
  # Node,RBAC authorization, client certificates only (no anonymous requests), the default admission
  # chain (PodSecurity included) plus NodeRestriction. A loopback advertise address needs
  # --endpoint-reconciler-type=none. Without real nodes the service range is bookkeeping only.
  # The aggregation layer (--requestheader-*, --proxy-client-*): APIServices such as metrics-server's.
  # --enable-aggregator-routing: the apiserver dials an APIService's endpoint (pod IP) rather than its
  # ClusterIP. No kube-proxy runs on this host; with real nodes the host routes the pod ranges to the
  # nodes' namespaces, while a ClusterIP from here would depend on the first node's kube-proxy.
  start_bg kube-apiserver "$BIN/kube-apiserver" \
    --etcd-servers "https://127.0.0.1:$(state_get ETCD_PORT)" --etcd-cafile "$PKI/ca.crt" \
    --etcd-certfile "$PKI/apiserver-etcd-client.crt" --etcd-keyfile "$PKI/apiserver-etcd-client.key" \
    --bind-address 127.0.0.1 --secure-port "$(state_get APISERVER_PORT)" --advertise-address 127.0.0.1 \
    --endpoint-reconciler-type none \
    --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
    --client-ca-file "$PKI/ca.crt" --anonymous-auth=false \
    --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
    --allow-privileged=true \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$PKI/service-account.pub" --service-account-signing-key-file "$PKI/service-account.key" \
    --kubelet-preferred-address-types InternalIP \
    --kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" --kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
    --requestheader-client-ca-file "$PKI/front-proxy-ca.crt" --requestheader-allowed-names front-proxy-client \
    --requestheader-username-headers X-Remote-User --requestheader-group-headers X-Remote-Group \
    --requestheader-extra-headers-prefix X-Remote-Extra- \
    --proxy-client-cert-file "$PKI/front-proxy-client.crt" --proxy-client-key-file "$PKI/front-proxy-client.key" \
    --enable-aggregator-routing=true \
    --service-cluster-ip-range "$(svc_cidr)" --profiling=false
}

start_controllers() {
  # The controllers read the apiserver's extension-apiserver-authentication ConfigMap at start:
  # they start once it is ready.
  # The node lifecycle controller runs (default): it lifts node.kubernetes.io/not-ready once kwok
  # reports the nodes Ready. Node CIDR allocation is off: pod addresses are bookkeeping (kwok).
  start_bg kube-controller-manager "$BIN/kube-controller-manager" \
    --kubeconfig "$RUN/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$RUN/controller-manager.kubeconfig" --authorization-kubeconfig "$RUN/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$(state_get CONTROLLER_MANAGER_PORT)" \
    --tls-cert-file "$PKI/controller-manager-serving.crt" --tls-private-key-file "$PKI/controller-manager-serving.key" \
    --client-ca-file "$PKI/ca.crt" \
    --service-account-private-key-file "$PKI/service-account.key" --root-ca-file "$PKI/ca.crt" \
    --use-service-account-credentials=true \
    --cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" \
    --service-cluster-ip-range "$(svc_cidr)" --leader-elect=false --profiling=false

  start_bg kube-scheduler "$BIN/kube-scheduler" \
    --kubeconfig "$RUN/scheduler.kubeconfig" \
    --authentication-kubeconfig "$RUN/scheduler.kubeconfig" --authorization-kubeconfig "$RUN/scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$(state_get SCHEDULER_PORT)" \
    --tls-cert-file "$PKI/scheduler-serving.crt" --tls-private-key-file "$PKI/scheduler-serving.key" \
    --client-ca-file "$PKI/ca.crt" --leader-elect=false --profiling=false
}

# shellcheck shell=bash
# Sourced by scripts/cluster.sh: the cluster's PKI with openssl (a cluster CA, a front-proxy CA, one
# certificate per component and identity, the service-account key pair) and the kubeconfigs that
# carry them. Uses PKI, state_get (processes.sh) and log.

# ECDSA P-256 keys: fast to generate; every component of the chain accepts them.
pki_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/$1.key" 2>/dev/null; }
pki_cert() { # name subject [extensions]: a new key and its certificate signed by $PKI_CA (default: ca), in one openssl run
  local name="$1" subj="$2" ext="${3:-}" extargs=() line ca="${PKI_CA:-ca}"
  while IFS= read -r line; do [ -n "$line" ] && extargs+=(-addext "$line"); done <<< "$ext"
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$PKI/$name.key" \
    -CA "$PKI/$ca.crt" -CAkey "$PKI/$ca.key" -subj "$subj" -days 2 -sha256 \
    -addext "basicConstraints=critical,CA:FALSE" -addext "keyUsage=critical,digitalSignature,keyEncipherment" \
    "${extargs[@]}" -out "$PKI/$name.crt" 2>/dev/null
}
pki_ca() { # name CN: a self-signed CA
  pki_key "$1"
  openssl req -x509 -new -key "$PKI/$1.key" -subj "/CN=$2" -days 2 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$PKI/$1.crt" 2>/dev/null
}
make_pki() {
  mkdir -p "$PKI"; chmod 700 "$PKI"
  pki_ca ca websvc-local-ca
  # The aggregation layer (metrics.k8s.io for the HPA): the apiserver proxies to an extension
  # apiserver with this client certificate, which asserts the user in X-Remote-* headers. Its own CA,
  # not the cluster's: with one CA, any client certificate of the cluster could assert any user.
  pki_ca front-proxy-ca websvc-local-front-proxy-ca
  PKI_CA=front-proxy-ca pki_cert front-proxy-client "/CN=front-proxy-client" "extendedKeyUsage=clientAuth"
  local serving="extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost"
  pki_cert etcd "/CN=etcd" "extendedKeyUsage=serverAuth,clientAuth
subjectAltName=IP:127.0.0.1,DNS:localhost"
  pki_cert apiserver-etcd-client "/CN=kube-apiserver-etcd-client" "extendedKeyUsage=clientAuth"
  # 10.96.0.1: the first address of the service range, the in-cluster `kubernetes` Service.
  pki_cert apiserver "/CN=kube-apiserver" "extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:$(state_get KUBERNETES_SERVICE_IP | grep . || echo 10.96.0.1),DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  pki_cert admin "/O=system:masters/CN=websvc-cluster-admin" "extendedKeyUsage=clientAuth"
  pki_cert controller-manager "/CN=system:kube-controller-manager" "extendedKeyUsage=clientAuth"
  pki_cert scheduler "/CN=system:kube-scheduler" "extendedKeyUsage=clientAuth"
  # kwok plays every node's kubelet; it gets its own identity and a ClusterRole (cluster/controllers.yaml).
  pki_cert kwok "/CN=websvc:kwok-controller" "extendedKeyUsage=clientAuth"
  pki_cert ingress-status "/CN=websvc:ingress-status" "extendedKeyUsage=clientAuth"
  pki_cert apiserver-kubelet-client "/CN=websvc:apiserver-kubelet-client" "extendedKeyUsage=clientAuth"   # exec, logs
  pki_cert controller-manager-serving "/CN=kube-controller-manager" "$serving"
  pki_cert scheduler-serving "/CN=kube-scheduler" "$serving"
  pki_key service-account
  openssl pkey -in "$PKI/service-account.key" -pubout -out "$PKI/service-account.pub" 2>/dev/null
  local f; for f in ca front-proxy-ca front-proxy-client etcd apiserver-etcd-client apiserver admin controller-manager scheduler kwok ingress-status apiserver-kubelet-client controller-manager-serving scheduler-serving; do
    if ! { [ -s "$PKI/$f.crt" ] && [ -s "$PKI/$f.key" ]; }; then log "could not make the certificate $f"; exit 1; fi
  done
  chmod 600 "$PKI"/*.key
}
write_kubeconfig() { # file user-cert-name
  local f="$1" user="$2"
  cat > "$f" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: websvc-local
  cluster:
    server: https://127.0.0.1:$(state_get APISERVER_PORT)
    certificate-authority-data: $(base64 -w0 < "$PKI/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 < "$PKI/$user.crt")
    client-key-data: $(base64 -w0 < "$PKI/$user.key")
contexts:
- name: websvc-local
  context: {cluster: websvc-local, user: $user}
current-context: websvc-local
KUBECONFIG
  chmod 600 "$f"
}

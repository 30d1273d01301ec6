# shellcheck shell=bash
# Sourced by scripts/cluster.sh (uses its log function).
# ---------------------------------------------------------------- CRDs the stack uses
# From their upstream releases, which the Go module proxy serves as plain YAML inside the module zips,
# at versions that match what the components target: prometheus-operator v0.85.0 (monitoring.coreos.com
# v1 and v1alpha1; the only version the proxy serves), cert-manager v1.19.1 (the Platform's default
# chart version), Gateway API v1.4.1, standard channel (HTTPRoute gateway.networking.k8s.io/v1).
# Only the kinds the stack creates or references: every CRD costs the apiserver seconds of OpenAPI
# work at start, and prometheus-operator's Prometheus, Alertmanager, ThanosRuler, PrometheusAgent and
# ScrapeConfig CRDs alone are 3 MB the stack never uses.
CRD_SOURCES=(
  "github.com/prometheus-operator/prometheus-operator@v0.85.0:example/prometheus-operator-crd-full:monitoring.coreos.com_servicemonitors.yaml,monitoring.coreos.com_prometheusrules.yaml,monitoring.coreos.com_alertmanagerconfigs.yaml"
  "github.com/cert-manager/cert-manager@v1.19.1:deploy/crds:cert-manager.io_clusterissuers.yaml,cert-manager.io_certificates.yaml,cert-manager.io_certificaterequests.yaml"
  "sigs.k8s.io/gateway-api@v1.4.1:config/crd/standard:gateway.networking.k8s.io_gatewayclasses.yaml,gateway.networking.k8s.io_gateways.yaml,gateway.networking.k8s.io_httproutes.yaml,gateway.networking.k8s.io_referencegrants.yaml"
)
module_dirs() { # module@version...: their directories in the module cache, in order (downloads when missing)
  GOFLAGS=-mod=mod go mod download -json "$@" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p'
}
crd_files() { # the CRD files of every source, one path per line
  local mods=() rest=() src i=0 dir f
  for src in "${CRD_SOURCES[@]}"; do mods+=("${src%%:*}"); rest+=("${src#*:}"); done
  while read -r dir; do
    for f in $(echo "${rest[$i]#*:}" | tr ',' ' '); do
      [ -f "$dir/${rest[$i]%%:*}/$f" ] || { log "CRD source ${mods[$i]} has no ${rest[$i]%%:*}/$f"; return 1; }
      echo "$dir/${rest[$i]%%:*}/$f"
    done
    i=$((i + 1))
  done < <(module_dirs "${mods[@]}")
  [ "$i" -eq ${#mods[@]} ] || { log "the Go module proxy did not serve every CRD source: ${mods[*]}"; return 1; }
}

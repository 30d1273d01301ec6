# Prometheus' Go module versions: v0.3NN.P is the release v3.NN.P (promtool.sh, prometheus-images.sh).
# shellcheck shell=bash
PROMETHEUS_MODULE_VERSION="${PROMETHEUS_MODULE_VERSION:-v0.316.0}"
prometheus_release() { # module version -> v3.NN.P
  local minor_patch="${1#v0.3}"
  echo "v3.$((10#${minor_patch%%.*})).${minor_patch#*.}"
}

// Pulumi type tokens of the Kubernetes objects the component tests look up in the recorder.
export const CONFIGMAP = "kubernetes:core/v1:ConfigMap";
export const SECRET = "kubernetes:core/v1:Secret";
export const SERVICE = "kubernetes:core/v1:Service";
export const NAMESPACE = "kubernetes:core/v1:Namespace";
export const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
export const SERVICE_MONITOR = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor";
export const PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
export const ALERTMANAGER_CONFIG = "kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig";
export const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";
export const CLUSTER_ISSUER = "kubernetes:cert-manager.io/v1:ClusterIssuer";

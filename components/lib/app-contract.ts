// What the app image promises (app/src/config.ts defaults and its Dockerfile): the ports it listens
// on and their names, the probe and metrics paths, the container's name, the one writable path and
// its own drain deadline. The Workload renders this contract; Ingress and MonitoringStack address
// the app through it, so nobody repeats a port number or a path.

/** Container ports the app listens on (PORT, METRICS_PORT). */
export const APP_PORT = 8080;
export const METRICS_PORT = 9090;
/** Port names: the Service, probes, NetworkPolicies, Ingress and ServiceMonitor all refer to ports by these names. */
export const HTTP_PORT_NAME = "http";
export const METRICS_PORT_NAME = "metrics";
/** Service ports (what clients inside the cluster dial). */
export const SERVICE_HTTP_PORT = 80;
export const SERVICE_METRICS_PORT = METRICS_PORT;
export const HEALTH_PATH = "/healthz";
export const READINESS_PATH = "/readyz";
export const METRICS_PATH = "/metrics";
export const CONTAINER_NAME = "app";
/** The only writable path of the read-only root filesystem (an emptyDir). */
export const TMP_MOUNT_PATH = "/tmp";
export const DEFAULT_TMP_SIZE_LIMIT = "64Mi";
/** The app's own default drain deadline (SHUTDOWN_TIMEOUT_SECONDS), kept here as the component default. */
export const DEFAULT_SHUTDOWN_TIMEOUT_SECONDS = 25;

/** What ingress and monitoring need to address the Service. */
export interface ServicePortInfo {
    name: string;
    port: number;
    targetPort: string;
}

export const SERVICE_PORTS: { readonly http: ServicePortInfo; readonly metrics: ServicePortInfo } = {
    http: { name: HTTP_PORT_NAME, port: SERVICE_HTTP_PORT, targetPort: HTTP_PORT_NAME },
    metrics: { name: METRICS_PORT_NAME, port: SERVICE_METRICS_PORT, targetPort: METRICS_PORT_NAME },
};

export const CONTAINER_PORTS = [
    { name: HTTP_PORT_NAME, containerPort: APP_PORT, protocol: "TCP" },
    { name: METRICS_PORT_NAME, containerPort: METRICS_PORT, protocol: "TCP" },
] as const;

function httpProbe(path: string, timing: { periodSeconds: number; failureThreshold: number }) {
    return { httpGet: { path, port: HTTP_PORT_NAME, scheme: "HTTP" }, timeoutSeconds: 2, successThreshold: 1, ...timing };
}

/**
 * Startup gets up to 60s; after that liveness restarts a hung process and readiness (failing fast,
 * and 503 while draining) takes the pod out of the Service.
 */
export function appProbes() {
    return {
        startupProbe: httpProbe(HEALTH_PATH, { periodSeconds: 2, failureThreshold: 30 }),
        livenessProbe: httpProbe(HEALTH_PATH, { periodSeconds: 10, failureThreshold: 3 }),
        readinessProbe: httpProbe(READINESS_PATH, { periodSeconds: 5, failureThreshold: 2 }),
    };
}

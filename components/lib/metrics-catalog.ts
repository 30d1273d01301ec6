// The metric names the monitoring code may reference, in one place. Tests parse every generated
// PromQL expression and fail on any metric not listed here (or not recorded by our own rules),
// so a typo or a renamed exporter metric breaks the build instead of silently never firing.

/** The app's request histogram (app/src/metrics.ts): labels method, route, status_code. */
export const APP_REQUEST_HISTOGRAM = "http_request_duration_seconds";

/**
 * Bucket upper bounds of APP_REQUEST_HISTOGRAM in seconds. Mirrors app/src/metrics.ts; a test
 * reads the app's real registry and fails if the two drift apart.
 */
export const APP_LATENCY_BUCKETS_SECONDS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Probe endpoints: excluded from SLIs (kubelet traffic is not user traffic; /readyz is 503 while draining). */
export const PROBE_ROUTES: readonly string[] = ["/healthz", "/readyz"];

/** Series the app exposes that the rules and dashboard use (prom-client default metrics included). */
export const APP_METRICS = {
    requestBucket: `${APP_REQUEST_HISTOGRAM}_bucket`,
    requestCount: `${APP_REQUEST_HISTOGRAM}_count`,
    requestSum: `${APP_REQUEST_HISTOGRAM}_sum`,
    processCpuSeconds: "process_cpu_seconds_total",
    processResidentMemory: "process_resident_memory_bytes",
} as const;

/** kube-state-metrics series (labels namespace, pod, container, horizontalpodautoscaler, condition). */
export const KUBE_STATE_METRICS = {
    containerRestarts: "kube_pod_container_status_restarts_total",
    podReady: "kube_pod_status_ready",
    hpaCurrentReplicas: "kube_horizontalpodautoscaler_status_current_replicas",
    hpaMaxReplicas: "kube_horizontalpodautoscaler_spec_max_replicas",
    hpaMinReplicas: "kube_horizontalpodautoscaler_spec_min_replicas",
} as const;

/**
 * cAdvisor series scraped from the kubelet. kube-prometheus-stack drops
 * container_cpu_cfs_throttled_seconds_total by default, but keeps the *_periods_total pair.
 */
export const CADVISOR_METRICS = {
    cpuUsageSeconds: "container_cpu_usage_seconds_total",
    cpuCfsPeriods: "container_cpu_cfs_periods_total",
    cpuCfsThrottledPeriods: "container_cpu_cfs_throttled_periods_total",
    memoryWorkingSetBytes: "container_memory_working_set_bytes",
} as const;

/** Every raw (scraped) metric name the generated PromQL may use. */
export const KNOWN_SCRAPED_METRICS: ReadonlySet<string> = new Set<string>([
    ...Object.values(APP_METRICS),
    ...Object.values(KUBE_STATE_METRICS),
    ...Object.values(CADVISOR_METRICS),
]);

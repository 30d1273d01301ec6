// Kubernetes recommended labels (app.kubernetes.io/*), shared by every component so selectors,
// NetworkPolicies, ServiceMonitors and dashboards all agree on how the app's pods are found.

export interface AppIdentity {
    /** app.kubernetes.io/name, e.g. "websvc". */
    name: string;
    /** app.kubernetes.io/instance: unique per deployment of the app, e.g. "websvc-production". */
    instance: string;
    /** app.kubernetes.io/version: the image reference or app version. */
    version?: string;
    /** app.kubernetes.io/part-of. */
    partOf?: string;
    environment: string;
}

const MANAGED_BY = "pulumi";

/** Labels that select the app's pods. Small and immutable: a Deployment's selector can never change. */
export function selectorLabels(id: AppIdentity): Record<string, string> {
    return {
        "app.kubernetes.io/name": id.name,
        "app.kubernetes.io/instance": id.instance,
    };
}

/** Full recommended label set for an object of the app, with its component role. */
export function recommendedLabels(id: AppIdentity, component: string): Record<string, string> {
    const labels: Record<string, string> = {
        ...selectorLabels(id),
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": id.partOf ?? id.name,
        "app.kubernetes.io/managed-by": MANAGED_BY,
        environment: id.environment,
    };
    // Label values are limited to 63 characters of [A-Za-z0-9_.-]; an image digest is not a valid value.
    if (id.version && /^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$/.test(id.version)) {
        labels["app.kubernetes.io/version"] = id.version;
    }
    return labels;
}

import { asArray, isObj } from "../lib/k8s";
import { objectLabel, labelSelectorMatches, stackPolicy, type K8sObject } from "../lib/stack-policy";

const METRICS_PORT = "metrics";

/** Whether a ServiceMonitor scrapes this Service's named metrics port. */
function scrapes(sm: K8sObject, svc: K8sObject): boolean {
    const spec = isObj(sm.props.spec) ? sm.props.spec : {};
    const nsSelector = isObj(spec.namespaceSelector) ? spec.namespaceSelector : undefined;
    const inNamespace = nsSelector?.any === true
        || (Array.isArray(nsSelector?.matchNames) ? nsSelector!.matchNames.includes(svc.namespace) : sm.namespace === svc.namespace);
    return inNamespace
        && labelSelectorMatches(spec.selector ?? {}, svc.labels)
        && asArray(spec.endpoints).some((e) => e?.port === METRICS_PORT);
}

export const stackServiceMonitor = stackPolicy({
    id: "stack-service-monitor",
    title: "Metrics are scraped",
    description: "A Service that exposes a port named `metrics` must be scraped by a ServiceMonitor.",
    severity: "low",
    enforcementLevel: "advisory",
    frameworks: {},
    remediation: "Add a monitoring.coreos.com/v1 ServiceMonitor selecting the Service's labels with an endpoint on port \"metrics\" (and the label your Prometheus selects, e.g. release: <name>).",
    kinds: ["ServiceMonitor", "Service"],
    check: (objects) => {
        const monitors = objects.ofKind("ServiceMonitor");
        return objects.subjects("Service")
            .filter((svc) => asArray(svc.props.spec?.ports).some((p) => p?.name === METRICS_PORT))
            .filter((svc) => !monitors.some((sm) => scrapes(sm, svc)))
            .map((svc) => ({ resource: svc.resource, message: `${objectLabel(svc)} exposes port "${METRICS_PORT}" but no ServiceMonitor scrapes it` }));
    },
});

import { objectLabel, stackPolicy } from "../lib/stack-policy";

interface ServiceTypeConfig { allowedTypes: string[]; allowedServices: string[] }

export const stackServiceType = stackPolicy<ServiceTypeConfig>({
    id: "stack-service-type",
    title: "No LoadBalancer or NodePort Services",
    description: "Services must not be of type LoadBalancer or NodePort unless allowed; expose HTTP through the ingress/gateway instead.",
    severity: "medium",
    frameworks: { kyverno: "restrict-nodeport", gatekeeper: "k8sblocknodeport", kubeScore: "service-type" },
    remediation: "Use type ClusterIP behind the Ingress/Gateway, or allow the Service explicitly in config.",
    config: {
        allowedTypes: { type: "array", items: { type: "string", enum: ["ClusterIP", "ExternalName", "NodePort", "LoadBalancer"] }, default: ["ClusterIP", "ExternalName"], description: "Service types allowed everywhere." },
        allowedServices: { type: "array", items: { type: "string" }, default: [], description: "Service names (metadata.name or Pulumi name) allowed any type, e.g. the ingress controller." },
    },
    kinds: ["Service"],
    check: (objects, cfg) => objects.subjects("Service").flatMap((svc) => {
        const type = String(svc.props.spec?.type ?? "ClusterIP");
        const allowed = cfg.allowedTypes.includes(type) || cfg.allowedServices.includes(svc.name) || cfg.allowedServices.includes(svc.resource.name);
        return allowed ? [] : [{ resource: svc.resource, message: `${objectLabel(svc)} has type ${type}; allowed: ${cfg.allowedTypes.join(", ")}` }];
    }),
});

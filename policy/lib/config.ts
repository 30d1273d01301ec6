// Config properties every policy shares, and the Kubernetes version they all understand.
import type { PolicyConfigSchema } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { DISALLOW_SETTING } from "./exemptions";
import { namespaceOf, type Obj } from "./k8s";

export const DEFAULT_KUBERNETES_VERSION = "1.37";

export interface CommonConfig {
    exemptNamespaces: string[];
    exemptResources: string[];
    kubernetesVersion: string;
    /** Refuse exemption annotations on objects for this policy (absent on PSS controls, which never honour them). */
    disallowAnnotationExemptions?: boolean;
}

const commonProperties: Record<string, PolicyConfigJSONSchema> = {
    exemptNamespaces: {
        type: "array",
        items: { type: "string" },
        default: ["kube-system"],
        description: "Namespaces whose resources this policy does not check.",
    },
    exemptResources: {
        type: "array",
        items: { type: "string" },
        default: [],
        description: "Resource names (Pulumi name or metadata.name) this policy does not check.",
    },
    kubernetesVersion: {
        type: "string",
        pattern: "^(v?1\\.(0|[1-9][0-9]*)(\\.[0-9]+)?|latest)$",
        default: DEFAULT_KUBERNETES_VERSION,
        description: "Kubernetes version whose Pod Security Standards apply, e.g. \"1.33\" (a patch level is ignored) or \"latest\".",
    },
};

const disallowAnnotationExemptions: PolicyConfigJSONSchema = {
    type: "boolean",
    default: false,
    description: "Refuse exemption annotations (exempt.websvc-k8s/<policy id>) on objects: their findings are reported as if the annotation were absent, saying it was not honoured.",
};

/**
 * The one place a policy's configSchema is built: common properties plus its own.
 * `exemptNamespacesDefault` overrides the default exemption list (PSS controls exempt nothing by
 * default, like pod-security-admission, whose exemptions exist only when an admin configures them).
 * `annotationExemptions` false leaves out the disallowAnnotationExemptions setting, for policies
 * that never honour exemption annotations (PSS controls).
 */
export function configSchema(own: Record<string, PolicyConfigJSONSchema> = {}, required?: string[], exemptNamespacesDefault?: string[], annotationExemptions = true): PolicyConfigSchema {
    const common: Record<string, PolicyConfigJSONSchema> = exemptNamespacesDefault === undefined
        ? { ...commonProperties }
        : { ...commonProperties, exemptNamespaces: { ...commonProperties.exemptNamespaces, default: exemptNamespacesDefault } };
    if (annotationExemptions) common[DISALLOW_SETTING] = disallowAnnotationExemptions;
    const schema: PolicyConfigSchema = { properties: { ...common, ...own } };
    if (required) {
        schema.required = required;
    }
    return schema;
}

/** Minor version number; "latest" is newer than any release. */
export function kubernetesMinor(version: string | undefined): number {
    const v = version ?? DEFAULT_KUBERNETES_VERSION;
    // Every PSS policy asks for every object; a run knows a handful of versions.
    let minor = minors.get(v);
    if (minor === undefined) {
        minor = parseMinor(v);
        minors.set(v, minor);
    }
    return minor;
}

const minors = new Map<string, number>();

function parseMinor(v: string): number {
    if (v === "latest") {
        return Number.POSITIVE_INFINITY;
    }
    const m = /^v?1\.(\d+)(\.\d+)?$/.exec(v);
    if (!m) {
        throw new Error(`invalid kubernetesVersion "${v}": expected "1.N" or "latest"`);
    }
    return Number(m[1]);
}

/** The reason a resource is exempt by the common config, or undefined. */
export function exemptionReason(cfg: Partial<CommonConfig>, name: string, props: Obj): string | undefined {
    const ns = namespaceOf(props);
    if (ns !== undefined && (cfg.exemptNamespaces ?? []).includes(ns)) {
        return `namespace "${ns}" is exempt`;
    }
    const exempt = cfg.exemptResources ?? [];
    const metaName = props?.metadata?.name;
    if (exempt.includes(name) || (typeof metaName === "string" && exempt.includes(metaName))) {
        return `resource "${name}" is exempt`;
    }
    return undefined;
}

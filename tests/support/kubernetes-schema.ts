// Validates rendered objects against the OpenAPI schemas that kubernetes-models ships (core API)
// and the CRD schemas of the @kubernetes-models packages (prometheus-operator, cert-manager,
// Gateway API). An object whose kind no package knows is an error, never a silent pass.

// apiVersion group -> package that ships its models
const PACKAGE_BY_GROUP: Record<string, string> = {
    "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
    "cert-manager.io": "@kubernetes-models/cert-manager",
    "acme.cert-manager.io": "@kubernetes-models/cert-manager",
    "gateway.networking.k8s.io": "@kubernetes-models/gateway-api",
};

export interface SchemaFinding {
    kind: string;
    name: string;
    error: string;
}

// The model packages are ESM-only (an "import" export condition, no "require"), and TypeScript's
// CommonJS output turns import() into require(); a real dynamic import keeps them loadable.
const importEsm = new Function("specifier", "return import(specifier)") as (s: string) => Promise<Record<string, any>>;

type ModelClass = new (data: unknown) => { validate(): void };

async function modelFor(apiVersion: string, kind: string): Promise<ModelClass | undefined> {
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
    const modulePath = group === ""
        ? `kubernetes-models/${version}`
        : `${PACKAGE_BY_GROUP[group] ?? "kubernetes-models"}/${group}/${version}`;
    try {
        return (await importEsm(modulePath))[kind];
    } catch {
        return undefined;
    }
}

/** Validates one object; returns undefined when valid, else the validator's message. */
export async function schemaErrorOf(object: Record<string, any>): Promise<string | undefined> {
    const Model = await modelFor(String(object.apiVersion), String(object.kind));
    if (!Model) return `no schema shipped for ${object.apiVersion} ${object.kind}`;
    try {
        new Model(object).validate();
        return undefined;
    } catch (e) {
        return (e as Error).message;
    }
}

export async function validateAll(objects: Array<Record<string, any>>): Promise<SchemaFinding[]> {
    const findings: SchemaFinding[] = [];
    for (const o of objects) {
        const error = await schemaErrorOf(o);
        if (error !== undefined) findings.push({ kind: String(o.kind), name: String(o.metadata?.name), error });
    }
    return findings;
}

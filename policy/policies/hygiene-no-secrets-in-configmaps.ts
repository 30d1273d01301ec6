import { isObj, kindOf } from "../lib/k8s";
import { resourcePolicy, type Finding } from "../lib/resource-policy";
import { DEFAULT_SECRET_NAME_PATTERN, isPrivateKey } from "../lib/secret-patterns";

interface ConfigMapSecretsConfig { secretKeyPattern: string; allowedKeys: string[] }

// ConfigMaps are stored and shown in plain text and readable by anyone who may read the namespace's
// configuration; credentials belong in a Secret.
export const hygieneNoSecretsInConfigMaps = resourcePolicy<ConfigMapSecretsConfig>({
    id: "hygiene-no-secrets-in-configmaps",
    title: "No secrets in ConfigMaps",
    description: "ConfigMaps must not hold secret-looking entries: keys named like credentials with a value, or private keys.",
    severity: "high",
    enforcementLevel: "advisory",
    frameworks: {},
    remediation: "Move the value into a Secret and mount or reference it from there.",
    config: {
        secretKeyPattern: { type: "string", default: DEFAULT_SECRET_NAME_PATTERN, description: "Case-insensitive regular expression for secret-looking keys." },
        allowedKeys: { type: "array", items: { type: "string" }, default: [], description: "Keys that match the pattern but hold no secret." },
    },
    kinds: ["ConfigMap"],
    check: (args, cfg) => {
        if (kindOf(args.type) !== "ConfigMap") {
            args.notApplicable("not a ConfigMap");
        }
        const pattern = new RegExp(cfg.secretKeyPattern, "i");
        const findings: Finding[] = [];
        for (const field of ["data", "binaryData"] as const) {
            const entries = isObj(args.props[field]) ? Object.entries(args.props[field] as Record<string, unknown>) : [];
            for (const [key, value] of entries) {
                const text = typeof value === "string" ? value : "";
                if (isPrivateKey(text)) {
                    findings.push({ path: `${field}.${key}`, message: `ConfigMap entry ${key} holds a private key` });
                } else if (text !== "" && pattern.test(key) && !cfg.allowedKeys.includes(key)) {
                    findings.push({ path: `${field}.${key}`, message: `ConfigMap entry ${key} looks like a secret` });
                }
            }
        }
        return findings;
    },
});

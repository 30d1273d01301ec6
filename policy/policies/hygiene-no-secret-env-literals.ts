import { asArray, containersOf, isObj } from "../lib/k8s";
import { POD_KINDS, requirePodView, resourcePolicy } from "../lib/resource-policy";
import { DEFAULT_SECRET_NAME_PATTERN, isPrivateKey } from "../lib/secret-patterns";

interface SecretEnvConfig { secretNamePattern: string; allowedNames: string[] }

/** Kept here too: this module exported it before it moved to lib/secret-patterns. */
export { DEFAULT_SECRET_NAME_PATTERN };

export const hygieneNoSecretEnvLiterals = resourcePolicy<SecretEnvConfig>({
    id: "hygiene-no-secret-env-literals",
    title: "No secrets in literal env values",
    description: "Environment variables whose name looks secret must come from a Secret (valueFrom.secretKeyRef), not a literal value; no literal value may be a private key.",
    severity: "high",
    frameworks: { polaris: "sensitiveContainerEnvVar", checkov: "CKV_K8S_35", kubeScore: "container-env-var-secret" },
    remediation: "Move the value into a Kubernetes Secret and reference it with env[].valueFrom.secretKeyRef (or mount it as a file).",
    config: {
        secretNamePattern: { type: "string", default: DEFAULT_SECRET_NAME_PATTERN, description: "Case-insensitive regular expression for secret-looking variable names." },
        allowedNames: { type: "array", items: { type: "string" }, default: [], description: "Variable names that match the pattern but hold no secret (e.g. TOKEN_TTL_SECONDS)." },
    },
    kinds: POD_KINDS,
    check: (args, cfg) => {
        const pattern = new RegExp(cfg.secretNamePattern, "i");
        return containersOf(requirePodView(args)).flatMap((ref) => asArray(ref.container.env).flatMap((e, i) => {
            if (!isObj(e) || typeof e.name !== "string") {
                return [];
            }
            const path = `${ref.path}.env[${i}].value`;
            // A private key is a secret under any name, allowed or not.
            if (typeof e.value === "string" && isPrivateKey(e.value)) {
                return [{ path, message: `container "${ref.name}" sets variable ${e.name} to a literal private key` }];
            }
            if (cfg.allowedNames.includes(e.name) || !pattern.test(e.name)) {
                return [];
            }
            const literal = typeof e.value === "string" ? e.value !== "" : e.value !== undefined;
            return literal ? [{ path, message: `container "${ref.name}" sets secret-looking variable ${e.name} to a literal value` }] : [];
        }));
    },
});

import { containersOf } from "../lib/k8s";
import { parseImage } from "../lib/image";
import { POD_KINDS, requirePodView, resourcePolicy } from "../lib/resource-policy";

interface RegistriesConfig { allowedRegistries: string[] }

/** An entry is a registry host ("ghcr.io") or a name prefix ("ghcr.io/acme/"). */
function allowedBy(entry: string, registry: string, name: string): boolean {
    const e = entry.replace(/\/+$/, "");
    return e === registry || name === e || name.startsWith(`${e}/`);
}

export const hygieneAllowedRegistries = resourcePolicy<RegistriesConfig>({
    id: "hygiene-allowed-registries",
    title: "Images from allowed registries",
    description: "Images must come from one of the configured registries (an empty list allows all).",
    severity: "high",
    frameworks: { kyverno: "restrict-image-registries", gatekeeper: "k8sallowedrepos" },
    remediation: "Mirror the image into an allowed registry and reference it from there.",
    config: {
        allowedRegistries: { type: "array", items: { type: "string" }, default: [], description: "Registry hosts or name prefixes, e.g. [\"ghcr.io/acme\", \"registry.k8s.io\"]; Docker Hub images count as docker.io/library/<name>." },
    },
    kinds: POD_KINDS,
    check: (args, cfg) => {
        if (cfg.allowedRegistries.length === 0) {
            args.notApplicable("no allowedRegistries configured");
        }
        return containersOf(requirePodView(args)).flatMap((ref) => {
            const image = ref.container.image;
            if (typeof image !== "string") {
                return [];
            }
            const parsed = parseImage(image);
            return cfg.allowedRegistries.some((e) => allowedBy(e, parsed.registry, parsed.name)) ? [] : [{
                path: `${ref.path}.image`,
                message: `container "${ref.name}" image ${image} is not from an allowed registry (${cfg.allowedRegistries.join(", ")})`,
            }];
        });
    },
});

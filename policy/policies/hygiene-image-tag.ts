import { containersOf } from "../lib/k8s";
import { parseImage } from "../lib/image";
import { POD_KINDS, requirePodView, resourcePolicy, type Finding } from "../lib/resource-policy";

interface ImageTagConfig {
    requireDigest: "always" | "production" | "never";
    productionEnvironments: string[];
}

export const hygieneImageTag = resourcePolicy<ImageTagConfig>({
    id: "hygiene-image-tag",
    title: "Pinned image versions",
    description: "Images must name a version tag (not latest); in production they must be pinned by digest.",
    severity: "high",
    frameworks: { polaris: "tagNotSpecified", checkov: "CKV_K8S_14", kyverno: "disallow-latest-tag", kubeScore: "container-image-tag" },
    remediation: "Reference images as registry/name:version@sha256:<digest>.",
    config: {
        requireDigest: { type: "string", enum: ["always", "production", "never"], default: "production", description: "When a @sha256 digest is required: always, only when the stack's environment tag is a production environment, or never." },
        productionEnvironments: { type: "array", items: { type: "string" }, default: ["production"], description: "Values of the `environment` stack tag that count as production." },
    },
    kinds: POD_KINDS,
    check: (args, cfg) => {
        const environment = args.stackTags.get("environment");
        const digestRequired = cfg.requireDigest === "always"
            || (cfg.requireDigest === "production" && environment !== undefined && cfg.productionEnvironments.includes(environment));
        const findings: Finding[] = [];
        for (const ref of containersOf(requirePodView(args))) {
            const image = ref.container.image;
            const path = `${ref.path}.image`;
            if (typeof image !== "string" || image.trim() === "") {
                findings.push({ path, message: `container "${ref.name}" has no image` });
                continue;
            }
            const parsed = parseImage(image);
            if (parsed.tag === "latest") {
                findings.push({ path, message: `container "${ref.name}" uses the mutable tag "latest" (${image})` });
            } else if (!parsed.tag && !parsed.digest) {
                findings.push({ path, message: `container "${ref.name}" image ${image} has no tag (defaults to latest)` });
            }
            if (digestRequired && !parsed.digest) {
                findings.push({ path, message: `container "${ref.name}" image ${image} must be pinned by digest in ${environment ?? "this stack"}` });
            }
        }
        return findings;
    },
});

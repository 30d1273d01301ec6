import { containersOf, dig, type Obj } from "../lib/k8s";
import { POD_KINDS, requirePodView, resourcePolicy } from "../lib/resource-policy";

/** Whether a securityContext says "not root" (runAsNonRoot true or a non-zero runAsUser), says
 *  "root" (runAsNonRoot false or runAsUser 0), or says nothing. */
function verdictOf(sc: Obj | undefined): "nonRoot" | "root" | undefined {
    const user = dig(sc, "runAsUser");
    const nonRoot = dig(sc, "runAsNonRoot");
    if (user === 0 || nonRoot === false) return "root";
    if ((typeof user === "number" && user >= 1) || nonRoot === true) return "nonRoot";
    return undefined;
}

// By effect, as the kubelet decides it: the container's own securityContext overrides the pod's.
// PSS restricted (pss-restricted-run-as-non-root) asks for runAsNonRoot=true itself; this accepts
// a non-zero runAsUser as well, which is what the process really runs as.
export const hygieneRunAsNonRootUser = resourcePolicy({
    id: "hygiene-run-as-non-root-user",
    title: "Not running as root",
    description: "Every container must run as a non-root user: runAsNonRoot=true or a non-zero runAsUser, on the container or inherited from the pod.",
    severity: "high",
    enforcementLevel: "advisory",
    frameworks: { polaris: "runAsRootAllowed" },
    remediation: "Set securityContext.runAsNonRoot: true and a non-zero runAsUser at pod level, and do not override them in containers.",
    kinds: POD_KINDS,
    check: (args) => {
        const view = requirePodView(args);
        const pod = verdictOf(dig(view.podSpec, "securityContext"));
        return containersOf(view).filter((r) => r.group !== "ephemeralContainers").flatMap((ref) => {
            const own = verdictOf(dig(ref.container, "securityContext"));
            return (own ?? pod) === "nonRoot" ? [] : [{ path: `${ref.path}.securityContext`, message: `container "${ref.name}" may run as root (set runAsNonRoot=true or a non-zero runAsUser)` }];
        });
    },
});

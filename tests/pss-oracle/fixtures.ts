// Pods to compare: every one-field mutation from the PSS unit cases, edge values the Go
// decoder treats specially (empty objects, empty strings, nulls), and seeded random
// combinations of several mutations.
import { pssCases } from "../../policy/test/policies/pss-cases";
import { podWith, type PodParts } from "../../policy/test/policies/support/workloads";
import { prng } from "../../policy/bench/prng";

export interface NamedPod { name: string; pod: PodParts }

const edgeMutations: { name: string; mutate: (p: PodParts) => void }[] = [
    { name: "appArmorProfile {}", mutate: (p) => { p.spec.securityContext.appArmorProfile = {}; } },
    { name: "container seccompProfile {}", mutate: (p) => { p.spec.containers[0].securityContext.seccompProfile = {}; } },
    { name: "pod seccompProfile null", mutate: (p) => { p.spec.securityContext.seccompProfile = null; } },
    { name: "procMount empty string", mutate: (p) => { p.spec.containers[0].securityContext.procMount = ""; } },
    { name: "seLinuxOptions {}", mutate: (p) => { p.spec.securityContext.seLinuxOptions = {}; } },
    { name: "capabilities {}", mutate: (p) => { p.spec.containers[0].securityContext.capabilities = {}; } },
    { name: "securityContext null", mutate: (p) => { p.spec.containers[0].securityContext = null; } },
    { name: "no containers", mutate: (p) => { p.spec.containers = []; p.spec.initContainers = []; } },
    { name: "hostUsers true", mutate: (p) => { p.spec.hostUsers = true; } },
    { name: "os linux", mutate: (p) => { p.spec.os = { name: "linux" }; } },
    { name: "os windows", mutate: (p) => { p.spec.os = { name: "windows" }; } },
    { name: "volume with configMap and hostPath", mutate: (p) => { p.spec.volumes = [{ name: "v", configMap: { name: "c" }, hostPath: { path: "/" } }]; } },
    { name: "sysctl without name", mutate: (p) => { p.spec.securityContext.sysctls = [{ value: "1" }]; } },
    { name: "apparmor annotation empty", mutate: (p) => { p.metadata.annotations = { "container.apparmor.security.beta.kubernetes.io/container1": "" }; } },
    { name: "seccomp annotation for unknown container", mutate: (p) => { p.metadata.annotations = { "container.seccomp.security.alpha.kubernetes.io/nope": "unconfined" }; } },
    { name: "ephemeral container without securityContext", mutate: (p) => { p.spec.ephemeralContainers = [{ name: "debug", image: "busybox" }]; } },
    { name: "probe host on ephemeral container", mutate: (p) => { p.spec.ephemeralContainers = [{ name: "debug", image: "busybox", readinessProbe: { httpGet: { port: 80, host: "h" } } }]; } },
    { name: "runAsUser 0 on container with hostUsers false", mutate: (p) => { p.spec.hostUsers = false; p.spec.containers[0].securityContext.runAsUser = 0; } },
];

/** Pods whose verdict changes once the API server's defaults are applied (SetObjectDefaults_Pod). */
export const defaultingMutations: { name: string; mutate: (p: PodParts) => void }[] = [
    { name: "volume without a source (becomes emptyDir)", mutate: (p) => { p.spec.volumes = [{ name: "scratch" }]; } },
    { name: "volume whose only source is null", mutate: (p) => { p.spec.volumes = [{ name: "scratch", hostPath: null, nfs: null }]; } },
    { name: "sourceless volume next to a hostPath volume", mutate: (p) => { p.spec.volumes = [{ name: "a" }, { name: "b", hostPath: { path: "/var/log" } }]; } },
    { name: "sourceless volume next to a configMap volume", mutate: (p) => { p.spec.volumes = [{ name: "a", configMap: { name: "c" } }, { name: "b" }]; } },
    { name: "hostNetwork with a containerPort (becomes hostPort)", mutate: (p) => { p.spec.hostNetwork = true; p.spec.containers[0].ports = [{ containerPort: 8080 }]; } },
    { name: "hostNetwork with an init containerPort", mutate: (p) => { p.spec.hostNetwork = true; p.spec.initContainers[0].ports = [{ containerPort: 9000, protocol: "UDP" }]; } },
    { name: "hostNetwork with hostPort 0", mutate: (p) => { p.spec.hostNetwork = true; p.spec.containers[0].ports = [{ containerPort: 8443, hostPort: 0 }]; } },
    { name: "hostNetwork false with a containerPort", mutate: (p) => { p.spec.hostNetwork = false; p.spec.containers[0].ports = [{ containerPort: 8080 }]; } },
    { name: "hostNetwork with a port without containerPort", mutate: (p) => { p.spec.hostNetwork = true; p.spec.containers[0].ports = [{ name: "http" }]; } },
    { name: "containerPort without hostNetwork on an ephemeral container", mutate: (p) => { p.spec.hostNetwork = true; p.spec.ephemeralContainers = [{ name: "debug", image: "busybox", securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } }, ports: [{ containerPort: 7000 }] }]; } },
    { name: "limits without requests", mutate: (p) => { p.spec.containers[0].resources = { limits: { cpu: "1", memory: "1Gi" } }; } },
    { name: "deprecated serviceAccount field", mutate: (p) => { p.spec.serviceAccount = "app"; } },
];

export function defaultingFixtures(): NamedPod[] {
    return defaultingMutations.map((m) => ({ name: `defaulting: ${m.name}`, pod: podWith(m.mutate) }));
}

export function oracleFixtures(combinations = 300, seed = 20261127): NamedPod[] {
    const singles = [
        ...pssCases.map((c) => ({ name: `${c.policy}: ${c.name}`, mutate: c.mutate })),
        ...edgeMutations.map((e) => ({ name: `edge: ${e.name}`, mutate: e.mutate })),
        ...defaultingMutations.map((d) => ({ name: `defaulting: ${d.name}`, mutate: d.mutate })),
    ];
    const pods: NamedPod[] = singles.map((s) => ({ name: s.name, pod: podWith(s.mutate) }));
    const random = prng(seed);
    for (let i = 0; i < combinations; i++) {
        const picked = Array.from({ length: 2 + Math.floor(random() * 3) }, () => singles[Math.floor(random() * singles.length)]);
        pods.push({
            name: `combo ${i}: ${picked.map((p) => p.name).join(" + ")}`,
            pod: podWith((p) => {
                for (const m of picked) {
                    try {
                        m.mutate(p);
                    } catch {
                        // A mutation may expect a field an earlier one removed; skip it.
                    }
                }
            }),
        });
    }
    return pods;
}

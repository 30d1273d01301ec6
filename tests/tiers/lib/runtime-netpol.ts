// NetworkPolicy for real: kube-network-policies (built here) enforces the stack's policies on the
// real nodes, and probe pods check who reaches what. Every probe is a TCP connect with a deadline,
// run from inside a pod (`kubectl exec … node -e`), so it takes the pod's own network path.
import { podExec } from "./runtime-kube";

export const ENFORCER_NAME = "kube-network-policies";
const ENFORCER_NS = "kube-system";
const CONNECT_TIMEOUT_MS = 3000;

/** The enforcer as upstream's install.yaml deploys it, on the real nodes only, NRI off (containerd 1.6 has none). */
export function enforcerManifests(image: string, realNodes: string[]): object[] {
    const meta = { name: ENFORCER_NAME, namespace: ENFORCER_NS };
    return [
        { apiVersion: "v1", kind: "ServiceAccount", metadata: meta },
        {
            apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: ENFORCER_NAME },
            rules: [
                { apiGroups: [""], resources: ["pods", "namespaces", "nodes"], verbs: ["list", "watch"] },
                { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: ["list", "watch"] },
            ],
        },
        {
            apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name: ENFORCER_NAME },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: ENFORCER_NAME },
            subjects: [{ kind: "ServiceAccount", ...meta }],
        },
        {
            apiVersion: "apps/v1", kind: "DaemonSet", metadata: { ...meta, labels: { app: ENFORCER_NAME } },
            spec: {
                selector: { matchLabels: { app: ENFORCER_NAME } },
                template: {
                    metadata: { labels: { app: ENFORCER_NAME } },
                    spec: {
                        hostNetwork: true,
                        serviceAccountName: ENFORCER_NAME,
                        tolerations: [{ operator: "Exists", effect: "NoSchedule" }],
                        // One term per node (terms are ORed; a metadata.name field selector takes one value).
                        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: realNodes.map((n) => ({ matchFields: [{ key: "metadata.name", operator: "In", values: [n] }] })) } } },
                        containers: [{
                            name: ENFORCER_NAME,
                            image,
                            args: ["--hostname-override=$(MY_NODE_NAME)", "--nfqueue-id=98", "--disable-nri", "--v=2"],
                            env: [{ name: "MY_NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }],
                            securityContext: { privileged: true, runAsUser: 0, capabilities: { add: ["NET_ADMIN"] } },
                            resources: { requests: { cpu: "20m", memory: "50Mi" } },
                        }],
                    },
                },
            },
        },
    ];
}

export interface ProbeTarget {
    label: string;
    host: string;
    port: number;
}

/** Connects to every target at once from inside the pod; "open", or why not ("timeout" is a dropped SYN). */
export function probeFrom(namespace: string, pod: string, targets: ProbeTarget[]): Map<string, string> {
    const script = `const net = require("net"); const targets = ${JSON.stringify(targets)};
Promise.all(targets.map((t) => new Promise((resolve) => {
  const s = net.connect({ host: t.host, port: t.port });
  const done = (r) => { s.destroy(); resolve([t.label, r]); };
  s.setTimeout(${CONNECT_TIMEOUT_MS}, () => done("timeout"));
  s.on("connect", () => done("open"));
  s.on("error", (e) => done(e.code || e.message));
}))).then((r) => console.log(JSON.stringify(r)));`;
    const out = podExec(namespace, pod, ["node", "-e", script], 30_000);
    return new Map(JSON.parse(out.trim().split("\n").pop() ?? "[]"));
}

/** A pod running the app image (it listens on 8080 and 9090), in a namespace of its own choosing. */
export function probePod(namespace: string, name: string, image: string, labels: Record<string, string> = {}): object[] {
    return [
        { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace, labels: { "websvc-runtime-tier": "probe" } } },
        podManifest(namespace, name, image, labels, undefined),
    ];
}

/**
 * A stand-in for cluster DNS: the app's egress policy allows TCP/UDP 53 to pods labelled
 * k8s-app=kube-dns in kube-system, and no CoreDNS runs here. It accepts TCP on 53 (as root, for the
 * low port) and on 8080, so the matrix can show that only the DNS port is open to the app.
 */
export function dnsStandIn(image: string): object {
    const listen = 'const net = require("net"); for (const p of [53, 8080]) net.createServer((s) => s.end()).listen(p);';
    return podManifest("kube-system", "websvc-runtime-dns-standin", image, { "k8s-app": "kube-dns" }, ["node", "-e", listen], 0);
}

function podManifest(namespace: string, name: string, image: string, labels: Record<string, string>, command: string[] | undefined, runAsUser = 10001): object {
    return {
        apiVersion: "v1", kind: "Pod",
        metadata: { name, namespace, labels: { "websvc-runtime-tier": "probe", ...labels } },
        spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            terminationGracePeriodSeconds: 1,
            containers: [{
                name: "probe", image, imagePullPolicy: "IfNotPresent",
                ...(command ? { command } : {}),
                securityContext: { runAsUser, runAsGroup: runAsUser, runAsNonRoot: runAsUser !== 0, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: runAsUser === 0 ? { drop: ["ALL"], add: ["NET_BIND_SERVICE"] } : { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } },
                resources: { requests: { cpu: "10m", memory: "48Mi" }, limits: { memory: "128Mi" } },
                volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
            }],
            volumes: [{ name: "tmp", emptyDir: {} }],
        },
    };
}

export interface MatrixRow {
    from: string;
    to: string;
    expected: "open" | "blocked";
    seen: string;
}

export const rowOk = (r: MatrixRow, enforced: boolean): boolean =>
    enforced ? (r.expected === "open" ? r.seen === "open" : r.seen !== "open") : r.seen === "open";

export function formatMatrix(rows: MatrixRow[], enforced: boolean): string {
    const w = Math.max(...rows.map((r) => `${r.from} -> ${r.to}`.length));
    return rows.map((r) => {
        const want = enforced ? r.expected : "open";
        return `    ${`${r.from} -> ${r.to}`.padEnd(w)}  expected ${want.padEnd(7)}  seen ${r.seen.padEnd(8)} ${rowOk(r, enforced) ? "ok" : "WRONG"}`;
    }).join("\n");
}

// The benchmark's three corpora, assembled at bench time in a cache (never committed) from public
// projects' files that the Go module proxy serves inside module zips, each at least `minObjects`
// objects, so that the checker is compared with kube-score on every shape of input:
//   - monitoring: Grafana dashboards (the Mimir, Loki, Thanos, Tempo and Cortex mixins' compiled
//     JSON) wrapped in ConfigMaps as kube-prometheus-stack's sidecar takes them (one per
//     dashboard, ~1 MB bundles, one ConfigMapList), and their Prometheus rule files wrapped in
//     PrometheusRules (one per file, kube-prometheus' layout, and one per rule group in each team
//     namespace, kube-prometheus-stack's);
//   - crds: CustomResourceDefinitions of ten projects, several released versions of four (real,
//     as published), beside the custom resources of their examples, which the filler copies into
//     further namespaces;
//   - workloads: the Mimir Helm chart's rendered CI scenarios (a microservices deployment),
//     Knative Serving's, Argo CD's and Gatekeeper's install manifests, Tekton's RBAC and
//     webhooks, and the Mimir scenarios again in further namespaces.
// "real" parts are files as published; "assembled" parts wrap real content in the objects that
// carry it in a cluster; "generated filler" parts are copies of real objects in other namespaces.
import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments, parse as parseYaml, stringify } from "yaml";
import { countObjects, dashboardConfigMap, filesUnder, goModuleDir, write } from "./modules";

export const CORPORA = ["monitoring", "crds", "workloads"] as const;
export type CorpusName = (typeof CORPORA)[number];

export interface Module {
    module: string;
    version: string;
}
interface Source extends Module {
    label: string;
    /** Directories or files inside the module. */
    paths: string[];
}

const MIMIR = { module: "github.com/grafana/mimir", version: "v1.3.1-0.20260423142704-aced80d74930" };
const LOKI = { module: "github.com/grafana/loki/v3", version: "v3.7.8" };
const THANOS = { module: "github.com/thanos-io/thanos", version: "v0.37.2" };
const TEMPO = { module: "github.com/grafana/tempo", version: "v1.5.0" };
const CORTEX = { module: "github.com/cortexproject/cortex", version: "v1.18.1" };
const ARGO_CD = { module: "github.com/argoproj/argo-cd/v3", version: "v3.0.0" };
const PROMETHEUS_OPERATOR = { module: "github.com/prometheus-operator/prometheus-operator", version: "v0.85.0" };
const TEKTON = { module: "github.com/tektoncd/pipeline", version: "v0.65.0" };
const KNATIVE = { module: "knative.dev/serving", version: "v0.51.0" };
const GATEKEEPER = { module: "github.com/open-policy-agent/gatekeeper/v3", version: "v3.23.1" };

const DASHBOARDS: Source[] = [
    { label: "mimir-mixin", ...MIMIR, paths: ["operations/mimir-mixin-compiled/dashboards"] },
    { label: "loki-mixin", ...LOKI, paths: ["production/loki-mixin-compiled/dashboards", "production/loki-mixin-compiled-ssd/dashboards"] },
    { label: "thanos-mixin", ...THANOS, paths: ["examples/dashboards"] },
    { label: "tempo-mixin", ...TEMPO, paths: ["operations/tempo-mixin-compiled/dashboards"] },
    { label: "cortex-mixin", ...CORTEX, paths: ["docs/getting-started/dashboards"] },
];

/** Prometheus rule files (`groups:`), as the mixins compile them. */
const RULE_FILES: Source[] = [
    { label: "mimir", ...MIMIR, paths: ["operations/mimir-mixin-compiled/alerts.yaml", "operations/mimir-mixin-compiled/rules.yaml"] },
    { label: "loki", ...LOKI, paths: ["production/loki-mixin-compiled/alerts.yaml", "production/loki-mixin-compiled/rules.yaml"] },
    { label: "loki-ssd", ...LOKI, paths: ["production/loki-mixin-compiled-ssd/alerts.yaml", "production/loki-mixin-compiled-ssd/rules.yaml"] },
    { label: "thanos", ...THANOS, paths: ["examples/alerts/alerts.yaml", "examples/alerts/rules.yaml"] },
    { label: "tempo", ...TEMPO, paths: ["operations/tempo-mixin-compiled/alerts.yaml", "operations/tempo-mixin-compiled/rules.yaml"] },
    { label: "prometheus-operator", ...PROMETHEUS_OPERATOR, paths: ["example/mixin/alerts.yaml"] },
];

/** CustomResourceDefinitions as published (several versions of the projects that release CRDs often). */
const CRD_SOURCES: Source[] = [
    { label: "prometheus-operator", ...PROMETHEUS_OPERATOR, paths: ["example/prometheus-operator-crd-full"] },
    ...["v1.4.1", "v1.3.0", "v1.2.1"].map((version) => ({ label: "gateway-api", module: "sigs.k8s.io/gateway-api", version, paths: ["config/crd/standard", "config/crd/experimental"] })),
    ...["v1.21.2", "v1.17.0"].map((version) => ({ label: "cert-manager", module: "github.com/cert-manager/cert-manager", version, paths: ["deploy/crds"] })),
    { label: "argo-cd", ...ARGO_CD, paths: ["manifests/crds"] },
    ...["v1.18.2", "v1.13.0"].map((version) => ({ label: "kyverno", module: "github.com/kyverno/kyverno", version, paths: ["config/crds"] })),
    { label: "tekton", ...TEKTON, paths: ["config/300-crds"] },
    { label: "external-secrets", module: "github.com/external-secrets/external-secrets", version: "v0.10.0", paths: ["config/crds/bases"] },
    { label: "cluster-api", module: "sigs.k8s.io/cluster-api", version: "v1.9.0", paths: ["config/crd/bases", "controlplane/kubeadm/config/crd/bases", "bootstrap/kubeadm/config/crd/bases"] },
    { label: "knative-serving", ...KNATIVE, paths: ["config/core/300-resources"] },
];

/** Custom resources: the projects' examples. */
const CUSTOM_RESOURCE_SOURCES: Source[] = [
    { label: "gateway-api examples", module: "sigs.k8s.io/gateway-api", version: "v1.2.1", paths: ["examples"] },
    { label: "prometheus-operator examples", ...PROMETHEUS_OPERATOR, paths: ["example/user-guides", "example/thanos", "example/shards", "example/storage", "example/additional-scrape-configs", "example/alertmanager-webhook"] },
    { label: "tekton examples", ...TEKTON, paths: ["examples/v1"] },
];

const WORKLOAD_SOURCES: Source[] = [
    { label: "mimir-helm-rendered", ...MIMIR, paths: ["operations/helm/tests"] },
    { label: "knative-serving", ...KNATIVE, paths: ["config/core/deployments", "config/core/webhooks", "config/core/configmaps", "config/core/200-roles", "config/post-install"] },
    { label: "argo-cd", ...ARGO_CD, paths: ["manifests/namespace-install.yaml", "manifests/ha/namespace-install.yaml"] },
    { label: "gatekeeper", ...GATEKEEPER, paths: ["deploy/gatekeeper.yaml"] },
    { label: "tekton", ...TEKTON, paths: ["config/200-clusterrole.yaml", "config/200-role.yaml", "config/200-serviceaccount.yaml", "config/201-clusterrolebinding.yaml", "config/201-rolebinding.yaml", "config/500-webhooks.yaml"] },
];

/** Every public project (module and version) the corpora take files from. */
export const SOURCE_MODULES: readonly Module[] = [...new Map(
    [...DASHBOARDS, ...RULE_FILES, ...CRD_SOURCES, ...CUSTOM_RESOURCE_SOURCES, ...WORKLOAD_SOURCES].map(({ module, version }) => [`${module}@${version}`, { module, version }]),
).values()];

/** The Mimir scenarios' namespace, renamed in the filler copies. */
const MIMIR_NAMESPACE = "citestns";
const BUNDLE_BYTES = 1024 * 1024;
/** Bump when an assembly changes, so that a cached corpus of the old shape is not reused. */
const LAYOUT_VERSION = 3;

type PartKind = "real" | "assembled" | "generated filler";

export interface CorpusShape {
    name: string;
    dir: string;
    objects: number;
    files: number;
    bytes: number;
    parts: { label: string; kind: PartKind; objects: number; files: number; bytes: number }[];
    /** The largest single object, in bytes of YAML; the largest file; one ~1 MB dashboard ConfigMap file (monitoring). */
    largestObjectBytes: number;
    largestFile: string;
    dashboardFile?: string;
    listObjects: number;
    crdObjects: number;
    /** Objects per file (paths relative to dir), so that a prefix of the files can be taken by objects. */
    objectsPerFile: Record<string, number>;
}

/** Writes a corpus's files under a directory being built and counts what they hold. */
class CorpusWriter {
    readonly parts: CorpusShape["parts"] = [];
    readonly objectsPerFile: Record<string, number> = {};
    objects = 0;
    lists = 0;
    crds = 0;
    largest = 0;
    largestFile = "";
    private largestFileBytes = 0;
    private current?: CorpusShape["parts"][number];

    constructor(readonly dir: string, private readonly log: (line: string) => void) {}

    part(label: string, kind: PartKind): void {
        this.endPart();
        this.current = { label, kind, objects: 0, files: 0, bytes: 0 };
    }

    /** Writes one file (relative path); returns the objects it holds. */
    file(rel: string, text: string): number {
        const part = this.current;
        if (!part) throw new Error("CorpusWriter.file before part");
        const c = countObjects(text);
        write(path.join(this.dir, rel), text);
        this.objectsPerFile[rel] = c.objects;
        this.objects += c.objects;
        this.lists += c.lists;
        this.crds += c.crds;
        this.largest = Math.max(this.largest, c.largest);
        const bytes = Buffer.byteLength(text);
        if (bytes > this.largestFileBytes) {
            this.largestFileBytes = bytes;
            this.largestFile = rel;
        }
        part.objects += c.objects;
        part.files++;
        part.bytes += bytes;
        return c.objects;
    }

    endPart(): void {
        const p = this.current;
        if (!p) return;
        this.current = undefined;
        if (p.files === 0) return;
        this.parts.push(p);
        this.log(`  ${p.kind.padEnd(16)} ${p.label.padEnd(48)} ${String(p.objects).padStart(6)} objects ${String(p.files).padStart(5)} files ${(p.bytes / 1048576).toFixed(1).padStart(6)} MiB`);
    }
}

/** Builds (or reuses from the cache) the corpus `name` with at least `minObjects` objects. */
export function buildCorpus(name: CorpusName, cacheRoot: string, minObjects: number, log: (line: string) => void = () => undefined): CorpusShape {
    const dir = path.join(cacheRoot, `${name}-v${LAYOUT_VERSION}-${minObjects}`);
    // Beside the corpus, not in it: the checker reads every .json file of a directory.
    const shapeFile = `${dir}.shape.json`;
    if (fs.existsSync(shapeFile)) return JSON.parse(fs.readFileSync(shapeFile, "utf8")) as CorpusShape;
    const building = `${dir}.partial-${process.pid}`;
    fs.rmSync(building, { recursive: true, force: true });
    const w = new CorpusWriter(building, log);
    const moduleDir = (m: Module) => goModuleDir(m.module, m.version, cacheRoot);
    try {
        ({ monitoring: monitoringCorpus, crds: crdCorpus, workloads: workloadCorpus })[name](w, moduleDir, minObjects);
    } catch (e) {
        fs.rmSync(building, { recursive: true, force: true });
        throw e;
    }
    w.endPart();
    const shape: CorpusShape = {
        name,
        dir,
        objects: w.objects,
        files: w.parts.reduce((n, p) => n + p.files, 0),
        bytes: w.parts.reduce((n, p) => n + p.bytes, 0),
        parts: w.parts,
        largestObjectBytes: w.largest,
        largestFile: w.largestFile,
        dashboardFile: dashboardFileOf(w.objectsPerFile),
        listObjects: w.lists,
        crdObjects: w.crds,
        objectsPerFile: w.objectsPerFile,
    };
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(building, dir);
    fs.writeFileSync(shapeFile, JSON.stringify(shape) + "\n");
    return shape;
}

/** The first ~1 MB bundle of dashboard ConfigMaps (monitoring corpus). */
export function dashboardFileOf(objectsPerFile: Record<string, number>): string | undefined {
    return Object.keys(objectsPerFile).find((f) => f.startsWith("dashboard-bundles/"));
}

type ModuleDir = (m: Module) => string;

/** Each .yaml/.yml file of a source that holds a Kubernetes object (Helm templates and kustomizations left out). */
function manifestFiles(s: Source, moduleDir: ModuleDir): { rel: string; text: string }[] {
    const root = moduleDir(s);
    return s.paths.flatMap((p) =>
        filesUnder(path.join(root, p), /\.ya?ml$/)
            .filter((f) => path.basename(f) !== "kustomization.yaml")
            .map((f) => ({ rel: path.join(`${s.label.replace(/ /g, "-")}@${s.version}`, path.relative(root, f)), text: fs.readFileSync(f, "utf8") }))
            .filter((f) => countObjects(f.text).objects > 0),
    );
}

function realPart(w: CorpusWriter, s: Source, moduleDir: ModuleDir, under: string): { rel: string; text: string }[] {
    w.part(`${s.label} ${s.version}`, "real");
    const files = manifestFiles(s, moduleDir);
    for (const f of files) w.file(path.join(under, f.rel), f.text);
    return files;
}

// ---- monitoring ----------------------------------------------------------------------------

const dnsLabel = (s: string) => s.toLowerCase().replace(/[^a-z0-9-]/g, "-").slice(0, 63).replace(/-+$/, "");

function monitoringCorpus(w: CorpusWriter, moduleDir: ModuleDir, minObjects: number): void {
    const dashboards = DASHBOARDS.flatMap((s) => {
        const root = moduleDir(s);
        return s.paths.flatMap((p) => filesUnder(path.join(root, p), /\.json$/)).map((file) => ({ file, json: fs.readFileSync(file, "utf8").trimEnd() }));
    });
    // Unique by index: the two Loki variants share file names.
    const names = dashboards.map((d, i) => dnsLabel(`grafana-dashboard-${i + 1}-${path.basename(d.file, ".json")}`));
    w.part(`Grafana dashboards (${DASHBOARDS.map((s) => s.label).join(", ")}) in ConfigMaps`, "assembled");
    dashboards.forEach((d, i) => w.file(`dashboards/${names[i]}.yaml`, dashboardConfigMap(names[i], "monitoring", [d])));
    let bundle: typeof dashboards = [];
    let bundleBytes = 0;
    let bundles = 0;
    const flush = () => {
        if (bundle.length === 0) return;
        const name = `grafana-dashboards-bundle-${++bundles}`;
        w.file(`dashboard-bundles/${name}.yaml`, dashboardConfigMap(name, "monitoring-bundles", bundle));
        bundle = [];
        bundleBytes = 0;
    };
    for (const d of dashboards) {
        bundle.push(d);
        bundleBytes += d.json.length;
        if (bundleBytes >= BUNDLE_BYTES) flush();
    }
    flush();
    const listItems = dashboards.map((d, i) => dashboardConfigMap(names[i], "monitoring-list", [d], "    ").replace(/^ {4}/, "  - ")).join("");
    w.file("dashboards-list/grafana-dashboardDefinitions.yaml", `apiVersion: v1\nkind: ConfigMapList\nitems:\n${listItems}`);

    const ruleFiles = RULE_FILES.flatMap((s) => {
        const root = moduleDir(s);
        return s.paths.map((p) => ({ name: dnsLabel(`${s.label}-${path.basename(p, path.extname(p))}`), groups: (parseYaml(fs.readFileSync(path.join(root, p), "utf8")) as { groups: unknown[] }).groups }));
    });
    w.part(`Prometheus rules (${RULE_FILES.map((s) => s.label).join(", ")}) as one PrometheusRule per file`, "assembled");
    for (const r of ruleFiles) w.file(`rules/${r.name}.yaml`, prometheusRule(r.name, "monitoring", r.groups));

    w.part("the rules again, one PrometheusRule per group, in team-N namespaces", "generated filler");
    for (let team = 1; w.objects < minObjects; team++) {
        const ns = `team-${team}`;
        for (const r of ruleFiles) {
            const docs = r.groups.map((g) => prometheusRule(dnsLabel(`${r.name}-${(g as { name: string }).name}`), ns, [g]));
            w.file(`team-rules/${ns}/${r.name}.yaml`, docs.join("---\n"));
        }
    }
}

function prometheusRule(name: string, namespace: string, groups: unknown[]): string {
    return stringify({
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: { name, namespace, labels: { release: "kube-prometheus-stack", "app.kubernetes.io/part-of": "monitoring" } },
        spec: { groups },
    }, { lineWidth: 0 });
}

// ---- CRDs ----------------------------------------------------------------------------------

/** Kinds of the custom-resource examples that are not namespaced (left as they are in copies). */
const CLUSTER_SCOPED = new Set(["CustomResourceDefinition", "Namespace", "ClusterRole", "ClusterRoleBinding", "GatewayClass", "ClusterTask", "ClusterIssuer", "PriorityClass", "StorageClass", "PersistentVolume", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "ClusterTriggerBinding"]);

function crdCorpus(w: CorpusWriter, moduleDir: ModuleDir, minObjects: number): void {
    for (const s of CRD_SOURCES) realPart(w, s, moduleDir, "crds");
    const examples = CUSTOM_RESOURCE_SOURCES.flatMap((s) => realPart(w, s, moduleDir, "custom-resources"));
    w.part("the custom resources again in tenant-N namespaces", "generated filler");
    for (let tenant = 1; w.objects < minObjects; tenant++) {
        for (const f of examples) {
            if (w.objects >= minObjects) break;
            const copy = inNamespace(f.text, `tenant-${tenant}`);
            if (copy) w.file(path.join("filler", `tenant-${tenant}`, f.rel), copy);
        }
    }
}

/** The namespaced objects of a manifest file moved into `namespace` (undefined when it has none). */
function inNamespace(text: string, namespace: string): string | undefined {
    const docs = parseAllDocuments(text, { uniqueKeys: false });
    const out: string[] = [];
    for (const doc of Array.isArray(docs) ? docs : []) {
        const kind = doc.get("kind");
        if (typeof kind !== "string" || CLUSTER_SCOPED.has(kind) || !doc.hasIn(["metadata"])) continue;
        doc.setIn(["metadata", "namespace"], namespace);
        out.push(doc.toString({ lineWidth: 0 }));
    }
    return out.length > 0 ? out.join("---\n") : undefined;
}

// ---- workloads -----------------------------------------------------------------------------

function workloadCorpus(w: CorpusWriter, moduleDir: ModuleDir, minObjects: number): void {
    const [mimir, ...others] = WORKLOAD_SOURCES;
    const mimirFiles = realPart(w, mimir, moduleDir, "real");
    for (const s of others) realPart(w, s, moduleDir, "real");
    w.part("the Mimir scenarios again in tenant-N namespaces", "generated filler");
    for (let i = 0; w.objects < minObjects; i++) {
        const tenant = `tenant-${1 + Math.floor(i / mimirFiles.length)}`;
        const f = mimirFiles[i % mimirFiles.length];
        w.file(path.join("filler", tenant, f.rel), f.text.split(MIMIR_NAMESPACE).join(tenant));
    }
}

// The benchmark's realistic corpus, assembled at bench time in a cache (never committed) from
// public projects' manifests that the Go module proxy serves inside module zips:
//   - real, as published: rendered Helm output of the Mimir chart's CI scenarios (a microservices
//     deployment: Deployments, StatefulSets, Services, PDBs, ConfigMaps, webhooks, Jobs, and a
//     2.5 MB file of Grafana-dashboard ConfigMaps), Argo CD's install manifests (large CRDs,
//     multi-document files), the Prometheus Operator examples (full CRDs, CRD-based objects),
//     Gateway API CRDs and examples, cert-manager CRDs, Gatekeeper, Knative Serving;
//   - real content, assembled here: the Mimir and Loki mixins' compiled Grafana dashboards (JSON)
//     wrapped in ConfigMaps as kube-prometheus-stack's sidecar expects them (one per dashboard,
//     ~1 MB bundles of several, and one ConfigMapList of all, the kube-prometheus layout), and
//     Argo CD's install objects re-wrapped as a `kind: List` (kubectl get -o yaml's shape);
//   - generated filler, for volume: copies of the Mimir scenarios in further namespaces
//     (tenant-N), until the corpus holds the requested number of objects.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseAllDocuments } from "yaml";

interface Source {
    label: string;
    module: string;
    version: string;
    /** Directories or files inside the module, copied with their .yaml/.yml files. */
    paths: string[];
}

const MIMIR = { module: "github.com/grafana/mimir", version: "v1.3.1-0.20260423142704-aced80d74930" };
const LOKI = { module: "github.com/grafana/loki/v3", version: "v3.7.8" };
const ARGO_CD = { module: "github.com/argoproj/argo-cd/v3", version: "v3.0.0" };

export const SOURCES: Source[] = [
    { label: "mimir-helm-rendered", ...MIMIR, paths: ["operations/helm/tests"] },
    { label: "argo-cd", ...ARGO_CD, paths: ["manifests/install.yaml", "manifests/ha/install.yaml", "manifests/namespace-install.yaml", "manifests/core-install.yaml"] },
    { label: "prometheus-operator", module: "github.com/prometheus-operator/prometheus-operator", version: "v0.85.0", paths: ["example"] },
    { label: "gateway-api", module: "sigs.k8s.io/gateway-api", version: "v1.2.1", paths: ["config/crd", "examples"] },
    { label: "cert-manager", module: "github.com/cert-manager/cert-manager", version: "v1.17.0", paths: ["deploy/crds"] },
    { label: "gatekeeper", module: "github.com/open-policy-agent/gatekeeper/v3", version: "v3.23.1", paths: ["deploy/gatekeeper.yaml"] },
    { label: "knative-serving", module: "knative.dev/serving", version: "v0.51.0", paths: ["config/core", "config/post-install"] },
];

/** Grafana dashboards (JSON) from the mixins' compiled output. */
const DASHBOARDS: Source[] = [
    { label: "mimir-mixin", ...MIMIR, paths: ["operations/mimir-mixin-compiled/dashboards"] },
    { label: "loki-mixin", ...LOKI, paths: ["production/loki-mixin-compiled/dashboards", "production/loki-mixin-compiled-ssd/dashboards"] },
];

/** The Mimir scenarios' namespace, renamed in the filler copies. */
const FILLER_NAMESPACE = "citestns";
const BUNDLE_BYTES = 1024 * 1024;
/** Bump when the assembly changes, so a cached corpus of the old shape is not reused. */
const LAYOUT_VERSION = 2;

export interface CorpusShape {
    dir: string;
    objects: number;
    files: number;
    bytes: number;
    /** Objects, files and bytes per part (real sources, assembled, filler). */
    parts: { label: string; kind: "real" | "assembled" | "generated filler"; objects: number; files: number; bytes: number }[];
    /** The largest object (a dashboard ConfigMap), in bytes of YAML. */
    largestObjectBytes: number;
    listObjects: number;
    crdObjects: number;
}

/** Where a Go module's files are, downloading it through the module proxy when needed. */
export function goModuleDir(module: string, version: string, cacheDir: string): string {
    const r = spawnSync("go", ["mod", "download", "-json", `${module}@${version}`], {
        encoding: "utf8",
        env: { ...process.env, GOTOOLCHAIN: "local", GOFLAGS: "-mod=mod" },
        cwd: os.tmpdir(),
        maxBuffer: 16 * 1024 * 1024,
    });
    if (r.error) throw new Error(`go mod download ${module}@${version}: ${r.error.message} (the corpus needs the Go toolchain)`);
    const info = JSON.parse(r.stdout || "{}") as { Dir?: string; Zip?: string; Error?: string };
    if (info.Dir && fs.existsSync(info.Dir)) return info.Dir;
    // `go mod download` keeps the zip but does not extract it when the module needs a newer Go.
    if (info.Zip && fs.existsSync(info.Zip)) {
        const dest = path.join(cacheDir, "modules", `${module.replace(/\//g, "_")}@${version}`);
        if (!fs.existsSync(dest)) {
            fs.mkdirSync(dest, { recursive: true });
            const u = spawnSync("unzip", ["-q", info.Zip, "-d", dest], { stdio: "inherit" });
            if (u.status !== 0) throw new Error(`unzip ${info.Zip} failed`);
        }
        return path.join(dest, `${module}@${version}`);
    }
    throw new Error(`go mod download ${module}@${version}: ${info.Error ?? r.stderr.trim()}`);
}

function filesUnder(p: string, pattern: RegExp): string[] {
    if (!fs.statSync(p).isDirectory()) return [p];
    return fs.readdirSync(p, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name)).flatMap((e) => {
        const child = path.join(p, e.name);
        return e.isDirectory() ? filesUnder(child, pattern) : pattern.test(e.name) ? [child] : [];
    });
}

/** Kubernetes objects in a YAML text, counted with the `yaml` package (List items counted one by one). */
export function countObjects(text: string): { objects: number; lists: number; crds: number; largest: number } {
    let objects = 0;
    let lists = 0;
    let crds = 0;
    let largest = 0;
    const parsed = parseAllDocuments(text, { uniqueKeys: false });
    for (const doc of Array.isArray(parsed) ? parsed : []) {
        if (doc.errors.length > 0) return { objects: 0, lists: 0, crds: 0, largest: 0 };
        const v = doc.toJS({ maxAliasCount: 1000 }) as Record<string, unknown> | null;
        if (!v || typeof v !== "object" || typeof v.apiVersion !== "string" || typeof v.kind !== "string") continue;
        const size = doc.range ? doc.range[2] - doc.range[0] : 0;
        if (v.kind.endsWith("List") && Array.isArray(v.items)) {
            lists++;
            objects += v.items.filter((i) => i && typeof i === "object" && typeof i.apiVersion === "string" && typeof i.kind === "string").length;
        } else {
            objects++;
            if (v.kind === "CustomResourceDefinition") crds++;
            largest = Math.max(largest, size);
        }
    }
    return { objects, lists, crds, largest };
}

/** A ConfigMap holding Grafana dashboards, labelled for the Grafana sidecar of kube-prometheus-stack. */
function dashboardConfigMap(name: string, namespace: string, dashboards: { file: string; json: string }[], indent = ""): string {
    const lines = [
        `${indent}apiVersion: v1`,
        `${indent}kind: ConfigMap`,
        `${indent}metadata:`,
        `${indent}  name: ${name}`,
        `${indent}  namespace: ${namespace}`,
        `${indent}  labels:`,
        `${indent}    grafana_dashboard: "1"`,
        `${indent}    app.kubernetes.io/part-of: monitoring`,
        `${indent}data:`,
    ];
    for (const d of dashboards) {
        lines.push(`${indent}  ${path.basename(d.file)}: |-`);
        for (const l of d.json.split("\n")) lines.push(l === "" ? "" : `${indent}    ${l}`);
    }
    return lines.join("\n") + "\n";
}

function write(file: string, text: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
}

/**
 * Builds (or reuses) the realistic corpus with at least `minObjects` objects under
 * `cacheRoot` and describes its shape.
 */
export function realisticCorpus(cacheRoot: string, minObjects: number, log: (line: string) => void = () => undefined): CorpusShape {
    const dir = path.join(cacheRoot, `realistic-v${LAYOUT_VERSION}-${minObjects}`);
    const shapeFile = path.join(dir, "corpus-shape.json");
    if (fs.existsSync(shapeFile)) return JSON.parse(fs.readFileSync(shapeFile, "utf8")) as CorpusShape;
    const building = `${dir}.partial-${process.pid}`;
    fs.rmSync(building, { recursive: true, force: true });
    const parts: CorpusShape["parts"] = [];
    let lists = 0;
    let crds = 0;
    let largest = 0;
    const record = (label: string, kind: CorpusShape["parts"][number]["kind"], written: string[]) => {
        let objects = 0;
        let bytes = 0;
        for (const f of written) {
            const text = fs.readFileSync(f, "utf8");
            const c = countObjects(text);
            objects += c.objects;
            lists += c.lists;
            crds += c.crds;
            largest = Math.max(largest, c.largest);
            bytes += Buffer.byteLength(text);
        }
        parts.push({ label, kind, objects, files: written.length, bytes });
        log(`  ${kind.padEnd(16)} ${label.padEnd(22)} ${String(objects).padStart(5)} objects ${String(written.length).padStart(5)} files ${(bytes / 1048576).toFixed(1).padStart(6)} MiB`);
    };

    for (const s of SOURCES) {
        const root = goModuleDir(s.module, s.version, cacheRoot);
        const written: string[] = [];
        for (const p of s.paths) {
            for (const f of filesUnder(path.join(root, p), /\.ya?ml$/)) {
                const text = fs.readFileSync(f, "utf8");
                // Helm templates and other non-YAML files under the same folders are not manifests.
                if (countObjects(text).objects === 0) continue;
                const target = path.join(building, "real", s.label, path.relative(root, f));
                write(target, text);
                written.push(target);
            }
        }
        record(`${s.label} ${s.version}`, "real", written);
    }

    // Dashboards: one ConfigMap each, ~1 MB bundles, and one ConfigMapList of all of them.
    const dashboards = DASHBOARDS.flatMap((s) => {
        const root = goModuleDir(s.module, s.version, cacheRoot);
        return s.paths.flatMap((p) => filesUnder(path.join(root, p), /\.json$/)).map((file) => ({ file, json: fs.readFileSync(file, "utf8").trimEnd() }));
    });
    const assembled: string[] = [];
    // Unique by index: the two Loki variants share file names.
    const names = new Map(dashboards.map((d, i) => [d, `grafana-dashboard-${i + 1}-${path.basename(d.file, ".json").replace(/[^a-z0-9-]/g, "-")}`.slice(0, 63).replace(/-+$/, "")]));
    const cmName = (d: (typeof dashboards)[number]) => names.get(d) as string;
    for (const d of dashboards) {
        const f = path.join(building, "assembled", "dashboards", `${cmName(d)}.yaml`);
        write(f, dashboardConfigMap(cmName(d), "monitoring", [d]));
        assembled.push(f);
    }
    let bundle: typeof dashboards = [];
    let bundleBytes = 0;
    let bundles = 0;
    const flush = () => {
        if (bundle.length === 0) return;
        const name = `grafana-dashboards-bundle-${++bundles}`;
        const f = path.join(building, "assembled", "dashboard-bundles", `${name}.yaml`);
        write(f, dashboardConfigMap(name, "monitoring", bundle));
        assembled.push(f);
        bundle = [];
        bundleBytes = 0;
    };
    for (const d of dashboards) {
        bundle.push(d);
        bundleBytes += d.json.length;
        if (bundleBytes >= BUNDLE_BYTES) flush();
    }
    flush();
    const listItems = dashboards.map((d) => dashboardConfigMap(cmName(d), "monitoring-list", [d], "    ").replace(/^ {4}/, "  - ")).join("");
    const listFile = path.join(building, "assembled", "grafana-dashboardDefinitions.yaml");
    write(listFile, `apiVersion: v1\nkind: ConfigMapList\nitems:\n${listItems}`);
    assembled.push(listFile);
    // Argo CD's namespace install as one `kind: List`, as `kubectl get -o yaml` prints objects.
    const argo = path.join(goModuleDir(ARGO_CD.module, ARGO_CD.version, cacheRoot), "manifests", "namespace-install.yaml");
    const argoParsed = parseAllDocuments(fs.readFileSync(argo, "utf8"));
    const argoDocs = (Array.isArray(argoParsed) ? argoParsed : []).map((d) => d.toJS()).filter((v) => v && typeof v === "object");
    const argoList = path.join(building, "assembled", "argo-cd-namespace-install-list.yaml");
    write(argoList, JSON.stringify({ apiVersion: "v1", kind: "List", items: argoDocs }, null, 1) + "\n");
    assembled.push(argoList);
    record(`dashboards, lists`, "assembled", assembled);

    // Filler: the Mimir scenarios again, file by file, in further namespaces, until there are enough objects.
    const mimirReal = path.join(building, "real", "mimir-helm-rendered");
    const mimirFiles = filesUnder(mimirReal, /\.ya?ml$/);
    const filler: string[] = [];
    let total = parts.reduce((n, p) => n + p.objects, 0);
    for (let i = 0; total < minObjects; i++) {
        const tenant = `tenant-${1 + Math.floor(i / mimirFiles.length)}`;
        const f = mimirFiles[i % mimirFiles.length];
        const text = fs.readFileSync(f, "utf8").split(FILLER_NAMESPACE).join(tenant);
        const target = path.join(building, "generated-filler", tenant, path.relative(mimirReal, f));
        write(target, text);
        filler.push(target);
        total += countObjects(text).objects;
    }
    if (filler.length > 0) record("mimir scenarios in tenant-N namespaces", "generated filler", filler);

    const shape: CorpusShape = {
        dir,
        objects: parts.reduce((n, p) => n + p.objects, 0),
        files: parts.reduce((n, p) => n + p.files, 0),
        bytes: parts.reduce((n, p) => n + p.bytes, 0),
        parts,
        largestObjectBytes: largest,
        listObjects: lists,
        crdObjects: crds,
    };
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(building, dir);
    fs.writeFileSync(shapeFile, JSON.stringify(shape, null, 2) + "\n");
    return shape;
}

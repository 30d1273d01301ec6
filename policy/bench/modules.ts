// Helpers the benchmark's corpora (corpora.ts) are built with: public projects' files from the
// Go module proxy's module zips, object counting, and Grafana-dashboard ConfigMaps.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseAllDocuments } from "yaml";

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

export function filesUnder(p: string, pattern: RegExp): string[] {
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
export function dashboardConfigMap(name: string, namespace: string, dashboards: { file: string; json: string }[], indent = ""): string {
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

export function write(file: string, text: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
}

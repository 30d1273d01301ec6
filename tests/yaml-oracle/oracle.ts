// Builds and runs scripts/fixtures/yaml-oracle (kubectl's reading: k8s.io/apimachinery's
// YAMLOrJSONDecoder with sigs.k8s.io/yaml) over JSON lines, and compares the checker's two YAML
// paths with it.
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseFast } from "../../policy/cli/yaml-fast";
import { parseCompat } from "../../policy/cli/yaml-compat";
import type { ParseOutcome } from "../../policy/cli/yaml-document";
import { manifestText } from "../../policy/cli/manifests";
import { SOURCE_MODULES } from "../../policy/bench/corpora";
import { filesUnder, goModuleDir } from "../../policy/bench/modules";

const sourceDir = path.resolve(__dirname, "../../scripts/fixtures/yaml-oracle");

/** The oracle binary: YAML_ORACLE_BIN if given, else built once into ~/.cache/websvc, named by the hash of its sources. */
export function oracleBinary(): string {
    const given = process.env.YAML_ORACLE_BIN;
    if (given) return given;
    const hash = crypto.createHash("sha256");
    for (const f of ["main.go", "go.mod", "go.sum"]) hash.update(fs.readFileSync(path.join(sourceDir, f)));
    const dir = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "websvc");
    const bin = path.join(dir, `yaml-oracle-${hash.digest("hex").slice(0, 16)}`);
    if (!fs.existsSync(bin)) {
        fs.mkdirSync(dir, { recursive: true });
        const tmp = `${bin}.${process.pid}.tmp`; // renamed when complete: an interrupted build leaves no half binary
        execFileSync("go", ["build", "-trimpath", "-o", tmp, "."], { cwd: sourceDir, stdio: "inherit", env: { ...process.env, GOTOOLCHAIN: "local", CGO_ENABLED: "0" } });
        fs.renameSync(tmp, bin);
    }
    return bin;
}

/**
 * Every .yaml, .yml and .json file of the projects the benchmark's corpora come from (their Go
 * module zips, fetched through the module proxy), named by module path.
 */
export function realWorldFiles(cacheRoot: string): { projects: number; names: string[]; texts: string[] } {
    const names: string[] = [];
    const texts: string[] = [];
    for (const { module, version } of SOURCE_MODULES) {
        const dir = goModuleDir(module, version, cacheRoot);
        for (const file of filesUnder(dir, /\.(ya?ml|json)$/)) {
            names.push(`${module}@${version}/${path.relative(dir, file)}`);
            texts.push(manifestText(fs.readFileSync(file)));
        }
    }
    return { projects: SOURCE_MODULES.length, names, texts };
}

export interface OracleAnswer {
    id: string;
    docs: unknown[];
    error?: string;
}

/** Kubernetes' reading of each text (documents, or the error kubectl gives), asked in batches. */
export function kubernetesReading(texts: string[], batch = 500): OracleAnswer[] {
    const answers: OracleAnswer[] = [];
    for (let from = 0; from < texts.length; from += batch) {
        const some = texts.slice(from, from + batch);
        const input = some.map((text, i) => JSON.stringify({ id: String(i), text })).join("\n") + "\n";
        const output = execFileSync(oracleBinary(), [], { input, maxBuffer: 1024 * 1024 * 1024 }).toString();
        const got = output.trim().split("\n").map((l) => JSON.parse(l) as OracleAnswer);
        if (got.length !== some.length) throw new Error(`oracle answered ${got.length} of ${some.length} texts`);
        answers.push(...got);
    }
    return answers;
}

export type Verdict = "same objects" | "both refuse" | "checker refuses" | "checker accepts what kubectl refuses" | "different objects";

/** How one of the checker's paths compares with Kubernetes on one text. */
export function compare(ours: ParseOutcome, theirs: OracleAnswer): Verdict {
    if ("error" in ours) return theirs.error !== undefined ? "both refuse" : "checker refuses";
    if (theirs.error !== undefined) return "checker accepts what kubectl refuses";
    const values = ours.docs.map((d) => d.value);
    return JSON.stringify(canonical(values)) === JSON.stringify(canonical(theirs.docs)) && sameNegativeZeros(values, theirs.docs) ? "same objects" : "different objects";
}

/** Keys sorted, so that two readings compare as JSON values. */
function canonical(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(canonical);
    if (v !== null && typeof v === "object") {
        const out: Record<string, unknown> = {};
        for (const k of Object.keys(v).sort()) Object.defineProperty(out, k, { value: canonical((v as Record<string, unknown>)[k]), enumerable: true });
        return out;
    }
    return v;
}

function sameNegativeZeros(a: unknown, b: unknown): boolean {
    if (typeof a === "number" && typeof b === "number") return Object.is(a, b) || (a === b && a !== 0) || (a === 0 && b === 0 && Object.is(a, -0) === Object.is(b, -0));
    if (Array.isArray(a) && Array.isArray(b)) return a.every((x, i) => sameNegativeZeros(x, b[i]));
    if (a && b && typeof a === "object" && typeof b === "object") return Object.keys(a).every((k) => sameNegativeZeros((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
    return true;
}

/** The checker's two readings: the default path (js-yaml, `yaml` for what js-yaml cannot parse) and the `yaml` path alone. */
export function checkerReadings(text: string): { auto: ParseOutcome; yaml: ParseOutcome } {
    return { auto: parseFast(text) ?? parseCompat(text), yaml: parseCompat(text) };
}

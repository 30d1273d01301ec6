// Builds and runs scripts/fixtures/pss-oracle (the real k8s.io/pod-security-admission) over JSON lines.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export interface OracleRequest { id: string; level: "baseline" | "restricted"; version: string; metadata: object; spec: object }
export interface OracleResponse { id: string; allowed: boolean; failing: string[]; error?: string }

const sourceDir = path.resolve(__dirname, "../../scripts/fixtures/pss-oracle");

/** Path of the oracle binary: PSS_ORACLE_BIN if given, else built once into the temp dir. */
export function oracleBinary(): string {
    const given = process.env.PSS_ORACLE_BIN;
    if (given) {
        return given;
    }
    const bin = path.join(os.tmpdir(), "websvc-pss-oracle");
    const sources = ["main.go", "go.mod", "go.sum"].map((f) => fs.statSync(path.join(sourceDir, f)).mtimeMs);
    if (!fs.existsSync(bin) || fs.statSync(bin).mtimeMs < Math.max(...sources)) {
        execFileSync("go", ["build", "-o", bin, "."], { cwd: sourceDir, stdio: "inherit", env: { ...process.env, GOTOOLCHAIN: "local" } });
    }
    return bin;
}

export function evaluateWithOracle(requests: OracleRequest[]): OracleResponse[] {
    const input = requests.map((r) => JSON.stringify(r)).join("\n") + "\n";
    const output = execFileSync(oracleBinary(), [], { input, maxBuffer: 256 * 1024 * 1024 }).toString();
    const responses = output.trim().split("\n").map((l) => JSON.parse(l) as OracleResponse);
    if (responses.length !== requests.length) {
        throw new Error(`oracle answered ${responses.length} of ${requests.length} requests`);
    }
    return responses;
}

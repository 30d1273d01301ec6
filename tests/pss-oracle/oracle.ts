// Builds and runs scripts/fixtures/pss-oracle (the real k8s.io/pod-security-admission) over JSON lines.
import { execFileSync } from "child_process";
import * as crypto from "crypto";
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
    // Named by the hash of its sources, not judged by mtimes: other checkouts on the machine build
    // their own oracle into the same temp dir, and a newer binary from other sources must not be used.
    const hash = crypto.createHash("sha256");
    for (const f of ["main.go", "go.mod", "go.sum"]) hash.update(fs.readFileSync(path.join(sourceDir, f)));
    const bin = path.join(os.tmpdir(), `websvc-pss-oracle-${hash.digest("hex").slice(0, 16)}`);
    if (!fs.existsSync(bin)) {
        const tmp = `${bin}.${process.pid}.tmp`; // renamed when complete: an interrupted build leaves no half binary
        execFileSync("go", ["build", "-o", tmp, "."], { cwd: sourceDir, stdio: "inherit", env: { ...process.env, GOTOOLCHAIN: "local" } });
        fs.renameSync(tmp, bin);
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

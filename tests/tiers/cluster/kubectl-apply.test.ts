// Plain kubectl, as anyone would: the synthesized production objects (`npm run synth`, no engine)
// apply with `kubectl apply --server-side --validate=strict`, and the Deployment becomes Available.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { announceCluster, appSelector, clusterMissing, kubectlTry, waitScaled, zoneSpread } from "../lib/kube";
import { note, ROOT, run, skipUnlessProvisioned, tail } from "../lib/tier";

const NS = "websvc-production";

describe("cluster: plain kubectl", function () {
    this.timeout(600_000);
    let out: string;

    before(function () {
        skipUnlessProvisioned(this, "cluster", clusterMissing());
        announceCluster();
        out = fs.mkdtempSync(path.join(os.tmpdir(), "websvc-synth-production-"));
    });

    after(() => {
        if (out) fs.rmSync(out, { recursive: true, force: true });
        kubectlTry(["delete", "ns", NS, "--wait=true", "--timeout", "90s"]);
    });

    it("kubectl apply --server-side --validate=strict of the synthesized production objects: Deployment Available, spread over zones", async () => {
        const synth = await run(process.execPath, ["-r", "ts-node/register/transpile-only", "scripts/synth.ts", "--stack", "production", "--out", out, "--no-policy"], { cwd: ROOT });
        assert.equal(synth.code, 0, `synth failed:\n${tail(synth.output)}`);
        for (const f of ["resources.json", "outputs.json"]) fs.rmSync(path.join(out, f), { force: true });
        // The namespace first: every other object lives in it.
        const namespaces = fs.readdirSync(out).filter((f) => f.startsWith("namespace_") && f.endsWith(".yaml")).map((f) => path.join(out, f));
        const first = kubectlTry(["apply", "--server-side", "--validate=strict", ...namespaces.flatMap((f) => ["-f", f])]);
        assert.ok(first.ok, `kubectl apply refused the namespace:\n${first.output}`);
        const all = kubectlTry(["apply", "--server-side", "--validate=strict", "-f", out]);
        assert.ok(all.ok, `kubectl apply --server-side --validate=strict refused the synthesized objects:\n${tail(all.output)}`);
        await waitScaled(NS, appSelector(NS), 120);
        const spread = zoneSpread(NS, appSelector(NS));
        note(`${(all.output.match(/serverside-applied/g) ?? []).length} applied; ${spread.summary}`);
    });
});

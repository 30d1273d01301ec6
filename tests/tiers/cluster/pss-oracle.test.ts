// The API server as a PSS oracle: Kubernetes' own pod-security-admission fixtures and the defaulting
// fixtures, server-side dry-run in namespaces labelled per level and version; the pack's verdicts must
// agree (scripts/tiers/pss-apiserver.ts, its own entry point `npm run test:pss-apiserver`).
import { strict as assert } from "assert";
import { clusterMissing } from "../lib/kube";
import { note, ROOT, run, skipUnlessProvisioned, tail } from "../lib/tier";

describe("cluster: admission as an oracle", function () {
    this.timeout(900_000);

    before(function () {
        skipUnlessProvisioned(this, "cluster", clusterMissing());
    });

    it("PSS oracle: the pack agrees with the API server's PodSecurity admission on every verdict", async () => {
        const r = await run(process.execPath, ["-r", "ts-node/register/transpile-only", "scripts/tiers/pss-apiserver.ts", "--deadline-seconds", "600"], { cwd: ROOT });
        assert.equal(r.code, 0, `the pack and the API server's PodSecurity admission disagree, or the comparison failed:\n${tail(r.output, 30)}`);
        note(r.output.split("\n").filter((l) => /agrees with the apiserver|dry-run creates/.test(l)).map((l) => l.replace(/^apiserver-compare: /, "")).join("\n"));
    });
});

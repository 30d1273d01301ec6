// --framework nsa|cis through the bin: only the mapped policies run, each control is PASS/FAIL
// from its own findings (a host-network pod fails "host network", not "host PID"), and controls
// no policy checks are listed as NOT COVERED, never as passing.
import { strict as assert } from "assert";
import { runCheckCli, suiteDir } from "../policy-tooling/support";
import { FRAMEWORKS } from "../../policy/lib/frameworks";

const POD = `apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ops}\nspec:\n  hostNetwork: yes\n  containers:\n  - name: c\n    image: registry.example.com/app:1.0\n`;

function statuses(stderr: string): Map<string, string> {
    return new Map(stderr.split("\n").map((l) => /^(\d+(?:\.\d+)+)\s+(PASS|FAIL|NOT COVERED|NOT RUN)\b/.exec(l)).filter((m): m is RegExpExecArray => m !== null).map((m) => [m[1], m[2]]));
}

describe("--framework (child process)", function () {
    this.timeout(120000);
    const dir = suiteDir("framework-", { "pod.yaml": POD });
    const file = () => dir.path("pod.yaml");

    for (const id of ["nsa", "cis"] as const) {
        it(`${id}: every control has a status; uncovered ones are NOT COVERED and listed`, () => {
            const r = runCheckCli(["--framework", id, "--format", "json", file()]);
            assert.equal(r.code, 1, r.stderr);
            const got = statuses(r.stderr);
            const framework = FRAMEWORKS[id];
            assert.equal(got.size, framework.controls.length);
            const uncovered = framework.controls.filter((c) => c.policies.length === 0).map((c) => c.id);
            assert.ok(uncovered.length > 0);
            for (const c of uncovered) assert.equal(got.get(c), "NOT COVERED", c);
            assert.match(r.stderr, new RegExp(`not covered \\(check them another way\\): ${uncovered.join(", ").replace(/\./g, "\\.")}`));
            // Only the mapped policies ran.
            const mapped = new Set(framework.controls.flatMap((c) => c.policies));
            for (const e of JSON.parse(r.stdout) as { violations: { policy: string }[] }[]) for (const v of e.violations) assert.ok(mapped.has(v.policy), v.policy);
        });
    }

    it("a host-network pod fails the host-network controls only, not host PID/IPC or privileged", () => {
        const nsa = statuses(runCheckCli(["--framework", "nsa", file()]).stderr);
        assert.equal(nsa.get("1.5"), "FAIL");
        assert.equal(nsa.get("1.4"), "PASS");
        assert.equal(nsa.get("1.2"), "PASS");
        const cis = statuses(runCheckCli(["--framework", "cis", file()]).stderr);
        assert.deepEqual([cis.get("5.2.5"), cis.get("5.2.3"), cis.get("5.2.4"), cis.get("5.2.2")], ["FAIL", "PASS", "PASS", "PASS"]);
    });

    it("refuses --framework with --only, and an unknown framework (exit 2)", () => {
        assert.equal(runCheckCli(["--framework", "nsa", "--only", "pss", file()]).code, 2);
        const r = runCheckCli(["--framework", "pci", file()]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /Allowed choices are nsa, cis/);
    });
});

// --format github through the bin: one workflow command per finding, the level from the
// finding's severity, the policy id as title, exemptions as notices. Compared with the same
// run's JSON report (which findings exist), not with the renderer's own output.
import { strict as assert } from "assert";
import * as path from "path";
import { fixture, REPO_ROOT, runCheckCli, runJson } from "../policy-tooling/support";

const rel = (p: string) => path.relative(REPO_ROOT, p);

interface Annotation { level: string; props: Record<string, string>; message: string }

/** Parses `::level k=v,k=v::message` lines (unescaping %XX as the runner does). */
function annotations(stdout: string): Annotation[] {
    const unescape = (s: string) => s.replace(/%0A/g, "\n").replace(/%0D/g, "\r").replace(/%3A/g, ":").replace(/%2C/g, ",").replace(/%25/g, "%");
    return stdout
        .split("\n")
        .filter((l) => l.startsWith("::"))
        .map((l) => {
            const m = /^::(\w+)(?: ([^:]*))?::(.*)$/.exec(l);
            assert.ok(m, `not a workflow command: ${l}`);
            const props = Object.fromEntries((m[2] ?? "").split(",").filter(Boolean).map((kv) => kv.split("=", 2).map(unescape) as [string, string]));
            return { level: m[1], props, message: unescape(m[3]) };
        });
}

describe("--format github (child process)", function () {
    this.timeout(120000);

    it("one annotation per finding, on the object's file and line, titled with the policy id, level from severity", () => {
        const target = rel(fixture("violating"));
        const { entries } = runJson([target]);
        const run = runCheckCli(["--format", "github", target]);
        assert.equal(run.code, 1, run.stderr);
        const got = annotations(run.stdout);
        const expected = entries.flatMap((e) => e.violations.map((v) => ({ file: e.file, policy: v.policy, severity: v.severity })));
        assert.ok(expected.length > 3);
        assert.equal(got.length, expected.length);
        const level: Record<string, string> = { critical: "error", high: "error", medium: "warning", low: "notice" };
        for (const [i, e] of expected.entries()) {
            assert.equal(got[i].props.title, e.policy);
            assert.equal(got[i].props.file, e.file);
            assert.equal(got[i].level, level[e.severity], `${e.policy} (${e.severity})`);
            assert.match(got[i].props.line, /^\d+$/);
        }
        assert.ok(new Set(got.map((a) => a.level)).size >= 2, "the fixture should give more than one level");
    });

    it("exempted findings are notices naming the annotation and reason", () => {
        const file = rel(fixture("exemptions", "honoured.yaml"));
        const { entries } = runJson([file]) as { entries: (ReturnType<typeof runJson>["entries"][number] & { exempted?: { policy: string; reason: string }[] })[] };
        const exempted = entries.flatMap((e) => e.exempted ?? []);
        assert.ok(exempted.length > 0);
        const notices = annotations(runCheckCli(["--format", "github", file]).stdout).filter((a) => a.props.title.endsWith("(exempted)"));
        assert.equal(notices.length, exempted.length);
        for (const [i, x] of exempted.entries()) {
            assert.equal(notices[i].level, "notice");
            assert.equal(notices[i].props.title, `${x.policy} (exempted)`);
            assert.ok(notices[i].message.includes(x.reason), notices[i].message);
        }
    });

    it("escapes newlines, commas and colons, and reports unreadable input as an error annotation", () => {
        const run = runCheckCli(["--format", "github", "-", rel(fixture("broken"))], { input: "a: [\n" });
        assert.equal(run.code, 2);
        const errors = annotations(run.stdout).filter((a) => a.props.title === "unreadable input");
        assert.ok(errors.some((a) => a.props.file === rel(fixture("broken", "invalid.yaml"))), JSON.stringify(errors));
        assert.ok(errors.some((a) => a.props.file === undefined), "stdin has no file property");
        for (const line of run.stdout.split("\n").filter((l) => l.startsWith("::"))) assert.doesNotMatch(line.slice(2, line.indexOf("::", 2)), /file=[^,]*:/);
    });
});

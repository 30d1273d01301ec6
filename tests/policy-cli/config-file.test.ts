// .k8s-policy-check.yaml through the bin: found from the working directory upwards, overridden by
// --config-file, flags win over it, paths in it are relative to it, and a bad file is refused
// naming the file and the key.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { runCheckCli, suiteDir } from "../policy-tooling/support";

const POD = `apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ops}\nspec:\n  hostNetwork: true\n  containers:\n  - name: c\n    image: registry.example.com/app:1.0\n    securityContext: {privileged: true}\n`;

describe(".k8s-policy-check.yaml (child process)", function () {
    this.timeout(120000);
    const suite = suiteDir("config-file-", { "deploy/prod/pod.yaml": POD, ".k8s-policy-check.yaml": "format: json\nonly: pss-baseline-privileged\n" });
    let root: string;
    let sub: string;
    before(() => {
        root = suite.root;
        sub = suite.path("deploy", "prod");
    });

    const policies = (stdout: string) => (JSON.parse(stdout) as { violations: { policy: string }[] }[]).flatMap((e) => e.violations.map((v) => v.policy)).sort();

    it("is found from the working directory upwards", () => {
        const run = runCheckCli(["pod.yaml"], { cwd: sub });
        assert.equal(run.code, 1, run.stderr);
        assert.deepEqual(policies(run.stdout), ["pss-baseline-privileged"]);
    });

    it("flags win over it; --no-config-file ignores it", () => {
        const run = runCheckCli(["--only", "pss-baseline-host-namespaces", "pod.yaml"], { cwd: sub });
        assert.deepEqual(policies(run.stdout), ["pss-baseline-host-namespaces"]);
        const table = runCheckCli(["--format", "table", "pod.yaml"], { cwd: sub });
        assert.match(table.stdout, /^LOCATION/);
        const none = runCheckCli(["--no-config-file", "--only", "pss-baseline", "pod.yaml"], { cwd: sub });
        assert.match(none.stdout, /^LOCATION/, "without the file the format is the default table");
    });

    it("--config-file overrides the one found; its paths are relative to it", () => {
        const other = path.join(root, "other");
        fs.mkdirSync(other);
        fs.writeFileSync(path.join(other, "base.json"), JSON.stringify({ version: 1, findings: [{ kind: "Pod", namespace: "ops", name: "p", policy: "pss-baseline-host-namespaces", field: "spec.hostNetwork" }] }));
        fs.writeFileSync(path.join(other, "checker.yaml"), "format: json\nonly: pss-baseline\nbaseline: base.json\n");
        const run = runCheckCli(["--config-file", path.join(other, "checker.yaml"), "pod.yaml"], { cwd: sub });
        assert.equal(run.code, 1, run.stderr);
        assert.deepEqual(policies(run.stdout), ["pss-baseline-privileged"], "host namespaces is baselined by the file's baseline");
        assert.match(run.stderr, /1 finding\(s\) recorded in .*base\.json left out/);
    });

    for (const [content, message] of [
        ["format: xml\n", /key format: must be equal to one of the allowed values \(table, json, sarif, junit, github\)/],
        ["onlyy: pss\n", /key \(top level\): must NOT have additional properties "onlyy"/],
        ["kubernetesVersion: 1.30.1\n", /key kubernetesVersion: must match pattern/],
        ["ignorePath: vendor\n", /key ignorePath: must be array/],
        ["softFail: maybe\n", /key softFail: must be boolean/],
    ] as [string, RegExp][]) {
        it(`a bad file is refused naming it and the key: ${content.trim()}`, () => {
            const file = path.join(root, "bad.yaml");
            fs.writeFileSync(file, content);
            const run = runCheckCli(["--config-file", file, "pod.yaml"], { cwd: sub });
            assert.equal(run.code, 2);
            assert.match(run.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: invalid checker config: ${message.source}`));
        });
    }
});

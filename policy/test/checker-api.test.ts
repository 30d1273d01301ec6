// The checker's in-process API (what the synth script uses): objects from memory, parsed text.
import { strict as assert } from "assert";
import { checkObjects, parseManifestText } from "../check";

const privilegedPod = (namespace: string) => `apiVersion: v1
kind: Pod
metadata:
  name: same-name
  namespace: ${namespace}
spec:
  containers:
    - name: c
      image: registry.example.com/x:1.0
      securityContext:
        privileged: true
`;

describe("checker API (in-process)", function () {
    this.timeout(60000);

    it("keeps the same object from two files apart: each gets its own violations", () => {
        const a = parseManifestText(privilegedPod("team"), "a.yaml").objects;
        const b = parseManifestText(privilegedPod("team"), "b.yaml").objects;
        const result = checkObjects([...a, ...b], { only: "pss-baseline-privileged" });
        assert.deepEqual(
            result.reports.map((r) => [r.file, r.name, r.violations.map((v) => v.policy)]),
            [
                ["a.yaml", "team/same-name", ["pss-baseline-privileged"]],
                ["b.yaml", "team/same-name", ["pss-baseline-privileged"]],
            ],
        );
        assert.equal(result.exitCode, 1);
    });

    it("reports the line where each document's object starts", () => {
        const text = `# leading comment\n${privilegedPod("one")}---\n\n${privilegedPod("two")}`;
        const lines = text.split("\n");
        const starts = lines.flatMap((l, i) => (l.startsWith("apiVersion:") ? [i + 1] : []));
        assert.deepEqual(parseManifestText(text, "x.yaml").objects.map((o) => o.line), starts);
    });

    it("turns a YAML syntax error into an input error for the file, with no objects", () => {
        const parsed = parseManifestText("kind: Pod\nmetadata: {name: [\n", "bad.yaml");
        assert.deepEqual(parsed.objects, []);
        assert.equal(parsed.errors.length, 1);
        assert.match(parsed.errors[0].message, /^invalid YAML: document 1, line \d+/);
    });

    it("advisory-only findings exit 0", () => {
        const objects = parseManifestText(privilegedPod("team"), "a.yaml").objects;
        const result = checkObjects(objects, { only: "pss-baseline-privileged", config: { all: "advisory" } });
        assert.equal(result.reports[0].violations[0].enforcementLevel, "advisory");
        assert.equal(result.exitCode, 0);
    });
});

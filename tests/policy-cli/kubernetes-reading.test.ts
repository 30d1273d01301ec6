// The checker reads manifests as Kubernetes does (policy/cli/k8s-yaml.ts), through the bin in a
// child process: the inputs that used to walk past it (YAML 1.1 booleans, merge keys, .json files
// in a directory, a path with nothing in it) and the documents it refuses rather than guess at.
// Expected findings follow from the Pod Security Standards (hostNetwork/hostPID are baseline
// "Host Namespaces", privileged is baseline "Privileged Containers"), not from the checker.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { policiesOf, runCheckCli, runJson, tempDir } from "../policy-tooling/support";

const pod = (name: string, spec: string) => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}}\nspec:\n${spec}`;
const CONTAINER = `  containers:\n  - name: c\n    image: registry.example.com/app:1.0\n`;

describe("reading manifests as Kubernetes does (child process)", function () {
    this.timeout(120000);
    let dir: string;
    before(() => {
        dir = tempDir("k8s-reading-");
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const write = (name: string, text: string | Buffer) => {
        const file = path.join(dir, name);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, text);
        return file;
    };

    for (const [word, field] of [["yes", "hostNetwork"], ["on", "hostPID"], ["Y", "hostIPC"], ["TRUE", "hostNetwork"]]) {
        it(`${field}: ${word} is true (YAML 1.1, as sigs.k8s.io/yaml reads it) and breaks baseline`, () => {
            const file = write(`bool-${word}-${field}.yaml`, pod("p", `  ${field}: ${word}\n${CONTAINER}`));
            const { run, entries } = runJson(["--only", "pss-baseline", file]);
            assert.equal(run.code, 1, run.stderr);
            assert.deepEqual(policiesOf(entries[0]), ["pss-baseline-host-namespaces"]);
            assert.match(entries[0].violations[0].message, new RegExp(`spec\\.${field}`));
        });
    }

    it("hostNetwork: no / off / 'yes' (quoted: a string) pass", () => {
        const file = write("bool-false.yaml", ["no", "off", "'yes'"].map((v, i) => pod(`p${i}`, `  hostNetwork: ${v}\n${CONTAINER}`)).join("---\n"));
        const { run, entries } = runJson(["--only", "pss-baseline-host-namespaces", file]);
        assert.equal(run.code, 0, run.stderr);
        assert.equal(entries.length, 3);
        assert.deepEqual(entries.flatMap(policiesOf), []);
    });

    it("privileged: true through a merge key, an anchor and an alias is found", () => {
        const file = write(
            "merge.yaml",
            pod("inline", `  containers:\n  - name: c\n    image: r/i:1\n    securityContext: {<<: {privileged: true}}\n`) +
                "---\n" +
                `x-defaults: &priv {privileged: true, allowPrivilegeEscalation: true}\n` +
                pod("aliased", `  containers:\n  - name: c\n    image: r/i:1\n    securityContext:\n      <<: *priv\n      allowPrivilegeEscalation: false\n`),
        );
        const { run, entries } = runJson(["--only", "pss-baseline-privileged", file]);
        assert.equal(run.code, 1, run.stderr);
        assert.deepEqual(entries.map((e) => [e.name, policiesOf(e)]), [["inline", ["pss-baseline-privileged"]], ["aliased", ["pss-baseline-privileged"]]]);
    });

    it("reads .json manifests in a directory like .yaml ones (kubectl apply -f DIR), JSON streams included", () => {
        const jsonPod = { apiVersion: "v1", kind: "Pod", metadata: { name: "from-json" }, spec: { hostPID: true, containers: [{ name: "c", image: "r/i:1" }] } };
        write("jsondir/pod.json", JSON.stringify(jsonPod, null, 2));
        write("jsondir/stream.json", `${JSON.stringify({ ...jsonPod, metadata: { name: "s1" } })}\n${JSON.stringify({ ...jsonPod, metadata: { name: "s2" } })}\n`);
        write("jsondir/notes.txt", "not a manifest");
        const { run, entries } = runJson(["--only", "pss-baseline", path.join(dir, "jsondir")]);
        assert.equal(run.code, 1, run.stderr);
        assert.deepEqual(entries.map((e) => `${path.basename(e.file)}:${e.name}`).sort(), ["pod.json:from-json", "stream.json:s1", "stream.json:s2"]);
        for (const e of entries) assert.deepEqual(policiesOf(e), ["pss-baseline-host-namespaces"]);
    });

    it("stdin is decoded the same way", () => {
        const r = runCheckCli(["--only", "pss-baseline", "--format", "json", "-"], { input: pod("stdin", `  hostNetwork: on\n${CONTAINER}`) });
        assert.equal(r.code, 1, r.stderr);
        assert.deepEqual(policiesOf(JSON.parse(r.stdout)[0]), ["pss-baseline-host-namespaces"]);
    });

    it("a path with no Kubernetes object exits 2 naming it; --allow-empty makes it a warning", () => {
        const empty = path.join(dir, "empty");
        write("empty/only-comments.yaml", "# nothing here\n---\n");
        fs.mkdirSync(path.join(dir, "nothing"));
        const ok = write("ok.yaml", pod("fine", CONTAINER));
        const r = runCheckCli(["--only", "pss-baseline", empty, path.join(dir, "nothing"), ok]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, new RegExp(`error: ${empty}: no Kubernetes object found`));
        assert.match(r.stderr, /nothing: no Kubernetes object found/);
        assert.doesNotMatch(r.stderr, /ok\.yaml/);
        const allowed = runCheckCli(["--only", "pss-baseline", "--allow-empty", empty, ok]);
        assert.equal(allowed.code, 0, allowed.stderr);
        assert.match(allowed.stderr, new RegExp(`warning: ${empty}: no Kubernetes object found`));
        const stdin = runCheckCli(["-"], { input: "" });
        assert.equal(stdin.code, 2);
        assert.match(stdin.stderr, /<stdin>: no Kubernetes object found/);
    });

    it("refuses (exit 2) what Kubernetes reads in no single way, and still checks the other files", () => {
        const cases: Record<string, [string, RegExp]> = {
            "separator.yaml": [`${pod("a", CONTAINER)}--- text after the separator\n${pod("b", CONTAINER)}`, /invalid Yaml document separator/],
            "collide.yaml": [pod("c", `  nodeSelector:\n    1: a\n    '1': b\n${CONTAINER}`), /both become "1"/],
            "end-marker.yaml": [`${pod("d", CONTAINER)}...\n${pod("e", `  hostNetwork: true\n${CONTAINER}`)}`, /kubectl reads only the first/],
            "nan-value.yaml": [pod("f", `  priority: .nan\n${CONTAINER}`), /unsupported value: NaN/],
            "yaml12-escape.yaml": [pod("g", `  hostname: "a\\/b"\n${CONTAINER}`), /escape \\\/ .* YAML 1\.2/],
            "multi-line-key.yaml": [pod("h", `  nodeSelector: {disk\n    type: ssd}\n${CONTAINER}`), /flow mapping's key spans lines/],
            "control-char.yaml": [pod("i", `  hostname: a\u0007b\n${CONTAINER}`), /U\+0007 is not allowed/],
            // A comment to YAML 1.2 parsers, `hostNetwork: true` to Kubernetes (NEL ends a line in YAML 1.1).
            "nel-comment.yaml": [pod("j", `  dnsPolicy: ClusterFirst # note\u0085  hostNetwork: true\n${CONTAINER}`), /U\+0085 is a line break/],
        };
        const files = Object.entries(cases).map(([name, [text]]) => write(`refused/${name}`, text));
        const ok = write("refused-ok.yaml", pod("checked", `  hostIPC: true\n${CONTAINER}`));
        const { run, entries } = runJson(["--only", "pss-baseline", ...files, ok]);
        assert.equal(run.code, 2);
        for (const [name, [, message]] of Object.entries(cases)) assert.match(run.stderr, new RegExp(`${name}: invalid YAML: .*${message.source}`), name);
        assert.deepEqual(entries.map((e) => e.name), ["checked"]);
        assert.deepEqual(policiesOf(entries[0]), ["pss-baseline-host-namespaces"]);
    });

    it("UTF-16 files (with a byte order mark, as kubectl's BOMOverride reads them) are checked, not skipped", () => {
        const text = pod("utf16", `  hostNetwork: true\n${CONTAINER}`);
        const le = write("utf16/le.yaml", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]));
        const be = write("utf16/be.yaml", Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, "utf16le").swap16()]));
        for (const file of [le, be]) {
            const { run, entries } = runJson(["--only", "pss-baseline", file]);
            assert.equal(run.code, 1, `${file}: ${run.stderr}`);
            assert.deepEqual(entries.map((e) => [e.name, policiesOf(e)]), [["utf16", ["pss-baseline-host-namespaces"]]]);
        }
    });

    it("reads what `kubectl get -o yaml` writes: a quoted scalar wrapped onto under-indented lines (libyaml reads it; js-yaml alone refuses it)", () => {
        const long = "x".repeat(70);
        const file = write(
            "kubectl-get.yaml",
            `apiVersion: v1\nkind: Pod\nmetadata:\n  name: wrapped\n  annotations:\n    note: 'first ${long}\n    second \\/ line'\nspec:\n  containers:\n  - name: c\n    image: r/i:1\n    securityContext:\n      privileged: true\n`,
        );
        const { run, entries } = runJson(["--only", "pss-baseline-privileged", file]);
        assert.equal(run.code, 1, run.stderr);
        assert.deepEqual(entries.map((e) => [e.name, policiesOf(e)]), [["wrapped", ["pss-baseline-privileged"]]]);
    });

    // Kubernetes' reading (checked with sigs.k8s.io/yaml, tests/yaml-oracle): libyaml takes tabs as
    // separation on these lines; the checker used to refuse both files (exit 2).
    it("reads continuation lines led by tabs, in a quoted scalar and in a flow collection, and judges the pod", () => {
        const quoted = write("tab-quoted.yaml", `apiVersion: v1\nkind: Pod\nmetadata:\n  name: tabbed\n  annotations:\n    note: "first\n\tsecond"\nspec:\n  containers:\n  - name: c\n    image: r/i:1\n    securityContext:\n      privileged: true\n`);
        const flow = write("tab-flow.yaml", `apiVersion: v1\nkind: Pod\nmetadata: {name: tabflow}\nspec:\n  containers: [{name: c, image: r/i:1,\n\tsecurityContext: {privileged: yes}}]\n`);
        const { run, entries } = runJson(["--only", "pss-baseline-privileged", quoted, flow]);
        assert.equal(run.code, 1, run.stderr);
        assert.deepEqual(entries.map((e) => [e.name, policiesOf(e)]), [["tabbed", ["pss-baseline-privileged"]], ["tabflow", ["pss-baseline-privileged"]]]);
    });

    it("a BOM and CRLF line endings keep objects and line numbers", () => {
        const text = "\ufeff" + [pod("one", CONTAINER), pod("two", `  hostNetwork: yes\n${CONTAINER}`)].join("---\n").replace(/\n/g, "\r\n");
        const file = write("bom-crlf.yaml", text);
        const r = runCheckCli(["--only", "pss-baseline", "--format", "sarif", file]);
        assert.equal(r.code, 1, r.stderr);
        const results = JSON.parse(r.stdout).runs[0].results as { locations: { physicalLocation: { region: { startLine: number } } }[] }[];
        assert.deepEqual(results.map((x) => x.locations[0].physicalLocation.region.startLine), [text.split("\r\n").findIndex((l, i) => i > 0 && l === "apiVersion: v1") + 1]);
    });
});

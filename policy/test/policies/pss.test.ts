import * as assert from "assert";
import { allPolicies, selectPolicies } from "../../policies";
import { expectedToFail, pssCases } from "./pss-cases";
import { remediate, validateResource } from "./support/harness";
import { asResource, podKind, podWith, workloadKinds, type WorkloadKind } from "./support/workloads";

const versions = Array.from({ length: 13 }, (_, i) => 25 + i); // 1.25 .. 1.37
const policyById = new Map(allPolicies.map((p) => [p.name, p]));

/** "spec.containers[0]..." relative to the pod template -> path in the wrapping object. */
function pathIn(kind: WorkloadKind, at: string): string {
    const templatePrefix = kind.specPath.slice(0, -"spec".length);
    return templatePrefix + at;
}

describe("PSS controls: one-field mutations across versions and workload kinds", () => {
    for (const c of pssCases) {
        const policy = policyById.get(c.policy);
        describe(`${c.policy}: ${c.name}`, () => {
            it("policy exists", () => assert.ok(policy, `no policy ${c.policy}`));
            for (const minor of versions) {
                const fails = expectedToFail(c.verdict, minor);
                it(`1.${minor}: ${fails ? "fails" : "passes"} in every workload kind`, () => {
                    for (const kind of workloadKinds) {
                        const outcome = validateResource(policy!, asResource(kind, podWith(c.mutate)), { config: { kubernetesVersion: `1.${minor}` } });
                        if (!fails) {
                            assert.deepStrictEqual(outcome.messages, [], `${kind.kind} should pass`);
                            continue;
                        }
                        assert.ok(outcome.messages.length > 0, `${kind.kind} should fail (${outcome.notApplicable ?? "applicable"})`);
                        if (c.at) {
                            assert.ok(outcome.messages[0].startsWith(pathIn(kind, c.at)), `${kind.kind}: "${outcome.messages[0]}" should start with ${pathIn(kind, c.at)}`);
                        }
                    }
                });
            }
        });
    }
});

describe("PSS controls: the minimal restricted pod passes every control at every version", () => {
    for (const policy of selectPolicies("pss")) {
        it(policy.name, () => {
            for (const minor of versions) {
                for (const kind of workloadKinds) {
                    const outcome = validateResource(policy, asResource(kind, podWith(() => undefined)), { config: { kubernetesVersion: `1.${minor}` } });
                    assert.deepStrictEqual(outcome.messages, [], `${kind.kind} at 1.${minor}`);
                }
            }
        });
    }
});

describe("PSS controls: exact messages", () => {
    const run = (id: string, mutate: Parameters<typeof podWith>[0], version = "1.37") =>
        validateResource(policyById.get(id)!, asResource(workloadKinds.find((k) => k.kind === "Deployment")!, podWith(mutate)), { config: { kubernetesVersion: version } }).messages;

    it("run-as-non-root names the container and the field", () => {
        assert.deepStrictEqual(run("pss-restricted-run-as-non-root", (p) => { p.spec.containers[0].securityContext.runAsNonRoot = false; }), [
            'spec.template.spec.containers[0].securityContext.runAsNonRoot: container "container1" must not set runAsNonRoot=false',
        ]);
    });
    it("capabilities reports the missing drop and each forbidden add", () => {
        assert.deepStrictEqual(run("pss-restricted-capabilities", (p) => { p.spec.containers[0].securityContext.capabilities = { add: ["SYS_TIME"] }; }), [
            'spec.template.spec.containers[0].securityContext.capabilities.drop: container "container1" must drop "ALL" capabilities',
            'spec.template.spec.containers[0].securityContext.capabilities.add[0]: container "container1" may only add "NET_BIND_SERVICE", not "SYS_TIME"',
        ]);
    });
    it("host namespaces reports each namespace", () => {
        assert.deepStrictEqual(run("pss-baseline-host-namespaces", (p) => { p.spec.hostPID = true; p.spec.hostIPC = true; }), [
            "spec.template.spec.hostPID: pod must not set hostPID=true",
            "spec.template.spec.hostIPC: pod must not set hostIPC=true",
        ]);
    });
    it("sysctls names the unsafe sysctl", () => {
        assert.deepStrictEqual(run("pss-baseline-sysctls", (p) => { p.spec.securityContext.sysctls = [{ name: "kernel.msgmax", value: "1" }]; }, "1.30"), [
            'spec.template.spec.securityContext.sysctls[0].name: sysctl "kernel.msgmax" is not in the safe set',
        ]);
    });
});

describe("PSS controls: version gating outside 1.25-1.37", () => {
    it("seccomp annotations are checked before 1.19 and ignored from 1.19", () => {
        const pod = podWith((p) => { p.metadata.annotations = { "seccomp.security.alpha.kubernetes.io/pod": "unconfined" }; });
        const policy = policyById.get("pss-baseline-seccomp")!;
        assert.strictEqual(validateResource(policy, asResource(podKind, pod), { config: { kubernetesVersion: "1.18" } }).messages.length, 1);
        assert.strictEqual(validateResource(policy, asResource(podKind, pod), { config: { kubernetesVersion: "1.19" } }).messages.length, 0);
    });
    it("runAsUser=0 is allowed before the control exists (1.22) and the policy says why", () => {
        const outcome = validateResource(policyById.get("pss-restricted-run-as-user")!, asResource(podKind, podWith((p) => { p.spec.securityContext.runAsUser = 0; })), { config: { kubernetesVersion: "1.22" } });
        assert.deepStrictEqual(outcome.messages, []);
        assert.match(outcome.notApplicable ?? "", /does not exist before Kubernetes 1\.23/);
    });
    it("accepts v-prefixed and patch versions (the patch level does not matter)", () => {
        const pod = podWith((p) => { p.spec.containers[0].livenessProbe = { httpGet: { port: 80, host: "10.0.0.1" } }; });
        const policy = policyById.get("pss-baseline-host-probes")!;
        assert.strictEqual(validateResource(policy, asResource(podKind, pod), { config: { kubernetesVersion: "v1.34.2" } }).messages.length, 1);
        assert.strictEqual(validateResource(policy, asResource(podKind, pod), { config: { kubernetesVersion: "1.33.9" } }).messages.length, 0);
    });
    it("\"latest\" behaves like the newest rules", () => {
        const pod = podWith((p) => { p.spec.securityContext.sysctls = [{ name: "net.ipv4.tcp_notsent_lowat", value: "1" }]; });
        assert.deepStrictEqual(validateResource(policyById.get("pss-baseline-sysctls")!, asResource(podKind, pod), { config: { kubernetesVersion: "latest" } }).messages, []);
    });
});

describe("PSS controls: applicability and exemptions", () => {
    const privileged = policyById.get("pss-baseline-privileged")!;
    const bad = podWith((p) => { p.spec.containers[0].securityContext.privileged = true; });
    it("is not applicable to non-workload resources", () => {
        const outcome = validateResource(privileged, { type: "kubernetes:core/v1:ConfigMap", name: "cm", props: { data: { a: "b" } } });
        assert.strictEqual(outcome.notApplicable, "not a Pod or a workload with a pod template");
    });
    it("checks kube-system by default, like pod-security-admission (no exemption unless configured)", () => {
        assert.strictEqual(validateResource(privileged, asResource(podKind, bad, "p", "kube-system")).messages.length, 1);
    });
    it("exempts a namespace when exemptNamespaces lists it", () => {
        const outcome = validateResource(privileged, asResource(podKind, bad, "p", "kube-system"), { config: { exemptNamespaces: ["kube-system"] } });
        assert.deepStrictEqual(outcome.messages, []);
        assert.strictEqual(outcome.notApplicable, 'namespace "kube-system" is exempt');
    });
    it("exempts resources by name", () => {
        assert.deepStrictEqual(validateResource(privileged, asResource(podKind, bad, "legacy"), { config: { exemptResources: ["legacy"] } }).messages, []);
    });
    it("ignores unrelated kinds that share a template shape", () => {
        const outcome = validateResource(privileged, { type: "kubernetes:apps/v1:DeploymentPatch", name: "d", props: asResource(workloadKinds[4], bad).props });
        assert.ok(outcome.notApplicable);
    });
});

describe("PSS levels like pod-security-admission", () => {
    const windowsWithSysAdmin = podWith((p) => {
        p.spec.os = { name: "windows" };
        p.spec.containers[0].securityContext = { capabilities: { add: ["SYS_ADMIN"] } };
        p.spec.initContainers[0].securityContext = {};
    });
    const violationsAt = (selector: string, pod: ReturnType<typeof podWith>, version: string) =>
        selectPolicies(selector).flatMap((p) => validateResource(p, asResource(podKind, pod), { config: { kubernetesVersion: version } }).messages.map(() => p.name));

    it("restricted admits a Windows pod adding SYS_ADMIN from 1.25 (restricted capabilities replace baseline's)", () => {
        assert.deepStrictEqual(violationsAt("pss-restricted", windowsWithSysAdmin, "1.30"), []);
    });
    it("baseline rejects the same pod", () => {
        assert.deepStrictEqual(violationsAt("pss-baseline", windowsWithSysAdmin, "1.30"), ["pss-baseline-capabilities"]);
    });
    it("restricted still runs baseline procMount before 1.35 and restricted procMount from 1.35", () => {
        const unmasked = podWith((p) => { p.spec.hostUsers = false; p.spec.containers[0].securityContext.procMount = "Unmasked"; });
        assert.deepStrictEqual(violationsAt("pss-restricted", unmasked, "1.34"), ["pss-baseline-proc-mount"]);
        assert.deepStrictEqual(violationsAt("pss-restricted", unmasked, "1.35"), ["pss-restricted-proc-mount"]);
        assert.deepStrictEqual(violationsAt("pss-baseline", unmasked, "1.35"), []);
    });
    it("restricted reports a hostPath volume once, as a restricted volume type", () => {
        const hostPath = podWith((p) => { p.spec.volumes = [{ name: "h", hostPath: { path: "/" } }]; });
        assert.deepStrictEqual(violationsAt("pss-restricted", hostPath, "1.37"), ["pss-restricted-volume-types"]);
    });
});

describe("PSS remediations", () => {
    const deploy = workloadKinds.find((k) => k.kind === "Deployment")!;
    const fixThenCheck = (id: string, mutate: Parameters<typeof podWith>[0]) => {
        const policy = policyById.get(id)!;
        const resource = asResource(deploy, podWith(mutate));
        assert.ok(validateResource(policy, resource).messages.length > 0, "fixture must violate first");
        const fixed = remediate(policy, resource) as any;
        assert.ok(fixed, "remediation returns new props");
        assert.deepStrictEqual(validateResource(policy, { ...resource, props: fixed }).messages, []);
        return fixed.spec.template.spec;
    };
    it("privilege escalation: sets allowPrivilegeEscalation=false everywhere, keeps other fields", () => {
        const spec = fixThenCheck("pss-restricted-privilege-escalation", (p) => { p.spec.containers[0].securityContext = { runAsUser: 10001 }; });
        assert.deepStrictEqual(spec.containers[0].securityContext, { runAsUser: 10001, allowPrivilegeEscalation: false });
    });
    it("seccomp: sets the pod-level RuntimeDefault profile", () => {
        const spec = fixThenCheck("pss-restricted-seccomp", (p) => { delete p.spec.securityContext.seccompProfile; });
        assert.deepStrictEqual(spec.securityContext, { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    });
    it("capabilities: appends ALL to drop", () => {
        const spec = fixThenCheck("pss-restricted-capabilities", (p) => { p.spec.containers[0].securityContext.capabilities = { drop: ["NET_RAW"], add: ["NET_BIND_SERVICE"] }; });
        assert.deepStrictEqual(spec.containers[0].securityContext.capabilities, { drop: ["NET_RAW", "ALL"], add: ["NET_BIND_SERVICE"] });
    });
    it("returns nothing for a compliant pod and leaves forbidden adds to a human", () => {
        assert.strictEqual(remediate(policyById.get("pss-restricted-capabilities")!, asResource(deploy, podWith(() => undefined))), undefined);
        const policy = policyById.get("pss-restricted-capabilities")!;
        const resource = asResource(deploy, podWith((p) => { p.spec.containers[0].securityContext.capabilities = { add: ["SYS_ADMIN"] }; }));
        const fixed = remediate(policy, resource) as any;
        assert.deepStrictEqual(validateResource(policy, { ...resource, props: fixed }).messages, [
            'spec.template.spec.containers[0].securityContext.capabilities.add[0]: container "container1" may only add "NET_BIND_SERVICE", not "SYS_ADMIN"',
        ]);
    });
});

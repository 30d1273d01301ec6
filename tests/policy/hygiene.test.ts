import * as assert from "assert";
import { allPolicies } from "../../policy/policies";
import type { PackPolicy } from "../../policy/lib/types";
import { remediate, validateResource, type RunOneOptions } from "./support/harness";
import { asResource, podWith, workloadKinds, type PodParts } from "./support/workloads";

const policy = (id: string): PackPolicy => {
    const p = allPolicies.find((x) => x.name === id);
    assert.ok(p, `no policy ${id}`);
    return p;
};
const deployment = workloadKinds.find((k) => k.kind === "Deployment")!;
const cronJob = workloadKinds.find((k) => k.kind === "CronJob")!;
const digest = "sha256:" + "a".repeat(64);

/** A pod template that satisfies every hygiene policy. */
function hygienicPod(mutate: (pod: PodParts) => void = () => undefined): PodParts {
    return podWith((p) => {
        p.spec.serviceAccountName = "web";
        p.spec.automountServiceAccountToken = false;
        p.spec.securityContext.runAsUser = 10001;
        p.spec.securityContext.runAsGroup = 10001;
        for (const c of [...p.spec.initContainers, ...p.spec.containers]) {
            c.image = `ghcr.io/acme/web:1.4.2@${digest}`;
            c.securityContext.readOnlyRootFilesystem = true;
            c.resources = { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "200m", memory: "256Mi" } };
            c.env = [{ name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "password" } } }, { name: "LOG_LEVEL", value: "info" }];
        }
        for (const c of p.spec.containers) {
            c.livenessProbe = { httpGet: { path: "/healthz", port: 8080 } };
            c.readinessProbe = { httpGet: { path: "/readyz", port: 8080 } };
        }
        mutate(p);
    });
}

const check = (id: string, pod: PodParts, o: RunOneOptions = {}, kind = deployment) => validateResource(policy(id), asResource(kind, pod, "web"), o);
const messages = (id: string, mutate: (pod: PodParts) => void, o: RunOneOptions = {}) => check(id, hygienicPod(mutate), o).messages;

describe("hygiene policies: the hygienic pod passes all of them in every workload kind", () => {
    for (const p of allPolicies.filter((x) => x.metadata.category === "hygiene")) {
        it(p.name, () => {
            for (const kind of workloadKinds) {
                assert.deepStrictEqual(validateResource(p, asResource(kind, hygienicPod(), "web"), { stackTags: { environment: "production" } }).messages, [], kind.kind);
            }
        });
    }
});

describe("hygiene-read-only-root-filesystem", () => {
    it("reports a writable root filesystem with the exact message", () => {
        assert.deepStrictEqual(messages("hygiene-read-only-root-filesystem", (p) => { delete p.spec.containers[0].securityContext.readOnlyRootFilesystem; }), [
            'spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem: container "container1" must set readOnlyRootFilesystem=true',
        ]);
    });
    it("reports a container without any securityContext", () => {
        assert.strictEqual(messages("hygiene-read-only-root-filesystem", (p) => { delete p.spec.initContainers[0].securityContext; }).length, 1);
    });
    it("does not apply to a Service", () => {
        assert.ok(validateResource(policy("hygiene-read-only-root-filesystem"), { type: "kubernetes:core/v1:Service", name: "s", props: { spec: {} } }).notApplicable);
    });
});

describe("hygiene-resources", () => {
    const id = "hygiene-resources";
    it("reports missing requests and limits", () => {
        assert.deepStrictEqual(messages(id, (p) => { delete p.spec.containers[0].resources; }), [
            'spec.template.spec.containers[0].resources.requests.cpu: container "container1" must set a cpu request',
            'spec.template.spec.containers[0].resources.limits.cpu: container "container1" must set a cpu limit',
            'spec.template.spec.containers[0].resources.requests.memory: container "container1" must set a memory request',
            'spec.template.spec.containers[0].resources.limits.memory: container "container1" must set a memory limit',
        ]);
    });
    it("enforces the limit/request ratio (default 4)", () => {
        const m = messages(id, (p) => { p.spec.containers[0].resources.limits.memory = "1Gi"; });
        assert.deepStrictEqual(m, ['spec.template.spec.containers[0].resources.limits.memory: container "container1" memory limit/request ratio 8 exceeds 4']);
        assert.deepStrictEqual(messages(id, (p) => { p.spec.containers[0].resources.limits.memory = "1Gi"; }, { config: { maxLimitRequestRatio: 8 } }), []);
    });
    it("enforces configured maxima across units", () => {
        const o = { config: { maxCpuLimit: "150m", maxMemoryLimit: "0.25Gi" } };
        assert.deepStrictEqual(messages(id, () => undefined, o).filter((m) => m.includes('"container1"')), [
            'spec.template.spec.containers[0].resources.limits.cpu: container "container1" cpu limit 200m exceeds the maximum 150m',
        ]);
        assert.deepStrictEqual(messages(id, () => undefined, { config: { maxCpuLimit: "1", maxMemoryLimit: "256Mi" } }), []);
    });
    it("ephemeral-storage only when configured", () => {
        assert.deepStrictEqual(messages(id, () => undefined), []);
        assert.strictEqual(messages(id, () => undefined, { config: { requireEphemeralStorage: true } }).length, 4);
    });
    it("numeric quantities count", () => {
        assert.deepStrictEqual(messages(id, (p) => { p.spec.containers[0].resources = { requests: { cpu: 1, memory: "1G" }, limits: { cpu: 2, memory: "1e9" } }; }), []);
    });
});

describe("hygiene-probes", () => {
    const id = "hygiene-probes";
    it("reports missing probes on regular containers only", () => {
        assert.deepStrictEqual(messages(id, (p) => { delete p.spec.containers[0].livenessProbe; }), [
            'spec.template.spec.containers[0].livenessProbe: container "container1" must define a livenessProbe',
        ]);
    });
    it("does not apply to CronJobs", () => {
        const outcome = check(id, hygienicPod((p) => { delete p.spec.containers[0].readinessProbe; }), {}, cronJob);
        assert.deepStrictEqual(outcome.messages, []);
        assert.strictEqual(outcome.notApplicable, "CronJob pods run to completion");
    });
});

describe("hygiene-image-tag", () => {
    const id = "hygiene-image-tag";
    const image = (img: string) => (p: PodParts) => { p.spec.containers[0].image = img; };
    it("reports :latest and untagged images", () => {
        assert.deepStrictEqual(messages(id, image("nginx:latest")), ['spec.template.spec.containers[0].image: container "container1" uses the mutable tag "latest" (nginx:latest)']);
        assert.deepStrictEqual(messages(id, image("localhost:5000/web")), ['spec.template.spec.containers[0].image: container "container1" image localhost:5000/web has no tag (defaults to latest)']);
    });
    it("accepts a versioned tag outside production", () => {
        assert.deepStrictEqual(messages(id, image("nginx:1.27.3"), { stackTags: { environment: "staging" } }), []);
    });
    it("requires a digest when the stack is tagged environment=production", () => {
        assert.deepStrictEqual(messages(id, image("nginx:1.27.3"), { stackTags: { environment: "production" } }), [
            'spec.template.spec.containers[0].image: container "container1" image nginx:1.27.3 must be pinned by digest in production',
        ]);
    });
    it("config: requireDigest always / never, custom production environments", () => {
        assert.strictEqual(messages(id, image("nginx:1.27.3"), { config: { requireDigest: "always" } }).length, 1);
        assert.deepStrictEqual(messages(id, image("nginx:1.27.3"), { config: { requireDigest: "never" }, stackTags: { environment: "production" } }), []);
        assert.strictEqual(messages(id, image("nginx:1.27.3"), { config: { productionEnvironments: ["prod"] }, stackTags: { environment: "prod" } }).length, 1);
    });
    it("reports a container without image", () => {
        assert.deepStrictEqual(messages(id, (p) => { delete p.spec.containers[0].image; }), ['spec.template.spec.containers[0].image: container "container1" has no image']);
    });
});

describe("hygiene-allowed-registries", () => {
    const id = "hygiene-allowed-registries";
    it("is not applicable without a list", () => {
        assert.strictEqual(check(id, hygienicPod()).notApplicable, "no allowedRegistries configured");
    });
    it("accepts registry hosts and name prefixes, rejects others", () => {
        const pod = hygienicPod((p) => { p.spec.containers[0].image = "nginx:1.27"; });
        assert.deepStrictEqual(check(id, pod, { config: { allowedRegistries: ["ghcr.io/acme"] } }).messages, [
            'spec.template.spec.containers[0].image: container "container1" image nginx:1.27 is not from an allowed registry (ghcr.io/acme)',
        ]);
        assert.deepStrictEqual(check(id, pod, { config: { allowedRegistries: ["ghcr.io", "docker.io/library"] } }).messages, []);
        assert.strictEqual(check(id, hygienicPod(), { config: { allowedRegistries: ["ghcr.io/acm"] } }).messages.length, 2);
    });
});

describe("hygiene-automount-service-account-token", () => {
    const id = "hygiene-automount-service-account-token";
    const sa = (props: Record<string, unknown>) => ({ type: "kubernetes:core/v1:ServiceAccount", name: "web", props: { metadata: { name: "web" }, ...props } });
    it("reports unset and true on pods", () => {
        assert.deepStrictEqual(messages(id, (p) => { delete p.spec.automountServiceAccountToken; }), ["spec.template.spec.automountServiceAccountToken: pod must set automountServiceAccountToken=false"]);
        assert.deepStrictEqual(messages(id, (p) => { p.spec.automountServiceAccountToken = true; }), ["spec.template.spec.automountServiceAccountToken: pod must not set automountServiceAccountToken=true"]);
    });
    it("podMayInheritFromServiceAccount accepts unset but not true", () => {
        const config = { podMayInheritFromServiceAccount: true };
        assert.deepStrictEqual(messages(id, (p) => { delete p.spec.automountServiceAccountToken; }, { config }), []);
        assert.strictEqual(messages(id, (p) => { p.spec.automountServiceAccountToken = true; }, { config }).length, 1);
    });
    it("checks ServiceAccounts", () => {
        assert.deepStrictEqual(validateResource(policy(id), sa({})).messages, ["automountServiceAccountToken: ServiceAccount must set automountServiceAccountToken=false"]);
        assert.deepStrictEqual(validateResource(policy(id), sa({ automountServiceAccountToken: false })).messages, []);
    });
    it("remediates pods and ServiceAccounts", () => {
        const fixed = remediate(policy(id), asResource(deployment, hygienicPod((p) => { delete p.spec.automountServiceAccountToken; }), "web"));
        assert.strictEqual((fixed as any).spec.template.spec.automountServiceAccountToken, false);
        assert.deepStrictEqual(remediate(policy(id), sa({})), { metadata: { name: "web" }, automountServiceAccountToken: false });
        assert.strictEqual(remediate(policy(id), asResource(deployment, hygienicPod(), "web")), undefined);
    });
});

describe("hygiene-no-default-service-account", () => {
    const id = "hygiene-no-default-service-account";
    it("reports unset and default", () => {
        assert.deepStrictEqual(messages(id, (p) => { delete p.spec.serviceAccountName; }), ["spec.template.spec.serviceAccountName: pod must set serviceAccountName to a dedicated ServiceAccount"]);
        assert.deepStrictEqual(messages(id, (p) => { p.spec.serviceAccountName = "default"; }), ['spec.template.spec.serviceAccountName: pod must not use the "default" ServiceAccount']);
    });
    it("accepts the deprecated serviceAccount alias", () => {
        assert.deepStrictEqual(messages(id, (p) => { delete p.spec.serviceAccountName; p.spec.serviceAccount = "web"; }), []);
    });
});

describe("hygiene-no-secret-env-literals", () => {
    const id = "hygiene-no-secret-env-literals";
    const env = (name: string, value: string) => (p: PodParts) => { p.spec.containers[0].env = [{ name, value }]; };
    it("reports secret-looking literals", () => {
        assert.deepStrictEqual(messages(id, env("DB_PASSWORD", "hunter2")), ['spec.template.spec.containers[0].env[0].value: container "container1" sets secret-looking variable DB_PASSWORD to a literal value']);
        for (const name of ["API_KEY", "github_token", "AWS_SECRET_ACCESS_KEY", "PRIVATE-KEY"]) {
            assert.strictEqual(messages(id, env(name, "x")).length, 1, name);
        }
    });
    it("ignores ordinary names, empty values and allowed names", () => {
        assert.deepStrictEqual(messages(id, env("LOG_LEVEL", "debug")), []);
        assert.deepStrictEqual(messages(id, env("DB_PASSWORD", "")), []);
        assert.deepStrictEqual(messages(id, env("TOKEN_TTL_SECONDS", "300"), { config: { allowedNames: ["TOKEN_TTL_SECONDS"] } }), []);
    });
    it("custom pattern", () => {
        assert.strictEqual(messages(id, env("DSN", "postgres://u:p@h/db"), { config: { secretNamePattern: "^DSN$" } }).length, 1);
    });
});

describe("hygiene-high-uid-gid", () => {
    const id = "hygiene-high-uid-gid";
    it("reports low and missing ids with the effective field path", () => {
        assert.deepStrictEqual(messages(id, (p) => { p.spec.containers[0].securityContext.runAsUser = 1000; }), [
            'spec.template.spec.containers[0].securityContext.runAsUser: container "container1" runAsUser 1000 is below 10000',
        ]);
        assert.deepStrictEqual(messages(id, (p) => { delete p.spec.securityContext.runAsGroup; }), [
            'spec.template.spec.securityContext.runAsGroup: container "initcontainer1" must run with an explicit runAsGroup >= 10000',
            'spec.template.spec.securityContext.runAsGroup: container "container1" must run with an explicit runAsGroup >= 10000',
        ]);
    });
    it("config: minId and requireRunAsGroup", () => {
        assert.deepStrictEqual(messages(id, (p) => { p.spec.securityContext.runAsUser = 1000; delete p.spec.securityContext.runAsGroup; }, { config: { minId: 1000, requireRunAsGroup: false } }), []);
    });
});

import * as assert from "assert";
import { allPolicies } from "../../policies";
import type { PackPolicy } from "../../lib/types";
import type { ResourceInit } from "../../lib/args";
import { validateResource, validateStack, type RunOneOptions } from "./support/harness";
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
        p.spec.priorityClassName = "web-tier";
        p.spec.securityContext.runAsUser = 10001;
        p.spec.securityContext.runAsGroup = 10001;
        for (const c of [...p.spec.initContainers, ...p.spec.containers]) {
            c.image = `ghcr.io/acme/web:1.4.2@${digest}`;
            c.securityContext.readOnlyRootFilesystem = true;
            c.resources = { requests: { cpu: "100m", memory: "128Mi", "ephemeral-storage": "64Mi" }, limits: { cpu: "200m", memory: "256Mi", "ephemeral-storage": "128Mi" } };
            c.env = [{ name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "password" } } }, { name: "LOG_LEVEL", value: "info" }];
        }
        for (const c of p.spec.containers) {
            c.livenessProbe = { httpGet: { path: "/healthz", port: 8080 } };
            c.readinessProbe = { httpGet: { path: "/readyz", port: 8080 } };
            c.startupProbe = { httpGet: { path: "/healthz", port: 8080 }, failureThreshold: 30 };
        }
        mutate(p);
    });
}

const check = (id: string, pod: PodParts, o: RunOneOptions = {}, kind = deployment) => validateResource(policy(id), asResource(kind, pod, "web"), o);
const messages = (id: string, mutate: (pod: PodParts) => void, o: RunOneOptions = {}) => check(id, hygienicPod(mutate), o).messages;

describe("hygiene policies: the hygienic pod passes all of them in every workload kind", () => {
    for (const p of allPolicies.filter((x) => x.metadata.category === "hygiene" && "validateResource" in x)) {
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

const resourceAspects = [
    ["hygiene-cpu-requests", "requests", "cpu", "a cpu request"],
    ["hygiene-cpu-limits", "limits", "cpu", "a cpu limit"],
    ["hygiene-memory-requests", "requests", "memory", "a memory request"],
    ["hygiene-memory-limits", "limits", "memory", "a memory limit"],
    ["hygiene-ephemeral-storage-requests", "requests", "ephemeral-storage", "an ephemeral-storage request"],
    ["hygiene-ephemeral-storage-limits", "limits", "ephemeral-storage", "an ephemeral-storage limit"],
] as const;

describe("resource requests and limits: one policy per aspect", () => {
    for (const [id, field, resource, what] of resourceAspects) {
        // A request is defaulted from the limit, so a missing request shows only without the limit too.
        const remove = (p: PodParts) => {
            delete p.spec.containers[0].resources.requests[resource];
            delete p.spec.containers[0].resources.limits[resource];
        };
        it(`${id} reports only its own aspect, on regular containers`, () => {
            const mutate = field === "requests" ? remove : (p: PodParts) => { delete p.spec.containers[0].resources.limits[resource]; };
            assert.deepStrictEqual(messages(id, mutate), [
                `spec.template.spec.containers[0].resources.${field}.${resource}: container "container1" must set ${what}`,
            ]);
            const sameResourceLimit = resourceAspects.find(([, f, r]) => f === "limits" && r === resource)![0];
            for (const [other] of resourceAspects.filter(([other]) => other !== id && !(field === "requests" && other === sameResourceLimit))) {
                assert.deepStrictEqual(messages(other, mutate), [], `${other} must not report ${id}'s aspect`);
            }
            assert.deepStrictEqual(messages(id, (p) => { delete p.spec.initContainers[0].resources; }), [], "init containers are out of scope");
        });
    }
    it("a container with a CPU limit but no CPU request gets the limit as request, as the API server defaults it", () => {
        assert.deepStrictEqual(messages("hygiene-cpu-requests", (p) => { delete p.spec.containers[0].resources.requests.cpu; }), []);
        assert.deepStrictEqual(messages("hygiene-memory-requests", (p) => { delete p.spec.containers[0].resources.requests; }), []);
    });
    it("no CPU limit is only hygiene-cpu-limits' business: switching it off leaves a clean pod", () => {
        const pod = hygienicPod((p) => { delete p.spec.containers[0].resources.limits.cpu; });
        const reporting = allPolicies.filter((p) => "validateResource" in p && check(p.name, pod, { stackTags: { environment: "production" } }).messages.length > 0).map((p) => p.name);
        assert.deepStrictEqual(reporting, ["hygiene-cpu-limits"]);
    });
    it("numeric quantities count", () => {
        for (const [id] of resourceAspects.slice(0, 4)) {
            assert.deepStrictEqual(messages(id, (p) => { p.spec.containers[0].resources = { requests: { cpu: 1, memory: "1G" }, limits: { cpu: 2, memory: "1e9" } }; }), [], id);
        }
    });
    it("ephemeral storage is advisory by default, CPU and memory mandatory", () => {
        const levels = Object.fromEntries(allPolicies.map((p) => [p.name, p.enforcementLevel]));
        assert.deepStrictEqual(resourceAspects.map(([id]) => levels[id]), ["mandatory", "mandatory", "mandatory", "mandatory", "advisory", "advisory"]);
    });
});

describe("hygiene-resource-limit-range", () => {
    const id = "hygiene-resource-limit-range";
    it("enforces the limit/request ratio (default 4)", () => {
        const m = messages(id, (p) => { p.spec.containers[0].resources.limits.memory = "1Gi"; });
        assert.deepStrictEqual(m, ['spec.template.spec.containers[0].resources.limits.memory: container "container1" memory limit/request ratio 8 exceeds 4']);
        assert.deepStrictEqual(messages(id, (p) => { p.spec.containers[0].resources.limits.memory = "1Gi"; }, { config: { maxLimitRequestRatio: 8 } }), []);
    });
    it("enforces configured maxima across units", () => {
        const o = { config: { maxCpuLimit: "150m", maxMemoryLimit: "0.25Gi" } };
        assert.deepStrictEqual(messages(id, () => undefined, o), [
            'spec.template.spec.containers[0].resources.limits.cpu: container "container1" cpu limit 200m exceeds the maximum 150m',
        ]);
        assert.deepStrictEqual(messages(id, () => undefined, { config: { maxCpuLimit: "1", maxMemoryLimit: "256Mi" } }), []);
    });
    it("says nothing about limits that are not set", () => {
        assert.deepStrictEqual(messages(id, (p) => { delete p.spec.containers[0].resources; }), []);
    });
    it("refuses a maximum that is not a quantity (the one quantity grammar of lib/quantity.ts)", () => {
        assert.throws(() => messages(id, () => undefined, { config: { maxCpuLimit: "two cores" } }), /maxCpuLimit/);
        assert.deepStrictEqual(messages(id, () => undefined, { config: { maxCpuLimit: "1e3" } }), []);
    });
});

describe("probes: one policy per probe", () => {
    for (const probe of ["liveness", "readiness", "startup"] as const) {
        const id = `hygiene-${probe}-probe`;
        it(`${id} reports a missing ${probe}Probe on regular containers only`, () => {
            assert.deepStrictEqual(messages(id, (p) => { delete p.spec.containers[0][`${probe}Probe`]; }), [
                `spec.template.spec.containers[0].${probe}Probe: container "container1" must define a ${probe}Probe`,
            ]);
            for (const other of ["liveness", "readiness", "startup"].filter((o) => o !== probe)) {
                assert.deepStrictEqual(messages(`hygiene-${other}-probe`, (p) => { delete p.spec.containers[0][`${probe}Probe`]; }), []);
            }
        });
        it(`${id} does not apply to CronJobs`, () => {
            const outcome = check(id, hygienicPod((p) => { delete p.spec.containers[0][`${probe}Probe`]; }), {}, cronJob);
            assert.deepStrictEqual(outcome.messages, []);
            assert.strictEqual(outcome.notApplicable, "CronJob pods run to completion");
        });
    }
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

describe("hygiene-automount-service-account-token: the effective value across the set", () => {
    const id = "hygiene-automount-service-account-token";
    const sa = (name: string, automount?: boolean) => ({ type: "kubernetes:core/v1:ServiceAccount", name, props: { metadata: { name, namespace: "apps" }, ...(automount === undefined ? {} : { automountServiceAccountToken: automount }) } });
    const pod = (automount: boolean | undefined, serviceAccountName = "web", name = "web") => asResource(deployment, hygienicPod((p) => {
        p.spec.serviceAccountName = serviceAccountName;
        if (automount === undefined) delete p.spec.automountServiceAccountToken;
        else p.spec.automountServiceAccountToken = automount;
    }), name);
    const run = (resources: ResourceInit[], o: RunOneOptions = {}) => validateStack(policy(id), resources, o).messages;
    it("a pod that leaves it unset inherits its ServiceAccount's false", () => {
        assert.deepStrictEqual(run([pod(undefined), sa("web", false)]), []);
    });
    it("a pod's true overrides its ServiceAccount's false", () => {
        assert.deepStrictEqual(run([pod(true), sa("web", false)]), ["Deployment apps/web: pod must not set automountServiceAccountToken=true"]);
    });
    it("a ServiceAccount used only by pods that opt out is fine, whatever it says", () => {
        assert.deepStrictEqual(run([pod(false), sa("web", true)]), []);
        assert.deepStrictEqual(run([pod(false), sa("web")]), []);
        assert.deepStrictEqual(run([pod(false), pod(undefined, "web", "other"), sa("web", true)]), [
            "Deployment apps/other: pod leaves automountServiceAccountToken unset and its ServiceAccount web does not set it to false",
            "ServiceAccount apps/web must set automountServiceAccountToken=false (or every pod using it must)",
        ]);
    });
    it("neither says false: both are reported", () => {
        assert.deepStrictEqual(run([pod(undefined), sa("web")]), [
            "Deployment apps/web: pod leaves automountServiceAccountToken unset and its ServiceAccount web does not set it to false",
            "ServiceAccount apps/web must set automountServiceAccountToken=false (or every pod using it must)",
        ]);
    });
    it("a pod whose ServiceAccount is not in the set is judged on its own field", () => {
        assert.deepStrictEqual(run([pod(undefined)]), ["Deployment apps/web: pod must set automountServiceAccountToken=false (its ServiceAccount apps/web is not in this set)"]);
        assert.deepStrictEqual(run([pod(false)]), []);
        assert.deepStrictEqual(run([pod(undefined)], { config: { podMayInheritFromServiceAccount: true } }), []);
        assert.deepStrictEqual(run([pod(undefined), sa("other", false)]).length, 1, "another ServiceAccount's false does not count");
    });
    it("a ServiceAccount in another namespace does not count", () => {
        const elsewhere = { ...sa("web", false), props: { metadata: { name: "web", namespace: "other" }, automountServiceAccountToken: false } };
        assert.strictEqual(run([pod(undefined), elsewhere]).length, 1);
    });
    it("an unused ServiceAccount must say false", () => {
        assert.deepStrictEqual(run([sa("web")]), ["ServiceAccount apps/web must set automountServiceAccountToken=false (or every pod using it must)"]);
        assert.deepStrictEqual(run([sa("web", false)]), []);
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
        for (const name of ["API_KEY", "github_token", "AWS_SECRET_ACCESS_KEY", "PRIVATE-KEY", "BEARER"]) {
            assert.strictEqual(messages(id, env(name, "x")).length, 1, name);
        }
    });
    it("reports a literal private key under any name, allowed names included", () => {
        const key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE\n-----END OPENSSH PRIVATE KEY-----\n";
        assert.deepStrictEqual(messages(id, env("THE_GOOD_STUFF", key)), ['spec.template.spec.containers[0].env[0].value: container "container1" sets variable THE_GOOD_STUFF to a literal private key']);
        assert.strictEqual(messages(id, env("SSH_KEY", key), { config: { allowedNames: ["SSH_KEY"] } }).length, 1);
        for (const armour of ["---BEGIN RSA PRIVATE KEY---", "-----BEGIN ENCRYPTED PRIVATE KEY-----", "-----BEGIN PGP PRIVATE KEY BLOCK-----", "-----begin ec private key-----"]) {
            assert.strictEqual(messages(id, env("DATA", `${armour}\nMII...`)).length, 1, armour);
        }
        assert.deepStrictEqual(messages(id, env("JWT_VERIFY", "-----BEGIN PUBLIC KEY-----\nMII...")), [], "a public key is no secret");
    });
    it("ignores ordinary names, empty values, allowed names and values from elsewhere", () => {
        assert.deepStrictEqual(messages(id, env("LOG_LEVEL", "debug")), []);
        assert.deepStrictEqual(messages(id, (p) => { p.spec.containers[0].env = [{ name: "token", valueFrom: { secretKeyRef: { name: "a-secret", key: "token" } } }]; }), []);
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

describe("hygiene-insecure-capabilities (what the container keeps, not PSS restricted's literal ALL)", () => {
    const id = "hygiene-insecure-capabilities";
    const drop = (caps: string[] | undefined) => (p: PodParts) => { p.spec.containers[0].securityContext.capabilities = caps === undefined ? {} : { drop: caps }; };
    it("accepts ALL in any case, and every default capability dropped one by one", () => {
        assert.deepStrictEqual(messages(id, drop(["all"])), []);
        assert.deepStrictEqual(messages(id, drop(["NET_ADMIN", "CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID", "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE"])), []);
    });
    it("reports a container that keeps some", () => {
        assert.deepStrictEqual(messages(id, drop(["NET_RAW"])).length, 1);
        assert.match(messages(id, drop(undefined))[0], /keeps default capabilities NET_ADMIN, CHOWN/);
    });
});

describe("hygiene-dangerous-capabilities (a denylist read as runtimes read names, not PSS baseline's allowlist)", () => {
    const id = "hygiene-dangerous-capabilities";
    const add = (caps: string[]) => (p: PodParts) => { p.spec.initContainers[0].securityContext.capabilities = { drop: ["ALL"], add: caps }; };
    it("reports ALL, SYS_ADMIN and NET_ADMIN in any case and with CAP_, on init containers too", () => {
        assert.deepStrictEqual(messages(id, add(["nEt_aDmIn"])), ['spec.template.spec.initContainers[0].securityContext.capabilities.add[0]: container "initcontainer1" must not add capability nEt_aDmIn']);
        for (const cap of ["ALL", "all", "SYS_ADMIN", "CAP_SYS_ADMIN", "cap_net_admin"]) {
            assert.strictEqual(messages(id, add([cap])).length, 1, cap);
        }
    });
    it("accepts other added capabilities, which PSS baseline judges", () => {
        assert.deepStrictEqual(messages(id, add(["NET_BIND_SERVICE", "NET_RAW", "SYS_PTRACE"])), []);
    });
    it("config: forbidden", () => {
        assert.strictEqual(messages(id, add(["SYS_PTRACE"]), { config: { forbidden: ["sys_ptrace"] } }).length, 1);
        assert.deepStrictEqual(messages(id, add(["SYS_ADMIN"]), { config: { forbidden: ["SYS_PTRACE"] } }), []);
    });
});

describe("hygiene-run-as-non-root-user (by effect: the container's setting overrides the pod's)", () => {
    const id = "hygiene-run-as-non-root-user";
    it("accepts runAsNonRoot or a non-zero runAsUser, on the pod or the container", () => {
        assert.deepStrictEqual(messages(id, () => undefined), []);
        assert.deepStrictEqual(messages(id, (p) => { delete p.spec.securityContext.runAsNonRoot; }), [], "runAsUser 10001 alone is not root");
        assert.deepStrictEqual(messages(id, (p) => { p.spec.securityContext = {}; for (const c of [...p.spec.initContainers, ...p.spec.containers]) c.securityContext.runAsNonRoot = true; }), []);
    });
    it("reports a container that overrides to root, or a pod that says nothing", () => {
        assert.deepStrictEqual(messages(id, (p) => { p.spec.containers[0].securityContext.runAsUser = 0; }), ['spec.template.spec.containers[0].securityContext: container "container1" may run as root (set runAsNonRoot=true or a non-zero runAsUser)']);
        assert.strictEqual(messages(id, (p) => { p.spec.securityContext = {}; }).length, 2);
    });
});

describe("hygiene-priority-class", () => {
    it("reports a pod without priorityClassName", () => {
        assert.deepStrictEqual(messages("hygiene-priority-class", (p) => { delete p.spec.priorityClassName; }), ["spec.template.spec.priorityClassName: pod must set priorityClassName"]);
    });
});

describe("hygiene-no-secrets-in-configmaps", () => {
    const id = "hygiene-no-secrets-in-configmaps";
    const cm = (data: Record<string, string>) => ({ type: "kubernetes:core/v1:ConfigMap", name: "c", props: { metadata: { name: "c" }, data } });
    it("reports secret-looking keys with a value and private keys under any key", () => {
        assert.deepStrictEqual(validateResource(policy(id), cm({ DB_PASSWORD: "hunter2", "tls.key": "-----BEGIN RSA PRIVATE KEY-----\nMII..." })).messages, [
            "data.DB_PASSWORD: ConfigMap entry DB_PASSWORD looks like a secret",
            "data.tls.key: ConfigMap entry tls.key holds a private key",
        ]);
        assert.deepStrictEqual(validateResource(policy(id), cm({ ssh_access: "---BEGIN OPENSSH PRIVATE KEY---\nxxxx\n" })).messages, ["data.ssh_access: ConfigMap entry ssh_access holds a private key"]);
    });
    it("accepts ordinary entries, empty values, allowed keys and other kinds", () => {
        assert.deepStrictEqual(validateResource(policy(id), cm({ LOG_LEVEL: "info", API_TOKEN: "" })).messages, []);
        assert.deepStrictEqual(validateResource(policy(id), cm({ TOKEN_TTL: "300" }), { config: { allowedKeys: ["TOKEN_TTL"] } }).messages, []);
        assert.ok(validateResource(policy(id), asResource(deployment, hygienicPod(), "web")).notApplicable);
    });
});

// The API defaults the pod view applies (policy/lib/pod-defaults.ts), each against the behaviour
// of k8s.io/kubernetes/pkg/apis/core/v1 SetObjectDefaults_Pod at v1.37.2.
import * as assert from "assert";
import { makeResourceValidationArgs, unknown, UnknownValueError } from "../../lib/args";
import { podViewOf } from "../../lib/k8s";
import { defaultedPodSpec } from "../../lib/pod-defaults";

const container = (extra: Record<string, unknown> = {}) => ({ name: "app", image: "registry.example.com/app:1.0", imagePullPolicy: "IfNotPresent", ...extra });

describe("API defaults in the pod view", () => {
    it("a volume with no source becomes emptyDir; one with any source (even an unused one) is kept", () => {
        const spec = { containers: [container()], volumes: [{ name: "a" }, { name: "b", hostPath: null }, { name: "c", configMap: { name: "x" } }] };
        const out = defaultedPodSpec(spec);
        assert.deepStrictEqual(out.volumes, [{ name: "a", emptyDir: {} }, { name: "b", hostPath: null, emptyDir: {} }, { name: "c", configMap: { name: "x" } }]);
        assert.deepStrictEqual(spec.volumes[0], { name: "a" }, "the input is not modified");
    });

    it("hostNetwork copies containerPort into an unset or zero hostPort of containers and init containers only", () => {
        const spec = {
            hostNetwork: true,
            initContainers: [container({ ports: [{ containerPort: 9000 }] })],
            containers: [container({ ports: [{ containerPort: 8080 }, { containerPort: 8443, hostPort: 0 }, { containerPort: 1, hostPort: 2 }, { name: "no-port" }] })],
            ephemeralContainers: [container({ ports: [{ containerPort: 7000 }] })],
        };
        const out = defaultedPodSpec(spec);
        assert.deepStrictEqual(out.initContainers[0].ports, [{ containerPort: 9000, hostPort: 9000 }]);
        assert.deepStrictEqual(out.containers[0].ports, [{ containerPort: 8080, hostPort: 8080 }, { containerPort: 8443, hostPort: 8443 }, { containerPort: 1, hostPort: 2 }, { name: "no-port" }]);
        assert.deepStrictEqual(out.ephemeralContainers[0].ports, [{ containerPort: 7000 }]);
        assert.deepStrictEqual(defaultedPodSpec({ ...spec, hostNetwork: false }).containers[0].ports[0], { containerPort: 8080 });
    });

    it("limits fill requests that are not set, per resource, for containers and init containers", () => {
        const spec = { containers: [container({ resources: { limits: { cpu: "1", memory: "1Gi" }, requests: { cpu: "100m" } } })], initContainers: [container({ resources: { limits: { memory: "64Mi" } } })] };
        const out = defaultedPodSpec(spec);
        assert.deepStrictEqual(out.containers[0].resources.requests, { cpu: "100m", memory: "1Gi" });
        assert.deepStrictEqual(out.initContainers[0].resources.requests, { memory: "64Mi" });
    });

    it("serviceAccountName is taken from the deprecated serviceAccount when empty", () => {
        assert.strictEqual(defaultedPodSpec({ serviceAccount: "legacy" }).serviceAccountName, "legacy");
        assert.strictEqual(defaultedPodSpec({ serviceAccount: "legacy", serviceAccountName: "new" }).serviceAccountName, "new");
    });

    it("returns the same object when no default applies", () => {
        const spec = { containers: [container()], volumes: [{ name: "v", emptyDir: {} }] };
        assert.strictEqual(defaultedPodSpec(spec), spec);
    });

    it("leaves a preview-unknown value alone instead of throwing", () => {
        const args = makeResourceValidationArgs({ type: "kubernetes:core/v1:Pod", name: "p", props: { spec: { hostNetwork: unknown.boolean, volumes: unknown.array, containers: [container()] } } });
        const view = podViewOf(args.type, args.props);
        assert.strictEqual(view?.podSpec.containers[0].name, "app");
        assert.throws(() => view?.podSpec.volumes.length, UnknownValueError, "the policy that reads the unknown still sees it");
    });

    it("podViewOf defaults by default and not for remediations", () => {
        const props = { spec: { containers: [container()], volumes: [{ name: "v" }] } };
        assert.deepStrictEqual(podViewOf("kubernetes:core/v1:Pod", props)?.podSpec.volumes, [{ name: "v", emptyDir: {} }]);
        assert.strictEqual(podViewOf("kubernetes:core/v1:Pod", props, { defaults: false })?.podSpec, props.spec);
    });
});

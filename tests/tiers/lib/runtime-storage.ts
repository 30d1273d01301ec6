// A ReadWriteMany volume for the runtime tier's data check (issue 19, "Data"). STAND-IN: the local
// cluster has no storage provisioner, so a statically provisioned PersistentVolume of type hostPath
// points at one directory of the host. Every real node's mount namespace sees the host's filesystem
// (only a few kubelet and containerd paths are bind-mounted privately, docs/local-cluster.md), so
// pods on different nodes share it as they would share an NFS, EFS or CephFS volume. It proves what
// the stack does with a volume (claim, mount, permissions, survival across pod replacement), not
// what a real RWX driver does.
import * as fs from "fs";
import * as path from "path";
import type { RuntimeEnv } from "./runtime-env";

export const SHARED_STORAGE_CLASS = "websvc-runtime-shared";
/** What sharedVolume creates, for `kubectl delete` once the stacks are gone. */
export const SHARED_VOLUME_OBJECTS = [`persistentvolume/${SHARED_STORAGE_CLASS}-0`, `storageclass/${SHARED_STORAGE_CLASS}`];

/** The StorageClass (no provisioner) and one PersistentVolume on `<cluster dir>/shared-volume`, owned by the app's ids. */
export function sharedVolume(env: RuntimeEnv, ids: { uid: number; gid: number }, size = "1Gi"): { dir: string; manifests: object[] } {
    const dir = path.join(env.clusterDir, "shared-volume");
    fs.mkdirSync(dir, { recursive: true });
    // hostPath volumes ignore fsGroup: the directory is given to the app's user and group up front.
    fs.chownSync(dir, ids.uid, ids.gid);
    fs.chmodSync(dir, 0o770);
    return {
        dir,
        manifests: [
            {
                apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: SHARED_STORAGE_CLASS },
                provisioner: "kubernetes.io/no-provisioner", volumeBindingMode: "Immediate", reclaimPolicy: "Retain",
            },
            {
                apiVersion: "v1", kind: "PersistentVolume", metadata: { name: `${SHARED_STORAGE_CLASS}-0` },
                spec: {
                    storageClassName: SHARED_STORAGE_CLASS, capacity: { storage: size }, accessModes: ["ReadWriteMany"],
                    persistentVolumeReclaimPolicy: "Retain", hostPath: { path: dir, type: "Directory" },
                },
            },
        ],
    };
}

/** A `node -e` program that writes `content` to `file` (fsync'd) or prints the file's content. */
export const writeFileProgram = (file: string, content: string): string =>
    `const fs = require("fs"); const fd = fs.openSync(${JSON.stringify(file)}, "w"); fs.writeSync(fd, ${JSON.stringify(content)}); fs.fsyncSync(fd); fs.closeSync(fd); console.log("written");`;
export const readFileProgram = (file: string): string =>
    `const fs = require("fs"); try { console.log(fs.readFileSync(${JSON.stringify(file)}, "utf8")); } catch (e) { console.log("MISSING " + e.code); }`;

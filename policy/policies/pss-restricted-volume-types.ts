import { asArray, isObj } from "../lib/k8s";
import { isSet, pssPolicy, quote } from "../lib/pss";

/** Inline volume sources the restricted level permits; everything else (hostPath, nfs, ...) is forbidden. */
export const restrictedAllowedVolumeSources: readonly string[] = [
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim", "projected", "secret",
];

/** Known non-allowed sources, named in messages; a volume with no recognised source is "unknown". */
const forbiddenVolumeSources = [
    "hostPath", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "nfs", "iscsi", "glusterfs", "rbd",
    "flexVolume", "cinder", "cephfs", "flocker", "fc", "azureFile", "vsphereVolume", "quobyte", "azureDisk",
    "photonPersistentDisk", "portworxVolume", "scaleIO", "storageos",
];

export const pssRestrictedVolumeTypes = pssPolicy({
    id: "pss-restricted-volume-types",
    title: "Only restricted volume types",
    description: "Pods may only use configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected and secret volumes.",
    level: "restricted",
    psaCheckId: "restrictedVolumes",
    severity: "medium",
    frameworks: { kyverno: "restrict-volume-types" },
    remediation: "Replace other volume sources with a PersistentVolumeClaim (for network storage) or one of the allowed inline types.",
    overrides: [{ policyId: "pss-baseline-host-path-volumes", since: 0 }],
    versions: [{
        since: 0,
        check: (view) => asArray(view.podSpec.volumes).flatMap((v, i) => {
            const volume = isObj(v) ? v : {};
            if (restrictedAllowedVolumeSources.some((src) => isSet(volume[src]))) {
                return [];
            }
            const source = forbiddenVolumeSources.find((src) => isSet(volume[src])) ?? "unknown";
            return [{
                path: `${view.specPath}.volumes[${i}]`,
                message: `volume ${quote(volume.name ?? "")} uses restricted volume type ${quote(source)}`,
            }];
        }),
    }],
});

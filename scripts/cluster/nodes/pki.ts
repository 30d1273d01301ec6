// Node certificates, signed by the cluster's CA (<run>/pki, made by cluster.sh): each kubelet's client
// certificate (O=system:nodes, CN=system:node:<name>: the Node authorizer and NodeRestriction know it by
// it), its serving certificate (the node IP), and kube-proxy's client certificate (system:kube-proxy,
// bound to system:node-proxier by the default RBAC policy). The same openssl call as scripts/cluster/pki.sh's pki_cert.
import * as fs from "fs";
import * as path from "path";
import { runAsync } from "./sh";

export interface CertPair {
  cert: string;
  key: string;
}

export async function issue(pki: string, outDir: string, name: string, subject: string, ext: string[]): Promise<CertPair> {
  const pair = { cert: path.join(outDir, `${name}.crt`), key: path.join(outDir, `${name}.key`) };
  const args = ["req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
    "-keyout", pair.key, "-CA", path.join(pki, "ca.crt"), "-CAkey", path.join(pki, "ca.key"),
    "-subj", subject, "-days", "2", "-sha256",
    "-addext", "basicConstraints=critical,CA:FALSE", "-addext", "keyUsage=critical,digitalSignature,keyEncipherment",
    ...ext.flatMap((e) => ["-addext", e]), "-out", pair.cert];
  await runAsync("openssl", args);
  fs.chmodSync(pair.key, 0o600);
  return pair;
}

export const clientAuth = ["extendedKeyUsage=clientAuth"];
export const serving = (ip: string, dns: string) => ["extendedKeyUsage=serverAuth", `subjectAltName=IP:${ip},DNS:${dns}`];

/** A kubeconfig with a client certificate, for the apiserver as the node namespaces reach it. The
 * apiserver's certificate names 127.0.0.1 and `kubernetes`, not the forwarder's address: tls-server-name. */
export function kubeconfig(file: string, server: string, caFile: string, user: string, pair: CertPair): void {
  const b64 = (f: string) => fs.readFileSync(f).toString("base64");
  fs.writeFileSync(
    file,
    `apiVersion: v1
kind: Config
clusters:
- name: websvc-local
  cluster:
    server: ${server}
    tls-server-name: kubernetes
    certificate-authority-data: ${b64(caFile)}
users:
- name: ${user}
  user:
    client-certificate-data: ${b64(pair.cert)}
    client-key-data: ${b64(pair.key)}
contexts:
- name: websvc-local
  context: {cluster: websvc-local, user: ${user}}
current-context: websvc-local
`,
    { mode: 0o600 },
  );
}

// The pack's own package.json, found from this module both in the sources (cli/) and in the
// compiled package (dist/cli/).
import * as fs from "fs";
import * as path from "path";

export const PACKAGE_NAME = "@websvc/k8s-policy-pack";

let cached: { name: string; version: string } | undefined;

export function packageInfo(): { name: string; version: string } {
    if (cached) return cached;
    for (let dir = path.dirname(__dirname); ; dir = path.dirname(dir)) {
        const file = path.join(dir, "package.json");
        if (fs.existsSync(file)) {
            const pkg = JSON.parse(fs.readFileSync(file, "utf8")) as { name: string; version: string };
            if (pkg.name === PACKAGE_NAME) return (cached = pkg);
        }
        if (path.dirname(dir) === dir) throw new Error(`${PACKAGE_NAME}: package.json not found above ${__dirname}`);
    }
}

// The Dockerfile's base image: in the image tier it is the stand-in scripts/image/base.sh assembled
// under the same name, which the tests use as a positive control (it still has npm, yarn, ...).
import { readFileSync } from "node:fs";
import path from "node:path";
import { APP_DIR } from "../../app/support/appProcess";
import { parseDockerfile } from "../../app/support/dockerfile";

export const DOCKERFILE = path.join(APP_DIR, "Dockerfile");
export const APP_LOCKFILE = path.join(APP_DIR, "package-lock.json");

/** The one external image the Dockerfile's FROM lines name. */
export function standinBaseRef(): string {
  const stages = parseDockerfile(readFileSync(DOCKERFILE, "utf8"));
  const external = [...new Set(stages.filter((s) => !stages.some((other) => other.name === s.image)).map((s) => s.image))];
  if (external.length !== 1) throw new Error(`expected one base image in ${DOCKERFILE}, found ${external.join(", ")}`);
  return external[0];
}

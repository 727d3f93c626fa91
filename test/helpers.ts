// Shared test helpers: where the shared corpus lives, and a fresh temporary folder per test.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
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
  const r = spawnSync(process.execPath, zfxxgkArgs(args), {
    cwd: projectRoot,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

let libreOffice: boolean | undefined;
/**
 * Whether LibreOffice can convert a word-processor file to DOCX here: soffice on the PATH is not enough
 * (without its Writer component a conversion silently produces nothing). Converts a two-line RTF with
 * a private profile, once per test process.
 */
export function libreOfficeConverts(): boolean {
  if (libreOffice !== undefined) return libreOffice;
  const dir = tempDir("zfxxgk-lo-check-");
  try {
    writeFileSync(join(dir, "probe.rtf"), "{\\rtf1\\ansi probe\\par}");
    const r = spawnSync(
      "soffice",
      [
        `-env:UserInstallation=file://${join(dir, "profile")}`,
        "--headless",
        "--convert-to",
        "docx",
        "--outdir",
        dir,
        join(dir, "probe.rtf"),
      ],
      { stdio: "ignore", timeout: 120_000 },
    );
    libreOffice = r.error === undefined && r.status === 0 && existsSync(join(dir, "probe.docx"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return libreOffice;
}

/** The command line of the real command from source, for processes a test runs concurrently. */
export const zfxxgkArgs = (args: string[]) => [
  "--import",
  "tsx",
  join(projectRoot, "src/cli/main.ts"),
  ...args,
];

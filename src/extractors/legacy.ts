// Legacy word-processor files (.doc, .wps, .rtf, .odt): LibreOffice converts them to DOCX, which is read as DOCX.
import { spawn } from "node:child_process";
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import type { DocumentModel } from "../model/document.js";
import { extractDocx } from "./docx.js";
import { DocumentError } from "./errors.js";
import { openZip } from "./zip.js";

export const NEEDS_LIBREOFFICE =
  "needs LibreOffice (soffice) to read .doc/.wps/.rtf/.odt files; install it: apt-get install -y --no-install-recommends libreoffice-writer-nogui";

/** Longest a conversion may take before LibreOffice is killed (ZFXXGK_SOFFICE_TIMEOUT_MS overrides it). */
export const SOFFICE_TIMEOUT_MS = Number(process.env.ZFXXGK_SOFFICE_TIMEOUT_MS) || 60_000;

/** An executable on the PATH, if any. */
export function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The `soffice` executable on the PATH, if any. */
export function findSoffice(): string | undefined {
  return onPath("soffice");
}

/** The legacy format of the bytes, as the file extension LibreOffice is given. */
export function legacyExtension(bytes: Uint8Array): "doc" | "rtf" | "odt" {
  const head = Buffer.from(bytes.subarray(0, 256)).toString("latin1");
  if (head.startsWith("{\\rtf")) return "rtf";
  if (head.startsWith("PK")) return "odt";
  return "doc"; // OLE2 compound file: Word 97–2003 or WPS
}

// One private LibreOffice profile per process, reused by its conversions (one at a time): a fresh
// profile costs seconds, and two instances must never share one.
let profileRoot: string | undefined;
let queue: Promise<unknown> = Promise.resolve();

/**
 * Removes profile folders left by processes that have ended (a thread terminated mid-conversion cannot
 * clean up after itself). Each folder names its owner process in `owner`.
 */
function sweepStaleProfiles(): void {
  let names: string[] = [];
  try {
    names = readdirSync(tmpdir()).filter((n) => n.startsWith("zfxxgk-lo-"));
  } catch {
    return;
  }
  for (const name of names) {
    const dir = join(tmpdir(), name);
    let pid: number;
    try {
      pid = Number(readFileSync(join(dir, "owner"), "utf8"));
    } catch {
      continue; // not one of ours, or still being set up
    }
    if (!(pid > 0) || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ESRCH") rmSync(dir, { recursive: true, force: true });
    }
  }
}

function profile(): string {
  if (!profileRoot) {
    sweepStaleProfiles();
    const root = mkdtempSync(join(tmpdir(), "zfxxgk-lo-"));
    writeFileSync(join(root, "owner"), String(process.pid));
    profileRoot = root;
    process.once("exit", () => rmSync(root, { recursive: true, force: true }));
  }
  return profileRoot;
}

function dropProfile(): void {
  if (profileRoot) rmSync(profileRoot, { recursive: true, force: true });
  profileRoot = undefined;
}

/** Kills a detached child's whole process group. */
export function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // the group has already exited
  }
}

/** Converts a legacy document to DOCX with LibreOffice in a temporary folder, within a time limit. */
export function convertToDocx(
  bytes: Uint8Array,
  ext: string,
  timeoutMs = SOFFICE_TIMEOUT_MS,
): Promise<Buffer> {
  const soffice = findSoffice();
  if (!soffice) return Promise.reject(new DocumentError("needs_libreoffice", NEEDS_LIBREOFFICE));
  const run = async (): Promise<Buffer> => {
    const root = profile();
    const work = mkdtempSync(join(root, "job-"));
    try {
      const input = join(work, `input.${ext}`);
      const outDir = join(work, "out");
      mkdirSync(outDir);
      writeFileSync(input, bytes);
      const args = [
        "--headless",
        "--norestore",
        "--nolockcheck",
        `-env:UserInstallation=file://${join(root, "profile")}`,
        "--convert-to",
        "docx:MS Word 2007 XML",
        "--outdir",
        outDir,
        input,
      ];
      const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>(
        (resolve, reject) => {
          // Its own process group, so that a timeout kills soffice.bin and every helper it started. coreutils
          // `timeout` is a second watchdog outside this thread: it still kills the group when the thread
          // running this conversion is terminated (the import's worker pool does that past its own limit).
          const watchdog = onPath("timeout");
          const [cmd, cmdArgs] = watchdog
            ? [watchdog, ["-s", "KILL", `${Math.ceil(timeoutMs / 1000) + 5}s`, soffice, ...args]]
            : [soffice, args];
          const child = spawn(cmd, cmdArgs, { detached: true, stdio: ["ignore", "ignore", "pipe"] });
          let err = "";
          child.stderr.on("data", (d: Buffer) => {
            err = (err + d.toString("utf8")).slice(-2000);
          });
          const timer = setTimeout(() => {
            killGroup(child.pid);
            dropProfile();
            reject(
              new DocumentError(
                "conversion_timeout",
                `LibreOffice did not convert the .${ext} file within ${timeoutMs} ms; it was stopped`,
              ),
            );
          }, timeoutMs);
          child.on("error", (e) => {
            clearTimeout(timer);
            reject(new DocumentError("needs_libreoffice", `${NEEDS_LIBREOFFICE} (${e.message})`));
          });
          child.on("close", (c) => {
            clearTimeout(timer);
            killGroup(child.pid); // helpers left behind by a crashed conversion
            resolve({ code: c, stderr: err });
          });
        },
      );
      const out = join(outDir, "input.docx");
      if (!existsSync(out)) {
        const why = stderr.trim().split("\n").pop() ?? "";
        throw new DocumentError(
          "conversion_failed",
          `LibreOffice could not convert the .${ext} file (exit code ${code})${why ? `: ${why}` : ""}`,
        );
      }
      return readFileSync(out);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  };
  const job = queue.then(run, run);
  queue = job.catch(() => undefined);
  return job;
}

/** Reads a .doc, .wps, .rtf or .odt document: converted to DOCX by LibreOffice, then extracted as DOCX. */
export async function extractLegacy(
  bytes: Uint8Array,
  opts: { timeoutMs?: number } = {},
): Promise<DocumentModel> {
  const ext = legacyExtension(bytes);
  if (ext === "odt") {
    // An ODT is a zip too: the same limits apply before LibreOffice is given it.
    const zip = openZip(bytes, { corruptCode: "corrupt_odt", what: "OpenDocument (ODT) file" });
    if (!zip.has("content.xml"))
      throw new DocumentError("corrupt_odt", "OpenDocument (ODT) file has no content.xml");
  }
  const docx = await convertToDocx(bytes, ext, opts.timeoutMs);
  const model = await extractDocx(docx);
  return { ...model, form: "doc" };
}

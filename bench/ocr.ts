// Benchmark: OCR of a scanned report (test/fixtures/scans) by a whole `zfxxgk import` process, with the
// OCR time per page and its share of the import's wall time (from the `ocr` flag the import stores).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import { ocrTools } from "../src/extractors/ocr.js";

const root = resolve(import.meta.dirname, "..");

export interface OcrBenchResult {
  documents: number;
  pages: number;
  ocrSeconds: number;
  importSeconds: number;
  secondsPerPage: number;
  ocrShare: number;
  /** CPU seconds of the whole import (Tesseract included), where GNU time is installed. */
  importCpuSeconds?: number;
  cpuSecondsPerPage?: number;
}

export async function runOcrBench(): Promise<OcrBenchResult | undefined> {
  const found = ocrTools();
  if (!found.tools) {
    console.log(`ocr: skipped (${found.reason})`);
    return undefined;
  }
  const dir = join(root, "test", "fixtures", "scans");
  const scans = readdirSync(dir)
    // Whole reports (with their gold files); a page kept for a layout test is no report to import.
    .filter((f) => f.endsWith(".pdf") && existsSync(join(dir, `${f}.gold.json`)))
    .map((f) => join(dir, f));
  const work = mkdtempSync(join(tmpdir(), "zfxxgk-bench-ocr-"));
  try {
    const db = join(work, "ocr.sqlite");
    const t0 = performance.now();
    const cmd = [
      process.execPath,
      "--import",
      "tsx",
      join(root, "src", "cli", "main.ts"),
      "import",
      ...scans,
      "--db",
      db,
      "--quiet",
    ];
    // CPU time (user + system, Tesseract's processes included) through GNU time where it is installed:
    // on a shared machine it says more than the wall time.
    const gnuTime = existsSync("/usr/bin/time");
    const run = gnuTime
      ? spawnSync("/usr/bin/time", ["-f", "CPU %U %S", ...cmd], { cwd: root, encoding: "utf8" })
      : spawnSync(cmd[0], cmd.slice(1), { cwd: root, encoding: "utf8" });
    const importSeconds = (performance.now() - t0) / 1000;
    if (run.status !== 0) throw new Error(`import of the scans failed: ${run.stderr || run.stdout}`);
    const cpu = /CPU ([\d.]+) ([\d.]+)\s*$/.exec(run.stderr ?? "");
    const importCpuSeconds = cpu ? Number(cpu[1]) + Number(cpu[2]) : undefined;
    const sqlite = new Database(db, { readonly: true });
    const messages = sqlite.prepare("SELECT message FROM flags WHERE code = 'ocr'").pluck().all() as string[];
    sqlite.close();
    let pages = 0;
    let ocrSeconds = 0;
    for (const m of messages) {
      const match = /from (\d+) page image\(s\) in ([\d.]+) s/.exec(m);
      if (!match) continue;
      pages += Number(match[1]);
      ocrSeconds += Number(match[2]);
    }
    const result: OcrBenchResult = {
      documents: messages.length,
      pages,
      ocrSeconds,
      importSeconds,
      secondsPerPage: pages > 0 ? ocrSeconds / pages : 0,
      ocrShare: importSeconds > 0 ? ocrSeconds / importSeconds : 0,
      importCpuSeconds,
      cpuSecondsPerPage: importCpuSeconds !== undefined && pages > 0 ? importCpuSeconds / pages : undefined,
    };
    console.log(
      `ocr: ${result.documents} scanned report(s), ${pages} pages imported by one \`zfxxgk import\` process in ${importSeconds.toFixed(1)} s; ` +
        `OCR ${result.secondsPerPage.toFixed(2)} s per page (render, deskew, rulings, Tesseract, layout), ${(100 * result.ocrShare).toFixed(0)}% of the import's wall time` +
        (result.cpuSecondsPerPage !== undefined
          ? `; the import used ${result.importCpuSeconds?.toFixed(1)} s of CPU, ${result.cpuSecondsPerPage.toFixed(2)} s per page`
          : ""),
    );
    return result;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runOcrBench();

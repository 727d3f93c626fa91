// Set-up for the analyst tests: the corpus in a temporary SQLite file, its gold files, the real command.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import iconv from "iconv-lite";
import { importFiles, listFiles } from "../../src/import/importer.js";
import { Store } from "../../src/store/store.js";
import { projectRoot, tempDir } from "../helpers.js";

export const corpus = join(projectRoot, "corpus");

export interface Gold {
  file: string;
  report_year: number;
  format_version: string;
  issuer_name: string;
  cells: Record<string, number | string>;
  checks: Record<string, string>;
}

/** The HTML and text reports directly in corpus/ that have gold files (the forms every machine reads). */
export function corpusFiles(): string[] {
  return listFiles([corpus]).filter(
    (f) =>
      dirname(f) === corpus && /\.(html?|txt|md|js)$/i.test(f) && listFiles([`${f}.gold.json`]).length === 1,
  );
}

export function gold(file: string): Gold {
  return JSON.parse(readFileSync(`${join(corpus, basename(file))}.gold.json`, "utf8")) as Gold;
}

/** Imports files into a fresh database; returns its path. */
export async function importInto(files: string[], dir = tempDir("zfxxgk-analyst-")): Promise<string> {
  const db = join(dir, "analyst.sqlite");
  const store = new Store(db);
  try {
    await importFiles(store, files);
  } finally {
    store.close();
  }
  return db;
}

/** Gold of every imported report, keyed by report id (through the document it was read from). */
export function goldByReport(db: Store["db"]): Map<number, Gold> {
  const out = new Map<number, Gold>();
  for (const r of db
    .prepare("SELECT r.id, d.origin FROM reports r JOIN documents d ON d.id = r.current_document_id")
    .all() as { id: number; origin: string }[]) {
    out.set(r.id, gold(r.origin));
  }
  return out;
}

/** Runs the real command from source. */
export function zfxxgk(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(projectRoot, "src/cli/main.ts"), ...args], {
    cwd: projectRoot,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/**
 * Copies corpus reports with the invented places renamed to real ones (江宁市 → 南京市, 青溪区 → 江宁区), so that
 * region resolution has something to find. Charsets are kept (GBK and GB18030 files are re-encoded).
 */
export function realPlaceCopies(files: string[], dir: string): string[] {
  return files.map((f) => {
    const bytes = readFileSync(f);
    const charset = /gbk/.test(f) ? "gbk" : /gb18030/.test(f) ? "gb18030" : "utf8";
    const text = charset === "utf8" ? bytes.toString("utf8") : iconv.decode(bytes, charset);
    const renamed = text.replaceAll("江宁市", "南京市").replaceAll("青溪区", "江宁区");
    const out = join(dir, basename(f));
    writeFileSync(out, charset === "utf8" ? renamed : iconv.encode(renamed, charset));
    return out;
  });
}

export const num = (v: number | string | undefined) => (typeof v === "number" ? v : undefined);

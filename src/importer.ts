// Bulk import from disk: walks files and folders, skips bytes already stored, processes each document
// and stores it in its own transaction. One bad document never stops the batch.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { extractionVersion } from "./extraction-version.js";
import { DocumentError } from "./extractors/errors.js";
import { detectForm, MAX_DOCUMENT_BYTES } from "./extractors/index.js";
import { processDocument } from "./pipeline.js";
import type { ImportOutcome, Store } from "./store/store.js";
import type { DocumentWorkers } from "./workers.js";

/** Forms whose extraction is slow enough to run in worker threads. */
const HEAVY_FORMS = new Set(["pdf", "docx", "doc"]);

/** Files that sit beside reports but are not reports: gold labels, readmes, hidden files. */
const DEFAULT_EXCLUDE = [/\.gold\.json$/i, /^readme(\.\w+)?$/i, /^\./, /\.sqlite(?:-wal|-shm)?$/i];

export function listFiles(paths: string[], exclude: RegExp[] = DEFAULT_EXCLUDE): string[] {
  const out: string[] = [];
  const seenDirs = new Set<string>(); // real paths: a symlink loop is followed once
  const walk = (p: string) => {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(p);
    } catch {
      out.push(p); // reported as a failure by the importer, with the reason
      return;
    }
    if (st.isDirectory()) {
      const real = realpathSync(p);
      if (seenDirs.has(real)) return;
      seenDirs.add(real);
      for (const name of readdirSync(p).sort()) {
        if (exclude.some((re) => re.test(name))) continue;
        walk(join(p, name));
      }
    } else out.push(p);
  };
  for (const p of paths) walk(resolve(p));
  return out;
}

export interface FileResult {
  path: string;
  outcome: ImportOutcome;
  error?: { code: string; message: string };
  summary?: string;
}

export interface ImportSummary {
  files: number;
  new: number;
  updated: number;
  /** New documents kept as older or worse versions of a report (see `zfxxgk show`). */
  not_current: number;
  /** Known bytes extracted again because an older extraction had read them. */
  reprocessed: number;
  unchanged: number;
  failed: number;
  seconds: number;
}

export interface ImportOptions {
  /** Worker threads for PDF and Word documents; without it every document is processed in this thread. */
  workers?: DocumentWorkers;
  /** Stops handing out files once aborted (SIGINT/SIGTERM): documents in flight finish and are stored. */
  signal?: AbortSignal;
}

export async function importFiles(
  store: Store,
  files: string[],
  onResult: (r: FileResult, done: number) => void = () => {},
  opts: ImportOptions = {},
): Promise<ImportSummary> {
  const t0 = performance.now();
  const summary: ImportSummary = {
    files: files.length,
    new: 0,
    updated: 0,
    not_current: 0,
    reprocessed: 0,
    unchanged: 0,
    failed: 0,
    seconds: 0,
  };
  let done = 0;
  const record = (r: FileResult) => {
    store.maybeCommit();
    if (r.outcome === "failed") summary.failed++;
    else if (r.outcome === "new") summary.new++;
    else if (r.outcome === "updated") summary.updated++;
    else if (r.outcome === "not_current") summary.not_current++;
    else if (r.outcome === "reprocessed") summary.reprocessed++;
    else summary.unchanged++;
    onResult(r, ++done);
  };
  // HTML and text are processed here as they come; PDF and Word go to the workers. At most a few
  // documents per worker are in flight, so memory stays flat however long the batch.
  const limit = opts.workers ? opts.workers.size * 2 : 1;
  const inflight = new Set<Promise<void>>();
  store.beginBatch(files.length);
  try {
    for (const path of files) {
      if (opts.signal) {
        // Documents read from disk resolve as microtasks: let the event loop deliver a signal between them.
        await new Promise((r) => setImmediate(r));
        if (opts.signal.aborted) break;
      }
      const p = importOne(store, path, opts).then(record);
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
      if (inflight.size >= limit) await Promise.race(inflight);
    }
    await Promise.all(inflight);
  } finally {
    store.endBatch();
  }
  summary.seconds = (performance.now() - t0) / 1000;
  return summary;
}

export async function importOne(store: Store, path: string, opts: ImportOptions = {}): Promise<FileResult> {
  let bytes: Buffer;
  try {
    const st = statSync(path);
    if (st.size > MAX_DOCUMENT_BYTES) {
      const message = `document is ${st.size} bytes, over the ${MAX_DOCUMENT_BYTES}-byte limit`;
      const sha = createHash("sha256").update(`too_large:${path}:${st.size}:${st.mtimeMs}`).digest("hex");
      store.recordFailure({ sha256: sha, origin: path, size: st.size }, "unknown", "too_large", message);
      return { path, outcome: "failed", error: { code: "too_large", message } };
    }
    bytes = readFileSync(path);
  } catch (e) {
    const message = `cannot read ${basename(path)}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`;
    return { path, outcome: "failed", error: { code: "unreadable", message } };
  }
  return importBytes(store, bytes, path, {}, opts);
}

/**
 * Imports one document's bytes from any origin (a path, or a URL for the crawler). `httpCharset` is
 * the charset an HTTP response declared, if any.
 */
export async function importBytes(
  store: Store,
  bytes: Uint8Array,
  origin: string,
  opts: { httpCharset?: string } = {},
  { workers }: ImportOptions = {},
): Promise<FileResult> {
  const path = origin;
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const doc = { sha256, origin, size: bytes.length };
  const known = store.known(sha256);
  if (known && known.status !== "failed" && known.extraction_version >= extractionVersion()) {
    store.addOrigin(known.id, origin);
    return { path, outcome: "unchanged" };
  }
  try {
    const heavy = workers && HEAVY_FORMS.has(detectForm(bytes));
    const p = heavy ? await workers.process(bytes, opts) : await processDocument(bytes, opts);
    const outcome = store.saveReport(doc, p.form, p.charset, p.report, bytes);
    const m = p.report.meta;
    return {
      path,
      outcome,
      summary: `${m.issuerName ?? "?"} ${m.reportYear ?? "?"} ${p.report.formatVersion} cells=${p.report.cells.length}`,
    };
  } catch (e) {
    const code = e instanceof DocumentError ? e.code : "internal_error";
    const message = e instanceof Error ? e.message : String(e);
    store.recordFailure(doc, detectForm(bytes), code, message, bytes);
    return { path, outcome: "failed", error: { code, message } };
  }
}

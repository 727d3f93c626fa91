// Re-extraction of stored documents from their kept bytes, after the extraction changed (EXTRACTION_VERSION).
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { isAbsolute } from "node:path";
import { extractionVersion } from "../extraction-version.js";
import { DocumentError } from "../extractors/errors.js";
import { detectForm } from "../extractors/index.js";
import type { ExtractionDiff, Store } from "../store/store.js";
import { type Processed, processDocument } from "./pipeline.js";
import type { DocumentWorkers } from "./workers.js";

const HEAVY_FORMS = new Set(["pdf", "docx", "doc"]);

export interface ReprocessOptions {
  /** Every stored document, not only those an older extraction read. */
  all?: boolean;
  /** Extract and report what would change, writing nothing. */
  dryRun?: boolean;
  workers?: DocumentWorkers;
  /** Stops handing out documents once aborted; the ones in flight finish and are committed. */
  signal?: AbortSignal;
  onDocument?: (r: ReprocessResult, done: number) => void;
}

export interface ReprocessResult {
  documentId: number;
  origin: string;
  outcome: "changed" | "unchanged" | "failed" | "no_source";
  diff?: ExtractionDiff;
  error?: { code: string; message: string };
}

export interface ReprocessSummary {
  /** Documents selected (older extraction, or all with --all). */
  documents: number;
  done: number;
  changedDocuments: number;
  cellsChanged: number;
  cellsAdded: number;
  cellsRemoved: number;
  /** Rule status changes, e.g. "R5 pass→unknown": count. */
  rules: Record<string, number>;
  failed: number;
  noSource: number;
  extractionVersion: number;
  dryRun: boolean;
  seconds: number;
}

interface Row {
  id: number;
  sha256: string;
  origin: string;
  source_dir: string | null;
  status: string;
}

/** The documents a reprocess works on, oldest first. */
export function documentsToReprocess(store: Store, all = false): Row[] {
  return store.db
    .prepare(`SELECT id, sha256, origin, source_dir, status FROM documents
      WHERE ${all ? "1" : "IFNULL(extraction_version, 0) < ?"} AND error_code IS NOT 'too_large'
      ORDER BY id`)
    .all(...(all ? [] : [extractionVersion()])) as Row[];
}

/**
 * A document's bytes: from the sources store, else from a path it was imported from that still holds the
 * same bytes (databases made before sources were kept).
 */
function sourceBytes(store: Store, row: Row): Buffer | undefined {
  const kept = store.sourcePath(row.sha256, row.source_dir);
  if (kept) return readFileSync(kept);
  const origins = store.db
    .prepare("SELECT origin FROM document_origins WHERE document_id = ?")
    .pluck()
    .all(row.id) as string[];
  for (const o of origins) {
    if (!isAbsolute(o) || !existsSync(o)) continue;
    const b = readFileSync(o);
    if (createHash("sha256").update(b).digest("hex") === row.sha256) return b;
  }
  return undefined;
}

export async function reprocess(store: Store, opts: ReprocessOptions = {}): Promise<ReprocessSummary> {
  const t0 = performance.now();
  const rows = documentsToReprocess(store, opts.all);
  const s: ReprocessSummary = {
    documents: rows.length,
    done: 0,
    changedDocuments: 0,
    cellsChanged: 0,
    cellsAdded: 0,
    cellsRemoved: 0,
    rules: {},
    failed: 0,
    noSource: 0,
    extractionVersion: extractionVersion(),
    dryRun: !!opts.dryRun,
    seconds: 0,
  };
  const record = (r: ReprocessResult) => {
    if (r.outcome === "failed") s.failed++;
    else if (r.outcome === "no_source") s.noSource++;
    if (r.diff) {
      const d = r.diff;
      if (r.outcome === "changed") s.changedDocuments++;
      s.cellsChanged += d.changed.length;
      s.cellsAdded += d.added.length;
      s.cellsRemoved += d.removed.length;
      for (const x of d.rules) {
        const k = `${x.rule} ${x.from}→${x.to}`;
        s.rules[k] = (s.rules[k] ?? 0) + 1;
      }
    }
    s.done++; // not inside the optional call below, which evaluates nothing without a callback
    opts.onDocument?.(r, s.done);
  };
  const limit = opts.workers ? opts.workers.size * 2 : 1;
  const inflight = new Set<Promise<void>>();
  for (const row of rows) {
    if (opts.signal) {
      // Documents read from disk resolve as microtasks: let the event loop deliver a signal between them.
      await new Promise((r) => setImmediate(r));
      if (opts.signal.aborted) break;
    }
    const p = reprocessOne(store, row, opts).then(record);
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
    if (inflight.size >= limit) await Promise.race(inflight);
  }
  await Promise.all(inflight);
  s.seconds = (performance.now() - t0) / 1000;
  return s;
}

async function reprocessOne(store: Store, row: Row, opts: ReprocessOptions): Promise<ReprocessResult> {
  const base = { documentId: row.id, origin: row.origin };
  const bytes = sourceBytes(store, row);
  if (!bytes) return { ...base, outcome: "no_source" };
  let p: Processed;
  try {
    p =
      opts.workers && HEAVY_FORMS.has(detectForm(bytes))
        ? await opts.workers.process(bytes, {})
        : await processDocument(bytes, {});
  } catch (e) {
    const code = e instanceof DocumentError ? e.code : "internal_error";
    const message = e instanceof Error ? e.message : String(e);
    // A document that read before keeps its extraction (and its older version number, so it is tried
    // again); one that failed before records the new failure.
    if (row.status === "failed" && !opts.dryRun)
      store.recordFailure(
        { sha256: row.sha256, origin: row.origin, size: bytes.length },
        detectForm(bytes),
        code,
        message,
      );
    return { ...base, outcome: "failed", error: { code, message } };
  }
  const diff = store.reprocessDocument(row.id, p.form, p.charset, p.report, { dryRun: opts.dryRun });
  const changed = diff.changed.length + diff.added.length + diff.removed.length + diff.rules.length > 0;
  return { ...base, outcome: changed ? "changed" : "unchanged", diff };
}

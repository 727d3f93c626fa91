// Bulk import from disk: walks files and folders, skips bytes already stored, processes each document
// and stores it in its own transaction. One bad document never stops the batch.
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { basename } from "node:path";
import { extractionVersion } from "../extraction-version.js";
import { DocumentError, oneLineError } from "../extractors/errors.js";
import { detectForm, loadHtmlExtractor, MAX_DOCUMENT_BYTES, TEXTUAL_FORMS } from "../extractors/index.js";
import type { ImportOutcome, Store } from "../store/store.js";
import { type BatchResult, runBatchWithinBudget } from "./bounds.js";
import { type Processed, processDocument, processTextual } from "./pipeline.js";
import type { DocumentWorkers } from "./workers.js";

/**
 * HTML and text up to this size are read on the importing thread (a worker's round trip would cost
 * more than reading them), within INLINE_BUDGET_MS; larger ones go to the worker pool.
 */
export const INLINE_MAX_BYTES = 256 * 1024;
/**
 * Time an HTML or text document may take on the importing thread: hundreds of times what a report
 * takes, and short enough that PDF timers and the batch's commits are never held up for long. A
 * document stopped at this budget is read again in a worker, with the worker's time and memory limits.
 */
export const INLINE_BUDGET_MS = 1000;
/** Without a worker pool there is nowhere else to read it: the budget is the document's time limit. */
export const NO_POOL_BUDGET_MS = 10_000;
/**
 * HTML and text documents are read in batches of up to this many under one watchdog, each batch
 * starting documents for at most BATCH_SLICE_MS (a watchdog per document cost a fifth of the time).
 */
const MAX_BATCH = 16;
const BATCH_SLICE_MS = 50;
/** Documents in flight in a batch import, and the bytes they may hold together. */
const MAX_IN_FLIGHT = 16;
const MAX_IN_FLIGHT_BYTES = 64 * 1024 * 1024;

interface InlineJob {
  bytes: Uint8Array;
  opts: { httpCharset?: string };
  resolve: (p: Processed) => void;
  reject: (e: unknown) => void;
}

/**
 * HTML and text read on this thread in budgeted batches: documents queue until the batch is full or
 * the event loop turns, then run under one watchdog. A document that overruns its budget goes to the
 * worker pool (or fails with `timeout` without one); those the batch did not reach run in the next.
 */
export class InlineBatches {
  private readonly queue: InlineJob[] = [];
  private scheduled = false;
  private readonly budgetMs: number;

  constructor(
    private readonly workers: DocumentWorkers | undefined,
    budgetMs?: number,
  ) {
    this.budgetMs = budgetMs ?? (workers ? INLINE_BUDGET_MS : NO_POOL_BUDGET_MS);
  }

  process(bytes: Uint8Array, opts: { httpCharset?: string }): Promise<Processed> {
    return new Promise<Processed>((resolve, reject) => {
      this.queue.push({ bytes, opts, resolve, reject });
      if (this.queue.length >= MAX_BATCH) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.flush();
        });
      }
    });
  }

  /** Runs every queued document now. */
  flush(): void {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      const results = runBatchWithinBudget(
        batch,
        (job) => processTextual(job.bytes, job.opts),
        this.budgetMs,
        Math.min(BATCH_SLICE_MS, this.budgetMs),
      );
      this.queue.unshift(...batch.filter((_, i) => results[i] === undefined));
      for (let i = 0; i < batch.length; i++) this.settle(batch[i], results[i]);
    }
  }

  private settle(job: InlineJob, r: BatchResult<Processed>): void {
    if (r === undefined) return; // queued again
    if ("ok" in r) job.resolve(r.ok);
    else if ("error" in r) job.reject(r.error);
    else if (this.workers) this.workers.process(job.bytes, job.opts).then(job.resolve, job.reject);
    else
      job.reject(
        new DocumentError("timeout", `document took longer than ${this.budgetMs / 1000} s to read; stopped`),
      );
  }
}

export { listFiles } from "./files.js";

export interface FileResult {
  path: string;
  outcome: ImportOutcome;
  /** One line with a stable code; `detail` (for the log, never stored) has the full account. */
  error?: { code: string; message: string; detail?: string };
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
  /**
   * Worker threads for PDF and Word documents and for HTML or text too large or too slow for this
   * thread; without it every document is processed in this thread (HTML and text within a budget).
   */
  workers?: DocumentWorkers;
  /** Stops handing out files once aborted (SIGINT/SIGTERM): documents in flight finish and are stored. */
  signal?: AbortSignal;
  /** Budget of HTML and text on this thread, in ms (default INLINE_BUDGET_MS, with a pool). */
  inlineBudgetMs?: number;
  /** The batches HTML and text of one import share (importFiles makes them). */
  inline?: InlineBatches;
}

/**
 * Processes one document within bounds: HTML and text on this thread within a time budget (then, if
 * they overrun it, in a worker), PDF and Word in the worker pool with its time and memory limits.
 * Without a pool, PDF and Word run here unbounded (tests, programmatic use).
 */
export async function processWithinBounds(
  bytes: Uint8Array,
  opts: { httpCharset?: string } = {},
  workers?: DocumentWorkers,
  inline: InlineBatches = new InlineBatches(workers),
): Promise<Processed> {
  const form = detectForm(bytes);
  if (TEXTUAL_FORMS.has(form) && (!workers || bytes.length <= INLINE_MAX_BYTES)) {
    if (form === "html") await loadHtmlExtractor(); // read synchronously, within the budget
    return inline.process(bytes, opts);
  }
  return workers ? workers.process(bytes, opts) : processDocument(bytes, opts);
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
  const limit = opts.workers ? MAX_IN_FLIGHT : 1;
  const inflight = new Set<Promise<void>>();
  let inflightBytes = 0;
  const batched = { ...opts, inline: opts.inline ?? new InlineBatches(opts.workers, opts.inlineBudgetMs) };
  store.beginBatch(files.length);
  try {
    for (const path of files) {
      if (opts.signal) {
        // Documents read from disk resolve as microtasks: let the event loop deliver a signal between them.
        await new Promise((r) => setImmediate(r));
        if (opts.signal.aborted) break;
      }
      const size = fileSize(path);
      inflightBytes += size;
      const p = importOne(store, path, batched).then(record);
      inflight.add(p);
      void p.finally(() => {
        inflight.delete(p);
        inflightBytes -= size;
      });
      while (inflight.size >= limit || (inflight.size > 0 && inflightBytes >= MAX_IN_FLIGHT_BYTES))
        await Promise.race(inflight);
    }
    await Promise.all(inflight);
  } finally {
    store.endBatch();
  }
  summary.seconds = (performance.now() - t0) / 1000;
  return summary;
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
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
 * The stored document with these bytes when nothing is left to do for it: stored (not failed) and read
 * by the current extraction. Bytes an older extraction read are read again.
 */
export function upToDate(store: Store, sha256: string): { id: number } | undefined {
  const known = store.known(sha256);
  return known && known.status !== "failed" && known.extraction_version >= extractionVersion()
    ? known
    : undefined;
}

/** One line on a processed report for logs and progress: issuer, year, version, cell count. */
export function reportSummary(report: Processed["report"]): string {
  const m = report.meta;
  return `${m.issuerName ?? "?"} ${m.reportYear ?? "?"} ${report.formatVersion} cells=${report.cells.length}`;
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
  { workers, inlineBudgetMs, inline }: ImportOptions = {},
): Promise<FileResult> {
  const path = origin;
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const doc = { sha256, origin, size: bytes.length };
  const known = upToDate(store, sha256);
  if (known) {
    store.addOrigin(known.id, origin);
    return { path, outcome: "unchanged" };
  }
  try {
    const p = await processWithinBounds(
      bytes,
      opts,
      workers,
      inline ?? new InlineBatches(workers, inlineBudgetMs),
    );
    const outcome = store.saveReport(doc, p.form, p.charset, p.report, bytes);
    return { path, outcome, summary: reportSummary(p.report) };
  } catch (e) {
    const error = oneLineError(e);
    store.recordFailure(doc, detectForm(bytes), error.code, error.message, bytes);
    return { path, outcome: "failed", error };
  }
}

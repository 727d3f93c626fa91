// A pool of worker threads that run processDocument for the heavy forms (PDF, Word) and for HTML or text
// too large or too slow for the importing thread, so a batch uses every core; a document that exceeds its
// time or memory limit has its worker terminated and replaced.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { DocumentError, type FailureLine } from "../extractors/errors.js";
import type { Processed } from "./pipeline.js";

interface Job {
  id: number;
  bytes: Uint8Array;
  opts: { httpCharset?: string };
  /** Set once the job has been retried after its worker died. */
  retried?: boolean;
  resolve: (p: Processed) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  job?: Job;
  timer?: NodeJS.Timeout;
}

export interface WorkerPoolOptions {
  /** Threads; default: one per core. */
  size?: number;
  /** Hard limit per document, after which its worker is terminated. */
  timeoutMs?: number;
  /**
   * Heap limit of each worker in MB (default 1024). A document that needs more stops its worker with
   * `out_of_memory` instead of growing the process without bound.
   */
  heapMb?: number;
  /** Receives what workers log (a stray rejection they ignored, a worker that died); default: nothing. */
  onLog?: (line: string) => void;
}

const fromSource = import.meta.url.endsWith(".ts");
const workerUrl = new URL(fromSource ? "./worker.ts" : "./worker.js", import.meta.url);

/**
 * Starts one worker. Run from the TypeScript sources (tests, development), the worker first registers
 * tsx's loader, which worker threads do not inherit from `--import` on Node 20.
 */
function startWorker(heapMb: number, workerData: WorkerStart): Worker {
  const resourceLimits = { maxOldGenerationSizeMb: heapMb };
  if (!fromSource) return new Worker(workerUrl, { resourceLimits, workerData });
  const tsxApi = import.meta.resolve("tsx/esm/api");
  const boot = `import(${JSON.stringify(tsxApi)}).then((api) => { api.register(); return import(${JSON.stringify(workerUrl.href)}); });`;
  return new Worker(boot, { eval: true, resourceLimits, workerData });
}

/** What a worker is told as it starts (worker.ts). */
export interface WorkerStart {
  /** Load pdfjs right away, before the first document arrives (a batch that holds PDFs). */
  preloadPdf?: boolean;
}

/** File names of the forms the pool reads (the others are read by the importing thread). */
const PDF_NAME = /\.pdf$/i;
const WORD_NAME = /\.(?:docx?|wps)$/i;

export class DocumentWorkers {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 0;
  private closed = false;
  readonly size: number;
  private readonly timeoutMs: number;
  private readonly heapMb: number;
  private readonly log: (line: string) => void;
  /** Set by prestart: threads started later (replacements, more documents) load pdfjs at once too. */
  private start: WorkerStart = {};

  constructor(opts: WorkerPoolOptions = {}) {
    this.size = Math.max(1, opts.size ?? availableParallelism());
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    this.heapMb = opts.heapMb ?? 1024;
    this.log = opts.onLog ?? (() => {});
  }

  private spawn(): Slot {
    const slot: Slot = { worker: startWorker(this.heapMb, this.start) };
    slot.worker.on("message", (msg: { id?: number; ok?: Processed; error?: FailureLine; log?: string }) => {
      if (msg.log !== undefined) {
        this.log(msg.log);
        return;
      }
      const job = slot.job;
      if (!job || job.id !== msg.id) return;
      this.finish(slot);
      if (msg.ok) job.resolve(msg.ok);
      else {
        const err = msg.error ?? { code: "internal_error", message: "worker failed" };
        job.reject(new DocumentError(err.code, err.message, err.detail));
      }
    });
    slot.worker.on("error", (e: Error & { code?: string }) =>
      this.died(
        slot,
        e.code === "ERR_WORKER_OUT_OF_MEMORY"
          ? new DocumentError(
              "out_of_memory",
              `document needed more than the ${this.heapMb} MB a worker may use; stopped`,
            )
          : new DocumentError("worker_crashed", `worker crashed: ${e.message}`, e.stack),
      ),
    );
    slot.worker.on("exit", (code) => {
      if (!this.closed && slot.job)
        this.died(slot, new DocumentError("worker_crashed", `worker exited with code ${code}`));
    });
    slot.worker.unref();
    return slot;
  }

  private finish(slot: Slot) {
    if (slot.timer) clearTimeout(slot.timer);
    slot.job = undefined;
    slot.timer = undefined;
    this.pump();
  }

  /**
   * A worker died (crash or heap limit) during a job. What killed it may have been left behind by the
   * document before (a library's stray callback), so the job is tried once more on a fresh worker, and
   * blamed only if it kills that one too.
   */
  private died(slot: Slot, error: DocumentError) {
    const job = slot.job;
    this.log(`worker died while reading document ${job?.id ?? "-"}: [${error.code}] ${error.message}`);
    if (job && !job.retried && !this.closed) {
      job.retried = true;
      slot.job = undefined;
      this.queue.unshift(job);
    }
    this.replace(slot, error);
  }

  /** Ends a slot's job with an error and puts a fresh worker in its place. */
  private replace(slot: Slot, error: Error) {
    const job = slot.job;
    if (slot.timer) clearTimeout(slot.timer);
    slot.job = undefined;
    slot.worker.removeAllListeners();
    slot.worker.on("error", () => {}); // a late error from a worker being stopped must not throw here
    void slot.worker.terminate();
    const i = this.slots.indexOf(slot);
    if (i >= 0 && !this.closed) this.slots[i] = this.spawn();
    job?.reject(error);
    this.pump();
  }

  private pump() {
    // Threads start on first use: a batch of HTML and text never pays for them.
    while (
      this.slots.length < Math.min(this.size, this.queue.length + this.slots.filter((x) => x.job).length)
    ) {
      this.slots.push(this.spawn());
    }
    for (const slot of this.slots) {
      if (slot.job || this.queue.length === 0) continue;
      const job = this.queue.shift()!;
      slot.job = job;
      slot.worker.ref();
      slot.timer = setTimeout(
        () =>
          this.replace(
            slot,
            new DocumentError("timeout", `document took longer than ${this.timeoutMs / 1000} s; stopped`),
          ),
        this.timeoutMs,
      );
      slot.worker.postMessage({ id: job.id, bytes: job.bytes, opts: job.opts });
    }
    for (const slot of this.slots) if (!slot.job) slot.worker.unref();
  }

  /**
   * Starts the threads a batch of these files will use before its first document is read, so that their
   * start-up (and pdfjs's loading, when the batch holds PDFs) runs while this thread opens the database
   * and reads the first files, instead of after. Judged by file names only: a batch without PDF or Word
   * names starts no thread here (its threads, if any, start on first use as before).
   */
  prestart(files: readonly string[]): void {
    let heavy = 0;
    let pdf = false;
    for (const f of files) {
      if (PDF_NAME.test(f)) pdf = true;
      else if (!WORD_NAME.test(f)) continue;
      if (++heavy >= this.size && pdf) break;
    }
    if (this.closed || heavy < 2) return;
    this.start = { preloadPdf: pdf };
    while (this.slots.length < Math.min(this.size, heavy)) this.slots.push(this.spawn());
  }

  /** Threads running (started ahead by prestart, or by documents). */
  get threads(): number {
    return this.slots.length;
  }

  /** Documents handed to the pool so far. */
  get received(): number {
    return this.nextId;
  }

  /** Number of documents queued or running. */
  get pending(): number {
    return this.queue.length + this.slots.filter((s) => s.job).length;
  }

  process(bytes: Uint8Array, opts: { httpCharset?: string } = {}): Promise<Processed> {
    if (this.closed) return Promise.reject(new Error("worker pool is closed"));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, bytes, opts, resolve, reject });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}

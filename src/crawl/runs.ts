// Crawl run records (counts, failures, status) and the lock against overlapping runs on one database.
import { createRequire } from "node:module";
import { hostname } from "node:os";
import { Worker } from "node:worker_threads";
import type Database from "better-sqlite3";
import { processAlive } from "../process-alive.js";

export type RunStatus = "running" | "ok" | "partial" | "failed" | "interrupted";

export interface RunCounts {
  discovered: number;
  fetched: number;
  not_modified: number;
  skipped: number;
  new_reports: number;
  changed_reports: number;
  unchanged_documents: number;
  failed: number;
  bytes: number;
}

export const emptyCounts = (): RunCounts => ({
  discovered: 0,
  fetched: 0,
  not_modified: 0,
  skipped: 0,
  new_reports: 0,
  changed_reports: 0,
  unchanged_documents: 0,
  failed: 0,
  bytes: 0,
});

export interface Failure {
  url: string;
  reason: string;
}

export interface RunRow extends RunCounts {
  id: number;
  started_at: string;
  ended_at: string | null;
  status: RunStatus;
  pid: number;
  sources_file: string | null;
  pass: number;
  resumed: number;
  failures: string;
  error: string | null;
}

/** The class of a failure reason, for the end-of-run summary: DNS, timeout, HTTP 404, import: code, … */
export function failureClass(reason: string): string {
  if (/ENOTFOUND|EAI_AGAIN|ENODATA|getaddrinfo/i.test(reason)) return "DNS";
  if (/timeout|ETIMEDOUT|ESOCKETTIMEDOUT/i.test(reason)) return "timeout";
  if (/ECONNREFUSED/.test(reason)) return "connection refused";
  if (/ECONNRESET|EPIPE|socket hang up|connection closed/i.test(reason)) return "connection reset";
  if (/robots\.txt unavailable/.test(reason)) return "robots.txt unavailable";
  if (/redirect/i.test(reason)) return "redirect";
  if (/too_large/.test(reason)) return "too large";
  const http = /HTTP (\d{3})/.exec(reason);
  if (http) return `HTTP ${http[1]}`;
  const imp = /^import failed: \[(\w+)\]/.exec(reason);
  if (imp) return `import: ${imp[1]}`;
  return reason.split(/[:(]/)[0].trim().slice(0, 40) || "other";
}

/** Failure counts by class, most frequent first: { "HTTP 404": 3, "timeout": 1 }. */
export function failureSummary(failures: Failure[]): Record<string, number> {
  const m = new Map<string, number>();
  for (const f of failures) {
    const c = failureClass(f.reason);
    m.set(c, (m.get(c) ?? 0) + 1);
  }
  return Object.fromEntries([...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
}

/** "HTTP 404 ×3, timeout ×1" */
export function formatFailureSummary(summary: Record<string, number>): string {
  return Object.entries(summary)
    .map(([k, n]) => `${k} ×${n}`)
    .join(", ");
}

/** Failures kept in a run row; the count is always exact. */
export const MAX_FAILURES_KEPT = 500;

export interface LockHolder {
  pid: number;
  hostname: string;
  runId: number | null;
  heartbeatAgeMs: number;
}

export class LockHeldError extends Error {
  constructor(readonly holder: LockHolder) {
    super(
      `another crawl (pid ${holder.pid} on ${holder.hostname}${holder.runId ? `, run ${holder.runId}` : ""}) holds the lock on this database; its last heartbeat was ${Math.round(holder.heartbeatAgeMs / 1000)} s ago`,
    );
  }
}

/**
 * The heartbeat thread: its own SQLite connection and its own event loop, so a main thread busy with a
 * document (HTML parsing, a long transaction) cannot hold the heartbeat back. Only a dead process, or
 * a frozen one, stops it. CommonJS source, evaluated by the Worker constructor.
 */
const HEARTBEAT_THREAD = `
const { workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
let db;
try {
  db = new Database(workerData.file, { timeout: 10000 });
} catch (e) {
  // The lock was released (and its database maybe removed) before this thread started.
  process.exit(0);
}
const beat = db.prepare("UPDATE crawl_lock SET heartbeat_ms = ? WHERE id = 1 AND pid = ?");
const tick = () => { try { beat.run(Date.now(), workerData.pid); } catch {} };
setInterval(tick, workerData.everyMs);
`;

/**
 * The run lock: a single row in crawl_lock. A holder refreshes its heartbeat every few seconds from a
 * separate thread (stopped by release); a lock whose holder is dead (same machine, pid gone) or silent for `staleMs` is
 * taken over.
 */
export class RunLock {
  private timer?: NodeJS.Timeout;
  private thread?: Worker;
  private constructor(
    private readonly db: Database.Database,
    readonly pid: number,
  ) {}

  static acquire(db: Database.Database, opts: { staleMs?: number; heartbeatMs?: number } = {}): RunLock {
    const staleMs = opts.staleMs ?? 120_000;
    const me = hostname();
    const take = db.transaction(() => {
      const row = db
        .prepare("SELECT pid, hostname, run_id, heartbeat_ms FROM crawl_lock WHERE id = 1")
        .get() as { pid: number; hostname: string; run_id: number | null; heartbeat_ms: number } | undefined;
      if (row) {
        const age = Date.now() - row.heartbeat_ms;
        const dead = row.hostname === me && !processAlive(row.pid);
        if (!dead && age < staleMs && !(row.hostname === me && row.pid === process.pid)) {
          throw new LockHeldError({
            pid: row.pid,
            hostname: row.hostname,
            runId: row.run_id,
            heartbeatAgeMs: age,
          });
        }
      }
      db.prepare(
        "INSERT OR REPLACE INTO crawl_lock (id, pid, hostname, run_id, heartbeat_ms) VALUES (1, ?, ?, NULL, ?)",
      ).run(process.pid, me, Date.now());
    });
    take.immediate();
    const lock = new RunLock(db, process.pid);
    const everyMs = opts.heartbeatMs ?? 5000;
    if (db.memory) {
      lock.timer = setInterval(() => lock.beat(), everyMs);
      lock.timer.unref();
    } else {
      const driver = createRequire(import.meta.url).resolve("better-sqlite3");
      lock.thread = new Worker(HEARTBEAT_THREAD, {
        eval: true,
        workerData: { driver, file: db.name, pid: process.pid, everyMs },
      });
      lock.thread.unref();
      // A thread that cannot run leaves the heartbeat to a main-thread timer rather than to nobody.
      lock.thread.on("error", () => {
        if (!lock.thread) return;
        lock.thread = undefined;
        lock.timer = setInterval(() => lock.beat(), everyMs);
        lock.timer.unref();
      });
    }
    return lock;
  }

  setRun(runId: number): void {
    this.db.prepare("UPDATE crawl_lock SET run_id = ? WHERE id = 1 AND pid = ?").run(runId, this.pid);
  }

  beat(): void {
    try {
      this.db
        .prepare("UPDATE crawl_lock SET heartbeat_ms = ? WHERE id = 1 AND pid = ?")
        .run(Date.now(), this.pid);
    } catch {
      // a busy database skips one heartbeat; the next one follows in a few seconds
    }
  }

  release(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.thread) {
      const thread = this.thread;
      this.thread = undefined;
      void thread.terminate();
    }
    this.db.prepare("DELETE FROM crawl_lock WHERE id = 1 AND pid = ?").run(this.pid);
  }
}

/** Run records. */
export class Runs {
  constructor(private readonly db: Database.Database) {}

  /** Runs still marked running belong to dead processes once we hold the lock. */
  markInterrupted(): number {
    return this.db
      .prepare(
        "UPDATE crawl_runs SET status = 'interrupted', ended_at = coalesce(ended_at, strftime('%Y-%m-%dT%H:%M:%fZ','now')) WHERE status = 'running'",
      )
      .run().changes;
  }

  start(opts: { sourcesFile?: string; pass: number; resumed: boolean }): number {
    return Number(
      this.db
        .prepare(
          "INSERT INTO crawl_runs (status, pid, sources_file, pass, resumed) VALUES ('running', ?, ?, ?, ?)",
        )
        .run(process.pid, opts.sourcesFile ?? null, opts.pass, opts.resumed ? 1 : 0).lastInsertRowid,
    );
  }

  /** Saves the counts so far (an interrupted run still shows what it did). */
  save(id: number, c: RunCounts, failures: Failure[]): void {
    this.db
      .prepare(
        `UPDATE crawl_runs SET discovered=@discovered, fetched=@fetched, not_modified=@not_modified, skipped=@skipped,
         new_reports=@new_reports, changed_reports=@changed_reports, unchanged_documents=@unchanged_documents,
         failed=@failed, bytes=@bytes, failures=@failures WHERE id=@id`,
      )
      .run({ ...c, failures: JSON.stringify(failures.slice(0, MAX_FAILURES_KEPT)), id });
  }

  finish(id: number, status: RunStatus, c: RunCounts, failures: Failure[], error?: string): void {
    this.db.transaction(() => {
      this.save(id, c, failures);
      this.db
        .prepare(
          "UPDATE crawl_runs SET status = ?, error = ?, ended_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?",
        )
        .run(status, error ?? null, id);
    })();
  }

  list(limit = 20): RunRow[] {
    return this.db.prepare("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT ?").all(limit) as RunRow[];
  }

  get(id: number): RunRow | undefined {
    return this.db.prepare("SELECT * FROM crawl_runs WHERE id = ?").get(id) as RunRow | undefined;
  }
}

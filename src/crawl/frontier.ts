// The crawl frontier and fetch log in SQLite: what to fetch, what was fetched, and its validators.

// Validators (ETag, Last-Modified, hash) drive conditional requests; keeping all this in SQLite survives a kill.
import type Database from "better-sqlite3";
import type { LinkKind } from "./discover.js";

export type FrontierState = "pending" | "queued" | "done" | "failed" | "skipped";

export interface FrontierRow {
  id: number;
  url: string;
  host: string;
  source: string;
  kind: LinkKind;
  depth: number;
  redirects: number;
  parent: string | null;
  pass: number;
}

export interface FetchRecord {
  runId: number;
  url: string;
  finalUrl?: string;
  status?: number;
  outcome: "fetched" | "not_modified" | "redirect" | "failed";
  headers?: Record<string, string>;
  etag?: string | null;
  lastModified?: string | null;
  size?: number;
  sha256?: string | null;
  documentId?: number | null;
  error?: string;
  ms?: number;
}

export interface Validators {
  final_url: string | null;
  etag: string | null;
  last_modified: string | null;
  sha256: string;
  document_id: number | null;
}

const NOW = "strftime('%Y-%m-%dT%H:%M:%fZ','now')";

export class Frontier {
  private readonly s;

  constructor(readonly db: Database.Database) {
    this.s = {
      maxPass: db.prepare("SELECT coalesce(max(pass), 0) AS p FROM crawl_frontier"),
      unfinished: db.prepare("SELECT count(*) AS n FROM crawl_frontier WHERE state IN ('pending','queued')"),
      requeue: db.prepare(
        `UPDATE crawl_frontier SET state = 'pending', updated_at = ${NOW} WHERE state = 'queued'`,
      ),
      // A URL is (re)scheduled when it is new, or was last scheduled in an earlier pass.
      schedule:
        db.prepare(`INSERT INTO crawl_frontier (url, host, source, kind, depth, redirects, parent, pass, state)
        VALUES (@url, @host, @source, @kind, @depth, @redirects, @parent, @pass, 'pending')
        ON CONFLICT(url) DO UPDATE SET host = excluded.host, source = excluded.source, kind = excluded.kind,
          depth = excluded.depth, redirects = excluded.redirects, parent = excluded.parent, pass = excluded.pass,
          state = 'pending', reason = NULL, updated_at = ${NOW}
        WHERE crawl_frontier.pass < excluded.pass`),
      pendingHosts: db.prepare("SELECT DISTINCT host FROM crawl_frontier WHERE state = 'pending'"),
      pendingOf: db.prepare(
        "SELECT id, url, host, source, kind, depth, redirects, parent, pass FROM crawl_frontier WHERE state = 'pending' AND host = ? ORDER BY id LIMIT ?",
      ),
      setState: db.prepare(
        `UPDATE crawl_frontier SET state = ?, reason = ?, updated_at = ${NOW} WHERE id = ?`,
      ),
      counts: db.prepare(
        "SELECT source, kind, count(*) AS n FROM crawl_frontier WHERE pass = ? GROUP BY source, kind",
      ),
      validators: db.prepare(
        "SELECT final_url, etag, last_modified, sha256, document_id FROM crawl_fetches WHERE url = ? AND sha256 IS NOT NULL ORDER BY id DESC LIMIT 1",
      ),
      recent: db.prepare(
        "SELECT status, fetched_at FROM crawl_fetches WHERE url = ? AND outcome != 'redirect' ORDER BY id DESC LIMIT ?",
      ),
      insertFetch:
        db.prepare(`INSERT INTO crawl_fetches (run_id, url, final_url, status, outcome, headers, etag,
        last_modified, size, sha256, document_id, error, ms)
        VALUES (@runId, @url, @finalUrl, @status, @outcome, @headers, @etag, @lastModified, @size, @sha256,
          @documentId, @error, @ms)`),
    };
  }

  /** The pass number of the latest crawl pass (0 before the first). */
  currentPass(): number {
    return (this.s.maxPass.get() as { p: number }).p;
  }

  /** URLs left to do in the current pass (a killed run leaves some). */
  unfinished(): number {
    return (this.s.unfinished.get() as { n: number }).n;
  }

  /** After a kill, URLs that were handed out but not finished go back to pending. */
  requeueQueued(): number {
    return this.s.requeue.run().changes;
  }

  /** Schedules a URL for this pass; false when it is already scheduled or done in this pass. */
  schedule(row: Omit<FrontierRow, "id">): boolean {
    return this.s.schedule.run(row).changes > 0;
  }

  pendingHosts(): string[] {
    return (this.s.pendingHosts.all() as { host: string }[]).map((r) => r.host);
  }

  /** Hands out up to `n` pending URLs of a host, marking them queued. */
  claim(host: string, n: number): FrontierRow[] {
    return this.db.transaction(() => {
      const rows = this.s.pendingOf.all(host, n) as FrontierRow[];
      for (const r of rows) this.s.setState.run("queued", null, r.id);
      return rows;
    })();
  }

  /** Finishes a URL and records its fetch in one transaction. */
  finish(
    id: number,
    state: Exclude<FrontierState, "pending" | "queued">,
    reason: string | null,
    fetch?: FetchRecord,
  ) {
    this.db.transaction(() => {
      if (fetch) this.recordFetch(fetch);
      this.s.setState.run(state, reason, id);
    })();
  }

  recordFetch(f: FetchRecord): void {
    this.s.insertFetch.run({
      runId: f.runId,
      url: f.url,
      finalUrl: f.finalUrl && f.finalUrl !== f.url ? f.finalUrl : null,
      status: f.status ?? null,
      outcome: f.outcome,
      headers: f.headers ? JSON.stringify(f.headers) : null,
      etag: f.etag ?? null,
      lastModified: f.lastModified ?? null,
      size: f.size ?? null,
      sha256: f.sha256 ?? null,
      documentId: f.documentId ?? null,
      error: f.error ?? null,
      ms: f.ms ?? null,
    });
  }

  /** URLs scheduled in a pass, by source and kind (for the per-source limits). */
  counts(pass: number): Map<string, { list: number; total: number }> {
    const m = new Map<string, { list: number; total: number }>();
    for (const r of this.s.counts.all(pass) as { source: string; kind: string; n: number }[]) {
      const c = m.get(r.source) ?? { list: 0, total: 0 };
      c.total += r.n;
      if (r.kind === "list") c.list += r.n;
      m.set(r.source, c);
    }
    return m;
  }

  /** The latest answers for a URL, newest first (status NULL when no answer came); times are UTC. */
  recentStatuses(url: string, n: number): { status: number | null; fetched_at: string }[] {
    return (this.s.recent.all(url, n) as { status: number | null; fetched_at: string }[]).map((r) => ({
      ...r,
      fetched_at: r.fetched_at.endsWith("Z") ? r.fetched_at : `${r.fetched_at}Z`,
    }));
  }

  /** The last fetch of a URL that had a body: validators for a conditional request, and its hash. */
  validators(url: string): Validators | undefined {
    return this.s.validators.get(url) as Validators | undefined;
  }
}

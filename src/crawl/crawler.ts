// One crawl run: lock, resume or start a pass, discover → fetch → store raw bytes → import.

// Every step is recorded in SQLite, so a killed run continues where it stopped.
import { detectForm } from "../extractors/index.js";
import { importBytes, processWithinBounds } from "../importer.js";
import type { Store } from "../store/store.js";
import type { DocumentWorkers } from "../workers.js";
import { BlobStore } from "./blobs.js";
import { decodePage, extractLinks, headerCharset, type Link } from "./discover.js";
import { Fetcher, type FetchResult } from "./fetch.js";
import { type FetchRecord, Frontier, type FrontierRow } from "./frontier.js";
import type { Logger } from "./log.js";
import { emptyCounts, type Failure, type RunCounts, RunLock, type RunStatus, Runs } from "./runs.js";
import { type CrawlConfig, hostAllowed, type Politeness, type ResolvedSource } from "./sources.js";

export interface CrawlOptions {
  store: Store;
  config: CrawlConfig;
  /** Folder for the raw bytes (content-addressed). */
  dataDir: string;
  sourcesFile?: string;
  log: Logger;
  /** Overrides every source's politeness (e.g. from the command line). */
  politeness?: Partial<Politeness>;
  /** Aborting stops handing out URLs; the run ends as interrupted and the next run resumes it. */
  signal?: AbortSignal;
  /** A lock whose holder has been silent this long is taken over. */
  lockStaleMs?: number;
  /** Worker threads for PDF and Word documents (with their time limit), as `zfxxgk import` uses. */
  workers?: DocumentWorkers;
}

export interface CrawlResult {
  runId: number;
  status: RunStatus;
  pass: number;
  resumed: boolean;
  counts: RunCounts;
  failures: Failure[];
  seconds: number;
}

/** Runs one crawl (a new pass, or the rest of an interrupted one). Throws LockHeldError when locked. */
export async function crawl(opts: CrawlOptions): Promise<CrawlResult> {
  const db = opts.store.db;
  const lock = RunLock.acquire(db, { staleMs: opts.lockStaleMs });
  try {
    return await new CrawlRun(opts, lock).run();
  } finally {
    lock.release();
  }
}

class CrawlRun {
  private readonly frontier: Frontier;
  private readonly runs: Runs;
  private readonly blobs: BlobStore;
  private readonly fetcher: Fetcher;
  private readonly sources: Map<string, ResolvedSource>;
  private readonly counts = emptyCounts();
  private readonly failures: Failure[] = [];
  private readonly hosts = new Set<string>();
  private perSource = new Map<string, { list: number; total: number }>();
  private readonly limitLogged = new Set<string>();
  private runId = 0;
  private pass = 0;
  private wake: () => void = () => {};

  constructor(
    private readonly opts: CrawlOptions,
    private readonly lock: RunLock,
  ) {
    const db = opts.store.db;
    this.frontier = new Frontier(db);
    this.runs = new Runs(db);
    this.blobs = new BlobStore(opts.dataDir);
    this.sources = new Map(opts.config.sources.map((s) => [s.name, s]));
    const allowed = (u: URL) => opts.config.sources.some((s) => hostAllowed(u, s.allowedHosts));
    this.fetcher = new Fetcher({
      userAgent: opts.config.userAgent,
      politeness: this.politeness(opts.config.sources[0]),
      allowed,
      onRetry: (url, attempt, reason, waitMs) =>
        opts.log.log("warn", "retry", { url, attempt, reason, waitMs }),
      robotsCache: {
        get: (url) => {
          const v = this.frontier.validators(url);
          const body = v && this.blobs.get(v.sha256);
          return v && body ? { etag: v.etag, lastModified: v.last_modified, body } : undefined;
        },
        put: (url, res) => this.frontier.recordFetch(this.fetchRecord(url, res, this.storeBody(res, url))),
      },
    });
  }

  private politeness(src: ResolvedSource): Politeness {
    return { ...src.politeness, ...this.opts.politeness };
  }

  async run(): Promise<CrawlResult> {
    const t0 = performance.now();
    const { log } = this.opts;
    this.runs.markInterrupted();
    let pass = this.frontier.currentPass();
    const resumed = pass > 0 && this.frontier.unfinished() > 0;
    if (resumed) this.frontier.requeueQueued();
    else pass += 1;
    this.pass = pass;
    this.runId = this.runs.start({ sourcesFile: this.opts.sourcesFile, pass, resumed });
    this.lock.setRun(this.runId);
    this.perSource = this.frontier.counts(pass);
    log.log("info", resumed ? "resume" : "start", {
      run: this.runId,
      pass,
      sources: this.opts.config.sources.length,
      userAgent: this.opts.config.userAgent,
    });
    const saver = setInterval(() => this.runs.save(this.runId, this.counts, this.failures), 2000);
    saver.unref();
    let status: RunStatus;
    let error: string | undefined;
    try {
      for (const src of this.opts.config.sources) {
        for (const url of src.startUrls) this.schedule(src, { url, kind: "list", text: "" }, -1, null, 0);
      }
      await this.loop();
      const stopped = this.opts.signal?.aborted ?? false;
      const succeeded = this.counts.fetched + this.counts.not_modified;
      status = stopped
        ? "interrupted"
        : this.counts.failed === 0
          ? "ok"
          : succeeded === 0
            ? "failed"
            : "partial";
      if (status === "failed") error = "no URL could be fetched";
    } catch (e) {
      status = "failed";
      error = e instanceof Error ? e.message : String(e);
      log.log("error", "run_failed", { run: this.runId, error });
    } finally {
      clearInterval(saver);
    }
    this.runs.finish(this.runId, status, this.counts, this.failures, error);
    const seconds = (performance.now() - t0) / 1000;
    log.log(status === "ok" ? "info" : "warn", "end", { run: this.runId, status, seconds, ...this.counts });
    return {
      runId: this.runId,
      status,
      pass,
      resumed,
      counts: { ...this.counts },
      failures: this.failures,
      seconds,
    };
  }

  /** Hands pending URLs to their hosts' queues until the frontier is empty (or the run is stopped). */
  private async loop(): Promise<void> {
    const inflight = new Map<string, number>();
    let total = 0;
    let error: unknown;
    for (const h of this.frontier.pendingHosts()) this.hosts.add(h);
    for (;;) {
      const stopped = this.opts.signal?.aborted || error !== undefined;
      if (!stopped) {
        for (const host of [...this.hosts]) {
          const have = inflight.get(host) ?? 0;
          const probe = new URL(`http://${host}/`);
          const slot = this.fetcher.slot(probe);
          // Refill in batches (one claim per batch), keeping every host's queue ahead of its slots.
          const cap = slot.queue.concurrency * 3;
          if (have > slot.queue.concurrency) continue;
          const rows = this.frontier.claim(host, cap - have);
          if (rows.length < cap - have) this.hosts.delete(host);
          for (const row of rows) {
            total++;
            inflight.set(host, (inflight.get(host) ?? 0) + 1);
            slot.queue
              // Once stopped, rows still waiting in the queue are left queued: the next run takes them.
              .add(async () => {
                if (!this.opts.signal?.aborted) await this.process(row);
              })
              .catch((e) => {
                error ??= e;
              })
              .finally(() => {
                total--;
                inflight.set(host, (inflight.get(host) ?? 1) - 1);
                this.wake();
              });
          }
        }
      }
      if (total === 0) {
        if (stopped) break;
        if (this.hosts.size === 0) {
          const left = this.frontier.pendingHosts();
          if (left.length === 0) break;
          for (const h of left) this.hosts.add(h);
          continue;
        }
      }
      await new Promise<void>((r) => {
        this.wake = r;
      });
    }
    if (error !== undefined) throw error;
  }

  /** Adds a link to the frontier for this pass, within the source's depth and page limits. */
  private schedule(
    src: ResolvedSource,
    link: Link,
    fromDepth: number,
    parent: string | null,
    redirects: number,
  ) {
    const depth = link.kind === "list" ? Math.max(fromDepth, 0) : fromDepth + 1;
    if (depth > src.limits.maxDepth) return;
    const c = this.perSource.get(src.name) ?? { list: 0, total: 0 };
    const over =
      c.total >= src.limits.maxPages
        ? `maxPages (${src.limits.maxPages})`
        : link.kind === "list" && c.list >= src.limits.maxListPages
          ? `maxListPages (${src.limits.maxListPages})`
          : undefined;
    if (over) {
      if (!this.limitLogged.has(`${src.name}|${over}`)) {
        this.limitLogged.add(`${src.name}|${over}`);
        this.opts.log.log("warn", "limit", { source: src.name, limit: over });
      }
      return;
    }
    const u = new URL(link.url);
    const added = this.frontier.schedule({
      url: u.href,
      host: u.host,
      source: src.name,
      kind: link.kind,
      depth,
      redirects,
      parent,
      pass: this.pass,
    });
    if (!added) return;
    c.total++;
    if (link.kind === "list") c.list++;
    this.perSource.set(src.name, c);
    this.counts.discovered++;
    if (!this.hosts.has(u.host)) {
      this.hosts.add(u.host);
      this.wake();
    }
  }

  private fail(row: FrontierRow, reason: string, fetch?: FetchRecord) {
    this.counts.failed++;
    this.failures.push({ url: row.url, reason });
    this.opts.log.log("warn", "failed", { url: row.url, kind: row.kind, reason });
    this.frontier.finish(row.id, "failed", reason, fetch);
  }

  private skip(row: FrontierRow, reason: string) {
    this.counts.skipped++;
    this.opts.log.log("info", "skipped", { url: row.url, reason });
    this.frontier.finish(row.id, "skipped", reason);
  }

  /** Stores a response body in the data folder; returns its hash. */
  private storeBody(res: FetchResult, _url: string): string | undefined {
    return res.kind === "ok" ? this.blobs.put(res.body) : undefined;
  }

  private fetchRecord(
    url: string,
    res: FetchResult,
    sha?: string | null,
    documentId?: number | null,
  ): FetchRecord {
    const h = "headers" in res ? res.headers : undefined;
    const prev = res.kind === "not_modified" ? this.frontier.validators(url) : undefined;
    return {
      runId: this.runId,
      url,
      finalUrl: "finalUrl" in res ? res.finalUrl : undefined,
      status: "status" in res ? res.status : undefined,
      outcome: res.kind === "ok" ? "fetched" : res.kind,
      headers: h,
      etag: h?.etag ?? prev?.etag,
      lastModified: h?.["last-modified"] ?? prev?.last_modified,
      size: res.kind === "ok" ? res.body.length : undefined,
      sha256: sha ?? prev?.sha256,
      documentId: documentId ?? prev?.document_id,
      error: res.kind === "failed" ? res.reason : undefined,
      ms: res.ms,
    };
  }

  /** One frontier URL: robots → (conditional) fetch → raw bytes → links and/or import. */
  private async process(row: FrontierRow): Promise<void> {
    const src = this.sources.get(row.source);
    if (!src) return this.skip(row, "source no longer in the sources file");
    const u = new URL(row.url);
    if (!hostAllowed(u, src.allowedHosts)) return this.skip(row, "host not allowed");
    const p = this.politeness(src);
    if (p.robots) {
      const rules = await this.fetcher.robotsFor(u, p);
      if (rules.unavailable) return this.fail(row, rules.unavailable);
      if (!rules.allows(row.url)) return this.skip(row, "disallowed by robots.txt");
    }
    const prev = this.frontier.validators(row.url);
    // Conditional only while the stored copy exists: a 304 needs it (links, or a retried import).
    const cond =
      prev && this.blobs.has(prev.sha256)
        ? { etag: prev.etag, lastModified: prev.last_modified, finalUrl: prev.final_url }
        : {};
    const res = await this.fetcher.fetch(row.url, p, cond);
    if (res.kind === "failed") return this.fail(row, res.reason, this.fetchRecord(row.url, res));
    if (res.kind === "redirect") {
      const record = this.fetchRecord(row.url, res);
      if (row.redirects + 1 > p.maxRedirects)
        return this.fail(row, `more than ${p.maxRedirects} redirects`, record);
      this.opts.store.db.transaction(() => {
        const depth = row.depth - (row.kind === "list" ? 0 : 1);
        this.schedule(
          src,
          { url: res.location, kind: row.kind, text: "" },
          depth,
          row.url,
          row.redirects + 1,
        );
        this.frontier.finish(row.id, "done", `redirect to ${res.location}`, record);
      })();
      return;
    }
    let bytes: Buffer;
    let sha: string;
    let contentType: string | undefined;
    if (res.kind === "not_modified") {
      const prevBytes = prev ? this.blobs.get(prev.sha256) : undefined;
      if (!prev || !prevBytes) return this.fail(row, "304 Not Modified without a stored copy");
      this.counts.not_modified++;
      bytes = prevBytes;
      sha = prev.sha256;
      contentType = res.headers["content-type"] ?? this.previousContentType(row.url);
    } else {
      this.counts.fetched++;
      this.counts.bytes += res.body.length;
      bytes = res.body;
      sha = await this.blobs.putAsync(bytes);
      contentType = res.headers["content-type"];
    }
    const finalUrl = res.finalUrl;
    const links: Link[] = [];
    if ((row.kind === "list" || row.kind === "report") && detectForm(bytes) === "html") {
      links.push(...extractLinks(decodePage(bytes, contentType), finalUrl, src, row.kind));
    }
    let documentId: number | null = null;
    let follow = links;
    if (row.kind !== "list") {
      const r = await this.importDocument(row, bytes, sha, contentType, links, res.kind === "not_modified");
      if (r.failure) {
        this.counts.failed++;
        this.failures.push({ url: row.url, reason: r.failure });
      }
      documentId = r.documentId;
      // A report follows its attachments only (its other links are site chrome); an index follows all.
      if (!r.index) follow = links.filter((l) => l.kind === "attachment");
    }
    // The links and the page's completion are written in one transaction: a kill before it re-fetches
    // the page, a kill after it loses nothing.
    const record = this.fetchRecord(row.url, res, sha, documentId);
    this.opts.store.db.transaction(() => {
      for (const l of follow) this.schedule(src, l, row.depth, row.url, 0);
      this.frontier.finish(row.id, "done", null, record);
    })();
    this.opts.log.log("info", res.kind === "ok" ? "fetched" : "not_modified", {
      url: row.url,
      kind: row.kind,
      status: res.status,
      bytes: res.kind === "ok" ? bytes.length : undefined,
      links: links.length || undefined,
      ms: res.ms,
    });
  }

  private previousContentType(url: string): string | undefined {
    const row = this.opts.store.db
      .prepare(
        "SELECT headers FROM crawl_fetches WHERE url = ? AND outcome = 'fetched' AND headers IS NOT NULL ORDER BY id DESC LIMIT 1",
      )
      .get(url) as { headers: string } | undefined;
    return row ? (JSON.parse(row.headers) as Record<string, string>)["content-type"] : undefined;
  }

  /**
   * Imports a report page or attachment through importBytes (the path of disk imports). Known bytes
   * only gain this URL as an origin. A report page without tables that wraps attachments or lists
   * reports is an index (`index: true`): it is not stored, and all its links are followed.
   */
  private async importDocument(
    row: FrontierRow,
    bytes: Buffer,
    sha: string,
    contentType: string | undefined,
    links: Link[],
    notModified: boolean,
  ): Promise<{ documentId: number | null; failure?: string; index?: boolean }> {
    const store = this.opts.store;
    const known = store.known(sha);
    if (known && known.status !== "failed") {
      store.addOrigin(known.id, row.url);
      if (!notModified) this.counts.unchanged_documents++;
      return { documentId: known.id };
    }
    const httpCharset = headerCharset(contentType);
    if (notModified && !known) return { documentId: null, index: true }; // an index or wrapper, unchanged
    if (row.kind === "report" && links.length > 0) {
      // Without tables of its own, a page that is not a report, wraps attachments, or lists several
      // reports is an index; a page with one stray link (site chrome) is still stored as a report.
      const p = await processWithinBounds(bytes, { httpCharset }, this.opts.workers).catch(() => undefined);
      const attachments = links.filter((l) => l.kind === "attachment").length;
      const reports = links.filter((l) => l.kind === "report").length;
      if (!p || (p.report.cells.length === 0 && (attachments > 0 || reports >= 2)))
        return { documentId: null, index: true };
    }
    const r = await importBytes(store, bytes, row.url, { httpCharset }, { workers: this.opts.workers });
    const documentId = store.known(sha)?.id ?? null;
    if (r.outcome === "new") this.counts.new_reports++;
    else if (r.outcome === "updated") this.counts.changed_reports++;
    else if (r.outcome === "unchanged") this.counts.unchanged_documents++;
    else if (r.outcome === "failed") {
      // Bytes that failed before and fail again (a 304 retry after an upgrade) are not a new failure.
      if (notModified) return { documentId };
      return { documentId, failure: `import failed: [${r.error?.code}] ${r.error?.message}` };
    }
    this.opts.log.log("info", "imported", { url: row.url, outcome: r.outcome, report: r.summary });
    return { documentId };
  }
}

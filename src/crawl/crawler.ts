// One crawl run: lock, resume or start a pass, discover → fetch → store raw bytes → import.
// Every step is recorded in SQLite, so a killed run continues where it stopped.
import { createHash } from "node:crypto";
import { oneLineError } from "../extractors/errors.js";
import { detectForm } from "../extractors/index.js";
import { processWithinBounds, reportSummary, upToDate } from "../import/importer.js";
import type { Processed } from "../import/pipeline.js";
import type { DocumentWorkers } from "../import/workers.js";
import type { Store } from "../store/store.js";
import { BlobStore } from "./blobs.js";
import { decodePage, discoverPage, headerCharset, type Link, type PageDiscovery } from "./discover.js";
import { Fetcher, type FetchResult } from "./fetch.js";
import { type FetchRecord, Frontier, type FrontierRow } from "./frontier.js";
import type { Logger } from "./log.js";
import { notAReport } from "./lookalike.js";
import { parseRequestKey, requestKey } from "./request.js";
import {
  emptyCounts,
  type Failure,
  failureSummary,
  formatFailureSummary,
  type RunCounts,
  RunLock,
  type RunStatus,
  Runs,
} from "./runs.js";
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
  /** The clock for dead-link intervals (tests move it forward by days). */
  now?: () => number;
  /** How often the lock's heartbeat thread beats. */
  lockHeartbeatMs?: number;
}

export interface CrawlResult {
  runId: number;
  status: RunStatus;
  pass: number;
  resumed: boolean;
  counts: RunCounts;
  failures: Failure[];
  /** Failure counts by class (DNS, timeout, HTTP 404, import: code, …). */
  failuresByReason: Record<string, number>;
  seconds: number;
}

/** Runs one crawl (a new pass, or the rest of an interrupted one). Throws LockHeldError when locked. */
export async function crawl(opts: CrawlOptions): Promise<CrawlResult> {
  const db = opts.store.db;
  const lock = RunLock.acquire(db, { staleMs: opts.lockStaleMs, heartbeatMs: opts.lockHeartbeatMs });
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
    const seconds = Math.round(performance.now() - t0) / 1000;
    const failuresByReason = failureSummary(this.failures);
    log.log(status === "ok" ? "info" : "warn", "end", {
      run: this.runId,
      status,
      seconds,
      ...this.counts,
      failures_by_reason: this.failures.length ? formatFailureSummary(failuresByReason) : undefined,
    });
    return {
      runId: this.runId,
      status,
      pass,
      resumed,
      counts: { ...this.counts },
      failures: this.failures,
      failuresByReason,
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
    // The #fragment of an app shell's URL is read from the sources file; the shell is fetched once.
    u.hash = "";
    const added = this.frontier.schedule({
      url: requestKey({ url: u.href, body: link.body }),
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

  /** Whether a URL that keeps answering 404/410 is resting (retried at growing intervals, not nightly). */
  private deadLink(key: string): { skip: boolean; times: number; reason?: string } {
    const history = this.frontier.recentStatuses(key, 12);
    let times = 0;
    for (const h of history) {
      if (h.status === 404 || h.status === 410) times++;
      else break;
    }
    if (times === 0) return { skip: false, times };
    const last = Date.parse(`${history[0].fetched_at}`);
    const now = this.opts.now?.() ?? Date.now();
    // 2, 4, 8 … days (at most 64), a little less so that a nightly job started earlier still qualifies.
    const restMs = 2 ** Math.min(times, 6) * DAY_MS * 0.9;
    if (now - last >= restMs) return { skip: false, times };
    const next = new Date(last + restMs).toISOString().slice(0, 10);
    return {
      skip: true,
      times,
      reason: `dead link: HTTP ${history[0].status} ${times} time(s) since ${history[times - 1].fetched_at.slice(0, 10)}; next try after ${next}`,
    };
  }

  /** One frontier URL: robots → (conditional) fetch → raw bytes → links and/or import. */
  private async process(row: FrontierRow): Promise<void> {
    const src = this.sources.get(row.source);
    if (!src) return this.skip(row, "source no longer in the sources file");
    const req = parseRequestKey(row.url);
    const u = new URL(req.url);
    if (!hostAllowed(u, src.allowedHosts)) return this.skip(row, "host not allowed");
    const dead = this.deadLink(row.url);
    if (dead.skip) return this.skip(row, dead.reason!);
    const p = this.politeness(src);
    if (p.robots) {
      const rules = await this.fetcher.robotsFor(u, p);
      if (rules.unavailable) return this.fail(row, rules.unavailable);
      if (!rules.allows(req.url)) return this.skip(row, "disallowed by robots.txt");
    }
    const prev = this.frontier.validators(row.url);
    // Conditional only while the stored copy exists: a 304 needs it (links, or a retried import).
    const cond =
      prev && this.blobs.has(prev.sha256)
        ? { etag: prev.etag, lastModified: prev.last_modified, finalUrl: prev.final_url }
        : {};
    const res = await this.fetcher.fetch(req.url, p, cond, req.body);
    if (res.kind === "failed") {
      const record = this.fetchRecord(row.url, res);
      // A link already known dead is recorded, not failed again: it does not make every run partial.
      if (dead.times > 0 && (res.status === 404 || res.status === 410)) {
        this.frontier.recordFetch(record);
        return this.skip(row, `dead link: still HTTP ${res.status} (${dead.times + 1} times)`);
      }
      return this.fail(row, res.reason, record);
    }
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
    // What the bytes are decides, never the Content-Type (download endpoints send PDFs as text/html).
    const form = detectForm(bytes);
    let page: PageDiscovery | undefined;
    if (form === "html" || (form === "text" && row.kind === "list")) {
      const key = finalUrl === req.url ? row.url : requestKey({ url: finalUrl, body: req.body });
      page = discoverPage({ key, finalUrl, text: decodePage(bytes, contentType), src, expected: row.kind });
    }
    const links = page?.links ?? [];
    let documentId: number | null = null;
    let follow = links;
    let skipped: string | undefined;
    const isList =
      page !== undefined &&
      (page.kind === "list" ||
        page.kind === "data" ||
        page.kind === "shell" ||
        // A start page of neither kind is read as a list, unless it is a plain text document.
        (row.kind === "list" && page.kind !== "article" && form === "html"));
    if (!isList) {
      const r = await this.importDocument(row, bytes, contentType, links, page, res.kind === "not_modified");
      if (r.failure) {
        this.counts.failed++;
        this.failures.push({ url: row.url, reason: r.failure });
      }
      documentId = r.documentId;
      skipped = r.skipped;
      // A report follows its attachments only (its other links are site chrome); an index follows all;
      // a look-alike follows nothing.
      if (r.skipped) follow = [];
      else if (!r.index) follow = links.filter((l) => l.kind === "attachment");
    }
    // The links and the page's completion are written in one transaction: a kill before it re-fetches
    // the page, a kill after it loses nothing.
    const record = this.fetchRecord(row.url, res, sha, documentId);
    // A page linked as a report that reads as a list (a year's column) is a list: its links start
    // from a list's depth, so list → year column → report → attachment stays within maxDepth.
    const depth = isList && row.kind !== "list" ? Math.max(0, row.depth - 1) : row.depth;
    this.opts.store.db.transaction(() => {
      for (const l of follow) this.schedule(src, l, depth, row.url, 0);
      if (skipped) {
        this.counts.skipped++;
        this.frontier.finish(row.id, "skipped", skipped, record);
      } else this.frontier.finish(row.id, "done", null, record);
    })();
    if (skipped) this.opts.log.log("info", "skipped", { url: row.url, reason: skipped });
    this.opts.log.log("info", res.kind === "ok" ? "fetched" : "not_modified", {
      url: row.url,
      kind: row.kind,
      page: page ? `${page.family} ${page.kind}` : form,
      status: res.status,
      bytes: res.kind === "ok" ? bytes.length : undefined,
      file: attachmentName(res.headers),
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
   * Imports a report page or attachment through the import pipeline and store (the path of disk
   * imports). An article page is imported as its article body under its title, so a report page reads
   * like the same text would. Known bytes only gain this URL as an origin. A page without tables that
   * wraps attachments or lists reports is an index (`index: true`): not stored, its links followed. A
   * document without tables whose title names a look-alike, or that the pipeline refuses as
   * `not_a_report`, is `skipped` with the reason and never stored as a report.
   */
  private async importDocument(
    row: FrontierRow,
    raw: Buffer,
    contentType: string | undefined,
    links: Link[],
    page: PageDiscovery | undefined,
    notModified: boolean,
  ): Promise<{ documentId: number | null; failure?: string; index?: boolean; skipped?: string }> {
    const store = this.opts.store;
    const attachments = links.filter((l) => l.kind === "attachment").length;
    const reports = links.filter((l) => l.kind === "report").length;
    if (page?.article?.pointsToAttachment && attachments > 0) return { documentId: null, index: true };
    const bytes = page?.article ? Buffer.from(page.article.html) : raw;
    const httpCharset = page?.article ? "utf-8" : headerCharset(contentType);
    const sha = createHash("sha256").update(bytes).digest("hex");
    const origin = parseRequestKey(row.url).url;
    const known = upToDate(store, sha);
    if (known) {
      store.addOrigin(known.id, origin);
      if (!notModified) this.counts.unchanged_documents++;
      return { documentId: known.id };
    }
    const doc = { sha256: sha, origin, size: bytes.length };
    const form = detectForm(bytes);
    let processed: Processed;
    try {
      // The same bounds as import: HTML and text within a time budget, PDF and Word in the worker pool.
      processed = await processWithinBounds(bytes, { httpCharset }, this.opts.workers);
    } catch (e) {
      const { code, message } = oneLineError(e);
      if (code === "not_a_report") return { documentId: null, skipped: `not a report: ${message}` };
      if (row.kind === "report" && (attachments > 0 || reports >= 2))
        return { documentId: null, index: true };
      store.recordFailure(doc, form, code, message, bytes);
      // Bytes that failed before and fail again (a 304 retry after an upgrade) are not a new failure.
      if (notModified) return { documentId: store.known(sha)?.id ?? null };
      return { documentId: store.known(sha)?.id ?? null, failure: `import failed: [${code}] ${message}` };
    }
    const report = processed.report;
    if (report.cells.length === 0) {
      // Without tables of its own, a page that wraps attachments or lists several reports is an index.
      if (page && (attachments > 0 || reports >= 2)) return { documentId: null, index: true };
      // A short article without tables, pointing to nothing the crawler can read, is no report.
      if (page?.article?.pointsToAttachment)
        return {
          documentId: null,
          skipped: "not a report: a short page without the report's text or tables",
        };
      const title = [page?.title, report.meta.titleRaw, page ? "" : report.prose.slice(0, 120)]
        .filter(Boolean)
        .join(" ");
      const why = notAReport(title, report.prose);
      if (why) return { documentId: null, skipped: `not a report: ${why}` };
    }
    const outcome = store.saveReport(doc, processed.form, processed.charset, report, bytes);
    const documentId = store.known(sha)?.id ?? null;
    if (outcome === "new") this.counts.new_reports++;
    else if (outcome === "updated" || outcome === "reprocessed") this.counts.changed_reports++;
    else if (outcome === "unchanged") this.counts.unchanged_documents++;
    this.opts.log.log("info", "imported", { url: origin, outcome, report: reportSummary(report) });
    return { documentId };
  }
}

const DAY_MS = 86_400_000;

/** The file name a download endpoint gives in Content-Disposition (logged; the form comes from the bytes). */
function attachmentName(headers: Record<string, string>): string | undefined {
  const cd = headers["content-disposition"];
  if (!cd) return undefined;
  const star = /filename\*\s*=\s*[\w-]+''([^;]+)/i.exec(cd)?.[1];
  if (star) {
    try {
      return decodeURIComponent(star);
    } catch {
      return star;
    }
  }
  return /filename\s*=\s*"?([^";]+)"?/i.exec(cd)?.[1];
}

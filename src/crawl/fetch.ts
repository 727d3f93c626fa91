// Polite HTTP fetching: per-host concurrency and spacing, robots.txt, retries, redirects, conditional GETs.

// Also: 429 Retry-After, redirects kept inside allowed hosts, size and time limits.
import PQueue from "p-queue";
import robotsParserModule from "robots-parser";
import { type HttpResponse, httpGet, TooLarge } from "./http.js";
import type { Politeness } from "./sources.js";

/** robots-parser is CommonJS (module.exports is the function); its typings declare an ES default export. */
const robotsParser = robotsParserModule as unknown as (
  url: string,
  robotstxt: string,
) => {
  isAllowed(url: string, ua?: string): boolean | undefined;
  getCrawlDelay(ua?: string): number | undefined;
};

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

/** Product token matched against robots.txt User-agent lines. */
export const ROBOTS_TOKEN = "zfxxgk";
/** Crawl-delay values above this are clamped (a robots.txt asking for hours would stop the crawl). */
const MAX_CRAWL_DELAY_MS = 60_000;
const MAX_ROBOTS_BYTES = 512 * 1024;

/**
 * One host's politeness state: a p-queue for concurrency, and spacing between requests. With a delay,
 * the next request starts no earlier than `delayMs` after the previous one was answered (headers
 * received, or failed): it certainly reached the server by then, so the server never sees two requests
 * closer than `delayMs`, however late an event loop busy with an import actually sent the earlier one.
 */
export class HostSlot {
  readonly queue: PQueue;
  private nextStart = 0;
  private lastAnswered = Number.NEGATIVE_INFINITY;
  private unanswered = false;
  private waiters: (() => void)[] = [];
  constructor(
    readonly host: string,
    concurrency: number,
    public delayMs: number,
  ) {
    this.queue = new PQueue({ concurrency });
  }

  /** Waits until this host may receive another request, and reserves that moment. */
  async turn(): Promise<void> {
    for (;;) {
      if (this.delayMs > 0 && this.unanswered) {
        await new Promise<void>((r) => this.waiters.push(r));
        continue;
      }
      const now = performance.now();
      const at = Math.max(this.nextStart, this.lastAnswered + this.delayMs);
      if (now >= at) {
        this.nextStart = now + this.delayMs;
        this.unanswered = true;
        return;
      }
      // Timers may fire a little early; loop until the reserved moment has really passed.
      await sleep(Math.ceil(at - now));
    }
  }

  /** The request of the last turn was answered (or failed). */
  answered(): void {
    if (!this.unanswered) return;
    this.unanswered = false;
    this.lastAnswered = performance.now();
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }

  /** No request to this host before `ms` from now (a 429's Retry-After). */
  pause(ms: number): void {
    this.nextStart = Math.max(this.nextStart, performance.now() + ms);
  }
}

export interface Conditional {
  etag?: string | null;
  lastModified?: string | null;
  /** Where the validators came from when the URL redirected; they are sent there too. */
  finalUrl?: string | null;
}

export type FetchResult =
  | {
      kind: "ok";
      url: string;
      finalUrl: string;
      status: number;
      headers: Record<string, string>;
      body: Buffer;
      ms: number;
    }
  | {
      kind: "not_modified";
      url: string;
      finalUrl: string;
      status: 304;
      headers: Record<string, string>;
      ms: number;
    }
  /** A redirect to another allowed host: the caller queues the target under that host's politeness. */
  | {
      kind: "redirect";
      url: string;
      status: number;
      headers: Record<string, string>;
      location: string;
      ms: number;
    }
  | {
      kind: "failed";
      url: string;
      status?: number;
      headers?: Record<string, string>;
      reason: string;
      ms: number;
    };

export interface FetcherOptions {
  userAgent: string;
  politeness: Politeness;
  /** Whether a redirect target may be followed. */
  allowed: (u: URL) => boolean;
  /** Called for each retry (for logging). */
  onRetry?: (url: string, attempt: number, reason: string, waitMs: number) => void;
  /** Keeps robots.txt between runs, so that it is fetched with a conditional request. */
  robotsCache?: {
    get(url: string): (Conditional & { body: Buffer }) | undefined;
    put(url: string, res: FetchResult): void;
  };
}

/** Milliseconds to wait for a Retry-After header (delta-seconds or an HTTP date). */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

function describeError(e: unknown): string {
  const err = e as { name?: string; code?: string; message?: string };
  if (err.name === "TimeoutError" || err.name === "AbortError") return "timeout";
  return err.code ?? err.message ?? String(e);
}

/** Fetches URLs politely. One Fetcher serves a whole run; hosts share nothing but the agent. */
export class Fetcher {
  private readonly slots = new Map<string, HostSlot>();
  private readonly robots = new Map<string, Promise<RobotsRules>>();

  constructor(private readonly opts: FetcherOptions) {}

  /** The politeness slot of a URL's host (host:port), created on first use. */
  slot(url: URL, p: Politeness = this.opts.politeness): HostSlot {
    let s = this.slots.get(url.host);
    if (!s) {
      s = new HostSlot(url.host, p.concurrencyPerHost, p.delayMs);
      this.slots.set(url.host, s);
    }
    return s;
  }

  /**
   * robots.txt rules for a URL's origin, fetched once per run through the host's slot (the caller
   * already holds a concurrency slot). A missing robots.txt (4xx) allows everything; one that cannot
   * be fetched (5xx, timeout) disallows the host for this run, as RFC 9309 asks.
   */
  robotsFor(url: URL, p: Politeness = this.opts.politeness): Promise<RobotsRules> {
    const origin = url.origin;
    let r = this.robots.get(origin);
    if (!r) {
      r = this.loadRobots(url, p);
      this.robots.set(origin, r);
    }
    return r;
  }

  private async loadRobots(url: URL, p: Politeness): Promise<RobotsRules> {
    const robotsUrl = new URL("/robots.txt", url.origin).href;
    const cached = this.opts.robotsCache?.get(robotsUrl);
    const res = await this.fetch(
      robotsUrl,
      { ...p, maxBytes: Math.min(p.maxBytes, MAX_ROBOTS_BYTES) },
      cached,
    );
    this.opts.robotsCache?.put(robotsUrl, res);
    const body = res.kind === "ok" ? res.body : res.kind === "not_modified" ? cached?.body : undefined;
    if (body) {
      const parsed = robotsParser(robotsUrl, body.toString("utf8"));
      const delay = parsed.getCrawlDelay(ROBOTS_TOKEN);
      const crawlDelayMs = delay !== undefined ? Math.min(delay * 1000, MAX_CRAWL_DELAY_MS) : undefined;
      if (crawlDelayMs !== undefined) {
        const s = this.slot(url, p);
        s.delayMs = Math.max(s.delayMs, crawlDelayMs);
      }
      return {
        url: robotsUrl,
        allows: (u) => parsed.isAllowed(u, ROBOTS_TOKEN) !== false,
        crawlDelayMs,
      };
    }
    if (res.kind === "failed" && res.status !== undefined && res.status >= 400 && res.status < 500) {
      return { url: robotsUrl, allows: () => true };
    }
    if (res.kind === "redirect") return { url: robotsUrl, allows: () => true };
    const why = res.kind === "failed" ? res.reason : `HTTP ${res.status}`;
    return { url: robotsUrl, allows: () => false, unavailable: `robots.txt unavailable (${why})` };
  }

  /**
   * One URL with retries: timeouts, network errors and 5xx back off exponentially; 429 waits for
   * Retry-After (pausing the whole host); redirects on the same host are followed here, redirects to
   * another allowed host are returned; anything else outside the allowed hosts or not http(s) fails.
   */
  async fetch(
    url: string,
    p: Politeness = this.opts.politeness,
    conditional: Conditional = {},
    /** A form body: the request is a POST (list endpoints of CMSs), through the same politeness. */
    postBody?: string,
  ): Promise<FetchResult> {
    let post =
      postBody === undefined
        ? undefined
        : { body: postBody, contentType: "application/x-www-form-urlencoded; charset=UTF-8" };
    const t0 = performance.now();
    const ms = () => Math.round(performance.now() - t0);
    let current = url;
    const seen = new Set<string>([url]);
    let attempt = 0;
    let redirects = 0;
    for (;;) {
      const u = new URL(current);
      const slot = this.slot(u, p);
      await slot.turn();
      const headers: Record<string, string> = {
        "user-agent": this.opts.userAgent,
        accept: "text/html,application/xhtml+xml,application/pdf,*/*;q=0.8",
        "accept-language": "zh-CN,zh;q=0.9",
      };
      const validated = !post && current === (conditional.finalUrl ?? url);
      if (validated && conditional.etag) headers["if-none-match"] = conditional.etag;
      if (validated && conditional.lastModified) headers["if-modified-since"] = conditional.lastModified;
      let res: HttpResponse;
      const signal = AbortSignal.timeout(p.timeoutMs);
      let retryReason: string | undefined;
      let waitMs = 0;
      try {
        res = await httpGet(current, headers, signal, post);
      } catch (e) {
        retryReason = describeError(e);
        waitMs = p.backoffMs * 2 ** attempt;
        res = undefined as never;
      } finally {
        slot.answered();
      }
      if (!retryReason) {
        const status = res.status;
        const h = res.headers;
        if (status >= 300 && status < 400 && status !== 304) {
          res.discard();
          const loc = h.location;
          if (!loc)
            return {
              kind: "failed",
              url,
              status,
              headers: h,
              reason: `HTTP ${status} without Location`,
              ms: ms(),
            };
          let target: URL;
          try {
            target = new URL(loc, current);
          } catch {
            return {
              kind: "failed",
              url,
              status,
              headers: h,
              reason: `bad redirect Location ${loc}`,
              ms: ms(),
            };
          }
          target.hash = "";
          if (!this.opts.allowed(target)) {
            return {
              kind: "failed",
              url,
              status,
              headers: h,
              reason: `redirect outside allowed hosts: ${target.href}`,
              ms: ms(),
            };
          }
          if (seen.has(target.href)) {
            return {
              kind: "failed",
              url,
              status,
              headers: h,
              reason: `redirect loop at ${target.href}`,
              ms: ms(),
            };
          }
          if (++redirects > p.maxRedirects) {
            return {
              kind: "failed",
              url,
              status,
              headers: h,
              reason: `more than ${p.maxRedirects} redirects`,
              ms: ms(),
            };
          }
          if (target.host !== u.host) {
            return { kind: "redirect", url, status, headers: h, location: target.href, ms: ms() };
          }
          seen.add(target.href);
          current = target.href;
          // After a redirect a POST is repeated as a GET (what browsers do for 301/302/303).
          if (status !== 307 && status !== 308) post = undefined;
          continue;
        }
        if (status === 304) {
          res.discard();
          return { kind: "not_modified", url, finalUrl: current, status, headers: h, ms: ms() };
        }
        if (status === 429 || status >= 500) {
          res.discard();
          const ra = status === 429 || status === 503 ? retryAfterMs(h["retry-after"] ?? null) : undefined;
          if (ra !== undefined && ra > p.maxRetryAfterMs) {
            return {
              kind: "failed",
              url,
              status,
              headers: h,
              reason: `HTTP ${status}, Retry-After ${Math.round(ra / 1000)} s is over the limit`,
              ms: ms(),
            };
          }
          retryReason = `HTTP ${status}`;
          waitMs = ra ?? p.backoffMs * 2 ** attempt;
          if (attempt >= p.retries) {
            return {
              kind: "failed",
              url,
              status,
              headers: h,
              reason: `${retryReason} after ${attempt + 1} attempts`,
              ms: ms(),
            };
          }
          if (ra !== undefined) {
            slot.pause(ra);
            waitMs = 0; // the host's pause makes the next turn() wait
          }
        } else if (status >= 200 && status < 300) {
          try {
            const body = await res.body(p.maxBytes);
            return { kind: "ok", url, finalUrl: current, status, headers: h, body, ms: ms() };
          } catch (e) {
            if (e instanceof TooLarge)
              return { kind: "failed", url, status, headers: h, reason: `too_large: ${e.message}`, ms: ms() };
            retryReason = describeError(e);
            waitMs = p.backoffMs * 2 ** attempt;
          }
        } else {
          res.discard();
          return { kind: "failed", url, status, headers: h, reason: `HTTP ${status}`, ms: ms() };
        }
      }
      if (attempt >= p.retries) {
        return { kind: "failed", url, reason: `${retryReason} after ${attempt + 1} attempts`, ms: ms() };
      }
      attempt++;
      this.opts.onRetry?.(current, attempt, retryReason!, waitMs);
      await sleep(waitMs);
    }
  }
}

export interface RobotsRules {
  url: string;
  allows: (url: string) => boolean;
  crawlDelayMs?: number;
  /** Set when robots.txt could not be fetched: the host is skipped for this run. */
  unavailable?: string;
}

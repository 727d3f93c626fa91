// Benchmark: crawls a generated local portal (≥5,000 pages on 127.0.0.1) and reports speed and politeness.

// Politeness off: pages/second. With 2 requests per host and 100 ms spacing: the largest concurrency and
// the smallest gap per host, as the portal's own process measured them.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { crawl } from "../src/crawl/crawler.js";
import { createLogger } from "../src/crawl/log.js";
import { parseSources } from "../src/crawl/sources.js";
import { Store } from "../src/store/store.js";

const root = resolve(import.meta.dirname, "..");

export interface HostStats {
  requests: number;
  maxConcurrent: number;
  minGapMs: number | null;
}

export interface LoadPortal {
  bases: string[];
  stats(): Promise<Record<string, HostStats>>;
  close(): void;
}

/** Starts bench/crawl-portal.ts in its own process (its clock and event loop are not the crawler's). */
export async function startLoadPortal(
  hosts: number,
  reports: number,
  opts: { crawlDelay?: number; holdMs?: number } = {},
): Promise<LoadPortal> {
  const args = ["--import", "tsx", join(root, "bench", "crawl-portal.ts"), String(hosts), String(reports)];
  args.push(opts.crawlDelay === undefined ? "" : String(opts.crawlDelay), String(opts.holdMs ?? 0));
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: root,
    stdio: ["pipe", "pipe", "inherit"],
  });
  const line = await new Promise<string>((ok, fail) => {
    const rl = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => fail(new Error("crawl portal did not start in 30 s")), 30_000);
    rl.once("line", (l) => {
      clearTimeout(timer);
      ok(l);
    });
    child.once("exit", (code) => fail(new Error(`crawl portal exited with ${code}`)));
  });
  const { bases } = JSON.parse(line) as { bases: string[] };
  return {
    bases,
    async stats() {
      const out: Record<string, HostStats> = {};
      for (const b of bases) {
        const res = await fetch(`${b}/__stats`, { signal: AbortSignal.timeout(5000) });
        Object.assign(out, (await res.json()) as Record<string, HostStats>);
      }
      return out;
    },
    close() {
      child.stdin?.end();
      child.kill();
    },
  };
}

async function crawlOnce(bases: string[], politeness: Record<string, unknown>, pages: number) {
  const dir = mkdtempSync(join(tmpdir(), "zfcrawl-bench-"));
  const store = new Store(join(dir, "bench.sqlite"));
  try {
    const config = parseSources({
      contact: "mailto:bench@localhost",
      politeness: { timeoutMs: 30_000, retries: 1, ...politeness },
      sources: bases.map((b, i) => ({
        name: `portal-${i}`,
        startUrls: [`${b}/ndbg/index.html`],
        limits: { maxPages: pages + 100, maxListPages: pages, maxDepth: 2 },
      })),
    });
    // Every crawl here is bounded: the frontier is finite and the run is stopped after 5 minutes.
    const stop = AbortSignal.timeout(5 * 60_000);
    return await crawl({
      store,
      config,
      dataDir: join(dir, "data"),
      log: createLogger("none"),
      signal: stop,
    });
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runCrawlBench(
  reportsPerHost = 2500,
): Promise<{ pagesPerSecond: number; maxConcurrent: number; minGapMs: number }> {
  const hosts = 2;
  // 1. Politeness off: as fast as the crawler goes.
  const fast = await startLoadPortal(hosts, reportsPerHost);
  let pagesPerSecond: number;
  try {
    const r = await crawlOnce(
      fast.bases,
      { concurrencyPerHost: 16, delayMs: 0, robots: false },
      reportsPerHost * hosts + 1000,
    );
    pagesPerSecond = r.counts.fetched / r.seconds;
    console.log(
      `crawl: ${r.counts.fetched} pages from ${hosts} local hosts in ${r.seconds.toFixed(2)} s, politeness off (16 per host, no delay): ${pagesPerSecond.toFixed(0)} pages/second; ${r.counts.new_reports + r.counts.changed_reports} documents stored, ${r.counts.failed} failed, status ${r.status}`,
    );
  } finally {
    fast.close();
  }
  // 2. Politeness on: 2 per host, 100 ms between request starts; the portal measures.
  const polite = await startLoadPortal(hosts, 60, { holdMs: 20 });
  try {
    const r = await crawlOnce(polite.bases, { concurrencyPerHost: 2, delayMs: 100, robots: true }, 200);
    const stats = await polite.stats();
    const maxConcurrent = Math.max(...Object.values(stats).map((s) => s.maxConcurrent));
    const minGapMs = Math.min(...Object.values(stats).map((s) => s.minGapMs ?? Number.POSITIVE_INFINITY));
    console.log(
      `crawl: politeness on (2 per host, 100 ms): ${r.counts.fetched} pages in ${r.seconds.toFixed(1)} s; measured by the portal per host: ${Object.entries(
        stats,
      )
        .map(
          ([h, s]) =>
            `${h} ${s.requests} requests, max ${s.maxConcurrent} concurrent, min gap ${s.minGapMs?.toFixed(1)} ms`,
        )
        .join("; ")}`,
    );
    console.log(
      `  max concurrent per host ${maxConcurrent} (must be ≤ 2), min gap ${minGapMs.toFixed(1)} ms (must be ≥ 100): ${maxConcurrent <= 2 && minGapMs >= 100 ? "ok" : "VIOLATED"}`,
    );
    return { pagesPerSecond, maxConcurrent, minGapMs };
  } finally {
    polite.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runCrawlBench(Number(process.argv[2] ?? 2500));
}

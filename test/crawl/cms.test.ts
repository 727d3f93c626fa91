// Crawls of simulated portals built the way government CMSs publish their 年报 columns: every report is
// found and imported, no look-alike is, politeness holds for GET, POST and API requests alike, and a
// second run downloads nothing new.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { crawl } from "../../src/crawl/crawler.js";
import { createLogger } from "../../src/crawl/log.js";
import { parseSources } from "../../src/crawl/sources.js";
import { importBytes } from "../../src/import/importer.js";
import { Store } from "../../src/store/store.js";
import { tempDir } from "../helpers.js";
import { ALL_PORTALS, corpusBytes, importedKey, reportPagesPortal, type SimPortal } from "./cms-portals.js";
import { type Portal, startServers } from "./portal.js";

const quiet = createLogger("none");
const DELAY = 15;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function crawlPortal(sim: SimPortal) {
  const server = await startServers([sim.pages]);
  const base = server.bases[0];
  const dir = tempDir("zfcms-");
  dirs.push(dir);
  const store = new Store(join(dir, "db.sqlite"));
  const config = parseSources({
    contact: "mailto:crawler-tests@example.org",
    politeness: { concurrencyPerHost: 2, delayMs: DELAY, timeoutMs: 5000, retries: 1, backoffMs: 20 },
    sources: [{ name: sim.name, startUrls: sim.startPaths.map((p) => base + p) }],
  });
  const run = () => crawl({ store, config, dataDir: join(dir, "data"), log: quiet });
  return { server, base, store, run };
}

const kindOf = (r: Portal["requests"][number]) =>
  r.method === "POST" ? "POST" : /\/api\//.test(r.path) ? "API" : r.path === "/robots.txt" ? "robots" : "GET";

describe.each(ALL_PORTALS.map((f) => [f().name, f] as const))("portal %s", (_name, make) => {
  const sim = make();
  let ctx: Awaited<ReturnType<typeof crawlPortal>>;
  afterAll(async () => {
    ctx?.store.close();
    await ctx?.server.close();
  });

  it("finds and imports every report and no look-alike, politely", async () => {
    ctx = await crawlPortal(sim);
    const { store, server, base } = ctx;
    const r = await ctx.run();
    const reports = (
      store.db.prepare("SELECT issuer_name, report_year FROM reports ORDER BY 1, 2").all() as {
        issuer_name: string;
        report_year: number;
      }[]
    ).map((x) => `${x.issuer_name} ${x.report_year}`);
    const expected = await Promise.all(sim.reportFiles.map(importedKey));
    expect(reports, JSON.stringify(r.failures)).toEqual([...new Set(expected)].sort());
    expect(r.failures).toEqual([]);
    expect(r.status).toBe("ok");
    // Three or more list pages (or list requests) were read.
    const lists = store.db.prepare("SELECT count(*) AS n FROM crawl_frontier WHERE kind = 'list'").get() as {
      n: number;
    };
    expect(lists.n).toBeGreaterThanOrEqual(3);
    // No look-alike is stored, under any URL.
    const origins = (
      store.db.prepare("SELECT origin FROM document_origins").all() as { origin: string }[]
    ).map((o) => o.origin);
    for (const p of sim.lookAlikePaths) expect(origins).not.toContain(base + p);
    // The same report under two URLs: one document with both origins.
    const [a, b] = sim.duplicatePaths.map(
      (p) =>
        (
          store.db.prepare("SELECT document_id FROM document_origins WHERE origin = ?").get(base + p) as
            | { document_id: number }
            | undefined
        )?.document_id,
    );
    expect(a).toBeDefined();
    expect(b).toBe(a);
    // Politeness, measured by the server for every kind of request.
    const reqs = server.requests;
    expect(reqs[0].path).toBe("/robots.txt");
    expect(reqs.some((x) => x.path.startsWith("/private/"))).toBe(false);
    expect(Math.max(...server.maxConcurrent.values())).toBeLessThanOrEqual(2);
    const delay = /Crawl-delay: ([\d.]+)/.exec(sim.robots);
    const minGap = delay ? Number(delay[1]) * 1000 : DELAY;
    const sorted = [...reqs].sort((x, y) => x.start - y.start);
    const gaps = new Map<string, number>();
    for (let i = 1; i < sorted.length; i++) {
      const k = kindOf(sorted[i]);
      gaps.set(k, Math.min(gaps.get(k) ?? Number.POSITIVE_INFINITY, sorted[i].start - sorted[i - 1].start));
    }
    for (const [, gap] of gaps) expect(gap).toBeGreaterThanOrEqual(minGap - 1);
    for (const x of reqs) expect(x.ua).toMatch(/^zfxxgk\/0\.1 \(\+mailto:/);
    // Each POST is its own frontier entry (method, URL and body), done like any other request.
    const posts = store.db.prepare("SELECT url, state FROM crawl_frontier WHERE url LIKE 'POST %'").all() as {
      url: string;
      state: string;
    }[];
    expect(posts.length).toBe(reqs.filter((x) => x.method === "POST").length);
    for (const p of posts) expect(p.state).toBe("done");
  });

  it("a second run downloads nothing new", async () => {
    const { server, store } = ctx;
    const posts = server.requests.filter((x) => x.method === "POST").length;
    const docs = (store.db.prepare("SELECT count(*) AS n FROM documents").get() as { n: number }).n;
    server.resetStats();
    const r = await ctx.run();
    expect(r.status).toBe("ok");
    expect(r.counts.new_reports + r.counts.changed_reports).toBe(0);
    expect((store.db.prepare("SELECT count(*) AS n FROM documents").get() as { n: number }).n).toBe(docs);
    // Every GET is conditional and answered 304; list POSTs are asked again (they have no validators).
    for (const x of server.requests.filter((q) => q.method === "GET")) {
      expect(x.conditional, x.path).toBe(true);
      expect(x.status, x.path).toBe(304);
    }
    expect(server.requests.filter((x) => x.method === "POST").length).toBe(posts);
  });
});

describe("report pages", () => {
  it("a report page whose body is <p> pipe rows is imported like the same text", async () => {
    const sim = reportPagesPortal();
    const { server, store, run } = await crawlPortal(sim);
    try {
      await run();
      const dir = tempDir("zfcms-ref-");
      dirs.push(dir);
      const ref = new Store(join(dir, "ref.sqlite"));
      try {
        const cellsOf = (s: Store, issuer: string, year: string) =>
          s.db
            .prepare(
              "SELECT c.key, c.value, c.status, c.raw FROM cells c JOIN reports r ON r.current_document_id = c.document_id WHERE r.issuer_name = ? AND r.report_year = ? ORDER BY c.key",
            )
            .all(issuer, Number(year));
        for (const file of ["jiaotong-2021.txt", "baisha-2022.txt"]) {
          await importBytes(ref, corpusBytes(file), file);
          const [issuer, year] = (await importedKey(file)).split(" ");
          const direct = cellsOf(ref, issuer, year);
          expect(direct.length).toBeGreaterThan(20);
          expect(cellsOf(store, issuer, year)).toEqual(direct);
        }
      } finally {
        ref.close();
      }
    } finally {
      store.close();
      await server.close();
    }
  });
});

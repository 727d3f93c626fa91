// Crawls of the simulated portal: discovery, politeness, incremental re-runs, changed reports.
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLoadPortal } from "../../bench/crawl.js";
import { crawl } from "../../src/crawl/crawler.js";
import { createLogger } from "../../src/crawl/log.js";
import { parseSources } from "../../src/crawl/sources.js";
import { Store } from "../../src/store/store.js";
import { tempDir } from "../helpers.js";
import { type Portal, portalSites, portalSources, startServers } from "./portal.js";

const quiet = createLogger("none");

describe("crawl of a simulated portal", () => {
  let portal: Portal;
  let dir: string;
  let store: Store;
  let A: string;
  let B: string;

  beforeAll(async () => {
    portal = await startServers(portalSites());
    [A, B] = portal.bases;
    // A redirect to the other (allowed) host: queued under that host's politeness.
    const list2 = portal.pages[0].get("/xxgk/ndbg/index_2.html")!;
    list2.body = Buffer.from(
      (list2.body as Buffer)
        .toString()
        .replace("</ul>", '<li><a href="elsewhere.html">2019年年报（新址）</a></li></ul>'),
    );
    portal.pages[0].set("/xxgk/ndbg/elsewhere.html", {
      body: Buffer.alloc(0),
      special: (_req, res) => {
        res.writeHead(302, { location: `${B}/gov/ndbg/moved-2019.html` }).end();
        return true;
      },
    });
    portal.pages[1].set("/gov/ndbg/moved-2019.html", {
      body: portal.pages[0].get("/xxgk/ndbg/t2019.html")!.body,
    });
    dir = tempDir("zfcrawl-test-");
    store = new Store(join(dir, "db.sqlite"));
  });
  afterAll(async () => {
    store?.close();
    await portal?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const run = () =>
    crawl({
      store,
      config: parseSources(portalSources(portal.bases)),
      dataDir: join(dir, "data"),
      log: quiet,
    });
  const q = <T>(sql: string, ...args: unknown[]) => store.db.prepare(sql).all(...args) as T[];

  it("discovers, fetches and imports every report, politely and within the rules", async () => {
    const r = await run();
    const reports = q<{ issuer_name: string; report_year: number }>(
      "SELECT issuer_name, report_year FROM reports WHERE has_standard_tables = 1 ORDER BY issuer_name, report_year",
    ).map((x) => `${x.issuer_name} ${x.report_year}`);
    expect(reports, JSON.stringify(r.failures)).toEqual([
      "江宁市交通运输局 2021",
      "江宁市交通运输局 2022", // 500, 500, then 200
      "江宁市人民政府 2019",
      "江宁市人民政府 2020", // GBK list page and GBK report page, no charset header or meta
      "江宁市人民政府 2021", // behind a 301
      "江宁市人民政府 2023",
      "江宁市人民政府 2024", // GB18030 without declaration
      "江宁市人民政府办公室 2021", // 429 with Retry-After: 1
      "江宁市青溪区人民政府 2020", // the first answer is too slow, the retry is not
      "江宁市青溪区人民政府 2023",
      "白沙镇人民政府 2020", // sent gzip-compressed
      "青溪区白沙镇人民政府 2022",
    ]);
    expect(r.counts.new_reports).toBe(12);
    expect(r.status).toBe("partial");
    const reasons = r.failures.map((f) => `${f.url.replace(A, "A").replace(B, "B")} ${f.reason}`);
    expect(reasons).toContainEqual(expect.stringMatching(/^A\/xxgk\/ndbg\/loop-a\.html redirect loop/));
    expect(reasons).toContainEqual(expect.stringMatching(/^A\/files\/huge\.pdf too_large/));

    const paths = portal.requests.map((x) => x.path);
    // robots.txt: the disallowed path is never requested, and is recorded as skipped.
    expect(paths).not.toContain("/private/t2018.html");
    expect(q("SELECT state, reason FROM crawl_frontier WHERE url = ?", `${A}/private/t2018.html`)).toEqual([
      { state: "skipped", reason: "disallowed by robots.txt" },
    ]);
    // Only allowed hosts and http(s): the external link and mailto: never enter the frontier.
    expect(q("SELECT url FROM crawl_frontier WHERE url NOT LIKE 'http://127.0.0.1:%'")).toEqual([]);
    // Every request names zfxxgk and a contact.
    expect(new Set(portal.requests.map((x) => x.ua))).toEqual(
      new Set(["zfxxgk/0.1 (+mailto:crawler-tests@example.org)"]),
    );
    // Pagination: createPageHTML (index_1, index_2) and ?page=N with 下一页.
    for (const p of ["/xxgk/ndbg/index_1.html", "/xxgk/ndbg/index_2.html", "/gov/ndbg/list?page=3"])
      expect(paths).toContain(p);
    // Retries: 500 twice then 200; 429 then a wait of at least Retry-After.
    expect(paths.filter((p) => p === "/xxgk/ndbg/flaky.html").length).toBeGreaterThanOrEqual(3);
    const busy = portal.requests.filter((x) => x.path === "/xxgk/ndbg/busy.html");
    expect(busy.map((x) => x.status).slice(0, 2)).toEqual([429, 200]);
    expect(busy[1].start - busy[0].start).toBeGreaterThanOrEqual(990);
    // A redirect loop stops; an oversized file is abandoned.
    expect(paths.filter((p) => p.startsWith("/xxgk/ndbg/loop-")).length).toBeLessThanOrEqual(6);

    // The same bytes under two URLs: one document, two origins.
    const dup = q<{ id: number; n: number }>(
      "SELECT d.id, (SELECT count(*) FROM document_origins o WHERE o.document_id = d.id) AS n FROM documents d JOIN document_origins o ON o.document_id = d.id WHERE o.origin = ?",
      `${A}/xxgk/ndbg/copy/t2019.html`,
    );
    expect(dup).toHaveLength(1);
    expect(dup[0].n).toBe(3); // and once more behind the cross-host redirect
    expect(
      q("SELECT state, reason FROM crawl_frontier WHERE url = ?", `${A}/xxgk/ndbg/elsewhere.html`),
    ).toEqual([{ state: "done", reason: `redirect to ${B}/gov/ndbg/moved-2019.html` }]);
    // The wrapper page around the attachments is not a report; its attachments are stored as documents.
    expect(
      q("SELECT document_id FROM document_origins WHERE origin = ?", `${A}/xxgk/ndbg/t2023.html`),
    ).toEqual([]);
    const att = q<{ form: string }>(
      "SELECT d.form FROM documents d JOIN document_origins o ON o.document_id = d.id WHERE o.origin LIKE ? ORDER BY d.form",
      `${A}/files/ndbg-2023.%`,
    );
    expect(att.map((x) => x.form)).toEqual(["docx"]);
    // The PDF has no text at all: not a report, recorded as skipped with the reason, never stored.
    const pdf = q<{ state: string; reason: string }>(
      "SELECT state, reason FROM crawl_frontier WHERE url LIKE ?",
      `${A}/files/ndbg-2023.pdf%`,
    );
    expect(pdf).toEqual([{ state: "skipped", reason: expect.stringMatching(/^not a report/) }]);

    // Raw bytes: one file per hash, named by the hash only, for every fetch with a body.
    const shas = q<{ sha256: string }>("SELECT DISTINCT sha256 FROM crawl_fetches WHERE sha256 IS NOT NULL");
    for (const { sha256 } of shas)
      expect(existsSync(join(dir, "data", sha256.slice(0, 2), sha256.slice(2)))).toBe(true);
    for (const sub of readdirSync(join(dir, "data"))) {
      expect(sub).toMatch(/^[0-9a-f]{2}$/);
      for (const f of readdirSync(join(dir, "data", sub))) expect(f).toMatch(/^[0-9a-f]{62}$/);
    }
    // Fetches keep URL, time, status, headers, validators, hash and document.
    const f = q<Record<string, unknown>>(
      "SELECT * FROM crawl_fetches WHERE url = ?",
      `${A}/xxgk/ndbg/t2019.html`,
    )[0];
    expect(f).toMatchObject({ status: 200, outcome: "fetched", etag: expect.stringMatching(/^"/) });
    expect(JSON.parse(String(f.headers))).toMatchObject({ "content-type": "text/html" });
    expect(f.document_id).toBeTypeOf("number");
    expect(String(f.fetched_at)).toMatch(/^\d{4}-\d\d-\d\dT/);
    const run1 = q<{ status: string; new_reports: number; failures: string }>(
      "SELECT status, new_reports, failures FROM crawl_runs WHERE id = ?",
      r.runId,
    )[0];
    expect(run1).toMatchObject({ status: "partial", new_reports: 12 });
    expect(JSON.parse(run1.failures).length).toBe(r.failures.length);
  }, 60_000);

  it("a second run over the unchanged portal sends only conditional requests and imports nothing", async () => {
    const docs = q("SELECT count(*) AS n FROM documents")[0];
    portal.resetStats();
    const r = await run();
    expect(r.counts).toMatchObject({ new_reports: 0, changed_reports: 0 });
    expect(q("SELECT count(*) AS n FROM documents")[0]).toEqual(docs);
    // Every URL that answered with a body the first time is asked conditionally and answers 304.
    const bodies = portal.requests.filter(
      (x) => x.status === 200 && !["/files/huge.pdf", "/gov/ndbg/jt2021.html"].includes(x.path), // too large; a server without validators
    );
    expect(bodies.map((x) => x.path)).toEqual([]);
    const conditional = portal.requests.filter((x) => x.status === 304);
    expect(conditional.every((x) => x.conditional)).toBe(true);
    expect(r.counts.not_modified).toBeGreaterThanOrEqual(18);
    // The server without validators sends the same bytes: stored already, not imported again.
    expect(r.counts.fetched).toBe(1);
    expect(r.counts.unchanged_documents).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it("a changed report is downloaded and becomes the report's current version", async () => {
    const page = portal.pages[1].get("/gov/ndbg/qx2023.html")!;
    page.body = Buffer.concat([page.body as Buffer, Buffer.from("\n（本报告于次年一月修订）\n")]);
    const r = await run();
    expect(r.counts).toMatchObject({ new_reports: 0, changed_reports: 1 });
    expect(
      q(
        "SELECT d.status FROM documents d JOIN document_origins o ON o.document_id = d.id WHERE o.origin = ? ORDER BY d.id",
        `${B}/gov/ndbg/qx2023.html`,
      ),
    ).toEqual([{ status: "superseded" }, { status: "imported" }]);
  }, 60_000);
});

describe("politeness", () => {
  it("keeps per-host concurrency and spacing, with robots.txt Crawl-delay, measured by the server", async () => {
    // The portal runs in its own process, so its clock is not held up by the crawler's imports.
    const portal = await startLoadPortal(2, 30, { crawlDelay: 0.06 });
    const dir = tempDir("zfcrawl-test-");
    const store = new Store(join(dir, "db.sqlite"));
    try {
      const config = parseSources({
        politeness: { concurrencyPerHost: 2, delayMs: 40 },
        sources: portal.bases.map((b, i) => ({ name: `s${i}`, startUrls: [`${b}/ndbg/index.html`] })),
      });
      const r = await crawl({ store, config, dataDir: join(dir, "data"), log: quiet });
      expect(r.counts.fetched).toBe(64); // 2 list pages and 30 report pages per host
      const stats = await portal.stats();
      for (const b of portal.bases) {
        const s = stats[new URL(b).host];
        expect(s.requests).toBe(33); // with robots.txt
        expect(s.maxConcurrent).toBeLessThanOrEqual(2);
        // Crawl-delay (60 ms) is above the configured 40 ms and wins.
        expect(s.minGapMs).toBeGreaterThanOrEqual(60);
      }
    } finally {
      store.close();
      portal.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("never has more requests in flight to one host than its concurrency", async () => {
    const portal = await startLoadPortal(1, 40, { holdMs: 25 });
    const dir = tempDir("zfcrawl-test-");
    const store = new Store(join(dir, "db.sqlite"));
    try {
      const config = parseSources({
        politeness: { concurrencyPerHost: 3, delayMs: 0 },
        sources: [{ name: "s", startUrls: [`${portal.bases[0]}/ndbg/index.html`] }],
      });
      const r = await crawl({ store, config, dataDir: join(dir, "data"), log: quiet });
      expect(r.counts.fetched).toBe(42);
      const s = (await portal.stats())[new URL(portal.bases[0]).host];
      expect(s.maxConcurrent).toBe(3);
    } finally {
      store.close();
      portal.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

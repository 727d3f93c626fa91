/// <reference lib="dom" />
// End-to-end: the workbench in Debian's Chromium (playwright-core), on one report of each form.
// ZFXXGK_SCREENSHOTS=1 writes the screenshots of each screen to docs/screenshots/ (committed, shown in the README).
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorkbench, type Workbench } from "../../src/web/server.js";
import { projectRoot, tempDir } from "../helpers.js";
import { buildFixture, type Fixture } from "./fixture.js";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Chromium must actually start, not merely be on the PATH. */
async function launch(): Promise<Browser | string> {
  try {
    return await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 20_000 });
  } catch (e) {
    return `Chromium cannot be launched from ${CHROMIUM} (${(e as Error).message.split("\n")[0]}): browser tests are skipped (apt-get install chromium)`;
  }
}

const browserOrReason = await launch();
const reason = typeof browserOrReason === "string" ? browserOrReason : undefined;
if (reason) console.warn(reason);
const shotsDir = process.env.ZFXXGK_SCREENSHOTS
  ? join(projectRoot, "docs", "screenshots")
  : tempDir("zfxxgk-shots-");

describe.skipIf(reason !== undefined)("workbench in a browser", () => {
  const browser = browserOrReason as Browser;
  let fx: Fixture;
  let wb: Workbench;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    fx = await buildFixture();
    // A crawl run record over two of the fixture's documents, so that the runs screen has something to show.
    const db = new Database(fx.db);
    const run = db
      .prepare(
        "INSERT INTO crawl_runs (status, pid, sources_file, pass, discovered, fetched, new_reports, failed, bytes, failures, ended_at) VALUES ('ok', 1, 'sources.yaml', 1, 12, 2, 2, 1, 250000, ?, strftime('%Y-%m-%dT%H:%M:%fZ','now'))",
      )
      .run(
        JSON.stringify([{ url: "https://www.example.gov.cn/gk/2023.html", reason: "HTTP 404" }]),
      ).lastInsertRowid;
    for (const [form, id] of [
      ["html", fx.reports.html],
      ["pdf", fx.reports.pdf],
    ] as const) {
      const doc = db.prepare("SELECT current_document_id FROM reports WHERE id = ?").pluck().get(id);
      db.prepare(
        "INSERT INTO crawl_fetches (run_id, url, status, outcome, document_id) VALUES (?, ?, 200, 'fetched', ?)",
      ).run(run, `https://www.example.gov.cn/gk/report-${form}`, doc);
    }
    db.close();
    wb = await startWorkbench({ db: fx.db, port: 0, allowCorrections: true });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    mkdirSync(shotsDir, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await wb?.close();
  });

  const shot = (name: string) => page.screenshot({ path: join(shotsDir, `${name}.png`) });

  async function openReport(id: number) {
    await page.goto(`${wb.url}/reports/${id}`);
    await page.waitForSelector(".report[data-ready]");
  }

  it("lists and filters reports", async () => {
    await page.goto(`${wb.url}/reports`);
    expect(await page.textContent("#total")).toBe("5");
    await page.fill("input[name=issuer]", "江宁市人民政府");
    await page.click("form.filters button[type=submit]");
    await page.waitForURL(/issuer=/);
    expect(await page.textContent("#total")).toBe("2");
    await page.goto(`${wb.url}/reports`);
    await shot("reports");
  });

  for (const form of ["html", "text", "docx"] as const) {
    it(`${form}: a cell selects its source row and the source row selects the cell`, async () => {
      await openReport(fx.reports[form]);
      const key = "applications.new_received.total";
      await page.click(`td.v[data-key="${key}"]`);
      const hl = page.locator("#source .hl");
      await expect.poll(() => hl.count()).toBe(1);
      const cell = await page.evaluate(
        (k) => JSON.parse(document.getElementById("cells")!.textContent!)[k],
        key,
      );
      // The highlighted source holds the printed value (a table cell, or the text line).
      expect(await hl.textContent()).toContain(cell.raw);
      await expect
        .poll(() =>
          hl.evaluate((e) => {
            const r = e.getBoundingClientRect();
            const s = document.getElementById("source")!.getBoundingClientRect();
            return r.top >= s.top && r.bottom <= s.bottom;
          }),
        )
        .toBe(true);
      // And back: another source cell or line selects the cell printed there.
      const other = "applications.carried_over.total";
      const pos = await page.evaluate(
        (k) => JSON.parse(document.getElementById("cells")!.textContent!)[k].pos,
        other,
      );
      const target =
        pos.r !== null
          ? `#source td[data-t="${pos.t}"][data-r="${pos.r}"][data-c="${pos.c}"]`
          : `#source li[data-line="${pos.line}"]`;
      await page.click(target);
      await expect.poll(() => page.getAttribute("td.v.sel", "data-key")).toBe(other);
      expect(await page.textContent("#cell-info")).toContain(other);
      if (form === "html") await shot("report-html");
    });
  }

  it("pdf: the highlighted box on the rendered page contains the cell's printed text", async () => {
    await openReport(fx.reports.pdf);
    await page.waitForSelector("#pdf-page[data-rendered]", { timeout: 30_000 });
    for (const key of [
      "applications.new_received.total",
      "appeals.review.total",
      "active.art20_1.normative_docs.issued",
    ]) {
      await page.click(`td.v[data-key="${key}"]`);
      const cell = await page.evaluate(
        (k) => JSON.parse(document.getElementById("cells")!.textContent!)[k],
        key,
      );
      await page.waitForFunction(
        (p) => document.getElementById("pdf-page")!.dataset.rendered === String(p),
        cell.pos.page,
      );
      await page.waitForSelector(`.hlbox[data-key="${key}"]`);
      // The pdfjs text items whose centres fall inside the box spell the printed value.
      const inside = await page.evaluate(() => {
        const box = document.querySelector(".hlbox")!.getBoundingClientRect();
        return [...document.querySelectorAll("#pdf-page .ti")]
          .filter((s) => {
            const r = s.getBoundingClientRect();
            const x = r.left + r.width / 2;
            const y = r.top + r.height / 2;
            return x >= box.left && x <= box.right && y >= box.top && y <= box.bottom;
          })
          .map((s) => s.textContent)
          .join("");
      });
      expect(inside.replace(/\s+/g, ""), key).toContain(cell.raw);
    }
    // Clicking the page inside a cell's box selects that cell (both cells are on the same page).
    await page.click("td.v[data-key='applications.new_received.total']");
    await page.waitForSelector(`.hlbox[data-key="applications.new_received.total"]`);
    const box = await page.locator(".hlbox").boundingBox();
    await page.click("td.v[data-key='applications.new_received.natural_person']");
    await page.waitForSelector(`.hlbox[data-key="applications.new_received.natural_person"]`);
    await page.mouse.click(box!.x + box!.width / 2, box!.y + box!.height / 2);
    await expect
      .poll(() => page.getAttribute("td.v.sel", "data-key"))
      .toBe("applications.new_received.total");
    await shot("report-pdf");
  });

  it("draws a comparison: one point per printed value, the table beneath with the stored values", async () => {
    const key = "applications.new_received.total";
    await page.goto(`${wb.url}/compare`);
    // The key box finds keys by their Chinese label.
    await page.fill("#metric", "本年新收政府信息公开申请数量 × 总计");
    await page.fill("input[name=years]", "2021-2023");
    await page.click("#compare-form button[type=submit]");
    await page.waitForSelector("#trend-chart canvas");
    const db = new Database(fx.db, { readonly: true });
    const expected = db
      .prepare(
        "SELECT r.issuer_name, r.report_year, c.value FROM reports r JOIN cells c ON c.document_id = r.current_document_id WHERE c.key = ? AND r.report_year BETWEEN 2021 AND 2023",
      )
      .all(key) as { issuer_name: string; report_year: number; value: number }[];
    db.close();
    const table = await page.$$eval("#compare-table tbody tr", (rows) =>
      rows.map((tr) => ({
        label: tr.querySelector("th")!.textContent,
        cells: [...tr.querySelectorAll("td")].map((td) => ({
          year: Number(td.dataset.year),
          text: td.firstChild?.textContent ?? "",
        })),
      })),
    );
    const shown = table.flatMap((r) =>
      r.cells
        .filter((c) => c.text !== "")
        .map((c) => ({ issuer_name: r.label, report_year: c.year, value: Number(c.text) })),
    );
    const order = (a: { issuer_name: string; report_year: number }, b: typeof a) =>
      a.issuer_name.localeCompare(b.issuer_name) || a.report_year - b.report_year;
    expect(shown.sort(order)).toEqual(expected.sort(order));
    expect(Number(await page.getAttribute("#trend-chart", "data-points"))).toBe(expected.length);
    expect(Number(await page.getAttribute("#trend-chart", "data-series"))).toBe(table.length);
    // uPlot's legend: the x series and one per row.
    expect(await page.locator("#trend-chart .u-legend .u-series").count()).toBe(table.length + 1);
    const barYear = Number(await page.getAttribute("#bar-chart", "data-year"));
    expect(Number(await page.getAttribute("#bar-chart", "data-points"))).toBe(
      expected.filter((e) => e.report_year === barYear).length,
    );
    await shot("compare");
  });

  it("shows one issuer's year-over-year changes", async () => {
    await page.goto(`${wb.url}/diff?issuer=${encodeURIComponent("江宁市人民政府")}`);
    expect(await page.locator("#diff-cells tbody tr").count()).toBeGreaterThan(10);
    expect(await page.locator("#diff-prose p").count()).toBeGreaterThan(0);
    await shot("diff");
  });

  it("corrects a cell through the review queue, and `zfxxgk show` prints the correction", async () => {
    await page.goto(wb.unlockUrl!);
    await page.waitForURL(/\/review/);
    const item = page.locator("#review-list > li").first();
    const report = await item.getAttribute("data-report");
    const key = await item.getAttribute("data-key");
    await shot("review");
    await item.locator("input[name=value]").fill("12345");
    await item.locator("input[name=note]").fill("e2e: the prose gives 12345");
    await item.locator("input[name=author]").fill("e2e");
    await item.locator("button[value=correct]").click();
    await page.waitForSelector("#review-done");
    expect(await page.textContent("#review-done")).toContain(`${key} → 12345`);
    const show = spawnSync(
      process.execPath,
      ["--import", "tsx", join(projectRoot, "src/cli/main.ts"), "show", report!, "--db", fx.db],
      {
        cwd: projectRoot,
        encoding: "utf8",
      },
    );
    expect(show.status).toBe(0);
    expect(show.stdout).toMatch(
      new RegExp(`${key!.replaceAll(".", "\\.")}: printed [^\\n]* → 12345; e2e: the prose gives 12345`),
    );
    const author = new Database(fx.db, { readonly: true })
      .prepare("SELECT author FROM corrections WHERE key = ? AND active = 1")
      .pluck()
      .get(key);
    expect(author).toBe("e2e (web)");
  });

  it("shows crawl runs and the documents a run added", async () => {
    await page.goto(`${wb.url}/runs`);
    await page.click("#runs a");
    expect(await page.locator("table.list tbody tr").count()).toBe(2);
    await page.goto(`${wb.url}/runs`);
    await shot("runs");
  });

  it("never runs markup from a document's text", async () => {
    await openReport(fx.reports.hostile);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator("#source").textContent()).toContain("<script>window.__pwned = 1</script>");
    expect(await page.locator("#source img").count()).toBe(0);
    await page.goto(`${wb.url}/diff?issuer=${encodeURIComponent("江北市人民政府")}`);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(errors).toEqual([]);
  });
});

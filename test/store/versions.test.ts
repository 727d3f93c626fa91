// Versions decided by evidence: a report with the standard tables is never superseded by a stub, a list
// page or a notice; a newer report with tables wins unless it has far fewer cells; a person may pin one.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { importFiles } from "../../src/import/importer.js";
import { Store } from "../../src/store/store.js";
import { chooseVersion } from "../../src/store/versions.js";
import { tempDir, zfxxgk } from "../helpers.js";
import { fullReport, report, TABLE4_ZEROS } from "../normalize/fixtures.js";

const full = fullReport();
const title = "青溪区测试局2022年政府信息公开工作年度报告";
const stub = `<html><head><title>${title}</title></head><body><h1>${title}</h1><p>全文见附件。</p><p><a href="a.pdf">附件：${title}.pdf</a></p></body></html>`;
const listPage = `<html><head><title>年度报告</title></head><body><ul><li><a href="1.html">${title}</a> 2023-01-20</li><li><a href="2.html">青溪区测试局2021年政府信息公开工作年度报告</a></li></ul></body></html>`;
/** A revised report: the same tables with one figure changed. */
const revised = full
  .replace("本局依法做好政府信息公开工作。", "本局依法做好政府信息公开工作（修订）。")
  .replace("| 行政许可 | 120 |", "| 行政许可 | 121 |");
/** A newer excerpt that prints only Table 4: far fewer cells. */
const excerpt = report(2022, TABLE4_ZEROS);

async function importTexts(db: string, texts: [string, string][]) {
  const dir = tempDir();
  const store = new Store(db);
  const outcomes: string[] = [];
  for (const [name, text] of texts) {
    writeFileSync(join(dir, name), text);
    await importFiles(store, [join(dir, name)], (r) => outcomes.push(r.outcome));
  }
  const rows = store.db
    .prepare("SELECT d.id, d.origin, d.status, d.version_reason FROM documents d ORDER BY d.id")
    .all() as { id: number; origin: string; status: string; version_reason: string }[];
  const current = store.db.prepare("SELECT current_document_id FROM reports").pluck().all() as number[];
  store.close();
  return { outcomes, rows, current };
}

describe("version choice", () => {
  it("a stub or a saved list page never supersedes the report with tables, whichever comes first", async () => {
    const dir = tempDir();
    const a = await importTexts(join(dir, "a.sqlite"), [
      ["full.txt", full],
      ["stub.html", stub],
      ["list.html", listPage],
    ]);
    expect(a.outcomes).toEqual(["new", "not_current", "not_current"]);
    expect(a.current).toEqual([1]);
    expect(a.rows.map((r) => r.status)).toEqual(["imported", "superseded", "superseded"]);
    expect(a.rows[0].version_reason).toMatch(
      /^current: the newest version with the standard tables \(\d+ cells\); newer #2, #3 without tables/,
    );
    expect(a.rows[1].version_reason).toMatch(/^not current: no standard tables .*another version has them/);
    // The stub first: the full report arriving later replaces it.
    const b = await importTexts(join(dir, "b.sqlite"), [
      ["stub.html", stub],
      ["full.txt", full],
    ]);
    expect(b.outcomes).toEqual(["new", "updated"]);
    expect(b.current).toEqual([2]);
  });

  it("a newer report with tables wins, unless it has far fewer cells", async () => {
    const dir = tempDir();
    const r = await importTexts(join(dir, "c.sqlite"), [
      ["full.txt", full],
      ["revised.txt", revised],
      ["excerpt.txt", excerpt],
    ]);
    expect(r.outcomes).toEqual(["new", "updated", "not_current"]);
    expect(r.current).toEqual([2]);
    expect(r.rows[0].version_reason).toBe("not current: a newer version with the standard tables is current");
    expect(r.rows[2].version_reason).toMatch(/^not current: far fewer cells \(15\) than the fullest version/);
  });

  it("one batch decides every version as importing the documents one by one does", async () => {
    // In one batch the store keeps each report's versions between its documents instead of reading them
    // again: the statuses and reasons must be the same as when each document is its own batch.
    const dir = tempDir();
    const texts: [string, string][] = [
      ["1-full.txt", full],
      ["2-stub.html", stub],
      ["3-revised.txt", revised],
      ["4-list.html", listPage],
      ["5-excerpt.txt", excerpt],
      ["6-full-again.txt", `${full}\n`],
    ];
    const oneByOne = await importTexts(join(dir, "one.sqlite"), texts);
    const files = texts.map(([name, text]) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    });
    const store = new Store(join(dir, "batch.sqlite"));
    const outcomes: string[] = [];
    await importFiles(store, files, (r) => outcomes.push(r.outcome));
    const rows = store.db.prepare("SELECT id, status, version_reason FROM documents ORDER BY id").all() as {
      id: number;
      status: string;
      version_reason: string;
    }[];
    const current = store.db.prepare("SELECT current_document_id FROM reports").pluck().all();
    store.close();
    expect(outcomes).toEqual(oneByOne.outcomes);
    expect(outcomes).toEqual(["new", "not_current", "updated", "not_current", "not_current", "updated"]);
    expect(rows).toEqual(
      oneByOne.rows.map(({ id, status, version_reason }) => ({ id, status, version_reason })),
    );
    expect(current).toEqual(oneByOne.current);
  });

  it("decides on evidence alone (unit)", () => {
    // Versions 1, 2, … in import order, with their cell counts; `pinned` is a person's choice.
    const current = (cells: number[], pinned: number | null = null) =>
      chooseVersion(
        cells.map((n, i) => ({ id: i + 1, cells: n })),
        pinned,
      ).current;
    expect(current([0, 0])).toBe(2);
    expect(current([200, 0])).toBe(1);
    expect(current([200, 190])).toBe(2);
    expect(current([200, 60])).toBe(1);
    expect(current([200, 60], 2)).toBe(2);
  });

  it("show lists the versions and why; versions --pin and --unpin let a person choose", async () => {
    const dir = tempDir();
    const db = join(dir, "d.sqlite");
    await importTexts(db, [
      ["full.txt", full],
      ["revised.txt", revised],
      ["stub.html", stub],
    ]);
    const show = zfxxgk(["show", "青溪区测试局/2022", "--db", db]);
    expect(show.code, show.err).toBe(0);
    expect(show.out).toMatch(
      /\* #2 imported · \d+ cells .*\n\s+current: the newest version with the standard tables/,
    );
    expect(show.out).toMatch(
      /#1 superseded .*\n\s+not current: a newer version with the standard tables is current/,
    );
    expect(show.out).toMatch(/#3 superseded · 0 cells .*\n\s+not current: no standard tables/);
    expect(show.out).toMatch(/行政许可.*121/);
    const pin = zfxxgk(["versions", "--pin", "1", "--db", db]);
    expect(pin.code, pin.err).toBe(0);
    expect(pin.out).toMatch(/pinned #1: report #1's current version is #1/);
    expect(pin.out).toMatch(/\* #1 imported .*\n\s+current: pinned by a person/);
    expect(pin.out).toMatch(/#2 superseded .*\n\s+not current: another version is pinned by a person/);
    const shown = zfxxgk(["show", "1", "--db", db]);
    expect(shown.out).toMatch(/行政许可.*120/);
    const unpin = zfxxgk(["versions", "--unpin", "1", "--db", db]);
    expect(unpin.out).toMatch(/unpinned #1: report #1's current version is #2/);
    expect(zfxxgk(["versions", "--pin", "99", "--db", db])).toMatchObject({ code: 2 });
  }, 120_000);
});

// Stored effective, derived and wide values: equal to what the migration-3 views computed per query, after
// import, correction and a new document version, whether refreshed one by one or in bulk.
import { appendFileSync, copyFileSync } from "node:fs";
import { basename, join } from "node:path";
import Database from "better-sqlite3";
import { beforeAll, describe, expect, it } from "vitest";
import { derivedTerms, keyCatalog } from "../../src/analyst/catalog.js";
import { refreshValues } from "../../src/analyst/values.js";
import { derivedExpr, wideColumn } from "../../src/store/analyst-schema.js";
import { tempDir } from "../helpers.js";
import { corpusFiles, importInto, zfxxgk } from "./helpers.js";

let db: string;
let dir: string;
const derivedKeys = new Set(derivedTerms().map((x) => x.key));

beforeAll(async () => {
  dir = tempDir("zfxxgk-values-");
  db = await importInto(corpusFiles(), dir);
}, 120_000);

/** Every wide column of every report, computed per query as migration 3's views did. */
function computed(d: Database.Database): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const derived = new Set(
    keyCatalog()
      .filter((k) => k.gop2019 !== "printed" && k.gop2021 !== "printed")
      .map((k) => k.key),
  );
  for (const k of keyCatalog()) {
    const printed = `(SELECT IIF(x.id IS NULL, IIF(c.status = 'number', c.value, NULL), IIF(x.status = 'number', x.value, NULL))
      FROM reports r2 LEFT JOIN cells c ON c.document_id = r2.current_document_id AND c.key = '${k.key}'
      LEFT JOIN corrections x ON x.report_id = r2.id AND x.key = '${k.key}' AND x.active = 1 WHERE r2.id = o.report_id)`;
    const isDerived = keyCatalog().some((x) => x.key === k.key) && derivedKeys.has(k.key);
    const expr = !isDerived
      ? printed
      : derived.has(k.key)
        ? derivedExpr(k.key)
        : `COALESCE(${printed}, ${derivedExpr(k.key)})`;
    for (const [id, v] of d
      .prepare(
        `SELECT o.report_id, ${expr} FROM (SELECT id AS report_id, current_document_id AS document_id FROM reports) o`,
      )
      .raw()
      .all() as [number, unknown][])
      out.set(`${id}|${k.key}`, v);
  }
  return out;
}

function stored(d: Database.Database): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const t of ["active", "applications", "appeals"]) {
    const keys = keyCatalog().filter((k) => k.table === t);
    for (const row of d.prepare(`SELECT * FROM ${t}_values`).all() as Record<string, unknown>[])
      for (const k of keys) out.set(`${row.report_id}|${k.key}`, row[wideColumn(k.key)]);
  }
  return out;
}

describe("stored values", () => {
  it("equal the per-query computation after import, a correction and a new version, one by one or in bulk", async () => {
    // A new version of one report (different bytes, same issuer and year) supersedes the old one.
    const file = corpusFiles().find((f) => /jiangning-2021\.txt$/.test(f))!;
    const v2 = join(dir, `v2-${basename(file)}`);
    copyFileSync(file, v2);
    appendFileSync(v2, "\n（更新版）\n");
    expect(zfxxgk(["import", v2, "--db", db, "--quiet"]).code).toBe(0);
    const r = zfxxgk([
      "correct",
      "江宁市人民政府/2023",
      "applications.new_received.commercial_enterprise",
      "7",
      "--note",
      "test",
      "--db",
      db,
    ]);
    expect(r.code, r.err).toBe(0);
    const d = new Database(db);
    expect(d.prepare("SELECT count(*) FROM documents WHERE status = 'superseded'").pluck().get()).toBe(1);
    const want = computed(d);
    const reports = d.prepare("SELECT count(*) FROM reports").pluck().get() as number;
    expect(want.size).toBe(reports * keyCatalog().length);
    expect(stored(d)).toEqual(want);
    // The derived subtotal follows the corrected term, and is marked.
    const sub = d
      .prepare(
        "SELECT value, corrected FROM derived_cells WHERE key = 'applications.new_received.legal_person_subtotal' AND report_id = (SELECT id FROM reports WHERE issuer_name = '江宁市人民政府' AND report_year = 2023)",
      )
      .get() as { value: number; corrected: number } | undefined;
    if (sub) expect(sub.corrected).toBe(1);
    // Rebuilt from nothing, in bulk: the same rows.
    d.exec(
      "DELETE FROM active_values; DELETE FROM applications_values; DELETE FROM appeals_values; DELETE FROM derived_values",
    );
    expect(refreshValues(d, 0)).toBe(reports);
    expect(stored(d)).toEqual(want);
    d.close();
  }, 120_000);
});

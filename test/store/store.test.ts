import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { importFiles, listFiles } from "../../src/import/importer.js";
import { processDocument } from "../../src/import/pipeline.js";
import { MIGRATIONS } from "../../src/store/migrations.js";
import { Store } from "../../src/store/store.js";
import { tempDir } from "../helpers.js";
import { fullReport } from "../normalize/fixtures.js";

const doc2022 = fullReport();

function setup() {
  const dir = tempDir();
  const dbPath = join(dir, "test.sqlite");
  writeFileSync(join(dir, "a.txt"), doc2022);
  return { dir, dbPath };
}

describe("store", () => {
  it("imports a report with its cells, checks, flags and prose in a real SQLite file", async () => {
    const { dir, dbPath } = setup();
    const store = new Store(dbPath);
    const s = await importFiles(store, listFiles([dir]));
    store.close();
    expect(s).toMatchObject({ files: 1, new: 1, failed: 0 });
    const db = new Database(dbPath, { readonly: true });
    expect(db.prepare("SELECT count(*) AS n FROM cells").get()).toEqual({ n: 200 });
    expect(db.prepare("SELECT issuer_name, report_year, format_version FROM reports").get()).toEqual({
      issuer_name: "青溪区测试局",
      report_year: 2022,
      format_version: "GOP2021",
    });
    expect(
      db
        .prepare(
          "SELECT value, status, raw FROM current_cells WHERE key = 'active.art20_6.coercion.decisions'",
        )
        .get(),
    ).toEqual({
      value: null,
      status: "dash",
      raw: "-",
    });
    expect(db.prepare("SELECT count(*) AS n FROM check_results").get()).toEqual({ n: 5 });
    db.close();
  });

  it("changes nothing when the same bytes are imported again, under any name", async () => {
    const { dir, dbPath } = setup();
    writeFileSync(join(dir, "copy.txt"), doc2022);
    const store = new Store(dbPath);
    const first = await importFiles(store, listFiles([dir]));
    const before = store.db.prepare("SELECT count(*) AS n FROM cells").get();
    const again = await importFiles(store, listFiles([dir]));
    expect(first).toMatchObject({ new: 1, unchanged: 1 });
    expect(again).toMatchObject({ new: 0, unchanged: 2 });
    expect(store.db.prepare("SELECT count(*) AS n FROM cells").get()).toEqual(before);
    expect(store.db.prepare("SELECT count(*) AS n FROM document_origins").get()).toEqual({ n: 2 });
    store.close();
  });

  it("makes a new version of a report current and keeps the old one", async () => {
    const { dir, dbPath } = setup();
    const store = new Store(dbPath);
    await importFiles(store, listFiles([dir]));
    writeFileSync(join(dir, "a.txt"), doc2022.replace("| 行政许可 | 120 |", "| 行政许可 | 121 |"));
    const s = await importFiles(store, listFiles([dir]));
    expect(s.updated).toBe(1);
    const db = store.db;
    expect(
      db.prepare("SELECT value FROM current_cells WHERE key = 'active.art20_5.licensing.decisions'").get(),
    ).toEqual({ value: 121 });
    expect(
      db.prepare("SELECT status, count(*) AS n FROM documents GROUP BY status ORDER BY status").all(),
    ).toEqual([
      { status: "imported", n: 1 },
      { status: "superseded", n: 1 },
    ]);
    expect(
      db.prepare("SELECT count(*) AS n FROM cells WHERE key = 'active.art20_5.licensing.decisions'").get(),
    ).toEqual({ n: 2 });
    store.close();
  });

  it("records bad documents with a reason and keeps what was stored", async () => {
    const { dir, dbPath } = setup();
    writeFileSync(join(dir, "empty.html"), "");
    writeFileSync(
      join(dir, "noise.bin"),
      Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)),
    );
    writeFileSync(join(dir, "note.txt"), "会议通知：明天上午九点开会。");
    const store = new Store(dbPath);
    const s = await importFiles(store, listFiles([dir]));
    expect(s).toMatchObject({ files: 4, new: 1, failed: 3 });
    const errors = store.db
      .prepare("SELECT error_code FROM documents WHERE status = 'failed' ORDER BY error_code")
      .all();
    expect(errors).toEqual([
      { error_code: "binary" },
      { error_code: "empty" },
      { error_code: "not_a_report" },
    ]);
    expect(store.db.prepare("SELECT count(*) AS n FROM current_cells").get()).toEqual({ n: 200 });
    store.close();
  });

  it("writes a document all or nothing", async () => {
    const { dbPath } = setup();
    const store = new Store(dbPath);
    const { report: r, form } = await processDocument(Buffer.from(doc2022));
    // A cell key stored twice violates the primary key half-way through the write.
    const broken = { ...r, cells: [...r.cells, r.cells[0]] };
    expect(() =>
      store.saveReport({ sha256: "x".repeat(64), origin: "broken", size: 1 }, form, undefined, broken),
    ).toThrow();
    for (const table of ["documents", "reports", "cells", "flags", "check_results", "prose"]) {
      expect(store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get()).toEqual({ n: 0 });
    }
    store.close();
  });

  it("migrates once and records the schema version", () => {
    const { dbPath } = setup();
    new Store(dbPath).close();
    const store = new Store(dbPath);
    expect(store.db.prepare("SELECT version FROM schema_migrations ORDER BY version").all()).toEqual(
      MIGRATIONS.map((m) => ({ version: m.version })),
    );
    store.close();
    expect(readFileSync(dbPath).subarray(0, 15).toString()).toBe("SQLite format 3");
  });
});

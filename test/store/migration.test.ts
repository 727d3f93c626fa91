// Migration 5 on a database made before it: counts become INTEGER, views keep working, and documents
// without kept bytes are reprocessed from their original path when it still holds the same bytes.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { reprocess } from "../../src/import/reprocess.js";
import { MIGRATIONS } from "../../src/store/migrations.js";
import { Store } from "../../src/store/store.js";
import { projectRoot, tempDir } from "../helpers.js";

describe("migration 5", () => {
  it("rebuilds cell values with integer counts and keeps every row, view and correction", async () => {
    const dir = tempDir();
    const db = join(dir, "v4.sqlite");
    const file = join(dir, "baisha-2020.txt");
    const bytes = readFileSync(join(projectRoot, "corpus", "baisha-2020.txt"));
    writeFileSync(file, bytes);
    const sha = createHash("sha256").update(bytes).digest("hex");
    // A database as zfxxgk wrote it before migration 5: REAL values, no extraction version.
    const old = new Database(db);
    old.exec(
      "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT)",
    );
    for (const m of MIGRATIONS.filter((m) => m.version <= 4)) {
      old.exec(m.sql);
      old.prepare("INSERT INTO schema_migrations (version, name) VALUES (?, ?)").run(m.version, m.name);
    }
    old
      .prepare(
        "INSERT INTO documents (id, sha256, origin, form, size, status) VALUES (1, ?, ?, 'text', ?, 'imported')",
      )
      .run(sha, file, bytes.length);
    old.prepare("INSERT INTO document_origins (document_id, origin) VALUES (1, ?)").run(file);
    old.exec(`INSERT INTO reports (id, identity, issuer_name, report_year, format_version, admin_level, issuer_type,
      scope, year_source, has_standard_tables, current_document_id)
      VALUES (1, '白沙镇人民政府|2020', '白沙镇人民政府', 2020, 'GOP2019', 'township', 'town_street', 'self', 'period', 1, 1)`);
    old.exec("UPDATE documents SET report_id = 1");
    const key = (k: string) => old.prepare("INSERT OR IGNORE INTO cell_keys (key) VALUES (?)").run(k);
    key("applications.new_received.total");
    key("appeals.review.upheld");
    old.exec(`INSERT INTO cell_values (document_id, key_id, value, status, raw, unit, confidence)
      SELECT 1, id, 75.0, 'number', '75', 'count', 1 FROM cell_keys WHERE key = 'applications.new_received.total';
      INSERT INTO corrections (report_id, report_identity, key, value, status, note, document_id, extracted_value, extracted_status)
      VALUES (1, '白沙镇人民政府|2020', 'applications.new_received.total', 76.0, 'number', 'prose says 76', 1, 75.0, 'number');`);
    expect(old.prepare("SELECT typeof(value) FROM cell_values").pluck().get()).toBe("real");
    old.close();

    const store = new Store(db);
    const d = store.db;
    expect(d.prepare("SELECT max(version) FROM schema_migrations").pluck().get()).toBeGreaterThanOrEqual(5);
    expect(d.prepare("SELECT typeof(value), value FROM cells").raw().get()).toEqual(["integer", 75]);
    expect(d.prepare("SELECT typeof(value) FROM corrections").pluck().get()).toBe("integer");
    expect(d.prepare("SELECT value, value_exact FROM current_cells").raw().get()).toEqual([75, null]);
    expect(
      d
        .prepare("SELECT value, corrected FROM cells_long WHERE key = 'applications.new_received.total'")
        .raw()
        .get(),
    ).toEqual([76, 1]);
    expect(d.prepare("PRAGMA integrity_check").pluck().get()).toBe("ok");
    expect(d.prepare("PRAGMA foreign_key_check").all()).toEqual([]);
    // Its bytes were never kept, but the file it came from still holds them: reprocess reads it.
    const s = await reprocess(store);
    expect(s).toMatchObject({ documents: 1, done: 1, failed: 0, noSource: 0 });
    expect(s.cellsAdded).toBeGreaterThan(100);
    expect(d.prepare("SELECT extraction_version FROM documents").pluck().get()).toBeGreaterThanOrEqual(1);
    expect(d.prepare("SELECT count(*) FROM corrections WHERE active = 1").pluck().get()).toBe(1);
    store.close();
  });
});

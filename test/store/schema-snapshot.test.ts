// The schema snapshot a fresh database is made from equals replaying every migration: the same
// sqlite_master, the same rows in every table (search index tables included), and the file the build
// ships is that snapshot.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { MIGRATIONS, migrate, migrationsStamp, schemaSnapshot } from "../../src/store/migrations.js";
import { projectRoot, tempDir } from "../helpers.js";

/** A database file as the store opens it (WAL, foreign keys). */
function fresh(name: string): Database.Database {
  const db = new Database(join(tempDir(), name));
  db.pragma("journal_mode = WAL");
  db.pragma("foreign_keys = ON");
  return db;
}

/** Everything a schema is: sqlite_master in order, and every table's rows (applied_at aside). */
function contents(db: Database.Database) {
  const master = db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid").all();
  const tables = db
    .prepare("SELECT name, wr FROM pragma_table_list WHERE schema = 'main' AND type IN ('table', 'shadow')")
    .all() as { name: string; wr: number }[];
  const rows: Record<string, unknown[]> = {};
  for (const { name, wr } of tables.sort((a, b) => a.name.localeCompare(b.name))) {
    if (/^sqlite_(temp_)?(schema|master)$/.test(name)) continue; // compared above, rootpages aside
    const cols = name === "schema_migrations" ? "version, name" : wr ? "*" : "rowid AS rowid_, *";
    rows[name] = db.prepare(`SELECT ${cols} FROM "${name}"`).raw().all();
  }
  return { master, rows };
}

function replayed(): Database.Database {
  const db = fresh("replayed.sqlite");
  migrate(db, { replay: true });
  return db;
}

describe("schema snapshot", () => {
  const snapshot = schemaSnapshot();

  it("makes the database that replaying the migrations makes", () => {
    const a = replayed();
    const b = fresh("snapshot.sqlite");
    b.transaction(() => b.exec(snapshot)).immediate();
    const want = contents(a);
    expect(want.master.length).toBeGreaterThan(70);
    expect(want.rows.key_catalog.length).toBeGreaterThan(100);
    expect(contents(b)).toEqual(want);
    expect(b.pragma("integrity_check", { simple: true })).toBe("ok");
    expect(b.prepare("SELECT count(*) FROM schema_migrations").pluck().get()).toBe(MIGRATIONS.length);
    // applied_at is the time the snapshot was applied, as with a replay.
    const appliedAt = b.prepare("SELECT min(applied_at) FROM schema_migrations").pluck().get() as string;
    expect(Date.now() - Date.parse(appliedAt)).toBeLessThan(60_000);
    // The search index works on the snapshot's tables.
    b.exec(
      "INSERT INTO documents (id, sha256, origin, form, size, status) VALUES (1, 'x', 'o', 'text', 1, 'imported')",
    );
    b.exec("INSERT INTO prose (document_id, text) VALUES (1, '政府信息公开')");
    expect(
      b.prepare("SELECT rowid FROM prose_fts WHERE prose_fts MATCH '政府信息公开'").pluck().all(),
    ).toEqual([1]);
    a.close();
    b.close();
  });

  const dist = join(projectRoot, "dist", "store");
  const shipped = join(dist, "schema-snapshot.sql");
  it.skipIf(!existsSync(shipped))(
    "the snapshot `npm run build` ships is this one, and the built store uses it",
    async () => {
      const text = readFileSync(shipped, "utf8");
      expect(text.slice(0, text.indexOf("\n"))).toBe(`-- ${migrationsStamp()}`);
      expect(text === snapshot, "dist/store/schema-snapshot.sql is stale: run `npm run build`").toBe(true);
      const built = (await import(pathToFileURL(join(dist, "migrations.js")).href)) as {
        migrate: typeof migrate;
      };
      const db = fresh("built.sqlite");
      expect(built.migrate(db)).toBe(MIGRATIONS.length);
      const a = replayed();
      expect(contents(db)).toEqual(contents(a));
      // A database that has a schema already is migrated, never given the snapshot.
      expect(built.migrate(db)).toBe(0);
      db.close();
      a.close();
    },
  );
});

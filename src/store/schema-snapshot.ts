// A fresh database's schema in one step: the schema objects and rows that replaying every migration
// leaves, dumped once by `npm run build` into dist/store/schema-snapshot.sql (replaying them cost a
// fresh database about 60 ms, mostly ALTER TABLE re-reading the views).
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type Database from "better-sqlite3";

/** Where the build puts the snapshot: beside the compiled module. */
export const SHIPPED_SNAPSHOT = fileURLToPath(new URL("./schema-snapshot.sql", import.meta.url));

/**
 * SQL that recreates the database's schema objects (in their order in sqlite_master) and the rows of
 * its tables, after a first line that is `stamp`. The tables of a virtual table are made by creating it
 * and filled by rebuilding it; `schema_migrations` gets its versions and names, so that applied_at is
 * the time the snapshot is applied.
 */
export function dumpSchema(db: Database.Database, stamp: string): string {
  const shadow = new Set(
    db.prepare("SELECT name FROM pragma_table_list WHERE type = 'shadow'").pluck().all() as string[],
  );
  const objects = db
    .prepare("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid")
    .all() as { type: string; name: string; sql: string }[];
  const out = [`-- ${stamp}`];
  for (const o of objects) if (!shadow.has(o.name) && !o.name.startsWith("sqlite_")) out.push(`${o.sql};`);
  const tables = db
    .prepare("SELECT name, wr FROM pragma_table_list WHERE schema = 'main' AND type IN ('table', 'shadow')")
    .all() as { name: string; wr: number }[];
  const order = new Map(objects.map((o, i) => [o.name, i]));
  tables.sort((a, b) => (order.get(a.name) ?? -1) - (order.get(b.name) ?? -1));
  for (const { name, wr } of tables) {
    if (name.startsWith("sqlite_")) continue;
    const id = `"${name.replaceAll('"', '""')}"`;
    const cols = (db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(name) as string[]).map(
      (c) => `"${c.replaceAll('"', '""')}"`,
    );
    if (name === "schema_migrations") {
      for (const [version, label] of db
        .prepare("SELECT version, quote(name) FROM schema_migrations ORDER BY version")
        .raw()
        .all() as [number, string][])
        out.push(`INSERT INTO schema_migrations (version, name) VALUES (${version}, ${label});`);
      continue;
    }
    if (shadow.has(name)) continue; // SQLite keeps them read-only: the rebuild below writes them
    const rows = db
      .prepare(
        `SELECT ${cols.map((c) => `quote(${c})`).join(" || ',' || ")} FROM ${id}${wr ? "" : " ORDER BY rowid"}`,
      )
      .pluck()
      .all() as string[];
    for (const values of rows) out.push(`INSERT INTO ${id} (${cols.join(", ")}) VALUES (${values});`);
  }
  // A full-text index's own tables as its rebuild leaves them (the migrations rebuild it).
  for (const o of objects)
    if (o.type === "table" && /^CREATE VIRTUAL TABLE .* USING fts5/is.test(o.sql))
      out.push(`INSERT INTO "${o.name}"("${o.name}") VALUES ('rebuild');`);
  return `${out.join("\n")}\n`;
}

let shipped: { stamp: string; sql: string | undefined } | undefined;

/** The snapshot the build shipped, when it was dumped from these migrations (`stamp`). */
export function shippedSnapshot(stamp: string): string | undefined {
  if (shipped?.stamp === stamp) return shipped.sql;
  let sql: string | undefined;
  if (existsSync(SHIPPED_SNAPSHOT)) {
    const text = readFileSync(SHIPPED_SNAPSHOT, "utf8");
    if (text.slice(0, text.indexOf("\n")) === `-- ${stamp}`) sql = text;
  }
  shipped = { stamp, sql };
  return sql;
}

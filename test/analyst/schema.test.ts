// The schema as tools see it: query plans of the analyst views, foreign keys, the README's schema
// reference, the Datasette metadata and the full-text index as Datasette and sqlite-utils detect it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { beforeAll, describe, expect, it } from "vitest";
import { unlabelledColumns } from "../../src/analyst/metadata.js";
import { projectRoot, tempDir } from "../helpers.js";
import { corpusFiles, importInto, zfxxgk } from "./helpers.js";

let db: string;
let d: Database.Database;

beforeAll(async () => {
  db = await importInto(corpusFiles());
  d = new Database(db);
}, 120_000);

const VIEWS = [
  "report_overview",
  "cells_long",
  "effective_cells",
  "derived_cells",
  "active_wide",
  "applications_wide",
  "appeals_wide",
  "key_comparability",
];

/** Tables and views, without SQLite's own and the FTS shadow tables. */
function objects(): string[] {
  return d
    .prepare(
      "SELECT name FROM sqlite_master WHERE type IN ('table','view') AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'prose_fts_%' ORDER BY name",
    )
    .pluck()
    .all() as string[];
}

describe("query plans", () => {
  it("answers a filter on one report, one issuer or one key by index in every analyst view", () => {
    const filters: Record<string, string> = {
      report: "report_id = 1",
      issuer: "issuer_id = 1",
      "issuer name": "issuer = 'x'",
      "issuer as printed": "issuer_name = 'x'",
      key: "key = 'applications.new_received.total'",
    };
    let checked = 0;
    for (const v of VIEWS) {
      const cols = new Set(
        (d.prepare(`PRAGMA table_info(${v})`).all() as { name: string }[]).map((c) => c.name),
      );
      for (const [what, f] of Object.entries(filters)) {
        if (!cols.has(f.split(" ")[0])) continue;
        const plan = (
          d.prepare(`EXPLAIN QUERY PLAN SELECT * FROM ${v} WHERE ${f}`).all() as { detail: string }[]
        ).map((r) => r.detail);
        // A SCAN is allowed only of the view's own co-routine, json_each, or the few active corrections.
        const scans = plan.filter(
          (p) =>
            /^SCAN /.test(p) &&
            !/^SCAN (cells_long|effective_cells|j |x USING INDEX corrections_key)/.test(p),
        );
        expect(scans, `${v} by ${what}: ${plan.join(" | ")}`).toEqual([]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(25);
  });
});

describe("foreign keys", () => {
  it("declares one on every link column, and the data satisfies them", () => {
    const links = /^(report_id|document_id|issuer_id|key_id|run_id|current_document_id)$/;
    const missing: string[] = [];
    for (const t of d
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE '%VIRTUAL%'",
      )
      .pluck()
      .all() as string[]) {
      if (/^prose_fts_/.test(t)) continue;
      const fks = new Set(
        (d.prepare(`PRAGMA foreign_key_list(${t})`).all() as { from: string }[]).map((f) => f.from),
      );
      for (const c of d.prepare(`PRAGMA table_info(${t})`).all() as { name: string }[])
        if (links.test(c.name) && !fks.has(c.name) && `${t}.${c.name}` !== "crawl_lock.run_id")
          missing.push(`${t}.${c.name}`);
    }
    // crawl_lock.run_id is the lock holder's note (the row outlives runs), not a link.
    expect(missing).toEqual([]);
    expect(d.prepare("PRAGMA foreign_key_check").all()).toEqual([]);
  });
});

describe("README schema reference", () => {
  it("documents every table and view of the database, and nothing else", () => {
    const readme = readFileSync(join(projectRoot, "README.md"), "utf8");
    const section = (title: string) => {
      const at = readme.indexOf(`\n## ${title}\n`);
      expect(at, title).toBeGreaterThan(0);
      const end = readme.indexOf("\n## ", at + 4);
      return readme.slice(at, end < 0 ? undefined : end);
    };
    const documented = new Set<string>();
    for (const s of [section("Database schema"), section("Analyst views")])
      for (const line of s.split("\n")) {
        const first = /^\| ([^|]+) \|/.exec(line)?.[1];
        if (!first) continue;
        for (const m of first.matchAll(/`([a-z0-9_]+)`/g)) documented.add(m[1]);
      }
    const actual = objects();
    expect(
      actual.filter((o) => !documented.has(o)),
      "undocumented",
    ).toEqual([]);
    expect(
      [...documented].filter((o) => !actual.includes(o)),
      "documented but absent",
    ).toEqual([]);
  });
});

describe("Datasette and sqlite-utils", () => {
  it("detect the full-text index of prose as their own code does", () => {
    // datasette.utils.detect_fts_sql and sqlite_utils.Table.detect_fts use these patterns.
    const found = d
      .prepare(`SELECT name FROM sqlite_master WHERE rootpage = 0 AND (
          sql LIKE '%VIRTUAL TABLE%USING FTS%content="prose"%'
          OR sql LIKE '%VIRTUAL TABLE%USING FTS%content=[prose]%'
          OR (tbl_name = 'prose' AND sql LIKE '%VIRTUAL TABLE%USING FTS%'))`)
      .pluck()
      .all();
    expect(found).toEqual(["prose_fts"]);
    // Datasette searches with rowid: prose's rowid is its document_id.
    const hits = d
      .prepare(
        "SELECT count(*) FROM prose WHERE rowid IN (SELECT rowid FROM prose_fts WHERE prose_fts MATCH ?)",
      )
      .pluck()
      .get('"政府信息公开"') as number;
    expect(hits).toBeGreaterThan(0);
  });

  it("zfxxgk metadata writes a metadata.json Datasette reads: every table, view and column labelled", () => {
    const out = join(tempDir("zfxxgk-metadata-"), "metadata.json");
    const r = zfxxgk(["metadata", "--out", out, "--db", db]);
    expect(r.code, r.err).toBe(0);
    const m = JSON.parse(readFileSync(out, "utf8")) as {
      title: string;
      description: string;
      license: string;
      license_url: string;
      source: string;
      source_url: string;
      databases: Record<
        string,
        {
          tables: Record<
            string,
            {
              title: string;
              description: string;
              columns: Record<string, string>;
              fts_table?: string;
              fts_pk?: string;
            }
          >;
        }
      >;
    };
    for (const k of ["title", "description", "license", "license_url", "source", "source_url"] as const)
      expect(m[k], k).toBeTruthy();
    // Datasette keys databases by the file name without its extension.
    const tables = m.databases.analyst.tables;
    expect(Object.keys(tables).sort()).toEqual(objects());
    for (const [name, t] of Object.entries(tables)) {
      expect(t.title, name).toBeTruthy();
      const cols = (d.prepare(`PRAGMA table_info("${name}")`).all() as { name: string }[]).map((c) => c.name);
      expect(Object.keys(t.columns).sort(), name).toEqual([...cols].sort());
      for (const c of cols) expect(t.columns[c], `${name}.${c}`).toMatch(/[\u4e00-\u9fa5]/);
    }
    expect(tables.applications_wide.columns.new_received__total).toMatch(/单位：件/);
    expect(tables.prose).toMatchObject({ fts_table: "prose_fts", fts_pk: "document_id" });
    expect(unlabelledColumns(d)).toEqual([]);
  });
});

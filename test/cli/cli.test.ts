import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { tempDir, zfxxgk } from "../helpers.js";
import { fullReport } from "../normalize/fixtures.js";

describe("zfxxgk command", () => {
  it("imports a folder, records failures, exits 1 when some failed, and is idempotent", () => {
    const dir = tempDir();
    const docs = join(dir, "docs");
    mkdirSync(join(docs, "2022"), { recursive: true });
    writeFileSync(join(docs, "2022", "report.html.txt"), fullReport());
    writeFileSync(join(docs, "empty.txt"), "");
    writeFileSync(join(docs, "report.gold.json"), "{}");
    const first = zfxxgk(["import", docs, "--db", join(dir, "out.sqlite")]);
    expect(first.code).toBe(1);
    expect(first.out).toMatch(/imported 2 files .*1 new, 0 updated, 0 unchanged, 1 failed/);
    expect(first.err).toMatch(/FAILED .*docs\/empty\.txt: \[empty\] document is empty/);
    const again = zfxxgk(["import", docs, "--db", join(dir, "out.sqlite"), "--json"]);
    expect(JSON.parse(again.out.trim())).toMatchObject({ files: 2, new: 0, unchanged: 1, failed: 1 });
    const db = new Database(join(dir, "out.sqlite"), { readonly: true });
    expect(db.prepare("SELECT count(*) AS n FROM reports").get()).toEqual({ n: 1 });
    db.close();
  });

  it("scores a folder with gold files and ends --json output with the totals object", () => {
    const dir = tempDir();
    const text = fullReport();
    writeFileSync(join(dir, "r.txt"), text);
    const gold = {
      file: "r.txt",
      report_year: 2022,
      format_version: "GOP2021",
      issuer_name: "青溪区测试局",
      cells: {
        "active.art20_5.licensing.decisions": 120,
        "active.art20_6.coercion.decisions": "dash",
        "applications.new_received.total": 7,
      },
    };
    writeFileSync(join(dir, "r.txt.gold.json"), JSON.stringify(gold));
    const r = zfxxgk(["eval", dir, "--json"]);
    expect(r.code).toBe(0);
    const last = JSON.parse(r.out.trim().split("\n").pop()!);
    expect(last).toEqual({
      documents: 1,
      cells: 3,
      exact: 2,
      wrong: 1,
      silent: 1,
      missing: 0,
      meta_wrong: 0,
      failed_documents: 0,
    });
    // Metadata is scored exactly too, field by field, on a line of its own; a level or an issuer's
    // spelling that is not exactly the gold file's is named on the document's line, while the TOTAL
    // line's count still accepts a shorter form of the name.
    expect(r.out).toMatch(/^METADATA exact: issuer_name 1\/1, report_year 1\/1, format_version 1\/1$/m);
    writeFileSync(
      join(dir, "r.txt.gold.json"),
      JSON.stringify({
        ...gold,
        issuer_name: "测试局",
        admin_level: "prefecture",
        issuer_type: "department",
      }),
    );
    const again = zfxxgk(["eval", dir]);
    expect(again.out).toMatch(/^METADATA exact: issuer_name 0\/1, admin_level 0\/1, issuer_type 1\/1, /m);
    expect(again.out).toContain("admin_level county ≠ prefecture");
    expect(again.out).toContain("issuer_name 青溪区测试局 ≠ 测试局");
    expect(again.out).toMatch(/0 metadata wrong/);
  });

  it("prints help, and exits 2 on a usage error", () => {
    const help = zfxxgk(["--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toContain("import [options] <paths...>");
    const bad = zfxxgk(["frobnicate"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("unknown command");
  });

  it("demo compares one row per issuer entity: a body's name variants across years are one series", () => {
    const dir = tempDir();
    const db = join(dir, "demo.sqlite");
    const r = zfxxgk(["demo", "--db", db]);
    expect(r.code).toBe(0);
    const table = r.out.slice(r.out.indexOf("by issuer (zfxxgk issuers) and year"));
    const d = new Database(db, { readonly: true });
    // Every issuer entity with the metric is one row, whatever names its reports printed.
    const entities = d
      .prepare(
        `SELECT DISTINCT COALESCE(issuer, issuer_name) AS name, count(DISTINCT issuer_name) AS names
         FROM cells_long WHERE key = 'applications.new_received.total' AND report_year IS NOT NULL
         GROUP BY COALESCE(issuer, issuer_name)`,
      )
      .all() as { name: string; names: number }[];
    const variants = d
      .prepare("SELECT DISTINCT issuer_name FROM reports WHERE issuer_name IS NOT NULL")
      .pluck()
      .all() as string[];
    d.close();
    expect(entities.some((e) => e.names > 1)).toBe(true); // the corpus has a body under two names
    const rows = table
      .split("\n")
      .filter((l) => /^ {2}\S/.test(l) && !l.startsWith("  issuer") && !l.startsWith("  ("));
    expect(rows).toHaveLength(entities.length);
    for (const name of variants) {
      const listed = rows.filter((l) => l.trim().split(/\s+/)[0] === name);
      expect(listed.length, name).toBeLessThanOrEqual(1);
      if (!entities.some((e) => e.name === name)) expect(listed, name).toHaveLength(0);
    }
  }, 120_000);
});

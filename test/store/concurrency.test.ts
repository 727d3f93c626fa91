// Readers never wait for writers: read-only commands keep answering, the same, during an import that
// becomes a bulk load; a second writer waits for the first instead of failing. Real processes throughout.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { importFiles, listFiles } from "../../src/import/importer.js";
import { Store } from "../../src/store/store.js";
import { projectRoot, tempDir, zfxxgk, zfxxgkArgs } from "../helpers.js";
import { writeReports } from "./fixtures.js";

function run(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, args, { cwd: projectRoot, env: { ...process.env, ...env } });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => {
    out += d;
  });
  child.stderr.on("data", (d) => {
    err += d;
  });
  const done = new Promise<{ code: number | null; out: string; err: string }>((res) =>
    child.on("exit", (code) => res({ code, out, err })),
  );
  return { child, done };
}

/** A reader process: the queries of compare, show, search and export in a loop until `stopFile` exists. */
function readerScript(dir: string, db: string, stopFile: string): string {
  const src = (p: string) => JSON.stringify(join(projectRoot, "src", p));
  const path = join(dir, "reader.mts");
  writeFileSync(
    path,
    `import { existsSync, writeFileSync } from "node:fs";
import { compare } from ${src("analyst/compare.ts")};
import { reportDetail } from ${src("analyst/report-view.ts")};
import { searchProse } from ${src("analyst/search.ts")};
import { openReadOnly } from ${src("store/store.ts")};
const answers = new Set<string>();
let iterations = 0, errors = [] as string[], duringBulk = 0;
const t0 = Date.now();
do {
  try {
    const db = openReadOnly(${JSON.stringify(db)});
    const bulk = db.prepare("SELECT count(*) FROM bulk_loads").pluck().get() as number;
    const c = compare(db, { metric: "applications.new_received.total", where: ["issuer=甲区第0测试局,甲区第1测试局,甲区第2测试局"] });
    const s = searchProse(db, "编号甲1号");
    const d = reportDetail(db, "甲区第2测试局/2022");
    const e = db.prepare("SELECT key, value, status FROM cells_long WHERE issuer_name = '甲区第3测试局' ORDER BY key").all();
    db.close();
    answers.add(JSON.stringify([c.rows, s.hits.map((h) => h.report_id), [...d.cells.values()].map((x) => [x.key, x.value]), e]));
    if (bulk) duringBulk++;
    iterations++;
  } catch (err) {
    errors.push(String(err));
  }
} while (!existsSync(${JSON.stringify(stopFile)}) && Date.now() - t0 < 240_000);
writeFileSync(${JSON.stringify(join(dir, "reader.json"))}, JSON.stringify({ answers: [...answers], iterations, errors, duringBulk }));
`,
  );
  return path;
}

describe("readers and writers at the same time", () => {
  it("read-only commands give the same answers during an import that becomes a bulk load; a second import waits", async () => {
    const dir = tempDir();
    const db = join(dir, "c.sqlite");
    writeReports(join(dir, "base"), 20, "甲");
    const store = new Store(db);
    await importFiles(store, listFiles([join(dir, "base")]));
    store.close();
    writeReports(join(dir, "big"), 700, "乙");
    writeReports(join(dir, "second"), 60, "丙");

    const stop = join(dir, "stop");
    const reader = run(["--import", "tsx", readerScript(dir, db, stop)]);
    const first = run(zfxxgkArgs(["import", join(dir, "big"), "--db", db, "-q"]));
    // The second writer starts while the first is writing.
    await new Promise((r) => setTimeout(r, 4000));
    const second = run(zfxxgkArgs(["import", join(dir, "second"), "--db", db, "-q"]));
    const [a, b] = await Promise.all([first.done, second.done]);
    writeFileSync(stop, "");
    await reader.done;
    expect(a.code, a.err).toBe(0);
    expect(b.code, b.err).toBe(0);
    expect(a.out).toMatch(/700 new/);
    expect(b.out).toMatch(/60 new/);
    const r = JSON.parse(readFileSync(join(dir, "reader.json"), "utf8"));
    expect(r.errors).toEqual([]);
    expect(r.iterations).toBeGreaterThan(5);
    expect(r.duringBulk).toBeGreaterThan(0);
    expect(r.answers).toHaveLength(1); // the same answers throughout
    const check = new Store(db);
    expect(check.db.prepare("SELECT count(*) FROM documents").pluck().get()).toBe(780);
    expect(check.db.prepare("SELECT count(*) FROM bulk_loads").pluck().get()).toBe(0);
    expect(
      check.db
        .prepare("SELECT count(*) FROM prose_fts WHERE prose_fts MATCH '\"编号乙699号\"'")
        .pluck()
        .get(),
    ).toBe(1);
    check.close();
  }, 300_000);

  it("a writer that finds the database locked waits, says so, and then writes", async () => {
    const dir = tempDir();
    writeReports(join(dir, "in"), 1, "戊");
    const db = join(dir, "w.sqlite");
    expect(zfxxgk(["import", join(dir, "in"), "--db", db, "-q"]).code).toBe(0);
    const locked = join(dir, "locked");
    const holder = join(dir, "hold.mjs");
    writeFileSync(
      holder,
      `import Database from ${JSON.stringify(join(projectRoot, "node_modules", "better-sqlite3", "lib", "index.js"))};
import { writeFileSync } from "node:fs";
const db = new Database(${JSON.stringify(db)});
db.exec("BEGIN IMMEDIATE");
writeFileSync(${JSON.stringify(locked)}, "");
setTimeout(() => { db.exec("COMMIT"); db.close(); }, 6000);
`,
    );
    const hold = run([holder]);
    while (!existsSync(locked)) await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    const r = await run(
      zfxxgkArgs(["correct", "1", "applications.new_received.total", "5", "--note", "waits", "--db", db]),
    ).done;
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/waiting for another process that is writing to/);
    expect(Date.now() - t0).toBeGreaterThan(3000);
    expect((await hold.done).code).toBe(0);
  }, 120_000);

  it("a command that reads never writes the database, and none creates one", () => {
    const dir = tempDir();
    writeReports(join(dir, "in"), 2, "丁");
    const db = join(dir, "r.sqlite");
    expect(zfxxgk(["import", join(dir, "in"), "--db", db, "-q"]).code).toBe(0);
    // Regions a writer has not refreshed yet (a new version, a bulk load): readers show what is there.
    const w = new Store(db);
    w.db.pragma("foreign_keys = OFF"); // document_id -1 stands for a version that is gone
    w.db.exec(
      "UPDATE report_regions SET document_id = -1 WHERE report_id = 1; DELETE FROM report_regions WHERE report_id = 2",
    );
    w.close();
    const before = readFileSync(db);
    for (const args of [
      ["compare", "--metric", "applications.new_received.total"],
      ["show", "1"],
      ["export", "--format", "json"],
      ["search", "政府信息公开"],
      ["check"],
      ["versions", "1"],
      ["runs"],
      ["correct", "--list"],
    ]) {
      const r = zfxxgk([...args, "--db", db]);
      expect(r.code, `${args[0]}: ${r.err}`).toBeLessThanOrEqual(1);
      expect(r.err, args[0]).not.toMatch(/readonly|read-only/);
    }
    expect(readFileSync(db).equals(before)).toBe(true);
    for (const args of [
      ["compare", "--metric", "applications.new_received.total"],
      ["show", "1"],
      ["export", "--format", "csv"],
      ["search", "公开"],
      ["check"],
      ["correct", "1", "applications.new_received.total", "3", "--note", "x"],
      ["runs"],
      ["versions", "1"],
      ["versions", "--pin", "1"],
      ["reprocess"],
    ]) {
      const missing = join(dir, "missing.sqlite");
      const r = zfxxgk([...args, "--db", missing]);
      expect(r.code, args[0]).toBe(2);
      expect(r.err, args[0]).toMatch(/no database at .*missing\.sqlite/);
      expect(existsSync(missing), args[0]).toBe(false);
    }
  }, 300_000);
});

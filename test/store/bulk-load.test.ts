// Bulk loads: a large import into a small database defers the cells-by-key index, prose search rows and
// regions to its end; the result is the database per-document writes give, even after a kill.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import BetterSqlite3, { type Database } from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { importFiles, listFiles } from "../../src/import/importer.js";
import { BULK_AFTER_NEW_DOCUMENTS, BULK_MIN_DOCUMENTS, Store } from "../../src/store/store.js";
import { projectRoot, tempDir } from "../helpers.js";
import { fullReport } from "../normalize/fixtures.js";

const body = fullReport();

/** `count` distinct reports (issuers 第0测试局…), each with a phrase of its own in the prose. */
function writeReports(dir: string, count: number): void {
  for (let i = 0; i < count; i++) {
    const text = body
      .replaceAll("青溪区测试局", `青溪区第${i}测试局`)
      .replace("本局依法做好政府信息公开工作。", `本局依法做好政府信息公开工作，编号甲乙丙${i}号。`);
    writeFileSync(join(dir, `r${i}.txt`), text);
  }
}

const schemaHas = (db: Database, type: string, name: string) =>
  db.prepare("SELECT count(*) FROM sqlite_master WHERE type = ? AND name = ?").pluck().get(type, name) === 1;

const searchHits = (db: Database, phrase: string) =>
  db.prepare("SELECT count(*) FROM prose_fts WHERE prose_fts MATCH ?").pluck().get(`"${phrase}"`);

/** The state every database must be in after a (bulk) load has ended. */
function expectComplete(db: Database, reports: number): void {
  expect(schemaHas(db, "index", "cell_values_key_value")).toBe(true);
  expect(schemaHas(db, "trigger", "prose_fts_insert")).toBe(true);
  expect(db.prepare("SELECT count(*) FROM bulk_loads").pluck().get()).toBe(0);
  // FTS5 checks its index against the prose table, row for row.
  db.exec("INSERT INTO prose_fts (prose_fts) VALUES ('integrity-check')");
  expect(db.prepare("SELECT count(*) FROM report_regions").pluck().get()).toBe(reports);
  expect(db.prepare("PRAGMA integrity_check").pluck().get()).toBe("ok");
}

describe("bulk loads", () => {
  it(`a batch of ${BULK_MIN_DOCUMENTS}+ documents into an empty database ends with its index, search and regions complete`, async () => {
    const dir = tempDir();
    const n = BULK_MIN_DOCUMENTS + 20;
    writeReports(dir, n);
    const store = new Store(join(dir, "bulk.sqlite"));
    let sawDeferred = false;
    const s = await importFiles(store, listFiles([dir]), (_r, done) => {
      if (done === BULK_AFTER_NEW_DOCUMENTS + 100)
        sawDeferred = !schemaHas(store.db, "index", "cell_values_key_value");
    });
    expect(s).toMatchObject({ files: n, new: n, failed: 0 });
    expect(sawDeferred).toBe(true);
    expectComplete(store.db, n);
    expect(searchHits(store.db, "编号甲乙丙17号")).toBe(1);
    expect(searchHits(store.db, "编号甲乙丙")).toBe(n);
    // A small batch afterwards is written document by document, through the trigger.
    const more = tempDir();
    writeReports(more, 1);
    writeFileSync(join(more, "r0.txt"), body.replace("本局依法", "本局新增一份依法"));
    await importFiles(store, listFiles([more]));
    expect(schemaHas(store.db, "index", "cell_values_key_value")).toBe(true);
    expect(searchHits(store.db, "本局新增一份")).toBe(1);
    expectComplete(store.db, n + 1);
    store.close();
  });

  it("re-importing a folder already stored rebuilds nothing: no new documents, no bulk load", async () => {
    const dir = tempDir();
    const n = BULK_MIN_DOCUMENTS + 5;
    writeReports(dir, n);
    const store = new Store(join(dir, "again.sqlite"));
    await importFiles(store, listFiles([dir]));
    let indexThroughout = true;
    const again = await importFiles(store, listFiles([dir]), () => {
      indexThroughout &&= schemaHas(store.db, "index", "cell_values_key_value");
      indexThroughout &&= store.db.prepare("SELECT count(*) FROM bulk_loads").pluck().get() === 0;
    });
    expect(again).toMatchObject({ files: n, unchanged: n, new: 0 });
    expect(indexThroughout).toBe(true);
    expectComplete(store.db, n);
    store.close();
  });

  it("a small batch into a larger database is no bulk load", async () => {
    const dir = tempDir();
    writeReports(dir, 3);
    const store = new Store(join(dir, "small.sqlite"));
    await importFiles(store, listFiles([dir]), () => {
      expect(schemaHas(store.db, "index", "cell_values_key_value")).toBe(true);
    });
    expectComplete(store.db, 3);
    store.close();
  });

  it("a bulk load killed midway is completed when the database is next opened", () => {
    const dir = tempDir();
    const n = BULK_AFTER_NEW_DOCUMENTS + 50;
    writeReports(dir, n);
    const dbPath = join(dir, "killed.sqlite");
    const script = join(dir, "load-and-die.mts");
    writeFileSync(
      script,
      `import { importOne } from ${JSON.stringify(join(projectRoot, "src", "import", "importer.ts"))};
import { Store } from ${JSON.stringify(join(projectRoot, "src", "store", "store.ts"))};
const store = new Store(${JSON.stringify(dbPath)});
store.beginBatch(10_000);
for (let i = 0; i < ${n}; i++) {
  await importOne(store, ${JSON.stringify(dir)} + "/r" + i + ".txt");
  store.maybeCommit(1);
}
process.kill(process.pid, "SIGKILL");
`,
    );
    const child = spawnSync(process.execPath, ["--import", "tsx", script], { cwd: projectRoot });
    expect(child.signal, child.stderr.toString()).toBe("SIGKILL");
    // What the kill left: documents committed, their index entries and search rows not yet built.
    const left = new BetterSqlite3(dbPath, { readonly: true });
    expect(left.prepare("SELECT count(*) FROM bulk_loads").pluck().get()).toBe(1);
    expect(schemaHas(left, "index", "cell_values_key_value")).toBe(false);
    left.close();
    const store = new Store(dbPath);
    expect(store.db.prepare("SELECT count(*) FROM documents").pluck().get()).toBe(n);
    expectComplete(store.db, n);
    expect(searchHits(store.db, `编号甲乙丙${n - 1}号`)).toBe(1);
    expect(searchHits(store.db, "编号甲乙丙")).toBe(n);
    store.close();
  });
});

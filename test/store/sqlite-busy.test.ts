// Busy errors as SQLite raises them between two real connections: the plain code and the extended
// SQLITE_BUSY_SNAPSHOT that a start-up upkeep meets when another import commits between its read and
// its write.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { isBusy } from "../../src/store/sqlite-busy.js";

const dir = mkdtempSync(join(tmpdir(), "zfxxgk-busy-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function open(path: string) {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("busy_timeout = 0");
  return db;
}

function raised(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("nothing was raised");
}

describe("isBusy", () => {
  const path = join(dir, "t.sqlite");
  const a = open(path);
  a.exec("CREATE TABLE t (x INTEGER)");
  const b = open(path);

  it("knows a write that finds another connection's snapshot newer (SQLITE_BUSY_SNAPSHOT)", () => {
    a.exec("BEGIN");
    a.prepare("SELECT count(*) FROM t").get();
    b.exec("INSERT INTO t VALUES (1)");
    const e = raised(() => a.exec("INSERT INTO t VALUES (2)"));
    a.exec("ROLLBACK");
    expect((e as { code: string }).code).toBe("SQLITE_BUSY_SNAPSHOT");
    expect(isBusy(e)).toBe(true);
  });

  it("knows a write lock held by another connection (SQLITE_BUSY), and nothing else", () => {
    b.exec("BEGIN IMMEDIATE");
    const e = raised(() => a.exec("BEGIN IMMEDIATE"));
    b.exec("ROLLBACK");
    expect((e as { code: string }).code).toBe("SQLITE_BUSY");
    expect(isBusy(e)).toBe(true);
    expect(isBusy(raised(() => a.exec("SELECT * FROM missing")))).toBe(false);
    expect(isBusy(new Error("SQLITE_BUSY"))).toBe(false);
  });
});

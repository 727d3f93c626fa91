// Kept sources and re-extraction: import keeps each document's bytes by SHA-256; `reprocess` re-extracts
// documents an older extraction read, reports exactly what changed, keeps corrections, survives kill -9.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { EXTRACTION_VERSION } from "../../src/extraction-version.js";
import { projectRoot, tempDir, zfxxgk } from "../helpers.js";
import { writeReports } from "./fixtures.js";

const CHANGE = { ZFXXGK_TEST_EXTRACTION_CHANGE: "1" };

interface CellRow {
  document_id: number;
  key: string;
  value: number | null;
  status: string;
}
const snapshot = (db: string) => {
  const d = new Database(db, { readonly: true });
  const cells = d
    .prepare("SELECT document_id, key, value, status FROM cells ORDER BY document_id, key")
    .all() as CellRow[];
  const corrections = d.prepare("SELECT * FROM corrections ORDER BY id").all();
  const docs = d
    .prepare("SELECT id, sha256, status, extraction_version, report_id FROM documents ORDER BY id")
    .all() as { id: number; extraction_version: number }[];
  const reports = d.prepare("SELECT id, identity, current_document_id FROM reports ORDER BY id").all();
  d.close();
  return { cells, corrections, docs, reports };
};

describe("kept sources", () => {
  it("keeps each document's bytes beside the database; provenance reaches them after the folder moves", () => {
    const dir = tempDir();
    writeReports(join(dir, "in"), 3);
    const db = join(dir, "k.sqlite");
    expect(zfxxgk(["import", join(dir, "in"), "--db", db, "-q"]).code).toBe(0);
    renameSync(join(dir, "in"), join(dir, "moved")); // the originals are gone from where they were imported
    const d = new Database(db, { readonly: true });
    const rows = d
      .prepare("SELECT DISTINCT d.sha256, d.source_dir FROM cells c JOIN documents d ON d.id = c.document_id")
      .all() as { sha256: string; source_dir: string }[];
    d.close();
    expect(rows).toHaveLength(3);
    for (const r of rows) {
      expect(r.source_dir).toBe("k.sqlite.data");
      const bytes = readFileSync(join(dir, r.source_dir, r.sha256.slice(0, 2), r.sha256.slice(2)));
      expect(createHash("sha256").update(bytes).digest("hex")).toBe(r.sha256);
    }
    // --sources-dir elsewhere, --no-keep-sources not at all.
    writeReports(join(dir, "in2"), 1);
    const other = join(dir, "blobs");
    expect(
      zfxxgk(["import", join(dir, "in2"), "--db", join(dir, "s.sqlite"), "--sources-dir", other, "-q"]).code,
    ).toBe(0);
    const s = new Database(join(dir, "s.sqlite"), { readonly: true });
    const sd = s.prepare("SELECT source_dir, sha256 FROM documents").get() as {
      source_dir: string;
      sha256: string;
    };
    s.close();
    expect(sd.source_dir).toBe("blobs");
    expect(readFileSync(join(other, sd.sha256.slice(0, 2), sd.sha256.slice(2))).length).toBeGreaterThan(100);
    expect(
      zfxxgk(["import", join(dir, "in2"), "--db", join(dir, "n.sqlite"), "--no-keep-sources", "-q"]).code,
    ).toBe(0);
    const n = new Database(join(dir, "n.sqlite"), { readonly: true });
    expect(n.prepare("SELECT source_dir FROM documents").pluck().get()).toBeNull();
    n.close();
  }, 120_000);
});

describe("reprocess", () => {
  it("reports exactly the changed cells, keeps corrections, and survives kill -9 at random moments", async () => {
    const dir = tempDir();
    const n = 150;
    writeReports(join(dir, "in"), n);
    const db = join(dir, "r.sqlite");
    expect(zfxxgk(["import", join(dir, "in"), "--db", db, "-q"]).code).toBe(0);
    renameSync(join(dir, "in"), join(dir, "gone")); // reprocess reads the kept bytes only
    for (const i of [0, 7, 42, 149])
      expect(
        zfxxgk([
          "correct",
          `青溪区第${i}测试局/2022`,
          "applications.carried_forward.total",
          "9",
          "--note",
          "test",
          "--db",
          db,
        ]).code,
      ).toBe(0);
    const before = snapshot(db);
    expect(before.corrections).toHaveLength(4);

    // Nothing to do at the same extraction version.
    const none = zfxxgk(["reprocess", "--db", db, "--json"]);
    expect(JSON.parse(none.out.trim().split("\n").pop()!)).toMatchObject({ documents: 0, done: 0 });

    // A dry run reports the change exactly and writes nothing.
    const dry = zfxxgk(["reprocess", "--db", db, "--dry-run", "--json", "-q"], CHANGE);
    const s = JSON.parse(dry.out.trim().split("\n").pop()!);
    const upheld = before.cells.filter((c) => c.key === "appeals.review.upheld").length;
    const received = before.cells.filter(
      (c) => c.key === "applications.new_received.total" && c.status === "number",
    );
    expect(s).toMatchObject({
      documents: n,
      done: n,
      changedDocuments: n,
      cellsChanged: received.length,
      cellsAdded: 0,
      cellsRemoved: upheld,
      failed: 0,
      noSource: 0,
      dryRun: true,
    });
    expect(snapshot(db)).toEqual(before);

    // The real run, killed at random moments and run again until it completes.
    let kills = 0;
    for (let attempt = 0; attempt < 30; attempt++) {
      const child = spawn(
        process.execPath,
        ["--import", "tsx", join(projectRoot, "src/cli/main.ts"), "reprocess", "--db", db, "-q"],
        { cwd: projectRoot, env: { ...process.env, ...CHANGE }, stdio: ["ignore", "pipe", "ignore"] },
      );
      // Killed after a random number of documents (each changed one is a line on stdout), whatever the
      // machine's speed; from the fifth run on it is left to finish.
      const killAfterLines = attempt < 4 ? 1 + Math.floor(Math.random() * (n / 3)) : Number.POSITIVE_INFINITY;
      let lines = 0;
      child.stdout.on("data", (chunk: Buffer) => {
        for (const b of chunk) if (b === 10) lines++;
        if (lines >= killAfterLines) child.kill("SIGKILL");
      });
      const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
      const { code, signal } = await new Promise<{ code: number | null; signal: string | null }>((res) =>
        child.on("exit", (code, signal) => res({ code, signal })),
      );
      clearTimeout(timer);
      if (signal === "SIGKILL") {
        kills++;
        continue;
      }
      expect(code).toBe(0);
      break;
    }
    expect(kills).toBeGreaterThan(0);
    const after = snapshot(db);
    expect(after.docs.every((d) => d.extraction_version === EXTRACTION_VERSION + 1)).toBe(true);
    expect(after.docs.map(({ extraction_version, ...d }) => d)).toEqual(
      before.docs.map(({ extraction_version, ...d }) => d),
    );
    expect(after.reports).toEqual(before.reports);
    expect(after.corrections).toEqual(before.corrections);
    // Exactly the simulated change: new_received.total + 1, appeals.review.upheld gone, nothing else.
    const expected = before.cells
      .filter((c) => c.key !== "appeals.review.upheld")
      .map((c) =>
        c.key === "applications.new_received.total" && c.value !== null ? { ...c, value: c.value + 1 } : c,
      );
    expect(after.cells).toEqual(expected);
    const again = zfxxgk(["reprocess", "--db", db, "--json"], CHANGE);
    expect(JSON.parse(again.out.trim().split("\n").pop()!)).toMatchObject({ documents: 0 });
  }, 300_000);

  it("importing known bytes that an older extraction read reprocesses them", () => {
    const dir = tempDir();
    writeReports(join(dir, "in"), 2);
    const db = join(dir, "i.sqlite");
    zfxxgk(["import", join(dir, "in"), "--db", db, "-q"]);
    const same = zfxxgk(["import", join(dir, "in"), "--db", db, "--json"]);
    expect(JSON.parse(same.out.trim())).toMatchObject({ unchanged: 2, reprocessed: 0 });
    const newer = zfxxgk(["import", join(dir, "in"), "--db", db, "--json"], CHANGE);
    expect(JSON.parse(newer.out.trim())).toMatchObject({ unchanged: 0, reprocessed: 2, new: 0 });
    const d = new Database(db, { readonly: true });
    expect(d.prepare("SELECT DISTINCT extraction_version FROM documents").pluck().all()).toEqual([
      EXTRACTION_VERSION + 1,
    ]);
    expect(d.prepare("SELECT count(*) FROM cells WHERE key = 'appeals.review.upheld'").pluck().get()).toBe(0);
    d.close();
  }, 120_000);
});

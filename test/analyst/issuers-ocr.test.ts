// An issuer name read by OCR with a misread character joins the one body whose printed name it is that
// close to, keeps what was read, and stays apart where the match is not unambiguous.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { beforeAll, describe, expect, it } from "vitest";
import { editDistance, linkIssuer } from "../../src/analyst/issuers.js";
import { importFiles } from "../../src/import/importer.js";
import { Store } from "../../src/store/store.js";
import { tempDir } from "../helpers.js";
import { corpus } from "./helpers.js";

/** A corpus report (UTF-8) with 江宁市 renamed, written under a new name. */
function renamed(dir: string, file: string, place: string): string {
  const out = join(dir, `${place}-${file}`);
  writeFileSync(out, readFileSync(join(corpus, file), "utf8").replaceAll("江宁市", place));
  return out;
}

let dir: string;
let dbPath: string;

async function load(files: string[]): Promise<void> {
  const store = new Store(dbPath);
  try {
    await importFiles(store, files);
  } finally {
    store.close();
  }
}

function report(db: Database.Database, name: string) {
  return db
    .prepare(
      "SELECT r.id, r.issuer_id, r.current_document_id AS doc FROM reports r WHERE r.issuer_name = ? ORDER BY r.report_year",
    )
    .all(name) as { id: number; issuer_id: number; doc: number }[];
}

/** Marks a report's document as read by OCR (the flag the pipeline gives a scan) and links it again. */
function readByOcr(db: Database.Database, r: { id: number; doc: number }): number | undefined {
  db.prepare(
    "INSERT INTO flags (document_id, code, severity, message) VALUES (?, 'metadata_ocr', 'warning', 'read by OCR')",
  ).run(r.doc);
  return linkIssuer(db, r.id);
}

beforeAll(async () => {
  dir = tempDir("zfxxgk-issuers-ocr-");
  dbPath = join(dir, "issuers.sqlite");
  // 荆江市 printed (2021); 草江市 (2023) is what OCR would read of it; 晴江市 (2022) is printed too,
  // with the same year as nothing else.
  await load([renamed(dir, "jiangning-2021.txt", "荆江市"), renamed(dir, "jiangning-2023.txt", "草江市")]);
}, 120_000);

describe("issuer names read by OCR", () => {
  it("counts edits between names", () => {
    expect(editDistance("草江市人民政府", "荆江市人民政府")).toBe(1);
    expect(editDistance("江宁市", "江宁市人民政府")).toBe(4);
  });

  it("joins a misread name to the one printed name a character away, keeping what was read", () => {
    const db = new Database(dbPath);
    try {
      const [printed] = report(db, "荆江市人民政府");
      const [read] = report(db, "草江市人民政府");
      expect(printed).toBeDefined();
      // Without the OCR flag, two names are two issuers.
      expect(read.issuer_id).not.toBe(printed.issuer_id);
      expect(readByOcr(db, read)).toBe(printed.issuer_id);
      const alias = db
        .prepare("SELECT name, raw_name, reason FROM issuer_aliases WHERE report_id = ?")
        .get(read.id) as { name: string; raw_name: string; reason: string };
      expect(alias.raw_name).toBe("草江市人民政府");
      expect(alias.reason).toMatch(/read by OCR .*荆江市人民政府/);
    } finally {
      db.close();
    }
  });

  it("stays apart when two printed names are that close", async () => {
    await load([renamed(dir, "jiangning-2022.html", "晴江市")]);
    const db = new Database(dbPath);
    try {
      const [read] = report(db, "草江市人民政府");
      const [printed] = report(db, "荆江市人民政府");
      expect(linkIssuer(db, read.id)).not.toBe(printed.issuer_id);
    } finally {
      db.close();
    }
  });
});

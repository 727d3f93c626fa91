// Exports that other tools read right: Parquet schemas from the schema (a filtered and a full export
// agree), CSV that neutralises formula-like text, and XLSX with Chinese text and numeric cells.
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import ExcelJS from "exceljs";
import { parquetMetadata, parquetReadObjects, parquetSchema } from "hyparquet";
import { beforeAll, describe, expect, it } from "vitest";
import { csvField } from "../../src/analyst/export.js";
import { tempDir } from "../helpers.js";
import { corpusFiles, importInto, zfxxgk } from "./helpers.js";

let dir: string;
let db: string;

beforeAll(async () => {
  dir = tempDir("zfxxgk-export2-");
  db = await importInto(corpusFiles(), dir);
}, 120_000);

function arrayBuffer(path: string): ArrayBuffer {
  const b = readFileSync(path);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/** Column names and types as a reader sees them. */
function schemaOf(path: string) {
  return parquetSchema(parquetMetadata(arrayBuffer(path))).children.map((c) => ({
    name: c.element.name,
    type: c.element.type,
    logical: c.element.logical_type?.type ?? c.element.converted_type ?? null,
  }));
}

describe("export", () => {
  it("Parquet: a filtered export and the full export have one schema, so readers can combine them", async () => {
    for (const [view, filter] of [
      ["applications_wide", ["--where", "report=1"]],
      ["cells_long", ["--key", "appeals.review.upheld"]],
      ["report_overview", ["--where", "year=2017"]],
    ] as const) {
      const full = join(dir, `${view}-full.parquet`);
      const part = join(dir, `${view}-part.parquet`);
      expect(zfxxgk(["export", "--format", "parquet", "--view", view, "--out", full, "--db", db]).code).toBe(
        0,
      );
      const r = zfxxgk([
        "export",
        "--format",
        "parquet",
        "--view",
        view,
        ...filter,
        "--out",
        part,
        "--db",
        db,
      ]);
      expect(r.code, r.err).toBe(0);
      expect(schemaOf(part), view).toEqual(schemaOf(full));
      const rows = (await parquetReadObjects({ file: arrayBuffer(part) })) as Record<string, unknown>[];
      expect(rows.length).toBeGreaterThan(0);
    }
    const types = Object.fromEntries(
      schemaOf(join(dir, "cells_long-full.parquet")).map((c) => [c.name, c.type]),
    );
    expect(types).toMatchObject({
      report_id: "INT64",
      value: "DOUBLE",
      key: "BYTE_ARRAY",
      report_year: "INT64",
    });
  }, 120_000);

  it("CSV: text starting with = + - @ is neutralised; numbers are written as they are", () => {
    expect(csvField('=HYPERLINK("http://x")')).toBe('"\'=HYPERLINK(""http://x"")"');
    expect(csvField("+86 10")).toBe("'+86 10");
    expect(csvField("-1")).toBe("'-1");
    expect(csvField("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvField(-3)).toBe("-3");
    expect(csvField("江宁市人民政府")).toBe("江宁市人民政府");
    // Crawled text in the database comes out neutralised.
    const copy = join(dir, "formula.sqlite");
    copyFileSync(db, copy);
    const d = new Database(copy);
    d.prepare("UPDATE reports SET title = '=cmd|'' /C calc''!A0' WHERE id = 1").run();
    d.close();
    const r = zfxxgk([
      "export",
      "--format",
      "csv",
      "--view",
      "report_overview",
      "--where",
      "report=1",
      "--db",
      copy,
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("'=cmd|' /C calc'!A0");
    expect(r.out).not.toMatch(/,=cmd/);
  }, 60_000);

  it("XLSX: Chinese text and numbers as numeric cells, read back by exceljs", async () => {
    const out = join(dir, "applications.xlsx");
    const r = zfxxgk(["export", "--format", "xlsx", "--view", "applications_wide", "--out", out, "--db", db]);
    expect(r.code, r.err).toBe(0);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(out);
    const ws = wb.getWorksheet("applications_wide")!;
    const header = (ws.getRow(1).values as unknown[]).slice(1);
    const d = new Database(db, { readonly: true });
    const rows = d.prepare("SELECT * FROM applications_wide ORDER BY report_id").all() as Record<
      string,
      unknown
    >[];
    d.close();
    expect(ws.rowCount).toBe(rows.length + 1);
    const at = (name: string) => header.indexOf(name) + 1;
    rows.forEach((row, i) => {
      const x = ws.getRow(i + 2);
      expect(x.getCell(at("issuer_name")).value).toBe(row.issuer_name);
      const v = x.getCell(at("new_received__total")).value;
      expect(v ?? null).toBe(row.new_received__total ?? null);
      if (row.new_received__total !== null) expect(typeof v).toBe("number");
    });
    const noOut = zfxxgk(["export", "--format", "xlsx", "--db", db]);
    expect(noOut.code).toBe(2);
  }, 60_000);
});

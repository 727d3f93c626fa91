// `export`: writes an analyst view as CSV (UTF-8 with BOM), JSON, Parquet or XLSX, streaming rows from SQLite.
import { once } from "node:events";
import { closeSync, openSync, writeSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type Database from "better-sqlite3";
import { wideColumn } from "../store/analyst-schema.js";
import { keyCatalog, nearKeys } from "./catalog.js";
import { parseWhere, UsageError } from "./filters.js";
import { CSV_BOM, csvLine, EXPORT_VIEWS, type ExportFormat } from "./formats.js";
import { ensureRegions } from "./regions.js";

export { CSV_BOM, csvField, csvLine, EXPORT_FORMATS, EXPORT_VIEWS, type ExportFormat } from "./formats.js";

export interface ExportOptions {
  format: ExportFormat;
  view?: string;
  where?: string[];
  /** Keys of cells_long: exact or a prefix (applications.new_received). */
  key?: string;
  /** File to write; stdout when omitted (csv and json only). */
  out?: string;
}

type Value = string | number | bigint | null | Buffer;

type ParquetType = "INT32" | "INT64" | "DOUBLE" | "STRING";

const INTEGER_COLUMNS = new Set([
  "report_id",
  "issuer_id",
  "report_year",
  "document_id",
  "has_standard_tables",
  "corrected",
  "page",
  "line",
  "table_index",
  "row_index",
  "col_index",
  "id",
  "active",
  "outdated",
  "first_year",
  "last_year",
  "reports",
]);

let numberColumns: Set<string> | undefined;

/**
 * The Parquet type of a column, from the schema and never from the rows: values (counts, yuan) are
 * DOUBLE, ids, years, flags and positions INT64, everything else STRING. A filtered export and the full
 * export of one view therefore have the same schema and can be read together.
 */
export function parquetType(column: string): ParquetType {
  numberColumns ??= new Set([
    "value",
    "extracted_value",
    "confidence",
    ...keyCatalog().map((k) => wideColumn(k.key)),
  ]);
  if (INTEGER_COLUMNS.has(column)) return "INT64";
  if (numberColumns.has(column)) return "DOUBLE";
  return "STRING";
}

function query(db: Database.Database, opts: ExportOptions): Database.Statement {
  const view = opts.view ?? "cells_long";
  if (!(EXPORT_VIEWS as readonly string[]).includes(view))
    throw new UsageError(`--view ${view}: one of ${EXPORT_VIEWS.join(", ")}`);
  const conds: string[] = [];
  const params: (string | number)[] = [];
  const plain = view === "key_comparability" || view === "corrections" || view === "issuers";
  if (opts.where?.length) {
    if (plain) throw new UsageError(`--where does not apply to ${view}`);
    const w = parseWhere(opts.where);
    conds.push(w.sql);
    params.push(...w.params);
  }
  if (opts.key) {
    if (view !== "cells_long" && view !== "key_comparability" && view !== "corrections")
      throw new UsageError("--key applies to cells_long, key_comparability and corrections");
    const key = opts.key;
    if (!keyCatalog().some((k) => k.key === key || k.key.startsWith(`${key}.`))) {
      const near = nearKeys(key);
      throw new UsageError(
        `unknown key ${key}${near.length ? `; did you mean: ${near.join(", ")}` : ""} (all keys: SELECT key, label FROM key_comparability)`,
      );
    }
    conds.push("(o.key = ? OR o.key LIKE ?)");
    params.push(key, `${key}.%`);
  }
  // cells_long streams in its natural order (report by report): sorting 20 million rows would hold the
  // export back until all were read.
  const order = view === "cells_long" || plain ? "" : " ORDER BY o.report_id";
  return db
    .prepare(`SELECT * FROM ${view} o${conds.length ? ` WHERE ${conds.join(" AND ")}` : ""}${order}`)
    .bind(...params);
}

/** Rows per Parquet row group: about 1,000,000 values, so memory stays bounded at any size. */
function rowGroupRows(columns: number): number {
  return Math.max(1000, Math.floor(1_000_000 / Math.max(1, columns)));
}

/**
 * A full garbage collection, where the runtime allows one: V8 lets garbage pile up to a large share of
 * the machine's memory before it collects, and each Parquet row group leaves tens of megabytes of it.
 */
function collector(): () => void {
  try {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    return typeof gc === "function" ? gc : () => {};
  } catch {
    return () => {};
  }
}

/**
 * Parquet, one row group at a time from column arrays (no object per row): the rows of a group, the
 * file buffer and the footer's metadata are all that is held, so memory stays bounded at any size.
 */
async function writeParquet(stmt: Database.Statement, columns: string[], out: string): Promise<number> {
  // Loaded here only: the Parquet writer is the largest part of `export` and CSV/JSON need none of it.
  const { fileWriter, ParquetWriter, schemaFromColumnData } = await import("hyparquet-writer");
  const types = columns.map(parquetType);
  const group = rowGroupRows(columns.length);
  // No page offset index: the writer keeps each column chunk's index until the footer, which grows with
  // the file (row-group statistics stay, for readers that skip groups).
  const spec = columns.map((name, i) => ({ name, type: types[i], nullable: true, offsetIndex: false }));
  const writer = new ParquetWriter({
    writer: fileWriter(out),
    schema: schemaFromColumnData({ columnData: spec.map((c) => ({ ...c, data: [] })) }),
  });
  let cols: Value[][] = columns.map(() => []);
  let inGroup = 0;
  const gc = collector();
  const flush = () => {
    writer.write({ columnData: spec.map((c, i) => ({ ...c, data: cols[i] })), rowGroupSize: inGroup });
    cols = columns.map(() => []);
    inGroup = 0;
    gc();
  };
  let n = 0;
  for (const row of stmt.raw().iterate() as Iterable<Value[]>) {
    for (let i = 0; i < row.length; i++) {
      const v = row[i];
      const t = types[i];
      cols[i].push(
        v === null
          ? null
          : t === "STRING"
            ? String(v)
            : t === "INT64"
              ? BigInt(typeof v === "number" ? Math.trunc(v) : String(v))
              : Number(v),
      );
    }
    n++;
    if (++inGroup >= group) flush();
  }
  if (inGroup > 0 || n === 0) flush();
  writer.finish();
  return n;
}

/**
 * XLSX through exceljs's streaming writer (rows go to the zip as they are written, so memory stays
 * bounded): numbers are numeric cells, text is stored as inline strings, so Excel and WPS open Chinese
 * and numbers right without an import dialog.
 */
async function writeXlsx(stmt: Database.Statement, columns: string[], out: string, sheet: string) {
  const { default: ExcelJS } = await import("exceljs");
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({
    filename: out,
    useSharedStrings: false,
    useStyles: false,
  });
  const ws = wb.addWorksheet(sheet);
  ws.addRow(columns).commit();
  let n = 0;
  for (const row of stmt.raw().iterate() as Iterable<Value[]>) {
    ws.addRow(row.map((v) => (typeof v === "bigint" ? Number(v) : v))).commit();
    n++;
  }
  ws.commit();
  await wb.commit();
  return n;
}

/**
 * Writes one chunk of an export completely: to a file with synchronous writes until every byte is out,
 * to standard output through its stream, waiting for it to drain. A pipe is non-blocking, so writing it
 * synchronously fails with EAGAIN whenever the reader (a pager, a slow script) falls behind.
 */
async function writeChunk(fd: number | null, chunk: string): Promise<void> {
  if (fd === null) {
    if (!process.stdout.write(chunk)) await once(process.stdout, "drain");
    return;
  }
  const bytes = Buffer.from(chunk);
  for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off);
}

/** Writes the export; returns the number of rows. */
export async function exportData(db: Database.Database, opts: ExportOptions): Promise<number> {
  ensureRegions(db);
  const stmt = query(db, opts);
  const columns = stmt.columns().map((c) => c.name);
  if (opts.format === "parquet" || opts.format === "xlsx") {
    if (!opts.out) throw new UsageError(`--format ${opts.format} needs --out FILE`);
    return opts.format === "parquet"
      ? writeParquet(stmt, columns, opts.out)
      : writeXlsx(stmt, columns, opts.out, opts.view ?? "cells_long");
  }
  const fd = opts.out ? openSync(opts.out, "w") : null;
  let buf = "";
  const flush = async (force = false) => {
    if (buf.length > 1 << 16 || (force && buf.length)) {
      const chunk = buf;
      buf = "";
      await writeChunk(fd, chunk);
    }
  };
  let n = 0;
  try {
    if (opts.format === "csv") {
      buf += CSV_BOM + csvLine(columns);
      for (const row of stmt.raw().iterate() as Iterable<Value[]>) {
        buf += csvLine(row);
        n++;
        await flush();
      }
    } else {
      buf += "[";
      for (const row of stmt.raw().iterate() as Iterable<Value[]>) {
        const o: Record<string, Value> = {};
        row.forEach((v, i) => {
          o[columns[i]] = v;
        });
        buf += `${n === 0 ? "\n" : ",\n"}${JSON.stringify(o)}`;
        n++;
        await flush();
      }
      buf += "\n]\n";
    }
    await flush(true);
  } finally {
    if (fd !== null) closeSync(fd);
  }
  return n;
}

// `export`: writes an analyst view as CSV (UTF-8 with BOM), JSON or Parquet, streaming rows from SQLite.
import { closeSync, openSync, writeSync } from "node:fs";
import type Database from "better-sqlite3";
import { parseWhere, UsageError } from "./filters.js";
import { ensureRegions } from "./regions.js";

export const EXPORT_VIEWS = [
  "cells_long",
  "report_overview",
  "active_wide",
  "applications_wide",
  "appeals_wide",
  "key_comparability",
  "corrections",
] as const;

export type ExportFormat = "csv" | "json" | "parquet";

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

function csvField(v: Value): string {
  if (v === null || v === undefined) return "";
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function query(db: Database.Database, opts: ExportOptions): Database.Statement {
  const view = opts.view ?? "cells_long";
  if (!(EXPORT_VIEWS as readonly string[]).includes(view))
    throw new UsageError(`--view ${view}: one of ${EXPORT_VIEWS.join(", ")}`);
  const conds: string[] = [];
  const params: (string | number)[] = [];
  if (opts.where?.length) {
    if (view === "key_comparability" || view === "corrections")
      throw new UsageError(`--where does not apply to ${view}`);
    const w = parseWhere(opts.where);
    conds.push(w.sql);
    params.push(...w.params);
  }
  if (opts.key) {
    if (view !== "cells_long" && view !== "key_comparability" && view !== "corrections")
      throw new UsageError("--key applies to cells_long, key_comparability and corrections");
    conds.push("(o.key = ? OR o.key LIKE ?)");
    params.push(opts.key, `${opts.key}.%`);
  }
  // cells_long streams in its natural order (report by report): sorting 20 million rows would hold the
  // export back until all were read.
  const order =
    view === "cells_long" || view === "key_comparability" || view === "corrections"
      ? ""
      : " ORDER BY o.report_id";
  return db
    .prepare(`SELECT * FROM ${view} o${conds.length ? ` WHERE ${conds.join(" AND ")}` : ""}${order}`)
    .bind(...params);
}

/** Writes the export; returns the number of rows. */
export async function exportData(db: Database.Database, opts: ExportOptions): Promise<number> {
  ensureRegions(db);
  const stmt = query(db, opts);
  const columns = stmt.columns().map((c) => c.name);
  if (opts.format === "parquet") {
    if (!opts.out) throw new UsageError("--format parquet needs --out FILE");
    // First pass: the type of each column (integers, numbers or text).
    const kind = columns.map(() => ({ text: false, real: false, big: false, any: false }));
    let n = 0;
    for (const row of stmt.raw().iterate() as Iterable<Value[]>) {
      n++;
      row.forEach((v, i) => {
        if (v === null) return;
        kind[i].any = true;
        if (typeof v === "number") {
          if (!Number.isInteger(v)) kind[i].real = true;
          else if (Math.abs(v) > 2 ** 31 - 1) kind[i].big = true;
        } else kind[i].text = true;
      });
    }
    const types = kind.map((k) =>
      k.text || !k.any ? ("STRING" as const) : k.real || k.big ? ("DOUBLE" as const) : ("INT32" as const),
    );
    const rows = (function* () {
      for (const row of stmt.raw().iterate() as Iterable<Value[]>) {
        const o: Record<string, Value> = {};
        row.forEach((v, i) => {
          o[columns[i]] = v === null ? null : types[i] === "STRING" ? String(v) : v;
        });
        yield o;
      }
    })();
    // Loaded here only: the Parquet writer is the largest part of `export` and CSV/JSON need none of it.
    const { fileWriter, parquetWriteRows } = await import("hyparquet-writer");
    await parquetWriteRows({
      writer: fileWriter(opts.out),
      rows,
      columns: columns.map((name, i) => ({ name, type: types[i], nullable: true })),
    });
    return n;
  }
  const fd = opts.out ? openSync(opts.out, "w") : 1;
  let buf = "";
  const flush = (force = false) => {
    if (buf.length > 1 << 16 || (force && buf.length)) {
      writeSync(fd, buf);
      buf = "";
    }
  };
  let n = 0;
  try {
    if (opts.format === "csv") {
      buf += `\uFEFF${columns.map(csvField).join(",")}\r\n`;
      for (const row of stmt.raw().iterate() as Iterable<Value[]>) {
        buf += `${row.map(csvField).join(",")}\r\n`;
        n++;
        flush();
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
        flush();
      }
      buf += "\n]\n";
    }
    flush(true);
  } finally {
    if (opts.out) closeSync(fd);
  }
  return n;
}

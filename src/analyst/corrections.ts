// Human corrections, stored apart from extracted cells and tied to the report so they survive re-import.
import type Database from "better-sqlite3";
import { keyInfo } from "./catalog.js";
import { findReport, type ReportRow, UsageError } from "./filters.js";
import { refreshReportValues } from "./values.js";

export interface CorrectionInput {
  report: string;
  key: string;
  /** A number (in the key's unit: yuan for money), or blank / dash / slash. Omitted with revert. */
  value?: string;
  note: string;
  author?: string;
  revert?: boolean;
}

export interface CorrectionOutcome {
  id: number;
  report: ReportRow;
  key: string;
  status: string;
  value: number | null;
  extracted: { value: number | null; status: string } | null;
  previous: { value: number | null; status: string } | null;
}

export function parseCorrectionValue(raw: string): { value: number | null; status: string } {
  const s = raw.trim().normalize("NFKC");
  if (/^(blank|dash|slash)$/.test(s)) return { value: null, status: s };
  const n = s.replace(/[,，\s]/g, "");
  if (!/^[+-]?\d+(\.\d+)?$/.test(n))
    throw new UsageError(
      `VALUE ${raw}: give a number (in the key's unit; money in yuan) or blank, dash, slash`,
    );
  return { value: Number(n), status: "number" };
}

/**
 * A count is a whole number, never negative except a signed 增减 (items_change); money (amount_yuan, in
 * yuan) is never negative and has at most two decimals (fen).
 */
function checkCorrectionValue(key: string, value: number | null, raw: string): void {
  if (value === null) return;
  if (key.endsWith("amount_yuan")) {
    if (value < 0 || !/^[+]?[\d,，\s]*(?:\.\d{1,2})?$/.test(raw.trim()))
      throw new UsageError(
        `VALUE ${raw}: ${key} is an amount in yuan: not negative, at most two decimals (fen)`,
      );
    return;
  }
  if (!Number.isInteger(value)) throw new UsageError(`VALUE ${raw}: ${key} is a count: give a whole number`);
  if (value < 0 && !key.endsWith(".items_change"))
    throw new UsageError(`VALUE ${raw}: ${key} is a count: it cannot be negative`);
}

export function addCorrection(db: Database.Database, input: CorrectionInput): CorrectionOutcome {
  if (!input.note?.trim()) throw new UsageError("a correction needs --note (why the printed value is wrong)");
  const info = keyInfo(input.key);
  if (!info) throw new UsageError(`unknown key ${input.key} (all keys: SELECT key FROM key_comparability)`);
  if (info.gop2019 !== "printed" && info.gop2021 !== "printed")
    throw new UsageError(
      `${input.key} is derived, never printed; correct the printed cells it is summed from`,
    );
  const report = findReport(db, input.report);
  const presence =
    report.format_version === "GOP2019"
      ? info.gop2019
      : report.format_version === "GOP2021"
        ? info.gop2021
        : undefined;
  if (presence === "absent")
    throw new UsageError(
      `${input.key} does not exist in the ${report.format_version} template of report #${report.report_id} (${info.note})`,
    );
  const extracted = db
    .prepare("SELECT value, status FROM cells WHERE document_id = ? AND key = ?")
    .get(report.document_id, input.key) as { value: number | null; status: string } | undefined;
  const previous = db
    .prepare("SELECT value, status FROM corrections WHERE report_id = ? AND key = ? AND active = 1")
    .get(report.report_id, input.key) as { value: number | null; status: string } | undefined;
  let v: { value: number | null; status: string };
  if (input.revert) {
    if (!previous)
      throw new UsageError(`no active correction of ${input.key} in report #${report.report_id}`);
    v = { value: null, status: "reverted" };
  } else {
    if (input.value === undefined) throw new UsageError("VALUE is required (or --revert)");
    v = parseCorrectionValue(input.value);
    checkCorrectionValue(input.key, v.value, input.value);
  }
  const id = db.transaction(() => {
    db.prepare("UPDATE corrections SET active = 0 WHERE report_id = ? AND key = ? AND active = 1").run(
      report.report_id,
      input.key,
    );
    const id = Number(
      db
        .prepare(`INSERT INTO corrections (report_id, report_identity, key, value, status, note, document_id,
          extracted_value, extracted_status, author, active) VALUES (?,?,?,?,?,?,?,?,?,?,?)`)
        .run(
          report.report_id,
          report.identity,
          input.key,
          v.value,
          v.status,
          input.note.trim(),
          report.document_id,
          extracted?.value ?? null,
          extracted?.status ?? null,
          input.author ?? process.env.USER ?? null,
          input.revert ? 0 : 1,
        ).lastInsertRowid,
    );
    refreshReportValues(db, report.report_id); // the stored effective and derived values
    return id;
  })();
  return {
    id,
    report,
    key: input.key,
    status: v.status,
    value: v.value,
    extracted: extracted ?? null,
    previous: previous ?? null,
  };
}

export interface CorrectionRow {
  id: number;
  report_id: number;
  issuer_name: string | null;
  report_year: number | null;
  key: string;
  value: number | null;
  status: string;
  note: string;
  extracted_value: number | null;
  extracted_status: string | null;
  current_value: number | null;
  current_status: string | null;
  outdated: number;
  active: number;
  author: string | null;
  created_at: string;
}

/** Corrections, newest first; `outdated` when a newer document version was imported since. */
export function listCorrections(db: Database.Database, reportRef?: string): CorrectionRow[] {
  const report = reportRef ? findReport(db, reportRef) : undefined;
  return db
    .prepare(`SELECT k.id, k.report_id, r.issuer_name, r.report_year, k.key, k.value, k.status, k.note,
        k.extracted_value, k.extracted_status, c.value AS current_value, c.status AS current_status,
        k.document_id != r.current_document_id AS outdated, k.active, k.author, k.created_at
      FROM corrections k JOIN reports r ON r.id = k.report_id
      LEFT JOIN cells c ON c.document_id = r.current_document_id AND c.key = k.key
      ${report ? "WHERE k.report_id = ?" : ""} ORDER BY k.id DESC`)
    .all(...(report ? [report.report_id] : [])) as CorrectionRow[];
}

// `show`: one report's tables in template layout, with statuses, rules, flags, corrections and sources.
import type Database from "better-sqlite3";
import { T2_ROWS, versionKeys } from "../normalize/template.js";
import {
  keyCatalog,
  T2_COLUMN_LABEL,
  T3_ALL_COLUMNS,
  T3_COLUMN_LABEL,
  T4_GROUP_LABEL,
  T4_OUTCOME_LABEL,
  t3TemplateRows,
} from "./catalog.js";
import type { CorrectionRow } from "./corrections.js";
import { findReport } from "./filters.js";
import { padEnd, padStart, width } from "./formats.js";
import { ensureRegions, storeRegion } from "./regions.js";

export interface CellView {
  key: string;
  value: number | null;
  status: string;
  raw?: string;
  rawUnit?: string | null;
  corrected?: { note: string; extractedValue: number | null; extractedStatus: string | null };
  derived: boolean;
  rulesFailed: string[];
  flags: string[];
  source?: string;
}

export interface ReportDetail {
  report: Record<string, unknown>;
  rules: { rule: string; status: string; failures: string[] }[];
  flags: { code: string; severity: string; message: string; keys: string[] }[];
  versions: {
    document_id: number;
    status: string;
    origin: string;
    imported_at: string;
    cells: number;
    /** Why this version is or is not current (the store's choice on evidence, or a person's pin). */
    reason: string | null;
  }[];
  cells: Map<string, CellView>;
}

function position(c: {
  page: number | null;
  line: number | null;
  table_index: number | null;
  row_index: number | null;
  col_index: number | null;
}): string {
  const p: string[] = [];
  if (c.page !== null) p.push(`page ${c.page}`);
  if (c.line !== null) p.push(`line ${c.line}`);
  if (c.table_index !== null) p.push(`table ${c.table_index + 1}`);
  if (c.row_index !== null) p.push(`row ${c.row_index + 1}`);
  if (c.col_index !== null) p.push(`col ${c.col_index + 1}`);
  return p.join(", ");
}

export function reportDetail(db: Database.Database, ref: string): ReportDetail {
  ensureRegions(db);
  const r = findReport(db, ref);
  const region = db.prepare("SELECT document_id FROM report_regions WHERE report_id = ?").get(r.report_id) as
    | { document_id: number }
    | undefined;
  // A reader never writes: a region resolved for an older version is shown until the writer refreshes it.
  if (!db.readonly && region?.document_id !== r.document_id) storeRegion(db, r.report_id);
  const report = db.prepare("SELECT * FROM report_overview WHERE report_id = ?").get(r.report_id) as Record<
    string,
    unknown
  >;
  const doc = r.document_id;
  const rules = (
    db
      .prepare("SELECT rule, status, failures FROM check_results WHERE document_id = ? ORDER BY rule")
      .all(doc) as {
      rule: string;
      status: string;
      failures: string;
    }[]
  ).map((x) => ({ ...x, failures: JSON.parse(x.failures) as string[] }));
  const flags = (
    db
      .prepare("SELECT code, severity, message, keys FROM flags WHERE document_id = ? ORDER BY id")
      .all(doc) as {
      code: string;
      severity: string;
      message: string;
      keys: string | null;
    }[]
  ).map((f) => ({ ...f, keys: f.keys ? (JSON.parse(f.keys) as string[]) : [] }));
  const versions = db
    .prepare(
      `SELECT id AS document_id, status, origin, imported_at, version_reason AS reason,
        (SELECT count(*) FROM cell_values v WHERE v.document_id = documents.id) AS cells
      FROM documents WHERE report_id = ? ORDER BY id DESC`,
    )
    .all(r.report_id) as ReportDetail["versions"];

  const cells = new Map<string, CellView>();
  const printed = db
    .prepare(`SELECT c.key, c.value, c.status, c.raw, c.raw_unit, c.source_label, c.page, c.line, c.table_index,
        c.row_index, c.col_index FROM cells c WHERE c.document_id = ?`)
    .all(doc) as {
    key: string;
    value: number | null;
    status: string;
    raw: string;
    raw_unit: string | null;
    source_label: string | null;
    page: number | null;
    line: number | null;
    table_index: number | null;
    row_index: number | null;
    col_index: number | null;
  }[];
  for (const c of printed) {
    const pos = position(c);
    cells.set(c.key, {
      key: c.key,
      value: c.value,
      status: c.status,
      raw: c.raw,
      rawUnit: c.raw_unit,
      derived: false,
      rulesFailed: [],
      flags: [],
      source: [c.source_label ? `「${c.source_label}」` : "", pos].filter(Boolean).join(" "),
    });
  }
  const corrections = db
    .prepare(`SELECT key, value, status, note, extracted_value, extracted_status FROM corrections
      WHERE report_id = ? AND active = 1`)
    .all(r.report_id) as Pick<
    CorrectionRow,
    "key" | "value" | "status" | "note" | "extracted_value" | "extracted_status"
  >[];
  for (const k of corrections) {
    const prev = cells.get(k.key);
    cells.set(k.key, {
      key: k.key,
      value: k.value,
      status: k.status,
      raw: prev?.raw,
      rawUnit: prev?.rawUnit,
      derived: false,
      rulesFailed: [],
      flags: [],
      source: prev?.source,
      corrected: { note: k.note, extractedValue: prev?.value ?? null, extractedStatus: prev?.status ?? null },
    });
  }
  for (const d of db
    .prepare("SELECT key, value, corrected FROM derived_cells WHERE report_id = ?")
    .all(r.report_id) as { key: string; value: number; corrected: number }[]) {
    cells.set(d.key, {
      key: d.key,
      value: d.value,
      status: "derived",
      derived: true,
      rulesFailed: [],
      flags: [],
      source: "derived from printed cells",
    });
  }
  for (const f of flags) {
    const rule = /^(R\d+)_fail$/.exec(f.code)?.[1];
    for (const cell of cells.values()) {
      if (!f.keys.some((k) => cell.key === k || cell.key.startsWith(`${k}.`))) continue;
      if (rule) {
        if (!cell.rulesFailed.includes(rule)) cell.rulesFailed.push(rule);
      } else if (!cell.flags.includes(f.code)) cell.flags.push(f.code);
    }
  }
  return { report, rules, flags, versions, cells };
}

// ---------------------------------------------------------------- rendering

function truncate(s: string, n: number): string {
  if (width(s) <= n) return s;
  let out = "";
  for (const ch of s) {
    if (width(`${out + ch}…`) > n) break;
    out += ch;
  }
  return `${out}…`;
}

/** A cell as shown in the grid: value or status, then marks (* rule failed, c corrected, d derived, ! flagged). */
export function cellText(c: CellView | undefined, expected: boolean): string {
  if (!c) return expected ? "?" : "";
  let v: string;
  if (c.status === "number" || c.status === "derived") v = c.value === null ? "" : String(c.value);
  else if (c.status === "blank") v = "blank";
  else if (c.status === "dash") v = "-";
  else if (c.status === "slash") v = "/";
  else v = c.raw ? truncate(c.raw, 8) : c.status;
  const marks = `${c.rulesFailed.length ? "*" : ""}${c.corrected ? "c" : ""}${c.derived ? "d" : ""}${c.flags.length ? "!" : ""}`;
  return v + marks;
}

function grid(
  title: string,
  header: string[],
  rows: { label: string; cells: string[]; source?: string }[],
): string[] {
  const labelW = Math.max(width(header[0]), ...rows.map((r) => width(r.label)));
  const colW = header
    .slice(1)
    .map((h, i) => Math.max(width(h), ...rows.map((r) => width(r.cells[i] ?? ""))) + 1);
  const out = [
    title,
    `  ${padEnd(header[0], labelW)}${header
      .slice(1)
      .map((h, i) => padStart(h, colW[i] + 1))
      .join("")}`,
  ];
  for (const r of rows) {
    out.push(
      `  ${padEnd(r.label, labelW)}${r.cells.map((c, i) => padStart(c, colW[i] + 1)).join("")}${r.source ? `   ← ${r.source}` : ""}`,
    );
  }
  return out;
}

/** Where a row's values came from: the label as printed and the positions of its cells. */
function rowSource(cells: (CellView | undefined)[]): string | undefined {
  const printed = cells.filter((c): c is CellView => !!c && !c.derived && !!c.source);
  if (printed.length === 0) return undefined;
  const first = printed[0].source ?? "";
  const last = printed[printed.length - 1].source ?? "";
  if (first === last || printed.length === 1) return first;
  // 「label」 line 64 … line 70: the label once, then the first and last positions.
  return `${first} … ${last.replace(/^「[^」]*」\s*/, "")}`;
}

export function renderReport(d: ReportDetail): string {
  const r = d.report;
  const out: string[] = [];
  const version = String(r.format_version);
  const expectedKeys = new Set(version === "GOP2019" || version === "GOP2021" ? versionKeys(version) : []);
  out.push(
    `Report #${r.report_id}  ${r.issuer_name ?? "(issuer unknown)"}  ${r.report_year ?? "----"}  ${version}`,
    `  level ${r.admin_level} · type ${r.issuer_type} · scope ${r.scope} · kind ${r.report_kind}`,
    `  region: ${
      r.region_status === "resolved"
        ? `${r.region_name} (${r.region_code}, ${r.region_level})${r.region_reason && r.region_reason !== "not resolved yet" ? ` — ${r.region_reason}` : ""}`
        : `${r.region_status} — ${r.region_reason}${r.province_name ? ` [known: ${[r.province_name, r.prefecture_name, r.county_name].filter(Boolean).join(" ")}]` : ""}`
    }`,
    `  title: ${r.title ?? "(none)"}`,
    `  document #${r.document_id} (${r.form}) from ${r.origin}`,
  );
  if (d.versions.length > 1 || d.versions.some((v) => v.reason)) {
    out.push("  versions (zfxxgk versions --pin DOC to choose by hand):");
    for (const v of d.versions)
      out.push(
        `    ${v.document_id === r.document_id ? "*" : " "} #${v.document_id} ${v.status} · ${v.cells} cells · ${v.imported_at} · ${v.origin}`,
        `        ${v.reason ?? ""}`,
      );
  }
  out.push(
    `  rules: ${d.rules.map((x) => `${x.rule} ${x.status}${x.failures.length ? ` (${x.failures.join("; ")})` : ""}`).join(" · ") || "none"}`,
  );
  const flagLines = d.flags.filter((f) => !/^R\d+_fail$/.test(f.code));
  if (flagLines.length) {
    out.push("  flags:");
    for (const f of flagLines) out.push(`    [${f.severity}] ${f.code}: ${f.message}`);
  }
  if (!r.has_standard_tables) {
    out.push(
      "",
      "  No standard tables (a free-form or pre-2019 report); its prose is searchable with `zfxxgk search`.",
    );
    return out.join("\n");
  }
  const catalog = keyCatalog();
  const show = (key: string) => d.cells.has(key) || expectedKeys.has(key);

  // Table 2: each block with its own columns.
  out.push("");
  const t2Rows: { label: string; cells: string[]; source?: string }[] = [];
  let lastBlock = "";
  let header: string[] = [];
  const t2Lines: string[] = [];
  const flushT2 = () => {
    if (t2Rows.length)
      t2Lines.push(...grid(`  第二十条第${lastBlock}项`, header, t2Rows.splice(0)).map((l) => `  ${l}`));
  };
  for (const row of T2_ROWS) {
    const keys = catalog
      .filter((k) => k.key.startsWith(`active.${row.block}.${row.row}.`) && show(k.key))
      .map((k) => k.key);
    if (keys.length === 0) continue;
    const block = `（${{ art20_1: "一", art20_5: "五", art20_6: "六", art20_8: "八", art20_9: "九" }[row.block]}）`;
    const cols = keys.map((k) => T2_COLUMN_LABEL[k.split(".").pop()!] ?? k);
    if (block !== lastBlock || cols.join() !== header.slice(1).join()) {
      flushT2();
      lastBlock = block;
      header = ["信息内容", ...cols];
    }
    const cs = keys.map((k) => d.cells.get(k));
    t2Rows.push({
      label:
        row.row === "normative_docs"
          ? "规范性文件"
          : (catalog.find((k) => k.key === keys[0])?.label.split(" × ")[0] ?? row.row),
      cells: keys.map((k, i) => cellText(cs[i], expectedKeys.has(k))),
      source: rowSource(cs),
    });
  }
  flushT2();
  out.push("二、主动公开政府信息情况 (Table 2, active.*)", ...t2Lines);

  // Table 3: template rows (derived subtotals after their groups) × 7 columns + the derived 法人 subtotal.
  out.push("", "三、收到和处理政府信息公开申请情况 (Table 3, applications.<row>.<column>)");
  const t3Rows: { label: string; cells: string[]; source?: string }[] = [];
  for (const { label, keys } of t3TemplateRows(show)) {
    const cs = keys.map((key) => d.cells.get(key));
    t3Rows.push({
      label: truncate(label, 22),
      cells: keys.map((key, i) => cellText(cs[i], expectedKeys.has(key))),
      source: rowSource(cs),
    });
  }
  out.push(...grid("", ["", ...T3_ALL_COLUMNS.map((c) => T3_COLUMN_LABEL[c])], t3Rows).slice(1));

  // Table 4: three groups (and the derived litigation total) × five outcomes.
  out.push("", "四、政府信息公开行政复议、行政诉讼情况 (Table 4, appeals.<group>.<outcome>)");
  const outcomes = ["upheld", "corrected", "other", "pending", "total"];
  const t4Rows = ["review", "litigation_direct", "litigation_after_review", "litigation_total"]
    .map((g) => {
      const keys = outcomes.map((o) => `appeals.${g}.${o}`);
      const cs = keys.map((key) => d.cells.get(key));
      return {
        label: T4_GROUP_LABEL[g],
        cells: keys.map((key, i) => cellText(cs[i], expectedKeys.has(key))),
        source: rowSource(cs),
        any: keys.some(show),
      };
    })
    .filter((x) => x.any);
  out.push(...grid("", ["", ...outcomes.map((o) => T4_OUTCOME_LABEL[o])], t4Rows).slice(1));

  const corrected = [...d.cells.values()].filter((c) => c.corrected);
  if (corrected.length) {
    out.push("", "Corrections (shown in the tables, marked c):");
    for (const c of corrected)
      out.push(
        `  ${c.key}: printed ${c.corrected!.extractedStatus === "number" ? c.corrected!.extractedValue : (c.corrected!.extractedStatus ?? "nothing")} → ${c.status === "number" ? c.value : c.status}; ${c.corrected!.note}`,
      );
  }
  const money = [...d.cells.values()].filter((c) => c.rawUnit && c.rawUnit !== "元" && c.status === "number");
  if (money.length) {
    out.push("", "Money is shown in yuan:");
    for (const c of money) out.push(`  ${c.key}: printed ${c.raw} → ${c.value}`);
  }
  out.push(
    "",
    "Marks: * a failing rule covers the cell · c corrected by hand · d derived (never printed) · ! flagged · ? expected by the template but not found",
    "       blank, -, /: printed empty, dash, slash (never read as 0) · ← where the row was printed",
  );
  return out.join("\n");
}

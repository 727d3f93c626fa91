// The workbench's own read queries: the report list, the review queue, crawl runs, year-over-year diffs and
// document bytes. Everything else (report detail, compare, corrections) goes through src/analyst/.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type Database from "better-sqlite3";
import { parseWhere, UsageError } from "../analyst/filters.js";
import type { CellView } from "../analyst/report-view.js";
import type { RunCounts } from "../crawl/runs.js";
import { REPORT_KIND as REPORT_KIND_SQL } from "../store/analyst-schema.js";

// ---------------------------------------------------------------- report list

export interface ReportFilter {
  issuer?: string;
  region?: string;
  level?: string;
  type?: string;
  year?: string;
  format?: string;
  /** `standard` (has the standard tables) or `none`. */
  tables?: string;
  /** `rules` (a rule fails), `flags` (any flag), `clean` (neither). */
  problems?: string;
  /** Extra `--where` terms, as on the command line. */
  where?: string;
}

export interface ReportListRow {
  report_id: number;
  issuer_name: string | null;
  report_year: number | null;
  format_version: string;
  admin_level: string;
  issuer_type: string;
  region_name: string | null;
  province_name: string | null;
  form: string | null;
  has_standard_tables: number;
  rules_failed: string | null;
  flags: number;
}

export const PAGE_SIZE = 50;

/** The `--where` terms a list filter stands for. */
export function filterTerms(f: ReportFilter): string[] {
  const terms: string[] = [];
  if (f.issuer?.trim()) terms.push(`issuer~${f.issuer.trim()}`);
  if (f.region?.trim()) terms.push(`region~${f.region.trim()}`);
  if (f.level) terms.push(`level=${f.level}`);
  if (f.type) terms.push(`type=${f.type}`);
  if (f.year?.trim()) terms.push(`year=${f.year.trim()}`);
  if (f.format) terms.push(`format=${f.format}`);
  if (f.where?.trim()) terms.push(f.where.trim());
  return terms;
}

/**
 * One page of reports, newest id first, filtered on the server. The list reads the tables directly
 * (report_overview's per-row subqueries would run for every counted row); the `--where` terms keep the
 * command line's meaning because the same aliases (o.*) are mapped onto the same columns.
 */
export function listReports(
  db: Database.Database,
  f: ReportFilter,
  pageNo: number,
): { rows: ReportListRow[]; total: number; pages: number } {
  const where = parseWhere(filterTerms(f));
  const extra: string[] = [];
  if (f.tables === "standard") extra.push("o.has_standard_tables = 1");
  if (f.tables === "none") extra.push("o.has_standard_tables = 0");
  const failing =
    "EXISTS (SELECT 1 FROM check_results x WHERE x.document_id = o.document_id AND x.status = 'fail')";
  const flagged = "EXISTS (SELECT 1 FROM flags g WHERE g.document_id = o.document_id)";
  if (f.problems === "rules") extra.push(failing);
  if (f.problems === "flags") extra.push(flagged);
  if (f.problems === "clean") extra.push(`NOT ${flagged}`);
  const cond = [where.sql, ...extra].join(" AND ");
  // The columns --where names, over the tables themselves. The region join is left out where no term
  // needs it (it cannot change a count: a report has at most one region row), which makes counting
  // 200,000 reports one index scan instead of 200,000 look-ups.
  const needsRegion = /\bo\.(region_|province_|prefecture_|county_|township_)/.test(cond);
  const from = `(SELECT r.id AS report_id, r.issuer_name, r.report_year, r.format_version, r.admin_level,
      r.issuer_type, r.scope, r.has_standard_tables, r.current_document_id AS document_id,
      ${REPORT_KIND_SQL} AS report_kind${
        needsRegion
          ? `, g.region_code, g.region_name, g.region_level, g.province_code, g.province_name, g.prefecture_code,
      g.prefecture_name, g.county_code, g.county_name, g.township_name, IFNULL(g.status, 'unresolved') AS region_status
    FROM reports r LEFT JOIN report_regions g ON g.report_id = r.id) o`
          : " FROM reports r) o"
      }`;
  // Unfiltered, SQLite counts the table with its count optimisation (no row is decoded).
  const total = (
    (cond === "1"
      ? db.prepare("SELECT count(*) AS n FROM reports").get()
      : db.prepare(`SELECT count(*) AS n FROM ${from} WHERE ${cond}`).get(...where.params)) as { n: number }
  ).n;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const p = Math.min(Math.max(1, pageNo), pages);
  // The page's ids first, then their details: the per-row look-ups run for 50 rows, not for every row
  // an OFFSET skips.
  const rows = db
    .prepare(
      `SELECT r.id AS report_id, r.issuer_name, r.report_year, r.format_version, r.admin_level, r.issuer_type,
        g.region_name, g.province_name, d.form, r.has_standard_tables,
        (SELECT group_concat(x.rule, ',') FROM check_results x WHERE x.document_id = r.current_document_id AND x.status = 'fail') AS rules_failed,
        (SELECT count(*) FROM flags f WHERE f.document_id = r.current_document_id) AS flags
      FROM (SELECT o.report_id FROM ${from} WHERE ${cond} ORDER BY o.report_id DESC LIMIT ? OFFSET ?) p
      JOIN reports r ON r.id = p.report_id
      LEFT JOIN report_regions g ON g.report_id = r.id LEFT JOIN documents d ON d.id = r.current_document_id
      ORDER BY r.id DESC`,
    )
    .all(...where.params, PAGE_SIZE, (p - 1) * PAGE_SIZE) as ReportListRow[];
  return { rows, total, pages };
}

/** Distinct values of a few list columns, for the filter menus. */
export function filterChoices(db: Database.Database): Record<string, string[]> {
  const col = (sql: string) =>
    (db.prepare(sql).all() as { v: string | number | null }[]).map((r) => String(r.v ?? "")).filter(Boolean);
  return {
    level: col("SELECT DISTINCT admin_level AS v FROM reports ORDER BY 1"),
    type: col("SELECT DISTINCT issuer_type AS v FROM reports ORDER BY 1"),
    format: col("SELECT DISTINCT format_version AS v FROM reports ORDER BY 1"),
  };
}

// ---------------------------------------------------------------- cell positions

export interface CellPosition {
  key: string;
  page: number | null;
  line: number | null;
  table_index: number | null;
  row_index: number | null;
  col_index: number | null;
  bbox_x: number | null;
  bbox_y: number | null;
  bbox_w: number | null;
  bbox_h: number | null;
}

/** Where each printed cell of a document came from, boxes included (for the source pane). */
export function cellPositions(db: Database.Database, documentId: number): Map<string, CellPosition> {
  const rows = db
    .prepare(
      `SELECT key, page, line, table_index, row_index, col_index, bbox_x, bbox_y, bbox_w, bbox_h
       FROM cells WHERE document_id = ?`,
    )
    .all(documentId) as CellPosition[];
  return new Map(rows.map((r) => [r.key, r]));
}

// ---------------------------------------------------------------- review queue

export interface ReviewItem {
  report_id: number;
  issuer_name: string | null;
  report_year: number | null;
  document_id: number;
  code: string;
  severity: string;
  message: string;
  keys: string[];
  /** The cell to look at first: the first total the flag covers, else its first key. */
  key: string;
  /** Relative size of the disagreement a failing rule prints (|a − b| / max), 0 when none is printed. */
  margin: number;
  score: number;
}

const SEVERITY_WEIGHT: Record<string, number> = { error: 1, warning: 0.5, info: 0.25 };

/** |a − b| / max(|a|, |b|) over the `a ≠ b` and `says a, … prints b` pairs of a rule's message. */
export function failureMargin(message: string): number {
  let best = 0;
  const pairs = [
    ...message.matchAll(/(-?\d+(?:\.\d+)?)\s*≠\s*(?:leaves\s*)?(-?\d+(?:\.\d+)?)/g),
    ...message.matchAll(/says\s*(-?\d+(?:\.\d+)?),\s*table prints\s*(-?\d+(?:\.\d+)?)/g),
  ];
  for (const m of pairs) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    const max = Math.max(Math.abs(a), Math.abs(b));
    if (max > 0) best = Math.max(best, Math.abs(a - b) / max);
  }
  return best;
}

/**
 * Flags and failing rules of the current documents, one item per flag, most important first: a rule
 * that fails by a large margin, on a total, outranks an inferred label. Items whose first cell a human
 * has corrected or confirmed since are left out.
 */
export function reviewQueue(db: Database.Database): ReviewItem[] {
  const rows = db
    .prepare(
      `SELECT r.id AS report_id, r.issuer_name, r.report_year, f.document_id, f.code, f.severity, f.message, f.keys
       FROM flags f JOIN reports r ON r.current_document_id = f.document_id
       WHERE f.keys IS NOT NULL AND f.code NOT IN ('no_standard_tables')`,
    )
    .all() as (Omit<ReviewItem, "keys" | "key" | "margin" | "score"> & { keys: string })[];
  const reviewed = new Set(
    (
      db.prepare("SELECT report_id, key FROM corrections WHERE active = 1").all() as {
        report_id: number;
        key: string;
      }[]
    ).map((c) => `${c.report_id} ${c.key}`),
  );
  const items: ReviewItem[] = [];
  for (const r of rows) {
    const keys = JSON.parse(r.keys) as string[];
    if (keys.length === 0) continue;
    const key = keys.find((k) => k.endsWith(".total")) ?? keys[0];
    if (reviewed.has(`${r.report_id} ${key}`)) continue;
    const rule = /^R\d+_fail$/.test(r.code);
    const margin = rule ? failureMargin(r.message) : 0;
    const score =
      (rule ? 2 : 0) +
      Math.min(1, margin) * 3 +
      (key.endsWith(".total") ? 1 : 0) +
      (SEVERITY_WEIGHT[r.severity] ?? 0);
    items.push({ ...r, keys, key, margin, score });
  }
  return items.sort((a, b) => b.score - a.score || a.report_id - b.report_id);
}

// ---------------------------------------------------------------- crawl runs

export interface CrawlRun extends RunCounts {
  id: number;
  started_at: string;
  ended_at: string | null;
  status: string;
  sources_file: string | null;
  failures: string;
  error: string | null;
}

export function crawlRuns(db: Database.Database, limit = 50): CrawlRun[] {
  return db.prepare("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT ?").all(limit) as CrawlRun[];
}

export function crawlRun(db: Database.Database, id: number): CrawlRun {
  const r = db.prepare("SELECT * FROM crawl_runs WHERE id = ?").get(id) as CrawlRun | undefined;
  if (!r) throw new UsageError(`no crawl run #${id}`);
  return r;
}

/** Documents a run fetched, with the report each became (first fetch of each document in the run). */
export function runDocuments(db: Database.Database, runId: number) {
  return db
    .prepare(
      `SELECT f.url, f.fetched_at, f.size, d.id AS document_id, d.form, d.status, d.error_code,
        r.id AS report_id, r.issuer_name, r.report_year
       FROM crawl_fetches f JOIN documents d ON d.id = f.document_id LEFT JOIN reports r ON r.id = d.report_id
       WHERE f.run_id = ? AND f.id = (SELECT min(id) FROM crawl_fetches x WHERE x.run_id = f.run_id AND x.document_id = f.document_id)
       ORDER BY f.id LIMIT 1000`,
    )
    .all(runId) as {
    url: string;
    fetched_at: string;
    size: number | null;
    document_id: number;
    form: string;
    status: string;
    error_code: string | null;
    report_id: number | null;
    issuer_name: string | null;
    report_year: number | null;
  }[];
}

// ---------------------------------------------------------------- year over year

export interface CellChange {
  key: string;
  before?: CellView;
  after?: CellView;
}

function cellShown(c: CellView | undefined): string {
  if (!c) return "";
  return c.status === "number" || c.status === "derived" ? String(c.value) : c.status;
}

/** Cells whose value or status differs between two reports (a cell only one of them has counts too). */
export function changedCells(a: Map<string, CellView>, b: Map<string, CellView>): CellChange[] {
  const keys = [...new Set([...a.keys(), ...b.keys()])];
  return keys
    .filter((k) => cellShown(a.get(k)) !== cellShown(b.get(k)))
    .map((k) => ({ key: k, before: a.get(k), after: b.get(k) }));
}

export type ParagraphChange =
  | { kind: "same"; text: string }
  | { kind: "added"; text: string }
  | { kind: "removed"; text: string }
  | { kind: "changed"; before: string; after: string };

const bigrams = (s: string) => {
  const out = new Map<string, number>();
  for (let i = 0; i < s.length - 1; i++) out.set(s.slice(i, i + 2), (out.get(s.slice(i, i + 2)) ?? 0) + 1);
  return out;
};

/** Dice similarity of two paragraphs' character bigrams (0..1). */
export function similarity(a: string, b: string): number {
  const x = bigrams(a);
  const y = bigrams(b);
  let common = 0;
  for (const [g, n] of x) common += Math.min(n, y.get(g) ?? 0);
  const total = Math.max(1, a.length - 1) + Math.max(1, b.length - 1);
  return (2 * common) / total;
}

/**
 * Paragraph diff of two prose texts: longest common subsequence of identical paragraphs, then within
 * each run of removed and added paragraphs, pairs at least half similar count as changed.
 */
export function diffParagraphs(before: string, after: string): ParagraphChange[] {
  const split = (s: string) =>
    s
      .split(/\n+/)
      .map((p) => p.trim())
      .filter(Boolean);
  const a = split(before);
  const b = split(after);
  const n = a.length;
  const m = b.length;
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out: ParagraphChange[] = [];
  let removed: string[] = [];
  let added: string[] = [];
  const flush = () => {
    for (const r of removed) {
      const k = added.findIndex((x) => similarity(r, x) >= 0.5);
      if (k >= 0) {
        out.push({ kind: "changed", before: r, after: added[k] });
        added.splice(k, 1);
      } else out.push({ kind: "removed", text: r });
    }
    for (const x of added) out.push({ kind: "added", text: x });
    removed = [];
    added = [];
  };
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      flush();
      out.push({ kind: "same", text: a[i] });
      i++;
      j++;
    } else if (j < m && (i >= n || lcs[i][j + 1] >= lcs[i + 1][j])) added.push(b[j++]);
    else removed.push(a[i++]);
  }
  flush();
  return out;
}

export function prose(db: Database.Database, documentId: number): string {
  return (
    (
      db.prepare("SELECT text FROM prose WHERE document_id = ?").get(documentId) as
        | { text: string }
        | undefined
    )?.text ?? ""
  );
}

export function issuerReports(db: Database.Database, issuer: string) {
  return db
    .prepare(
      "SELECT id AS report_id, report_year, format_version FROM reports WHERE issuer_name = ? AND report_year IS NOT NULL ORDER BY report_year",
    )
    .all(issuer) as { report_id: number; report_year: number; format_version: string }[];
}

export function issuerSuggestions(db: Database.Database, text: string, limit = 20): string[] {
  return (
    db
      .prepare(
        "SELECT DISTINCT issuer_name AS v FROM reports WHERE issuer_name LIKE ? ORDER BY issuer_name LIMIT ?",
      )
      .all(`%${text}%`, limit) as { v: string }[]
  ).map((r) => r.v);
}

// ---------------------------------------------------------------- document bytes

export interface DocumentBytes {
  bytes: Buffer;
  form: string;
  charset: string | null;
  name: string;
}

const EXTENSION: Record<string, string> = { html: "html", text: "txt", pdf: "pdf", docx: "docx", doc: "doc" };

/**
 * A document's original bytes, found by its id only: the kept copy under `<db>.data/` named by its
 * SHA-256, else its origin path if that file still exists and still has the same hash.
 */
export function documentBytes(db: Database.Database, dbPath: string, id: number): DocumentBytes | undefined {
  const d = db.prepare("SELECT sha256, origin, form, charset FROM documents WHERE id = ?").get(id) as
    | { sha256: string; origin: string; form: string; charset: string | null }
    | undefined;
  if (!d || !/^[0-9a-f]{64}$/.test(d.sha256)) return undefined;
  const name = `document-${id}.${EXTENSION[d.form] ?? "bin"}`;
  const kept = join(`${dbPath}.data`, d.sha256.slice(0, 2), d.sha256.slice(2));
  const origins = (
    db.prepare("SELECT origin FROM document_origins WHERE document_id = ?").all(id) as { origin: string }[]
  ).map((o) => o.origin);
  const candidates = [kept, ...[d.origin, ...origins].filter((o) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(o))];
  for (const path of candidates) {
    try {
      if (!existsSync(path) || !statSync(path).isFile()) continue;
      const bytes = readFileSync(path);
      if (createHash("sha256").update(bytes).digest("hex") !== d.sha256) continue;
      return { bytes, form: d.form, charset: d.charset, name };
    } catch {}
  }
  return undefined;
}

// Materialized effective and derived values (migration 6): kept up to date when a report is written,
// corrected or superseded, so that the analyst views read stored rows instead of recomputing them.
import type Database from "better-sqlite3";
import { wideColumn } from "../store/analyst-schema.js";
import { derivedTerms, keyCatalog } from "./catalog.js";

/** The three wide tables behind active_wide, applications_wide and appeals_wide. */
export const WIDE_TABLES = ["active", "applications", "appeals"] as const;
export type WideTable = (typeof WIDE_TABLES)[number];

/** Name of the stored table behind the `<table>_wide` view. */
export const valuesTable = (t: WideTable) => `${t}_values`;

interface Layout {
  /** Keys of each wide table, in column order. */
  keys: Record<WideTable, string[]>;
  /** Derived keys, their term variants, and whether some template prints them. */
  derived: { key: string; variants: string[][]; printed: boolean }[];
}

let layout: Layout | undefined;

function getLayout(): Layout {
  if (layout) return layout;
  const cat = keyCatalog();
  const keys = { active: [], applications: [], appeals: [] } as Record<WideTable, string[]>;
  for (const k of cat) keys[k.table as WideTable].push(k.key);
  const info = new Map(cat.map((k) => [k.key, k]));
  const derived = derivedTerms().map((d) => {
    const k = info.get(d.key);
    return { ...d, printed: !!k && (k.gop2019 === "printed" || k.gop2021 === "printed") };
  });
  layout = { keys, derived };
  return layout;
}

/** CREATE TABLE statements of the three wide value tables (one column per key, no declared type). */
export function valuesTablesSql(): string {
  const { keys } = getLayout();
  return WIDE_TABLES.map(
    (t) => `CREATE TABLE ${valuesTable(t)} (
  report_id       INTEGER PRIMARY KEY REFERENCES reports(id) ON DELETE CASCADE,
  document_id     INTEGER NOT NULL REFERENCES documents(id),   -- the current document the row was computed for
  corrected_keys  TEXT,                                        -- keys of this table with an active correction
${keys[t].map((k) => `  ${wideColumn(k)}`).join(",\n")}
);`,
  ).join("\n");
}

type Cell = { value: unknown; status: string; corrected: boolean };

/** Effective cells of one report: the extracted cells with active corrections applied (and added). */
function effective(
  cells: Iterable<[string, unknown, string]>,
  corrections: [string, unknown, string][],
): Map<string, Cell> {
  const eff = new Map<string, Cell>();
  for (const [key, value, status] of cells) eff.set(key, { value, status, corrected: false });
  for (const [key, value, status] of corrections) eff.set(key, { value, status, corrected: true });
  return eff;
}

const numberOf = (c: Cell | undefined) => (c && c.status === "number" ? c.value : null);

/**
 * Derived values of one report: a variant's sum when every term is a printed (or corrected) number,
 * the first complete variant winning; none where the report has a cell of the key itself.
 */
function derive(eff: Map<string, Cell>): Map<string, { value: number; corrected: boolean }> {
  const out = new Map<string, { value: number; corrected: boolean }>();
  for (const d of getLayout().derived) {
    for (const terms of d.variants) {
      let sum = 0;
      let corrected = false;
      let complete = true;
      for (const t of terms) {
        const c = eff.get(t);
        const v = numberOf(c);
        if (v === null || v === undefined) {
          complete = false;
          break;
        }
        sum += Number(v);
        corrected ||= c!.corrected;
      }
      if (complete) {
        out.set(d.key, { value: sum, corrected });
        break;
      }
    }
  }
  return out;
}

interface Statements {
  upsert: Record<WideTable, Database.Statement>;
  deleteDerived: Database.Statement;
  insertDerived: Database.Statement;
}

const stmtCache = new WeakMap<Database.Database, Statements>();

function statements(db: Database.Database): Statements {
  let s = stmtCache.get(db);
  if (s) return s;
  const { keys } = getLayout();
  const upsert = {} as Record<WideTable, Database.Statement>;
  for (const t of WIDE_TABLES) {
    const cols = ["report_id", "document_id", "corrected_keys", ...keys[t].map(wideColumn)];
    upsert[t] = db.prepare(
      `INSERT OR REPLACE INTO ${valuesTable(t)} (${cols.join(", ")}) VALUES (${cols.map(() => "?").join(",")})`,
    );
  }
  s = {
    upsert,
    deleteDerived: db.prepare("DELETE FROM derived_values WHERE report_id = ?"),
    insertDerived: db.prepare(
      "INSERT INTO derived_values (report_id, key, document_id, value, corrected) VALUES (?,?,?,?,?)",
    ),
  };
  stmtCache.set(db, s);
  return s;
}

/** Writes the stored rows of one report from its effective cells. */
function writeRows(
  db: Database.Database,
  reportId: number,
  documentId: number,
  cells: Iterable<[string, unknown, string]>,
  corrections: [string, unknown, string][],
): void {
  const { keys, derived } = getLayout();
  const st = statements(db);
  const eff = effective(cells, corrections);
  const der = derive(eff);
  const printedDerived = new Set(derived.filter((d) => d.printed).map((d) => d.key));
  for (const t of WIDE_TABLES) {
    const corrected = corrections
      .map(([k]) => k)
      .filter((k) => k.startsWith(`${t}.`))
      .join(" ");
    const row: unknown[] = [reportId, documentId, corrected || null];
    for (const k of keys[t]) {
      // A derived key that some template prints (（六）其他处理) reads the printed number first.
      const printed = numberOf(eff.get(k));
      const d = der.get(k);
      row.push(
        printed !== null && printed !== undefined
          ? printed
          : d && (printedDerived.has(k) || !eff.has(k))
            ? d.value
            : null,
      );
    }
    st.upsert[t].run(...row);
  }
  st.deleteDerived.run(reportId);
  for (const [key, d] of der)
    if (!eff.has(key)) st.insertDerived.run(reportId, key, documentId, d.value, d.corrected ? 1 : 0);
}

/** Recomputes the stored values of one report (after a write, a new version or a correction). */
export function refreshReportValues(db: Database.Database, reportId: number): void {
  const r = db.prepare("SELECT current_document_id FROM reports WHERE id = ?").pluck().get(reportId) as
    | number
    | undefined;
  if (r === undefined) return;
  const cells = db
    .prepare(
      "SELECT k.key, c.value, c.status FROM cell_values c JOIN cell_keys k ON k.id = c.key_id WHERE c.document_id = ?",
    )
    .raw()
    .all(r) as [string, unknown, string][];
  const corrections = db
    .prepare("SELECT key, value, status FROM corrections WHERE report_id = ? AND active = 1")
    .raw()
    .all(reportId) as [string, unknown, string][];
  writeRows(db, reportId, r, cells, corrections);
}

/** Reports whose stored values are missing or were computed for an older document. */
function staleReports(db: Database.Database): number[] {
  return db
    .prepare(`SELECT r.id FROM reports r LEFT JOIN applications_values v ON v.report_id = r.id
      WHERE v.report_id IS NULL OR v.document_id != r.current_document_id ORDER BY r.current_document_id`)
    .pluck()
    .all() as number[];
}

/**
 * Brings every stale report up to date. Many reports (a bulk load, a database from before migration 6)
 * are read in one pass over their cells in document order; a few are refreshed one by one.
 */
export function refreshValues(db: Database.Database, oneByOneBelow = 500): number {
  const stale = staleReports(db);
  if (stale.length === 0) return 0;
  db.transaction(() => {
    if (stale.length < oneByOneBelow) {
      for (const id of stale) refreshReportValues(db, id);
      return;
    }
    const keyOf = new Map(
      (db.prepare("SELECT id, key FROM cell_keys").raw().all() as [number, string][]).map(([i, k]) => [i, k]),
    );
    const corrected = new Map<number, [string, unknown, string][]>();
    for (const [id, key, value, status] of db
      .prepare("SELECT report_id, key, value, status FROM corrections WHERE active = 1")
      .raw()
      .all() as [number, string, unknown, string][])
      corrected.set(id, [...(corrected.get(id) ?? []), [key, value, status]]);
    // Chunks of reports: their cells in one read (better-sqlite3 cannot write while a read is open).
    const read = db.prepare(`SELECT r.id, r.current_document_id, c.key_id, c.value, c.status
      FROM reports r LEFT JOIN cell_values c ON c.document_id = r.current_document_id
      WHERE r.id IN (SELECT value FROM json_each(?)) ORDER BY r.id`);
    for (let i = 0; i < stale.length; i += 2000) {
      const rows = read.raw().all(JSON.stringify(stale.slice(i, i + 2000))) as [
        number,
        number,
        number | null,
        unknown,
        string,
      ][];
      let at = 0;
      while (at < rows.length) {
        const [id, doc] = rows[at];
        const cells: [string, unknown, string][] = [];
        for (; at < rows.length && rows[at][0] === id; at++)
          if (rows[at][2] !== null) cells.push([keyOf.get(rows[at][2]!)!, rows[at][3], rows[at][4]]);
        writeRows(db, id, doc, cells, corrected.get(id) ?? []);
      }
    }
  })();
  return stale.length;
}

// `search`: full-text search over report prose (FTS5 trigram, LIKE for short words) with highlighted snippets.
import type Database from "better-sqlite3";
import { parseWhere, UsageError } from "./filters.js";

export interface SearchHit {
  report_id: number;
  issuer_name: string | null;
  report_year: number | null;
  document_id: number;
  snippet: string;
  matches: number;
}

export interface SearchOptions {
  limit?: number;
  where?: string[];
  /** Highlight markers around each match. */
  open?: string;
  close?: string;
}

const CONTEXT = 24;

function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** A snippet around the first match of any term, every term highlighted (used for short terms). */
export function makeSnippet(text: string, terms: string[], open: string, close: string): string {
  const flat = text.replace(/\s+/g, " ");
  let first = -1;
  for (const t of terms) {
    const i = flat.indexOf(t);
    if (i >= 0 && (first < 0 || i < first)) first = i;
  }
  if (first < 0) return flat.slice(0, CONTEXT * 2);
  const start = Math.max(0, first - CONTEXT);
  const end = Math.min(flat.length, first + CONTEXT * 2);
  let s = flat.slice(start, end);
  const sorted = [...terms].sort((a, b) => b.length - a.length);
  const re = new RegExp(sorted.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g");
  s = s.replace(re, (m) => `${open}${m}${close}`);
  return `${start > 0 ? "…" : ""}${s}${end < flat.length ? "…" : ""}`;
}

/** Hits found by LIKE conditions on the prose, newest report years first. */
function likeSearch(
  db: Database.Database,
  conds: string[],
  params: (string | number)[],
  limit: number,
  terms: string[],
  open: string,
  close: string,
): SearchHit[] {
  return (
    db
      .prepare(`SELECT o.report_id, o.issuer_name, o.report_year, o.document_id, p.text
        FROM prose p JOIN report_overview o ON o.document_id = p.document_id
        WHERE ${conds.join(" AND ")} ORDER BY o.report_year DESC, o.report_id LIMIT ?`)
      .all(...params, limit) as (SearchHit & { text: string })[]
  ).map((r) => {
    const { text, ...rest } = r;
    return { ...rest, snippet: makeSnippet(text, terms, open, close) };
  });
}

/** Reports matched by LIKE conditions on the prose. */
function likeCount(db: Database.Database, conds: string[], params: (string | number)[]): number {
  return db
    .prepare(`SELECT count(*) FROM prose p JOIN report_overview o ON o.document_id = p.document_id
      WHERE ${conds.join(" AND ")}`)
    .pluck()
    .get(...params) as number;
}

/** Hits up to the limit, and the total number of reports that match. */
export interface SearchResult {
  total: number;
  hits: SearchHit[];
}

export function searchProse(db: Database.Database, query: string, opts: SearchOptions = {}): SearchResult {
  const terms = query
    .normalize("NFKC")
    .split(/\s+/)
    .map((t) => t.trim())
    .filter(Boolean);
  if (terms.length === 0) throw new UsageError("search: give some text to look for");
  const open = opts.open ?? "**";
  const close = opts.close ?? "**";
  const long = terms.filter((t) => [...t].length >= 3);
  const short = terms.filter((t) => [...t].length < 3);
  const where = parseWhere(opts.where ?? []);
  const limit = opts.limit ?? 20;
  const conds = [where.sql];
  const params: (string | number)[] = [];
  for (const t of short) {
    conds.push("p.text LIKE ? ESCAPE '\\'");
    params.push(`%${likeEscape(t)}%`);
  }
  let rows: (SearchHit & { text?: string })[];
  let total: number;
  if (long.length > 0) {
    // Trigram FTS: each long term as a phrase, all of them required.
    const match = long.map((t) => `"${t.replaceAll('"', '""')}"`).join(" AND ");
    total = db
      .prepare(`SELECT count(*) FROM prose_fts JOIN prose p ON p.document_id = prose_fts.rowid
        JOIN report_overview o ON o.document_id = p.document_id
        WHERE prose_fts MATCH ? AND ${conds.join(" AND ")}`)
      .pluck()
      .get(match, ...where.params, ...params) as number;
    rows = db
      .prepare(`SELECT o.report_id, o.issuer_name, o.report_year, o.document_id,
          snippet(prose_fts, 0, ?, ?, '…', 24) AS snippet, ${short.length ? "p.text" : "NULL"} AS text
        FROM prose_fts JOIN prose p ON p.document_id = prose_fts.rowid
        JOIN report_overview o ON o.document_id = p.document_id
        WHERE prose_fts MATCH ? AND ${conds.join(" AND ")}
        ORDER BY bm25(prose_fts), o.report_year DESC LIMIT ?`)
      .all(open, close, match, ...where.params, ...params, limit) as (SearchHit & { text?: string })[];
    if (short.length > 0)
      for (const r of rows) {
        r.snippet = makeSnippet(r.text ?? "", terms, open, close);
        delete r.text;
      }
    // While a bulk load runs, the documents it wrote have no search rows yet (they are added at its
    // end): they are matched with LIKE and listed after the indexed hits.
    const bulkFrom = db.prepare("SELECT min(from_document_id) FROM bulk_loads").pluck().get() as
      | number
      | null;
    if (bulkFrom !== null) {
      const likeAll = long.map((t) => `%${likeEscape(t)}%`);
      total += likeCount(
        db,
        [...conds, ...long.map(() => "p.text LIKE ? ESCAPE '\\'"), "p.document_id > ?"],
        [...where.params, ...params, ...likeAll, bulkFrom],
      );
    }
    if (bulkFrom !== null && rows.length < limit) {
      const likeAll = long.map((t) => `%${likeEscape(t)}%`);
      rows.push(
        ...likeSearch(
          db,
          [...conds, ...long.map(() => "p.text LIKE ? ESCAPE '\\'"), "p.document_id > ?"],
          [...where.params, ...params, ...likeAll, bulkFrom],
          limit - rows.length,
          terms,
          open,
          close,
        ),
      );
    }
  } else {
    total = likeCount(db, conds, [...where.params, ...params]);
    rows = likeSearch(db, conds, [...where.params, ...params], limit, terms, open, close);
  }
  for (const r of rows) {
    r.snippet = r.snippet.replace(/\s+/g, " ");
    const text = (
      db.prepare("SELECT text FROM prose WHERE document_id = ?").get(r.document_id) as
        | { text: string }
        | undefined
    )?.text;
    r.matches = text ? terms.reduce((n, t) => n + text.split(t).length - 1, 0) : 0;
  }
  return { total, hits: rows };
}

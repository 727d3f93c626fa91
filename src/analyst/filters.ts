// Filters shared by the analyst commands: `--where` terms, `--years`, and finding a report by id or issuer.
import type Database from "better-sqlite3";

/** `--where` fields and the report_overview columns they filter. */
export const WHERE_FIELDS: Record<string, { column: string; name?: boolean }> = {
  issuer: { column: "o.issuer_name", name: true },
  province: { column: "o.province_name", name: true },
  prefecture: { column: "o.prefecture_name", name: true },
  county: { column: "o.county_name", name: true },
  township: { column: "o.township_name", name: true },
  region: { column: "o.region_name", name: true },
  region_code: { column: "o.region_code" },
  province_code: { column: "o.province_code" },
  prefecture_code: { column: "o.prefecture_code" },
  county_code: { column: "o.county_code" },
  region_status: { column: "o.region_status" },
  level: { column: "o.admin_level" },
  region_level: { column: "o.region_level" },
  kind: { column: "o.report_kind" },
  type: { column: "o.issuer_type" },
  scope: { column: "o.scope" },
  format: { column: "o.format_version" },
  year: { column: "o.report_year" },
  report: { column: "o.report_id" },
};

export class UsageError extends Error {}

export interface SqlFilter {
  sql: string;
  params: (string | number)[];
}

/**
 * Parses `--where` terms: `FIELD=V` (a comma list means any of them; for place names a short form
 * matches too, so province=江苏 finds 江苏省), `FIELD!=V`, `FIELD~TEXT` (contains), `FIELD^=PREFIX`.
 */
export function parseWhere(terms: string[]): SqlFilter {
  const parts: string[] = [];
  const params: (string | number)[] = [];
  for (const term of terms) {
    for (const t of splitTerms(term)) {
      const m = /^\s*([a-z_]+)\s*(!=|\^=|~|=)\s*(.*?)\s*$/.exec(t);
      if (!m)
        throw new UsageError(`--where ${t}: expected FIELD=VALUE, FIELD!=VALUE, FIELD~TEXT or FIELD^=PREFIX`);
      const f = WHERE_FIELDS[m[1]];
      if (!f)
        throw new UsageError(
          `--where ${t}: unknown field ${m[1]} (fields: ${Object.keys(WHERE_FIELDS).join(", ")})`,
        );
      const [, , op, raw] = m;
      if (op === "~") {
        parts.push(`${f.column} LIKE ?`);
        params.push(`%${raw}%`);
      } else if (op === "^=") {
        parts.push(`${f.column} LIKE ?`);
        params.push(`${raw}%`);
      } else {
        const values = raw.split(",").map((v) => v.trim());
        const one = values.map((v) => {
          const num = m[1] === "year" || m[1] === "report" ? Number(v) : v;
          params.push(num);
          if (f.name && typeof num === "string") {
            params.push(`${num}_%`);
            return `(${f.column} = ? OR ${f.column} LIKE ?)`;
          }
          return `${f.column} = ?`;
        });
        const any = one.length === 1 ? one[0] : `(${one.join(" OR ")})`;
        parts.push(op === "!=" ? `NOT IFNULL(${any}, 0)` : any);
      }
    }
  }
  return { sql: parts.length ? parts.join(" AND ") : "1", params };
}

/** `--where "province=江苏省 level=county"` or repeated `--where`; terms are separated by spaces or ' AND '. */
function splitTerms(s: string): string[] {
  return s
    .split(/\s+AND\s+|\s+(?=[a-z_]+\s*(?:!=|\^=|~|=))/i)
    .map((x) => x.trim())
    .filter(Boolean);
}

/** `2019-2024`, `2021`, `2019,2021,2023`. */
export function parseYears(s: string | undefined): number[] | undefined {
  if (!s) return undefined;
  const out = new Set<number>();
  for (const part of s.split(",")) {
    const m = /^\s*(\d{4})\s*(?:[-–]\s*(\d{4}))?\s*$/.exec(part);
    if (!m) throw new UsageError(`--years ${s}: expected YEAR, FROM-TO or a comma list`);
    const a = Number(m[1]);
    const b = m[2] ? Number(m[2]) : a;
    if (b < a || b - a > 100) throw new UsageError(`--years ${s}: bad range`);
    for (let y = a; y <= b; y++) out.add(y);
  }
  return [...out].sort((x, y) => x - y);
}

export interface ReportRow {
  report_id: number;
  identity: string;
  issuer_name: string | null;
  report_year: number | null;
  format_version: string;
  document_id: number;
}

/** Finds a report by id (`12`, `#12`) or by issuer and year (`江宁市人民政府/2023`). */
export function findReport(db: Database.Database, ref: string): ReportRow {
  const sel =
    "SELECT id AS report_id, identity, issuer_name, report_year, format_version, current_document_id AS document_id FROM reports";
  const id = /^#?(\d+)$/.exec(ref.trim());
  if (id) {
    const r = db.prepare(`${sel} WHERE id = ?`).get(Number(id[1])) as ReportRow | undefined;
    if (!r) throw new UsageError(`no report #${id[1]}`);
    return r;
  }
  const m = /^(.+?)\s*[/|:]\s*(\d{4})$/.exec(ref.trim());
  if (!m) throw new UsageError(`REPORT ${ref}: give a report id or ISSUER/YEAR (e.g. 江宁市人民政府/2023)`);
  const exact = db
    .prepare(`${sel} WHERE issuer_name = ? AND report_year = ?`)
    .all(m[1], Number(m[2])) as ReportRow[];
  const rows =
    exact.length > 0
      ? exact
      : (db
          .prepare(`${sel} WHERE issuer_name LIKE ? AND report_year = ?`)
          .all(`%${m[1]}%`, Number(m[2])) as ReportRow[]);
  if (rows.length === 0) throw new UsageError(`no report of ${m[1]} for ${m[2]}`);
  if (rows.length > 1)
    throw new UsageError(
      `${ref} matches ${rows.length} reports: ${rows.map((r) => `#${r.report_id} ${r.issuer_name}`).join(", ")}`,
    );
  return rows[0];
}

// `check`: cross-year rules R7 (carry-over chain) and R8 (stock and flow) per issuer and year, as warnings.
import type Database from "better-sqlite3";
import { T3_COLUMNS } from "../normalize/template.js";
import { parseWhere } from "./filters.js";

export interface CrossYearResult {
  rule: "R7" | "R8";
  issuer: string;
  year: number;
  prevReportId: number;
  reportId: number;
  /** The column (R7) or the row (R8) checked. */
  item: string;
  status: "pass" | "fail" | "unknown";
  message: string;
  expected?: number;
  actual?: number;
}

export interface CheckSummary {
  results: CrossYearResult[];
  counts: Record<"R7" | "R8", Record<"pass" | "fail" | "unknown", number>>;
  /** Issuer-year pairs with a report for t but none for t−1 (nothing to check). */
  gaps: number;
}

type Values = Map<string, { value: number | null; status: string }>;

export function checkCrossYear(db: Database.Database, opts: { where?: string[] } = {}): CheckSummary {
  const where = parseWhere(opts.where ?? []);
  const reports = db
    // Pairs are years of one issuer entity, whatever names its reports used (洪泽区人民政府 and 淮安市洪泽区人民政府).
    .prepare(`SELECT o.report_id, IFNULL(o.issuer, o.issuer_name) AS issuer_name, o.issuer_id, o.report_year,
        o.format_version FROM report_overview o
      WHERE o.issuer_name IS NOT NULL AND o.report_year IS NOT NULL AND o.has_standard_tables = 1 AND ${where.sql}
      ORDER BY IFNULL(o.issuer_id, -o.report_id), o.report_year`)
    .all(...where.params) as {
    report_id: number;
    issuer_name: string;
    issuer_id: number | null;
    report_year: number;
    format_version: string;
  }[];
  const keys = [
    ...T3_COLUMNS.flatMap((c) => [`applications.carried_over.${c}`, `applications.carried_forward.${c}`]),
    ...["rules", "normative_docs"].flatMap((x) =>
      ["issued", "repealed", "in_force"].map((c) => `active.art20_1.${x}.${c}`),
    ),
  ];
  const cellQ = db.prepare(
    `SELECT key, value, status FROM effective_cells WHERE report_id = ? AND key IN (${keys.map(() => "?").join(",")})`,
  );
  const valuesOf = (id: number): Values =>
    new Map(
      (cellQ.all(id, ...keys) as { key: string; value: number | null; status: string }[]).map((r) => [
        r.key,
        { value: r.value, status: r.status },
      ]),
    );
  const results: CrossYearResult[] = [];
  let gaps = 0;
  const num = (v: Values, k: string) => {
    const c = v.get(k);
    return c?.status === "number" && c.value !== null ? c.value : undefined;
  };
  const show = (v: Values, k: string) => {
    const c = v.get(k);
    return c ? (c.status === "number" ? String(c.value) : c.status) : "absent";
  };
  for (let i = 1; i < reports.length; i++) {
    const prev = reports[i - 1];
    const cur = reports[i];
    if (prev.issuer_id === null || prev.issuer_id !== cur.issuer_id) continue;
    if (cur.report_year !== prev.report_year + 1) {
      gaps++;
      continue;
    }
    const a = valuesOf(prev.report_id);
    const b = valuesOf(cur.report_id);
    const base = {
      issuer: cur.issuer_name,
      year: cur.report_year,
      prevReportId: prev.report_id,
      reportId: cur.report_id,
    };
    for (const c of T3_COLUMNS) {
      const fwd = num(a, `applications.carried_forward.${c}`);
      const over = num(b, `applications.carried_over.${c}`);
      const status = fwd === undefined || over === undefined ? "unknown" : fwd === over ? "pass" : "fail";
      results.push({
        ...base,
        rule: "R7",
        item: c,
        status,
        expected: fwd,
        actual: over,
        message: `${c}: 上年结转 ${cur.report_year} = ${show(b, `applications.carried_over.${c}`)}, 结转下年度 ${prev.report_year} = ${show(a, `applications.carried_forward.${c}`)}`,
      });
    }
    // R8 only between two GOP2021-layout Table 2 blocks (the GOP2019 block has no stock column).
    for (const x of ["rules", "normative_docs"]) {
      const k = (c: string) => `active.art20_1.${x}.${c}`;
      if (!a.has(k("in_force")) || !b.has(k("in_force"))) continue;
      const prevStock = num(a, k("in_force"));
      const issued = num(b, k("issued"));
      const repealed = num(b, k("repealed"));
      const stock = num(b, k("in_force"));
      const known = [prevStock, issued, repealed, stock].every((v) => v !== undefined);
      const expected = known ? prevStock! + issued! - repealed! : undefined;
      results.push({
        ...base,
        rule: "R8",
        item: x,
        status: !known ? "unknown" : expected === stock ? "pass" : "fail",
        expected,
        actual: stock,
        message: `${x === "rules" ? "规章" : "规范性文件"}: 现行有效 ${cur.report_year} = ${show(b, k("in_force"))}; ${prev.report_year} 现行有效 ${show(a, k("in_force"))} + 制发 ${show(b, k("issued"))} − 废止 ${show(b, k("repealed"))}${expected !== undefined ? ` = ${expected}` : ""}`,
      });
    }
  }
  const counts = {
    R7: { pass: 0, fail: 0, unknown: 0 },
    R8: { pass: 0, fail: 0, unknown: 0 },
  };
  for (const r of results) counts[r.rule][r.status]++;
  return { results, counts, gaps };
}

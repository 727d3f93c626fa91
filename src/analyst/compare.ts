// `compare`: one key across years (as columns) by issuer, region or administrative level, with the
// comparability check, rule-failure and correction marks, and derived keys computed from printed numbers.
import type Database from "better-sqlite3";
import { derivedTerms, type KeyInfo, keyCatalog, keyInfo, nominalVersion } from "./catalog.js";
import { parseWhere, UsageError } from "./filters.js";
import { refreshRegions } from "./regions.js";

export type CompareBy = "issuer" | "region" | "level";

export interface CompareOptions {
  metric: string;
  by?: CompareBy;
  years?: number[];
  where?: string[];
  /** Report kinds to include: government, government_office, department, township, functional_zone, other, all. */
  kind?: string;
}

export interface CompareCell {
  /** The value, or the sum over the group's reports that print a number. */
  value: number | null;
  /** `number`, `derived`, `blank`, `dash`, `slash`, `text`, `missing` (the report lacks the key) or `mixed`. */
  status: string;
  reports: number;
  numbers: number;
  rulesFailed: string[];
  corrected: boolean;
  derived: boolean;
  reportIds: number[];
}

export interface CompareRow {
  group: string;
  label: string;
  regionCode: string | null;
  regionPath: string | null;
  cells: Record<number, CompareCell>;
}

export interface CompareResult {
  metric: string;
  info: KeyInfo;
  by: CompareBy;
  kind: string;
  years: number[];
  rows: CompareRow[];
  warnings: string[];
  notes: string[];
}

/** Refusal of a key that is not comparable across the years asked; the message explains why. */
export class NotComparableError extends UsageError {}

const LEVEL_ORDER = ["national", "provincial", "prefecture", "county", "township", "unknown"];

/** Checks the key against the versions the years span (report-format.md §5.4). */
export function comparabilityCheck(info: KeyInfo, years: number[]): { refuse?: string; warn?: string } {
  const versions = new Set(years.map(nominalVersion).filter((v) => v !== "PRE2019"));
  const span = years.length ? `${years[0]}–${years[years.length - 1]}` : "all years";
  const missing = [...versions].filter((v) => (v === "GOP2019" ? info.gop2019 : info.gop2021) === "absent");
  if (missing.length > 0) {
    const present = info.gop2019 === "absent" ? "GOP2021" : "GOP2019";
    const ok = years.filter((y) => nominalVersion(y) === present);
    const near = info.nearKey ? keyInfo(info.nearKey) : undefined;
    return {
      refuse:
        `${info.key} (${info.label}) is not comparable across ${span}: ${info.note}\n` +
        `The ${missing.join("/")} template (report years ${missing.includes("GOP2019") ? "2019–2020" : "2021 onward"}) has no such cell. ` +
        (ok.length
          ? `Ask for --years ${ok[0]}-${ok[ok.length - 1]} (${present} years)`
          : `Ask for ${present} years (${present === "GOP2019" ? "2019-2020" : "2021-2024"})`) +
        (near && /near equivalent/.test(info.note)
          ? `, or put it beside ${near.key} (${near.label}) for the other years, with caution.`
          : near
            ? `. Its ${present === "GOP2019" ? "GOP2021" : "GOP2019"} neighbour ${near.key} measures something else.`
            : "."),
    };
  }
  if (info.comparability === "caution" && versions.size > 1)
    return { warn: `${info.key} spans GOP2019 and GOP2021: ${info.note}` };
  return {};
}

interface Row {
  report_id: number;
  document_id: number;
  issuer_name: string | null;
  report_year: number;
  admin_level: string;
  report_kind: string;
  region_code: string | null;
  region_name: string | null;
  province_name: string | null;
  prefecture_name: string | null;
  county_name: string | null;
  region_status: string;
  value: number | null;
  status: string | null;
  corrected: number;
}

function covers(flagKey: string, key: string): boolean {
  return key === flagKey || key.startsWith(`${flagKey}.`);
}

export function compare(db: Database.Database, opts: CompareOptions): CompareResult {
  const info = keyInfo(opts.metric);
  if (!info) {
    const near = keyCatalog()
      .filter(
        (k) => k.key.includes(opts.metric) || opts.metric.includes(k.key.split(".").slice(-2).join(".")),
      )
      .slice(0, 8)
      .map((k) => k.key);
    throw new UsageError(
      `unknown key ${opts.metric}${near.length ? `; did you mean: ${near.join(", ")}` : ""} (all keys: SELECT key, label FROM key_comparability)`,
    );
  }
  const by = opts.by ?? "issuer";
  const kind = opts.kind ?? (by === "issuer" ? "all" : "government");
  refreshRegions(db);
  const where = parseWhere(opts.where ?? []);
  const conds = [where.sql];
  const params: (string | number)[] = [...where.params];
  if (kind !== "all") {
    const kinds = kind.split(",");
    conds.push(`o.report_kind IN (${kinds.map(() => "?").join(",")})`);
    params.push(...kinds);
  }
  if (opts.years) {
    conds.push(`o.report_year BETWEEN ? AND ?`);
    params.push(opts.years[0], opts.years[opts.years.length - 1]);
  } else conds.push("o.report_year >= 2019");

  const years =
    opts.years ??
    (
      db
        .prepare(
          `SELECT DISTINCT o.report_year AS y FROM report_overview o WHERE ${conds.join(" AND ")} ORDER BY 1`,
        )
        .all(...params) as { y: number }[]
    ).map((r) => r.y);
  const check = comparabilityCheck(info, years);
  if (check.refuse) throw new NotComparableError(check.refuse);
  const warnings = check.warn ? [check.warn] : [];
  const notes: string[] = [];

  // Printed (or corrected) cells: one indexed look-up per report.
  const derivedDef = derivedTerms().find((d) => d.key === info.key);
  const printedSomewhere = info.gop2019 === "printed" || info.gop2021 === "printed";
  const sql = `SELECT o.report_id, o.document_id, o.issuer_name, o.report_year, o.admin_level, o.report_kind,
      o.region_code, o.region_name, o.province_name, o.prefecture_name, o.county_name, o.region_status,
      IIF(k.id IS NULL, c.value, k.value) AS value, IIF(k.id IS NULL, c.status, k.status) AS status,
      k.id IS NOT NULL AS corrected
    FROM report_overview o
    LEFT JOIN cells c ON ${printedSomewhere ? "c.document_id = o.document_id AND c.key = ?" : "0"}
    LEFT JOIN corrections k ON k.report_id = o.report_id AND k.key = ? AND k.active = 1
    WHERE ${conds.join(" AND ")}`;
  const rows = db.prepare(sql).all(...(printedSomewhere ? [info.key] : []), info.key, ...params) as Row[];

  // Derived values where nothing is printed.
  if (derivedDef) {
    const need = rows.filter((r) => r.status === null);
    if (need.length > 0) {
      const derived = new Map<number, { value: number; corrected: number }>();
      const q = db.prepare(
        "SELECT report_id, value, corrected FROM derived_cells WHERE key = ? AND report_id = ?",
      );
      for (const r of need) {
        const d = q.get(info.key, r.report_id) as { value: number; corrected: number } | undefined;
        if (d) derived.set(r.report_id, d);
      }
      for (const r of need) {
        const d = derived.get(r.report_id);
        if (d) {
          r.value = d.value;
          r.status = "derived";
          r.corrected = d.corrected;
        }
      }
    }
  }

  // Rule failures covering the key (or, for a derived key, any of its terms).
  const terms = new Set([info.key, ...(derivedDef?.variants.flat() ?? [])]);
  const failed = new Map<number, Set<string>>();
  const docs = new Set(rows.map((r) => r.document_id));
  for (const f of db
    .prepare("SELECT document_id, code, keys FROM flags WHERE code GLOB 'R*_fail' AND keys IS NOT NULL")
    .iterate() as Iterable<{ document_id: number; code: string; keys: string }>) {
    if (!docs.has(f.document_id)) continue;
    const keys = JSON.parse(f.keys) as string[];
    if (keys.some((fk) => [...terms].some((t) => covers(fk, t)))) {
      const set = failed.get(f.document_id) ?? new Set<string>();
      set.add(f.code.replace(/_fail$/, ""));
      failed.set(f.document_id, set);
    }
  }

  // Group.
  let unplaced = 0;
  const groups = new Map<string, CompareRow>();
  for (const r of rows) {
    let group: string;
    let label: string;
    if (by === "issuer") {
      group = r.issuer_name ?? `#${r.report_id}`;
      label = r.issuer_name ?? `(issuer unknown, report #${r.report_id})`;
    } else if (by === "region") {
      if (!r.region_code) {
        unplaced++;
        continue;
      }
      group = r.region_code;
      label = r.region_name ?? r.region_code;
    } else {
      group = r.admin_level;
      label = r.admin_level;
    }
    let row = groups.get(group);
    if (!row) {
      const path = [r.province_name, r.prefecture_name, r.county_name].filter(Boolean);
      row = {
        group,
        label,
        regionCode: by === "level" ? null : r.region_code,
        regionPath: by === "level" || path.length === 0 ? null : [...new Set(path)].join(" "),
        cells: {},
      };
      groups.set(group, row);
    }
    if (!row.cells[r.report_year])
      row.cells[r.report_year] = {
        value: null,
        status: "missing",
        reports: 0,
        numbers: 0,
        rulesFailed: [],
        corrected: false,
        derived: false,
        reportIds: [],
      };
    const cell = row.cells[r.report_year];
    const status = r.status ?? "missing";
    cell.reports++;
    cell.reportIds.push(r.report_id);
    if ((status === "number" || status === "derived") && r.value !== null) {
      cell.value = (cell.value ?? 0) + r.value;
      cell.numbers++;
    }
    if (status === "derived") cell.derived = true;
    if (r.corrected) cell.corrected = true;
    for (const rule of failed.get(r.document_id) ?? [])
      if (!cell.rulesFailed.includes(rule)) cell.rulesFailed.push(rule);
    cell.status = cell.reports === 1 ? status : cell.numbers === cell.reports ? "number" : "mixed";
  }
  if (unplaced > 0)
    notes.push(
      `${unplaced} report${unplaced > 1 ? "s" : ""} without a resolved region ${unplaced > 1 ? "are" : "is"} left out; see region_status and region_reason in report_overview (or compare --by issuer).`,
    );
  if (by !== "issuer" && kind !== "all")
    notes.push(
      `Only ${kind} reports are counted (--kind all adds the others; a place's departments and townships report separately from its government).`,
    );
  const rowsOut = [...groups.values()].sort((a, b) => {
    if (by === "level") return LEVEL_ORDER.indexOf(a.group) - LEVEL_ORDER.indexOf(b.group);
    return (a.regionCode ?? "~").localeCompare(b.regionCode ?? "~") || a.label.localeCompare(b.label, "zh");
  });
  return { metric: info.key, info, by, kind, years, rows: rowsOut, warnings, notes };
}

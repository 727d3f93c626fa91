// `compare`: one key across years (as columns) by issuer, region or administrative level, with the
// comparability check, rule-failure and correction marks, and derived keys computed from printed numbers.
import type Database from "better-sqlite3";
import { REPORT_KIND } from "../store/analyst-schema.js";
import { derivedTerms, type KeyInfo, keyCatalog, keyInfo, nominalVersion } from "./catalog.js";
import { parseWhere, UsageError } from "./filters.js";
import { ensureRegions } from "./regions.js";

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

/** One collator for all comparisons (localeCompare with a locale builds one per call). */
const collator = new Intl.Collator("zh");

/** Shared by every cell without failed rules (never mutated: cells copy before adding). */
const NO_RULES: string[] = [];

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
  region_code: string | null;
  region_name: string | null;
  province_name: string | null;
  prefecture_name: string | null;
  county_name: string | null;
  value: number | null;
  status: string | null;
  corrected: number;
}

function covers(flagKey: string, key: string): boolean {
  return key === flagKey || key.startsWith(`${flagKey}.`);
}

/** Rules whose failure covers one of `keys`, per document (from the R*_fail flags, which are few). */
function failedRules(db: Database.Database, keys: Set<string>): Map<number, Set<string>> {
  const failed = new Map<number, Set<string>>();
  for (const f of db
    .prepare("SELECT document_id, code, keys FROM flags WHERE code GLOB 'R*_fail' AND keys IS NOT NULL")
    .iterate() as Iterable<{ document_id: number; code: string; keys: string }>) {
    const covered = JSON.parse(f.keys) as string[];
    if (covered.some((fk) => [...keys].some((t) => covers(fk, t)))) {
      const set = failed.get(f.document_id) ?? new Set<string>();
      set.add(f.code.replace(/_fail$/, ""));
      failed.set(f.document_id, set);
    }
  }
  return failed;
}

function notesFor(by: CompareBy, kind: string, unplaced: number): string[] {
  const notes: string[] = [];
  if (unplaced > 0)
    notes.push(
      `${unplaced} report${unplaced > 1 ? "s" : ""} without a resolved region ${unplaced > 1 ? "are" : "is"} left out; see region_status and region_reason in report_overview (or compare --by issuer).`,
    );
  if (by !== "issuer" && kind !== "all")
    notes.push(
      `Only ${kind} reports are counted (--kind all adds the others; a place's departments and townships report separately from its government).`,
    );
  return notes;
}

function sortRows(rows: CompareRow[], by: CompareBy): CompareRow[] {
  return rows.sort((a, b) => {
    if (by === "level") return LEVEL_ORDER.indexOf(a.group) - LEVEL_ORDER.indexOf(b.group);
    const ca = a.regionCode ?? "~";
    const cb = b.regionCode ?? "~";
    return ca < cb ? -1 : ca > cb ? 1 : collator.compare(a.label, b.label);
  });
}

/** report_overview without the columns compare never reads (it skips the documents join). */
const REPORTS_LIGHT = `(SELECT r.id AS report_id, r.current_document_id AS document_id, r.issuer_name, r.report_year,
    r.format_version, r.admin_level, r.issuer_type, r.scope, ${REPORT_KIND} AS report_kind, g.region_code,
    g.region_name, g.region_level, g.province_code, g.province_name, g.prefecture_code, g.prefecture_name,
    g.county_code, g.county_name, g.township_code, g.township_name, IFNULL(g.status, 'unresolved') AS region_status
  FROM reports r LEFT JOIN report_regions g ON g.report_id = r.id) o`;

/**
 * A printed key: SQLite joins every report to its cell (one seek in the covering key index), its
 * correction and its failed rules, and groups by issuer, region or level (by issuer in the order of the
 * issuer index, without a sort); each group comes back as one row with its reports as a JSON array.
 */
/** By level: few groups over many reports, so SQLite sums per level and year; no report ids are kept. */
function levelsInSql(
  db: Database.Database,
  info: KeyInfo,
  kind: string,
  askedYears: number[] | undefined,
  conds: string[],
  params: (string | number)[],
  failed: Map<number, Set<string>>,
  corr: boolean,
): CompareResult {
  const sql = `SELECT o.admin_level, o.report_year, SUM(v), COUNT(*), COUNT(v), MAX(st), MAX(corrected),
      GROUP_CONCAT(CASE WHEN o.document_id IN (SELECT value FROM json_each(?)) THEN o.document_id END)
    FROM (SELECT o.admin_level, o.report_year, o.document_id,
        ${corr ? "IIF(k.id IS NULL, c.value, k.value)" : "c.value"} AS v,
        IFNULL(${corr ? "IIF(k.id IS NULL, c.status, k.status)" : "c.status"}, 'missing') AS st,
        ${corr ? "k.id IS NOT NULL" : "0"} AS corrected
      FROM ${REPORTS_LIGHT}
      LEFT JOIN cell_values c INDEXED BY cell_values_key_value
        ON c.key_id = (SELECT id FROM cell_keys WHERE key = ?) AND c.document_id = o.document_id
      ${corr ? "LEFT JOIN corrections k ON k.report_id = o.report_id AND k.key = ? AND k.active = 1" : ""}
      WHERE ${conds.join(" AND ")}) o
    GROUP BY o.admin_level, o.report_year`;
  const out = db
    .prepare(sql)
    .raw()
    .all(JSON.stringify([...failed.keys()]), info.key, ...(corr ? [info.key] : []), ...params) as [
    string,
    number,
    number | null,
    number,
    number,
    string,
    number,
    string | null,
  ][];
  const groups = new Map<string, CompareRow>();
  const seenYears = new Set<number>();
  for (const [level, y, sum, reports, numbers, st, corrected, docs] of out) {
    if (askedYears && !askedYears.includes(y)) continue;
    seenYears.add(y);
    let row = groups.get(level);
    if (!row) {
      row = { group: level, label: level, regionCode: null, regionPath: null, cells: {} };
      groups.set(level, row);
    }
    const rules = new Set<string>();
    for (const d of docs ? docs.split(",") : []) for (const r of failed.get(Number(d)) ?? []) rules.add(r);
    row.cells[y] = {
      value: numbers > 0 ? sum : null,
      status: reports === 1 ? st : numbers === reports ? "number" : "mixed",
      reports,
      numbers,
      rulesFailed: [...rules],
      corrected: corrected === 1,
      derived: false,
      reportIds: [],
    };
  }
  const years = askedYears ?? [...seenYears].sort((a, b) => a - b);
  const check = comparabilityCheck(info, years);
  if (check.refuse) throw new NotComparableError(check.refuse);
  return {
    metric: info.key,
    info,
    by: "level",
    kind,
    years,
    rows: sortRows([...groups.values()], "level"),
    warnings: check.warn ? [check.warn] : [],
    notes: notesFor("level", kind, 0),
  };
}

function compareInSql(
  db: Database.Database,
  info: KeyInfo,
  by: CompareBy,
  kind: string,
  askedYears: number[] | undefined,
  conds: string[],
  params: (string | number)[],
  failed: Map<number, Set<string>>,
): CompareResult {
  // Corrections are rare: join them only when this key has any. Failed rules are matched here by document.
  const corr = !!db.prepare("SELECT 1 FROM corrections WHERE key = ? AND active = 1 LIMIT 1").get(info.key);
  if (by === "level") return levelsInSql(db, info, kind, askedYears, conds, params, failed, corr);
  const group = by === "issuer" ? "o.issuer_name" : "o.region_code";
  const region = (col: string) => (by === "region" ? `MAX(o.${col})` : "NULL");
  const sql = `SELECT ${group} AS grp, ${by === "region" ? "MAX(o.region_name)" : group} AS label,
      MAX(o.region_code) AS code, ${region("province_name")}, ${region("prefecture_name")},
      ${region("county_name")}, COUNT(*) AS n,
      json_group_array(json_array(o.report_year, ${corr ? "IIF(k.id IS NULL, c.value, k.value)" : "c.value"},
        IFNULL(${corr ? "IIF(k.id IS NULL, c.status, k.status)" : "c.status"}, 'missing'),
        ${corr ? "k.id IS NOT NULL" : "0"}, o.document_id, o.report_id)) AS ys
    FROM ${REPORTS_LIGHT}
    LEFT JOIN cell_values c INDEXED BY cell_values_key_value
      ON c.key_id = (SELECT id FROM cell_keys WHERE key = ?) AND c.document_id = o.document_id
    ${corr ? "LEFT JOIN corrections k ON k.report_id = o.report_id AND k.key = ? AND k.active = 1" : ""}
    WHERE ${conds.join(" AND ")}
    GROUP BY ${group}`;
  type Out = [
    string | null,
    string | null,
    string | null,
    string | null,
    string | null,
    string | null,
    number,
    string,
  ];
  const out = db
    .prepare(sql)
    .raw()
    .all(info.key, ...(corr ? [info.key] : []), ...params) as Out[];
  let unplaced = 0;
  const rows: CompareRow[] = [];
  const seenYears = new Set<number>();
  const wanted = askedYears ? new Set(askedYears) : undefined;
  for (const [grp, label, code, prov, pref, county, n, ys] of out) {
    if (grp === null && by === "region") {
      unplaced += n; // reports without a resolved region
      continue;
    }
    const cells: Record<number, CompareCell> = {};
    for (const [y, v, st, corrected, doc, id] of JSON.parse(ys) as [
      number,
      number | null,
      string,
      number,
      number,
      number,
    ][]) {
      if (wanted && !wanted.has(y)) continue;
      seenYears.add(y);
      const rules = failed.get(doc);
      const cell = cells[y];
      if (!cell) {
        // The common case (one report per group and year) allocates one object and one array.
        cells[y] = {
          value: v,
          status: st,
          reports: 1,
          numbers: v === null ? 0 : 1,
          rulesFailed: rules ? [...rules] : NO_RULES,
          corrected: corrected === 1,
          derived: false,
          reportIds: [id],
        };
        continue;
      }
      cell.reports++;
      cell.reportIds.push(id);
      if (v !== null) {
        cell.value = (cell.value ?? 0) + v;
        cell.numbers++;
      }
      if (corrected) cell.corrected = true;
      if (rules)
        for (const rule of rules)
          if (!cell.rulesFailed.includes(rule)) cell.rulesFailed = [...cell.rulesFailed, rule];
      cell.status = cell.numbers === cell.reports ? "number" : "mixed";
    }
    const path = [prov, pref, county].filter((x): x is string => !!x);
    rows.push({
      group: grp ?? "(issuer unknown)",
      label: label ?? (by === "issuer" ? "(issuer unknown)" : (grp ?? "")),
      regionCode: code,
      regionPath: by === "region" && path.length ? [...new Set(path)].join(" ") : null,
      cells,
    });
  }
  const years = askedYears ?? [...seenYears].sort((a, b) => a - b);
  const check = comparabilityCheck(info, years);
  if (check.refuse) throw new NotComparableError(check.refuse);
  return {
    metric: info.key,
    info,
    by,
    kind,
    years,
    rows: sortRows(rows, by),
    warnings: check.warn ? [check.warn] : [],
    notes: notesFor(by, kind, unplaced),
  };
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
  ensureRegions(db);
  const where = parseWhere(opts.where ?? []);
  const conds = [where.sql];
  const params: (string | number)[] = [...where.params];
  if (kind !== "all") {
    const kinds = kind.split(",");
    conds.push(`o.report_kind IN (${kinds.map(() => "?").join(",")})`);
    params.push(...kinds);
  }
  if (opts.years) {
    // Unary + keeps SQLite from walking the year index: a scan in rowid order is faster for most ranges.
    conds.push(`+o.report_year BETWEEN ? AND ?`);
    params.push(opts.years[0], opts.years[opts.years.length - 1]);
  } else conds.push("+o.report_year >= 2019");

  const derivedDef = derivedTerms().find((d) => d.key === info.key);
  const keyIds = !!db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'cell_keys'")
    .get();
  const failed = failedRules(db, new Set([info.key, ...(derivedDef?.variants.flat() ?? [])]));
  if (!derivedDef && keyIds) return compareInSql(db, info, by, kind, opts.years, conds, params, failed);

  // Derived keys (and the old schema): reports, then the key's cells and corrections, joined here.
  const printedSomewhere = info.gop2019 === "printed" || info.gop2021 === "printed";
  const cols =
    by === "issuer"
      ? "o.issuer_name, o.region_code, NULL, NULL, NULL, NULL, NULL"
      : by === "region"
        ? "NULL, o.region_code, o.region_name, o.province_name, o.prefecture_name, o.county_name, NULL"
        : "NULL, NULL, NULL, NULL, NULL, NULL, o.admin_level";
  const raw = db
    .prepare(
      `SELECT o.report_id, o.document_id, o.report_year, ${cols} FROM report_overview o WHERE ${conds.join(" AND ")}`,
    )
    .raw()
    .all(...params) as [number, number, number, ...(string | null)[]][];
  const cellsByDoc = new Map<number, [number | null, string]>();
  if (printedSomewhere) {
    const q = keyIds
      ? db.prepare(
          "SELECT document_id, value, status FROM cell_values WHERE key_id = (SELECT id FROM cell_keys WHERE key = ?)",
        )
      : db.prepare("SELECT document_id, value, status FROM cells WHERE key = ?");
    for (const [doc, value, status] of q.raw().all(info.key) as [number, number | null, string][])
      cellsByDoc.set(doc, [value, status]);
  }
  const corr = new Map(
    (
      db
        .prepare("SELECT report_id, value, status FROM corrections WHERE key = ? AND active = 1")
        .raw()
        .all(info.key) as [number, number | null, string][]
    ).map(([id, v, st]) => [id, [v, st] as [number | null, string]]),
  );
  const rows: Row[] = raw.map(
    ([report_id, document_id, report_year, issuer, code, rname, prov, pref, county, level]) => {
      const k = corr.get(report_id);
      const c = k ?? cellsByDoc.get(document_id);
      return {
        report_id,
        document_id,
        report_year,
        issuer_name: issuer ?? null,
        region_code: code ?? null,
        region_name: rname ?? null,
        province_name: prov ?? null,
        prefecture_name: pref ?? null,
        county_name: county ?? null,
        admin_level: level ?? "",
        value: c ? c[0] : null,
        status: c ? c[1] : null,
        corrected: k ? 1 : 0,
      };
    },
  );
  const years = opts.years ?? [...new Set(rows.map((r) => r.report_year))].sort((a, b) => a - b);
  const check = comparabilityCheck(info, years);
  if (check.refuse) throw new NotComparableError(check.refuse);
  const warnings = check.warn ? [check.warn] : [];
  const notes: string[] = [];

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
  notes.push(...notesFor(by, kind, unplaced));
  const rowsOut = sortRows([...groups.values()], by);
  return { metric: info.key, info, by, kind, years, rows: rowsOut, warnings, notes };
}

// `compare`: one key across years by issuer, region or level, with comparability checks and cell marks.
import type Database from "better-sqlite3";
import { derivedExpr, REPORT_KIND } from "../store/analyst-schema.js";
import { derivedTerms, type KeyInfo, keyInfo, nearKeys, nominalVersion } from "./catalog.js";
import { parseWhere, UsageError } from "./filters.js";
import { ensureRegions } from "./regions.js";

export type CompareBy = "issuer" | "region" | "level";

export interface CompareOptions {
  metric: string;
  by?: CompareBy;
  /** `--by region`: keep each issuer type apart (default), or sum all types of a place. */
  mergeTypes?: boolean;
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
  /** Issuers (issuers.id) of those reports; a change is computed only between cells of one issuer. */
  issuerIds: number[];
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
  /** `--by region`: rows are one place and issuer type each (the type is after `|` in the group). */
  types?: boolean;
  /** Set for `--ratio`: each cell is numerator ÷ denominator. */
  ratio?: { numerator: string; denominator: string };
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
  issuer_id: number | null;
  issuer_type: string | null;
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

const COVERING_HINT = "INDEXED BY cell_values_key_value";

/**
 * Runs a query that forces the covering key index (SQLite prefers the table's primary key, one random
 * page per report) with COVERING_HINT, returning its raw rows; where the index is absent (a database
 * created before it existed, or a bulk load in another process, which drops it for its duration) the
 * planner chooses. The index can go between preparing and running the statement (the bulk load starts
 * in between), so a run that finds it gone runs again without the hint.
 */
function allCovering(db: Database.Database, sql: string, params: unknown[]): unknown[] {
  const plain = () =>
    db
      .prepare(sql.replace(COVERING_HINT, ""))
      .raw()
      .all(...params);
  const missingIndex = (e: unknown) =>
    sql.includes(COVERING_HINT) && /no such index/.test((e as Error).message);
  try {
    return db
      .prepare(sql)
      .raw()
      .all(...params);
  } catch (e) {
    if (!missingIndex(e)) throw e;
    return plain();
  }
}

/**
 * Cells of one compare result held column-wise (typed arrays), so that a query over 100,000 reports
 * allocates no object per cell; a row's cells are built when first read.
 */
class CellGrid {
  readonly value: Float64Array;
  readonly reports: Uint32Array;
  readonly numbers: Uint32Array;
  readonly corrected: Uint8Array;
  readonly firstId: Float64Array;
  readonly statuses = new Map<number, string>();
  readonly rules = new Map<number, string[]>();
  readonly moreIds = new Map<number, number[]>();
  constructor(
    rows: number,
    readonly years: number[],
    readonly issuerOf: Map<number, number>,
  ) {
    const n = rows * years.length;
    this.value = new Float64Array(n);
    this.reports = new Uint32Array(n);
    this.numbers = new Uint32Array(n);
    this.corrected = new Uint8Array(n);
    this.firstId = new Float64Array(n);
  }

  /** Adds one report's cell; `st` is null for a number (statuses are kept only where they say more). */
  add(
    at: number,
    v: number | null,
    st: string | null,
    corrected: boolean,
    rules: Set<string> | undefined,
    id: number,
  ) {
    const n = ++this.reports[at];
    if (n === 1) this.firstId[at] = id;
    else this.moreIds.set(at, [...(this.moreIds.get(at) ?? []), id]);
    if (v !== null) {
      this.value[at] += v;
      this.numbers[at]++;
    }
    if (n === 1) {
      if (st !== null) this.statuses.set(at, st);
    } else this.statuses.set(at, this.numbers[at] === n ? "number" : "mixed");
    if (corrected) this.corrected[at] = 1;
    if (rules) this.rules.set(at, [...new Set([...(this.rules.get(at) ?? []), ...rules])]);
  }

  cellsOf(row: number): Record<number, CompareCell> {
    const out: Record<number, CompareCell> = {};
    this.years.forEach((y, i) => {
      const at = row * this.years.length + i;
      const reports = this.reports[at];
      if (reports === 0) return;
      out[y] = {
        value: this.numbers[at] > 0 ? this.value[at] : null,
        status: this.statuses.get(at) ?? "number",
        reports,
        numbers: this.numbers[at],
        rulesFailed: this.rules.get(at) ?? [],
        corrected: this.corrected[at] === 1,
        derived: false,
        reportIds: [this.firstId[at], ...(this.moreIds.get(at) ?? [])],
        issuerIds: [],
      };
      out[y].issuerIds = issuersOf(out[y].reportIds, this.issuerOf);
    });
    return out;
  }
}

function issuersOf(reportIds: number[], issuerOf: Map<number, number>): number[] {
  return [...new Set(reportIds.map((id) => issuerOf.get(id) ?? -id))];
}

/** A compare row whose cells live in a CellGrid until read. */
class GridRow implements CompareRow {
  private built?: Record<number, CompareCell>;
  constructor(
    readonly group: string,
    readonly label: string,
    readonly regionCode: string | null,
    readonly regionPath: string | null,
    private readonly grid: CellGrid,
    private readonly index: number,
  ) {}
  get cells(): Record<number, CompareCell> {
    this.built ??= this.grid.cellsOf(this.index);
    return this.built;
  }
}

/** A cell status for the JSON payload: null for a number (the common case), 'missing' for no cell. */
function statusExpr(st: string): string {
  return `CASE WHEN ${st} IS NULL THEN 'missing' WHEN ${st} = 'number' THEN NULL ELSE ${st} END`;
}

/** report_overview without the columns compare never reads: no documents join, regions only if used. */
function reportsLight(withRegions: boolean): string {
  const region = withRegions
    ? `g.region_code, g.region_name, g.region_level, g.province_code, g.province_name, g.prefecture_code,
    g.prefecture_name, g.county_code, g.county_name, g.township_code, g.township_name,
    IFNULL(g.status, 'unresolved') AS region_status`
    : "NULL AS region_code";
  return `(SELECT r.id AS report_id, r.current_document_id AS document_id, r.issuer_name, r.issuer_id,
    (SELECT i.canonical_name FROM issuers i WHERE i.id = r.issuer_id) AS issuer, r.report_year,
    r.format_version, r.admin_level, r.issuer_type, r.scope, ${REPORT_KIND} AS report_kind, ${region}
  FROM reports r ${withRegions ? "LEFT JOIN report_regions g ON g.report_id = r.id" : ""}) o`;
}

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
      FROM ${reportsLight(/o\.(region|province|prefecture|county|township)_/.test(conds.join(" ")))}
      LEFT JOIN cell_values c ${COVERING_HINT}
        ON c.key_id = (SELECT id FROM cell_keys WHERE key = ?) AND c.document_id = o.document_id
      ${corr ? "LEFT JOIN corrections k ON k.report_id = o.report_id AND k.key = ? AND k.active = 1" : ""}
      WHERE ${conds.join(" AND ")}) o
    GROUP BY o.admin_level, o.report_year`;
  const out = allCovering(db, sql, [
    JSON.stringify([...failed.keys()]),
    info.key,
    ...(corr ? [info.key] : []),
    ...params,
  ]) as [string, number, number | null, number, number, string, number, string | null][];
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
      issuerIds: [],
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

/**
 * A printed key by issuer or region: SQLite joins every report to its cell (one seek in the covering
 * key index), and groups in the order of the issuer (or region) index, so no sort; each group comes back
 * as one row with its reports as a JSON array, and the cells go into typed arrays.
 */
function compareInSql(
  db: Database.Database,
  info: KeyInfo,
  by: CompareBy,
  kind: string,
  askedYears: number[] | undefined,
  conds: string[],
  params: (string | number)[],
  failed: Map<number, Set<string>>,
  mergeTypes: boolean,
): CompareResult {
  // Corrections are rare: join them only when this key has any. Failed rules are matched here by document.
  const corr = !!db.prepare("SELECT 1 FROM corrections WHERE key = ? AND active = 1 LIMIT 1").get(info.key);
  if (by === "level") return levelsInSql(db, info, kind, askedYears, conds, params, failed, corr);
  const withRegions =
    by === "region" || /o\.(region|province|prefecture|county|township)_/.test(conds.join(" "));
  const candidates =
    askedYears ??
    (
      db
        .prepare("SELECT DISTINCT report_year AS y FROM reports WHERE report_year >= 2019 ORDER BY 1")
        .all() as {
        y: number;
      }[]
    ).map((r) => r.y);
  // Year → column, as an array lookup (this runs once per report).
  const minYear = candidates.length ? candidates[0] : 0;
  const yearAt = new Int16Array(candidates.length ? candidates[candidates.length - 1] - minYear + 1 : 0).fill(
    -1,
  );
  candidates.forEach((y, i) => {
    yearAt[y - minYear] = i;
  });
  const group =
    by === "issuer"
      ? "IFNULL(o.issuer_id, -o.report_id)"
      : mergeTypes
        ? "o.region_code"
        : "o.region_code || '|' || o.issuer_type";
  const region = (col: string) => (by === "region" ? `MAX(o.${col})` : "NULL");
  const sql = `SELECT ${group} AS grp, ${by === "region" ? "MAX(o.region_name)" : "MAX(IFNULL(o.issuer, o.issuer_name))"} AS label,
      MAX(o.region_code) AS code, ${region("province_name")}, ${region("prefecture_name")},
      ${region("county_name")}, COUNT(*) AS n,
      json_group_array(json_array(o.report_year, o.report_id, ${corr ? "IIF(k.id IS NULL, c.value, k.value)" : "c.value"},
        ${statusExpr(corr ? "IIF(k.id IS NULL, c.status, k.status)" : "c.status")}, ${corr ? "k.id IS NOT NULL" : "0"}, o.issuer_id)) AS ys
    FROM ${reportsLight(withRegions)}
    LEFT JOIN cell_values c ${COVERING_HINT}
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
  const out = allCovering(db, sql, [info.key, ...(corr ? [info.key] : []), ...params]) as Out[];
  // Failed rules are keyed by document; the payload carries report ids.
  const failedByReport = new Map<number, Set<string>>();
  if (failed.size > 0)
    for (const [id, doc] of db
      .prepare(
        "SELECT id, current_document_id FROM reports WHERE current_document_id IN (SELECT value FROM json_each(?))",
      )
      .raw()
      .all(JSON.stringify([...failed.keys()])) as [number, number][])
      failedByReport.set(id, failed.get(doc)!);
  const anyFailed = failedByReport.size > 0;
  let unplaced = 0;
  const issuerOf = new Map<number, number>();
  const grid = new CellGrid(out.length, candidates, issuerOf);
  const rows: CompareRow[] = [];
  const seen = new Uint8Array(candidates.length);
  const width = candidates.length;
  for (const [grp, label, code, prov, pref, county, n, ys] of out) {
    if (grp === null && by === "region") {
      unplaced += n; // reports without a resolved region
      continue;
    }
    const index = rows.length;
    // [year, report id, value, status (null for number), corrected, issuer]: small, since 100,000 cross here.
    for (const [y, id, v, st, corrected, issuer] of JSON.parse(ys) as [
      number,
      number,
      number | null,
      string | null,
      number,
      number | null,
    ][]) {
      if (issuer !== null) issuerOf.set(id, issuer);
      const yi = y >= minYear && y - minYear < yearAt.length ? yearAt[y - minYear] : -1;
      if (yi < 0) continue;
      seen[yi] = 1;
      grid.add(
        index * width + yi,
        v,
        st,
        corrected === 1,
        anyFailed ? failedByReport.get(id) : undefined,
        id,
      );
    }
    const path = [prov, pref, county].filter((x): x is string => !!x);
    rows.push(
      new GridRow(
        grp === null ? "(issuer unknown)" : String(grp),
        label ?? (by === "issuer" ? "(issuer unknown)" : (grp ?? "")),
        code,
        by === "region" && path.length ? [...new Set(path)].join(" ") : null,
        grid,
        index,
      ),
    );
  }
  const years = askedYears ?? candidates.filter((_, i) => seen[i]);
  const check = comparabilityCheck(info, years);
  if (check.refuse) throw new NotComparableError(check.refuse);
  return {
    metric: info.key,
    info,
    by,
    kind,
    years,
    rows: by === "issuer" ? rows.sort((a, b) => collator.compare(a.label, b.label)) : rows,
    types: by === "region" && !mergeTypes,
    warnings: check.warn ? [check.warn] : [],
    notes: notesFor(by, kind, unplaced),
  };
}

export function compare(db: Database.Database, opts: CompareOptions): CompareResult {
  const info = keyInfo(opts.metric);
  if (!info) {
    const near = nearKeys(opts.metric);
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
  const mergeTypes = by === "region" && opts.mergeTypes === true;
  if (!derivedDef && keyIds)
    return compareInSql(db, info, by, kind, opts.years, conds, params, failed, mergeTypes);

  // Derived keys (and the old schema): reports, then the key's cells and corrections, joined here.
  const printedSomewhere = info.gop2019 === "printed" || info.gop2021 === "printed";
  const cols =
    by === "issuer"
      ? "o.issuer_name, o.region_code, NULL, NULL, NULL, NULL, NULL, o.issuer_id, o.issuer_type, o.issuer"
      : by === "region"
        ? "NULL, o.region_code, o.region_name, o.province_name, o.prefecture_name, o.county_name, NULL, o.issuer_id, o.issuer_type, NULL"
        : "NULL, NULL, NULL, NULL, NULL, NULL, o.admin_level, o.issuer_id, o.issuer_type, NULL";
  const raw = db
    .prepare(
      `SELECT o.report_id, o.document_id, o.report_year, ${cols} FROM report_overview o WHERE ${conds.join(" AND ")}`,
    )
    .raw()
    .all(...params) as [number, number, number, ...(string | number | null)[]][];
  const canonical = new Map<number, string>();
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
    ([
      report_id,
      document_id,
      report_year,
      issuer,
      code,
      rname,
      prov,
      pref,
      county,
      level,
      iid,
      itype,
      iname,
    ]) => {
      const k = corr.get(report_id);
      const c = k ?? cellsByDoc.get(document_id);
      if (typeof iid === "number" && typeof iname === "string") canonical.set(iid, iname);
      return {
        report_id,
        document_id,
        report_year,
        issuer_id: (iid as number | null) ?? null,
        issuer_type: (itype as string | null) ?? null,
        issuer_name: (issuer as string | null) ?? null,
        region_code: (code as string | null) ?? null,
        region_name: (rname as string | null) ?? null,
        province_name: (prov as string | null) ?? null,
        prefecture_name: (pref as string | null) ?? null,
        county_name: (county as string | null) ?? null,
        admin_level: (level as string | null) ?? "",
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
      // One query: each report's terms summed where all are numbers (the wide views' expression).
      const terms = [...new Set(derivedDef.variants.flat())];
      const derived = new Map(
        (
          db
            .prepare(`SELECT o.report_id, ${derivedExpr(info.key)} AS v,
                EXISTS (SELECT 1 FROM corrections k WHERE k.report_id = o.report_id AND k.active = 1
                  AND k.key IN (SELECT value FROM json_each(?))) AS corrected
              FROM ${reportsLight(true)} WHERE o.report_id IN (SELECT value FROM json_each(?))`)
            .raw()
            .all(JSON.stringify(terms), JSON.stringify(need.map((r) => r.report_id))) as [
            number,
            number | null,
            number,
          ][]
        )
          .filter(([, v]) => v !== null)
          .map(([id, v, corrected]) => [id, { value: v as number, corrected }]),
      );
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
      group = r.issuer_id !== null ? `i${r.issuer_id}` : `#${r.report_id}`;
      label =
        (r.issuer_id !== null ? canonical.get(r.issuer_id) : undefined) ??
        r.issuer_name ??
        `(issuer unknown, report #${r.report_id})`;
    } else if (by === "region") {
      if (!r.region_code) {
        unplaced++;
        continue;
      }
      group = mergeTypes ? r.region_code : `${r.region_code}|${r.issuer_type}`;
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
        issuerIds: [],
      };
    const cell = row.cells[r.report_year];
    const issuerKey = r.issuer_id ?? -r.report_id;
    if (!cell.issuerIds.includes(issuerKey)) cell.issuerIds.push(issuerKey);
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
  return {
    metric: info.key,
    info,
    by,
    kind,
    years,
    rows: rowsOut,
    warnings,
    notes,
    types: by === "region" && !mergeTypes,
  };
}

/** A key or a short form: `granted` → applications.result.granted.total, `new_received` → applications.new_received.total. */
export function expandKey(s: string): string {
  const k = s.trim();
  for (const c of [
    k,
    `applications.${k}.total`,
    `applications.result.${k}.total`,
    `appeals.${k}.total`,
    `applications.${k}`,
  ])
    if (keyInfo(c)) return c;
  throw new UsageError(
    `unknown key ${k} in --ratio (give canonical keys, or short forms such as granted, new_received)`,
  );
}

const WORSE: Record<string, number> = { comparable: 0, caution: 1, not_comparable: 2 };

/**
 * `--ratio NUM/DEN`: both keys compared with the same options and grouping, then divided cell by cell.
 * A cell has a ratio only when every report in it printed both numbers and the denominator is not 0;
 * otherwise it says why (blank, missing, zero, mixed).
 */
export function compareRatio(db: Database.Database, opts: CompareOptions & { ratio: string }): CompareResult {
  const parts = opts.ratio.split("/");
  if (parts.length !== 2)
    throw new UsageError(`--ratio ${opts.ratio}: expected NUMERATOR/DENOMINATOR, e.g. granted/new_received`);
  const [a, b] = parts.map(expandKey);
  const num = compare(db, { ...opts, metric: a });
  const den = compare(db, { ...opts, metric: b });
  const years = [...new Set([...num.years, ...den.years])].sort((x, y) => x - y);
  const denRows = new Map(den.rows.map((r) => [r.group, r]));
  const rows: CompareRow[] = num.rows.map((r) => {
    const d = denRows.get(r.group);
    const cells: Record<number, CompareCell> = {};
    for (const y of years) {
      const n = r.cells[y];
      const m = d?.cells[y];
      if (!n && !m) continue;
      const whole = (c: CompareCell | undefined) =>
        !!c && c.numbers > 0 && c.numbers === c.reports && c.value !== null;
      const ok = whole(n) && whole(m) && m!.value !== 0;
      const status = ok
        ? "ratio"
        : !n || !m
          ? "missing"
          : whole(m) && m.value === 0
            ? "zero"
            : !whole(n)
              ? n.status
              : m.status;
      cells[y] = {
        value: ok ? n!.value! / m!.value! : null,
        status,
        reports: Math.max(n?.reports ?? 0, m?.reports ?? 0),
        numbers: ok ? 1 : 0,
        rulesFailed: [...new Set([...(n?.rulesFailed ?? []), ...(m?.rulesFailed ?? [])])],
        corrected: !!(n?.corrected || m?.corrected),
        derived: !!(n?.derived || m?.derived),
        reportIds: [...new Set([...(n?.reportIds ?? []), ...(m?.reportIds ?? [])])],
        issuerIds: [...new Set([...(n?.issuerIds ?? []), ...(m?.issuerIds ?? [])])],
      };
    }
    return { group: r.group, label: r.label, regionCode: r.regionCode, regionPath: r.regionPath, cells };
  });
  const comparability =
    WORSE[num.info.comparability] >= WORSE[den.info.comparability]
      ? num.info.comparability
      : den.info.comparability;
  return {
    ...num,
    metric: `${a}/${b}`,
    ratio: { numerator: a, denominator: b },
    info: { ...num.info, key: `${a}/${b}`, label: `${num.info.label} ÷ ${den.info.label}`, comparability },
    years,
    rows,
    warnings: [...new Set([...num.warnings, ...den.warnings])],
    notes: [...new Set([...num.notes, ...den.notes])],
  };
}

// The canonical report record, validated before anything is stored: by checks written out here, and by
// zod for the full account of a report that fails them.
import { createRequire } from "node:module";
import type { z as Zod } from "zod";
import { DocumentError } from "../extractors/errors.js";

const CELL_KEY = /^(active|applications|appeals)\.[a-z0-9_.]+$/;

// The values each field allows, shared by the zod schema and the direct checks.
const CELL_STATUSES = ["number", "blank", "dash", "slash", "text"] as const;
const UNITS = ["count", "yuan"] as const;
const RAW_UNITS = ["万元", "元", "亿元", "none", "unknown"] as const;
const SIGNS = ["+", "-"] as const;
const SEVERITIES = ["info", "warning", "error"] as const;
const RULES = ["R1", "R2", "R3", "R5", "R12"] as const;
const RULE_STATUSES = ["pass", "fail", "unknown"] as const;
const FORMAT_VERSIONS = ["GOP2019", "GOP2021", "HYBRID", "PRE2019", "UNKNOWN"] as const;
const YEAR_SOURCES = ["period", "title", "text", "none"] as const;
const ADMIN_LEVELS = ["national", "provincial", "prefecture", "county", "township", "unknown"] as const;
const ISSUER_TYPES = [
  "people_government",
  "government_office",
  "department",
  "town_street",
  "functional_zone",
  "unknown",
] as const;
const SCOPES = ["self", "aggregate", "ambiguous"] as const;

function schemas(z: typeof Zod) {
  const cellSchema = z.object({
    key: z.string().regex(CELL_KEY),
    value: z.number().finite().nullable(),
    status: z.enum(CELL_STATUSES),
    exact: z
      .string()
      .regex(/^-?\d+(?:\.\d+)?$/)
      .optional(),
    raw: z.string(),
    unit: z.enum(UNITS).optional(),
    rawUnit: z.enum(RAW_UNITS).optional(),
    sign: z.enum(SIGNS).optional(),
    sourceLabel: z.string().optional(),
    confidence: z.number().min(0).max(1),
    pos: z.object({
      line: z.number().int().optional(),
      page: z.number().int().optional(),
      table: z.number().int().optional(),
      row: z.number().int().optional(),
      col: z.number().int().optional(),
      box: z.object({ x: z.number(), y: z.number(), w: z.number(), h: z.number() }).optional(),
    }),
  });

  const flagSchema = z.object({
    code: z.string(),
    severity: z.enum(SEVERITIES),
    message: z.string(),
    keys: z.array(z.string()).optional(),
    pos: z.record(z.string(), z.union([z.number(), z.record(z.string(), z.number())])).optional(),
  });

  const ruleSchema = z.object({
    rule: z.enum(RULES),
    status: z.enum(RULE_STATUSES),
    failures: z.array(z.string()),
    keys: z.array(z.string()),
  });

  const reportSchema = z
    .object({
      formatVersion: z.enum(FORMAT_VERSIONS),
      meta: z.object({
        reportYear: z.number().int().nullable(),
        yearSource: z.enum(YEAR_SOURCES),
        titleRaw: z.string().nullable(),
        issuerName: z.string().nullable(),
        adminLevel: z.enum(ADMIN_LEVELS),
        issuerType: z.enum(ISSUER_TYPES),
        scope: z.enum(SCOPES),
      }),
      cells: z.array(cellSchema),
      flags: z.array(flagSchema),
      rules: z.array(ruleSchema),
      prose: z.string(),
    })
    .superRefine((r, ctx) => {
      const seen = new Set<string>();
      for (const c of r.cells) {
        if (seen.has(c.key)) ctx.addIssue({ code: "custom", message: `duplicate cell ${c.key}` });
        seen.add(c.key);
        if ((c.status === "number") !== (c.value !== null))
          ctx.addIssue({ code: "custom", message: `${c.key}: value and status disagree` });
      }
    });
  return { cellSchema, flagSchema, ruleSchema, reportSchema };
}

let made: ReturnType<typeof schemas> | undefined;

/**
 * The zod schemas of the report record, made on first use: loading zod cost a one-document import a
 * fifth of its time, and a report that meets the direct checks never needs it.
 */
export function reportSchemas(): ReturnType<typeof schemas> {
  made ??= schemas(createRequire(import.meta.url)("zod") as typeof Zod);
  return made;
}

export type Report = Zod.infer<ReturnType<typeof schemas>["reportSchema"]>;

// The same constraints checked directly: reports are built by this code and nearly always valid, and
// zod's parse (which copies every object) cost as much as reconstructing a table on bulk imports.
const setOf = (values: readonly string[]) => new Set<unknown>(values);
const CELL_STATUS = setOf(CELL_STATUSES);
const UNIT = setOf(UNITS);
const RAW_UNIT = setOf(RAW_UNITS);
const SIGN = setOf(SIGNS);
const SEVERITY = setOf(SEVERITIES);
const RULE = setOf(RULES);
const RULE_STATUS = setOf(RULE_STATUSES);
const FORMAT_VERSION = setOf(FORMAT_VERSIONS);
const YEAR_SOURCE = setOf(YEAR_SOURCES);
const ADMIN_LEVEL = setOf(ADMIN_LEVELS);
const ISSUER_TYPE = setOf(ISSUER_TYPES);
const SCOPE = setOf(SCOPES);

const isStr = (v: unknown): v is string => typeof v === "string";
const optional = (v: unknown, ok: (v: unknown) => boolean) => v === undefined || ok(v);
const isInt = (v: unknown) => Number.isInteger(v);
/** A loop rather than every(): the arrays checked come in several element kinds, and every() inlined per kind deoptimized. */
const isStrArray = (v: unknown): boolean => {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== "string") return false;
  return true;
};
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

function boxOk(b: unknown): boolean {
  return isObject(b) && [b.x, b.y, b.w, b.h].every((n) => typeof n === "number" && Number.isFinite(n));
}

/** Keys already found well-formed: the same few hundred template keys recur in every report. */
const wellFormedKeys = new Set<string>();
function keyOk(key: string): boolean {
  if (wellFormedKeys.has(key)) return true;
  if (!CELL_KEY.test(key)) return false;
  if (wellFormedKeys.size < 10_000) wellFormedKeys.add(key);
  return true;
}

function cellOk(c: unknown): boolean {
  if (!isObject(c) || !isStr(c.key) || !keyOk(c.key)) return false;
  const value = c.value;
  if (value !== null && !(typeof value === "number" && Number.isFinite(value))) return false;
  if (!CELL_STATUS.has(c.status) || (c.status === "number") !== (value !== null)) return false;
  if (!isStr(c.raw) || !optional(c.sourceLabel, isStr)) return false;
  if (!optional(c.unit, (u) => UNIT.has(u)) || !optional(c.rawUnit, (u) => RAW_UNIT.has(u))) return false;
  if (!optional(c.sign, (s) => SIGN.has(s))) return false;
  const conf = c.confidence;
  if (typeof conf !== "number" || !(conf >= 0 && conf <= 1)) return false;
  const p = c.pos;
  return (
    isObject(p) &&
    optional(p.line, isInt) &&
    optional(p.page, isInt) &&
    optional(p.table, isInt) &&
    optional(p.row, isInt) &&
    optional(p.col, isInt) &&
    optional(p.box, boxOk)
  );
}

function flagOk(f: unknown): boolean {
  return (
    isObject(f) &&
    isStr(f.code) &&
    SEVERITY.has(f.severity) &&
    isStr(f.message) &&
    optional(f.keys, isStrArray) &&
    optional(
      f.pos,
      (p) =>
        isObject(p) && Object.entries(p).every(([k, n]) => (k === "box" ? boxOk(n) : Number.isFinite(n))),
    )
  );
}

function ruleOk(r: unknown): boolean {
  return (
    isObject(r) &&
    RULE.has(r.rule) &&
    RULE_STATUS.has(r.status) &&
    isStrArray(r.failures) &&
    isStrArray(r.keys)
  );
}

/** Whether `r` meets every constraint of the report schema (checked directly, without copying). */
export function meetsReportSchema(r: unknown): boolean {
  if (!isObject(r) || !FORMAT_VERSION.has(r.formatVersion) || !isStr(r.prose)) return false;
  const m = r.meta;
  if (
    !isObject(m) ||
    !(m.reportYear === null || isInt(m.reportYear)) ||
    !YEAR_SOURCE.has(m.yearSource) ||
    !(m.titleRaw === null || isStr(m.titleRaw)) ||
    !(m.issuerName === null || isStr(m.issuerName)) ||
    !ADMIN_LEVEL.has(m.adminLevel) ||
    !ISSUER_TYPE.has(m.issuerType) ||
    !SCOPE.has(m.scope)
  )
    return false;
  if (!Array.isArray(r.cells) || !Array.isArray(r.flags) || !Array.isArray(r.rules)) return false;
  const seen = new Set<unknown>();
  for (const c of r.cells) {
    if (!cellOk(c) || seen.has(c.key)) return false;
    seen.add(c.key);
  }
  return r.flags.every(flagOk) && r.rules.every(ruleOk);
}

/**
 * The report, validated against the report schema. A report that meets the schema is returned as it is; any
 * other fails with a one-line DocumentError: `duplicate_tables` when cells repeat (a document that prints
 * its tables twice), else `invalid_report`. Zod's full account goes to the error's detail (the log).
 */
export function validateReport(r: unknown): Report {
  if (meetsReportSchema(r)) return r as Report;
  const parsed = reportSchemas().reportSchema.safeParse(r);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues;
  const duplicates = issues.filter((i) => i.message.startsWith("duplicate cell "));
  const detail = parsed.error.message;
  if (duplicates.length > 0) {
    const first = duplicates[0].message.slice("duplicate cell ".length);
    throw new DocumentError(
      "duplicate_tables",
      `the document prints its tables more than once (${duplicates.length} cells found twice, e.g. ${first}); not stored`,
      detail,
    );
  }
  const first = issues[0];
  throw new DocumentError(
    "invalid_report",
    `the report does not meet the schema (${issues.length} problem${issues.length === 1 ? "" : "s"}; first: ${first.path.join(".")}: ${first.message})`,
    detail,
  );
}

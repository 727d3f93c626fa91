// Scores extraction against gold files (<doc>.gold.json) as ../shared/corpus/README.md describes,
// running exactly the path that `import` runs (processDocument).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { z } from "zod";
import { oneLineError } from "../extractors/errors.js";
import { processDocument } from "../import/pipeline.js";
import type { CanonicalCell, Flag } from "../normalize/cells.js";

const goldSchema = z.object({
  file: z.string(),
  report_year: z.number().int().nullable().optional(),
  format_version: z.string().nullable().optional(),
  issuer_name: z.string().nullable().optional(),
  admin_level: z.string().nullable().optional(),
  issuer_type: z.string().nullable().optional(),
  complete: z.boolean().optional(),
  cells: z.record(z.string(), z.union([z.number(), z.string()])),
});
export type Gold = z.infer<typeof goldSchema>;

export interface CellOutcome {
  key: string;
  expected: number | string;
  got: number | string | undefined;
  outcome: "exact" | "wrong" | "silent" | "missing";
}

export interface DocScore {
  file: string;
  cells: number;
  exact: number;
  wrong: number;
  silent: number;
  missing: number;
  metaWrong: string[];
  /**
   * Each metadata field the gold file names, compared exactly (the issuer too: `metaWrong` accepts a
   * shorter or longer form of the name, this does not), so that a misread character shows in the totals.
   */
  meta: Partial<Record<MetaField, MetaCheck>>;
  error?: string;
  details: CellOutcome[];
}

export const META_FIELDS = [
  "issuer_name",
  "admin_level",
  "issuer_type",
  "report_year",
  "format_version",
] as const;
export type MetaField = (typeof META_FIELDS)[number];
export interface MetaCheck {
  expected: string | number;
  got: string | number | null;
  right: boolean;
}

export interface EvalTotals {
  documents: number;
  cells: number;
  exact: number;
  wrong: number;
  silent: number;
  missing: number;
  meta_wrong: number;
  failed_documents: number;
}

/** Per metadata field: documents whose gold names it, and how many of them are exactly right. */
export type MetaTotals = Record<MetaField, { right: number; of: number }>;

/** Finds every `<file>.gold.json` whose document sits beside it, recursively. */
export function findGoldPairs(folders: string[]): { doc: string; gold: string }[] {
  const out: { doc: string; gold: string }[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(".gold.json")) {
        const doc = p.slice(0, -".gold.json".length);
        try {
          if (statSync(doc).isFile()) out.push({ doc, gold: p });
        } catch {
          // A gold file without its document is not scored.
        }
      }
    }
  };
  for (const f of folders) walk(f);
  return out;
}

function cellAsGold(c: CanonicalCell): number | string {
  if (c.status === "number") return c.value!;
  if (c.status === "text") return `text:${c.raw}`;
  return c.status;
}

function covered(key: string, flags: Flag[]): boolean {
  return flags.some(
    (f) => f.severity !== "info" && f.keys?.some((k) => k === key || key.startsWith(`${k}.`)),
  );
}

export async function scoreDocument(docPath: string, goldPath: string): Promise<DocScore> {
  let gold: Gold;
  try {
    gold = goldSchema.parse(JSON.parse(readFileSync(goldPath, "utf8")));
  } catch (e) {
    // A broken gold file is that document's failure, not the end of the run.
    const { message } = oneLineError(e);
    const error = `[bad_gold] ${basename(goldPath)}: ${message}`;
    return { ...emptyScore(docPath), error };
  }
  const entries = Object.entries(gold.cells);
  const base: DocScore = { ...emptyScore(docPath), cells: entries.length };
  let report: Awaited<ReturnType<typeof processDocument>>["report"];
  try {
    report = (await processDocument(readFileSync(docPath))).report;
  } catch (e) {
    const { code, message } = oneLineError(e);
    base.error = `[${code}] ${message}`;
    base.meta = metaChecks(gold, () => null);
    base.missing = entries.length;
    base.details = entries.map(([key, expected]) => ({ key, expected, got: undefined, outcome: "missing" }));
    return base;
  }
  const byKey = new Map(report.cells.map((c) => [c.key, c]));
  for (const [key, expected] of entries) {
    const c = byKey.get(key);
    if (!c) {
      base.missing++;
      base.details.push({ key, expected, got: undefined, outcome: "missing" });
      continue;
    }
    const got = cellAsGold(c);
    if (got === expected) {
      base.exact++;
      base.details.push({ key, expected, got, outcome: "exact" });
    } else {
      const silent = !covered(key, report.flags);
      base.wrong++;
      if (silent) base.silent++;
      base.details.push({ key, expected, got, outcome: silent ? "silent" : "wrong" });
    }
  }
  if (gold.report_year != null && gold.report_year !== report.meta.reportYear)
    base.metaWrong.push(`report_year ${report.meta.reportYear} ≠ ${gold.report_year}`);
  if (gold.format_version != null && gold.format_version !== report.formatVersion)
    base.metaWrong.push(`format_version ${report.formatVersion} ≠ ${gold.format_version}`);
  if (gold.issuer_name != null) {
    const got = report.meta.issuerName ?? "";
    const ok =
      got !== "" &&
      (got === gold.issuer_name || got.endsWith(gold.issuer_name) || gold.issuer_name.endsWith(got));
    if (!ok) base.metaWrong.push(`issuer_name ${got || "(none)"} ≠ ${gold.issuer_name}`);
  }
  const got: Record<MetaField, string | number | null> = {
    issuer_name: report.meta.issuerName,
    admin_level: report.meta.adminLevel,
    issuer_type: report.meta.issuerType,
    report_year: report.meta.reportYear,
    format_version: report.formatVersion,
  };
  base.meta = metaChecks(gold, (field) => got[field]);
  return base;
}

/** Each metadata field the gold file names, against what extraction gave (`got`), compared exactly. */
function metaChecks(
  gold: Pick<Gold, MetaField>,
  got: (field: MetaField) => string | number | null,
): DocScore["meta"] {
  const out: DocScore["meta"] = {};
  for (const field of META_FIELDS) {
    const expected = gold[field];
    if (expected != null) out[field] = { expected, got: got(field), right: got(field) === expected };
  }
  return out;
}

function emptyScore(docPath: string): DocScore {
  return {
    file: basename(docPath),
    cells: 0,
    exact: 0,
    wrong: 0,
    silent: 0,
    missing: 0,
    metaWrong: [],
    meta: {},
    details: [],
  };
}

export function totals(scores: DocScore[]): EvalTotals {
  return {
    documents: scores.length,
    cells: scores.reduce((a, s) => a + s.cells, 0),
    exact: scores.reduce((a, s) => a + s.exact, 0),
    wrong: scores.reduce((a, s) => a + s.wrong, 0),
    silent: scores.reduce((a, s) => a + s.silent, 0),
    missing: scores.reduce((a, s) => a + s.missing, 0),
    meta_wrong: scores.reduce((a, s) => a + s.metaWrong.length, 0),
    failed_documents: scores.filter((s) => s.error !== undefined).length,
  };
}

/** Metadata right per field over the documents whose gold file names it (a failed document counts as wrong). */
export function metaTotals(scores: DocScore[]): MetaTotals {
  const out = Object.fromEntries(META_FIELDS.map((f) => [f, { right: 0, of: 0 }])) as MetaTotals;
  for (const { meta: m } of scores) {
    for (const f of META_FIELDS) {
      const c = m[f];
      if (!c) continue;
      out[f].of++;
      if (c.right) out[f].right++;
    }
  }
  return out;
}

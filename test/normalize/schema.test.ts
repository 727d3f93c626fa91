// The direct schema check agrees with zod: every report the pipeline builds meets both, and each kind of
// violation is caught by both (validateReport then throws a one-line DocumentError).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { DocumentError } from "../../src/extractors/errors.js";
import { processDocument } from "../../src/import/pipeline.js";
import { meetsReportSchema, type Report, reportSchemas, validateReport } from "../../src/normalize/schema.js";
import { projectRoot } from "../helpers.js";

const corpus = join(projectRoot, "corpus");
const reports: Report[] = [];

beforeAll(async () => {
  for (const f of readdirSync(corpus).filter((f) => /\.(html|txt|md|js)$/.test(f))) {
    try {
      reports.push((await processDocument(new Uint8Array(readFileSync(join(corpus, f))))).report);
    } catch (e) {
      if (!(e instanceof DocumentError)) throw e; // a non-report in the corpus: nothing to validate
    }
  }
});

// biome-ignore lint/suspicious/noExplicitAny: the mutations below reach into any field of a report copy
type Loose = Record<string, any>;

/** A deep copy of a corpus report with tables and flags, changed by `edit`. */
function broken(edit: (r: Loose) => void): unknown {
  const base = reports.find((r) => r.cells.length > 0 && r.flags.length > 0 && r.rules.length > 0);
  const copy = structuredClone(base) as Loose;
  // A flag with a source position, so that its position can be broken too.
  copy.flags[0].pos ??= { line: 1 };
  edit(copy);
  return copy;
}

const VIOLATIONS: [string, (r: Loose) => void][] = [
  ["unknown format version", (r) => (r.formatVersion = "GOP2030")],
  ["prose missing", (r) => delete r.prose],
  ["year not an integer", (r) => (r.meta.reportYear = 2021.5)],
  ["unknown admin level", (r) => (r.meta.adminLevel = "galactic")],
  ["issuer a number", (r) => (r.meta.issuerName = 7)],
  ["cell key outside the canonical families", (r) => (r.cells[0].key = "other.thing")],
  ["cell key with capitals", (r) => (r.cells[0].key = "applications.New")],
  ["duplicate cell", (r) => r.cells.push({ ...r.cells[0] })],
  ["value without number status", (r) => Object.assign(r.cells[0], { status: "blank", value: 3 })],
  ["number status without value", (r) => Object.assign(r.cells[0], { status: "number", value: null })],
  ["infinite value", (r) => Object.assign(r.cells[0], { status: "number", value: Number.POSITIVE_INFINITY })],
  ["NaN value", (r) => Object.assign(r.cells[0], { status: "number", value: Number.NaN })],
  ["unknown cell status", (r) => (r.cells[0].status = "zero")],
  ["raw not a string", (r) => (r.cells[0].raw = 0)],
  ["unknown unit", (r) => (r.cells[0].unit = "jin")],
  ["unknown raw unit", (r) => (r.cells[0].rawUnit = "千元")],
  ["unknown sign", (r) => (r.cells[0].sign = "±")],
  ["confidence over 1", (r) => (r.cells[0].confidence = 1.5)],
  ["confidence NaN", (r) => (r.cells[0].confidence = Number.NaN)],
  ["position line fractional", (r) => (r.cells[0].pos = { line: 1.5 })],
  ["position missing", (r) => delete r.cells[0].pos],
  ["flag severity unknown", (r) => (r.flags[0].severity = "fatal")],
  ["flag keys not strings", (r) => (r.flags[0].keys = [1])],
  ["flag position not numbers", (r) => (r.flags.find((f: { pos?: unknown }) => f.pos).pos = { line: "x" })],
  ["rule unknown", (r) => (r.rules[0].rule = "R99")],
  ["rule failures not an array", (r) => (r.rules[0].failures = "none")],
];

describe("validateReport", () => {
  it("every report the pipeline builds from the corpus meets the direct check and zod alike", () => {
    expect(reports.length).toBeGreaterThan(10);
    for (const r of reports) {
      expect(meetsReportSchema(r)).toBe(true);
      expect(reportSchemas().reportSchema.safeParse(r).success).toBe(true);
      expect(validateReport(r)).toBe(r);
    }
  });

  for (const [what, edit] of VIOLATIONS) {
    it(`a report with ${what} fails both, and validateReport throws`, () => {
      const r = broken(edit);
      expect(meetsReportSchema(r)).toBe(false);
      expect(reportSchemas().reportSchema.safeParse(r).success).toBe(false);
      expect(() => validateReport(r)).toThrow();
    });
  }
});

// The one path from document bytes to a validated report: extract → reconstruct → validate.
// `import` and `eval` both call processDocument, so what is scored is what is stored.

import { SIMULATED_EXTRACTION_CHANGE } from "../extraction-version.js";
import { DocumentError } from "../extractors/errors.js";
import { extract, extractTextual } from "../extractors/index.js";
import type { DocumentForm, DocumentModel } from "../model/document.js";
import type { CanonicalCell, Flag } from "../normalize/cells.js";
import { extractMeta, joinedText, type ReportMeta, reportEvidence } from "../normalize/metadata.js";
import { issuerFromTextLayer, settleOcrIssuer } from "../normalize/metadata-ocr.js";
import { applyOcrConfidence } from "../normalize/ocr.js";
import { reconstruct } from "../normalize/reconstruct.js";
import { checkProse, checkRules } from "../normalize/rules.js";
import { type Report, validateReport } from "../normalize/schema.js";
import { flagInexactNumbers, normalizeText, toSimplified } from "../normalize/text.js";
import { buildUnits } from "../normalize/units.js";
import { mapPacked } from "../packed-arrays.js";

/** The simulated extraction change of ZFXXGK_TEST_EXTRACTION_CHANGE (src/extraction-version.ts). */
function simulateChange(cells: CanonicalCell[]): CanonicalCell[] {
  return cells
    .filter((c) => c.key !== "appeals.review.upheld")
    .map((c) =>
      c.key === "applications.new_received.total" && c.status === "number" && c.value !== null
        ? { ...c, value: c.value + 1, raw: String(c.value + 1) }
        : c,
    );
}

export interface Processed {
  form: DocumentForm;
  charset?: string;
  report: Report;
}

export async function processDocument(
  bytes: Uint8Array,
  opts: { httpCharset?: string } = {},
): Promise<Processed> {
  const { model, charset } = await extract(bytes, opts);
  return processModel(model, charset);
}

/**
 * processDocument for HTML and text, synchronously: their extraction awaits nothing, so the whole
 * document can run under a hard time budget (`runWithinBudget`) on the importing thread.
 */
export function processTextual(bytes: Uint8Array, opts: { httpCharset?: string } = {}): Processed {
  const { model, charset } = extractTextual(bytes, opts);
  return processModel(model, charset);
}

/**
 * A scan's title, issuer and year come from OCR text as much as its cells do, and a misread character in
 * the issuer's name would make a new issuer in every comparison: say so, with what was read.
 */
function ocrMetadataFlag(
  model: DocumentModel,
  meta: ReportMeta,
  doubt: string | undefined,
  issuerFromLayer: boolean,
): Flag[] {
  if (!model.ocr) return [];
  const issuer = meta.issuerName ? `"${meta.issuerName}"` : "(none read)";
  return [
    ...(doubt ? [{ code: "issuer_ocr_doubted", severity: "warning" as const, message: doubt }] : []),
    {
      code: "metadata_ocr",
      severity: "warning",
      message: issuerFromLayer
        ? `title and year read by OCR from the page image, the issuer ${issuer} from the PDF's text layer; check them against it: year ${meta.reportYear ?? "(none read)"}`
        : `title, issuer and year read by OCR from the page image; check them against it: issuer ${issuer}, year ${meta.reportYear ?? "(none read)"}`,
    },
  ];
}

/** Reconstructs and validates the report of an extracted document. */
export function processModel(model: DocumentModel, charset: string | undefined): Processed {
  // One linearization serves metadata, reconstruction and the prose rule. The year is read first
  // from the text alone: it is only a prior for the version when no template fingerprint is visible.
  const built = buildUnits(model);
  const textLines = mapPacked(built.lines, (l) => l.text);
  let meta = extractMeta(textLines, model.title);
  // A scan's issuer is settled by a vote over every reading of its name (normalize/metadata-ocr.ts).
  let issuerDoubt: string | undefined;
  let issuerFromLayer = false;
  if (model.ocr) {
    const settled = settleOcrIssuer(meta, textLines, model, built.traditional === true);
    meta = settled.meta;
    issuerDoubt = settled.doubt;
    const printed = model.ocr.textLayer && issuerFromTextLayer(model.ocr.textLayer, joinedText(textLines));
    if (printed) {
      meta = { ...meta, ...printed };
      issuerDoubt = undefined;
      issuerFromLayer = true;
    }
  }
  if (built.traditional && meta.titleRaw) {
    // Labels were matched in simplified script; the title is kept as printed.
    const printed = [
      model.title ?? "",
      ...mapPacked(model.blocks, (b) => (b.kind === "text" ? b.text : "")),
    ].find((t) => t !== "" && toSimplified(normalizeText(t)).trim() === meta.titleRaw);
    if (printed) meta.titleRaw = normalizeText(printed).trim();
  }
  const rec = reconstruct(built, meta.reportYear ?? undefined);
  if (SIMULATED_EXTRACTION_CHANGE) rec.cells = simulateChange(rec.cells);
  // Is this a report at all? Decided on evidence: table values, the 统计期限 sentence, section headings,
  // a report title; notices, guides and lists of reports are refused with the reason.
  const printed = rec.cells.some((c) => c.status !== "blank");
  const evidence = reportEvidence(textLines, meta, printed, model.title);
  if (!evidence.isReport) {
    throw new DocumentError("not_a_report", `not a 政府信息公开工作年度报告: ${evidence.reason}`);
  }
  // (A literal opening with a spread takes that array's elements kind: a map() result would make it holey.)
  const flags: Flag[] = [
    ...mapPacked(model.warnings, (w) => ({ ...w, severity: "warning" as const })),
    ...rec.flags,
    ...applyOcrConfidence(model, rec.cells, rec.formatVersion),
    ...ocrMetadataFlag(model, meta, issuerDoubt, issuerFromLayer),
  ];
  // Before the rules: a number a float cannot hold exactly becomes text, so no rule sums a rounding.
  flagInexactNumbers(rec.cells, flags);
  const rules = [...checkRules(rec.cells, rec.formatVersion), checkProse(rec.cells, textLines)];
  for (const r of rules) {
    if (r.status === "fail") {
      flags.push({
        code: `${r.rule}_fail`,
        severity: r.rule === "R12" ? "info" : "warning",
        message: `${r.rule} fails as printed: ${r.failures.join("; ")}`,
        keys: r.keys,
      });
    }
  }
  const prose = mapPacked(
    model.blocks.filter((b) => b.kind === "text"),
    (b) => b.text,
  ).join("\n");
  const report = validateReport({
    formatVersion: rec.formatVersion,
    meta,
    cells: rec.cells,
    flags,
    rules,
    prose,
  });
  return { form: model.form, charset, report };
}

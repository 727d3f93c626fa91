// The one path from document bytes to a validated report: extract → reconstruct → validate.
// `import` and `eval` both call processDocument, so what is scored is what is stored.
import { DocumentError } from "./extractors/errors.js";
import { extract, extractTextual } from "./extractors/index.js";
import type { DocumentForm, DocumentModel } from "./model/document.js";
import type { Flag } from "./normalize/cells.js";
import { extractMeta } from "./normalize/metadata.js";
import { reconstruct } from "./normalize/reconstruct.js";
import { checkProse, checkRules } from "./normalize/rules.js";
import { type Report, validateReport } from "./normalize/schema.js";
import { flagInexactNumbers } from "./normalize/text.js";
import { buildUnits } from "./normalize/units.js";

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

/** Reconstructs and validates the report of an extracted document. */
export function processModel(model: DocumentModel, charset: string | undefined): Processed {
  // One linearization serves metadata, reconstruction and the prose rule. The year is read first
  // from the text alone: it is only a prior for the version when no template fingerprint is visible.
  const built = buildUnits(model);
  const textLines = built.lines.map((l) => l.text);
  const meta = extractMeta(textLines, model.title);
  const rec = reconstruct(built, meta.reportYear ?? undefined);
  if (
    rec.cells.length === 0 &&
    !/(?:政府|政务)信息公开|信息公开工作|年度报告|年报/.test(textLines.join("\n"))
  ) {
    throw new DocumentError(
      "not_a_report",
      "no report text or tables found (not a 政府信息公开工作年度报告)",
    );
  }
  const flags: Flag[] = [
    ...model.warnings.map((w) => ({ ...w, severity: "warning" as const })),
    ...rec.flags,
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
  const prose = model.blocks
    .filter((b) => b.kind === "text")
    .map((b) => b.text)
    .join("\n");
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

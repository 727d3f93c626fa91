// Cells read by OCR: each takes the confidence of the words it was read from, and cells the engine was
// unsure of (or ink it could not read) are flagged, so that a misread digit is never a silent value.
import {
  type Block,
  type DocumentModel,
  OCR_DOUBTED_BELOW,
  OCR_NOT_AS_PRINTED,
  type SourcePosition,
} from "../model/document.js";
import type { CanonicalCell, Flag } from "./cells.js";
import { unbalancedUnderOcr } from "./rules.js";
import { ALL_TABLES, type FormatVersion, versionKeys } from "./template.js";

/** Word confidence (0–1) below which an OCR cell is flagged. */
export const OCR_FLAG_BELOW = OCR_DOUBTED_BELOW;

/** Confidence given to a cell read by OCR at best: the layout and the engine can both err. */
const OCR_CEILING = 0.9;

function confByPosition(blocks: Block[]): Map<SourcePosition, number> {
  const out = new Map<SourcePosition, number>();
  for (const b of blocks) {
    if (b.kind === "text") {
      if (b.conf !== undefined) out.set(b.pos, b.conf);
      continue;
    }
    for (const row of b.rows) for (const c of row) if (c.conf !== undefined) out.set(c.pos, c.conf);
  }
  return out;
}

/** Table rows (`table.row`) with a cell whose text was not read as printed (OCR_NOT_AS_PRINTED: a label put back in the template's wording, ink the engine could not read). */
function rowsNotAsRead(blocks: Block[]): Set<string> {
  const out = new Set<string>();
  for (const b of blocks) {
    if (b.kind !== "table") continue;
    for (const row of b.rows) {
      for (const c of row) {
        if (c.conf !== undefined && c.conf <= OCR_NOT_AS_PRINTED && c.pos.table !== undefined) {
          out.add(`${c.pos.table}.${c.pos.row}`);
        }
      }
    }
  }
  return out;
}

/** A cell's template row: its key without the column. */
const rowOf = (key: string) => key.slice(0, key.lastIndexOf("."));

/**
 * Rows that OCR left out of the template (their label misread) or read in part: their values may have
 * gone to the row above or below, where they look like that row's own. The cells of the rows around a
 * missing row, and the cells read of a partly read row, are returned to be flagged.
 */
function cellsNearMissingRows(cells: CanonicalCell[], version: FormatVersion): CanonicalCell[] {
  if (version !== "GOP2019" && version !== "GOP2021") return [];
  const present = new Map<string, CanonicalCell[]>();
  for (const c of cells) present.set(rowOf(c.key), [...(present.get(rowOf(c.key)) ?? []), c]);
  const rows: { row: string; size: number }[] = [];
  for (const key of versionKeys(version)) {
    const row = rowOf(key);
    if (rows.at(-1)?.row === row) rows[rows.length - 1].size++;
    else rows.push({ row, size: 1 });
  }
  const table = (row: string) => row.split(".")[0];
  const out = new Set<CanonicalCell>();
  rows.forEach(({ row, size }, i) => {
    const got = present.get(row) ?? [];
    if (got.length === size) return;
    for (const c of got) out.add(c);
    if (got.length > 0) return;
    for (const j of [i - 1, i + 1]) {
      const near = rows[j];
      if (near && table(near.row) === table(row)) for (const c of present.get(near.row) ?? []) out.add(c);
    }
  });
  return [...out];
}

/**
 * Lowers the confidence of every cell of an OCR document to its words' confidence and returns the
 * flags: one `ocr` note for the document, and `ocr_low_confidence` for the cells to check by eye
 * (a word below the threshold, unread ink, text where a value belongs, a blank — OCR cannot tell a
 * blank cell from a value it did not see — the cells around a template row OCR did not find, and the
 * values of a sum that does not add up with its blanks as 0).
 */
export function applyOcrConfidence(
  model: DocumentModel,
  cells: CanonicalCell[],
  version: FormatVersion = "UNKNOWN",
): Flag[] {
  if (!model.ocr) return [];
  const conf = confByPosition(model.blocks);
  const doubtfulRows = rowsNotAsRead(model.blocks);
  const low: CanonicalCell[] = [];
  for (const cell of cells) {
    const c = conf.get(cell.pos);
    cell.confidence = Math.min(cell.confidence, OCR_CEILING, c ?? OCR_CEILING);
    if (
      (c !== undefined && c < OCR_FLAG_BELOW) ||
      cell.status === "text" ||
      cell.status === "blank" ||
      (cell.pos.table !== undefined && doubtfulRows.has(`${cell.pos.table}.${cell.pos.row}`)) ||
      cell.raw.includes("\ufffd")
    ) {
      low.push(cell);
    }
  }
  for (const cell of cellsNearMissingRows(cells, version)) if (!low.includes(cell)) low.push(cell);
  // A sum that does not add up even with its blanks as 0 has a cell not as printed, though the engine
  // was sure of each: its values are to be checked too.
  const unbalanced = unbalancedUnderOcr(cells, version);
  for (const cell of cells) if (unbalanced.has(cell.key) && !low.includes(cell)) low.push(cell);
  const o = model.ocr;
  const flags: Flag[] = [
    {
      code: "ocr",
      severity: "info",
      message: `read by OCR from ${o.pages} page image(s) in ${o.seconds.toFixed(1)} s (${o.words} words, ${o.lowConfidenceWords} below confidence or unread); every cell carries the OCR confidence`,
      keys: [...ALL_TABLES],
    },
  ];
  if (low.length > 0) {
    flags.push({
      code: "ocr_low_confidence",
      severity: "warning",
      message: `OCR is unsure of ${low.length} cell(s); check them against the page image: ${low
        .slice(0, 20)
        .map((c) => `${c.key}=${c.raw || "□"}`)
        .join(", ")}${low.length > 20 ? ", …" : ""}`,
      keys: low.map((c) => c.key),
    });
  }
  return flags;
}

// Turns the document model into "units": a label (own or floating) with the printed values that follow
// it. Tables 2–4 are reconstructed from units, whatever form the document came in.
import { type Block, type DocumentModel, OCR_DOUBTED_BELOW, type SourcePosition } from "../model/document.js";
import { mapPacked } from "../packed-arrays.js";
import { type PartialLabel, readPartialLabel } from "./partial-labels.js";
import { matchT2Row, matchT3Rows } from "./template.js";
import {
  isFigureText,
  labelKey,
  looksTraditional,
  normalizeText,
  type ParsedValue,
  parseCellValue,
  toSimplified,
} from "./text.js";

export interface ValueToken {
  parsed: ParsedValue;
  pos: SourcePosition;
  /** The source could not tell this empty cell from row padding. */
  uncertain?: boolean;
  /** An uncertain blank counted across a page break: dropped before other uncertain ones. */
  acrossPageBreak?: boolean;
}

export interface Unit {
  /** Label printed in the same row or line as the values, and the cells it was joined from. */
  own: string;
  ownCells: string[];
  /** Text seen between the previous unit and this one (headers, captions, labels of rows without values). */
  floating: string[];
  values: ValueToken[];
  /** Whether the values come from a real row (table row or one text line) rather than a run of lines. */
  rowBound: boolean;
  pos: SourcePosition;
  /** Index of this unit's first and last line/row in the document's line stream. */
  seq: number;
  endSeq: number;
}

/** A line of the document in reading order: a table row or a text block, split into cells. */
interface StreamLine {
  /** `misread`: a table cell OCR doubted that reads as a few letters or signs (see misreadValue). */
  cells: {
    text: string;
    pos: SourcePosition;
    uncertain?: boolean;
    acrossPageBreak?: boolean;
    misread?: boolean;
  }[];
  isRow: boolean;
  pos: SourcePosition;
  /** A paragraph that is an empty cell the source printed (`<p>&nbsp;</p>`). */
  explicitBlank?: boolean;
}

/** Words printed in a value cell to say "none": kept as text values, not read as labels. */
export const NONE_WORDS = new Set(["无", "暂无", "没有", "不适用", "N/A", "NA"]);

/** A printed value: a number, dash or slash, or a word such as 无 standing in a value cell. */
function isPrinted(v: ParsedValue): boolean {
  return v.status !== "blank" && (v.status !== "text" || NONE_WORDS.has(v.raw));
}

const PROSE_FOLLOWER = /^[年月日件条个项次人%％余多万亿号期届家名份]/;

/**
 * Splits a text line into cells where it looks tabular (`行政许可 97`, `0 0 0 0 0 0 0`). Prose lines,
 * and numbers followed by 年/月/件…, stay whole so that dates and prose figures never become values.
 */
function splitFlowLine(text: string): string[] {
  const t = text.trim();
  if (!/\d/.test(t) || /[。；;]/.test(t)) return [t];
  // Headings and captions carry numbers that are not values: `## 表格 4`, `图 2`, `附件 1`.
  if (/^#/.test(t) || /(?:表|表格|图|附件|附表|第|页|Page|P\.)\s*\d+\s*$/i.test(t)) return [t];
  const parts = t.split(/\s+/).filter((p) => p !== "");
  if (parts.length < 2) return [t];
  // In a table line the values close the line: `行政许可 97`, `四、结转… 0 0 0 0 0 0 0`. A number
  // followed by words (`1640 篇，其中…`, `2020 年`) is prose.
  let firstValue = -1;
  let textChars = 0;
  for (let i = 0; i < parts.length; i++) {
    const v = parseCellValue(parts[i]);
    if (v.status === "number" && i + 1 < parts.length && PROSE_FOLLOWER.test(parts[i + 1])) return [t];
    if (v.status !== "text" && firstValue < 0) firstValue = i;
    if (v.status === "text") {
      if (firstValue >= 0) return [t];
      textChars += parts[i].length;
    }
  }
  // A long sentence with a stray number is prose, not a row.
  if (textChars > 60) return [t];
  return parts;
}

/** The first few thousand characters of a document's text, enough to tell its script. */
function textSample(blocks: Block[]): string {
  let sample = "";
  for (const b of blocks) {
    if (sample.length > 4000) break;
    if (b.kind === "text") sample += b.text;
    else for (const row of b.rows) for (const c of row) if (c.origin) sample += c.text;
  }
  return sample;
}

/**
 * A document in traditional script is matched in simplified script (規章 → 规章, 本年制發件數 → 本年制发件数):
 * its labels and prose are converted here, for matching only; the document model, and with it the prose
 * that is stored, keeps the printed text.
 */
function simplifiedBlocks(blocks: Block[]): Block[] | undefined {
  if (!looksTraditional(textSample(blocks))) return undefined;
  return mapPacked(blocks, (b) =>
    b.kind === "text"
      ? { ...b, text: toSimplified(b.text) }
      : {
          ...b,
          rows: mapPacked(b.rows, (row) => mapPacked(row, (c) => ({ ...c, text: toSimplified(c.text) }))),
        },
  );
}

/**
 * Cell texts holding unknown characters (U+FFFD) that read as exactly one template label are matched by
 * that label; each one read is recorded in `partial` for the flag.
 */
function readUnknowns(text: string, partial: PartialLabel[]): string {
  if (!text.includes("\ufffd")) return text;
  const read = readPartialLabel(text);
  if (!read) return text;
  partial.push(read);
  return read.read;
}

/**
 * A table cell OCR doubted whose text is a few letters, digits or signs and no Chinese (4 read as qd,
 * 13 as Lo): a value the engine misread, not a piece of the row's label (labels are Chinese).
 */
function misreadValue(text: string, conf: number | undefined): boolean {
  if (conf === undefined || conf >= OCR_DOUBTED_BELOW) return false;
  const t = text.trim();
  return t.length <= 4 && /[A-Za-z0-9]/.test(t) && !/[\u3400-\u9fff()（）]/.test(t);
}

/** A table cell OCR doubted that is one Chinese character (see toLines for where it is a value). */
function misreadCharacter(text: string, conf: number | undefined): boolean {
  return conf !== undefined && conf < OCR_DOUBTED_BELOW && /^[\u3400-\u9fff]$/.test(text.trim());
}

/** Whether a table row prints a number in a value column. */
function printsNumbers(row: { text: string; pos: SourcePosition }[]): boolean {
  return row.some((c) => (c.pos.col ?? 0) > 0 && /^\d+$/.test(c.text.trim()));
}

/** The last cell with Chinese in it that OCR did not misread (-1 when none). */
function lastHanIndex(parsed: ParsedCell[]): number {
  return parsed.findLastIndex((p) => /[\u3400-\u9fff]/.test(p.text) && !p.misread);
}

function toLines(blocks: Block[], partial: PartialLabel[]): StreamLine[] {
  const out: StreamLine[] = [];
  for (const b of blocks) {
    if (b.kind === "text") {
      if (b.explicitBlank) {
        out.push({
          cells: [
            {
              text: "",
              pos: b.pos,
              uncertain: b.uncertain,
              acrossPageBreak: b.acrossPageBreak,
              misread: undefined,
            },
          ],
          isRow: false,
          pos: b.pos,
          explicitBlank: true,
        });
        continue;
      }
      // (A paragraph of ink OCR could not read, one cell per paragraph, is a value read as nothing; one
      // it doubted that reads as a few letters and no Chinese, 11 read as nal, a value it misread.)
      const unread =
        b.conf !== undefined && (/^\ufffd+$/.test(b.text.trim()) || misreadValue(b.text, b.conf));
      const misread = unread ? true : undefined;
      out.push({
        cells: mapPacked(splitFlowLine(b.text), (text) => ({
          text: readUnknowns(text, partial),
          pos: b.pos,
          uncertain: undefined,
          acrossPageBreak: undefined,
          misread,
        })),
        isRow: false,
        pos: b.pos,
      });
      continue;
    }
    for (const row of b.rows) {
      // (In a row that prints numbers, a doubted lone Chinese character in a value column is a digit
      // misread too: 3 read as 了. Whether the row prints numbers is asked only for such a cell.)
      // (Every cell of every line has one shape, its fields set or undefined: the code reading lines
      // stays monomorphic.)
      const cells: StreamLine["cells"] = [];
      for (const c of row) {
        if (!c.origin) continue;
        const misread =
          (c.pos.col ?? 0) > 0 &&
          (misreadValue(c.text, c.conf) || (misreadCharacter(c.text, c.conf) && printsNumbers(row)));
        cells.push({
          text: readUnknowns(normalizeText(c.text), partial),
          pos: c.pos,
          uncertain: c.uncertain,
          acrossPageBreak: undefined,
          misread: misread ? true : undefined,
        });
      }
      if (cells.length === 0) continue;
      if (b.spans === "known") {
        out.push({ cells, isRow: true, pos: cells[0].pos });
        continue;
      }
      // Text dumps lose row ends: a label after values starts the next row.
      let start = 0;
      let sawValue = false;
      cells.forEach((c, i) => {
        const status = parseCellValue(c.text).status;
        if (status === "text" && sawValue) {
          out.push({ cells: cells.slice(start, i), isRow: true, pos: cells[start].pos });
          start = i;
          sawValue = false;
        } else if (status !== "text") sawValue = true;
      });
      out.push({ cells: cells.slice(start), isRow: true, pos: cells[start].pos });
    }
  }
  return out;
}

export interface BuiltUnits {
  units: Unit[];
  /** The document is in traditional script; its labels were matched in simplified script. */
  traditional?: boolean;
  /** Labels with unknown characters that were matched by the one template label they fit. */
  partialLabels?: PartialLabel[];
  /** Every line of the document in reading order, as text (rows with their cells joined by " | "). */
  lines: { text: string; seq: number }[];
  /** The document's pages were read by OCR: a label that matches nothing may be a misread one. */
  byOcr?: true;
}

/** A cell of a stream line with its printed value read. */
interface ParsedCell {
  text: string;
  pos: SourcePosition;
  uncertain?: boolean;
  misread?: boolean;
  v: ParsedValue;
}

/** The cells' texts joined by `separator` (without an array of them: every line of a document passes). */
function joinedCells(cells: { text: string }[], separator: string): string {
  let out = cells.length > 0 ? cells[0].text : "";
  for (let i = 1; i < cells.length; i++) out += separator + cells[i].text;
  return out;
}

const tokens = (cells: ParsedCell[]): ValueToken[] => tokensOnto([], cells, 0);

/** Pushes the value tokens of cells[from…] onto `out` (no slice of the cells made first); returns it. */
function tokensOnto(out: ValueToken[], cells: ParsedCell[], from: number): ValueToken[] {
  for (let i = from; i < cells.length; i++) {
    const c = cells[i];
    out.push({ parsed: c.v, pos: c.pos, uncertain: c.uncertain });
  }
  return out;
}

/** Whether a label is one of Table 2's or Table 3's rows (none is longer than 60 characters). */
const isTemplateRow = (label: string) =>
  label.length <= 60 && (matchT2Row(label) !== undefined || matchT3Rows(label).length > 0);

/**
 * Where a table row prints no figure at all, the first of its cells past a template row's label when
 * every cell from there on holds a short word in a value's place (`行政处罚 | （空）`, `*`, `不详`): the
 * row's values, kept as printed, not more of its label, which dropped the row. Else -1.
 */
function wordedValues(cells: ParsedCell[]): number {
  // (A template row prints at most three label cells and seven values.)
  if (cells.length > 10) return -1;
  for (let k = 1; k < Math.min(cells.length, 4); k++) {
    if (!isTemplateRow(joinedCells(cells.slice(0, k), ""))) continue;
    const rest = cells.slice(k);
    const worded = rest.every(
      (c) =>
        c.v.status === "blank" || (c.v.status === "text" && c.v.raw.length <= 6 && !isTemplateRow(c.v.raw)),
    );
    return worded && rest.some((c) => c.v.status === "text") ? k : -1;
  }
  return -1;
}

/** Builds the units of a document, plus the plain text lines for anchors, metadata and prose. */
export function buildUnits(doc: DocumentModel): BuiltUnits {
  const simplified = simplifiedBlocks(doc.blocks);
  const partialLabels: PartialLabel[] = [];
  const lines = toLines(simplified ?? doc.blocks, partialLabels);
  // (On pages read by OCR, figures printed with words are not told from labels: see firstPrinted.)
  const byOcr = doc.ocr !== undefined;
  const units: Unit[] = [];
  const textLines: { text: string; seq: number }[] = [];
  let floating: string[] = [];
  let run: Unit | undefined;

  /** Closes any open run and adds a unit bound to this row or line (defined once: documents have many lines). */
  const rowUnit = (line: StreamLine, seq: number, labels: ParsedCell[], values: ValueToken[]) => {
    run = undefined;
    units.push({
      own: joinedCells(labels, ""),
      ownCells: mapPacked(labels, (c) => c.text),
      floating,
      values,
      rowBound: true,
      pos: line.pos,
      seq,
      endSeq: seq,
    });
    floating = [];
  };

  lines.forEach((line, seq) => {
    if (line.explicitBlank) {
      // An empty cell printed as its own paragraph: a blank value of the open run, or the first value of
      // a new one (a row whose first cells are empty). Its cell boundary is known, so it is certain.
      textLines.push({ text: "", seq });
      const blank: ValueToken = {
        parsed: parseCellValue(""),
        pos: line.pos,
        uncertain: line.cells[0]?.uncertain ? true : undefined,
        acrossPageBreak: line.cells[0]?.acrossPageBreak ? true : undefined,
      };
      if (run) {
        run.values.push(blank);
        run.endSeq = seq;
      } else {
        run = {
          own: "",
          ownCells: [],
          floating,
          values: [blank],
          rowBound: false,
          pos: line.pos,
          seq,
          endSeq: seq,
        };
        units.push(run);
        floating = [];
      }
      return;
    }
    // (Unread ink only continues a run of values already open: elsewhere it is text.)
    if (!line.isRow && line.cells.length === 1 && !(line.cells[0].misread && run)) {
      // A line of prose or a caption (the common case, taken without the general path's allocations).
      const text = line.cells[0].text;
      const v = parseCellValue(text);
      if (v.status === "text" && !NONE_WORDS.has(v.raw)) {
        textLines.push({ text, seq });
        run = undefined;
        if (text) floating.push(text);
        return;
      }
    }
    const parsed: ParsedCell[] = mapPacked(line.cells, (c) => ({
      text: c.text,
      pos: c.pos,
      uncertain: c.uncertain,
      misread: c.misread,
      v: parseCellValue(c.text),
    }));
    textLines.push({ text: joinedCells(line.cells, line.isRow ? " | " : " "), seq });
    // (A misread value after the row's last Chinese label cell, with printed values after it, starts
    // the values: it is a value cell, kept as the text read and flagged, and the values after it stay in
    // their columns. In a header row, with no value after it, it is a misread header.)
    // (A figure printed with words, `约15`, is a value past a row's label: in a table row, or closing a
    // text line that is otherwise a template row's label, `行政许可 约15`. Not on a page read by OCR,
    // where a label's misread ordinal looks the same: its misreads are told apart by their confidence.)
    const firstPrinted = parsed.findIndex(
      (c, i) =>
        isPrinted(c.v) ||
        (i > 0 &&
          !byOcr &&
          isFigureText(c.v) &&
          (line.isRow || (i === parsed.length - 1 && isTemplateRow(joinedCells(parsed.slice(0, i), ""))))),
    );
    // (The last cell with Chinese in it is found only when a misread cell asks: OCR only. Functions
    // defined here would be made again for every line.)
    let firstValue = parsed.findIndex(
      (c, i) =>
        i === firstPrinted ||
        (c.misread === true &&
          i > lastHanIndex(parsed) &&
          (firstPrinted > i || (!line.isRow && run !== undefined))),
    );
    if (firstValue === -1 && line.isRow && !byOcr) firstValue = wordedValues(parsed);
    const labelCells: ParsedCell[] = [];
    for (let i = 0; i < (firstValue === -1 ? parsed.length : firstValue); i++) {
      const c = parsed[i];
      if (c.v.status === "text" && !NONE_WORDS.has(c.v.raw)) labelCells.push(c);
    }
    const own = joinedCells(labelCells, "");
    if (firstValue === -1) {
      // No printed value on this line. A table row whose label is followed by blank cells still holds
      // values (blanks); a row of empty cells without a label is a data row left blank (an unfilled
      // template); anything else is text.
      const lastLabel = parsed.reduce((acc, c, i) => (c.v.status === "text" ? i : acc), -1);
      const trailingBlanks = parsed.slice(lastLabel + 1).filter((c) => c.v.status === "blank");
      if (line.isRow && lastLabel >= 0 && trailingBlanks.length > 0 && labelKey(own) !== "") {
        rowUnit(line, seq, labelCells, tokens(trailingBlanks));
      } else if (line.isRow && lastLabel < 0 && parsed.length >= 5) {
        rowUnit(line, seq, [], tokens(parsed));
      } else {
        run = undefined;
        if (own) floating.push(own);
      }
      return;
    }
    // In a table row the values may start right after the label with empty cells (a row that prints
    // only its 总计). Empty cells there can also be the rest of a label spanning several columns, so
    // they are kept as uncertain: the template's cell count decides. Blanks before the label are
    // rowspan placeholders.
    let values: ValueToken[];
    if (line.isRow) {
      const lastLabel = parsed.findLastIndex((c, i) => i < firstValue && c.v.status === "text");
      values = [];
      for (let i = lastLabel + 1; i < firstValue; i++) {
        const c = parsed[i];
        values.push({ parsed: c.v, pos: c.pos, uncertain: true });
      }
      tokensOnto(values, parsed, firstValue);
    } else values = tokensOnto([], parsed, firstValue);
    if (line.isRow || own !== "") {
      rowUnit(line, seq, labelCells, values);
      return;
    }
    // A line holding only values (one cell per paragraph): extend the open run.
    if (run) {
      run.values.push(...values);
      run.endSeq = seq;
      return;
    }
    run = { own: "", ownCells: [], floating, values, rowBound: false, pos: line.pos, seq, endSeq: seq };
    units.push(run);
    floating = [];
  });
  const built: BuiltUnits = simplified
    ? { units, lines: textLines, traditional: true }
    : { units, lines: textLines };
  if (partialLabels.length > 0) built.partialLabels = partialLabels;
  if (byOcr) built.byOcr = true;
  return built;
}

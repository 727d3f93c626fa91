// Text extractor: plain-text dumps, including the broken pipe dialects and markdown tables, → blocks.
// Lines with bars become table rows (grid positions unknown); every other line is a text block.
import type { Block, DocumentModel, GridCell, TableBlock } from "../model/document.js";
import { plainCell } from "../model/document.js";
import { isValueText, normalizeText } from "../normalize/text.js";
import { mapPacked } from "../packed-arrays.js";

interface Line {
  text: string;
  no: number;
  /** The line held only no-break spaces: an empty cell printed as such. */
  explicitBlank?: boolean;
}

const BAR_ONLY = /^\|+$/;
const MD_SEPARATOR = /^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?$/;

/** Cells of a single-line row. Whitespace-only cells are blanks; zero-width runs (`||`) are padding. */
function splitRow(line: string): string[] {
  let s = line.trim();
  if (s.startsWith("|")) s = s.slice(1);
  const parts = s.split("|");
  if (parts.length > 0 && parts[parts.length - 1].trim() === "") parts.pop();
  const cells: string[] = [];
  for (const p of parts) {
    if (p === "") continue;
    cells.push(p.trim());
  }
  return cells;
}

/**
 * Splits a one-cell line (`text |` followed by padding bars) into its text and the bar count after it.
 * Scanned by hand: a regular expression for it backtracks quadratically on long lines.
 */
function cellLine(line: string): { text: string; bars: number } | undefined {
  const first = line.indexOf("|");
  if (first < 0 || !ONLY_BARS_AND_SPACE.test(line.slice(first + 1))) return undefined;
  const text = line.slice(0, first).trim();
  if (text === "") return undefined;
  let bars = 0;
  for (let i = first; i < line.length; i++) if (line.charCodeAt(i) === 0x7c) bars++;
  return { text, bars };
}

const ONLY_BARS_AND_SPACE = /^[\s|]*$/;

/** `label | ||` : text, a bar, then only bars with at least two of them together (a padded cell). */
function isPaddedCell(line: string): boolean {
  const first = line.indexOf("|");
  return first > 0 && /\S/.test(line.slice(0, first)) && /^\s*\|+\s*$/.test(line.slice(first + 1));
}

type Dialect = "row-markers" | "padding-lines";

/**
 * Decides how bare `|` lines are to be read in a one-cell-per-line dump: as row starts followed by
 * cells whose last one carries the padding (P1a), or as empty cells and padding lines (P1b).
 */
function detectDialect(lines: Line[]): Dialect {
  let paddedCells = 0;
  let barOnlyMulti = 0;
  let bareBeforeText = 0;
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i].text;
    if (isPaddedCell(t)) paddedCells++;
    if (/^\|{2,}$/.test(t)) barOnlyMulti++;
    if (t === "|" && i + 1 < lines.length && !BAR_ONLY.test(lines[i + 1].text)) bareBeforeText++;
  }
  return paddedCells > barOnlyMulti && bareBeforeText >= 2 ? "row-markers" : "padding-lines";
}

export function extractText(raw: string): DocumentModel {
  // A line holding only no-break spaces (or a literal `&nbsp;` left by a copy of a web page) is an empty
  // cell the source printed, not an empty line: it is kept as a blank before normalization erases it.
  const lines: Line[] = mapPacked(
    raw
      .replace(/\r\n?/g, "\n")
      .replace(/&nbsp;/g, "\u00a0")
      .split("\n"),
    (line, i) => {
      const text = normalizeText(line).trim();
      return { text, no: i + 1, explicitBlank: text === "" && line.includes("\u00a0") };
    },
  );
  const dialect = detectDialect(lines);
  const blocks: Block[] = [];
  let table: TableBlock | undefined;
  let row: GridCell[] | undefined;
  let tableIndex = 0;
  let nextNonEmpty = 0; // the first non-empty line after the current one, found once for all lines

  const closeRow = () => {
    if (row && row.length > 0 && table) table.rows.push(row);
    row = undefined;
  };
  const closeTable = () => {
    closeRow();
    if (table && table.rows.length > 0) blocks.push(table);
    table = undefined;
  };
  const ensureTable = (no: number) => {
    if (!table) table = { kind: "table", rows: [], spans: "unknown", pos: { line: no, table: tableIndex++ } };
    return table;
  };
  const addCell = (text: string, no: number, uncertain = false) => {
    const t = ensureTable(no);
    row ??= [];
    const cell = plainCell(text, t.rows.length, row.length, { line: no, table: t.pos.table });
    if (uncertain) cell.uncertain = true;
    row.push(cell);
  };

  for (let i = 0; i < lines.length; i++) {
    const { text, no, explicitBlank } = lines[i];
    if (explicitBlank) {
      if (row) addCell("", no);
      else {
        closeTable();
        blocks.push({ kind: "text", text: "", explicitBlank: true, pos: { line: no } });
      }
      continue;
    }
    if (text === "") continue;
    if (!text.includes("|")) {
      closeTable();
      blocks.push({ kind: "text", text, pos: { line: no } });
      continue;
    }
    if (text.includes("-") && MD_SEPARATOR.test(text)) continue;
    if (BAR_ONLY.test(text)) {
      while (nextNonEmpty <= i || (nextNonEmpty < lines.length && lines[nextNonEmpty].text === ""))
        nextNonEmpty++;
      const next = lines[nextNonEmpty] as Line | undefined;
      const nextIsBar = next !== undefined && BAR_ONLY.test(next.text);
      if (dialect === "row-markers") {
        // A bare bar followed by another bar is an empty cell; otherwise it starts the next row.
        if (text === "|" && nextIsBar && row) addCell("", no);
        else closeRow();
      } else if (text === "|") {
        // One bar: an empty cell, or one bar of padding ending the row. A label after it ends the row,
        // but the bar may still be the row's last (empty) cell: it is kept as an uncertain blank, and
        // reconstruction drops it when the row has all its cells without it.
        const nextIsLabel =
          next !== undefined && !nextIsBar && !isValueText(cellLine(next.text)?.text ?? next.text);
        if (row) addCell("", no, true);
        if (nextIsLabel) closeRow();
      } else {
        closeRow();
      }
      continue;
    }
    const single = cellLine(text);
    if (single && !text.trim().startsWith("|")) {
      // One cell on its own line (P1a/P1b); padding bars after it end the row.
      addCell(single.text, no);
      if (single.bars > 1) closeRow();
      continue;
    }
    // A whole row on one line (P2, P3, markdown).
    closeRow();
    ensureTable(no);
    row = mapPacked(splitRow(text), (c, j) =>
      plainCell(c, table!.rows.length, j, { line: no, table: table!.pos.table }),
    );
    closeRow();
  }
  closeTable();
  return { form: "text", blocks, warnings: [] };
}

/**
 * Whether a text is tab-separated data (a TSV export), not a document: most lines split by tabs into
 * the same number (2 or more) of fields. Reports copied as text keep their prose lines tab-free.
 */
export function tabSeparatedShape(text: string): { rows: number; columns: number } | undefined {
  if (!text.includes("\t")) return undefined; // no line has two fields: the common case, without a split
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  if (lines.length < 5) return undefined;
  const counts = new Map<number, number>();
  for (const l of lines) {
    const fields = l.split("\t").length;
    if (fields >= 2) counts.set(fields, (counts.get(fields) ?? 0) + 1);
  }
  const [columns, rows] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0] ?? [0, 0];
  return rows >= lines.length * 0.8 ? { rows, columns } : undefined;
}

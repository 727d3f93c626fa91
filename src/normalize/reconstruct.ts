// Template-driven reconstruction of Tables 2–4 from units: finds each table by its anchors, maps rows
// by label (Table 3 by aligning units to the template order), detects the format version.
import type { SourcePosition } from "../model/document.js";
import { mapPacked } from "../packed-arrays.js";
import type { CanonicalCell, Flag } from "./cells.js";
import type { PartialLabel } from "./partial-labels.js";
import { r5Instances } from "./rules.js";
import {
  ALL_TABLES,
  type FormatVersion,
  matchT2Row,
  matchT3Rows,
  T2_ROWS,
  type T2ColumnSet,
  type T2Row,
  T3_COLUMNS,
  T3_ROWS,
  T4_KEYS,
  t2ColumnsFromHeader,
  t2DefaultColumns,
  t3Sequence,
} from "./template.js";
import { labelKey, type ParsedValue, parsedValue, scaleDecimal, stripOrdinal } from "./text.js";
import { type BuiltUnits, NONE_WORDS, type Unit, type ValueToken } from "./units.js";

const T4_KEY_INDEX = new Map(T4_KEYS.map((k, i) => [k, i]));

/**
 * Table 3's row keys and cell keys (`applications.<row>.<column>`), made once. A key concatenated per
 * cell was a new string in every document, hashed again by every map and set that holds the cells
 * (the rules, the schema check, the store's key ids); these are the same strings in every report.
 */
const T3_ROW_KEYS = mapPacked(T3_ROWS, (r) => `applications.${r.key}`);
const T3_CELL_KEYS = mapPacked(T3_ROW_KEYS, (rowKey) => mapPacked(T3_COLUMNS, (c) => `${rowKey}.${c}`));

/** Table 2's cell keys by row (a template row) and column, made the first time they are met. */
const t2CellKeys = new Map<T2Row, Map<string, string>>();
function t2CellKey(row: T2Row, prefix: string, col: string): string {
  let byCol = t2CellKeys.get(row);
  if (!byCol) {
    byCol = new Map();
    t2CellKeys.set(row, byCol);
  }
  let key = byCol.get(col);
  if (key === undefined) {
    key = `${prefix}.${col}`;
    byCol.set(col, key);
  }
  return key;
}

export interface Reconstruction {
  cells: CanonicalCell[];
  flags: Flag[];
  formatVersion: FormatVersion;
  /** Which tables were found. */
  tables: { t2: boolean; t3: boolean; t4: boolean };
}

type Context = "none" | "t2" | "t3" | "t4";

function anchorOf(text: string): Context | "end" | undefined {
  // A paragraph or sentence of prose is not a heading or table label (a full stop is told before the
  // key is made: most floating texts are paragraphs, too long for the key cache).
  if (/。/.test(text)) return undefined;
  const k = labelKey(text);
  if (k.length > 45) return undefined;
  if (/本列数据的勾稽关系|申请人情况|收到和处理政府信息公开申请/.test(k)) return "t3";
  if (/行政复议/.test(k) && (/行政诉讼/.test(k) || k.length <= 8)) return "t4";
  // (A scan's heading read with a word wrong: 四、政府信息公开行政复议 as 四、政府音乱公开行政 / 昔议、行政诉讼.)
  if ((/行政诉讼/.test(k) || /^四.{0,6}公开行政/.test(k)) && k.length <= 16) return "t4";
  if (/^第二十条|信息内容|主动公开政府信息情况/.test(k)) return "t2";
  if (/存在的主要问题|主要问题及改进|存在问题及改进|其他需要报告|其他报告事项|^五存在/.test(k)) return "end";
  return undefined;
}

interface T2Pending {
  row: T2Row;
  header?: T2ColumnSet;
  mixedHeader: boolean;
  unit: Unit;
  /** Placed by template order: its label was not read (see inferT2Rows). */
  inferred?: true;
  /** A label alone, no cell printed after it: every cell of the row is blank. */
  emptyRow?: true;
}

/** The Table 2 row a line is the label of, and nothing more (no prose that starts like one). */
function bareT2Label(line: string): T2Row | undefined {
  const row = matchT2Row(line);
  return row?.prefixes.includes(stripOrdinal(labelKey(line))) ? row : undefined;
}

/**
 * Fits a row's printed cells to the n cells the template expects: trailing blanks beyond n are padding;
 * then uncertain blanks (possibly padding or label spans) are dropped, first ones first, while the row
 * is still too long.
 */
function trimValues<T extends { parsed: { status: string }; uncertain?: boolean; acrossPageBreak?: boolean }>(
  values: T[],
  n: number,
  onChoice?: () => void,
): T[] {
  const v = [...values];
  if (v.length <= n) return v; // nothing to trim (most rows): no set of dropped blanks made
  while (v.length > n && v[v.length - 1].parsed.status === "blank") v.pop();
  const dropped = new Set<T>();
  while (v.length > n) {
    // (Those counted across a page break first: the room a page leaves is measured against the bottom
    // of other pages, a distance within a page on the page itself.)
    const weak = v.findIndex((t) => t.uncertain && t.acrossPageBreak && t.parsed.status === "blank");
    const i = weak >= 0 ? weak : v.findIndex((t) => t.uncertain && t.parsed.status === "blank");
    if (i < 0) break;
    dropped.add(v[i]);
    v.splice(i, 1);
  }
  // Blanks of one run are alike; but where uncertain blanks were dropped from one run and kept in
  // another (values between them), the count alone did not say which run holds them.
  if (onChoice && dropped.size > 0) {
    const runOf = new Map<T, number>();
    let run = 0;
    values.forEach((t, i) => {
      if (t.parsed.status !== "blank") run = i + 1;
      else runOf.set(t, run);
    });
    const droppedRuns = new Set([...dropped].map((t) => runOf.get(t)));
    const keptRuns = new Set(v.filter((t) => t.uncertain && runOf.has(t)).map((t) => runOf.get(t)));
    if ([...keptRuns].some((k) => [...droppedRuns].some((d) => d !== k))) onChoice();
  }
  return v;
}

/** The flag of a row whose uncertain blanks trimValues could not place by the cell count alone. */
function blanksUnplaced(row: string, key: string, pos?: SourcePosition): Flag {
  return {
    code: "ambiguous_alignment",
    severity: "warning",
    message: `${row}: empty lines of uncertain count in more than one place; the template's cell count does not say which hold the row's blanks`,
    keys: [key],
    pos,
  };
}

/** R5 on 15 Table 4 tokens in template order: groups that add up, minus groups that do not. */
function table4Score(toks: { parsed: ParsedValue }[]): number {
  const get = (key: string) => toks[T4_KEY_INDEX.get(key) ?? -1]?.parsed;
  return r5Instances(get).reduce((s, i) => s + (i.status === "pass" ? 1 : i.status === "fail" ? -1 : 0), 0);
}

/**
 * Table 4 printed as one row of 15 where the row begins with empty cells the source could not place
 * (a borderless PDF row whose trailing blanks were laid out as a leading column): those blanks may
 * belong at the start or at the end. Each placement is scored with R5 (groups that add up, minus
 * those that do not); a unique best placement is taken, and a tie between placements that read
 * differently keeps the row as printed and flags it.
 */
function placeUncertainBlanks<T extends { parsed: ParsedValue; uncertain?: boolean }>(
  toks: T[],
  flags: Flag[],
): T[] {
  let lead = 0;
  while (lead < toks.length && toks[lead].uncertain && toks[lead].parsed.status === "blank") lead++;
  if (lead === 0) return toks;
  const candidates = Array.from({ length: lead + 1 }, (_, k) => [...toks.slice(k), ...toks.slice(0, k)]);
  const scores = candidates.map(table4Score);
  const best = Math.max(...scores);
  const winners = candidates.filter((_, k) => scores[k] === best);
  if (winners.length === 1) return winners[0];
  flags.push({
    code: "ambiguous_alignment",
    severity: "warning",
    message: `Table 4: ${lead} empty cell(s) before the first value could belong at the start or the end of the row; kept as printed`,
    keys: ["appeals"],
  });
  return toks;
}

function numberText(raw: string): string {
  return raw.replace(/[^\d.+-]/g, "");
}

/**
 * One flag per distinct label read around unknown characters: on its row where the label names one,
 * otherwise (headers, headings) on all three tables.
 */
function partialLabelFlags(partial: PartialLabel[]): Flag[] {
  const byRead = new Map<string, Set<string>>();
  for (const p of partial) byRead.set(p.read, (byRead.get(p.read) ?? new Set()).add(p.printed));
  return mapPacked([...byRead], ([read, printed]) => {
    const t2 = matchT2Row(read);
    const t3 = matchT3Rows(read, 3).filter((i) => T3_ROWS[i].key);
    const keys = t2
      ? [`active.${t2.block}.${t2.row}`]
      : t3.length > 0
        ? mapPacked(t3, (i) => `applications.${T3_ROWS[i].key}`)
        : [...ALL_TABLES];
    return {
      code: "label_partially_read",
      severity: "warning" as const,
      message: `label printed as ${[...printed].map((p) => `「${p}」`).join(" ")} holds characters the text layer could not map (shown as \ufffd); it was matched as the one template label it fits, 「${read}」`,
      keys,
    };
  });
}

/** Reconstructs the tables from a document's units (buildUnits), which the caller also reads for metadata. */
export function reconstruct(
  { units, lines, traditional, partialLabels, byOcr }: BuiltUnits,
  yearHint?: number,
): Reconstruction {
  const lastSeq = lines.length - 1;
  const flags: Flag[] = partialLabels ? partialLabelFlags(partialLabels) : [];
  if (traditional) {
    flags.push({
      code: "traditional_script",
      severity: "info",
      message:
        "the document is in traditional script; labels were matched after conversion to simplified (OpenCC)",
    });
  }
  const cells: CanonicalCell[] = [];

  const tables = tableUnits(units, flags, byOcr === true);
  const { t2, t3, t4, sawT2, sawT3, sawT4 } = tables;
  const { version, sawSubRows, t3Matches, otherTotalIdx, labelVotes } = decideVersion(
    tables,
    lines,
    yearHint,
    flags,
  );
  const baseVersion: "GOP2019" | "GOP2021" = version === "GOP2019" ? "GOP2019" : "GOP2021";

  mapTable2(t2, baseVersion, lastSeq, cells, flags);
  if (t3.length > 0) mapTable3(t3, version, sawSubRows, t3Matches, otherTotalIdx, lastSeq, cells, flags);
  const t4Found = mapTable4(t4, lastSeq, cells, flags);

  // A value printed as text (`约15`, `15(含3)`) is kept as printed, no number: said so, for each cell.
  const texts = cells.filter((c) => c.status === "text" && !NONE_WORDS.has(c.raw));
  if (texts.length > 0) {
    flags.push({
      code: "value_not_a_number",
      severity: "warning",
      message: `${texts.length} value cell${texts.length > 1 ? "s" : ""} printed as text, not a number, kept as printed: ${texts
        .slice(0, 5)
        .map((c) => `${c.key} "${c.raw}"`)
        .join(", ")}${texts.length > 5 ? ", …" : ""}`,
      keys: texts.map((c) => c.key),
    });
  }
  if (cells.every((c) => c.status === "blank") && (cells.length > 0 || labelVotes.size > 0)) {
    // Every value cell empty: a template published without its figures, or an excerpt cut off after a
    // header. The version is the template's; no value is stored as a number.
    const t3Labels = lines.filter((l) => l.text.length <= 60 && matchT3Rows(l.text, 3).length > 0).length;
    const unfilled = cells.length > 0 || t3Labels >= 5;
    flags.push({
      code: unfilled ? "empty_template" : "header_only",
      severity: "warning",
      message: unfilled
        ? `every value cell of the ${version} tables is empty (a template published without its figures)`
        : `the text ends after the table header; ${version} read from the header, no value printed`,
      keys: [...ALL_TABLES],
    });
  } else if (!sawT2 && !sawT3 && !sawT4 && cells.length === 0) {
    flags.push({
      code: "no_standard_tables",
      severity: "info",
      message:
        "the document has no standard statistical tables (free-form report, or tables published as images)",
    });
  }
  return {
    cells,
    flags,
    formatVersion: version,
    tables: { t2: t2.length > 0, t3: t3.length > 0, t4: t4Found },
  };
}

/** The units of each table, in the order the document prints them, and which tables' anchors it shows. */
interface TableUnits {
  t2: T2Pending[];
  t3: Unit[];
  t4: Unit[];
  sawT2: boolean;
  sawT3: boolean;
  sawT4: boolean;
}

// reconstruct's phases are functions of their own: as one function they took V8 a tenth of a second
// to compile, compiled again after each object shape it had not met yet (four times in a bulk import).

/** Places each unit in Table 2, 3 or 4 (or none) by the anchors and row labels read so far. */
function tableUnits(units: Unit[], flags: Flag[], byOcr: boolean): TableUnits {
  let ctx = "none" as Context;
  const t2: T2Pending[] = [];
  const t3: Unit[] = [];
  const t4: Unit[] = [];
  const unlabelled: T2Unlabelled[] = [];
  let header = "";
  let sawT2 = false;
  let sawT3 = false;
  let sawT4 = false;

  const applyAnchor = (text: string) => {
    const a = anchorOf(text);
    if (!a) return;
    if (a === "end") ctx = "none";
    else {
      if (a !== ctx) header = "";
      ctx = a;
    }
    if (a === "t2") sawT2 = true;
    if (a === "t3") sawT3 = true;
    if (a === "t4") sawT4 = true;
  };

  for (const u of units) {
    for (const [k, f] of u.floating.entries()) {
      applyAnchor(f);
      if (ctx !== "t2") continue;
      // A row's label on a line of its own, with text after it before any value (the next block's
      // heading, or the next row's label): a row printed with all its cells empty, which a borderless
      // table prints as nothing at all.
      const row = k < u.floating.length - 1 || u.own !== "" ? bareT2Label(f) : undefined;
      if (row) {
        t2.push({
          row,
          header: t2ColumnsFromHeader(row.block, header),
          mixedHeader: false,
          unit: { ...u, own: f, ownCells: [f], floating: [], values: [] },
          emptyRow: true,
        });
        header = "";
      } else header += `\n${f}`;
    }
    let t2row =
      matchT2Row(u.own) ?? (u.own === "" ? matchT2Row(u.floating[u.floating.length - 1] ?? "") : undefined);
    if (!t2row && u.ownCells.length > 1) {
      // A header row run into the data row (text dumps without row ends): the last cell is the label.
      t2row = matchT2Row(u.ownCells[u.ownCells.length - 1]);
      if (t2row) {
        for (const c of u.ownCells.slice(0, -1)) applyAnchor(c);
        header += `\n${u.ownCells.slice(0, -1).join("\n")}`;
      }
    }
    const t3hits = matchT3Rows(u.own, 3);
    const printed = u.values.some((v) => v.parsed.status !== "blank");
    if (!t2row && t3hits.length === 0 && !printed && u.own) {
      // A caption or header row padded with empty cells: text, not a data row.
      applyAnchor(u.own);
      if (ctx === "t2") header += `\n${u.own}`;
    }
    if (ctx !== "t2" && ctx !== "t3" && ctx !== "t4" && t2row) ctx = "t2";
    if ((ctx === "t2" || ctx === "none") && t3hits.length > 0 && !t2row) {
      ctx = "t3";
      sawT3 = true;
    }
    if (ctx === "t2") {
      sawT2 = true;
      if (t2row) {
        const colset = t2ColumnsFromHeader(t2row.block, header);
        const k = labelKey(header);
        t2.push({
          row: t2row,
          header: colset,
          mixedHeader: t2row.block === "art20_1" && /本年新/.test(k) && /制发|废止/.test(k),
          unit: u,
        });
        header = "";
      } else if (u.values.some((v) => v.parsed.status === "number")) {
        if (byOcr || unreadLabel(u)) {
          unlabelled.push({ at: t2.length, unit: u, header });
          header = "";
        } else flags.push(unrecognizedT2Row(u));
      }
    } else if (ctx === "t3" && byOcr && u.rowBound && unreadLabel(u) && u.values.length >= 13) {
      // A row of fifteen values after Table 3, its heading misread past knowing: Table 4 (no row of
      // Table 3 holds more than seven).
      ctx = "t4";
      sawT4 = true;
      t4.push(u);
    } else if (ctx === "t3") {
      t3.push(u);
    } else if (ctx === "t4") {
      t4.push(u);
    }
  }
  return { t2: inferT2Rows(t2, unlabelled, flags), t3, t4, sawT2, sawT3, sawT4 };
}

function unrecognizedT2Row(u: Unit): Flag {
  return {
    code: "unrecognized_row",
    severity: "warning",
    message: `Table 2 row "${u.own || u.floating.join(" ")}" is not in the template; its values were not stored`,
    pos: u.pos,
  };
}

/**
 * Whether a row's label was not read at all: none printed, or no Chinese in it (an OCR'd `规章` read as
 * `Re`, or as unread ink). A label read as other words is a row the template does not have, but on a
 * page read by OCR it may be a misread one (`行政强制` read `行小缀笛`): there every label that matches no
 * row counts as not read.
 */
function unreadLabel(u: Unit): boolean {
  return u.own === "" || u.own.includes("\ufffd") || !/\p{Script=Han}/u.test(u.own);
}

/** A Table 2 row whose label was not read, and where it stands among the rows that were (index into t2). */
interface T2Unlabelled {
  at: number;
  unit: Unit;
  header: string;
}

/**
 * Rows of Table 2 whose label was not read, placed by the template's row order where that leaves no
 * choice: the rows between the labelled rows before and after them are exactly as many as the template
 * has between those two (GOP2019's own rows left out where a neighbour's header is GOP2021's). Any
 * other such row is reported and not stored. Placed rows are flagged `row_label_inferred`.
 */
function inferT2Rows(t2: T2Pending[], unlabelled: T2Unlabelled[], flags: Flag[]): T2Pending[] {
  if (unlabelled.length === 0) return t2;
  const order = (r: T2Row) => T2_ROWS.indexOf(r);
  const seen = new Set(t2.map((p) => p.row));
  const placed = new Map<T2Unlabelled, T2Row>();
  for (let i = 0; i < unlabelled.length; ) {
    // A run of unlabelled rows with the same labelled neighbours.
    let j = i;
    while (j + 1 < unlabelled.length && unlabelled[j + 1].at === unlabelled[i].at) j++;
    const run = unlabelled.slice(i, j + 1);
    i = j + 1;
    const before = t2[run[0].at - 1];
    const after = t2[run[0].at];
    if (!before && !after) continue;
    const v21 = [before, after].some((p) => p?.header?.version === "GOP2021");
    const candidates = T2_ROWS.filter(
      (r) =>
        !seen.has(r) &&
        order(r) > (before ? order(before.row) : -1) &&
        order(r) < (after ? order(after.row) : T2_ROWS.length) &&
        !(v21 && t2DefaultColumns(r.block, "GOP2021") === undefined) &&
        !(v21 && r.row === "other_external_services"),
    );
    // The last rows of the table have no labelled row after them: GOP2019 and GOP2021 end differently.
    if (!after && !v21) continue;
    if (candidates.length !== run.length) continue;
    for (const [k, x] of run.entries()) placed.set(x, candidates[k]);
  }
  const out: T2Pending[] = [];
  const add = (x: T2Unlabelled) => {
    const row = placed.get(x);
    if (!row) {
      flags.push(unrecognizedT2Row(x.unit));
      return;
    }
    out.push({
      row,
      header: t2ColumnsFromHeader(row.block, x.header),
      mixedHeader: false,
      unit: x.unit,
      inferred: true,
    });
  };
  let next = 0;
  t2.forEach((p, k) => {
    while (next < unlabelled.length && unlabelled[next].at === k) add(unlabelled[next++]);
    out.push(p);
  });
  while (next < unlabelled.length) add(unlabelled[next++]);
  return out;
}

/** The template version the tables follow (GOP2019, GOP2021, HYBRID…), and the Table 3 facts it rests on. */
function decideVersion(
  { t2, t3, t4 }: TableUnits,
  lines: BuiltUnits["lines"],
  yearHint: number | undefined,
  flags: Flag[],
): {
  version: FormatVersion;
  sawSubRows: boolean;
  t3Matches: { own: number[]; soft: number[] }[];
  otherTotalIdx: number;
  labelVotes: Set<string>;
} {
  const votes = new Set<"GOP2019" | "GOP2021">();
  for (const p of t2) {
    if (p.header) votes.add(p.header.version);
    if (p.mixedHeader) {
      votes.add("GOP2019");
      votes.add("GOP2021");
    }
  }
  const t3Matches = mapPacked(t3, (u) => ({
    own: matchT3Rows(u.own, 3),
    // A floating label is the text just before the values (a wrapped label spans a few lines at most).
    soft: matchT3Rows(u.floating.slice(-4).join("\n"), 3),
  }));
  const subRowIdx = new Set(t3Sequence("GOP2021").filter((i) => T3_ROWS[i].only === "GOP2021"));
  const otherTotalIdx = T3_ROWS.findIndex((r) => r.key === "result.other.total");
  const allT3Text = mapPacked(t3, (u) => `${u.floating.join("")}${u.own}`).join("");
  const sawSubRows =
    t3Matches.some((m) => m.own.some((i) => subRowIdx.has(i) && T3_ROWS[i].cores.length > 0)) ||
    /逾期不补正|逾期未按收费/.test(labelKey(allT3Text));
  // Without value rows to vote, the template's own header and row labels still name the version: an
  // unfilled template prints them all, an excerpt may end right after the Table 2 header.
  const labelVotes = votes.size === 0 && !sawSubRows ? versionFromLabels(lines) : new Set<string>();
  let version: FormatVersion;
  if (votes.size === 2) version = "HYBRID";
  else if (votes.size === 1) version = [...votes][0];
  else if (sawSubRows) version = "GOP2021";
  else if (labelVotes.size === 1) version = [...labelVotes][0] as FormatVersion;
  else if (labelVotes.size === 2) version = "HYBRID";
  else if ((yearHint === undefined || yearHint < 2019) && !followsTemplate(lines)) {
    // A report from before the national template: its 附表 is a local indicator set (主动公开信息数,
    // 行政复议数 …) that only looks like Tables 3–4 by its words. Nothing is mapped to template keys;
    // without a year, nothing says which template the tables would follow either.
    version = yearHint === undefined ? "UNKNOWN" : "PRE2019";
    if (t2.length + t3.length + t4.length > 0) {
      flags.push({
        code: "tables_not_template",
        severity: "info",
        message: `the ${yearHint ?? "undated"} report's tables do not carry the national template's labels (a local 附表); their values are kept in the text only`,
      });
    }
    t2.length = 0;
    t3.length = 0;
    t4.length = 0;
  } else if (t3.length > 0 || t4.length > 0) {
    version = yearHint !== undefined && yearHint >= 2021 ? "GOP2021" : "GOP2019";
    flags.push({
      code: "version_from_year",
      severity: "info",
      message: `no template fingerprint visible; ${version} assumed from the report year`,
    });
  } else version = yearHint !== undefined && yearHint < 2019 ? "PRE2019" : "UNKNOWN";
  if (version === "HYBRID") {
    flags.push({
      code: "hybrid_format",
      severity: "warning",
      message: "Table 2 blocks follow different template versions; each block mapped by its own headers",
      keys: ["active"],
    });
  }
  return { version, sawSubRows, t3Matches, otherTotalIdx, labelVotes };
}

/** Table 2's cells, each row by its block's column header (or the version's default columns). */
function mapTable2(
  t2: T2Pending[],
  baseVersion: "GOP2019" | "GOP2021",
  lastSeq: number,
  cells: CanonicalCell[],
  flags: Flag[],
): void {
  const lastColset = new Map<string, T2ColumnSet>();
  for (const p of t2) {
    let colset = p.header ?? lastColset.get(p.row.block);
    if (!colset) {
      colset = t2DefaultColumns(p.row.block, p.row.block === "art20_9" ? "GOP2019" : baseVersion);
      if (colset && p.unit.values.length > 0) {
        flags.push({
          code: "t2_header_missing",
          severity: "warning",
          message: `no column header before ${p.row.row}; ${colset.version} columns assumed`,
          keys: [`active.${p.row.block}.${p.row.row}`],
          pos: p.unit.pos,
        });
      }
    }
    if (!colset) continue;
    lastColset.set(p.row.block, colset);
    const prefix = `active.${p.row.block}.${p.row.row}`;
    if (p.inferred) {
      flags.push({
        code: "row_label_inferred",
        severity: "warning",
        message: `${prefix}: row label not read ("${p.unit.own}"); placed by template order between the rows read`,
        keys: [prefix],
        pos: p.unit.pos,
      });
    }
    figureInLabel(p.unit, prefix, flags);
    const n = colset.columns.length;
    if (p.emptyRow) {
      flags.push({
        code: "empty_row",
        severity: "warning",
        message: `${prefix}: the row's label stands alone, no cell printed after it; its ${n} cells were stored blank`,
        keys: [prefix],
        pos: p.unit.pos,
      });
    }
    const vals = p.emptyRow
      ? colset.columns.map((): ValueToken => ({ parsed: parsedValue("blank", null, ""), pos: p.unit.pos }))
      : trimValues(p.unit.values, n, () => flags.push(blanksUnplaced(prefix, prefix, p.unit.pos)));
    if (vals.length !== n) {
      const truncated = vals.length < n && p.unit.endSeq >= lastSeq;
      flags.push({
        code: truncated ? "row_truncated" : "ambiguous_alignment",
        severity: "warning",
        message: `${prefix}: ${vals.length} values printed for ${n} columns; assigned left to right`,
        keys: [prefix],
        pos: p.unit.pos,
      });
    }
    vals.slice(0, n).forEach((tok, i) => {
      const col = colset!.columns[i];
      const confidence = p.inferred ? 0.8 : p.unit.own ? 1 : 0.9;
      const cell = makeCell(t2CellKey(p.row, prefix, col), tok, p.unit.own, confidence);
      if (col === "amount_yuan") applyMoney(cell, tok, colset!.moneyUnit, flags);
      cells.push(cell);
    });
  }
}

/**
 * Table 3's cells: the units aligned to the version's row sequence, GOP2021's （六）其他处理 as one row
 * where the document prints it without its sub-rows.
 */
function mapTable3(
  t3: Unit[],
  version: FormatVersion,
  sawSubRows: boolean,
  t3Matches: { own: number[]; soft: number[] }[],
  otherTotalIdx: number,
  lastSeq: number,
  cells: CanonicalCell[],
  flags: Flag[],
): void {
  const seqVersion: "GOP2019" | "GOP2021" | "GOP2021-collapsed" =
    version === "GOP2019"
      ? "GOP2019"
      : sawSubRows
        ? "GOP2021"
        : t3Matches.some((m) => m.own.includes(otherTotalIdx) || m.soft.includes(otherTotalIdx))
          ? "GOP2021-collapsed"
          : "GOP2021";
  if (seqVersion === "GOP2021-collapsed") {
    flags.push({
      code: "collapsed_other",
      severity: "info",
      message:
        "（六）其他处理 is printed as one row without its three sub-rows; stored as result.other.total",
      keys: ["applications.result.other.total"],
    });
  }
  // A row broken by a page: the rest of its label heads a row of empty cells on the next page
  // (重新出具已获取信息 under 5.要求行政机关确认或). That row is the label's, not a row of blanks.
  const printed = (u: Unit) => u.values.some((v) => v.parsed.status !== "blank");
  const units: Unit[] = [];
  const matches: typeof t3Matches = [];
  t3.forEach((u, i) => {
    const key = labelKey(u.own);
    // A row of empty cells after a printed row that names no row by itself, its label starting none
    // (no ordinal of its own) and completing the one before into a row's label.
    const whole =
      i > 0 &&
      !printed(u) &&
      printed(t3[i - 1]) &&
      t3Matches[i].own.length > 0 &&
      t3Matches[i - 1].own.length === 0 &&
      stripOrdinal(key) === key
        ? matchT3Rows(`${t3[i - 1].own}${u.own}`, 3)
        : [];
    if (whole.length > 0 && t3Matches[i].own.every((r) => whole.includes(r))) {
      matches[matches.length - 1] = { own: whole, soft: t3Matches[i - 1].soft };
      return;
    }
    units.push(u);
    matches.push(t3Matches[i]);
  });
  alignTable3(units, matches, t3Sequence(seqVersion), lastSeq, cells, flags);
}

/** Table 4's cells; whether it printed any value. */
function mapTable4(t4: Unit[], lastSeq: number, cells: CanonicalCell[], flags: Flag[]): boolean {
  // Table 4's values: every printed value after the header, header rows (labels with placeholder
  // blanks) skipped, until 15 — the table may be split into a review part and a litigation part. A
  // template left unfilled has one row of 15 empty cells and no label.
  const t4Tokens: { tok: ValueToken; unit: Unit }[] = [];
  // A row of fifteen values, none of them words, is the table's row of values whole: header rows a
  // scan misread into marks and words before it (`5`, `��`, `果`) are no part of it.
  const whole = t4.find(
    (u) =>
      u.values.length === 15 &&
      u.values.every((v) => v.parsed.status !== "text") &&
      u.values.some((v) => v.parsed.status === "number"),
  );
  for (const u of t4) {
    if (!u.values.some((v) => v.parsed.status !== "blank")) continue;
    // A header row whose caption was read as a mark (an OCR'd 其他结果 as `—`) has the captions after
    // it in a value's place: words of the header (尚未审结, 总计) are never a value of Table 4.
    if (u.values.some((v) => v.parsed.status === "text" && T4_VOCABULARY.test(labelKey(v.parsed.raw))))
      continue;
    if (isForeignIndicator(u.own) || (u.own !== "" && !T4_VOCABULARY.test(labelKey(u.own)))) {
      // A labelled row that is no part of Table 4 (a local indicator such as 主动公开文件数 or 行政复议数):
      // its values are not mapped.
      flags.push({
        code: "unrecognized_row",
        severity: "warning",
        message: `Table 4 row "${u.own}" is not in the template; its values were not stored`,
        pos: u.pos,
      });
      continue;
    }
    if (whole && u !== whole) continue;
    for (const tok of u.values) t4Tokens.push({ tok, unit: u });
    if (t4Tokens.length >= 15) break;
  }
  if (t4Tokens.length === 0) {
    const empty = t4.find((u) => u.own === "" && u.values.length === 15);
    if (empty) for (const tok of empty.values) t4Tokens.push({ tok, unit: empty });
  }
  if (t4Tokens.length > 0) {
    const trimmed = trimValues(
      // Written out rather than spread: an object spread here took a slow copy for each token.
      mapPacked(t4Tokens, (t) => ({
        tok: t.tok,
        unit: t.unit,
        parsed: t.tok.parsed,
        uncertain: t.tok.uncertain,
      })),
      15,
      () => flags.push(blanksUnplaced("Table 4", "appeals")),
    );
    const toks = trimmed.length === 15 ? placeUncertainBlanks(trimmed, flags) : trimmed;
    if (toks.length !== 15) {
      const truncated = toks.length < 15 && toks[toks.length - 1].unit.endSeq >= lastSeq;
      flags.push({
        code: truncated ? "row_truncated" : "ambiguous_alignment",
        severity: "warning",
        message: `Table 4: ${toks.length} values printed for 15 columns; assigned left to right`,
        keys: ["appeals"],
        pos: toks[0].unit.pos,
      });
    }
    toks.slice(0, 15).forEach(({ tok, unit }, i) => {
      cells.push(makeCell(T4_KEYS[i], tok, unit.own, 1));
    });
  }
  return t4Tokens.length > 0;
}

/**
 * Template labels only one version prints (report-format.md §5.3), read from short lines anywhere in
 * the document: Table 2 column headers, the GOP2019-only rows, the GOP2021-only （六） sub-rows.
 */
const V19_LABELS =
  /本年新制作数量|本年新公开数量|对外公开总数量|上一年项目数量|其他对外管理服务事项|政府集中采购|采购项目数量/;
const V21_LABELS = /本年制发件数|本年废止件数|现行有效件|本年收费金额|逾期不补正|逾期未按收费/;

/** Words of Table 4's own header and group labels. */
const T4_VOCABULARY = /复议|诉讼|维持|纠正|结果|审结|总计|起诉/;

/**
 * A row label of a local indicator set (`主动公开政府信息数`, `行政复议数`, `其中：当面申请数`): the national
 * template's Table 3/4 rows never end in 数/数量 except 本年新收/上年结转 …申请数量, which carry template cores.
 */
function isForeignIndicator(label: string): boolean {
  const k = labelKey(label);
  if (k === "" || matchT3Rows(label, 3).length > 0) return false;
  return /(?:数|数量|件数|条数|次数)$/.test(k) || /^其中/.test(k) || /主动公开|答复数|办结/.test(k);
}

/** Table 3 row labels only the national template prints (a local 附表 shares words like 部分公开). */
const T3_TEMPLATE_ONLY =
  /本年新收|上年结转|结转下年度|三安全|第三方合法权益|三类内部事务|四类过程性|行政执法案卷|行政查询事项|信访举报|公开出版物|大量反复|重新出具/g;

/** Whether the document prints the national template's own labels (Table 3 rows or Table 4's header). */
function followsTemplate(lines: { text: string }[]): boolean {
  const seen = new Set<string>();
  let t4Header = false;
  for (const l of lines) {
    if (l.text.length > 120 || /。/.test(l.text)) continue;
    const k = labelKey(l.text);
    for (const m of k.matchAll(T3_TEMPLATE_ONLY)) seen.add(m[0]);
    if (/未经复议直接起诉|复议后起诉/.test(k) || (/结果维持/.test(k) && /尚未审结/.test(k))) t4Header = true;
  }
  return seen.size >= 3 || t4Header;
}

function versionFromLabels(lines: { text: string }[]): Set<"GOP2019" | "GOP2021"> {
  const out = new Set<"GOP2019" | "GOP2021">();
  for (const l of lines) {
    if (l.text.length > 120 || /。/.test(l.text)) continue;
    const k = labelKey(l.text);
    if (V19_LABELS.test(k)) out.add("GOP2019");
    if (V21_LABELS.test(k)) out.add("GOP2021");
  }
  return out;
}

function makeCell(key: string, tok: ValueToken, label: string, confidence: number): CanonicalCell {
  const p = tok.parsed;
  // Every field present, in one order (applyMoney fills exact and rawUnit later): all cells share one
  // object shape, so the code that reads them (rules, the schema check, the store) stays monomorphic.
  return {
    key,
    value: p.status === "number" ? p.value : null,
    status: p.status,
    exact: undefined,
    raw: p.raw,
    unit: key.endsWith("amount_yuan") ? "yuan" : "count",
    rawUnit: undefined,
    sign: p.sign || undefined,
    sourceLabel: label || undefined,
    confidence,
    pos: tok.pos,
  };
}

/** Money cells: the unit printed in the cell wins over the header's; a bare amount keeps its number. */
function applyMoney(
  cell: CanonicalCell,
  tok: ValueToken,
  headerUnit: "万元" | "元" | undefined,
  flags: Flag[],
) {
  const p = tok.parsed;
  if (p.status !== "number") return;
  const unit = p.cellUnit ?? headerUnit;
  if (p.cellUnit && headerUnit && p.cellUnit !== headerUnit) {
    flags.push({
      code: "unit_conflict",
      severity: "warning",
      message: `${cell.key}: cell says ${p.cellUnit}, header says ${headerUnit}; the cell's unit was used`,
      keys: [cell.key],
      pos: tok.pos,
    });
  }
  if (!unit) {
    cell.rawUnit = "unknown";
    cell.exact = scaleDecimal(numberText(p.raw), 1) ?? undefined;
    if (p.value !== 0) {
      cell.confidence = 0.5;
      flags.push({
        code: "unit_unknown",
        severity: "warning",
        message: `${cell.key}: amount ${p.raw} printed without a unit; stored as printed (yuan assumed)`,
        keys: [cell.key],
        pos: tok.pos,
      });
    }
    return;
  }
  cell.rawUnit = unit;
  const factor = unit === "万元" ? 10000 : unit === "亿元" ? 100000000 : 1;
  const exact = scaleDecimal(numberText(p.raw), factor);
  cell.value = exact === null ? null : Number(exact);
  if (exact !== null) cell.exact = exact;
}

// ------------------------------------------------------------ Table 3 alignment

interface Assign {
  unit: number;
  row: number;
}

/**
 * Aligns Table 3 units to the template's leaf rows, keeping template order. A unit's own label anchors
 * it; floating text only hints; unlabelled units fill the rows between anchors. Dynamic programming
 * over (unit, row) picks the alignment with the best score; units left out are reported.
 */
function alignTable3(
  units: Unit[],
  matches: { own: number[]; soft: number[] }[],
  seq: number[],
  lastSeq: number,
  cells: CanonicalCell[],
  flags: Flag[],
) {
  const n = units.length;
  const numeric = (u: Unit) => u.values.filter((v) => v.parsed.status !== "blank").length;
  // Per-unit facts the scoring needs, computed once rather than per (unit, row) pair.
  const facts = mapPacked(units, (u, i) => ({
    count: trimValues(u.values, 7).length,
    ownLeaves: matches[i].own.filter((r) => T3_ROWS[r].key),
    softLeaves: matches[i].soft.filter((r) => T3_ROWS[r].key),
    // A row labelled as something the template does not have is never placed by order. (The tail of
    // a label wrapped in a borderless table, 开申请数量 under 一、本年新收政府信息公, is no such label.)
    foreign: isForeignIndicator(u.own) && matchT3Rows(`${u.floating.at(-1) ?? ""}${u.own}`, 3).length === 0,
  }));
  const score = (i: number, j: number): number => {
    const row = seq[j];
    const { count, ownLeaves, softLeaves, foreign } = facts[i];
    if (foreign) return Number.NEGATIVE_INFINITY;
    let s = count === 7 ? 2 : count < 7 ? -1 : -3;
    if (ownLeaves.length > 0) {
      if (ownLeaves.includes(row)) s += ownLeaves.length === 1 ? 10 : 6;
      else return Number.NEGATIVE_INFINITY;
    } else if (softLeaves.length > 0) {
      if (softLeaves.includes(row)) s += softLeaves.length === 1 ? 2 : 1;
      else s -= 1;
    }
    return s;
  };
  // Cost of leaving a unit out of the table, per unit (the DP asks for it once per row).
  const dropCosts = mapPacked(units, (u, i) => {
    if (numeric(u) === 0 || facts[i].foreign) return 0;
    const { ownLeaves, count } = facts[i];
    if (ownLeaves.length === 0 && matches[i].own.length > 0) return -1; // group row with a printed subtotal
    return -3 - (count === 7 ? 3 : 0) - (ownLeaves.length > 0 ? 10 : 0);
  });
  const { assigns, dropped } = bestAlignment(n, seq, score, dropCosts);
  for (const d of dropped) {
    const u = units[d];
    if (numeric(u) === 0) continue;
    const isGroup = matches[d].own.length > 0 && matches[d].own.every((r) => !T3_ROWS[r].key);
    flags.push({
      code: isGroup ? "group_subtotal_ignored" : "stray_values",
      severity: "warning",
      message: `Table 3: values ${u.values.map((v) => v.parsed.raw || "□").join(" ")} ${u.own ? `after "${u.own}" ` : ""}belong to no template row; not stored`,
      keys: ["applications"],
      pos: u.pos,
    });
  }
  const styleTotalOnly =
    units.filter((u) => numeric(u) === 1 && trimValues(u.values, 7).length === 1).length >= 2;
  for (const a of assigns) {
    const u = units[a.unit];
    const rowKey = T3_ROW_KEYS[a.row];
    const labelled = matches[a.unit].own.includes(a.row);
    const softly = matches[a.unit].soft.includes(a.row);
    const confidence = labelled ? 1 : softly ? 0.9 : 0.8;
    if (!labelled && !softly) {
      flags.push({
        code: "row_label_inferred",
        severity: "warning",
        message: `${rowKey}: row printed without its label; placed by template order between labelled rows`,
        keys: [rowKey],
        pos: u.pos,
      });
    }
    figureInLabel(u, rowKey, flags);
    const vals = trimValues(u.values, 7, () => flags.push(blanksUnplaced(rowKey, rowKey, u.pos)));
    let slots: (ValueToken | undefined)[];
    if (vals.length >= 7) {
      slots = vals.slice(0, 7);
      if (vals.length > 7) {
        flags.push({
          code: "extra_values",
          severity: "warning",
          message: `${rowKey}: ${vals.length} values printed for 7 columns; the first 7 were used`,
          keys: [rowKey],
          pos: u.pos,
        });
      }
    } else {
      slots = placeShortRow(vals, u.endSeq >= lastSeq, styleTotalOnly, rowKey, u, flags);
    }
    slots.forEach((tok, c) => {
      const key = T3_CELL_KEYS[a.row][c];
      if (!tok) return;
      cells.push(makeCell(key, tok, u.own, tok.parsed.raw === "" && tok.pos === u.pos ? 0.5 : confidence));
    });
  }
}

/**
 * The DP of alignTable3, on its own: its loop runs hot enough for V8 to compile it while it runs, and
 * kept inside alignTable3 that compiled loop was entered by every later call and thrown away again
 * further down the function (an object shape met there for the first time), report after report.
 */
function bestAlignment(
  n: number,
  seq: number[],
  score: (i: number, j: number) => number,
  dropCosts: number[],
): { assigns: Assign[]; dropped: number[] } {
  const m = seq.length;
  // best[i][j]: best score with units[0..i) placed and rows[0..j) used or skipped; step[i][j] says
  // how that cell was reached (its predecessor follows from the step).
  const NEG = Number.NEGATIVE_INFINITY;
  const NONE = 0;
  const SKIP = 1; // from (i, j-1)
  const DROP = 2; // from (i-1, j)
  const TAKE = 3; // from (i-1, j-1)
  const best: Float64Array[] = [];
  const step: Uint8Array[] = [];
  for (let i = 0; i <= n; i++) {
    best.push(new Float64Array(m + 1).fill(NEG));
    step.push(new Uint8Array(m + 1));
  }
  best[0][0] = 0;
  for (let i = 0; i <= n; i++) {
    for (let j = 0; j <= m; j++) {
      const cur = best[i][j];
      if (cur === NEG) continue;
      // Skip a template row: it is absent from the document (small cost inside the table).
      if (j < m && cur - 0.5 > best[i][j + 1]) {
        best[i][j + 1] = cur - 0.5;
        step[i][j + 1] = SKIP;
      }
      if (i < n) {
        const d = cur + dropCosts[i];
        if (d > best[i + 1][j]) {
          best[i + 1][j] = d;
          step[i + 1][j] = DROP;
        }
        if (j < m) {
          const s = score(i, j);
          if (s !== NEG && cur + s > best[i + 1][j + 1]) {
            best[i + 1][j + 1] = cur + s;
            step[i + 1][j + 1] = TAKE;
          }
        }
      }
    }
  }
  // The document may end before the table does: take the best end over all rows.
  let endJ = 0;
  for (let j = 0; j <= m; j++) if (best[n][j] > best[n][endJ]) endJ = j;
  const assigns: Assign[] = [];
  const dropped: number[] = [];
  let i = n;
  let j = endJ;
  while (i > 0 || j > 0) {
    const st = step[i][j];
    if (st === NONE) break;
    if (st === TAKE) assigns.push({ unit: i - 1, row: seq[j - 1] });
    if (st === DROP) dropped.push(i - 1);
    if (st !== SKIP) i--;
    if (st !== DROP) j--;
  }
  assigns.reverse();
  return { assigns, dropped };
}

/**
 * Flags a row whose label holds a figure past its ordinal (`行政规范性文件约12`: a borderless print set
 * the value cell so close to its label that the two read as one): that value is not in the row's
 * cells, which may stand blank or a column off.
 */
function figureInLabel(u: Unit, rowKey: string, flags: Flag[]): void {
  const rest = u.own.replace(
    /^\s*(?:[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+[、.．]|\d+\s*[.．、])/,
    "",
  );
  if (!/\d/.test(rest)) return;
  flags.push({
    code: "figure_in_label",
    severity: "warning",
    message: `${rowKey}: the row's label "${u.own}" holds a figure, read as part of the label; the row's cells may be blank or a column off`,
    keys: [rowKey],
    pos: u.pos,
  });
}

/** Places a row that printed fewer than 7 values (blanks dropped by the source, or text cut off). */
function placeShortRow(
  vals: ValueToken[],
  atEnd: boolean,
  styleTotalOnly: boolean,
  rowKey: string,
  u: Unit,
  flags: Flag[],
): (ValueToken | undefined)[] {
  const blank = (): ValueToken => ({
    parsed: parsedValue("blank", null, ""),
    pos: u.pos,
    uncertain: undefined,
  });
  if (atEnd) {
    flags.push({
      code: "row_truncated",
      severity: "warning",
      message: `${rowKey}: the text ends after ${vals.length} of 7 values`,
      keys: [rowKey],
      pos: u.pos,
    });
    return vals;
  }
  if (vals.length === 1 && styleTotalOnly) {
    flags.push({
      code: "total_only_row",
      severity: "warning",
      message: `${rowKey}: one value printed; read as 总计 (the table fills only 总计), other columns blank`,
      keys: [rowKey],
      pos: u.pos,
    });
    return [blank(), blank(), blank(), blank(), blank(), blank(), vals[0]];
  }
  // Enumerate order-preserving placements; keep those where 总计 equals the sum of the others.
  const candidates: number[][] = [];
  const choose = (start: number, picked: number[]) => {
    if (picked.length === vals.length) {
      candidates.push([...picked]);
      return;
    }
    for (let c = start; c < 7; c++) choose(c + 1, [...picked, c]);
  };
  choose(0, []);
  const consistent = candidates.filter((cand) => {
    const row = new Array<number>(7).fill(0);
    cand.forEach((c, k) => {
      row[c] = vals[k].parsed.value ?? 0;
    });
    return cand.includes(6) && row[6] === row.slice(0, 6).reduce((a, b) => a + b, 0);
  });
  const chosen = consistent.length >= 1 ? consistent[0] : vals.map((_, k) => k);
  flags.push({
    code: "ambiguous_alignment",
    severity: "warning",
    message: `${rowKey}: ${vals.length} of 7 values printed (blanks dropped); ${consistent.length === 1 ? "the only placement consistent with 总计 was used" : `${consistent.length} placements fit; the leftmost was used`}`,
    keys: [rowKey],
    pos: u.pos,
  });
  const out: (ValueToken | undefined)[] = new Array(7).fill(undefined).map(() => blank());
  chosen.forEach((c, k) => {
    out[c] = vals[k];
  });
  return out;
}

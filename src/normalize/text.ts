// Character-level normalization of labels and cell text, and classification of printed cell values.
import { createRequire } from "node:module";
import type { CanonicalCell, Flag } from "./cells.js";

/** Characters the replacements in normalizeText act on; most texts hold none and skip them all. */
export const NEEDS_REPLACING = /[\r\u200b-\u200f\u2060\ufeff\u00a0\u3000\u2212]/;

/**
 * Text that NFKC leaves as it is: printable ASCII, tab and line ends, CJK unified ideographs and the
 * common CJK punctuation that has no compatibility form (、。〈〉《》「」『』【】 and curly quotes). None of
 * them decomposes or combines, so a text made of them only skips the normalizer (most labels and cells).
 */
export const NFKC_STABLE =
  /^[\t\n\r\x20-\x7e\u4e00-\u9fff\u3001\u3002\u3008-\u3011\u2018\u2019\u201c\u201d]*$/;

/**
 * NFKC_STABLE and NEEDS_REPLACING as a table by UTF-16 code unit: 0 for a character NFKC keeps and
 * nothing replaces, STABLE_CR for a carriage return (stable, replaced), UNSTABLE for any other (the
 * ranges are NFKC_STABLE's; a test checks every code unit against the two patterns).
 */
const STABLE_CR = 1;
const UNSTABLE = 2;
const NORMAL_CLASS = new Uint8Array(0x10000).fill(UNSTABLE);
for (const [from, to] of [
  [0x09, 0x0a],
  [0x20, 0x7e],
  [0x4e00, 0x9fff],
  [0x3001, 0x3002],
  [0x3008, 0x3011],
  [0x2018, 0x2019],
  [0x201c, 0x201d],
])
  NORMAL_CLASS.fill(0, from, to + 1);
NORMAL_CLASS[0x0d] = STABLE_CR;

/** NFKC, unified line endings and dashes, zero-width characters removed. Keeps the text otherwise. */
export function normalizeText(s: string): string {
  // One pass, a table look-up a character (most texts are labels and numbers that need nothing), in
  // place of two regular expressions over every text: this runs some 600 times a document.
  let cr = false;
  for (let i = 0; i < s.length; i++) {
    const k = NORMAL_CLASS[s.charCodeAt(i)];
    if (k === 0) continue;
    if (k === STABLE_CR) cr = true;
    else return normalizeUnstable(s);
  }
  return cr ? replaceSpecials(s) : s;
}

/** normalizeText of a text NFKC may change; label-sized ones (（一）, 其他：…) remembered. */
function normalizeUnstable(s: string): string {
  if (s.length > MAX_CACHED_LABEL) return normalizeByNfkc(s);
  return unstableCache.get(s) ?? remember(unstableCache, s, normalizeByNfkc(s));
}

const unstableCache = new Map<string, string>();

function normalizeByNfkc(s: string): string {
  const nfkc = s.normalize("NFKC");
  return NEEDS_REPLACING.test(nfkc) ? replaceSpecials(nfkc) : nfkc;
}

/** Unified line endings and dashes, zero-width characters removed, no-break and ideographic spaces as spaces. */
function replaceSpecials(nfkc: string): string {
  return nfkc
    .replace(/\r\n?/g, "\n")
    .replace(/[\u200b-\u200f\u2060\ufeff]/g, "")
    .replace(/\u00a0|\u3000/g, " ")
    .replace(/\u2212/g, "-"); // the minus sign NFKC leaves alone
}

const PUNCT = /[\s()[\]{}<>「」『』【】〔〕《》“”‘’"'`,.;:!?、，。；：！？…·•\-—–_~|/\\*#=+]/g;

/**
 * The matching key of a label: NFKC, no whitespace, no punctuation or brackets or quotes.
 * `2.其他法律行政法规禁止公开` and `2．其他法律、行政法规禁止公开` give the same key.
 */
const labelKeyCache = new Map<string, string>();
const valueCache = new Map<string, ParsedValue>();
/** Template labels and common values repeat across documents; bounded caches save most NFKC work. */
export function remember<T>(cache: Map<string, T>, key: string, value: T): T {
  if (cache.size > 20000) cache.clear();
  cache.set(key, value);
  return value;
}

/** Only label-sized strings are cached: prose paragraphs also pass through and would fill the caches. */
export const MAX_CACHED_LABEL = 80;

export function labelKey(s: string): string {
  if (s.length > MAX_CACHED_LABEL) return normalizeText(s).replace(PUNCT, "");
  return labelKeyCache.get(s) ?? remember(labelKeyCache, s, normalizeText(s).replace(PUNCT, ""));
}

/** Removes a leading ordinal such as 一、 （三） 1. 2、 from a normalized label. */
export function stripOrdinal(s: string): string {
  return normalizeText(s)
    .trim()
    .replace(/^(?:[一二三四五六七八九十]+[、.]|\(?[一二三四五六七八九十]+\)|\d+[.、)]|\(\d+\))\s*/, "");
}

export type ValueStatus = "number" | "blank" | "dash" | "slash" | "text";

export interface ParsedValue {
  status: ValueStatus;
  /** The number as printed, converted to the unit given by `unit` (yuan where the cell said 万元/亿元). */
  value: number | null;
  /** The exact cell text after NFKC and trimming. */
  raw: string;
  sign?: "+" | "-";
  /** Unit written in the cell itself, if any. */
  cellUnit?: "万元" | "元" | "亿元";
}

const NUMBER_RE = /^([+-])?\s*(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*(万元|亿元|元|万|亿|件|条|项|个)?$/;

/**
 * A parsed value with every field present, in one order: all values share one object shape, so the
 * code that reads them (units, reconstruction, rules, the schema check) stays monomorphic.
 */
export function parsedValue(
  status: ValueStatus,
  value: number | null,
  raw: string,
  sign?: "+" | "-",
  cellUnit?: "万元" | "元" | "亿元",
): ParsedValue {
  return { status, value, raw, sign, cellUnit };
}

/** Classifies one printed cell. The result is shared between equal texts: treat it as read-only. */
export function parseCellValue(text: string): ParsedValue {
  // No printed value is this long: a label or a paragraph is text, without the cost of NFKC.
  if (text.length > 40) return parsedValue("text", null, text.trim());
  return valueCache.get(text) ?? remember(valueCache, text, parseUncached(text));
}

function parseUncached(text: string): ParsedValue {
  const raw = normalizeText(text).trim();
  if (raw === "") return parsedValue("blank", null, raw);
  if (/^[-—–－‐―ー一]{1,3}$/.test(raw) && raw !== "一") return parsedValue("dash", null, raw);
  if (/^[/／\\]$/.test(raw)) return parsedValue("slash", null, raw);
  const m = NUMBER_RE.exec(raw);
  if (!m) return parsedValue("text", null, raw);
  const intPart = m[2].replace(/,/g, "");
  const frac = m[3] ?? "";
  const value = Number(intPart + frac) * (m[1] === "-" ? -1 : 1);
  const cellUnit =
    m[4] === "万元" || m[4] === "万"
      ? "万元"
      : m[4] === "亿元" || m[4] === "亿"
        ? "亿元"
        : m[4] === "元"
          ? "元"
          : undefined;
  return parsedValue("number", value, raw, (m[1] as "+" | "-" | undefined) || undefined, cellUnit);
}

/** True when the text is a printed value (number, dash or slash), not a label. */
export function isValueText(text: string): boolean {
  const s = parseCellValue(text).status;
  return s === "number" || s === "dash" || s === "slash";
}

/**
 * A table cell printed as a figure that is no plain number: digits with a word or two or a mark around
 * them (`约15`, `15(含3)`, `2 345`). Past a row's label it is a value, kept as the text printed, never
 * taken for more of the label: that would drop the row with its value. (A label's own digits come with
 * more words, or open it as an ordinal: `1.属于国家秘密`, or `1.` printed apart from its label.)
 */
export function isFigureText(v: ParsedValue): boolean {
  if (v.status !== "text" || !/\d/.test(v.raw)) return false;
  if (/^[(（]?[一二三四五六七八九十\d]+[)）.．、]/.test(v.raw)) return false;
  return (v.raw.match(/[\u3400-\u9fff]/g)?.length ?? 0) <= 2;
}

/**
 * Multiplies a printed decimal amount by a power of ten with decimal arithmetic on its digits, and
 * returns the exact result as canonical decimal text (no exponent, no trailing fraction zeros):
 * `scaleDecimal("4166.241619", 10000)` is "41662416.19". Binary floating point would give
 * 41662416.190000005.
 */
export function scaleDecimal(raw: string, factor: 1 | 10000 | 100000000): string | null {
  const m = /^([+-])?(\d+)(?:\.(\d+))?$/.exec(raw.replace(/,/g, ""));
  if (!m) return null;
  const zeros = factor === 1 ? 0 : factor === 10000 ? 4 : 8;
  const frac = m[3] ?? "";
  const digits = `${m[2]}${frac}`.padEnd(m[2].length + zeros, "0");
  const point = m[2].length + zeros; // the decimal point moves right by the factor's zeros
  const int = digits.slice(0, point).replace(/^0+(?=\d)/, "");
  const rest = digits.slice(point).replace(/0+$/, "");
  const text = rest ? `${int}.${rest}` : int;
  return m[1] === "-" && /[1-9]/.test(text) ? `-${text}` : text;
}

/**
 * The same amount as a number: the double nearest the exact decimal, so it prints back as the exact
 * decimal (`scaleExact("59237.2449", 10000)` is 592372449, `scaleExact("4166.241619", 10000)` is
 * 41662416.19).
 */
export function scaleExact(raw: string, factor: 1 | 10000 | 100000000): number | null {
  const text = scaleDecimal(raw, factor);
  return text === null ? null : Number(text);
}

/** Significant digits a double always keeps: a printed number with more may not be stored as printed. */
const EXACT_DIGITS = 15;

/** The significant digits of a printed number (`0012,345.6700` has 7). */
function significantDigits(raw: string): number {
  const digits = /\d[\d,]*(?:\.\d+)?/.exec(raw)?.[0].replace(/,/g, "") ?? "";
  const [int, frac = ""] = digits.split(".");
  const intDigits = int.replace(/^0+/, "");
  const fracDigits = frac.replace(/0+$/, "");
  return intDigits === "" ? fracDigits.replace(/^0+/, "").length : intDigits.length + fracDigits.length;
}

/**
 * Cells whose printed number a double cannot hold exactly (beyond 2^53, or more than 15 significant
 * digits) become `text` with their printed digits in `raw`, and are flagged `number_too_large`: no
 * value is rounded silently, and no rule adds a rounded value.
 */
export function flagInexactNumbers(cells: CanonicalCell[], flags: Flag[]): void {
  for (const c of cells) {
    if (c.status !== "number" || c.value === null) continue;
    // Nearly every printed value is short: at most 15 characters cannot hold 16 significant digits.
    if (c.raw.length <= EXACT_DIGITS && Math.abs(c.value) <= Number.MAX_SAFE_INTEGER) continue;
    if (Math.abs(c.value) <= Number.MAX_SAFE_INTEGER && significantDigits(c.raw) <= EXACT_DIGITS) continue;
    c.status = "text";
    c.value = null;
    flags.push({
      code: "number_too_large",
      severity: "warning",
      message: `${c.key}: the printed number ${c.raw.slice(0, 60)} has more digits than a number can hold exactly; kept as text with its printed digits`,
      keys: [c.key],
      pos: c.pos,
    });
  }
}

/** Levenshtein distance, bounded: returns max+1 as soon as the distance must exceed max. */
export function editDistance(a: string, b: string, max = 3): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    prev = cur;
  }
  return prev[b.length];
}

/**
 * Characters written only in traditional script that every report uses (報告, 開, 務, 處, 請, 數 …).
 * Counting them is far cheaper than converting a document just to see whether it changes.
 */
export const TRADITIONAL_ONLY =
  "開報關務處請數機發規範資國區縣鄉鎮廳檔實權議訴審結總計條項類經濟當對為將這進過還應門網屬於與辦";
/** TRADITIONAL_ONLY as a table by character code: a sample is scanned once, one look-up a character. */
const TRADITIONAL_TABLE = new Uint8Array(0x10000);
for (const ch of TRADITIONAL_ONLY) TRADITIONAL_TABLE[ch.charCodeAt(0)] = 1;

/** Whether a text is written in traditional script (a mirror or a Hong Kong/Taiwan republication). */
export function looksTraditional(sample: string): boolean {
  let n = 0;
  for (let i = 0; i < sample.length; i++)
    if (TRADITIONAL_TABLE[sample.charCodeAt(i)] === 1 && ++n >= 8) return true;
  return false;
}

/**
 * Built on first use: OpenCC's tables cost ~30 ms and tens of MB, which processes that only ever see
 * simplified script never pay (hence a lazy require rather than an import).
 */
let toSimplifiedConverter: ((s: string) => string) | undefined;

/** Label-sized texts already converted (toSimplified). */
const simplifiedCache = new Map<string, string>();

interface OpenCCModule {
  Converter(options: { from: "t"; to: "cn" }): (s: string) => string;
}

/**
 * Traditional → simplified characters with OpenCC's character table (`t` → `cn`), without regional
 * vocabulary: a mainland report republished in traditional script keeps its mainland words (文件 stays
 * 文件, where the Taiwan phrase table would make it 文档). Only used for matching; printed text is kept.
 */
export function toSimplified(s: string): string {
  const convert: (s: string) => string =
    toSimplifiedConverter ??
    (createRequire(import.meta.url)("opencc-js/t2cn") as OpenCCModule).Converter({ from: "t", to: "cn" });
  toSimplifiedConverter = convert;
  // A traditional report's cells are mostly its template's labels and numbers, converted once each.
  if (s.length > MAX_CACHED_LABEL) return convert(s);
  return simplifiedCache.get(s) ?? remember(simplifiedCache, s, convert(s));
}

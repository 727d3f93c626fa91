// Word list numbering (w:numPr) written out as text: mammoth prints list items without their numbers,
// and row labels such as （三）不予公开 or 1.属于国家秘密 are often numbered by Word, not typed.

interface Level {
  start: number;
  format: string;
  text: string;
  suffix: string;
  style?: string;
}

interface Numbering {
  /** numId → its levels (abstract definition with the instance's overrides). */
  nums: Map<string, Map<number, Level>>;
}

const attr = (xml: string, name: string): string | undefined =>
  new RegExp(`<w:${name}\\b[^>]*\\bw:val="([^"]*)"`).exec(xml)?.[1];

function parseLevels(xml: string): Map<number, Level> {
  const levels = new Map<number, Level>();
  for (const m of xml.matchAll(/<w:lvl\b[^>]*\bw:ilvl="(\d+)"[^>]*>([\s\S]*?)<\/w:lvl>/g)) {
    const body = m[2];
    levels.set(Number(m[1]), {
      start: Number(attr(body, "start") ?? "1"),
      format: attr(body, "numFmt") ?? "decimal",
      text: attr(body, "lvlText") ?? "",
      suffix: attr(body, "suff") ?? "tab",
      style: attr(body, "pStyle"),
    });
  }
  return levels;
}

function parseNumbering(xml: string): Numbering {
  const abstract = new Map<string, Map<number, Level>>();
  for (const m of xml.matchAll(
    /<w:abstractNum\b[^>]*\bw:abstractNumId="(\d+)"[^>]*>([\s\S]*?)<\/w:abstractNum>/g,
  )) {
    abstract.set(m[1], parseLevels(m[2]));
  }
  const nums = new Map<string, Map<number, Level>>();
  for (const m of xml.matchAll(/<w:num\b[^>]*\bw:numId="(\d+)"[^>]*>([\s\S]*?)<\/w:num>/g)) {
    const base = abstract.get(attr(m[2], "abstractNumId") ?? "");
    if (!base) continue;
    const levels = new Map([...base].map(([k, v]) => [k, { ...v }]));
    for (const o of m[2].matchAll(
      /<w:lvlOverride\b[^>]*\bw:ilvl="(\d+)"[^>]*>([\s\S]*?)<\/w:lvlOverride>/g,
    )) {
      const ilvl = Number(o[1]);
      const own = parseLevels(o[2]).get(ilvl);
      if (own) levels.set(ilvl, own);
      const start = attr(o[2], "startOverride");
      const level = levels.get(ilvl);
      if (start !== undefined && level) level.start = Number(start);
    }
    nums.set(m[1], levels);
  }
  return { nums };
}

/** Paragraph styles that carry a numbering: styleId → numId and level (following basedOn). */
function styleNumbering(stylesXml: string | undefined): Map<string, { numId?: string; ilvl?: number }> {
  const direct = new Map<string, { numId?: string; ilvl?: number; basedOn?: string }>();
  for (const m of (stylesXml ?? "").matchAll(
    /<w:style\b[^>]*\bw:styleId="([^"]*)"[^>]*>([\s\S]*?)<\/w:style>/g,
  )) {
    const numPr = /<w:numPr>([\s\S]*?)<\/w:numPr>/.exec(m[2])?.[1];
    const ilvl = numPr ? attr(numPr, "ilvl") : undefined;
    direct.set(m[1], {
      numId: numPr ? attr(numPr, "numId") : undefined,
      ilvl: ilvl === undefined ? undefined : Number(ilvl),
      basedOn: attr(m[2], "basedOn"),
    });
  }
  const out = new Map<string, { numId?: string; ilvl?: number }>();
  for (const id of direct.keys()) {
    let s = direct.get(id);
    const seen = new Set<string>();
    while (s && s.numId === undefined && s.basedOn && !seen.has(s.basedOn)) {
      seen.add(s.basedOn);
      s = direct.get(s.basedOn);
    }
    if (s?.numId !== undefined) out.set(id, { numId: s.numId, ilvl: direct.get(id)?.ilvl ?? s.ilvl });
  }
  return out;
}

const CN_DIGITS = "〇一二三四五六七八九";
const CN_LEGAL = "零壹贰叁肆伍陆柒捌玖";

function chinese(n: number, digits = CN_DIGITS, ten = "十"): string {
  if (n < 10) return digits[n];
  if (n < 100) {
    const t = Math.floor(n / 10);
    const u = n % 10;
    return `${t === 1 && digits === CN_DIGITS ? "" : digits[t]}${ten}${u ? digits[u] : ""}`;
  }
  return String(n);
}

function letters(n: number, base: string): string {
  const i = (n - 1) % 26;
  return base[i].repeat(Math.floor((n - 1) / 26) + 1);
}

function roman(n: number): string {
  const table: [number, string][] = [
    [1000, "m"],
    [900, "cm"],
    [500, "d"],
    [400, "cd"],
    [100, "c"],
    [90, "xc"],
    [50, "l"],
    [40, "xl"],
    [10, "x"],
    [9, "ix"],
    [5, "v"],
    [4, "iv"],
    [1, "i"],
  ];
  let out = "";
  for (const [v, s] of table) while (n >= v) [out, n] = [out + s, n - v];
  return out;
}

/** A counter value in a Word number format (ECMA-376 ST_NumberFormat, the ones reports use). */
export function formatNumber(n: number, format: string): string {
  switch (format) {
    case "chineseCounting":
    case "chineseCountingThousand":
    case "japaneseCounting":
    case "taiwaneseCounting":
    case "ideographDigital":
      return chinese(n);
    case "chineseLegalSimplified":
    case "ideographLegalTraditional":
      return chinese(n, CN_LEGAL, "拾");
    case "ideographTraditional":
      return "甲乙丙丁戊己庚辛壬癸"[(n - 1) % 10] ?? String(n);
    case "ideographZodiac":
      return "子丑寅卯辰巳午未申酉戌亥"[(n - 1) % 12] ?? String(n);
    case "decimalEnclosedCircle":
    case "decimalEnclosedCircleChinese":
      return n >= 1 && n <= 20 ? String.fromCodePoint(0x2460 + n - 1) : String(n);
    case "decimalFullWidth":
    case "decimalFullWidth2":
      return String(n).replace(/\d/g, (d) => String.fromCodePoint(0xff10 + Number(d)));
    case "decimalZero":
      return n < 10 ? `0${n}` : String(n);
    case "lowerLetter":
      return letters(n, "abcdefghijklmnopqrstuvwxyz");
    case "upperLetter":
      return letters(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
    case "lowerRoman":
      return roman(n);
    case "upperRoman":
      return roman(n).toUpperCase();
    default:
      return String(n);
  }
}

const escapeXml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * Writes each numbered paragraph's number (as Word shows it: 三、 （一） 1.) into the paragraph as a run
 * of text, in document order, with Word's counters: per list instance, deeper levels restarting when a
 * shallower one advances. Bullets are left out.
 */
export function renderListNumbers(documentXml: string, numberingXml: string, stylesXml?: string): string {
  const { nums } = parseNumbering(numberingXml);
  if (nums.size === 0) return documentXml;
  const styles = styleNumbering(stylesXml);
  const counters = new Map<string, number[]>();
  return documentXml.replace(
    /<w:p(?:\s[^>]*)?>(?:\s*<w:pPr>([\s\S]*?)<\/w:pPr>)?/g,
    (open: string, pPr: string | undefined) => {
      if (!pPr) return open;
      const numPr = /<w:numPr>([\s\S]*?)<\/w:numPr>/.exec(pPr)?.[1];
      const styleId = attr(pPr, "pStyle");
      const fromStyle = styleId ? styles.get(styleId) : undefined;
      const numId = (numPr ? attr(numPr, "numId") : undefined) ?? fromStyle?.numId;
      if (!numId || numId === "0") return open;
      const levels = nums.get(numId);
      if (!levels) return open;
      let ilvl = Number((numPr ? attr(numPr, "ilvl") : undefined) ?? fromStyle?.ilvl ?? Number.NaN);
      if (Number.isNaN(ilvl)) ilvl = [...levels].find(([, l]) => l.style && l.style === styleId)?.[0] ?? 0;
      const level = levels.get(ilvl);
      if (!level || level.format === "bullet" || level.format === "none") return open;
      const count = counters.get(numId) ?? [];
      counters.set(numId, count);
      count[ilvl] = count[ilvl] === undefined ? level.start : count[ilvl] + 1;
      count.length = ilvl + 1; // deeper levels restart
      const text = level.text.replace(/%(\d)/g, (_m, k: string) => {
        const i = Number(k) - 1;
        const l = levels.get(i);
        return formatNumber(count[i] ?? l?.start ?? 1, i === ilvl ? level.format : (l?.format ?? "decimal"));
      });
      if (!text) return open;
      const sep = level.suffix === "nothing" ? "" : " ";
      return `${open}<w:r><w:t xml:space="preserve">${escapeXml(text + sep)}</w:t></w:r>`;
    },
  );
}

// A scan's issuer chosen by a vote over every reading of its name in the document, weighed by OCR confidence.
import { type DocumentModel, OCR_DOUBTED_BELOW } from "../model/document.js";
import {
  bodyNamed,
  cleanIssuer,
  extractMeta,
  ISSUER_NAME_RE,
  issuerFacts,
  issuerNamesIn,
  joinedText,
  type ReportMeta,
  SIGNED_DATE_RE,
  YEAR_TITLE_LINE_RE,
} from "./metadata.js";
import { toSimplified } from "./text.js";

/** One reading of a line: its characters without whitespace, each with the confidence it was read with. */
interface Reading {
  chars: string[];
  conf: number[];
}

/** What the vote settled: the name, and where it could not, the readings that disagree. */
export interface SettledIssuer {
  meta: ReportMeta;
  /** Set when a character of the name is not settled by the readings: the readings seen. */
  doubt?: string;
}

/** A reading of a line without its whitespace, in simplified script where the document is traditional. */
function reading(text: string, conf: number[] | undefined, low: number, simplify: boolean): Reading {
  const chars: string[] = [];
  const cs: number[] = [];
  Array.from(text).forEach((ch, k) => {
    if (/\s/.test(ch)) return;
    chars.push(simplify ? toSimplified(ch) : ch);
    cs.push(conf?.[k] ?? low);
  });
  return { chars, conf: cs };
}

/** The readings of a scan's text: every line of text as the page was read, and the lines read again. */
function readingsOf(model: DocumentModel, simplify: boolean): Reading[] {
  const out: Reading[] = [];
  for (const b of model.blocks) {
    if (b.kind !== "text" || b.text.trim() === "") continue;
    out.push(reading(b.text, b.charConf, b.conf ?? 1, simplify));
  }
  for (const r of model.ocr?.rereads ?? []) out.push(reading(r.text, r.charConf, 0, simplify));
  return out;
}

/** Characters a reading may differ from a name by and still be a reading of it (OCR substitutes). */
const allowedMisreads = (length: number) => Math.max(1, Math.floor(length / 4));

/**
 * Every stretch of the readings that is the name but for a few characters, one or the other read with
 * doubt, ending as the name does.
 */
function occurrences(name: string[], readings: Reading[]): { chars: string[]; conf: number[] }[] {
  const out: { chars: string[]; conf: number[] }[] = [];
  const n = name.length;
  const most = allowedMisreads(n);
  // The name's characters read with confidence where it is read exactly.
  const sure = name.map(() => false);
  for (const r of readings) {
    for (let at = 0; at + n <= r.chars.length; at++) {
      if (name.every((ch, k) => r.chars[at + k] === ch))
        name.forEach((_, k) => {
          if (r.conf[at + k] >= OCR_DOUBTED_BELOW) sure[k] = true;
        });
    }
  }
  for (const r of readings) {
    for (let at = 0; at + n <= r.chars.length; at++) {
      if (r.chars[at + n - 1] !== name[n - 1]) continue;
      // Where both were read with confidence, a character that differs from the name's is other text
      // (another body's name, the year before a name), not a misreading of it.
      let diff = 0;
      for (let k = 0; k < n && diff <= most; k++) {
        if (r.chars[at + k] === name[k]) continue;
        diff += sure[k] && r.conf[at + k] >= OCR_DOUBTED_BELOW ? most + 1 : 1;
      }
      if (diff > most) continue;
      out.push({ chars: r.chars.slice(at, at + n), conf: r.conf.slice(at, at + n) });
      at += n - 1;
    }
  }
  return out;
}

interface Vote {
  name: string;
  unsettled: number[];
  support: number;
  seen: Set<string>;
}

/**
 * Votes character by character over the readings of a name, each weighed by its word's confidence. A
 * position is settled when its winner was read with confidence (a word read at OCR_DOUBTED_BELOW or
 * more), no other character was, and the winner has more readings than the others together; or when
 * three or more readings all agree.
 */
function vote(name: string[], readings: Reading[]): Vote {
  const found = occurrences(name, readings);
  const chars: string[] = [];
  const unsettled: number[] = [];
  let support = 0;
  for (let k = 0; k < name.length; k++) {
    const tally = new Map<string, { weight: number; count: number; sure: number }>();
    for (const o of found) {
      const t = tally.get(o.chars[k]) ?? { weight: 0, count: 0, sure: 0 };
      t.weight += Math.max(0.05, o.conf[k]);
      t.count++;
      if (o.conf[k] >= OCR_DOUBTED_BELOW) t.sure++;
      tally.set(o.chars[k], t);
    }
    const ranked = [...tally.entries()].sort((a, b) => b[1].weight - a[1].weight || b[1].count - a[1].count);
    const [ch, win] = ranked[0] ?? [name[k], { weight: 0, count: 0, sure: 0 }];
    const others = ranked
      .slice(1)
      .reduce((a, [, t]) => ({ count: a.count + t.count, sure: a.sure + t.sure }), {
        count: 0,
        sure: 0,
      });
    // Readings by one engine are not independent (a glyph it misreads, it misreads at every size, though
    // not always the same way): a character is settled by a confident reading, or by three readings
    // that all agree, never by a majority of doubted ones.
    const settled =
      (win.sure > 0 && others.sure === 0 && win.count > others.count) ||
      (others.count === 0 && win.count >= 3);
    if (!settled) unsettled.push(k);
    support += win.weight;
    chars.push(ch);
  }
  return { name: chars.join(""), unsettled, support, seen: new Set(found.map((o) => o.chars.join(""))) };
}

/** A short line that starts with a year and holds no other Chinese than 年月日: a signature's date OCR misread. */
const MISREAD_DATE = /^(?:19|20)\d{2}(?:[^\u4e00-\u9fff]|[年月日]){0,12}$/;

/**
 * Names the readings offer for the issuer, each with its rank as extractMeta prefers them: a title (also
 * a name on its own line above a title line that starts with the year), a sentence naming its subject,
 * 由…编制, and last the signature above the closing date.
 */
function candidates(readings: Reading[]): { name: string; rank: number }[] {
  const out: { name: string; rank: number }[] = [];
  const texts = readings.map((r) => r.chars.join(""));
  texts.forEach((t, i) => {
    out.push(...issuerNamesIn(t));
    if (!ISSUER_NAME_RE.test(t)) return;
    const name = cleanIssuer(t);
    if (!name || /由|根据|依据|按照/.test(name)) return;
    if (YEAR_TITLE_LINE_RE.test(texts[i + 1] ?? "")) out.push({ name, rank: 0 });
    // A name on its own line just above a date (the signature that closes the report), the date perhaps
    // misread but for its year (`2025461A 20H`).
    else if (texts.slice(i + 1, i + 3).some((n) => SIGNED_DATE_RE.test(n) || MISREAD_DATE.test(n)))
      out.push({ name, rank: 3 });
  });
  return out;
}

/** The one value of a list that holds one distinct value, else undefined. */
const onlyOne = (xs: string[]): string | undefined => (new Set(xs).size === 1 ? xs[0] : undefined);

/** Characters a sentence does not begin a body's name with (在沅江口市… is no name 在沅江口市…). */
const NOT_A_NAME_START = /^[在由据向对经我本全各及和与为将于从按依是的了]/;

/**
 * The characters a reading of the name lost before it, at the start of its line (the title's first
 * character, large and bold, skipped by the engine: 江口市司法局 for 沅江口市司法局): where a reading
 * starts with the name and the document's other readings all name it with the same one to six
 * Chinese characters before it, after a sentence's comma or year or at a line's start.
 */
function lostLead(name: string, readings: Reading[]): string | undefined {
  let bare = false;
  const leads = new Set<string>();
  for (const r of readings) {
    const text = r.chars.join("");
    for (let i = text.indexOf(name); i >= 0; i = text.indexOf(name, i + 1)) {
      if (i === 0) {
        bare = true;
        continue;
      }
      const lead = /(?:^|[\d年，,、。：:；;）)])([\u4e00-\u9fff]{1,6})$/.exec(text.slice(0, i))?.[1];
      if (!lead || NOT_A_NAME_START.test(lead)) return undefined;
      leads.add(lead);
    }
  }
  return bare && leads.size === 1 ? [...leads][0] : undefined;
}

/**
 * The whole name the text gives where the voted name is only its end: its first characters lost at
 * the start of the title (lostLead), or a name with no place in it (运输局, the title's 渭宁市交通
 * garbled before it) that ends the one name the readings offer (readings with Latin letters or digits
 * in it aside). Undefined where the name stands as voted.
 */
function wholeName(name: string, readings: Reading[]): string | undefined {
  const lead = lostLead(name, readings);
  if (lead) return lead + name;
  if (/[省市县区州旗盟镇乡]/.test(name)) return undefined;
  return onlyOne(
    candidates(readings)
      .map((c) => c.name)
      .filter((n) => n.length > name.length && n.endsWith(name) && !/[\dA-Za-z\ufffd]/.test(n)),
  );
}

/**
 * The issuer of a scan settled by every reading of its name: the title as the page was read and read
 * again alone, the opening sentence, 由…编制, the signature. A misread character is outvoted where the
 * readings agree on another (`白浴县民政局` in the title, `白溪县民政局` in the title read again and the
 * opening sentence); a name the title did not yield (read as Latin letters) is taken from the other
 * readings. Where a character stays unsettled, the name with the most support is kept and `doubt`
 * says so, for a flag: a misread name is never stored as a confident one. Level and type follow the
 * chosen name.
 */
export function settleOcrIssuer(
  meta: ReportMeta,
  lines: string[],
  model: DocumentModel,
  traditional: boolean,
): SettledIssuer {
  const readings = readingsOf(model, traditional);
  let best: Vote | undefined;
  // A name with digits, Latin letters or unread ink in it is a misread title's debris, not a name read.
  const read = meta.issuerName !== null && !/[\dA-Za-z\ufffd]/.test(meta.issuerName);
  if (read && meta.issuerName) {
    // The name extractMeta read (the title first) is the one voted on: other names the document offers
    // (an office that compiled the report, a body it cooperated with) never replace it.
    best = vote(Array.from(meta.issuerName), readings);
  } else {
    // No name read: of the names the readings offer, those found the way extractMeta prefers (a title
    // first), and of these the one the readings support most.
    const offered = candidates(readings);
    const rank = Math.min(...offered.map((c) => c.rank));
    for (const n of new Set(offered.filter((c) => c.rank === rank).map((c) => c.name))) {
      const v = vote(Array.from(n), readings);
      if (!best || v.support > best.support) best = v;
    }
  }
  const settled: SettledIssuer = { meta };
  if (!best || best.seen.size === 0) {
    if (!read && meta.issuerName)
      settled.doubt = `the issuer's name as read, "${meta.issuerName}", holds characters no name has, and no other reading names the issuer`;
    return settled;
  }
  const joined = joinedText(lines);
  const whole = wholeName(best.name, readings);
  const name = bodyNamed(whole ?? best.name, joined);
  if (name !== meta.issuerName) settled.meta = { ...meta, ...issuerFacts(name, joined) };
  if (whole) {
    settled.doubt = `the issuer's name is read "${best.name}" in the title and "${whole}" in the text: "${name}" kept`;
  } else if (best.unsettled.length > 0) {
    const others = [...best.seen].filter((s) => s !== best.name).slice(0, 4);
    settled.doubt = `the issuer's name is not settled by its readings: "${name}" kept, character${
      best.unsettled.length > 1 ? "s" : ""
    } ${best.unsettled.map((k) => k + 1).join(", ")} doubted${others.length > 0 ? ` (also read ${others.map((r) => `"${r}"`).join(", ")})` : ""}`;
  }
  return settled;
}

/**
 * The issuer as a PDF's own text layer names it, where the PDF was read by OCR only because the glyphs
 * of its numbers had no Unicode mapping: the layer's words are the document's characters, not a reading
 * of them (an issuer's rare 汨, which the engine reads as 泪). Its years are unreadable too (runs of
 * U+FFFD before 年), and are dropped with their 年 before the name is looked for; a name still holding
 * U+FFFD, Latin letters or digits (a glyph the layer mapped wrongly) is not taken.
 */
export function issuerFromTextLayer(
  layer: string[],
  joined: string,
): Pick<ReportMeta, "issuerName" | "adminLevel" | "issuerType" | "scope"> | undefined {
  const found = extractMeta(layer.map((l) => l.replace(/[\ufffd\d]+\s*年(?=\s*度?\s*政府)/g, ""))).issuerName;
  if (!found || /[\dA-Za-z\ufffd]/.test(found)) return undefined;
  return issuerFacts(found, joined);
}

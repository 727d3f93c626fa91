// Repairs the Unicode maps of Type 3 CJK fonts that Ghostscript's pdfwrite broke, before pdfjs reads them.
//
// Chromium prints CJK text with Type 3 fonts whose /ToUnicode maps runs of glyphs with `bfrange`
// entries; re-distilled by Ghostscript (`gs -sDEVICE=pdfwrite`), every such run of ideographs maps to
// a stray one-byte value (`上` reads `P`, `（` reads `ÿ`, `、` reads `1`). Those entries give themselves
// away: a full-width glyph (advance of a whole em) of a font that maps its other glyphs to CJK text
// cannot be a Latin-1 letter. Each such glyph is then
// - read from the same glyph elsewhere in the document: a glyph of the same name (Chromium names glyphs
//   by their id in the source font) in another Type 3 font, with the same outline drawing operators and
//   nearly the same bounding box, whose map is sound; the regular and the bold cut of a Noto/Source Han
//   face share glyph ids, so a character printed in both is recovered from the other;
// - otherwise mapped to U+FFFD, so that it reads as an unknown character instead of a wrong one
//   (labels are then matched around it and flagged; a value holding one is never a number).
// Ghostscript keeps some fonts composite (Type 0, Identity-H, a TrueType's glyph ids as codes) and
// breaks their maps alike (公 reads `}`, a full-width １ reads `Ā`): in a Ghostscript re-distil, their
// whole-em glyphs mapped to Latin characters are marked unknown too (they have no glyph names to
// recover them by).
// The repaired maps are appended to the file as an incremental update (new ToUnicode streams, the font
// dictionaries pointing at them, one more cross-reference section): the original bytes stay unchanged,
// and pdfjs reads the file as any reader would read an updated PDF.
import { constants, inflateSync } from "node:zlib";

export interface Type3Repair {
  /** The file with the repaired maps appended (the input itself when nothing needed repair). */
  bytes: Uint8Array;
  /** Glyphs whose character was recovered from the same glyph elsewhere in the document. */
  recovered: number;
  /** Glyphs left unknown (mapped to U+FFFD). */
  unknown: number;
}

interface PdfObj {
  num: number;
  gen: number;
  /** The dictionary text (up to `stream` or `endobj`). */
  dict: string;
  /** Offsets of the stream data in the file, when the object is a stream. */
  data?: { start: number; end: number };
}

interface Type3Font {
  obj: PdfObj;
  /** A composite font (Type 0, two-byte codes that are its glyph ids) rather than a Type 3 one. */
  cid?: boolean;
  /** Whether the font gives each glyph's own advance (a composite font may give one for all). */
  widths?: boolean;
  /** code → Unicode text, from /ToUnicode. */
  unicode: Map<number, string>;
  /** code → advance as a share of the em. */
  advance: Map<number, number>;
  /** code → glyph name (/Encoding /Differences) and glyph name → charproc object: read when needed. */
  glyphs(): { names: Map<number, string>; procs: Map<string, number> };
}

/** The latest definition of each object that the scan can see (objects inside object streams are not). */
function indexObjects(text: string): Map<number, PdfObj> {
  const out = new Map<number, PdfObj>();
  const head = /(\d+)\s+(\d+)\s+obj\b/g;
  for (let m = head.exec(text); m; m = head.exec(text)) {
    const start = m.index + m[0].length;
    let endobj = text.indexOf("endobj", start);
    if (endobj < 0) break;
    const streamAt = text.indexOf("stream", start);
    let dict = text.slice(start, endobj);
    let data: PdfObj["data"];
    if (streamAt >= 0 && streamAt < endobj) {
      dict = text.slice(start, streamAt);
      let dataStart = streamAt + 6;
      if (text[dataStart] === "\r") dataStart++;
      if (text[dataStart] === "\n") dataStart++;
      // A direct /Length says where the data ends; binary data may hold any bytes, `endobj` included.
      const length = /\/Length\s+(\d+)\b(?!\s+\d+\s+R)/.exec(dict);
      const end = length ? dataStart + Number(length[1]) : text.indexOf("endstream", dataStart);
      if (end < 0 || end > text.length) break;
      data = { start: dataStart, end };
      endobj = text.indexOf("endobj", end);
      if (endobj < 0) break;
    }
    head.lastIndex = endobj;
    out.set(Number(m[1]), { num: Number(m[1]), gen: Number(m[2]), dict, data });
  }
  return out;
}

function streamText(bytes: Uint8Array, obj: PdfObj | undefined): string | undefined {
  if (!obj?.data) return undefined;
  const raw = Buffer.from(bytes.buffer, bytes.byteOffset + obj.data.start, obj.data.end - obj.data.start);
  const filter = /\/Filter\s*(\[[^\]]*\]|\/\w+)/.exec(obj.dict)?.[1];
  if (!filter) return raw.toString("latin1");
  if (!/^\[?\s*\/FlateDecode\s*\]?$/.test(filter)) return undefined;
  try {
    return inflateSync(raw, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: 4 * 2 ** 20 }).toString(
      "latin1",
    );
  } catch {
    return undefined;
  }
}

const refPatterns = new Map<string, RegExp>();
const ref = (dict: string, key: string) => {
  let re = refPatterns.get(key);
  if (!re) {
    re = new RegExp(`/${key}\\s+(\\d+)\\s+\\d+\\s+R`);
    refPatterns.set(key, re);
  }
  const m = re.exec(dict);
  return m ? Number(m[1]) : undefined;
};

/** The dictionary text after `/key` (inline `<<…>>` or array `[…]`), or the referenced object's. */
function valueText(dict: string, key: string, objs: Map<number, PdfObj>, open: string, close: string) {
  const r = ref(dict, key);
  if (r !== undefined) return objs.get(r)?.dict;
  const at = new RegExp(`/${key}\\s*\\${open}`).exec(dict);
  if (!at) return undefined;
  const start = at.index + at[0].length;
  const end = dict.indexOf(close, start);
  return end < 0 ? undefined : dict.slice(start, end);
}

/** UTF-16BE hex (a ToUnicode destination) to text. */
function hexText(hex: string): string {
  let s = "";
  for (let i = 0; i + 4 <= hex.length; i += 4)
    s += String.fromCharCode(Number.parseInt(hex.slice(i, i + 4), 16));
  if (hex.length === 2) s = String.fromCharCode(Number.parseInt(hex, 16));
  return s;
}

/** A ToUnicode CMap's one-byte entries (bfchar and both bfrange forms). */
function parseToUnicode(cmap: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const block of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const m of block[1].matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>/g)) {
      out.set(Number.parseInt(m[1], 16), hexText(m[2]));
    }
  }
  for (const block of cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    for (const m of block[1].matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(<[0-9a-fA-F]*>|\[[^\]]*\])/g)) {
      const lo = Number.parseInt(m[1], 16);
      const hi = Math.min(Number.parseInt(m[2], 16), lo + 255);
      if (m[3].startsWith("[")) {
        const list = [...m[3].matchAll(/<([0-9a-fA-F]*)>/g)].map((x) => hexText(x[1]));
        for (let c = lo; c <= hi && c - lo < list.length; c++) out.set(c, list[c - lo]);
      } else {
        const first = hexText(m[3].slice(1, -1));
        const last = first.charCodeAt(first.length - 1);
        for (let c = lo; c <= hi; c++) out.set(c, first.slice(0, -1) + String.fromCharCode(last + c - lo));
      }
    }
  }
  return out;
}

/** A font's /ToUnicode map, read; undefined when it has none (or none that can be read). */
function toUnicodeOf(
  obj: PdfObj,
  objs: Map<number, PdfObj>,
  bytes: Uint8Array,
): Map<number, string> | undefined {
  const tu = ref(obj.dict, "ToUnicode");
  const cmap = tu === undefined ? undefined : streamText(bytes, objs.get(tu));
  return cmap ? parseToUnicode(cmap) : undefined;
}

function readFont(obj: PdfObj, objs: Map<number, PdfObj>, bytes: Uint8Array): Type3Font | undefined {
  const unicode = toUnicodeOf(obj, objs, bytes);
  if (!unicode) return undefined;
  const scale = Math.abs(Number(/\/FontMatrix\s*\[\s*([-\d.eE+]+)/.exec(obj.dict)?.[1] ?? "0.001"));
  const first = Number(/\/FirstChar\s+(\d+)/.exec(obj.dict)?.[1] ?? "0");
  const widths = valueText(obj.dict, "Widths", objs, "[", "]");
  const advance = new Map<number, number>();
  (widths?.replace(/^\s*\[/, "").match(/-?[\d.]+/g) ?? []).forEach((w, i) => {
    advance.set(first + i, Number(w) * scale);
  });
  let glyphs: ReturnType<Type3Font["glyphs"]> | undefined;
  return {
    obj,
    unicode,
    advance,
    glyphs: () => {
      glyphs ??= readGlyphs(obj, objs);
      return glyphs;
    },
  };
}

/**
 * A Type 0 font with Identity-H codes (each code its glyph id) and a ToUnicode map, its advances
 * from its descendant font's /W array (or /DW, 1000 by default). Its glyphs have no names: a broken
 * entry of one is only marked unknown.
 */
function readCidFont(obj: PdfObj, objs: Map<number, PdfObj>, bytes: Uint8Array): Type3Font | undefined {
  if (!/\/Encoding\s*\/Identity-H\b/.test(obj.dict)) return undefined;
  const unicode = toUnicodeOf(obj, objs, bytes);
  const desc = /\/DescendantFonts\s*\[\s*(\d+)\s+\d+\s+R/.exec(obj.dict)?.[1];
  const cidFont = desc === undefined ? undefined : objs.get(Number(desc))?.dict;
  if (!unicode || !cidFont) return undefined;
  const dw = Number(/\/DW\s+(\d+)/.exec(cidFont)?.[1] ?? "1000") / 1000;
  const advance = new Map<number, number>();
  for (const code of unicode.keys()) advance.set(code, dw);
  // /W: `c [w1 w2 …]` gives widths from c on; `c1 c2 w` one width for c1 to c2.
  const tokens = [...arrayText(cidFont, "W", objs).matchAll(/\[|\]|-?[\d.]+/g)].map((m) => m[0]);
  for (let i = 0; i < tokens.length; ) {
    const first = Number(tokens[i]);
    if (tokens[i + 1] === "[") {
      let k = i + 2;
      for (let c = first; k < tokens.length && tokens[k] !== "]"; k++, c++)
        advance.set(c, Number(tokens[k]) / 1000);
      i = k + 1;
    } else if (i + 2 < tokens.length) {
      for (let c = first; c <= Number(tokens[i + 1]); c++) advance.set(c, Number(tokens[i + 2]) / 1000);
      i += 3;
    } else break;
  }
  const none = { names: new Map<number, string>(), procs: new Map<string, number>() };
  return { obj, cid: true, widths: tokens.length > 0, unicode, advance, glyphs: () => none };
}

/** The inside of the array after `/key` (nested arrays kept), or of the referenced object's; "" when none. */
function arrayText(dict: string, key: string, objs: Map<number, PdfObj>): string {
  const r = ref(dict, key);
  const text = r !== undefined ? (objs.get(r)?.dict ?? "") : dict;
  const at = r !== undefined ? /\[/.exec(text) : new RegExp(`/${key}\\s*\\[`).exec(text);
  if (!at) return "";
  const start = at.index + at[0].length;
  for (let i = start, depth = 1; i < text.length; i++) {
    if (text[i] === "[") depth++;
    else if (text[i] === "]" && --depth === 0) return text.slice(start, i);
  }
  return "";
}

function readGlyphs(obj: PdfObj, objs: Map<number, PdfObj>): ReturnType<Type3Font["glyphs"]> {
  const names = new Map<number, string>();
  const encoding = ref(obj.dict, "Encoding");
  const encText = encoding !== undefined ? objs.get(encoding)?.dict : obj.dict;
  const diffs = (encText && /\/Differences\s*\[([^\]]*)\]/.exec(encText)?.[1]) ?? "";
  let code = 0;
  for (const tok of diffs.matchAll(/(\d+)|\/([^\s/[\]<>()]+)/g)) {
    if (tok[1] !== undefined) code = Number(tok[1]);
    else names.set(code++, tok[2]);
  }
  const procs = new Map<string, number>();
  const procText = valueText(obj.dict, "CharProcs", objs, "<<", ">>") ?? "";
  for (const m of procText.matchAll(/\/([^\s/[\]<>()]+)\s+(\d+)\s+\d+\s+R/g)) procs.set(m[1], Number(m[2]));
  return { names, procs };
}

const isCjk = (s: string) => /[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]/.test(s);

/** A map entry that cannot be right: a whole-em glyph read as one Latin-1/Latin-A/B character. */
function brokenEntry(font: Type3Font, code: number): boolean {
  const text = font.unicode.get(code);
  if (text === undefined || text.length !== 1 || text.charCodeAt(0) >= 0x250) return false;
  const advance = font.advance.get(code) ?? 0;
  // A composite font's Latin glyphs are its own (DejaVu's plus sign is 0.84 em): only a whole em is
  // wrong, and only where the font gives each glyph its width (without, every glyph is a whole em and
  // its digits are left as mapped).
  if (font.cid) return advance >= 0.97 && (font.widths === true || !/[0-9]/.test(text));
  // A digit or plus sign of any proportional font is about half an em wide: a glyph far narrower or
  // wider that reads as one is another glyph (the whole-em dash `—` of a 规章 row read `4`).
  if (/[0-9+]/.test(text) && (advance > 0.75 || advance < 0.3)) return true;
  return advance >= 0.97;
}

/** What identifies a glyph's drawing across fonts: its operators in order, and its bounding box. */
function outline(bytes: Uint8Array, objs: Map<number, PdfObj>, font: Type3Font, name: string) {
  const num = font.glyphs().procs.get(name);
  const text = num === undefined ? undefined : streamText(bytes, objs.get(num));
  if (!text) return undefined;
  const box = /([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+d1\b/.exec(text);
  const ops = text.match(/(?<![\w.])[a-zA-Z*]{1,2}(?![\w.])/g)?.join(" ") ?? "";
  const matrix = /\/FontMatrix\s*\[\s*([-\d.eE+]+)\s+[-\d.eE+]+\s+[-\d.eE+]+\s+([-\d.eE+]+)/.exec(
    font.obj.dict,
  );
  const scale = Math.abs(Number(matrix?.[1] ?? "0.001"));
  // Glyph-space y grows downwards where the matrix flips it (Chromium's and Ghostscript's fonts do).
  const flip = Number(matrix?.[2] ?? "0.001") < 0 ? -1 : 1;
  return {
    ops,
    box: box ? box.slice(3, 7).map((v) => Number(v) * scale) : undefined,
    /** Ink height and vertical centre above the baseline, in ems. */
    ink: box
      ? {
          h: Math.abs(Number(box[6]) - Number(box[4])) * scale,
          mid: ((Number(box[4]) + Number(box[6])) / 2) * scale * flip,
        }
      : undefined,
  };
}

/**
 * A glyph drawn as one thin horizontal bar, between a hyphen and an ideograph in width, at the height of
 * a dash: a dash (`—`), the one character such a shape can be that is not a whole-em ideograph (一).
 */
function isDashShape(shape: ReturnType<typeof outline>, advance: number): boolean {
  if (!shape?.box || !shape.ink) return false;
  const ops = shape.ops
    .replace(/\bcm\b/, "")
    .trim()
    .split(/\s+/)
    .join(" ");
  if (!/^(?:m(?: l){3,4}(?: h)?|re) f\*?$/.test(ops)) return false;
  const width = shape.box[2] - shape.box[0];
  const { h, mid } = shape.ink;
  return advance >= 0.7 && advance < 0.97 && h <= 0.12 && width >= 4 * h && mid > 0.1 && mid < 0.5;
}

const sameOutline = (a: ReturnType<typeof outline>, b: ReturnType<typeof outline>) =>
  !!a &&
  !!b &&
  a.ops === b.ops &&
  !!a.box &&
  !!b.box &&
  a.box.every((v, i) => Math.abs(v - (b.box?.[i] ?? Number.NaN)) <= 0.08);

const hex4 = (s: string) =>
  [...s].map((ch) => (ch.codePointAt(0) ?? 0).toString(16).padStart(4, "0").toUpperCase()).join("");

function cmapText(unicode: Map<number, string>, bytesPerCode: 1 | 2 = 1): string {
  const entries = [...unicode].sort((a, b) => a[0] - b[0]);
  const lines: string[] = [];
  for (let i = 0; i < entries.length; i += 100) {
    const chunk = entries.slice(i, i + 100);
    lines.push(`${chunk.length} beginbfchar`);
    for (const [code, text] of chunk) {
      lines.push(
        `<${code
          .toString(16)
          .padStart(2 * bytesPerCode, "0")
          .toUpperCase()}> <${text === "" ? "" : hex4(text)}>`,
      );
    }
    lines.push("endbfchar");
  }
  return [
    "/CIDInit /ProcSet findresource begin",
    "12 dict begin",
    "begincmap",
    "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
    "/CMapName /Adobe-Identity-UCS def",
    "/CMapType 2 def",
    "1 begincodespacerange",
    bytesPerCode === 2 ? "<0000> <FFFF>" : "<00> <FF>",
    "endcodespacerange",
    ...lines,
    "endcmap",
    "CMapName currentdict /CMap defineresource pop",
    "end",
    "end",
  ].join("\n");
}

/** The trailer entries an update must repeat, from the last classic trailer or cross-reference stream. */
function lastTrailer(text: string, objs: Map<number, PdfObj>) {
  const sx = text.lastIndexOf("startxref");
  if (sx < 0) return undefined;
  const prev = Number(/startxref\s+(\d+)/.exec(text.slice(sx, sx + 40))?.[1]);
  if (!Number.isFinite(prev)) return undefined;
  let dict: string | undefined;
  if (text.startsWith("xref", prev)) {
    const t = text.indexOf("trailer", prev);
    if (t < 0) return undefined;
    dict = text.slice(t, text.indexOf("startxref", t));
  } else {
    const num = /^(\d+)\s+\d+\s+obj/.exec(text.slice(prev, prev + 40))?.[1];
    dict = num === undefined ? undefined : objs.get(Number(num))?.dict;
  }
  if (!dict || /\/Encrypt\b/.test(dict)) return undefined;
  const root = /\/Root\s+\d+\s+\d+\s+R/.exec(dict)?.[0];
  const size = Number(/\/Size\s+(\d+)/.exec(dict)?.[1]);
  if (!root || !Number.isFinite(size)) return undefined;
  const info = /\/Info\s+\d+\s+\d+\s+R/.exec(dict)?.[0] ?? "";
  const id = /\/ID\s*\[[^\]]*\]/.exec(dict)?.[0] ?? "";
  return { prev, root, info, id, size };
}

/**
 * Finds Type 3 fonts whose ToUnicode maps read full-width CJK glyphs as stray Latin-1 characters,
 * recovers what the document itself shows of those glyphs, marks the rest unknown, and returns the
 * file with the repaired maps appended. Files without such fonts come back unchanged.
 */
export function repairType3Unicode(bytes: Uint8Array): Type3Repair {
  const none = { bytes, recovered: 0, unknown: 0 };
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Most PDFs have no Type 3 font and are no Ghostscript re-distil: a byte search rules them out
  // without decoding the file as text.
  if (buf.indexOf("/Type3") < 0 && buf.indexOf("GPL Ghostscript") < 0) return none;
  const text = buf.toString("latin1");
  const objs = indexObjects(text);
  const fonts: Type3Font[] = [];
  // Ghostscript keeps some fonts composite (Type 0), and breaks their maps alike.
  const ghostscript = /\/Producer\s*\(GPL Ghostscript/.test(text);
  for (const obj of objs.values()) {
    if (obj.data) continue;
    if (obj.dict.includes("/Type3") && /\/Subtype\s*\/Type3\b/.test(obj.dict)) {
      const font = readFont(obj, objs, bytes);
      if (font) fonts.push(font);
    } else if (ghostscript && /\/Subtype\s*\/Type0\b/.test(obj.dict)) {
      const font = readCidFont(obj, objs, bytes);
      if (font) fonts.push(font);
    }
  }
  // Only documents set in CJK fonts are looked at: in them, no glyph a whole em wide is a Latin letter
  // or digit (even a font of proportional Latin glyphs holds the whole-em dash, which read `4` once).
  const docCjk = fonts.some((f) => [...f.unicode.values()].some(isCjk));
  if (!docCjk) return none;
  // Entries of glyphs the font names in its encoding (the glyphs it can show) that cannot be right.
  const suspect = fonts.map((f) => [...f.unicode.keys()].filter((c) => brokenEntry(f, c)));
  if (suspect.every((b) => b.length === 0)) return none;
  const broken = suspect.map((codes, i) =>
    codes.filter((c) => fonts[i].cid || fonts[i].glyphs().names.has(c)),
  );
  if (broken.every((b) => b.length === 0)) return none;
  // Sound readings of each glyph name, with the font that holds them.
  const sound = new Map<string, { font: Type3Font; text: string }[]>();
  fonts.forEach((f, i) => {
    for (const [code, name] of f.glyphs().names) {
      const t = f.unicode.get(code);
      if (t === undefined || t === "" || broken[i].includes(code)) continue;
      const list = sound.get(name) ?? [];
      list.push({ font: f, text: t });
      sound.set(name, list);
    }
  });
  let recovered = 0;
  let unknown = 0;
  const parts: string[] = [];
  const offsets: [number, number][] = [];
  const trailer = lastTrailer(text, objs);
  if (!trailer) return none;
  let next = trailer.size;
  let at = bytes.length + 1;
  const emit = (num: number, gen: number, body: string) => {
    offsets.push([num, at]);
    const s = `${num} ${gen} obj\n${body}\nendobj\n`;
    parts.push(s);
    at += s.length;
  };
  fonts.forEach((f, i) => {
    if (broken[i].length === 0) return;
    const unicode = new Map(f.unicode);
    for (const code of broken[i]) {
      const name = f.glyphs().names.get(code) ?? "";
      const mine = outline(bytes, objs, f, name);
      const readings = new Set(
        (sound.get(name) ?? [])
          .filter((s) => s.font !== f && sameOutline(mine, outline(bytes, objs, s.font, name)))
          .map((s) => s.text),
      );
      if (readings.size === 1) {
        unicode.set(code, [...readings][0]);
        recovered++;
      } else if (readings.size === 0 && isDashShape(mine, f.advance.get(code) ?? 0)) {
        unicode.set(code, "\u2014");
        recovered++;
      } else {
        unicode.set(code, "\ufffd");
        unknown++;
      }
    }
    const cmap = cmapText(unicode, f.cid ? 2 : 1);
    const cmapNum = next++;
    emit(cmapNum, 0, `<< /Length ${cmap.length} >>\nstream\n${cmap}\nendstream`);
    emit(
      f.obj.num,
      f.obj.gen,
      f.obj.dict.trim().replace(/\/ToUnicode\s+\d+\s+\d+\s+R/, `/ToUnicode ${cmapNum} 0 R`),
    );
  });
  const xrefAt = at;
  const xref = ["xref", "0 1", "0000000000 65535 f\r"];
  for (const [num, offset] of offsets) xref.push(`${num} 1`, `${String(offset).padStart(10, "0")} 00000 n\r`);
  const tail = [
    ...xref,
    "trailer",
    `<< /Size ${next} ${trailer.root} ${trailer.info} ${trailer.id} /Prev ${trailer.prev} >>`,
    "startxref",
    String(xrefAt),
    "%%EOF",
    "",
  ].join("\n");
  const update = Buffer.from(`\n${parts.join("")}${tail}`, "latin1");
  const out = new Uint8Array(bytes.length + update.length);
  out.set(bytes, 0);
  out.set(update, bytes.length);
  return { bytes: out, recovered, unknown };
}

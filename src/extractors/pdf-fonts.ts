// Hides embedded TrueType font programs that text extraction does not need, so that pdfjs does not
// parse, repair and convert them (over half of its time on a typical office-made Chinese report).
//
// pdfjs reads a glyph's Unicode from the font's /ToUnicode map and its advance from the font
// dictionary's /Widths or /W; with both present, the TrueType program (/FontFile2) only serves
// rendering. The key is renamed in place to one of the same length, so every byte offset (the xref
// table) stays valid and pdfjs treats the font as not embedded. A font missing either map keeps its
// program, as does any font this scan cannot see whole: a file with object streams is left as it is.
// Type 1 programs (/FontFile) are kept too: without them, LibreOffice's Type 1 subsets (whose codes
// go through the program's built-in encoding) lose characters in pdfjs despite their ToUnicode maps.
import { PdfText } from "./pdf-streams.js";

const KEY = "/FontFile2";
/** Same length as KEY; an unknown key in a font descriptor is ignored by every reader. */
const HIDDEN_KEY = "/FontFileX";

interface PdfObject {
  num: number;
  gen: number;
  /** Offsets of the object's dictionary text (up to its stream data or endobj) in the file. */
  start: number;
  end: number;
  body: string;
}

/** Characters that end a PDF name (whitespace and delimiters). */
const NAME_END = /[\s/<>[\]()%{}]/;

/** The object whose dictionary holds `pos`, or undefined when `pos` lies in stream data or nowhere. */
function objectAt(text: PdfText, pos: number): PdfObject | undefined {
  let at = pos;
  for (;;) {
    at = text.lastIndexOf(" obj", at - 1);
    if (at < 0) return undefined;
    const head = /(\d+)\s+(\d+)\s*$/.exec(text.slice(Math.max(0, at - 24), at));
    if (!head) continue;
    const start = at + 4;
    const endobj = text.indexOf("endobj", start);
    const stream = text.indexOf("stream", start);
    const end = Math.min(endobj < 0 ? text.length : endobj, stream < 0 ? text.length : stream);
    if (pos >= end) return undefined;
    return { num: Number(head[1]), gen: Number(head[2]), start, end, body: text.slice(start, end) };
  }
}

/** Characters `\s*\[?\s*(\d+)\s+(\d+)\s+R` can match in Latin-1 text (whitespace, digits, `[`, `R`). */
const mayBeInReference = (c: number) =>
  (c >= 0x30 && c <= 0x39) ||
  c === 0x5b ||
  c === 0x52 ||
  c === 0x20 ||
  (c >= 0x09 && c <= 0x0d) ||
  c === 0xa0;

/**
 * The objects that refer to each `num gen R` right after `key`, found in one pass over the file: each
 * occurrence of the key is found by a byte search and the reference after it read in place (a regular
 * expression run over the whole file costs a thread ten times as much on its first document, before
 * V8 compiles it).
 */
function referrerIndex(text: PdfText, key: string): Map<string, PdfObject[]> {
  const index = new Map<string, PdfObject[]>();
  const reference = new RegExp(`^${key}\\s*\\[?\\s*(\\d+)\\s+(\\d+)\\s+R\\b`);
  for (let at = text.indexOf(key); at >= 0; at = text.indexOf(key, at + key.length)) {
    // Read from the key to the first character a reference cannot hold, which ends the match either way.
    let end = at + key.length;
    while (end < text.length && mayBeInReference(text.charCodeAt(end))) end++;
    const m = reference.exec(text.slice(at, end + 1));
    if (!m) continue;
    const obj = objectAt(text, at);
    if (!obj) continue;
    const ref = `${m[1]} ${m[2]}`;
    const list = index.get(ref);
    if (list) list.push(obj);
    else index.set(ref, [obj]);
  }
  return index;
}

const hasToUnicode = (body: string) => /\/ToUnicode\s+\d+\s+\d+\s+R/.test(body);

/** True when every font using this descriptor maps its glyphs to Unicode and carries its widths. */
function textNeedsNoProgram(
  descriptor: PdfObject,
  fontsOf: Map<string, PdfObject[]>,
  parentsOf: Map<string, PdfObject[]>,
): boolean {
  const fonts = fontsOf.get(`${descriptor.num} ${descriptor.gen}`) ?? [];
  if (fonts.length === 0) return false;
  return fonts.every((font) => {
    const subtype = /\/Subtype\s*\/(\w+)/.exec(font.body)?.[1];
    if (subtype === "TrueType") return hasToUnicode(font.body) && /\/Widths\b/.test(font.body);
    if (subtype === "CIDFontType2") {
      if (!/\/(?:W|DW)\b/.test(font.body)) return false;
      const parents = parentsOf.get(`${font.num} ${font.gen}`) ?? [];
      return parents.length > 0 && parents.every((p) => hasToUnicode(p.body));
    }
    return false;
  });
}

/**
 * Renames, in `bytes` itself, the /FontFile2 key of every font descriptor whose fonts need no program
 * for their text; returns how many were hidden. Pass a copy when the original must stay intact. `text`
 * is the PdfText of the bytes before any was renamed, when the caller has it already.
 */
export function hideFontPrograms(bytes: Uint8Array, text: PdfText = new PdfText(Buffer.from(bytes))): number {
  if (!text.includes(KEY) || text.includes("/ObjStm")) return 0;
  const fontsOf = referrerIndex(text, "/FontDescriptor");
  const parentsOf = referrerIndex(text, "/DescendantFonts");
  let hidden = 0;
  for (let pos = text.indexOf(KEY); pos >= 0; pos = text.indexOf(KEY, pos + KEY.length)) {
    if (!NAME_END.test(text.charAt(pos + KEY.length) || " ")) continue;
    const descriptor = objectAt(text, pos);
    if (!descriptor || !textNeedsNoProgram(descriptor, fontsOf, parentsOf)) continue;
    for (let i = 0; i < HIDDEN_KEY.length; i++) bytes[pos + i] = HIDDEN_KEY.charCodeAt(i);
    hidden++;
  }
  return hidden;
}

// Decodes the bytes of HTML and text documents: BOM, declared charset anywhere in the head, or detection;
// and keeps every extracted text storable (no NUL, no unpaired surrogates), whatever the form.
import { isUtf8 } from "node:buffer";
import iconv from "iconv-lite";
import type { DocumentModel } from "../model/document.js";

export type Charset = "utf-8" | "gb18030" | "utf-16le" | "utf-16be" | "big5";

export interface Decoded {
  text: string;
  charset: Charset;
  /** How the charset was decided. */
  via: "bom" | "declared" | "detected";
  /** Byte sequences that were not valid in the charset, each replaced with U+FFFD. */
  damaged: number;
}

/** Finds a charset declared in an HTML meta tag or XML prolog, looking through the whole head. */
function declaredCharset(bytes: Uint8Array): string | undefined {
  // Charset declarations are ASCII; latin1 keeps byte offsets and never fails.
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 65536)).toString("latin1");
  const end = head.search(/<\/head>|<body/i);
  const scope = end > 0 ? head.slice(0, end) : head;
  const m =
    /<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)/i.exec(scope) ??
    /<\?xml[^>]+encoding\s*=\s*["']([\w-]+)/i.exec(scope);
  return m?.[1]?.toLowerCase();
}

function normalizeCharsetName(name: string): Charset | undefined {
  const n = name.toLowerCase().replace(/_/g, "-");
  if (n === "utf-8" || n === "utf8") return "utf-8";
  // GB2312 and GBK are subsets of GB18030; decoding all three as GB18030 is exact for valid input.
  if (["gbk", "gb2312", "gb18030", "x-gbk", "cp936", "euc-cn", "hz-gb-2312"].includes(n)) return "gb18030";
  if (n === "big5" || n === "big5-hkscs") return "big5";
  if (n === "utf-16le" || n === "utf-16") return "utf-16le";
  if (n === "utf-16be") return "utf-16be";
  return undefined;
}

/**
 * The bytes decoded as UTF-8, or undefined when they are not valid UTF-8. Checked first (isUtf8, a
 * vectorised scan), then decoded: a fatal TextDecoder made per document cost half as much again. A
 * leading byte-order mark never reaches here (decodeBytes strips it), so the two decodings agree.
 */
function strictUtf8(bytes: Uint8Array): string | undefined {
  if (!isUtf8(bytes)) return undefined;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("utf8");
}

/**
 * Decodes document bytes. Order: byte-order mark, a charset declared in the markup (trusted only when
 * the bytes agree: a page declaring UTF-8 whose bytes are not UTF-8 is decoded as GB18030), then
 * detection (valid UTF-8, else GB18030, the superset of GBK and GB2312 that portals use, unless the
 * bytes read as common traditional characters in Big5 and as rare ones in GB18030). Text that is
 * UTF-8 but for a few damaged bytes stays UTF-8: the damage is replaced with U+FFFD and counted.
 */
export function decodeBytes(bytes: Uint8Array, headerCharset?: string): Decoded {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return counted(new TextDecoder("utf-8").decode(bytes.subarray(3)), "utf-8", "bom", bytes);
  }
  if (bytes[0] === 0xff && bytes[1] === 0xfe) {
    return counted(new TextDecoder("utf-16le").decode(bytes.subarray(2)), "utf-16le", "bom");
  }
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    return counted(new TextDecoder("utf-16be").decode(bytes.subarray(2)), "utf-16be", "bom");
  }
  // Valid UTF-8 is decoded once: the strict decoding is both the test and the text.
  const utf8 = strictUtf8(bytes);
  const utf8ok = utf8 !== undefined;
  const damagedUtf8 = utf8ok ? undefined : mostlyUtf8(bytes);
  const declared = normalizeCharsetName(headerCharset ?? declaredCharset(bytes) ?? "");
  if (damagedUtf8) return { ...damagedUtf8, via: declared === "utf-8" ? "declared" : "detected" };
  if (
    declared &&
    !(declared === "utf-8" && !utf8ok) &&
    !(declared === "gb18030" && utf8ok && hasMultibyte(bytes))
  ) {
    if (declared === "utf-8") return { text: utf8!, charset: declared, via: "declared", damaged: 0 };
    return counted(decodeAs(bytes, declared), declared, "declared");
  }
  if (utf8ok) return { text: utf8, charset: "utf-8", via: "detected", damaged: 0 };
  const gb = counted(decodeAs(bytes, "gb18030"), "gb18030", "detected");
  if (!mayBeBig5(bytes)) return gb;
  const big5 = counted(decodeAs(bytes, "big5"), "big5", "detected");
  return big5.damaged <= gb.damaged && commonShare(big5.text, "big5") > commonShare(gb.text, "gb18030") + 0.2
    ? big5
    : gb;
}

/**
 * Whether undeclared double-byte text could be Big5 rather than GB18030: Big5 puts the second byte of
 * about a third of its common characters in 0x40–0x7E, where GB2312 text (most GBK portal pages) never
 * does and GBK only for rare characters. Text without such pairs is GB18030 without further work.
 */
function mayBeBig5(bytes: Uint8Array): boolean {
  let pairs = 0;
  let lowTrail = 0;
  const end = Math.min(bytes.length, 65536);
  for (let i = 0; i + 1 < end; i++) {
    if (bytes[i] < 0x81) continue;
    pairs++;
    if (bytes[i + 1] >= 0x40 && bytes[i + 1] <= 0x7e) lowTrail++;
    i++;
  }
  return pairs >= 10 && lowTrail >= 0.1 * pairs;
}

/**
 * Share of the non-ASCII characters of a decoding that are common Han characters of its own charset:
 * GB2312 level 1 (lead bytes B0–D7, the 3,755 most used simplified characters) or Big5 level 1 (A4–C6,
 * the 5,401 most used traditional ones). Text decoded in the wrong one of the two reads as rare
 * characters, kana, Greek or box-drawing signs.
 */
function commonShare(text: string, charset: "gb18030" | "big5"): number {
  let wide = 0;
  let common = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (code < 0x80) continue;
    wide++;
    if (code >= 0x4e00 && code <= 0x9fff) {
      const lead = iconv.encode(ch, charset === "big5" ? "big5" : "gbk")[0];
      if (charset === "big5" ? lead >= 0xa4 && lead <= 0xc6 : lead >= 0xb0 && lead <= 0xd7) common++;
    }
    if (wide >= 4000) break;
  }
  return wide === 0 ? 0 : common / wide;
}

/** A decoding with its replacement characters counted as damage (less those the bytes spell in UTF-8). */
function counted(text: string, charset: Charset, via: Decoded["via"], utf8Bytes?: Uint8Array): Decoded {
  let damaged = countOf(text, "\ufffd");
  if (damaged > 0 && utf8Bytes) {
    // U+FFFD the document itself prints (EF BF BD) is text, not damage.
    const buf = Buffer.from(utf8Bytes.buffer, utf8Bytes.byteOffset, utf8Bytes.length);
    for (let i = buf.indexOf(REPLACEMENT_UTF8); i >= 0; i = buf.indexOf(REPLACEMENT_UTF8, i + 3)) damaged--;
  }
  return { text, charset, via, damaged: Math.max(0, damaged) };
}

const REPLACEMENT_UTF8 = Buffer.from([0xef, 0xbf, 0xbd]);

function countOf(text: string, ch: string): number {
  let n = 0;
  for (let i = text.indexOf(ch); i >= 0; i = text.indexOf(ch, i + 1)) n++;
  return n;
}

/**
 * Bytes that are UTF-8 except for a few damaged sequences: their decoding with the damage replaced, or
 * undefined when the damage is not rare (text in another charset is invalid UTF-8 almost everywhere).
 */
function mostlyUtf8(bytes: Uint8Array): Omit<Decoded, "via"> | undefined {
  // Counted from the bytes first: a page in another charset (GBK) is told without decoding it, which
  // for bytes invalid almost everywhere cost more than reading the page.
  const damage = utf8Damage(bytes);
  if (damage.errors === 0 || damage.units < 20 * damage.errors) return undefined;
  const decoded = counted(new TextDecoder("utf-8").decode(bytes), "utf-8", "detected", bytes);
  let multibyte = 0;
  const text = decoded.text;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) multibyte++;
  multibyte -= decoded.damaged;
  if (decoded.damaged === 0 || multibyte < 20 * decoded.damaged) return undefined;
  return { text, charset: "utf-8", damaged: decoded.damaged };
}

/**
 * What a (non-fatal) UTF-8 decoding of the bytes would hold, counted without making it: `errors`, the
 * U+FFFD it would put for invalid sequences (one per maximal ill-formed subsequence, as the WHATWG
 * decoder does), and `units`, its UTF-16 code units of valid non-ASCII characters.
 */
export function utf8Damage(bytes: Uint8Array): { errors: number; units: number } {
  let errors = 0;
  let units = 0;
  let needed = 0;
  let seen = 0;
  let lower = 0x80;
  let upper = 0xbf;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (needed === 0) {
      if (b <= 0x7f) continue;
      if (b >= 0xc2 && b <= 0xdf) needed = 1;
      else if (b >= 0xe0 && b <= 0xef) {
        if (b === 0xe0) lower = 0xa0;
        else if (b === 0xed) upper = 0x9f;
        needed = 2;
      } else if (b >= 0xf0 && b <= 0xf4) {
        if (b === 0xf0) lower = 0x90;
        else if (b === 0xf4) upper = 0x8f;
        needed = 3;
      } else errors++;
      continue;
    }
    if (b < lower || b > upper) {
      // The sequence ends before this byte, which starts the next one.
      needed = 0;
      seen = 0;
      lower = 0x80;
      upper = 0xbf;
      errors++;
      i--;
      continue;
    }
    lower = 0x80;
    upper = 0xbf;
    if (++seen === needed) {
      units += needed === 3 ? 2 : 1; // a four-byte character is a surrogate pair
      needed = 0;
      seen = 0;
    }
  }
  if (needed !== 0) errors++;
  return { errors, units };
}

/** True when the bytes contain non-ASCII sequences (then valid UTF-8 is strong evidence of UTF-8). */
function hasMultibyte(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] >= 0x80) return true;
  return false;
}

function decodeAs(bytes: Uint8Array, charset: Charset): string {
  if (charset === "utf-8") return new TextDecoder("utf-8").decode(bytes);
  if (charset === "utf-16le" || charset === "utf-16be") return new TextDecoder(charset).decode(bytes);
  if (charset === "gb18030") {
    const text = validGb18030(bytes);
    if (text !== undefined) return text;
  }
  return iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), charset);
}

/**
 * Two-byte GB18030 codes that ICU reads by GB18030-2022 (vertical forms, CJK ideographs) and
 * iconv-lite, whose reading zfxxgk keeps, by GB18030-2005 (private-use characters): a lead byte and its
 * trail bytes. Every other valid one- two- and four-byte sequence decodes to the same text in both
 * (checked over all of them).
 */
const GB18030_2022_CHANGED = new Map([
  [0xa6, new Set([0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xec, 0xed, 0xf3])],
  [0xfe, new Set([0x59, 0x61, 0x66, 0x67, 0x6d, 0x7e, 0x90, 0xa0])],
]);

let gb18030Decoder: InstanceType<typeof TextDecoder> | null | undefined;

/**
 * Valid GB18030 decoded by the runtime's decoder, as iconv-lite decodes it, or undefined (invalid
 * bytes, whose replacement iconv-lite counts its own way; a code read differently since 2022; a Node
 * built without the charset). Three times as fast as iconv-lite, which also spends tens of
 * milliseconds on its tables at the first GBK page of a run.
 */
export function validGb18030(bytes: Uint8Array): string | undefined {
  if (gb18030Decoder === undefined) {
    try {
      gb18030Decoder = new TextDecoder("gb18030", { fatal: true });
    } catch {
      gb18030Decoder = null;
    }
  }
  if (gb18030Decoder === null) return undefined;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  // Any such byte pair, even one that straddles two characters, leaves the document to iconv-lite.
  for (const [lead, trails] of GB18030_2022_CHANGED) {
    for (let i = buf.indexOf(lead); i >= 0 && i + 1 < buf.length; i = buf.indexOf(lead, i + 1)) {
      if (trails.has(buf[i + 1])) return undefined;
    }
  }
  try {
    return gb18030Decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/** The characters garbleRatio counts: U+FFFD and the C0 controls but tab and line ends. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
const GARBLED_CHARACTER = /[\x00-\x08\x0b\x0c\x0e-\x1f\ufffd]/;

/** Share of U+FFFD replacement characters and C0 controls: high means the decoding went wrong. */
export function garbleRatio(text: string): number {
  if (text.length === 0) return 0;
  // Most texts hold neither: one scan by the regular-expression engine says so.
  if (!GARBLED_CHARACTER.test(text)) return 0;
  let bad = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i); // both kinds of bad character are single UTF-16 units
    if (c === 0xfffd || (c < 32 && c !== 9 && c !== 10 && c !== 13)) bad++;
  }
  return bad / text.length;
}

/** String.prototype.isWellFormed (ES2024, in Node 20): no UTF-16 surrogate without its pair. */
const isWellFormed = (s: string): boolean => (s as string & { isWellFormed(): boolean }).isWellFormed();

/** NUL and UTF-16 surrogates without their pair: text no UTF-8 reader (nor SQLite's users) accepts. */
const UNSTORABLE = /\0|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Replaces NUL and unpaired surrogates in every text of the model with U+FFFD, in place, and says how
 * many with an `encoding_damaged` warning. Applied to every form at the model boundary (PDF text layers
 * carry both), so that everything stored is valid UTF-8.
 */
export function sanitizeModel(model: DocumentModel): DocumentModel {
  let replaced = 0;
  const clean = (s: string): string => {
    // Almost every text is clean: two scans without a regular expression say so (the pattern, with its
    // lookarounds at every character, cost more than the rest of this function).
    if (isWellFormed(s) && !s.includes("\0")) return s;
    return s.replace(UNSTORABLE, () => {
      replaced++;
      return "\ufffd";
    });
  };
  if (model.title !== undefined) model.title = clean(model.title);
  for (const b of model.blocks) {
    if (b.kind === "text") b.text = clean(b.text);
    else for (const row of b.rows) for (const c of row) c.text = clean(c.text);
  }
  for (const w of model.warnings) w.message = clean(w.message);
  if (replaced > 0) {
    model.warnings.push({
      code: "encoding_damaged",
      message: `${replaced} NUL or unpaired-surrogate character${replaced === 1 ? "" : "s"} in the extracted text replaced with U+FFFD`,
    });
  }
  return model;
}

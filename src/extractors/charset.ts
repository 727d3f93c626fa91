// Decodes the bytes of HTML and text documents: BOM, declared charset anywhere in the head, or detection.
import iconv from "iconv-lite";

export type Charset = "utf-8" | "gb18030" | "utf-16le" | "utf-16be" | "big5";

export interface Decoded {
  text: string;
  charset: Charset;
  /** How the charset was decided. */
  via: "bom" | "declared" | "detected";
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

/** The bytes decoded as UTF-8, or undefined when they are not valid UTF-8. */
function strictUtf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Decodes document bytes. Order: byte-order mark, a charset declared in the markup (trusted only when
 * the bytes agree: a page declaring UTF-8 whose bytes are not valid UTF-8 is decoded as GB18030), then
 * detection (valid UTF-8, else GB18030, the superset of GBK and GB2312 that portals use).
 */
export function decodeBytes(bytes: Uint8Array, headerCharset?: string): Decoded {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { text: new TextDecoder("utf-8").decode(bytes.subarray(3)), charset: "utf-8", via: "bom" };
  }
  if (bytes[0] === 0xff && bytes[1] === 0xfe) {
    return { text: new TextDecoder("utf-16le").decode(bytes.subarray(2)), charset: "utf-16le", via: "bom" };
  }
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    return { text: new TextDecoder("utf-16be").decode(bytes.subarray(2)), charset: "utf-16be", via: "bom" };
  }
  // Valid UTF-8 is decoded once: the strict decoding is both the test and the text.
  const utf8 = strictUtf8(bytes);
  const utf8ok = utf8 !== undefined;
  const declared = normalizeCharsetName(headerCharset ?? declaredCharset(bytes) ?? "");
  if (
    declared &&
    !(declared === "utf-8" && !utf8ok) &&
    !(declared === "gb18030" && utf8ok && hasMultibyte(bytes))
  ) {
    return {
      text: declared === "utf-8" ? utf8! : decodeAs(bytes, declared),
      charset: declared,
      via: "declared",
    };
  }
  if (utf8ok) return { text: utf8, charset: "utf-8", via: "detected" };
  return { text: decodeAs(bytes, "gb18030"), charset: "gb18030", via: "detected" };
}

/** True when the bytes contain non-ASCII sequences (then valid UTF-8 is strong evidence of UTF-8). */
function hasMultibyte(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] >= 0x80) return true;
  return false;
}

function decodeAs(bytes: Uint8Array, charset: Charset): string {
  if (charset === "utf-8") return new TextDecoder("utf-8").decode(bytes);
  if (charset === "utf-16le" || charset === "utf-16be") return new TextDecoder(charset).decode(bytes);
  return iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), charset);
}

/** Share of U+FFFD replacement characters and C0 controls: high means the decoding went wrong. */
export function garbleRatio(text: string): number {
  if (text.length === 0) return 0;
  let bad = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i); // both kinds of bad character are single UTF-16 units
    if (c === 0xfffd || (c < 32 && c !== 9 && c !== 10 && c !== 13)) bad++;
  }
  return bad / text.length;
}

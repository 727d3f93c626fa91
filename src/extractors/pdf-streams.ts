// Bounds what a PDF's compressed streams may inflate to before pdfjs reads them: a 1.5 MB file can hold
// a Flate stream of 1.5 GiB (a compression bomb), and pdfjs inflates a content stream whole, in memory.
//
// Every stream pdfjs would inflate for text and drawing is inflated here first by zlib, with a cap on
// its output, and the file is refused (`pdf_too_large`) when one stream or all of them together pass
// their limit. Image streams are not counted: pdfjs skips their decoding (the extractor sets
// maxImageSize to 1). zlib is fast enough that this costs a few milliseconds on a report, and with the
// cap a bomb costs at most the limit's worth of inflating and memory.
import { constants, inflateSync } from "node:zlib";
import { DocumentError } from "./errors.js";

/**
 * A PDF's bytes read as text of one character per byte (Latin-1), for the scans over its raw syntax,
 * without decoding the whole file: searches run on the bytes (Buffer's native search), and only what a
 * scan reads (a dictionary, an object's head) is decoded. Decoding a report's file as a string cost a
 * millisecond, and each search over that string ten times what the same search costs on the bytes.
 * The methods behave as the String methods of the same names on the decoded file.
 */
export class PdfText {
  private readonly buf: Buffer;
  readonly length: number;

  constructor(bytes: Uint8Array) {
    this.buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.length = this.buf.length;
  }

  indexOf(s: string, from = 0): number {
    return this.buf.indexOf(s, Math.max(0, from), "latin1");
  }

  /** (Buffer counts a negative start from the end; String searches at 0 only.) */
  lastIndexOf(s: string, from: number = this.length): number {
    if (from < 0) return this.startsWith(s, 0) ? 0 : -1;
    return this.buf.lastIndexOf(s, from, "latin1");
  }

  includes(s: string): boolean {
    return this.indexOf(s) >= 0;
  }

  startsWith(s: string, at: number): boolean {
    const from = Math.max(0, at);
    return this.buf.toString("latin1", from, from + s.length) === s;
  }

  /** The text from `start` up to `end` (both at least 0). */
  slice(start: number, end: number = this.length): string {
    return this.buf.toString("latin1", start, Math.min(end, this.length));
  }

  /** The byte at `i`, or NaN past either end. */
  charCodeAt(i: number): number {
    return i >= 0 && i < this.length ? this.buf[i] : Number.NaN;
  }

  /** The character at `i`, or "" past either end. */
  charAt(i: number): string {
    return i >= 0 && i < this.length ? String.fromCharCode(this.buf[i]) : "";
  }
}

export interface StreamLimits {
  /** Most bytes one stream may inflate to. */
  perStream: number;
  /** Most bytes all streams together may inflate to. */
  total: number;
}

/**
 * Generous for reports (a page's content stream is kilobytes, a fully embedded CJK font some tens of
 * megabytes) and far below what would endanger the process.
 */
export const PDF_STREAM_LIMITS: StreamLimits = { perStream: 96 * 2 ** 20, total: 384 * 2 ** 20 };

const FLATE = /^\/(?:FlateDecode|Fl)\b/;

/** How many Flate filters the stream's filter chain starts with (they are applied in order). */
function leadingFlateFilters(dict: string): number {
  const m = /\/Filter\s*(\[[^\]]*\]|\/[A-Za-z0-9]+)/.exec(dict);
  if (!m) return 0;
  const names = m[1].startsWith("[") ? (m[1].match(/\/[A-Za-z0-9]+/g) ?? []) : [m[1]];
  let n = 0;
  while (n < names.length && FLATE.test(names[n])) n++;
  return n;
}

/** Inflates as much of `data` as is there (a damaged stream is read up to its damage), at most `cap`. */
function inflateCapped(data: Buffer, cap: number): { bytes: Buffer; over: boolean } {
  try {
    const bytes = inflateSync(data, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: cap + 1 });
    return { bytes, over: bytes.length > cap };
  } catch (e) {
    if ((e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE")
      return { bytes: Buffer.alloc(0), over: true };
    return { bytes: Buffer.alloc(0), over: false }; // not Flate data after all: pdfjs will say what it is
  }
}

/** Deflate's largest possible expansion (zlib's documented limit is 1032:1), with room for headers. */
const maxInflated = (compressed: number, flates: number) => (compressed + 64) * 1032 ** flates;

interface FlateStream {
  start: number;
  end: number;
  flates: number;
  /** The most it can inflate to. */
  bound: number;
}

/** The streams pdfjs would inflate (Flate-compressed, not images), found by a scan of the file. */
function flateStreams(text: PdfText): FlateStream[] {
  const out: FlateStream[] = [];
  let from = 0;
  for (;;) {
    const at = text.indexOf("stream", from);
    if (at < 0) break;
    from = at + 6;
    if (text.startsWith("end", at - 3)) continue;
    // The stream's dictionary: back to the start of its object.
    const objAt = text.lastIndexOf(" obj", at);
    const dict = text.slice(objAt < 0 ? Math.max(0, at - 4096) : objAt, at);
    if (!dict.includes(">>")) continue;
    let start = at + 6;
    if (text.charAt(start) === "\r") start++;
    if (text.charAt(start) === "\n") start++;
    const end = text.indexOf("endstream", start);
    if (end < 0) break;
    from = end + 9;
    if (/\/Subtype\s*\/Image\b/.test(dict)) continue;
    const flates = leadingFlateFilters(dict);
    if (flates > 0) out.push({ start, end, flates, bound: maxInflated(end - start, flates) });
  }
  return out;
}

/**
 * Throws `pdf_too_large` when the streams of `bytes` inflate past `limits`. Only as many streams are
 * inflated as it takes to prove the limits hold: the largest first, until what the others could at most
 * inflate to fits (a typical report needs none inflated). Returns the bytes inflated for the check.
 * `text` is the PdfText of `bytes`, when the caller has it already.
 */
export function checkStreamSizes(
  bytes: Uint8Array,
  limits: StreamLimits = PDF_STREAM_LIMITS,
  text: PdfText = new PdfText(bytes),
): number {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const streams = flateStreams(text).sort((a, b) => b.bound - a.bound);
  const mb = (n: number) => `${Math.round(n / 2 ** 20)} MB`;
  let unchecked = streams.reduce((sum, s) => sum + s.bound, 0);
  let total = 0;
  for (const s of streams) {
    if (s.bound <= limits.perStream && total + unchecked <= limits.total) break;
    unchecked -= s.bound;
    let data = buf.subarray(s.start, s.end);
    for (let i = 0; i < s.flates; i++) {
      const cap = Math.min(limits.perStream, limits.total - total);
      const out = inflateCapped(data, cap);
      if (out.over) {
        throw new DocumentError(
          "pdf_too_large",
          cap === limits.perStream
            ? `PDF has a stream that inflates to more than ${mb(limits.perStream)} (a compression bomb, not a report)`
            : `PDF streams inflate to more than ${mb(limits.total)} in all (a compression bomb, not a report)`,
        );
      }
      data = out.bytes;
    }
    total += data.length;
  }
  return total;
}

// Extractor registry: detects a document's form from its bytes and runs the matching extractor.
import type { DocumentForm, DocumentModel } from "../model/document.js";
import { decodeBytes, garbleRatio, sanitizeModel } from "./charset.js";
import { DocumentError } from "./errors.js";
import { extractText, tabSeparatedShape } from "./text.js";

/** Largest document accepted; larger files are refused with a clear error rather than read. */
export const MAX_DOCUMENT_BYTES = 50 * 1024 * 1024;

export { DocumentError };

const startsWith = (b: Uint8Array, sig: number[]) => sig.every((v, i) => b[i] === v);

/** The form of a document, from its bytes alone (the file name is not trusted). */
export function detectForm(bytes: Uint8Array): DocumentForm | "zip" | "binary" | "empty" {
  if (bytes.length === 0) return "empty";
  // Views of the bytes, not copies (Buffer.from of a Uint8Array copies it).
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const head = buf.toString("latin1", 0, 2048);
  if (head.trimStart().startsWith("%PDF-") || head.slice(0, 1024).includes("%PDF-")) return "pdf";
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) {
    const names = buf.toString("latin1", 0, Math.min(bytes.length, 65536));
    // An OpenDocument text stores its media type first, uncompressed (.odt goes the legacy way).
    if (/^mimetype[\s\S]{0,64}?application\/vnd\.oasis\.opendocument\.text/.test(names.slice(30, 200)))
      return "doc";
    // Part names sit in the local headers and again in the central directory at the end.
    const tail = Buffer.from(bytes.subarray(Math.max(0, bytes.length - 65536))).toString("latin1");
    return names.includes("word/") || tail.includes("word/") ? "docx" : "zip";
  }
  if (startsWith(bytes, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return "doc";
  if (head.startsWith("{\\rtf")) return "doc";
  // Text: few control bytes in the first 8 KiB (UTF-16 text is recognised by its BOM).
  const sample = buf.subarray(0, 8192);
  const utf16 = (sample[0] === 0xff && sample[1] === 0xfe) || (sample[0] === 0xfe && sample[1] === 0xff);
  if (!utf16 && controlBytesOver(sample, sample.length * 0.01)) return "binary";
  const text = head.toLowerCase();
  if (/<(?:!doctype html|html|head|body|table|meta|div|p)[\s>]/.test(text)) return "html";
  return "text";
}

/**
 * Whether the sample holds more than `limit` NUL and control bytes below tab. Each of the nine byte
 * values is found with indexOf (memchr), which text, holding none, passes at once; a loop over every
 * byte cost more than the rest of detectForm, which every document passes more than once.
 */
function controlBytesOver(sample: Buffer, limit: number): boolean {
  let control = 0;
  for (let v = 0; v < 9; v++) {
    for (let i = sample.indexOf(v); i >= 0; i = sample.indexOf(v, i + 1)) {
      if (++control > limit) return true;
    }
  }
  return false;
}

export interface Extracted {
  model: DocumentModel;
  charset?: string;
}

/** Turns document bytes into the shared document model, or throws a DocumentError saying why not. */
export async function extract(bytes: Uint8Array, opts: { httpCharset?: string } = {}): Promise<Extracted> {
  const form = checkedForm(bytes);
  switch (form) {
    // Each extractor is loaded by the first document of its form: a batch of text never loads pdfjs.
    case "pdf":
      return { model: sanitizeModel(await (await import("./pdf.js")).extractPdf(bytes)) };
    case "docx":
      return { model: sanitizeModel(await (await import("./docx.js")).extractDocx(bytes)) };
    case "doc":
      return { model: sanitizeModel(await (await import("./legacy.js")).extractLegacy(bytes)) };
    case "html":
      await loadHtmlExtractor();
  }
  return extractTextual(bytes, opts);
}

/** The form of a document this module can read, or the DocumentError that says why it cannot. */
function checkedForm(bytes: Uint8Array): DocumentForm {
  if (bytes.length > MAX_DOCUMENT_BYTES) {
    throw new DocumentError(
      "too_large",
      `document is ${bytes.length} bytes, over the ${MAX_DOCUMENT_BYTES}-byte limit`,
    );
  }
  const form = detectForm(bytes);
  switch (form) {
    case "empty":
      throw new DocumentError("empty", "document is empty (0 bytes)");
    case "binary":
      throw new DocumentError("binary", "document is binary data, not a report (no known format)");
    case "zip":
      throw new DocumentError("not_word_zip", "document is a zip archive but not a Word (DOCX) file");
  }
  return form;
}

/** Forms read synchronously, without awaiting anything: HTML and text. */
export const TEXTUAL_FORMS: ReadonlySet<string> = new Set(["html", "text"]);

let html: typeof import("./html.js") | undefined;

/**
 * Loads the HTML extractor, once: the first HTML document awaits this before it is read synchronously
 * (a batch of text never loads the HTML parser).
 */
export async function loadHtmlExtractor(): Promise<void> {
  html ??= await import("./html.js");
}

/**
 * extract() for HTML and text, synchronously (so that a time budget can stop it); HTML needs
 * loadHtmlExtractor() to have been awaited. Other forms throw `internal_error`: extract() reads them.
 */
export function extractTextual(bytes: Uint8Array, opts: { httpCharset?: string } = {}): Extracted {
  const form = checkedForm(bytes);
  if (!TEXTUAL_FORMS.has(form) || (form === "html" && !html))
    throw new DocumentError("internal_error", `${form} is not read synchronously here`);
  const decoded = decodeBytes(bytes, opts.httpCharset);
  if (garbleRatio(decoded.text) > 0.02) {
    throw new DocumentError("bad_encoding", `text could not be decoded cleanly (tried ${decoded.charset})`);
  }
  const tsv = tabSeparatedShape(decoded.text);
  if (tsv) {
    throw new DocumentError(
      "not_a_report",
      `not a 政府信息公开工作年度报告: tab-separated data (${tsv.rows} rows of ${tsv.columns} fields), not a document`,
    );
  }
  const model = form === "html" && html ? html.extractHtml(decoded.text) : extractText(decoded.text);
  if (decoded.damaged > 0) {
    model.warnings.push({
      code: "encoding_damaged",
      message: `${decoded.damaged} byte sequence${decoded.damaged === 1 ? " is" : "s are"} not valid ${decoded.charset} and ${decoded.damaged === 1 ? "was" : "were"} replaced with U+FFFD; the rest of the text decoded cleanly`,
    });
  }
  return { model: sanitizeModel(model), charset: decoded.charset };
}

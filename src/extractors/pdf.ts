// PDF extractor: positioned text and rulings from pdfjs-dist → lines → table grids, in reading order.
import Module, { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { DocumentModel } from "../model/document.js";
import { ALL_TABLES } from "../normalize/template.js";
import { isValueText } from "../normalize/text.js";
import { unifyRadicals } from "./cjk-radicals.js";
import { DocumentError } from "./errors.js";
import { documentRead, loadBundle, startWarmUpTiering } from "./pdf-bundle.js";
import { hideFontPrograms } from "./pdf-fonts.js";
import { type OpCodes, type RawTextItem, rulings, textPieces } from "./pdf-geometry.js";
import { type LayoutNotes, layoutPages, mayHoldTable, type PageInput } from "./pdf-layout.js";
import { SameThreadPort } from "./pdf-port.js";
import { checkStreamSizes, PDF_STREAM_LIMITS, PdfText } from "./pdf-streams.js";
import { repairType3Unicode, type Type3Repair } from "./pdf-type3-unicode.js";

export interface PdfOptions {
  /**
   * Give up on a document after this long (a hostile PDF must not hang a batch). Default 60 s. The
   * limit is checked whenever pdfjs hands back control (between pages and between the text and the
   * drawing of a page); one pathological page can still run past it, which is why `import` also runs
   * PDFs in worker threads that it terminates at a hard limit.
   */
  timeoutMs?: number;
  /** Read at most this many pages (annual reports have a few dozen at most). Default 500. */
  maxPages?: number;
  /**
   * Let pdfjs parse every embedded TrueType font program, even those whose text needs none (see
   * pdf-fonts.ts). Slower; for comparing the two readings. Default false.
   */
  keepFontPrograms?: boolean;
  /** Read pages without a text layer by OCR when Tesseract is installed. Default true. */
  ocr?: boolean;
  /**
   * Also ask pdfjs for each operator list the drawing came with (getOperatorList) and fail with
   * `internal_error` where the two differ (for tests). Default false.
   */
  verifyDrawing?: boolean;
}

export const PDF_TIMEOUT_MS = 60_000;

/** Beyond these, a page is not a report page but a pathological (or hostile) drawing. */
const MAX_PAGE_ITEMS = 20_000;
const MAX_PAGE_RULINGS = 20_000;

type PdfjsLib = typeof import("pdfjs-dist/legacy/build/pdf.mjs");

let pdfjsPromise: Promise<PdfjsLib> | undefined;
let assets: { cMapUrl: string; standardFontDataUrl: string; wasmUrl: string } | undefined;
/** pdfjs's worker code (run in this thread): it answers the API's requests on a port. */
let workerMessageHandler: { initializeFromPort(port: SameThreadPort): void } | undefined;
/** One pdfjs worker serves every document this thread reads (see sameThreadWorker). */
let sharedWorker: InstanceType<PdfjsLib["PDFWorker"]> | undefined;
let sharedPort: SameThreadPort | undefined;
/** Writes the code caches of pdfjs's bundles (see pdf-bundle.ts) once a document has been read. */
let saveCodeCaches: (() => void) | undefined;

/** A constructor that exists for pdfjs's feature checks and refuses to run: zfxxgk never renders. */
function renderingOnly(name: string) {
  return class {
    constructor() {
      throw new Error(`${name} is not available: zfxxgk reads PDFs without rendering them`);
    }
  };
}

/**
 * Runs `load` (the import of pdfjs) with the `@napi-rs/canvas` package standing in as a module without
 * its native part. pdfjs's legacy build requires that package as it loads, only to take DOMMatrix,
 * ImageData and Path2D from it for rendering; loading its Skia library costs 0.1–0.4 s per thread,
 * more than reading a report. The stand-in exports the package's own pure-JS DOMMatrix (its
 * geometry.js: pdfjs's worker computes Type3 glyph outlines with it, so that path is unchanged) and
 * ImageData/Path2D that refuse to be constructed. The stand-in is put in the CommonJS module cache
 * under the package's resolved file name, which is where pdfjs's `require` finds it, and removed again
 * afterwards. Without the package installed, pdfjs loads as it always did.
 */
async function withoutNativeCanvas<T>(pdfjsRoot: string, load: () => Promise<T>): Promise<T> {
  const requireFromPdfjs = createRequire(join(pdfjsRoot, "package.json"));
  let entry: string;
  let geometry: { DOMMatrix: unknown };
  try {
    entry = requireFromPdfjs.resolve("@napi-rs/canvas");
    geometry = requireFromPdfjs("@napi-rs/canvas/geometry.js") as { DOMMatrix: unknown };
  } catch {
    return load();
  }
  const cache = requireFromPdfjs.cache;
  if (cache[entry]) return load();
  const standIn = new Module(entry);
  standIn.filename = entry;
  standIn.loaded = true;
  standIn.exports = {
    DOMMatrix: geometry.DOMMatrix,
    ImageData: renderingOnly("ImageData"),
    Path2D: renderingOnly("Path2D"),
  };
  cache[entry] = standIn;
  try {
    return await load();
  } finally {
    if (cache[entry] === standIn) delete cache[entry];
  }
}

/**
 * Loads the legacy pdfjs build once, with its worker code in this thread (Node has no web workers).
 * The legacy bundles carry core-js, which replaces a few built-ins that Node already implements
 * (Array.prototype.push, JSON.parse/stringify) with slower spec shims for every caller in the process;
 * the native ones are put back, as pdfjs needs none of the shims' extras.
 */
function loadPdfjs(): Promise<PdfjsLib> {
  pdfjsPromise ??= (async () => {
    const require = createRequire(import.meta.url);
    const root = dirname(require.resolve("pdfjs-dist/package.json"));
    // pdfjs wants folder locations ending in a separator; in Node it reads them with fs.
    assets = {
      cMapUrl: `${join(root, "cmaps")}/`,
      standardFontDataUrl: `${join(root, "standard_fonts")}/`,
      wasmUrl: `${join(root, "wasm")}/`,
    };
    // pdfjs inflates each stream through the DecompressionStream global when there is one, and in Node
    // that sends every small content, font and ToUnicode stream through web streams to the libuv thread
    // pool and back: a third of a report's reading time was spent waiting on those hops. Without the
    // global, pdfjs uses its synchronous inflate (its long-standing path, the same bytes out; patched to
    // try Node's zlib first). No other code in zfxxgk uses DecompressionStream (the crawler decodes
    // with node:zlib).
    Reflect.deleteProperty(globalThis, "DecompressionStream");
    const natives = { push: Array.prototype.push, parse: JSON.parse, stringify: JSON.stringify };
    // Both bundles look at `Response.prototype.bytes` as they load (to add it where it is missing; the
    // fetch API of Node ≥ 20.16 has it). In Node, `Response` is a lazy global whose first use loads the
    // whole fetch implementation (undici, with http2): 20–40 ms per thread, for a check. While the
    // bundles load, `Response` is a stand-in that has `bytes`; the real one is put back right after,
    // before anything could fetch (pdfjs reads its CMaps and fonts with fs and never fetches here).
    const fetchResponse = Object.getOwnPropertyDescriptor(globalThis, "Response");
    if (fetchResponse?.get && fetchResponse.configurable)
      Object.defineProperty(globalThis, "Response", {
        configurable: true,
        writable: true,
        value: class Response {
          bytes(): never {
            throw new Error("Response is not available while pdfjs loads");
          }
        },
      });
    // V8 tiers pdfjs up less eagerly for this thread's first documents (set before pdfjs is compiled,
    // as a code cache is checked against the V8 flags it was made with).
    startWarmUpTiering();
    // Each bundle is run from its V8 code cache when there is one, else imported as a module.
    const bundles: NonNullable<ReturnType<typeof loadBundle>>[] = [];
    const cacheFolder = join(dirname(root), ".cache", `zfxxgk-v8-${process.versions.v8}`);
    const load = async <T>(path: string, specifier: string): Promise<T> => {
      const bundle = loadBundle(join(root, path), cacheFolder);
      if (!bundle) return (await import(specifier)) as T;
      bundles.push(bundle);
      return bundle.exports as T;
    };
    try {
      const lib = await withoutNativeCanvas(root, () =>
        load<PdfjsLib>("legacy/build/pdf.mjs", "pdfjs-dist/legacy/build/pdf.mjs"),
      );
      const workerModule: string = "pdfjs-dist/legacy/build/pdf.worker.mjs";
      const worker = await load<{ WorkerMessageHandler: NonNullable<typeof workerMessageHandler> }>(
        "legacy/build/pdf.worker.mjs",
        workerModule,
      );
      saveCodeCaches = () => {
        for (const b of bundles) b.saveCache();
      };
      (globalThis as { pdfjsWorker?: unknown }).pdfjsWorker = worker;
      workerMessageHandler = worker.WorkerMessageHandler;
      lib.GlobalWorkerOptions.workerSrc = require.resolve(workerModule);
      return lib;
    } finally {
      if (fetchResponse?.get && fetchResponse.configurable)
        Object.defineProperty(globalThis, "Response", fetchResponse);
      Array.prototype.push = natives.push;
      JSON.parse = natives.parse;
      JSON.stringify = natives.stringify;
    }
  })();
  return pdfjsPromise;
}

/** Loads pdfjs now (a worker thread of a PDF batch, before its first document); errors show when one is read. */
export async function preloadPdfjs(): Promise<void> {
  await loadPdfjs();
}

/**
 * The pdfjs worker every document of this thread is read with: pdfjs's worker code in this thread,
 * connected by a SameThreadPort (pdf-port.ts). A worker passed to getDocument outlives the document
 * (destroying the task leaves it running), so its set-up is paid once per thread.
 */
function sameThreadWorker(pdfjs: PdfjsLib): InstanceType<PdfjsLib["PDFWorker"]> {
  if (sharedWorker && !sharedWorker.destroyed) return sharedWorker;
  const port = new SameThreadPort();
  sharedPort = port;
  workerMessageHandler!.initializeFromPort(port);
  type WorkerParams = NonNullable<ConstructorParameters<PdfjsLib["PDFWorker"]>[0]>;
  sharedWorker = new pdfjs.PDFWorker({ port: port as unknown as WorkerParams["port"], verbosity: 0 });
  return sharedWorker;
}

/** Listeners on this thread's pdfjs worker port (for tests: reading documents must not add up any). */
export function pdfWorkerListeners(): number {
  return sharedPort?.liveListeners ?? 0;
}

let drawingsVerified = 0;

/** Pages whose drawing verifyDrawing found equal to getOperatorList's (for tests). */
export function verifiedDrawings(): number {
  return drawingsVerified;
}

/**
 * Checks a page's drawing read with its text against getOperatorList's operator list: the same operator
 * codes, in the same order, and the same rulings read from them.
 */
async function verifyDrawing(
  page: { getOperatorList(): Promise<{ fnArray: number[]; argsArray: unknown[] }> },
  drawing: { fnArray: number[]; argsArray: unknown[] },
  OPS: OpCodes,
  viewport: number[],
  pageNumber: number,
): Promise<void> {
  const real = await page.getOperatorList();
  const same =
    JSON.stringify(real.fnArray) === JSON.stringify(drawing.fnArray) &&
    JSON.stringify(rulings(real.fnArray, real.argsArray, OPS, viewport)) ===
      JSON.stringify(rulings(drawing.fnArray, drawing.argsArray, OPS, viewport));
  if (!same)
    throw new DocumentError(
      "internal_error",
      `page ${pageNumber}: the drawing read with the text differs from pdfjs's operator list`,
    );
  drawingsVerified++;
}

/** A complete PDF ends with %%EOF (and has a startxref) near its end; a cut-off download does not. */
function looksTruncated(bytes: Uint8Array): boolean {
  const tail = Buffer.from(bytes.subarray(Math.max(0, bytes.length - 4096))).toString("latin1");
  return !tail.includes("%%EOF") && !tail.includes("startxref");
}

/** Share of characters that cannot be real text (private-use glyph codes, replacement, controls). */
function garbledShare(text: string): number {
  let chars = 0;
  let bad = 0;
  for (const ch of text.replace(/\s+/g, "")) {
    chars++;
    const code = ch.codePointAt(0) ?? 0;
    if (code < 0x20 || (code >= 0xe000 && code <= 0xf8ff) || code === 0xfffd) bad++;
  }
  return chars === 0 ? 0 : bad / chars;
}

/**
 * Letters of the Latin-1 and Latin Extended blocks standing next to Chinese characters (`ÿ五Ā`, `举ç`):
 * glyphs whose /ToUnicode entry was lost, read as their raw one-byte codes. Ghostscript's pdfwrite does
 * this to some glyphs of the Type 3 fonts Chromium embeds; a digit glyph could be misread the same way.
 */
export function unmappedGlyphs(text: string): string[] {
  return Array.from(text.matchAll(STRAY_LETTER), (m) => m[0]);
}

/** A letter of the Latin-1 or Latin Extended blocks beside a Chinese character or CJK punctuation. */
const STRAY_LETTER =
  /[\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f](?=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])|(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])[\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f]/g;

/**
 * In a text layer whose fonts lost part of their Unicode mapping, the letters that stand beside Chinese
 * (accented letters; a lone ASCII letter or bar set into Chinese, 其 read `w`, 上 read `P`, 公 read `|`)
 * as unknown characters (U+FFFD).
 */
export function unknownGlyphs(text: string): string {
  return text
    .replace(STRAY_LETTER, "\ufffd")
    .replace(
      /(?<![A-Za-z])[A-Za-z|](?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff])[A-Za-z|](?![A-Za-z])/g,
      "\ufffd",
    );
}

function asDocumentError(err: unknown): DocumentError {
  if (err instanceof DocumentError) return err;
  const e = err as { name?: string; message?: string };
  const msg = e?.message ?? String(err);
  if (e?.name === "PasswordException") {
    return new DocumentError("encrypted", "PDF is encrypted with an open password and cannot be read");
  }
  if (e?.name === "InvalidPDFException") {
    return new DocumentError("corrupt_pdf", `PDF structure is damaged or incomplete (${msg})`);
  }
  return new DocumentError("corrupt_pdf", `PDF could not be read: ${msg}`);
}

/** Reads a PDF report into the document model, or throws a DocumentError saying why it cannot. */
export async function extractPdf(bytes: Uint8Array, opts: PdfOptions = {}): Promise<DocumentModel> {
  if (looksTruncated(bytes)) {
    throw new DocumentError(
      "corrupt_pdf",
      `PDF is truncated: no end-of-file marker (%%EOF/startxref) in its last bytes (${bytes.length} bytes read); the download is probably incomplete`,
    );
  }
  // The file's raw syntax is scanned as text (searched as bytes) by the scans below.
  const text = new PdfText(bytes);
  checkStreamSizes(bytes, PDF_STREAM_LIMITS, text);
  const pdfjs = await loadPdfjs();
  const started = performance.now();
  // Type 3 CJK fonts whose Unicode maps Ghostscript broke are repaired first (pdf-type3-unicode.ts).
  const repair = repairType3Unicode(bytes);
  // pdfjs takes ownership of (and detaches) the buffer it is given: it always gets a copy.
  const lean = new Uint8Array(repair.bytes);
  const hidden =
    !opts.keepFontPrograms &&
    hideFontPrograms(lean, repair.bytes === bytes ? text : new PdfText(repair.bytes)) > 0;
  try {
    try {
      const model = await read(pdfjs, lean, started, opts, repair);
      saveCodeCaches?.();
      saveCodeCaches = undefined;
      documentRead();
      return model;
    } catch (err) {
      // A text layer that reads as garbage without the font programs is read again with them: the
      // scan in hideFontPrograms is conservative, and this keeps any miss from costing text.
      if (!hidden || !(err instanceof DocumentError) || err.code !== "needs_ocr") throw err;
      return await read(pdfjs, new Uint8Array(repair.bytes), started, opts, repair);
    }
  } catch (err) {
    // Pages without a (readable) text layer are read by OCR where Tesseract is installed (ocr.ts).
    if (!(err instanceof DocumentError) || err.code !== "needs_ocr" || opts.ocr === false) throw err;
    // Loaded only when a scan comes: most imports never need it.
    const { extractScannedPdf } = await import("./ocr.js");
    return extractScannedPdf(bytes, err.message, err instanceof NeedsOcr ? { textLayer: err.textLayer } : {});
  }
}

/** needs_ocr for a text layer whose numbers are unreadable, with the first page's lines of text, which read. */
class NeedsOcr extends DocumentError {
  constructor(
    message: string,
    readonly textLayer: string[],
  ) {
    super("needs_ocr", message);
  }
}

/** One pdfjs session over `data` (which pdfjs takes over); the time limit counts from `started`. */
async function read(
  pdfjs: PdfjsLib,
  data: Uint8Array,
  started: number,
  opts: PdfOptions,
  repair: Type3Repair,
): Promise<DocumentModel> {
  const timeoutMs = opts.timeoutMs ?? PDF_TIMEOUT_MS;
  const maxPages = opts.maxPages ?? 500;
  // isEvalSupported no longer exists in pdfjs 6 (it never evaluates code); it is passed anyway so that
  // a different pinned build cannot silently turn font-program compilation through eval back on.
  const params: Exclude<Parameters<PdfjsLib["getDocument"]>[0], string | URL | ArrayBuffer> & {
    isEvalSupported: boolean;
  } = {
    data,
    cMapUrl: assets!.cMapUrl,
    cMapPacked: true,
    standardFontDataUrl: assets!.standardFontDataUrl,
    wasmUrl: assets!.wasmUrl,
    isEvalSupported: false,
    useSystemFonts: false,
    disableFontFace: true,
    useWorkerFetch: false,
    isOffscreenCanvasSupported: false,
    isImageDecoderSupported: false,
    enableXfa: false,
    // Images are never decoded: text and rulings are all the extractor reads.
    maxImageSize: 1,
    verbosity: 0,
  };
  const task = pdfjs.getDocument({ ...params, worker: sameThreadWorker(pdfjs) });
  // The clock is read at each hand-back from pdfjs too: a timer cannot fire while pdfjs holds the thread.
  const expired = () => performance.now() - started > timeoutMs;
  const timeoutError = () =>
    new DocumentError(
      "timeout",
      `PDF took longer than ${Math.round(timeoutMs / 1000)} s to read and was abandoned (hostile or pathological file)`,
    );
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeoutError()), Math.max(0, timeoutMs - (performance.now() - started)));
  });
  const work = async (): Promise<DocumentModel> => {
    const doc = await task.promise;
    const OPS = pdfjs.OPS as unknown as OpCodes;
    const pages: PageInput[] = [];
    let chars = 0;
    let allText = "";
    const textless: number[] = [];
    const warnings: DocumentModel["warnings"] = [];
    const n = Math.min(doc.numPages, maxPages);
    for (let p = 1; p <= n; p++) {
      if (expired()) throw timeoutError();
      const page = await doc.getPage(p);
      const viewport = page.getViewport({ scale: 1 });
      // The drawing operators come with the text, from one reading of the content stream (a pdfjs patch:
      // see patches/); null when the page draws what only getOperatorList resolves.
      const content = (await page.getTextContent({ zfxxgkDrawing: true } as never)) as Awaited<
        ReturnType<typeof page.getTextContent>
      > & { zfxxgkDrawing?: { fnArray: number[]; argsArray: unknown[] } | null };
      if (expired()) throw timeoutError();
      const items = content.items.filter(
        (it): it is RawTextItem & (typeof content.items)[number] => "str" in it,
      );
      for (const it of items) it.str = unifyRadicals(it.str);
      const pieces = textPieces(items, viewport.transform);
      let pageChars = 0;
      for (const it of items) {
        pageChars += it.str.replace(/\s+/g, "").length;
        if (allText.length < 20000) allText += it.str;
      }
      chars += pageChars;
      if (pageChars < 3) textless.push(p);
      let segs: { h: PageInput["h"]; v: PageInput["v"] } = { h: [], v: [] };
      // Operator lists are costly; only pages whose text looks tabular can hold a ruled table. A page
      // of tens of thousands of text runs is no report page: its text is kept, its drawing skipped.
      if (items.length > MAX_PAGE_ITEMS) {
        warnings.push({
          code: "page_too_complex",
          message: `page ${p} has ${items.length} text runs; read as plain lines, without table rulings`,
        });
      } else if (mayHoldTable(pieces)) {
        const ops = content.zfxxgkDrawing ?? (await page.getOperatorList());
        if (opts.verifyDrawing && content.zfxxgkDrawing)
          await verifyDrawing(page, ops, OPS, viewport.transform, p);
        if (expired()) throw timeoutError();
        segs = rulings(ops.fnArray, ops.argsArray, OPS, viewport.transform);
        if (segs.h.length + segs.v.length > MAX_PAGE_RULINGS) {
          warnings.push({
            code: "page_too_complex",
            message: `page ${p} draws ${segs.h.length + segs.v.length} straight lines; its rulings were ignored`,
          });
          segs = { h: [], v: [] };
        }
      }
      pages.push({ page: p, width: viewport.width, height: viewport.height, pieces, ...segs });
      page.cleanup();
    }
    if (chars < 10 * n) {
      throw new DocumentError(
        "needs_ocr",
        `PDF has no text layer (${chars} characters of text on ${doc.numPages} page(s)): the pages are images and need OCR`,
      );
    }
    // Numbers drawn in glyphs without a Unicode mapping (full-width digits a Ghostscript re-distil lost)
    // read as runs of U+FFFD, some digits perhaps kept (`�8`: the font kept ８'s mapping, not １'s):
    // where a quarter of the numbers or more are unreadable, the tables are read by OCR. The text
    // layer's words still read (only the digits' glyphs lost their mapping), and go with the pages.
    let unreadNumbers = 0;
    let numbers = 0;
    if (repair.unknown > 0 || allText.includes("\ufffd")) {
      for (const pg of pages)
        for (const pc of pg.pieces) {
          const t = pc.text.trim();
          if (/^[\ufffd\d.,+\- ]+$/.test(t) && t.includes("\ufffd")) unreadNumbers++;
          else if (isValueText(t)) numbers++;
        }
    }
    if (unreadNumbers >= 10 && unreadNumbers >= 0.25 * (unreadNumbers + numbers)) {
      throw new NeedsOcr(
        `PDF text layer draws its numbers in glyphs without a Unicode mapping (${unreadNumbers} unreadable numbers, ${numbers} readable); the pages need OCR`,
        layoutPages(pages.slice(0, 1)).flatMap((b) => (b.kind === "text" ? [b.text] : [])),
      );
    }
    if (garbledShare(allText) > 0.3) {
      throw new DocumentError(
        "needs_ocr",
        "PDF text layer is unreadable (fonts without a Unicode mapping); the pages need OCR",
      );
    }
    let title: string | undefined;
    try {
      const meta = await doc.getMetadata();
      const raw = (meta.info as { Title?: unknown } | undefined)?.Title;
      if (typeof raw === "string") {
        title = raw
          .replace(/^Microsoft (?:Word|Excel) - /, "")
          .replace(/\.(?:docx?|wps|xlsx?|pdf)$/i, "")
          .trim();
      }
    } catch {
      // Metadata is optional.
    }
    const unmapped = unmappedGlyphs(allText);
    if (unmapped.length >= 2) {
      // Those letters are glyphs whose character is not known: read as unknown (U+FFFD), a label
      // holding one is matched on the rest of its text and flagged (行政Ï业性收费 is 行政事业性收费).
      for (const pg of pages) for (const pc of pg.pieces) pc.text = unknownGlyphs(pc.text);
      warnings.push({
        code: "text_layer_unmapped",
        message: `the text layer reads some glyphs as stray letters (${[...new Set(unmapped)].slice(0, 8).join(" ")}): its fonts lost part of their Unicode mapping, so any label or value may be misread; check against the page`,
        keys: [...ALL_TABLES],
      });
    } else if (repair.unknown > 0) {
      warnings.push({
        code: "text_layer_unmapped",
        message: `${repair.unknown} glyph(s) of the Type 3 fonts have no usable Unicode mapping (a Ghostscript re-distilled print) and read as \ufffd; labels holding one were matched on the rest of their text and flagged, values holding one are not read as numbers; check against the page`,
        keys: [...ALL_TABLES],
      });
    }
    if (repair.recovered > 0) {
      warnings.push({
        code: "text_layer_repaired",
        message: `${repair.recovered} glyph(s) whose Unicode mapping was broken (a Ghostscript re-distilled print) were read from the same glyph drawn elsewhere in the document, or as a dash from a single horizontal bar; check against the page`,
        keys: [...ALL_TABLES],
      });
    }
    if (doc.numPages > n) {
      warnings.push({
        code: "pages_skipped",
        message: `only the first ${n} of ${doc.numPages} pages were read`,
      });
    }
    if (textless.length > 0) {
      warnings.push({
        code: "pages_without_text",
        message: `page(s) ${textless.join(", ")} have no text layer (scanned or image pages); their content was not read`,
      });
    }
    const notes: LayoutNotes = { unsureBlankRuns: 0 };
    const blocks = layoutPages(pages, notes);
    if (notes.unsureBlankRuns > 0) {
      warnings.push({
        code: "blank_lines_uncertain",
        message: `${notes.unsureBlankRuns} run(s) of empty cell lines (a table printed one paragraph per cell) fit more than one count of blank cells; their rows were fitted to the template's cell count; check against the page`,
        keys: [...ALL_TABLES],
      });
    }
    return { form: "pdf", title: title || undefined, blocks, warnings };
  };
  const result = work();
  // Whichever loses the race must not surface as an unhandled rejection.
  result.catch(() => undefined);
  deadline.catch(() => undefined);
  try {
    return await Promise.race([result, deadline]);
  } catch (err) {
    throw asDocumentError(err);
  } finally {
    clearTimeout(timer);
    await task.destroy().catch(() => undefined);
  }
}

// How pdfjs is run: without its native canvas library, one same-thread worker per thread whose port
// copies only what needs copying, and the patch kept in patches/ (each test here fails when the pdfjs
// code it relies on changes, so an upgrade is checked by hand before it is trusted).

import { createHash } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { constants, deflateRawSync, deflateSync, inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { extractPdf, pdfWorkerListeners, verifiedDrawings } from "../../src/extractors/pdf.js";
import { asFunctionSource, loadBundle } from "../../src/extractors/pdf-bundle.js";
import { copyMessage } from "../../src/extractors/pdf-port.js";
import { projectRoot } from "../helpers.js";
import { buildPdf, text } from "./pdf-builder.js";

const require = createRequire(import.meta.url);
const pdfjsRoot = join(projectRoot, "node_modules", "pdfjs-dist");
const workerSource = () => readFileSync(join(pdfjsRoot, "legacy", "build", "pdf.worker.mjs"), "utf8");
const producerFixtures = join(projectRoot, "test", "fixtures", "producers");
const pdfsIn = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith(".pdf"))
    .map((f) => join(dir, f));

/** A short hash of the patched bundle's source from one marker up to the next: changes when pdfjs does. */
function fingerprint(src: string, from: string, to: string): string {
  const start = src.indexOf(from);
  const end = src.indexOf(to, start + 1);
  expect(start).toBeGreaterThanOrEqual(0);
  expect(end).toBeGreaterThan(start);
  return createHash("sha256").update(src.slice(start, end)).digest("hex").slice(0, 16);
}
const corpusPdfs = ["jiaoyu-2020-pagebreak.pdf", "qingxi-2021-ruled.pdf", "shuiwu-2023-borderless.pdf"].map(
  (f) => join(projectRoot, "corpus", f),
);

describe("pdfjs as zfxxgk runs it", () => {
  it("is the pinned version the patch was made for, with the patch applied", () => {
    const version = (require(join(pdfjsRoot, "package.json")) as { version: string }).version;
    expect(version).toBe("6.0.227");
    expect(existsSync(join(projectRoot, "patches", `pdfjs-dist+${version}.patch`))).toBe(true);
    const src = workerSource();
    // TextState.clone: a copy of the same class, not a child of the state it copies (pdf.worker.mjs).
    expect(src).toContain(
      "  clone() {\n    // zfxxgk patch: a clone of the same class, not a child of this state.",
    );
    expect(src).toContain(
      "    const clone = Object.assign(Object.create(Object.getPrototypeOf(this)), this);\n    clone.textMatrix = this.textMatrix.slice();\n    clone.textLineMatrix = this.textLineMatrix.slice();\n    clone.fontMatrix = this.fontMatrix.slice();\n    return clone;",
    );
    expect(src).not.toContain("Object.assign(Object.create(this), this)");
    // CMap.forEach: the mapped codes from Object.keys, in ascending order, as the loop over every code gave.
    expect(src).toContain(
      "  forEach(callback) {\n    const map = this._map;\n    const length = map.length;\n    if (length <= 0x10000) {\n      // zfxxgk patch: the codes a CMap maps, in ascending order, without probing every code below its\n",
    );
    expect(src).toContain(
      "      for (const key of Object.keys(map)) {\n        const i = +key;\n        if (i >= 0 && i < length && key === String(i) && map[i] !== undefined) {\n          callback(i, map[i]);\n        }\n      }\n    } else {\n      for (const i in map) {\n        callback(i, map[i]);\n      }\n    }\n  }\n  charCodeOf(value) {",
    );
    // EvalState.clone (the graphics state of operator lists): the same kind of copy.
    expect(src).toContain(
      "  clone({\n    newPath = false\n  } = {}) {\n    // zfxxgk patch: a clone of the same class, not a child of this state (as TextState.clone).",
    );
    expect(src).toContain(
      "    const clone = Object.assign(Object.create(Object.getPrototypeOf(this)), this);\n    if (newPath) {\n      clone.pathBuffer = [];\n      clone.pathMinMax = F32_BBOX_INIT.slice();\n    }\n    return clone;",
    );
    expect(src).not.toContain("const clone = Object.create(this);");
    // Safe while every EvalState field is declared (own on each instance, copied by Object.assign) and
    // its accessors live on the class.
    expect(src).toContain(
      "class EvalState {\n  ctm = new Float32Array(IDENTITY_MATRIX);\n  font = null;\n  textRenderingMode = TextRenderingMode.FILL;\n  _fillColorSpace = ColorSpaceUtils.gray;\n  _strokeColorSpace = ColorSpaceUtils.gray;\n  patternFillColorSpace = null;\n  patternStrokeColorSpace = null;\n  currentPointX = 0;\n  currentPointY = 0;\n  pathMinMax = F32_BBOX_INIT.slice();\n  pathBuffer = [];\n  get fillColorSpace() {",
    );
    // FlateStream: zlib inflates the whole stream on the first block, before pdfjs's own inflate, which
    // takes over where it was when zlib refuses the data. Relies on the stream state it checks.
    expect(src).toContain(
      '      const zlib = this.bufferLength === 0 && this.codeSize === 0 ? globalThis.process?.getBuiltinModule?.("zlib") : undefined;\n      const from = this.stream.pos;\n      if (zlib && typeof from === "number") {\n        try {\n          const out = zlib.inflateRawSync(this.stream.getBytes(), { maxOutputLength: 2 ** 28 });\n          this.buffer = new Uint8Array(out);\n          this.bufferLength = out.length;\n          this.eof = true;\n          return;\n        } catch {\n          this.stream.pos = from;\n        }\n      }\n    }\n    let buffer, hdr, len;\n    const str = this.stream;\n    try {\n      hdr = this.getBits(3);',
    );
    expect(src).toContain(
      "class DecodeStream extends BaseStream {\n  buffer = emptyBuffer;\n  bufferLength = 0;\n  eof = false;\n  minBufferLength = 512;\n  pos = 0;",
    );
    // The lexer builds its string, name and hex-string tokens as strings, not in a shared array emptied by
    // setting its length and then joined; nothing else reads that array.
    expect(src).toContain(
      "  getString() {\n    let numParen = 1;\n    let done = false;\n    // zfxxgk patch: the token is built as a string",
    );
    expect(src).toContain('  getName() {\n    let ch, previousCh;\n    let str = "";\n');
    expect(src).toContain("    return Name.get(str);\n  }");
    expect(src).toContain(
      '  getHexString() {\n    let str = "";\n    let ch = this.currentChar;\n    let firstDigit = -1,\n      digit = -1;',
    );
    expect(src).not.toContain("strBuf.length = 0;");
    // A text item's characters go to a new array once the item is flushed (its text joined from the old one).
    expect(src).toContain(
      "      textContent.items.push(runBidiTransform(textContentItem));\n      textContentItem.initialized = false;\n      // zfxxgk patch: a new array for the next item's characters",
    );
    expect(src).toContain(
      "      textContentItem.str = [];\n    }\n    function enqueueChunk(batch = false) {",
    );
    expect(src).toContain(
      '    function runBidiTransform(textChunk) {\n      let text = textChunk.str.join("");',
    );
    expect(src.split("this.strBuf")).toHaveLength(2); // made by the lexer's constructor, read by none
    // Text content goes out in chunks of at least 500 items when pdfjs pauses (was 10); the API side
    // concatenates the chunks' items in order and merges their styles, so only the message count changes.
    expect(src).toContain("const TEXT_CHUNK_BATCH_SIZE = 500;");
    expect(src).toContain(
      "      if (batch && length < TEXT_CHUNK_BATCH_SIZE) {\n        return;\n      }\n      sink?.enqueue(textContent, length);",
    );
    // And a reading pauses for its consumer once it holds such a chunk (the items are the same whenever it
    // pauses), not after every operator once it holds more items than the stream's desired size.
    expect(src).toContain(
      "        if (textContent.items.length >= Math.max(sink?.desiredSize ?? 1, TEXT_CHUNK_BATCH_SIZE)) {\n          stop = true;\n          break;\n        }",
    );
    const api = readFileSync(join(pdfjsRoot, "legacy", "build", "pdf.mjs"), "utf8");
    expect(api).toContain(
      "    for await (const value of readableStream) {\n      textContent.lang ??= value.lang;\n      Object.assign(textContent.styles, value.styles);\n      textContent.items.push(...value.items);\n      // zfxxgk patch:",
    );
    // The patch is only safe while every TextState field is declared (own on each instance).
    expect(src).toContain(
      "class TextState {\n  ctm = new Float32Array(IDENTITY_MATRIX);\n  fontName = null;\n  fontSize = 0;\n  loadedName = null;\n  font = null;\n  fontMatrix = FONT_IDENTITY_MATRIX;\n  textMatrix = IDENTITY_MATRIX.slice();\n  textLineMatrix = IDENTITY_MATRIX.slice();\n  charSpacing = 0;\n  wordSpacing = 0;\n  leading = 0;\n  textHScale = 1;\n  textRise = 0;\n",
    );
  });

  it("builds each page's operator list with its text, as getOperatorList builds it", async () => {
    const src = workerSource();
    // The code zfxxgkDraw (patched into PartialEvaluator) mirrors, operator by operator: a change to any
    // of it must be carried over to zfxxgkDraw by hand before these fingerprints are updated.
    const region = (from: string, to: string) => fingerprint(src, from, to);
    expect({
      // PartialEvaluator.getOperatorList: what each operator adds to the list.
      getOperatorList: region(
        "  async getOperatorList({\n    stream,\n    task,\n    resources,\n    operatorList,",
        "  // zfxxgk patch: the operator list of a page, built while",
      ),
      // Which graphics states add an operator, and which load fonts or soft masks.
      setGState: region("  async setGState({", "  // zfxxgk patch: a font read once serves"),
      // The dependencies a font adds before its setFont operator.
      handleSetFont: region("  async handleSetFont(resources, fontArgs", "  handleText(chars, state) {"),
      // Page.getOperatorList: the annotations' lists, the closing restores and the last flush.
      pageOperatorList: region(
        "  async getOperatorList({\n    handler,\n    sink,",
        "  async extractTextContent({",
      ),
      // An annotation without an appearance (or its own canvas) adds nothing.
      annotation: region(
        "  async getOperatorList(evaluator, task, intent, annotationStorage) {\n    const {\n      hasOwnCanvas,",
        "\n  }\n",
      ),
    }).toEqual({
      getOperatorList: "daa30ae86ae0ac05",
      setGState: "bb7b3167000ff15b",
      handleSetFont: "f4879eda6b7952d1",
      pageOperatorList: "aac1b8d862e3f7e3",
      annotation: "94293b2e701130e9",
    });
    expect(src).toContain("  zfxxgkDraw(d, fn, args, resources, textState) {");
    // A path ended unpainted (endPath: a clip) is listed without its points, which rulings never read
    // (pdf.test.ts); the optimizer's folding of save/transform/path/restore takes a path without points.
    expect(src).toContain(
      "            } else if (fn === OPS.endPath) {\n              // A path ended unpainted (a clip: office prints clip every run of text) is listed without its\n              // points, as an empty path is: rulings are read from painted paths only.\n              opList.addOp(OPS.constructPath, [fn, [null], null]);\n              pathBuffer.length = 0;\n              pathMinMax.set(BBOX_INIT, 0);\n            } else {",
    );
    expect(src).toContain(
      "  const [, [buffer], minMax] = args;\n  if (minMax) {\n    const newBBox = F32_BBOX_INIT.slice();",
    );
    // The drawing's chunks are copied whole as they come (the list empties its arrays after sending them,
    // see the next test) and joined once the page is read.
    expect(src).toContain(
      "          enqueue(chunk) {\n            fnChunks.push(chunk.fnArray.slice(0, chunk.length));\n            argsChunks.push(chunk.argsArray.slice(0, chunk.length));\n          },",
    );
    expect(src).toContain(
      "          fnArray: [].concat(...drawing.fnChunks),\n          argsArray: [].concat(...drawing.argsChunks)",
    );
    expect(src).toContain(
      "        if (zfxxgkDrawing?.usable) {\n          // zfxxgk patch: the page's operator list built from this same reading (see zfxxgkDraw).",
    );
    const api = readFileSync(join(pdfjsRoot, "legacy", "build", "pdf.mjs"), "utf8");
    expect(api).toContain(
      "      if (value.zfxxgkDrawing !== undefined) {\n        textContent.zfxxgkDrawing = value.zfxxgkDrawing;\n      }",
    );
    // And in fact: on every page of these PDFs (Word, LibreOffice, Chromium and Ghostscript prints, Type3
    // fonts among them) whose text may hold a table, the same operators and the same rulings.
    const pdfs = [...pdfsIn(join(projectRoot, "corpus")), ...pdfsIn(producerFixtures)];
    const before = verifiedDrawings();
    for (const f of pdfs)
      await extractPdf(new Uint8Array(readFileSync(f)), { verifyDrawing: true, ocr: false });
    expect(verifiedDrawings() - before).toBeGreaterThanOrEqual(pdfs.length);
  });

  it("reads a font again from the last document that had the same one, with the same result", async () => {
    const src = workerSource();
    // What a font's translation reads (the evaluator's options aside, the same for every document): the
    // font dictionary and what it refers to, all of which the cache key covers. A change here must be
    // checked against zfxxgkFontKey before the fingerprints are updated.
    const region = (from: string, to: string) => fingerprint(src, from, to);
    expect({
      preEvaluateFont: region("  preEvaluateFont(dict) {", "  async translateFont({"),
      translateFont: region("  async translateFont({", "  static buildFontPaths("),
    }).toEqual({ preEvaluateFont: "a1aee896f81c85bc", translateFont: "cd4d65ba8ef9b08e" });
    expect(src).toContain("    this.zfxxgkTranslateFont(preEvaluatedFont).then(async translatedFont => {");
    // A font set again by name within a page's text is set at once with what loadFont gave that name the
    // first time: loadFont answers a name of the same resources with the document's cached font (its
    // Type3 and error paths aside, which the shortcut leaves out). A change to loadFont must be checked
    // against zfxxgkFontsByName before this fingerprint is updated.
    expect(region("  loadFont(fontName, font, resources, task", "  buildPath(fn, args, state) {")).toBe(
      "12c52e8ae921b06e",
    );
    expect(src).toContain(
      "            if (zfxxgkFontsByName.has(fontNameArg)) {\n              zfxxgkSetFont(zfxxgkFontsByName.get(fontNameArg));",
    );
    // ToUnicodeMap.forEach: the same keys in the same order as its for-in loop gave.
    expect(src).toContain(
      "    const map = this._map;\n    for (const charCode of Object.keys(map)) {\n      callback(charCode, map[charCode].codePointAt(0));\n    }",
    );
    // In fact: each PDF read again (its fonts now from the cache, and those other PDFs share) reads the same.
    const pdfs = [...corpusPdfs, ...pdfsIn(producerFixtures)];
    const read = (f: string) => extractPdf(new Uint8Array(readFileSync(f)), { ocr: false });
    const first = [];
    for (const f of pdfs) first.push(JSON.stringify(await read(f)));
    for (const [i, f] of pdfs.entries()) expect(JSON.stringify(await read(f))).toBe(first[i]);
  });

  it("sends page chunks the way the same-thread port relies on (arrays emptied or replaced after sending)", () => {
    const src = workerSource();
    expect(src).toContain(
      "    this._streamSink.enqueue({\n      fnArray: this.fnArray,\n      argsArray: this.argsArray,\n      lastChunk,\n      separateAnnots,\n      length\n    }, 1, this._transfers);\n    this.dependencies.clear();\n    this.fnArray.length = 0;\n    this.argsArray.length = 0;",
    );
    expect(src).toContain(
      "      sink?.enqueue(textContent, length);\n      textContent.items = [];\n      textContent.styles = Object.create(null);",
    );
    const display = readFileSync(join(pdfjsRoot, "legacy", "build", "pdf.mjs"), "utf8");
    // The package pdfjs takes its rendering globals from as it loads (see withoutNativeCanvas).
    expect(display).toContain('canvas = require("@napi-rs/canvas");');
  });

  it("loads pdfjs without the fetch API, and leaves the fetch API as it was", async () => {
    // The one look at `Response` each bundle takes as it loads (a stand-in is there meanwhile).
    const check = 'if (typeof Response.prototype.bytes !== "function") {';
    for (const file of ["pdf.mjs", "pdf.worker.mjs"]) {
      const source = readFileSync(join(pdfjsRoot, "legacy", "build", file), "utf8");
      expect(source.split(check)).toHaveLength(2);
    }
    const before = Object.getOwnPropertyDescriptor(globalThis, "Response");
    await extractPdf(new Uint8Array(readFileSync(corpusPdfs[0])));
    expect(Object.getOwnPropertyDescriptor(globalThis, "Response")).toEqual(before);
    expect(typeof Response.prototype.bytes).toBe("function");
  });

  it("reads PDFs without loading the native canvas library", async () => {
    await extractPdf(new Uint8Array(readFileSync(corpusPdfs[0])));
    const loaded = Object.keys(require.cache).filter((k) => k.includes("@napi-rs"));
    expect(loaded.some((k) => k.endsWith(join("@napi-rs", "canvas", "geometry.js")))).toBe(true);
    expect(loaded.filter((k) => !k.endsWith("geometry.js"))).toEqual([]);
    expect(typeof (globalThis as { DOMMatrix?: unknown }).DOMMatrix).toBe("function");
    expect(() => new (globalThis as unknown as { Path2D: new () => unknown }).Path2D()).toThrow(
      /without rendering/,
    );
  });

  it("reads document after document on one worker without leaving listeners behind", async () => {
    await extractPdf(new Uint8Array(readFileSync(corpusPdfs[0])));
    const after1 = pdfWorkerListeners();
    expect(after1).toBeGreaterThan(0);
    for (const f of [...corpusPdfs, ...corpusPdfs]) await extractPdf(new Uint8Array(readFileSync(f)));
    expect(pdfWorkerListeners()).toBe(after1);
    // Documents pdfjs refuses or abandons end their session too.
    const refused = [
      readFileSync(join(projectRoot, "test", "fixtures", "pdf", "encrypted-report.pdf")),
      Buffer.concat([
        Buffer.from("%PDF-1.4\n"),
        Buffer.alloc(2000, 0x41),
        Buffer.from("\nstartxref\n9\n%%EOF\n"),
      ]),
    ];
    for (const bytes of refused)
      await expect(extractPdf(new Uint8Array(bytes))).rejects.toMatchObject({ code: expect.any(String) });
    await expect(
      extractPdf(new Uint8Array(readFileSync(corpusPdfs[1])), { timeoutMs: 1 }),
    ).rejects.toMatchObject({ code: "timeout" });
    expect(pdfWorkerListeners()).toBe(after1);
    // And the worker still reads the next document.
    expect((await extractPdf(new Uint8Array(readFileSync(corpusPdfs[2])))).blocks.length).toBeGreaterThan(0);
  });
});

describe("Flate streams", () => {
  const lines = Array.from({ length: 40 }, (_, i) => `Line ${String(i).padStart(2, "0")} of the report`);
  const content = `BT /F1 10 Tf ET\n${lines.map((l, i) => text(60, 800 - i * 18, l)).join("\n")}`;
  const textOf = async (flateContent: Uint8Array) =>
    (await extractPdf(buildPdf([{ content: "", flateContent }]), { ocr: false })).blocks
      .map((b) => ("text" in b ? b.text : ""))
      .join("\n");

  it("read whole, and the same, whether zlib or pdfjs's inflate reads them", async () => {
    const packed = deflateSync(Buffer.from(content, "latin1"));
    const got = await textOf(packed);
    for (const l of lines) expect(got).toContain(l);
    // A wrong checksum at the end is ignored by both.
    const badChecksum = Buffer.from(packed);
    badChecksum[badChecksum.length - 1] ^= 0xff;
    expect(await textOf(badChecksum)).toBe(got);
  });

  it("cut short at a block's end are read as far as they go (zlib refuses them, pdfjs's inflate reads on)", async () => {
    // The first half of the page as complete deflate blocks (a sync flush), with no final block after it.
    const half = content.split("\n").slice(0, 21).join("\n");
    const blocks = deflateRawSync(Buffer.from(half, "latin1"), { finishFlush: constants.Z_SYNC_FLUSH });
    const cut = Buffer.concat([Buffer.from([0x78, 0x9c]), blocks]);
    expect(() => inflateSync(cut)).toThrow();
    const got = await textOf(cut);
    for (const l of lines.slice(0, 20)) expect(got).toContain(l);
    expect(got).not.toContain(lines[39]);
  });
});

describe("the same-thread port", () => {
  it("hands an operator-list chunk over with its own arrays, the arguments as they are", () => {
    const operands = [1, 2, 3];
    const args = [operands];
    const sent = {
      sourceName: "w",
      targetName: "m",
      stream: 4,
      streamId: 1,
      chunk: { fnArray: [7], argsArray: args, lastChunk: false, length: 1 },
    };
    const got = copyMessage(sent) as typeof sent;
    sent.chunk.fnArray.length = 0;
    sent.chunk.argsArray.length = 0;
    expect(got.chunk.fnArray).toEqual([7]);
    expect(got.chunk.argsArray).toEqual([[1, 2, 3]]);
    expect(got.chunk.argsArray[0]).toBe(operands);
  });

  it("hands a text chunk over with its own item list", () => {
    const item = { str: "a", transform: [1, 0, 0, 1, 0, 0] };
    const content = { items: [item], styles: {}, lang: null as string | null };
    const got = copyMessage({ stream: 4, chunk: content }) as { chunk: typeof content };
    content.items = [];
    expect(got.chunk.items).toEqual([item]);
  });

  it("copies a message of strings and numbers shallowly, and exactly", () => {
    const pull = {
      sourceName: "m",
      targetName: "w",
      stream: 6,
      streamId: 3,
      desiredSize: 1,
      reason: undefined,
    };
    const got = copyMessage(pull);
    expect(got).not.toBe(pull);
    expect(got).toStrictEqual(structuredClone(pull));
  });

  it("deep-copies every other message, as a worker boundary would", () => {
    const data = { action: "GetDocRequest", data: { nested: [1, { x: 2 }] } };
    const got = copyMessage(data) as typeof data;
    expect(got).toEqual(data);
    expect(got.data).not.toBe(data.data);
    const pull = { stream: 6, desiredSize: 1 };
    expect(copyMessage(pull)).not.toBe(pull);
  });
});

describe("pdfjs's bundles run from a V8 code cache", () => {
  it("can run both pdfjs bundles as functions (each ends with its one export statement)", () => {
    for (const file of ["pdf.mjs", "pdf.worker.mjs"]) {
      const source = readFileSync(join(pdfjsRoot, "legacy", "build", file), "utf8");
      const fn = asFunctionSource(source);
      expect(fn, file).toBeDefined();
      expect(fn).not.toContain("import.meta");
    }
    expect(asFunctionSource("const a = 1;\n")).toBeUndefined();
  });

  it("runs a bundle with its module URL and exports, compiles it once and then starts from the cache", () => {
    const dir = mkdtempSync(join(tmpdir(), "zfxxgk-bundle-test-"));
    try {
      const file = join(dir, "bundle.mjs");
      writeFileSync(
        file,
        "const here = import.meta.url;\nfunction twice(n) { return 2 * n; }\nfunction strict() { return this; }\nexport { twice, here as url, strict };\n//# sourceMappingURL=bundle.mjs.map\n",
      );
      const cache = join(dir, "cache");
      const first = loadBundle(file, cache)!;
      expect(first.fromCache).toBe(false);
      expect((first.exports.twice as (n: number) => number)(21)).toBe(42);
      expect(first.exports.url).toBe(pathToFileURL(file).href);
      // Module code is strict: a plain call has no `this`.
      const strict = first.exports.strict as () => unknown;
      expect(strict()).toBeUndefined();
      first.saveCache();
      expect(readdirSync(cache)).toHaveLength(1);
      const second = loadBundle(file, cache)!;
      expect(second.fromCache).toBe(true);
      expect((second.exports.twice as (n: number) => number)(4)).toBe(8);
      // Other bytes (an upgrade or a patch) are not run from the old cache, whose file is replaced.
      writeFileSync(file, "function twice(n) { return n + n + 0; }\nexport { twice };\n");
      const changed = loadBundle(file, cache)!;
      expect(changed.fromCache).toBe(false);
      changed.saveCache();
      expect(readdirSync(cache)).toHaveLength(1);
      expect(loadBundle(file, cache)!.fromCache).toBe(true);
      // A cache folder that others may write to is never read (a code cache is code).
      chmodSync(cache, 0o777);
      expect(loadBundle(file, cache)!.fromCache).toBe(false);
      expect(loadBundle(file, undefined)!.fromCache).toBe(false);
      // Module code a function cannot hold (a static import, top-level await) is left to import().
      writeFileSync(file, 'import { x } from "./other.mjs";\nexport { x };\n');
      expect(loadBundle(file, cache)).toBeUndefined();
      writeFileSync(file, "const x = await Promise.resolve(1);\nexport { x };\n");
      expect(loadBundle(file, cache)).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

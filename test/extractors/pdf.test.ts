// PDF extraction: the project's PDF reports and the real hzq PDFs to their gold cells, the layout the
// model carries (positions, page furniture, repeated headers, glued values), and broken PDFs.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DocumentError } from "../../src/extractors/errors.js";
import { extract } from "../../src/extractors/index.js";
import { extractPdf } from "../../src/extractors/pdf.js";
import { type OpCodes, rulings, textPieces } from "../../src/extractors/pdf-geometry.js";
import { processDocument } from "../../src/import/pipeline.js";
import type { DocumentModel, TableBlock, TextBlock } from "../../src/model/document.js";
import { projectRoot, sharedCorpus } from "../helpers.js";
import { buildPdf, gridLines, text } from "./pdf-builder.js";

const corpus = join(projectRoot, "corpus");
const fixtures = join(projectRoot, "test", "fixtures", "pdf");
const read = (path: string) => new Uint8Array(readFileSync(path));
const tables = (m: DocumentModel) => m.blocks.filter((b): b is TableBlock => b.kind === "table");
const texts = (m: DocumentModel) => m.blocks.filter((b): b is TextBlock => b.kind === "text");
const rowTexts = (t: TableBlock) => t.rows.map((r) => r.filter((c) => c.origin).map((c) => c.text));

/** Gold cells the pipeline got wrong or missed, as `key: expected ≠ got` lines (empty when exact). */
async function goldMismatches(doc: string): Promise<string[]> {
  const gold = JSON.parse(readFileSync(`${doc}.gold.json`, "utf8")) as {
    cells: Record<string, number | string>;
  };
  const { report } = await processDocument(read(doc));
  const byKey = new Map(report.cells.map((c) => [c.key, c]));
  const out: string[] = [];
  for (const [key, expected] of Object.entries(gold.cells)) {
    const c = byKey.get(key);
    const got = c === undefined ? undefined : c.status === "number" ? c.value : c.status;
    if (got !== expected) out.push(`${key}: ${expected} ≠ ${got}`);
  }
  return out;
}

/** The DocumentError extraction raises, and how long it took. */
async function failure(run: () => Promise<unknown>): Promise<{ error: DocumentError; ms: number }> {
  const t0 = performance.now();
  try {
    await run();
  } catch (e) {
    if (!(e instanceof DocumentError)) throw e;
    return { error: e, ms: performance.now() - t0 };
  }
  throw new Error("the PDF was accepted");
}

beforeAll(async () => {
  // Loading pdfjs once (about a second) is not the time of any one test.
  await extractPdf(read(join(corpus, "qingxi-2021-ruled.pdf")));
});

describe("the project's PDF reports", () => {
  for (const name of ["qingxi-2021-ruled.pdf", "jiaoyu-2020-pagebreak.pdf", "shuiwu-2023-borderless.pdf"]) {
    it(`${name}: every gold cell exact`, async () => {
      expect(await goldMismatches(join(corpus, name))).toEqual([]);
    });
  }

  it("ruled tables: merged header cells, wrapped labels joined, 10 and 1 in adjacent cells kept apart", async () => {
    const m = await extractPdf(read(join(corpus, "qingxi-2021-ruled.pdf")));
    expect(m.form).toBe("pdf");
    const find = (re: RegExp) =>
      tables(m).find((t) =>
        rowTexts(t)
          .flat()
          .some((c) => re.test(c)),
      )!;
    const [t2, t3, t4] = [find(/^规章$/), find(/勾稽关系/), find(/复议后起诉/)];
    expect(rowTexts(t2)[0]).toEqual(["第二十条第(一)项"]);
    expect(t2.rows[0][0].colspan).toBe(4);
    const header = t3.rows[0][0];
    expect(header.text).toBe("(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)");
    expect([header.rowspan, header.colspan]).toEqual([3, 3]);
    expect(rowTexts(t3).flat()).toContain("商业企业");
    expect(rowTexts(t3).flat()).toContain("(二)部分公开(区分处理的,只计这一情形,不计其他情形)");
    expect(rowTexts(t4).at(-1)?.slice(0, 3)).toEqual(["10", "1", "0"]);
    // Positions: cells carry page/table/row/col, text blocks page/line.
    const cell = t4.rows.at(-1)![0];
    expect(cell.pos).toMatchObject({
      page: 2,
      table: tables(m).indexOf(t4),
      row: t4.rows.length - 1,
      col: 0,
    });
    expect(texts(m)[0].pos).toEqual({ page: 1, line: 1 });
    expect(texts(m)[0].text).toBe("江宁市青溪区人民政府2021年政府信息公开工作年度报告");
  });

  it("a table across a page break: no page number among the rows, the repeated header dropped", async () => {
    const m = await extractPdf(read(join(corpus, "jiaoyu-2020-pagebreak.pdf")));
    expect(texts(m).map((b) => b.text)).not.toContain("- 3 -");
    const t3parts = tables(m).filter((t) =>
      rowTexts(t)
        .flat()
        .some((c) => /不予处理|予以公开/.test(c)),
    );
    expect(t3parts.map((t) => t.pos.page)).toEqual([3, 4]);
    const headers = t3parts.flatMap((t) => rowTexts(t).filter((r) => r.includes("申请人情况")));
    expect(headers).toHaveLength(1);
    expect(rowTexts(t3parts[1])[0]).toContain("1.本机关不掌握相关政府信息");
    const allCells = t3parts.flatMap((t) => rowTexts(t).flat());
    expect(allCells.some((c) => /^-\s*\d+\s*-$/.test(c))).toBe(false);
  });

  it("borderless tables: columns from text positions, blanks where a column is empty", async () => {
    const m = await extractPdf(read(join(corpus, "shuiwu-2023-borderless.pdf")));
    const row = tables(m)
      .flatMap((t) => rowTexts(t))
      .find((r) => r[0]?.includes("危及"));
    expect(row?.slice(1)).toEqual(["", "", "", "", "", "", "0"]);
  });
});

describe.skipIf(!existsSync(join(sharedCorpus, "hzq2023.pdf")))(
  "the real hzq PDFs in ../shared/corpus (skipped when ../shared is absent)",
  () => {
    for (const name of ["hzq2023.pdf", "hzq2024.pdf"]) {
      it(`${name}: every gold cell exact`, async () => {
        expect(await goldMismatches(join(sharedCorpus, name))).toEqual([]);
      });
    }

    it("hzq2023: Table 4 kept as printed (10 1 0 0 0) and R5 fails", async () => {
      const { report } = await processDocument(read(join(sharedCorpus, "hzq2023.pdf")));
      const v = (k: string) => report.cells.find((c) => c.key === k)?.value;
      expect([v("appeals.review.upheld"), v("appeals.review.corrected"), v("appeals.review.total")]).toEqual([
        10, 1, 0,
      ]);
      expect(report.rules.find((r) => r.rule === "R5")?.status).toBe("fail");
      expect(report.meta.issuerName).toMatch(/洪泽区人民政府$/);
    });
  },
);

describe("geometry", () => {
  it("an item pdfjs joined across two cells ('10 1') is cut into two placed pieces", () => {
    const pieces = textPieces(
      [{ str: "10 1", dir: "ltr", transform: [10, 0, 0, 10, 125, 100], width: 39, height: 10 }],
      [1, 0, 0, -1, 0, 200],
    );
    expect(pieces.map((p) => p.text)).toEqual(["10", "1"]);
    expect(pieces[0].x1).toBeLessThan(150);
    expect(pieces[1].x0).toBeGreaterThan(150);
    expect(pieces[0].top).toBeCloseTo(100 - 8.5, 5);
  });

  it("a label and a value run together across a cell border are cut at the border", async () => {
    const pdf = buildPdf([
      {
        width: 200,
        height: 160,
        content: [
          gridLines([20, 62.5, 100], [140, 120, 100, 80, 60]),
          text(24, 125, "One"),
          text(66, 125, "7"),
          text(24, 105, "Two"),
          text(66, 105, "5"),
          text(24, 85, "Three"),
          text(66, 85, "6"),
          text(40.3, 65, "Total49"),
        ].join("\n"),
      },
    ]);
    const [t] = tables(await extractPdf(pdf));
    expect(rowTexts(t).at(-1)).toEqual(["Total", "49"]);
  });

  it("a ruled PDF whose values were written as one text run keeps them in their cells", async () => {
    const pdf = buildPdf([
      {
        width: 300,
        height: 200,
        content: [
          gridLines([20, 120, 150, 180], [150, 130, 110]),
          text(25, 135, "Label"),
          text(125, 135, "10 1", 20),
          text(25, 115, "Other"),
          text(125, 115, "3"),
          text(155, 115, "4"),
        ].join("\n"),
      },
    ]);
    const m = await extractPdf(pdf);
    const [t] = tables(m);
    expect(rowTexts(t)).toEqual([
      ["Label", "10", "1"],
      ["Other", "3", "4"],
    ]);
  });

  /** The tables read from a one-page PDF of 300 × 200 pt drawn by the given content stream lines. */
  const tablesOfPage = async (content: string[]) =>
    tables(await extractPdf(buildPdf([{ width: 300, height: 200, content: content.join("\n") }])));

  /** Content stream: straight lines, each [x0, y0, x1, y1], stroked half a point wide. */
  const strokes = (segs: number[][]) =>
    ["0.5 w 0 0 0 RG", ...segs.map(([x0, y0, x1, y1]) => `${x0} ${y0} m ${x1} ${y1} l S`)].join("\n");

  it("a row whose values were printed without the borders between them keeps each value in its column", async () => {
    // The grid's columns are ruled in the header row only; the row below is ruled around, and its
    // three values stand one in each column.
    const [t] = await tablesOfPage([
      strokes([
        [20, 150, 240, 150],
        [20, 130, 240, 130],
        [20, 110, 240, 110],
        [20, 150, 20, 110],
        [120, 150, 120, 110],
        [160, 150, 160, 130],
        [200, 150, 200, 130],
        [240, 150, 240, 110],
      ]),
      text(25, 135, "Item"),
      text(125, 135, "Made"),
      text(165, 135, "Open"),
      text(205, 135, "Total"),
      text(25, 115, "Rules"),
      text(140, 115, "/"),
      text(180, 115, "/"),
      text(220, 115, "/"),
    ]);
    expect(rowTexts(t)).toEqual([
      ["Item", "Made", "Open", "Total"],
      ["Rules", "/", "/", "/"],
    ]);
  });

  /** Three rows of a label and two values, the values right of x 150, as the table should read them. */
  const threeRowsRead = [
    ["Alpha", "12", "3"],
    ["Beta", "0", "45"],
    ["Gamma", "7", "8"],
  ];
  const threeRows = threeRowsRead
    .flatMap(([label, a, b], k) => [
      text(25, 135 - 20 * k, label),
      text(160, 135 - 20 * k, a),
      text(210, 135 - 20 * k, b),
    ])
    .join("\n");

  it("reads a table whose borders are dotted, each dot a small filled square, as a ruled table", async () => {
    // A browser prints a CSS dotted border as squares of 0.75 pt every 1.5 pt. A halftone of dots
    // (rows of dots 1.5 pt apart) beside the table makes no rulings.
    const dotted = (x0: number, y0: number, x1: number, y1: number) => {
      const out: string[] = [];
      for (let x = x0, y = y0; x <= x1 && y <= y1; x += x1 > x0 ? 1.5 : 0, y += y1 > y0 ? 1.5 : 0) {
        out.push(`${x} ${y} 0.75 0.75 re f`);
        if (x1 === x0 && y1 === y0) break;
      }
      return out.join("\n");
    };
    const xs = [20, 120, 180, 240];
    const ys = [90, 110, 130, 150];
    const halftone = [0, 1.5, 3, 4.5, 6].map((d) => dotted(20, 30 + d, 240, 30 + d)).join("\n");
    const found = await tablesOfPage([
      "0 0 0 rg",
      ...ys.map((y) => dotted(20, y, 240, y)),
      ...xs.map((x) => dotted(x, 90, x, 150)),
      halftone,
      text(25, 135, "Item"),
      text(125, 135, "Made"),
      text(185, 135, "Open"),
      text(25, 115, "Rules"),
      text(150, 115, "4"),
      text(210, 115, "17"),
      text(25, 95, "Docs"),
      text(150, 95, "0"),
      text(210, 95, "3"),
    ]);
    expect(found).toHaveLength(1);
    expect(rowTexts(found[0])).toEqual([
      ["Item", "Made", "Open"],
      ["Rules", "4", "17"],
      ["Docs", "0", "3"],
    ]);
    expect(found[0].spans).toBe("known");
  });

  it("rulings around a table's labels only, its values printed unruled beside them, are read as a borderless table", async () => {
    // The label column is ruled row by row; each row's values stand on its line right of the rulings,
    // in no cell (a padded cell's borders dropped by a word processor's HTML import).
    const ys = [150, 130, 110, 90];
    const [t] = await tablesOfPage([
      strokes([...ys.map((y) => [20, y, 120, y]), [20, 150, 20, 90], [120, 150, 120, 90]]),
      threeRows,
    ]);
    expect(rowTexts(t)).toEqual(threeRowsRead);
  });

  it("an unruled block of values inside a ruled frame is read as a borderless table, one value a cell", async () => {
    // The labels are ruled row by row, the values' area is one box: its rows of values side by side
    // would otherwise be one cell's text.
    const [t] = await tablesOfPage([
      strokes([
        [20, 150, 260, 150],
        [20, 130, 120, 130],
        [20, 110, 120, 110],
        [20, 90, 260, 90],
        [20, 150, 20, 90],
        [120, 150, 120, 90],
        [260, 150, 260, 90],
      ]),
      threeRows,
    ]);
    expect(rowTexts(t)).toEqual(threeRowsRead);
  });
});

describe("rulings", () => {
  // pdfjs's operator codes (OPS) for the operators rulings reads.
  const OPS: OpCodes = {
    save: 10,
    restore: 11,
    transform: 12,
    constructPath: 91,
    paintFormXObjectBegin: 74,
    paintFormXObjectEnd: 75,
    setFillRGBColor: 59,
    setStrokeRGBColor: 58,
    setLineWidth: 2,
    stroke: 20,
    closeStroke: 21,
    fill: 22,
    eoFill: 23,
    fillStroke: 24,
    eoFillStroke: 25,
    closeFillStroke: 26,
    closeEOFillStroke: 27,
  };
  const endPath = 28;
  const line = (x0: number, y0: number, x1: number, y1: number) => new Float32Array([0, x0, y0, 1, x1, y1]);
  const flip = [1, 0, 0, -1, 0, 100];

  it("joins a row of dots into a dotted ruling, also one painted twice, but takes none from a halftone", () => {
    // Filled squares of 0.75 pt every 1.5 pt: one row of 40 at y 10, one at y 30 painted twice (a
    // header row's bottom border and the next row's top, both dotted), and five rows 1.5 pt apart at y 50.
    const square = (x: number, y: number) =>
      new Float32Array([0, x, y, 1, x + 0.75, y, 1, x + 0.75, y + 0.75, 1, x, y + 0.75, 4]);
    const row = (y: number) => Array.from({ length: 40 }, (_, k) => square(10 + 1.5 * k, y));
    const squares = [...row(10), ...row(30), ...row(30), ...[50, 51.5, 53, 54.5, 56].flatMap(row)];
    const found = rulings(
      squares.map(() => OPS.constructPath),
      squares.map((sq) => [OPS.fill, [sq], null]),
      OPS,
      [1, 0, 0, 1, 0, 0],
    );
    expect(found.v).toEqual([]);
    expect(found.h.map((h) => h.y)).toEqual([10.375, 30.375]);
    for (const h of found.h) {
      expect(h.x0).toBeCloseTo(10, 2);
      expect(h.x1).toBeCloseTo(69.25, 2);
    }
  });

  it("reads no ruling from a path ended unpainted (a clip), so its points need not be listed", () => {
    const withPoints = rulings([OPS.constructPath], [[endPath, [line(0, 10, 50, 10)], null]], OPS, flip);
    const without = rulings([OPS.constructPath], [[endPath, [null], null]], OPS, flip);
    expect(withPoints).toEqual({ h: [], v: [] });
    expect(without).toEqual(withPoints);
  });

  it("judges each colour once, light or not, and keeps it per graphics state", () => {
    const fn = [
      OPS.setStrokeRGBColor,
      OPS.constructPath,
      OPS.save,
      OPS.setStrokeRGBColor,
      OPS.constructPath,
      OPS.restore,
      OPS.constructPath,
      OPS.setStrokeRGBColor,
      OPS.constructPath,
    ];
    const args = [
      ["#000000"],
      [OPS.stroke, [line(0, 10, 50, 10)], null],
      null,
      ["#ffffff"],
      [OPS.stroke, [line(0, 20, 50, 20)], null],
      null,
      [OPS.stroke, [line(0, 30, 50, 30)], null],
      ["#ffffff"],
      [OPS.stroke, [line(0, 40, 50, 40)], null],
    ];
    // Black, white (a cell background, not a border), black again after the restore, white.
    expect(rulings(fn, args, OPS, flip).h.map((h) => h.y)).toEqual([90, 70]);
  });
});

describe("PDFs that cannot be read", () => {
  // Without OCR (turned off here; test/extractors/ocr.test.ts reads scans with Tesseract).
  const ocrSetting = process.env.ZFXXGK_OCR;
  beforeAll(() => {
    process.env.ZFXXGK_OCR = "off";
  });
  afterAll(() => {
    if (ocrSetting === undefined) delete process.env.ZFXXGK_OCR;
    else process.env.ZFXXGK_OCR = ocrSetting;
  });

  it("a scan (image only, no text layer) needs OCR, and the message says what to install", async () => {
    const { error, ms } = await failure(() => extract(read(join(fixtures, "scanned-report.pdf"))));
    expect(error.code).toBe("needs_ocr");
    expect(error.message).toMatch(/no text layer.*OCR/);
    expect(error.message).toContain(
      "apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-chi-sim",
    );
    expect(ms).toBeLessThan(2000);
  });

  it("a hand-made PDF with an image and no text needs OCR", async () => {
    const pdf = buildPdf([
      { content: "q 400 0 0 560 90 140 cm /Im1 Do Q" },
      { content: "q 1 0 0 1 0 0 cm Q" },
    ]);
    const { error } = await failure(() => extractPdf(pdf));
    expect(error.code).toBe("needs_ocr");
    expect(error.message).toContain("2 page(s)");
  });

  it("an encrypted PDF is reported as such", async () => {
    const { error, ms } = await failure(() => extract(read(join(fixtures, "encrypted-report.pdf"))));
    expect(error.code).toBe("encrypted");
    expect(error.message).toMatch(/password/);
    expect(ms).toBeLessThan(2000);
  });

  it("a re-distil whose numbers all lost their Unicode mapping needs OCR", async () => {
    // Full-width digits re-distilled by Ghostscript read as runs of U+FFFD: with OCR off, needs_ocr.
    const bytes = read(join(fixtures, "fullwidth-digits-redistilled.pdf"));
    await expect(extractPdf(bytes, { ocr: false })).rejects.toMatchObject({
      code: "needs_ocr",
      message: expect.stringMatching(/numbers in glyphs without a Unicode mapping \(35 unreadable/),
    });
  });

  it("a re-distil whose numbers partly kept their mapping (０ and ８, not １ to ３) needs OCR too", async () => {
    // Numbers read as `��`, `�8`, `0`: a quarter or more unreadable sends the pages to OCR.
    const bytes = read(join(fixtures, "fullwidth-digits-redistilled-titled.pdf"));
    await expect(extractPdf(bytes, { ocr: false })).rejects.toMatchObject({
      code: "needs_ocr",
      message: expect.stringMatching(/\(24 unreadable numbers, 37 readable\)/),
    });
  });

  it("keeps figures printed with words in a borderless table, or flags the row whose label took one", async () => {
    // Chromium's print of a borderless Table 2: 约12 set tight against its label, 约15 in a block of one
    // row, 15(含3) in a block of two.
    const { report } = await processDocument(read(join(fixtures, "figures-as-text-borderless.pdf")));
    const at = (key: string) => report.cells.find((c) => c.key === key);
    expect(at("active.art20_5.licensing.decisions")).toMatchObject({ status: "text", raw: "约15" });
    expect(at("active.art20_6.penalty.decisions")).toMatchObject({ status: "text", raw: "15(含3)" });
    expect(report.flags.find((f) => f.code === "value_not_a_number")?.keys).toEqual([
      "active.art20_5.licensing.decisions",
      "active.art20_6.penalty.decisions",
    ]);
    // The 12 read into the label: the row's first cell is blank, and the row says why it may be.
    expect(at("active.art20_1.normative_docs.issued")?.status).toBe("blank");
    expect(report.flags.find((f) => f.code === "figure_in_label")?.keys).toEqual([
      "active.art20_1.normative_docs",
    ]);
  });

  it("a truncated PDF (a cut-off download) gives a clear error", async () => {
    const bytes = read(join(corpus, "qingxi-2021-ruled.pdf"));
    const { error, ms } = await failure(() => extract(bytes.subarray(0, Math.floor(bytes.length / 2))));
    expect(error.code).toBe("corrupt_pdf");
    expect(error.message).toMatch(/truncated/);
    expect(ms).toBeLessThan(2000);
  });

  it("a damaged PDF (garbage after the header) gives a clear error", async () => {
    const junk = Buffer.concat([
      Buffer.from("%PDF-1.7\n"),
      Buffer.alloc(4000, "x"),
      Buffer.from("\nstartxref\n123456\n%%EOF\n"),
    ]);
    const { error, ms } = await failure(() => extract(new Uint8Array(junk)));
    expect(error.code).toBe("corrupt_pdf");
    expect(error.message).toMatch(/PDF/);
    expect(ms).toBeLessThan(2000);
  });

  it("a page of tens of thousands of text runs is read as plain text, quickly", async () => {
    const rows = Array.from(
      { length: 700 },
      (_, i) =>
        `BT /F1 6 Tf ${20 + (i % 7) * 80} ${800 - Math.floor(i / 7) * 7} Td ${"(1) Tj 2 0 Td ".repeat(30)}ET`,
    );
    const t0 = performance.now();
    const m = await extractPdf(buildPdf([{ content: rows.join("\n") }]));
    expect(m.warnings.map((w) => w.code)).toContain("page_too_complex");
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it("a document over its time limit is abandoned", async () => {
    const { error } = await failure(() =>
      extractPdf(read(join(corpus, "jiaoyu-2020-pagebreak.pdf")), { timeoutMs: 1 }),
    );
    expect(error.code).toBe("timeout");
    // The extractor still works afterwards.
    const m = await extractPdf(read(join(corpus, "jiaoyu-2020-pagebreak.pdf")));
    expect(tables(m).length).toBeGreaterThan(0);
  });
});

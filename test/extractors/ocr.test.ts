// OCR of scanned PDFs: the image steps (deskew, rulings, cells) on drawn images, and a real scan read by
// Tesseract and scored against its gold file (skipped, with the reason, where Tesseract cannot run).
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { scoreDocument } from "../../src/eval/score.js";
import { extract } from "../../src/extractors/index.js";
import { extractScannedPdf, NEEDS_TESSERACT, ocrTools, parseTsv } from "../../src/extractors/ocr.js";
import {
  cellRegions,
  estimateSkew,
  findRulings,
  type Gray,
  parsePgm,
  rotate,
  toPgm,
  turn,
} from "../../src/extractors/ocr-image.js";
import { processDocument } from "../../src/import/pipeline.js";
import { DocumentWorkers } from "../../src/import/workers.js";
import type { Block } from "../../src/model/document.js";
import { OCR_FLAG_BELOW } from "../../src/normalize/ocr.js";
import { T3_COLUMNS } from "../../src/normalize/template.js";
import { projectRoot, tempDir, zfxxgk } from "../helpers.js";

const scans = join(projectRoot, "test", "fixtures", "scans");

/** A white page with a ruled table of `rows` × `cols` cells and a dark bar (a "value") in each cell. */
function drawTable(rows: number, cols: number): Gray {
  const width = 800;
  const height = 600;
  const data = new Uint8Array(width * height).fill(250);
  const x0 = 100;
  const y0 = 100;
  const cw = 150;
  const rh = 60;
  const dot = (x: number, y: number) => {
    if (x >= 0 && y >= 0 && x < width && y < height) data[y * width + x] = 20;
  };
  for (let r = 0; r <= rows; r++) for (let x = x0; x <= x0 + cols * cw; x++) dot(x, y0 + r * rh);
  for (let c = 0; c <= cols; c++) for (let y = y0; y <= y0 + rows * rh; y++) dot(x0 + c * cw, y);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      for (let y = y0 + r * rh + 20; y < y0 + r * rh + 40; y++) {
        for (let x = x0 + c * cw + 60; x < x0 + c * cw + 75; x++) dot(x, y);
      }
    }
  }
  return { width, height, data };
}

describe("page images", () => {
  it("reads back the PGM it writes", () => {
    const img = drawTable(2, 2);
    const back = parsePgm(toPgm(img));
    expect(back.width).toBe(800);
    expect(back.height).toBe(600);
    expect(Buffer.from(back.data).equals(Buffer.from(img.data))).toBe(true);
  });

  it("turns a page image by quarter turns, clockwise", () => {
    // 3 wide, 2 high: a b c / d e f. A quarter turn clockwise: d a / e b / f c.
    const img = { width: 3, height: 2, data: new Uint8Array([1, 2, 3, 4, 5, 6]) };
    expect(turn(img, 90)).toEqual({ width: 2, height: 3, data: new Uint8Array([4, 1, 5, 2, 6, 3]) });
    expect(turn(img, 180)).toEqual({ width: 3, height: 2, data: new Uint8Array([6, 5, 4, 3, 2, 1]) });
    expect(turn(img, 270)).toEqual({ width: 2, height: 3, data: new Uint8Array([3, 6, 2, 5, 1, 4]) });
    expect(turn(turn(img, 90), 270)).toEqual(img);
  });

  it("finds the skew of a rotated page, and undoes it", () => {
    const tilted = rotate(drawTable(6, 4), -0.8);
    const skew = estimateSkew(tilted, 128);
    expect(Math.abs(Math.abs(skew) - 0.8)).toBeLessThan(0.1);
    expect(Math.abs(estimateSkew(rotate(tilted, skew), 128))).toBeLessThan(0.1);
  });

  it("finds the skew of a rotated page past a scanner's shadow along its bottom and right edges", () => {
    // The shadow lies square to the scanner, not to the tilted page: dark bands 30 px deep along two edges.
    const tilted = rotate(drawTable(6, 4), -0.8);
    const { width, height, data } = tilted;
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) if (y >= height - 30 || x >= width - 30) data[y * width + x] = 30;
    expect(Math.abs(Math.abs(estimateSkew(tilted, 128)) - 0.8)).toBeLessThan(0.1);
  });

  it("finds the rulings of a drawn table and its cells, not the values inside them", () => {
    const img = drawTable(3, 4);
    const r = findRulings(img, 128, 29);
    expect(r.h.length).toBe(4);
    expect(r.v.length).toBe(5);
    const cells = cellRegions(img, r, 29);
    expect(cells.length).toBe(12);
    for (const c of cells) {
      expect(c.x1 - c.x0).toBeGreaterThan(140);
      expect(c.y1 - c.y0).toBeGreaterThan(50);
    }
  });

  it("parses Tesseract's TSV words with their boxes and confidence", () => {
    const tsv = [
      "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext",
      "4\t1\t1\t1\t1\t0\t10\t20\t300\t30\t-1\t",
      "5\t1\t1\t1\t1\t1\t10\t20\t60\t30\t96.5\t行政许可",
      "5\t1\t1\t1\t1\t2\t250\t22\t40\t26\t71.25\t97",
    ].join("\n");
    expect(parseTsv(tsv)).toEqual([
      { text: "行政许可", conf: 96.5, left: 10, top: 20, width: 60, height: 30, page: 1, line: "1.1.1.1" },
      { text: "97", conf: 71.25, left: 250, top: 22, width: 40, height: 26, page: 1, line: "1.1.1.1" },
    ]);
  });
});

const found = ocrTools();
if (!found.tools) {
  console.warn(`OCR tests skipped: ${found.reason}. ${NEEDS_TESSERACT}`);
}

describe.skipIf(!found.tools)("the issuer of a scan read by Tesseract", () => {
  // The top of a report's first page (invented issuer 澄溪县市场监督管理局, its title in a heavy serif
  // type), scanned tilted and noisy: read as a block, the page misreads the title's name.
  const doc = join(scans, "scan-chengxi-2023-title-p1.pdf");

  it("reads the title's doubted line again and settles the name by the vote over every reading of it", async () => {
    const bytes = new Uint8Array(readFileSync(doc));
    const { model } = await extract(bytes);
    // The title and opening lines the page doubted were read again, alone, beside the page's text.
    const rereads = model.ocr?.rereads ?? [];
    expect(rereads.length).toBeGreaterThan(0);
    expect(rereads.every((r) => r.charConf.length === Array.from(r.text).length)).toBe(true);
    expect(rereads.some((r) => r.text.includes("澄溪县市场监督管理局"))).toBe(true);
    const { report } = await processDocument(bytes);
    expect(report.meta).toMatchObject({
      issuerName: "澄溪县市场监督管理局",
      adminLevel: "county",
      issuerType: "department",
      reportYear: 2023,
    });
    expect(report.flags.find((f) => f.code === "issuer_ocr_doubted")).toBeUndefined();
  }, 120_000);

  it("keeps Tesseract's readings in the developer cache (ZFXXGK_OCR_CACHE) and reads them from it on the next run", () => {
    const dir = tempDir("zfxxgk-ocr-cache-");
    try {
      const cache = join(dir, "cache");
      const issuerOf = (db: string) => {
        const r = zfxxgk(["import", doc, "--db", db, "--no-keep-sources", "-q"], { ZFXXGK_OCR_CACHE: cache });
        expect(r.err).toBe("");
        const d = new Database(db, { readonly: true });
        try {
          return d.prepare("SELECT issuer_name FROM reports").pluck().get();
        } finally {
          d.close();
        }
      };
      expect(issuerOf(join(dir, "first.sqlite"))).toBe("澄溪县市场监督管理局");
      const files = readdirSync(cache).filter((f) => f.endsWith(".tsv"));
      expect(files.length).toBeGreaterThan(1); // the page and its doubted lines read again
      // Every cached reading says 澜 where the page prints 澄: a run that reads the cache names 澜溪县.
      for (const f of files) {
        const tsv = readFileSync(join(cache, f), "utf8");
        writeFileSync(join(cache, f), tsv.replaceAll("澄", "澜"));
      }
      expect(issuerOf(join(dir, "second.sqlite"))).toBe("澜溪县市场监督管理局");
      expect(
        readdirSync(cache)
          .filter((f) => f.endsWith(".tsv"))
          .sort(),
      ).toEqual(files.sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

describe.skipIf(!found.tools)("a scanned report read by Tesseract", () => {
  const doc = join(scans, "scan-qingxi-2021-ruled.pdf");

  it("rebuilds its tables: at least 90% of gold cells exact, every wrong cell flagged", async () => {
    const s = await scoreDocument(doc, `${doc}.gold.json`);
    expect(s.error).toBeUndefined();
    expect(s.exact / s.cells).toBeGreaterThanOrEqual(0.9);
    expect(s.silent).toBe(0);
    expect(s.details.filter((d) => d.outcome === "silent")).toEqual([]);
  }, 120_000);

  it("marks every cell as read by OCR, with lower confidence, through the worker pool", async () => {
    const pool = new DocumentWorkers({ size: 1, timeoutMs: 120_000 });
    try {
      const { form, report } = await pool.process(new Uint8Array(readFileSync(doc)));
      expect(form).toBe("pdf");
      expect(report.formatVersion).toBe("GOP2021");
      expect(report.flags.find((f) => f.code === "ocr")?.message).toMatch(/read by OCR from 3 page image/);
      expect(report.cells.length).toBeGreaterThan(180);
      expect(report.cells.every((c) => c.confidence <= 0.9)).toBe(true);
      // Cells of low confidence are named in a warning, so that none is a silent value.
      const warned = report.flags.filter((f) => f.severity !== "info").flatMap((f) => f.keys ?? []);
      const unwarned = report.cells
        .filter((c) => c.confidence < OCR_FLAG_BELOW)
        .filter((c) => !warned.some((k) => c.key === k || c.key.startsWith(`${k}.`)))
        .map((c) => `${c.key}=${c.raw} (${c.confidence})`);
      expect(unwarned).toEqual([]);
      expect(report.flags.some((f) => f.code === "ocr_low_confidence")).toBe(true);
      // The issuer was read by OCR too: a warning names what was read, to be checked against the page.
      const meta = report.flags.find((f) => f.code === "metadata_ocr");
      expect(meta?.severity).toBe("warning");
      expect(meta?.message).toContain(`"${report.meta.issuerName}"`);
    } finally {
      await pool.close();
    }
  }, 120_000);

  it("reads a page printed one cell per line as its text PDF is read: the same values, the same empty lines as blank cells", async () => {
    // Page 4 of a Word paragraph-per-cell report printed by Chromium, scanned (150 dpi, tilted, noisy).
    const producers = join(projectRoot, "test", "fixtures", "producers");
    const text = await extract(
      new Uint8Array(readFileSync(join(producers, "gs-chromium-huanbao-2022-paragraphs.pdf"))),
    );
    const scan = await extractScannedPdf(
      new Uint8Array(readFileSync(join(scans, "scan-huanbao-2022-paragraphs-p4.pdf"))),
      "test",
    );
    // Values as read, blank cells as `_` (`_?` where the count of empty lines was uncertain), labels as L.
    const seq = (blocks: Block[]) =>
      blocks.flatMap((b) =>
        b.kind !== "text"
          ? ["table"]
          : b.explicitBlank
            ? [b.uncertain ? "_?" : "_"]
            : [/^\d+$/.test(b.text) ? b.text : "L"],
      );
    // Empty lines at the page's top or foot are counted with the page before or after it, which the
    // one-page scan lacks: the lines between its first and last cell are compared.
    const inner = (xs: string[]) => {
      const printed = xs.map((x, k) => (x.startsWith("_") ? -1 : k)).filter((k) => k >= 0);
      return xs.slice(printed[0], printed[printed.length - 1] + 1);
    };
    const page4 = inner(seq(text.model.blocks.filter((b) => b.pos.page === 4)));
    expect(page4.filter((x) => x === "_").length).toBeGreaterThanOrEqual(4);
    expect(inner(seq(scan.blocks))).toEqual(page4);
  }, 120_000);

  it("reads a page scanned a quarter turn off upright, turned back, with a warning", async () => {
    // Page 2 of the corpus's qingxi report (ruled Tables 3 and 4) scanned turned 90.5° clockwise.
    const { report } = await processDocument(
      new Uint8Array(readFileSync(join(scans, "scan-qingxi-2021-ruled-p2-turned.pdf"))),
    );
    expect(report.flags.find((f) => f.code === "page_turned")?.message).toMatch(/page 1 \(270°\)/);
    const gold = JSON.parse(
      readFileSync(join(projectRoot, "corpus", "qingxi-2021-ruled.pdf.gold.json"), "utf8"),
    ).cells as Record<string, number | string>;
    const read = report.cells.filter((c) => c.key in gold);
    expect(read.length).toBeGreaterThan(150);
    const same = read.filter((c) =>
      gold[c.key] === "blank" ? c.status === "blank" : c.value === gold[c.key],
    );
    expect(same.length / read.length).toBeGreaterThanOrEqual(0.95);
  }, 120_000);

  it("takes the issuer of a PDF read by OCR for its unreadable numbers from the PDF's own text layer", async () => {
    // Full-width digits re-distilled by Ghostscript lost their Unicode mapping (some: ０ and ８ kept
    // theirs), the words did not; the issuer's 汨 is a character the engine cannot read (it reads 泪).
    const { report } = await processDocument(
      new Uint8Array(
        readFileSync(join(projectRoot, "test", "fixtures", "pdf", "fullwidth-digits-redistilled-titled.pdf")),
      ),
    );
    expect(report.meta.issuerName).toBe("汨阳市统计局");
    expect(report.meta.issuerType).toBe("department");
    expect(report.flags.some((f) => f.code === "issuer_ocr_doubted")).toBe(false);
    expect(report.flags.find((f) => f.code === "metadata_ocr")?.message).toMatch(
      /"汨阳市统计局" from the PDF's text layer/,
    );
    // The numbers were read by OCR: 12 3 0 1 0 2 18 printed in the first row.
    const row = T3_COLUMNS.map(
      (c) => report.cells.find((x) => x.key === `applications.new_received.${c}`)?.value,
    );
    expect(row.filter((v, k) => v === [12, 3, 0, 1, 0, 2, 18][k]).length).toBeGreaterThanOrEqual(6);
  }, 120_000);

  it("a page of pictures without text is still refused with needs_ocr", async () => {
    const bytes = new Uint8Array(
      readFileSync(join(projectRoot, "test", "fixtures", "pdf", "scanned-report.pdf")),
    );
    await expect(processDocument(bytes)).rejects.toMatchObject({ code: "needs_ocr" });
  }, 120_000);
});

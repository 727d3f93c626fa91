// Ghostscript's re-distilled Chromium prints: Type 3 glyphs whose Unicode map was broken are recovered
// from the document or marked unknown, never read as stray letters or digits.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { extractPdf, unknownGlyphs, unmappedGlyphs } from "../../src/extractors/pdf.js";
import { repairType3Unicode } from "../../src/extractors/pdf-type3-unicode.js";
import { processDocument } from "../../src/import/pipeline.js";
import type { DocumentModel } from "../../src/model/document.js";
import { projectRoot } from "../helpers.js";

const fixture = (name: string) =>
  new Uint8Array(readFileSync(join(projectRoot, "test", "fixtures", "producers", name)));
/**
 * A one-page PDF set in a Type 3 font whose map reads code 1, a thin bar 0.89 em wide (the dash of a
 * Noto CJK face), as `4`, as Ghostscript leaves it; code 2 is 一 (a whole-em bar mapped soundly) and
 * code 3 a real, half-em `4`.
 */
function brokenDashPdf(): Uint8Array {
  const cmap =
    "/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapType 2 def\n1 begincodespacerange <00> <FF> endcodespacerange\n3 beginbfchar <01> <0034> <02> <4E00> <03> <0034> endbfchar\nendcmap CMapName currentdict /CMap defineresource pop end end";
  const procs = [
    "890 0 43 242 846 293 d1\n43 242 m 846 242 l 846 293 l 43 293 l h f",
    "1000 0 50 370 950 430 d1\n50 370 m 950 370 l 950 430 l 50 430 l h f",
    "555 0 30 0 520 700 d1\n30 0 m 520 0 l 520 700 l h f",
  ];
  const content = "BT /F1 12 Tf 72 700 Td <020103020103020103020103> Tj ET";
  const stream = (body: string) => `<< /Length ${body.length} >>\nstream\n${body}\nendstream`;
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 11 0 R >>",
    "<< /Type /Font /Subtype /Type3 /FontBBox [0 0 1000 1000] /FontMatrix [0.001 0 0 0.001 0 0] /CharProcs 5 0 R /Encoding 6 0 R /FirstChar 1 /LastChar 3 /Widths [890 1000 555] /ToUnicode 7 0 R /Resources << >> >>",
    "<< /g2D2 8 0 R /g2E00 9 0 R /g15 10 0 R >>",
    "<< /Type /Encoding /Differences [1 /g2D2 /g2E00 /g15] >>",
    stream(cmap),
    ...procs.map(stream),
    stream(content),
  ];
  return pdfOf(objects);
}

/** A PDF of the given objects (numbered from 1, the first the catalog), with an optional /Info object. */
function pdfOf(objects: string[], info?: number): Uint8Array {
  let out = "%PDF-1.4\n";
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f\r\n`;
  for (const o of offsets) out += `${String(o).padStart(10, "0")} 00000 n\r\n`;
  const infoRef = info ? ` /Info ${info} 0 R` : "";
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R${infoRef} >>\nstartxref\n${xref}\n%%EOF\n`;
  return new Uint8Array(Buffer.from(out, "latin1"));
}

/**
 * A one-page Ghostscript re-distil set in a composite font (Type 0, Identity-H) whose map reads code
 * 0x10, a whole-em glyph, as `}` and code 0x11, another, as `1` (公 and 、 as Ghostscript leaves them);
 * code 0x12 is 年 (sound) and code 0x13 a real, half-em `5`.
 */
function brokenCidPdf(): Uint8Array {
  const cmap =
    "/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapType 2 def\n1 begincodespacerange <0000> <FFFF> endcodespacerange\n4 beginbfchar <0010> <007D> <0011> <0031> <0012> <5E74> <0013> <0035> endbfchar\nendcmap CMapName currentdict /CMap defineresource pop end end";
  const content = `BT /F1 12 Tf 72 700 Td <${`${"0012".repeat(8)}001000110013`.repeat(4)}> Tj ET`;
  const stream = (body: string) => `<< /Length ${body.length} >>\nstream\n${body}\nendstream`;
  return pdfOf(
    [
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 7 0 R >>",
      "<< /Type /Font /Subtype /Type0 /BaseFont /ABCDEF+UKaiCN /Encoding /Identity-H /DescendantFonts [5 0 R] /ToUnicode 6 0 R >>",
      "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /ABCDEF+UKaiCN /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 /W [16 [1000 1000 1000 556]] >>",
      stream(cmap),
      stream(content),
      "<< /Producer (GPL Ghostscript 10.00.0) >>",
    ],
    8,
  );
}

const allText = (m: DocumentModel) =>
  m.blocks
    .map((b) =>
      b.kind === "text"
        ? b.text
        : b.rows
            .flat()
            .map((c) => c.text)
            .join(" "),
    )
    .join("\n");

describe("repairType3Unicode", () => {
  it("leaves a Chromium print (sound maps) and a LibreOffice PDF unchanged", () => {
    for (const name of ["chromium-shuiwu-2023-borderless.pdf", "gs-shuiwu-2023-borderless.pdf"]) {
      const bytes = fixture(name);
      const r = repairType3Unicode(bytes);
      expect(r.bytes).toBe(bytes);
      expect(r.recovered + r.unknown).toBe(0);
    }
  });

  it("appends repaired maps as an incremental update of a Ghostscript re-distilled print", () => {
    const bytes = fixture("chromium-gs-qingxi-2021-ruled.pdf");
    const r = repairType3Unicode(bytes);
    expect(r.recovered).toBeGreaterThan(0);
    expect(r.unknown).toBeGreaterThan(0);
    expect(Buffer.from(r.bytes.subarray(0, bytes.length)).equals(Buffer.from(bytes))).toBe(true);
    const tail = Buffer.from(r.bytes.subarray(bytes.length)).toString("latin1");
    expect(tail).toMatch(/\nxref\n0 1\n0000000000 65535 f\r\n/);
    expect(tail).toMatch(/\/Prev \d+ >>\nstartxref\n\d+\n%%EOF\n$/);
  });

  it("reads no glyph as a stray letter; unknown ones read U+FFFD and are flagged", async () => {
    const model = await extractPdf(fixture("chromium-gs-qingxi-2021-ruled.pdf"));
    const text = allText(model);
    expect(unmappedGlyphs(text)).toEqual([]);
    expect(text).toContain("\ufffd");
    expect(model.warnings.map((w) => w.code)).toEqual(
      expect.arrayContaining(["text_layer_unmapped", "text_layer_repaired"]),
    );
  });
});

describe("letters a text layer reads for glyphs it could not map", () => {
  it("are unknown characters beside Chinese; words of Latin letters and figures are left alone", () => {
    expect(unknownGlyphs("行政Ï业性收费")).toBe("行政\ufffd业性收费");
    expect(unknownGlyphs("w他对外管理服óÏ项")).toBe("\ufffd他对外管理服\ufffd\ufffd项");
    expect(unknownGlyphs("Ð、P年结转政府信息|开申请数量")).toBe(
      "\ufffd、\ufffd年结转政府信息\ufffd开申请数量",
    );
    expect(unknownGlyphs("政务APP发布")).toBe("政务APP发布");
    expect(unknownGlyphs("1286457")).toBe("1286457");
    expect(unknownGlyphs("-15")).toBe("-15");
  });
});

describe("a broken glyph drawn as a dash", () => {
  it("reads as a dash, not as the digit its map gives; the sound glyphs stay as they are", () => {
    const r = repairType3Unicode(brokenDashPdf());
    expect(r).toMatchObject({ recovered: 1, unknown: 0 });
    const update = Buffer.from(r.bytes).toString("latin1");
    expect(update).toContain("/ToUnicode 12 0 R");
    expect(update).toMatch(/<01> <2014>/);
    expect(update).toMatch(/<02> <4E00>/);
    expect(update).toMatch(/<03> <0034>/);
  });

  it("is read by pdfjs from the appended map", async () => {
    const model = await extractPdf(brokenDashPdf(), { ocr: false });
    expect(allText(model).replace(/\s+/g, "")).toBe("一—4一—4一—4一—4");
    expect(model.warnings.map((w) => w.code)).toContain("text_layer_repaired");
  });
});

describe("a broken map of a composite font in a Ghostscript re-distil", () => {
  it("reads its whole-em glyphs mapped to Latin characters as unknown, and leaves its sound ones", () => {
    const r = repairType3Unicode(brokenCidPdf());
    expect(r).toMatchObject({ recovered: 0, unknown: 2 });
    const update = Buffer.from(r.bytes).toString("latin1");
    expect(update).toMatch(/<0010> <FFFD>/);
    expect(update).toMatch(/<0011> <FFFD>/);
    expect(update).toMatch(/<0012> <5E74>/);
    expect(update).toMatch(/<0013> <0035>/);
  });

  it("is read by pdfjs from the appended map", async () => {
    const model = await extractPdf(brokenCidPdf(), { ocr: false });
    expect(allText(model).replace(/\s+/g, "")).toBe(`${"年".repeat(8)}\ufffd\ufffd5`.repeat(4));
  });
});

describe("a Ghostscript re-distilled Chromium print through the pipeline", () => {
  it("matches labels around unknown characters and flags each such row", async () => {
    const { report } = await processDocument(fixture("gs-chromium-jiangning-2024-gb18030.pdf"));
    const partial = report.flags.filter((f) => f.code === "label_partially_read");
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.every((f) => f.severity === "warning" && (f.keys?.length ?? 0) > 0)).toBe(true);
    expect(partial.map((f) => f.message).join("\n")).toContain("\ufffd");
    // A row read this way keeps every printed value (the gold test checks them one by one).
    const carried = report.cells.filter((c) => c.key.startsWith("applications.carried_over."));
    expect(carried).toHaveLength(7);
  });
});

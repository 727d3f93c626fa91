// Font programs hidden from pdfjs: which fonts qualify, that offsets survive, and that the reading of
// real TrueType PDFs is the same with and without their programs.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { extractPdf } from "../../src/extractors/pdf.js";
import { hideFontPrograms } from "../../src/extractors/pdf-fonts.js";
import { processDocument } from "../../src/import/pipeline.js";
import { projectRoot, sharedCorpus } from "../helpers.js";

const fixture = join(projectRoot, "test", "fixtures", "pdf", "qingxi-2021-truetype.pdf");
const read = (path: string) => new Uint8Array(readFileSync(path));
const latin1 = (b: Uint8Array) => Buffer.from(b).toString("latin1");

/** The object part of a PDF with one Type0 font over a CIDFontType2 whose program is object 3. */
function cidFont(type0Extra: string, cidExtra = "/W [1 [500]]", tail = ""): Uint8Array {
  return new Uint8Array(
    Buffer.from(
      "%PDF-1.4\n" +
        `1 0 obj\n<</Type /Font /Subtype /Type0 /BaseFont /AB+SimSun /Encoding /Identity-H /DescendantFonts [2 0 R]${type0Extra}>>\nendobj\n` +
        `2 0 obj\n<</Type /Font /Subtype /CIDFontType2 /BaseFont /AB+SimSun /FontDescriptor 4 0 R ${cidExtra}>>\nendobj\n` +
        "3 0 obj\n<</Length 8>>\nstream\n/FontFile2 in data\nendstream\nendobj\n" +
        "4 0 obj\n<</Type /FontDescriptor /FontName /AB+SimSun /Flags 4 /FontFile2 3 0 R>>\nendobj\n" +
        "5 0 obj\n<</Length 4>>\nstream\nabcd\nendstream\nendobj\n" +
        tail +
        "trailer\n<</Root 9 0 R>>\n%%EOF\n",
      "latin1",
    ),
  );
}

describe("hideFontPrograms", () => {
  it("hides a CID TrueType program when the font maps to Unicode and has widths, keeping every offset", () => {
    const bytes = cidFont(" /ToUnicode 5 0 R");
    const before = latin1(bytes);
    expect(hideFontPrograms(bytes)).toBe(1);
    const after = latin1(bytes);
    expect(after.length).toBe(before.length);
    expect(after).toContain("/FontFileX 3 0 R");
    // The same bytes inside stream data are never touched.
    expect(after).toContain("/FontFile2 in data");
    expect(after.replace("/FontFileX 3 0 R", "/FontFile2 3 0 R")).toBe(before);
  });

  it("keeps the program of a font without a ToUnicode map or without widths", () => {
    expect(hideFontPrograms(cidFont(""))).toBe(0);
    expect(hideFontPrograms(cidFont(" /ToUnicode 5 0 R", ""))).toBe(0);
    // A ToUnicode given by name (Identity-H) is no map of its own.
    expect(hideFontPrograms(cidFont(" /ToUnicode /Identity-H"))).toBe(0);
  });

  it("keeps every program when a font might sit in an object stream the scan cannot read", () => {
    const objStm = "6 0 obj\n<</Type /ObjStm /N 1 /First 4 /Length 4>>\nstream\nabcd\nendstream\nendobj\n";
    expect(hideFontPrograms(cidFont(" /ToUnicode 5 0 R", "/W [1 [500]]", objStm))).toBe(0);
  });

  it("a TrueType-font PDF reads the same with and without its font programs, and every gold cell is exact", async () => {
    const bytes = read(fixture);
    expect(hideFontPrograms(new Uint8Array(bytes))).toBe(2);
    expect(await extractPdf(bytes)).toEqual(await extractPdf(bytes, { keepFontPrograms: true }));
    const gold = JSON.parse(
      readFileSync(join(projectRoot, "corpus", "qingxi-2021-ruled.pdf.gold.json"), "utf8"),
    ) as { cells: Record<string, number | string> };
    const { report } = await processDocument(bytes);
    const got = Object.fromEntries(
      report.cells.map((c) => [c.key, c.status === "number" ? c.value : c.status]),
    );
    for (const [key, expected] of Object.entries(gold.cells)) expect(got[key], key).toBe(expected);
  });

  describe.skipIf(!existsSync(join(sharedCorpus, "hzq2023.pdf")))(
    "the real hzq PDFs in ../shared/corpus (skipped when ../shared is absent)",
    () => {
      for (const name of ["hzq2023.pdf", "hzq2024.pdf"]) {
        it(`${name}: its CID TrueType programs are hidden and the reading is unchanged`, async () => {
          const bytes = read(join(sharedCorpus, name));
          expect(hideFontPrograms(new Uint8Array(bytes))).toBeGreaterThan(4);
          expect(await extractPdf(bytes)).toEqual(await extractPdf(bytes, { keepFontPrograms: true }));
        });
      }
    },
  );
});

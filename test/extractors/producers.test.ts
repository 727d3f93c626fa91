// PDFs from other producers than WPS and LibreOffice: Chromium's print to PDF (Type 3 CJK fonts, text in
// positioned runs) and Ghostscript's pdfwrite (fonts re-encoded), each scored against its gold file.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findGoldPairs, scoreDocument } from "../../src/eval/score.js";
import { extractPdf } from "../../src/extractors/pdf.js";
import { processDocument } from "../../src/import/pipeline.js";
import { projectRoot } from "../helpers.js";

const folder = join(projectRoot, "test", "fixtures", "producers");

describe("PDFs printed by Chromium and re-distilled by Ghostscript", () => {
  const pairs = findGoldPairs([folder]);
  it("has a PDF of each producer", () => {
    const producers = pairs.map((p) => {
      const head = readFileSync(p.doc).toString("latin1");
      return /Skia\/PDF/.test(head) ? "chromium" : /GPL Ghostscript/.test(head) ? "ghostscript" : "other";
    });
    expect(new Set(producers)).toEqual(new Set(["chromium", "ghostscript"]));
  });
  for (const p of pairs) {
    it(`${p.doc.split("/").pop()}: every gold cell exact, metadata right`, async () => {
      const s = await scoreDocument(p.doc, p.gold);
      expect(s.error).toBeUndefined();
      expect(s.details.filter((d) => d.outcome !== "exact")).toEqual([]);
      expect(s.metaWrong).toEqual([]);
    });
  }
  it("sends a re-distil whose numbers all lost their Unicode mapping to OCR", async () => {
    const bytes = new Uint8Array(readFileSync(join(folder, "gs-chromium-fullwidth-digits.pdf")));
    await expect(extractPdf(bytes, { ocr: false })).rejects.toMatchObject({
      code: "needs_ocr",
      message: expect.stringMatching(/numbers in glyphs without a Unicode mapping \(35 unreadable/),
    });
  });
  // Ghostscript over Chromium's Type 3 fonts breaks the Unicode map of some glyphs (`、` read `1`, `（`
  // read `ÿ`): they read as unknown (U+FFFD), labels are matched around them, and all of it is flagged.
  const redistilled = (doc: string) => /chromium-gs-|gs-chromium-/.test(doc);
  for (const p of pairs.filter((x) => redistilled(x.doc))) {
    it(`${p.doc.split("/").pop()}: the unmapped glyphs and the labels read around them are flagged`, async () => {
      const { report } = await processDocument(new Uint8Array(readFileSync(p.doc)));
      const flag = report.flags.find((f) => f.code === "text_layer_unmapped");
      expect(flag?.severity).toBe("warning");
      expect(flag?.keys).toEqual(["active", "applications", "appeals"]);
      expect(report.flags.some((f) => f.code === "label_partially_read")).toBe(true);
    });
  }
});

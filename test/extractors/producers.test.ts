// PDFs from other producers than WPS and LibreOffice: Chromium's print to PDF (Type 3 CJK fonts, text in
// positioned runs) and Ghostscript's pdfwrite (fonts re-encoded), each scored against its gold file.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findGoldPairs, scoreDocument } from "../../src/eval/score.js";
import { processDocument } from "../../src/pipeline.js";
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
  // Ghostscript over Chromium's Type 3 fonts loses the Unicode mapping of some glyphs (`、` reads `1`,
  // `（` reads `ÿ`): that text layer cannot be read exactly, only flagged.
  const unmapped = (doc: string) => doc.endsWith("chromium-gs-qingxi-2021-ruled.pdf");
  for (const p of pairs.filter((x) => !unmapped(x.doc))) {
    it(`${p.doc.split("/").pop()}: every gold cell exact, metadata right`, async () => {
      const s = await scoreDocument(p.doc, p.gold);
      expect(s.error).toBeUndefined();
      expect(s.details.filter((d) => d.outcome !== "exact")).toEqual([]);
      expect(s.metaWrong).toEqual([]);
    });
  }
  for (const p of pairs.filter((x) => unmapped(x.doc))) {
    it(`${p.doc.split("/").pop()}: the unmapped glyphs are flagged, no value is wrong without a flag`, async () => {
      const { report } = await processDocument(new Uint8Array(readFileSync(p.doc)));
      const flag = report.flags.find((f) => f.code === "text_layer_unmapped");
      expect(flag?.severity).toBe("warning");
      expect(flag?.keys).toEqual(["active", "applications", "appeals"]);
      const s = await scoreDocument(p.doc, p.gold);
      expect(s.silent).toBe(0);
      expect(s.wrong).toBe(0);
      expect(s.exact / s.cells).toBeGreaterThanOrEqual(0.9);
    });
  }
});

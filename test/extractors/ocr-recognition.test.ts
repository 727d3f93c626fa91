// OCR recognition: marks read as words taken off (a full stop after a lone number, ruling residue), and on
// a noisy scan cells read in black and white, and labels in traditional script read
// with Tesseract's traditional model where it is installed (skipped, with the reason, where it cannot run).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  cleanReadings,
  NEEDS_TESSERACT,
  type OcrWord,
  ocrTools,
  SNAPPED_LABEL_CONF,
  snapLabels,
} from "../../src/extractors/ocr.js";
import { processDocument } from "../../src/import/pipeline.js";
import { projectRoot } from "../helpers.js";

const scan = join(projectRoot, "test", "fixtures", "scans", "scan-liuxi-2022-traditional-p1.pdf");

/** Table 2 as printed on the page (the report's generator wrote these values). */
const TABLE2: Record<string, number> = {
  "active.art20_1.rules.issued": 0,
  "active.art20_1.rules.repealed": 0,
  "active.art20_1.rules.in_force": 0,
  "active.art20_1.normative_docs.issued": 289,
  "active.art20_1.normative_docs.repealed": 360,
  "active.art20_1.normative_docs.in_force": 18,
  "active.art20_5.licensing.decisions": 0,
  "active.art20_6.penalty.decisions": 248,
  "active.art20_6.coercion.decisions": 37,
  "active.art20_8.admin_fees.amount_yuan": 3295366,
};

const word = (text: string, left: number, conf: number): OcrWord => ({
  text,
  conf,
  left,
  top: 100,
  width: 30,
  height: 30,
  page: 1,
  line: "1.1.1.1",
});

describe("short row labels misread by OCR", () => {
  it("puts an unsure reading of four characters back as the whole label it is a character away from", () => {
    const snapped = snapLabels([
      word("行", 0, 93),
      word("政", 30, 93),
      word("处", 60, 97),
      word("六", 90, 71),
    ]);
    expect(snapped.map((w) => w.text)).toEqual(["行政处罚"]);
    expect(snapped[0].conf).toBeLessThanOrEqual(SNAPPED_LABEL_CONF);
  });

  it("leaves four characters as read when they are sure, or a character from a stretch of a longer label only", () => {
    const sure = [word("行", 0, 93), word("政", 30, 93), word("处", 60, 97), word("六", 90, 95)];
    expect(snapLabels(sure).map((w) => w.text)).toEqual(["行", "政", "处", "六"]);
    // `信息公廾` is a character from `信息公开`, a stretch of many labels but no label of its own.
    const stretch = [word("信息", 0, 60), word("公廾", 60, 60)];
    expect(snapLabels(stretch).map((w) => w.text)).toEqual(["信息", "公廾"]);
  });
});

describe("marks read as words, taken off before the layout", () => {
  const EM = 30;
  /** A word at (left, top), `width` wide and one em tall unless told. */
  const at = (text: string, left: number, top: number, width: number, conf = 90, height = EM): OcrWord => ({
    text,
    conf,
    left,
    top,
    width,
    height,
    page: 1,
    line: `1.1.1.${top}`,
  });

  it("drops a full stop after a number alone on its line, doubting it, and keeps an ordinal's before its label", () => {
    const words = [at("27.", 100, 400, 40), at("2.", 100, 500, 25), at("重复申请", 130, 500, 120)];
    const kept = cleanReadings(words, [], EM);
    expect(kept.map((w) => w.text)).toEqual(["27", "2.", "重复申请"]);
    expect(kept[0].conf).toBeLessThanOrEqual(50);
    expect(kept[1].conf).toBe(90);
  });

  it("drops unsure Latin words centred on a ruling, never Chinese or a word off the line", () => {
    const ruling = { y: 815, x0: 150, x1: 1450 };
    const words = [
      at("RST", 400, 805, 50, 30, 20), // residue of the bottom ruling read as text
      at("aaa", 700, 806, 60, 26, 18),
      at("0", 880, 760, 15, 96), // the last row's value, above the line
      at("Nt", 1300, 806, 20, 4, 18),
      at("其他", 500, 800, 60, 40), // Chinese on a ruling is kept (a label crossing a faint line)
      at("ee", 60, 806, 40, 20, 18), // in the margin, beyond the ruling's ends: left to the layout
    ];
    expect(cleanReadings(words, [ruling], EM).map((w) => w.text)).toEqual(["0", "其他", "ee"]);
  });
});

const found = ocrTools();
if (!found.tools) console.warn(`OCR recognition tests skipped: ${found.reason}. ${NEEDS_TESSERACT}`);
else if (!found.tools.chiTra)
  console.warn(
    "traditional-script OCR test skipped: Tesseract has no chi_tra data (apt-get install tesseract-ocr-chi-tra)",
  );

describe.skipIf(!found.tools)("a noisy scan of a table in traditional script", () => {
  it.skipIf(!found.tools?.chiTra)(
    "reads every row of Table 2, its labels in traditional script too, and every value as printed",
    async () => {
      const { report } = await processDocument(new Uint8Array(readFileSync(scan)));
      const got = Object.fromEntries(
        report.cells.filter((c) => c.key in TABLE2).map((c) => [c.key, c.value]),
      );
      // 行政處罰 (read `{Fie Fi)` by the simplified model alone, and its row lost) is read.
      expect(got).toEqual(TABLE2);
    },
    120_000,
  );
});

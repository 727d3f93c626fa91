// OCR recognition on a noisy scan: cells read in black and white, and labels in traditional script read
// with Tesseract's traditional model where it is installed (skipped, with the reason, where it cannot run).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
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

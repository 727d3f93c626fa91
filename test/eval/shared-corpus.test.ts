import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findGoldPairs, scoreDocument } from "../../src/eval/score.js";
import { hasShared, projectRoot, sharedCorpus, sharedMissing } from "../helpers.js";

if (!hasShared) console.warn(sharedMissing);

describe.skipIf(!hasShared)("accuracy on the real reports in ../shared/corpus", () => {
  const pairs = hasShared ? findGoldPairs([sharedCorpus]).filter((p) => !p.doc.endsWith(".pdf")) : [];
  it("finds the HTML and text documents", () => {
    expect(pairs.length).toBeGreaterThanOrEqual(14);
  });
  for (const p of pairs) {
    it(`${p.doc.split("/").pop()}: every gold cell exact, year and version right`, async () => {
      const s = await scoreDocument(p.doc, p.gold);
      expect(s.details.filter((d) => d.outcome !== "exact")).toEqual([]);
      expect(s.metaWrong).toEqual([]);
    });
  }
});

describe("accuracy on the project's own corpus/", () => {
  const pairs = findGoldPairs([join(projectRoot, "corpus")]);
  it("has gold-labelled reports", () => {
    expect(pairs.length).toBeGreaterThanOrEqual(12);
  });
  for (const p of pairs) {
    it(`${p.doc.split("/").pop()}: every gold cell exact, metadata right`, async () => {
      const s = await scoreDocument(p.doc, p.gold);
      expect(s.details.filter((d) => d.outcome !== "exact")).toEqual([]);
      expect(s.metaWrong).toEqual([]);
    });
  }
});

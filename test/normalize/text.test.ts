import { describe, expect, it } from "vitest";
import {
  editDistance,
  labelKey,
  looksTraditional,
  NEEDS_REPLACING,
  NFKC_STABLE,
  normalizeText,
  parseCellValue,
  scaleExact,
  stripOrdinal,
  TRADITIONAL_ONLY,
} from "../../src/normalize/text.js";

describe("parseCellValue", () => {
  it("keeps blank, dash and slash apart from zero", () => {
    expect(parseCellValue("0")).toMatchObject({ status: "number", value: 0 });
    expect(parseCellValue("\u00a0 ")).toMatchObject({ status: "blank", value: null });
    expect(parseCellValue("—")).toMatchObject({ status: "dash", value: null });
    expect(parseCellValue("-")).toMatchObject({ status: "dash", value: null });
    expect(parseCellValue("／")).toMatchObject({ status: "slash", value: null });
    expect(parseCellValue("无")).toMatchObject({ status: "text", raw: "无" });
  });
  it("reads signs, units, full-width digits and thousands separators", () => {
    expect(parseCellValue("+26")).toMatchObject({ value: 26, sign: "+" });
    expect(parseCellValue("-11")).toMatchObject({ value: -11, sign: "-" });
    expect(parseCellValue("13724.02万元")).toMatchObject({ value: 13724.02, cellUnit: "万元" });
    expect(parseCellValue("１２３")).toMatchObject({ value: 123 });
    expect(parseCellValue("2,822,652")).toMatchObject({ value: 2822652 });
    expect(parseCellValue("1.属于国家秘密").status).toBe("text");
    expect(parseCellValue("\u22125")).toMatchObject({ value: -5, sign: "-" });
    expect(parseCellValue("86万")).toMatchObject({ value: 86, cellUnit: "万元" });
  });
});

describe("scaleExact", () => {
  it("converts 万元 to yuan without floating-point drift", () => {
    expect(scaleExact("59237.2449", 10000)).toBe(592372449);
    expect(scaleExact("7730.28", 10000)).toBe(77302800);
    expect(scaleExact("282.1", 10000)).toBe(2821000);
    expect(scaleExact("251000", 1)).toBe(251000);
  });
});

describe("labels", () => {
  it("match across bracket width, punctuation and spacing", () => {
    expect(labelKey("第二十条  第(一)项")).toBe(labelKey("第二十条第（一）项"));
    expect(labelKey("危及“三安全一稳定”")).toBe(labelKey('危及"三安全一稳定"'));
    expect(stripOrdinal("（三）不予公开")).toBe("不予公开");
    expect(stripOrdinal("2.重复申请")).toBe("重复申请");
  });
  it("bounds the edit distance", () => {
    expect(editDistance("其他法律行政止公开", "其他法律行政法规禁止公开", 3)).toBe(3);
    expect(editDistance("abc", "xyzxyzxyz", 2)).toBe(3);
  });
});

describe("normalizeText", () => {
  it("skips NFKC only for characters NFKC leaves alone, and none of them combines", () => {
    let stable = 0;
    for (let c = 0; c <= 0xffff; c++) {
      const ch = String.fromCharCode(c);
      if (!NFKC_STABLE.test(ch)) continue;
      stable++;
      expect(ch.normalize("NFKC"), `U+${c.toString(16)}`).toBe(ch);
      // A combining mark after it would change under NFKC, and is outside the set, so NFKC runs.
      expect(NFKC_STABLE.test(`${ch}\u0301`)).toBe(false);
    }
    expect(stable).toBeGreaterThan(20_000);
    // Whole texts: the same result with and without the shortcut.
    for (const s of [
      "行政许可 | 24517 |",
      "（一）其他",
      "２０２３年",
      "A\u3000B",
      "e\u0301",
      "《条例》“公开”",
    ])
      expect(normalizeText(s)).toBe(
        s
          .normalize("NFKC")
          .replace(/\r\n?/g, "\n")
          .replace(/[\u200b-\u200f\u2060\ufeff]/g, "")
          .replace(/\u00a0|\u3000/g, " ")
          .replace(/\u2212/g, "-"),
      );
  });
});

describe("normalizeText's table of characters", () => {
  /** normalizeText as the two patterns define it. */
  const byPatterns = (s: string): string => {
    const nfkc = NFKC_STABLE.test(s) ? s : s.normalize("NFKC");
    if (!NEEDS_REPLACING.test(nfkc)) return nfkc;
    return nfkc
      .replace(/\r\n?/g, "\n")
      .replace(/[\u200b-\u200f\u2060\ufeff]/g, "")
      .replace(/\u00a0|\u3000/g, " ")
      .replace(/\u2212/g, "-");
  };

  it("gives what the patterns give for every code unit, alone and inside a label", () => {
    for (let c = 0; c <= 0xffff; c++) {
      const ch = String.fromCharCode(c);
      for (const s of [ch, `规章${ch}\r\n12`])
        if (normalizeText(s) !== byPatterns(s))
          expect(normalizeText(s), `U+${c.toString(16)}`).toBe(byPatterns(s));
    }
  });
});

describe("looksTraditional", () => {
  it("counts characters written only in traditional script, eight or more", () => {
    expect([...TRADITIONAL_ONLY].every((c) => c.length === 1 && c.charCodeAt(0) >= 0x4e00)).toBe(true);
    const seven = "開報關務處請數";
    expect(looksTraditional(`政府信息公开工作年度报告${seven}`)).toBe(false);
    expect(looksTraditional(`政府信息公开${seven}工作年度报告機`)).toBe(true);
    expect(looksTraditional("政府資訊公開工作年度報告：本機關辦理申請數量")).toBe(true);
    expect(looksTraditional("政府信息公开工作年度报告：本机关办理申请数量")).toBe(false);
    expect(looksTraditional("")).toBe(false);
  });
});

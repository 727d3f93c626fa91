import { describe, expect, it } from "vitest";
import {
  editDistance,
  labelKey,
  parseCellValue,
  scaleExact,
  stripOrdinal,
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

import { describe, expect, it } from "vitest";
import { extractText } from "../../src/extractors/text.js";
import type { TableBlock } from "../../src/model/document.js";

const rows = (text: string) =>
  extractText(text)
    .blocks.filter((b): b is TableBlock => b.kind === "table")
    .flatMap((t) => t.rows.map((r) => r.map((c) => c.text + (c.uncertain ? "?" : ""))));

describe("text extractor", () => {
  it("reads P1a: row-start bars, one cell per line, padding on the last cell", () => {
    const p1a = [
      "|",
      "第二十条第(一)项 | |||",
      "|",
      "信息内容 |",
      "本年制发件数 |",
      "|",
      "规章 |",
      "0 |",
      "0 |",
      "|",
      "|",
      "行政规范性文件 |",
      "5 |",
      "12 |",
      "8 |",
    ].join("\n");
    expect(rows(p1a)).toEqual([
      ["第二十条第(一)项"],
      ["信息内容", "本年制发件数"],
      ["规章", "0", "0", ""],
      ["行政规范性文件", "5", "12", "8"],
    ]);
  });
  it("reads P1b: padding lines end rows; a lone bar is an uncertain empty cell", () => {
    const p1b = [
      "一、本年新收政府信息公开申请数量 |",
      "|",
      "|",
      "0 |",
      "||",
      "二、上年结转政府信息公开申请数量 |",
      "0 |",
      "|",
      "三、本年度办理结果 |",
    ].join("\n");
    expect(rows(p1b)).toEqual([
      ["一、本年新收政府信息公开申请数量", "?", "?", "0"],
      ["二、上年结转政府信息公开申请数量", "0", "?"],
      ["三、本年度办理结果"],
    ]);
  });
  it("reads single-line rows, markdown, and keeps whitespace cells as blanks", () => {
    const t = [
      "| 规章 |  0 |  | 3 | |||",
      "|---|---|---|---|",
      "信息内容 | 本年新 | 本年新 | 对外公开总数量 | |",
    ].join("\n");
    expect(rows(t)).toEqual([
      ["规章", "0", "", "3", ""],
      ["信息内容", "本年新", "本年新", "对外公开总数量", ""],
    ]);
  });
  it("keeps lines without bars as text blocks with line numbers", () => {
    const doc = extractText("标题\n\n正文第一段");
    expect(doc.blocks).toEqual([
      { kind: "text", text: "标题", pos: { line: 1 } },
      { kind: "text", text: "正文第一段", pos: { line: 3 } },
    ]);
  });
});

import { describe, expect, it } from "vitest";
import { extract } from "../../src/extractors/index.js";
import { processDocument, processModel } from "../../src/import/pipeline.js";
import type { Block } from "../../src/model/document.js";
import type { Report } from "../../src/normalize/schema.js";
import {
  fullReport,
  ocrGridCell,
  report,
  TABLE2_GOP2021,
  TABLE4_ZEROS,
  table3Paragraphs,
  table3Values,
} from "./fixtures.js";

async function run(text: string): Promise<Report> {
  return (await processDocument(Buffer.from(text, "utf8"))).report;
}
const cell = (r: Report, key: string) => r.cells.find((c) => c.key === key);
const flagged = (r: Report, key: string) =>
  r.flags.some((f) => f.severity !== "info" && f.keys?.some((k) => key === k || key.startsWith(`${k}.`)));

describe("reconstruction", () => {
  it("rebuilds a GOP2021 report from mixed pipe and paragraph tables", async () => {
    const r = await run(fullReport());
    expect(r.formatVersion).toBe("GOP2021");
    expect(r.meta).toMatchObject({
      reportYear: 2022,
      issuerName: "青溪区测试局",
      issuerType: "department",
      adminLevel: "county",
    });
    expect(r.cells).toHaveLength(200);
    expect(cell(r, "active.art20_1.normative_docs.in_force")).toMatchObject({ value: 30, status: "number" });
    expect(cell(r, "active.art20_6.coercion.decisions")).toMatchObject({
      value: null,
      status: "dash",
      raw: "-",
    });
    expect(cell(r, "active.art20_8.admin_fees.amount_yuan")).toMatchObject({
      value: 123456,
      rawUnit: "万元",
    });
    expect(cell(r, "applications.result.unable.not_held.natural_person")?.value).toBe(2);
    expect(cell(r, "appeals.review.total")?.value).toBe(1);
    expect(r.rules.filter((x) => x.rule !== "R12").map((x) => x.status)).toEqual([
      "pass",
      "pass",
      "pass",
      "pass",
    ]);
  });

  it("keeps printed totals that do not add up, and flags the failing rule", async () => {
    const rows = table3Values("GOP2019");
    rows.set("result.withheld.third_party_rights", ["0", "0", "0", "1", "0", "0", "1"]);
    const r = await run(report(2020, table3Paragraphs(rows), TABLE4_ZEROS));
    expect(r.formatVersion).toBe("GOP2019");
    expect(cell(r, "applications.result.withheld.third_party_rights.social_welfare_org")?.value).toBe(1);
    expect(cell(r, "applications.result.total.total")?.value).toBe(6);
    const r3 = r.rules.find((x) => x.rule === "R3")!;
    expect(r3.status).toBe("fail");
    expect(flagged(r, "applications.result.total.total")).toBe(true);
  });

  it("stores a collapsed （六）其他处理 row of a GOP2021 report under result.other.total", async () => {
    const rows = table3Values("GOP2021");
    for (const k of [
      "result.other.no_correction_overdue",
      "result.other.fee_unpaid_overdue",
      "result.other.other",
    ])
      rows.delete(k);
    const ordered = new Map<string, string[]>();
    for (const [k, v] of rows) {
      if (k === "result.total") ordered.set("result.other.total", ["0", "0", "0", "0", "0", "0", "0"]);
      ordered.set(k, v);
    }
    const r = await run(
      report(2023, TABLE2_GOP2021, table3Paragraphs(ordered, { collapseOther: true }), TABLE4_ZEROS),
    );
    expect(r.formatVersion).toBe("GOP2021");
    expect(cell(r, "applications.result.other.total.total")?.value).toBe(0);
    expect(cell(r, "applications.result.other.other.total")).toBeUndefined();
    expect(r.flags.map((f) => f.code)).toContain("collapsed_other");
  });

  it("flags a row whose blanks were dropped instead of guessing silently", async () => {
    const rows = table3Values("GOP2021");
    rows.set("result.granted", ["3", "1", "", "", "", "", "4"]);
    const r = await run(report(2022, TABLE2_GOP2021, table3Paragraphs(rows), TABLE4_ZEROS));
    expect(cell(r, "applications.result.granted.natural_person")?.value).toBe(3);
    expect(flagged(r, "applications.result.granted.total")).toBe(true);
    expect(cell(r, "applications.result.partially_granted.total")?.value).toBe(0);
  });

  it("maps HYBRID Table 2 blocks by their own headers", async () => {
    const t2 = TABLE2_GOP2021.replace(
      "本年制发件数 | 本年废止件数 | 现行有效件数",
      "本年新制作数量 | 本年新公开数量 | 对外公开总数量",
    );
    const r = await run(report(2021, t2, table3Paragraphs(table3Values("GOP2021")), TABLE4_ZEROS));
    expect(r.formatVersion).toBe("HYBRID");
    expect(cell(r, "active.art20_1.normative_docs.total_published")?.value).toBe(30);
    expect(cell(r, "active.art20_5.licensing.decisions")?.value).toBe(120);
  });

  it("places unlabelled rows between labelled ones by template order and drops a stray value with a flag", async () => {
    const lines = table3Paragraphs(table3Values("GOP2021")).split("\n\n");
    // Lose the label of （二）部分公开 and put a stray "9" after （七）总计's values.
    const i = lines.indexOf("(二)部分公开(区分处理的,只计这一情形,不计其他情形)");
    lines.splice(i, 1, "度办理结");
    const j = lines.indexOf("四、结转下年度继续办理");
    lines.splice(j, 0, "附注", "9");
    const r = await run(report(2022, TABLE2_GOP2021, lines.join("\n\n"), TABLE4_ZEROS));
    expect(cell(r, "applications.result.partially_granted.total")?.value).toBe(0);
    expect(cell(r, "applications.carried_forward.total")?.value).toBe(1);
    expect(r.flags.map((f) => f.code)).toContain("stray_values");
  });

  it("keeps empty applicant cells before a printed 总计 (HTML and pipe rows)", async () => {
    const blanks = "<td>&nbsp;</td>".repeat(6);
    const html = `<html><body><p>青溪区测试局2022年政府信息公开工作年度报告</p><p>三、收到和处理政府信息公开申请情况</p><table>
      <tr><td colspan="3">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td><td colspan="7">申请人情况</td></tr>
      <tr><td colspan="3">一、本年新收政府信息公开申请数量</td>${blanks}<td>19</td></tr></table></body></html>`;
    const r = await run(html);
    expect(cell(r, "applications.new_received.total")?.value).toBe(19);
    expect(cell(r, "applications.new_received.natural_person")?.status).toBe("blank");
    const pipe = await run(
      report(
        2022,
        "三、收到和处理政府信息公开申请情况",
        "| 一、本年新收政府信息公开申请数量 |  |  |  |  |  |  | 19 |",
      ),
    );
    expect(cell(pipe, "applications.new_received.total")?.value).toBe(19);
    // A label spanning three columns, printed as empty cells, is not taken for values.
    const spanned = await run(
      report(
        2022,
        "三、收到和处理政府信息公开申请情况",
        "| 一、本年新收政府信息公开申请数量 |  |  | 5 | 1 | 0 | 0 | 0 | 0 | 6 |",
      ),
    );
    expect(cell(spanned, "applications.new_received.natural_person")?.value).toBe(5);
    expect(cell(spanned, "applications.new_received.total")?.value).toBe(6);
  });

  it("reads a Table 4 printed as a review table and a litigation table", async () => {
    const t4 = [
      "四、政府信息公开行政复议、行政诉讼情况",
      "| 行政复议 | | | | |",
      "| 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |",
      "| 2 | 1 | 0 | 1 | 4 |",
      "| 行政诉讼 | | | | | | | | | |",
      "| 未经复议直接起诉 | 复议后起诉 |",
      "| 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |",
      "| 1 | 0 | 0 | 0 | 1 | 0 | 0 | 0 | 2 | 2 |",
      "五、存在的主要问题及改进情况",
    ].join("\n");
    const r = await run(report(2022, TABLE2_GOP2021, table3Paragraphs(table3Values("GOP2021")), t4));
    expect(cell(r, "appeals.review.total")?.value).toBe(4);
    expect(cell(r, "appeals.litigation_direct.upheld")?.value).toBe(1);
    expect(cell(r, "appeals.litigation_after_review.pending")?.value).toBe(2);
    expect(r.rules.find((x) => x.rule === "R5")?.status).toBe("pass");
  });

  it("places Table 4's empty cells at the row's end when the source put one before the values and R5 says so", async () => {
    // A borderless PDF lays a row ending in five empty cells out as one empty cell, ten values, four
    // empty cells: where the first belongs is unknown to the source, and R5 decides.
    const t4 = (row: string) =>
      [
        "四、政府信息公开行政复议、行政诉讼情况",
        "行政复议 | 行政诉讼 |",
        "结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 未经复议直接起诉 | 复议后起诉 |",
        "结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |",
        row,
        "五、存在的主要问题及改进情况",
      ].join("\n");
    const base = (row: string) =>
      run(report(2022, TABLE2_GOP2021, table3Paragraphs(table3Values("GOP2021")), t4(row)));
    const r = await base("|  | 18 | 4 | 3 | 2 | 27 | 6 | 1 | 2 | 3 | 12 |  |  |  |  |");
    const appeals = (x: Report) =>
      x.cells
        .filter((c) => c.key.startsWith("appeals."))
        .map((c) => (c.status === "number" ? c.value : c.status));
    expect(appeals(r)).toEqual([
      18,
      4,
      3,
      2,
      27,
      6,
      1,
      2,
      3,
      12,
      "blank",
      "blank",
      "blank",
      "blank",
      "blank",
    ]);
    expect(r.rules.find((x) => x.rule === "R5")?.status).not.toBe("fail");
    expect(flagged(r, "appeals.review.upheld")).toBe(false);
    // Dashes everywhere: no placement adds up better than another, so the row stays as printed, flagged.
    const tie = await base("|  | - | - | - | - | - | - | - | - | - | - |  |  |  |  |");
    expect(appeals(tie)[0]).toBe("blank");
    expect(flagged(tie, "appeals.review.upheld")).toBe(true);
  });

  it("stores a report without standard tables with its metadata and a flag", async () => {
    const r = await run(
      "某县人民政府2016年政府信息公开工作年度报告\n2016年，全县主动公开政府信息1200条，受理依申请公开12件。",
    );
    expect(r.cells).toHaveLength(0);
    expect(r.meta.reportYear).toBe(2016);
    expect(r.formatVersion).toBe("PRE2019");
    expect(r.flags.map((f) => f.code)).toContain("no_standard_tables");
  });
});

describe("values printed as text", () => {
  it("keeps a figure printed with words or marks, or a word in a value's place, as text in its cell, flagged, never dropping the row", async () => {
    const row = (label: string, v: string) => `<tr><td>${label}</td><td colspan="3">${v}</td></tr>`;
    const html = `<html><head><meta charset="utf-8"></head><body>
<h1>青溪区测试局2022年政府信息公开工作年度报告</h1><p>统计期限自2022年1月1日至2022年12月31日。</p>
<p>二、主动公开政府信息情况</p><table border="1">
<tr><td colspan="4">第二十条第（五）项</td></tr><tr><td>信息内容</td><td colspan="3">本年处理决定数量</td></tr>
${row("行政许可", "约15")}
<tr><td colspan="4">第二十条第（六）项</td></tr><tr><td>信息内容</td><td colspan="3">本年处理决定数量</td></tr>
${row("行政处罚", "15(含3)")}${row("行政强制", "2 345")}
<tr><td colspan="4">第二十条第（八）项</td></tr><tr><td>信息内容</td><td colspan="3">本年收费金额（单位：万元）</td></tr>
${row("行政事业性收费", "（空）")}</table></body></html>`;
    const r = await run(html);
    for (const [key, raw] of [
      ["active.art20_5.licensing.decisions", "约15"],
      ["active.art20_6.penalty.decisions", "15(含3)"],
      ["active.art20_6.coercion.decisions", "2 345"],
      ["active.art20_8.admin_fees.amount_yuan", "(空)"],
    ]) {
      expect(cell(r, key)).toMatchObject({ status: "text", value: null, raw });
      expect(flagged(r, key)).toBe(true);
    }
    expect(r.flags.find((f) => f.code === "value_not_a_number")?.keys).toHaveLength(4);
  });
});

describe("empty lines of uncertain count (a table printed one paragraph per cell)", () => {
  /** The report with a row's printed cells replaced: "?" is an uncertain empty line, "" a certain one. */
  async function withRow(label: string, cells: string[]): Promise<Report> {
    const text = fullReport();
    const { model } = await extract(Buffer.from(text, "utf8"));
    const at = model.blocks.findIndex((b) => b.kind === "text" && b.text === label);
    expect(at).toBeGreaterThan(0);
    const pos = model.blocks[at].pos;
    const blocks: Block[] = cells.map((c) =>
      c === "" || c === "?"
        ? { kind: "text", text: "", explicitBlank: true, uncertain: c === "?" || undefined, pos }
        : { kind: "text", text: c, pos },
    );
    model.blocks.splice(at + 1, 7, ...blocks);
    return processModel(model, undefined).report;
  }
  const row = "applications.result.withheld.state_secret";

  it("drops the extra ones of one run by the template's count, without a flag on the row", async () => {
    const r = await withRow("1.属于国家秘密", ["?", "?", "2", "0", "0", "0", "0", "2"]);
    expect(cell(r, `${row}.natural_person`)?.status).toBe("blank");
    expect(cell(r, `${row}.commercial_enterprise`)?.value).toBe(2);
    expect(flagged(r, `${row}.natural_person`)).toBe(false);
  });

  it("flags the row where the count does not say which of two runs holds the blank", async () => {
    const r = await withRow("1.属于国家秘密", ["?", "2", "?", "0", "0", "0", "0", "2"]);
    expect(r.flags.find((f) => f.code === "ambiguous_alignment" && f.keys?.includes(row))).toBeDefined();
  });
});

describe("a table row read by OCR with a value misread as letters", () => {
  /** The report with the row printed as a table row of OCR cells: label, then the seven values. */
  async function withOcrRow(label: string, firstConf: number, misread = "qd"): Promise<Report> {
    const text = fullReport();
    const { model } = await extract(Buffer.from(text, "utf8"));
    const at = model.blocks.findIndex((b) => b.kind === "text" && b.text === label);
    expect(at).toBeGreaterThan(0);
    // 4 misread as qd in the first column, then a blank and the rest.
    const values = [misread, "", "0", "0", "0", "0", "4"];
    const row = [
      ocrGridCell(label, 0, 0.95),
      ...values.map((t, k) => ocrGridCell(t, k + 1, k === 0 ? firstConf : 0.95)),
    ];
    model.blocks.splice(at, 8, { kind: "table", rows: [row], spans: "known", pos: { page: 1 } });
    model.ocr = { pages: 1, words: 8, lowConfidenceWords: 1, seconds: 1, skewDeg: [0] };
    return processModel(model, undefined).report;
  }
  const row = "applications.result.withheld.state_secret";

  it("keeps the letters in their value column (flagged) and the values after them in theirs", async () => {
    const r = await withOcrRow("1.属于国家秘密", 0.5);
    expect(cell(r, `${row}.natural_person`)).toMatchObject({ status: "text", raw: "qd" });
    expect(cell(r, `${row}.commercial_enterprise`)?.status).toBe("blank");
    expect(cell(r, `${row}.research_institution`)?.value).toBe(0);
    expect(cell(r, `${row}.total`)?.value).toBe(4);
    expect(flagged(r, `${row}.natural_person`)).toBe(true);
  });

  it("keeps a digit misread as one doubted Chinese character (3 as 了) in its value column, flagged", async () => {
    const r = await withOcrRow("1.属于国家秘密", 0.4, "了");
    expect(cell(r, `${row}.natural_person`)).toMatchObject({ status: "text", raw: "了" });
    expect(cell(r, `${row}.research_institution`)?.value).toBe(0);
    expect(cell(r, `${row}.total`)?.value).toBe(4);
    expect(flagged(r, `${row}.natural_person`)).toBe(true);
  });

  it("keeps letters read with confidence as the label's: only a doubted reading is a value", async () => {
    const r = await withOcrRow("1.属于国家秘密", 0.95);
    expect(cell(r, `${row}.natural_person`)?.status).not.toBe("text");
  });

  it.each([
    ["unread ink", "\ufffd", 0],
    ["a doubted reading of letters (11 read nal)", "nal", 0.58],
  ])(
    "keeps a paragraph of %s in a run of one-value paragraphs as that cell's value",
    async (_, read, conf) => {
      const text = fullReport();
      const { model } = await extract(Buffer.from(text, "utf8"));
      const at = model.blocks.findIndex((b) => b.kind === "text" && b.text === "1.属于国家秘密");
      const pos = model.blocks[at].pos;
      const cells: Block[] = ["", read, "0", "0", "0", "0", "2"].map((t) =>
        t === ""
          ? { kind: "text", text: "", explicitBlank: true, pos }
          : { kind: "text", text: t, pos, conf: t === read ? conf : 0.95 },
      );
      model.blocks.splice(at + 1, 7, ...cells);
      model.ocr = { pages: 1, words: 8, lowConfidenceWords: 1, seconds: 1, skewDeg: [0] };
      const r = processModel(model, undefined).report;
      expect(cell(r, `${row}.natural_person`)?.status).toBe("blank");
      expect(cell(r, `${row}.commercial_enterprise`)).toMatchObject({ status: "text", raw: read });
      expect(flagged(r, `${row}.commercial_enterprise`)).toBe(true);
      expect(cell(r, `${row}.research_institution`)?.value).toBe(0);
      expect(cell(r, `${row}.total`)?.value).toBe(2);
    },
  );

  it("drops an uncertain blank counted across a page break before one measured beside the label", async () => {
    // 1.属于国家秘密, an uncertain empty line after it (its box off its line), 7, an empty line, then the
    // page break's room for one more (uncertain), 28 0 22 57: eight cells for seven columns.
    const { model } = await extract(Buffer.from(fullReport(), "utf8"));
    const at = model.blocks.findIndex((b) => b.kind === "text" && b.text === "1.属于国家秘密");
    const pos = model.blocks[at].pos;
    const blank = (extra: Partial<Block>): Block =>
      ({ kind: "text", text: "", explicitBlank: true, pos, ...extra }) as Block;
    const value = (t: string): Block => ({ kind: "text", text: t, pos, conf: 0.95 });
    const cells: Block[] = [
      blank({ uncertain: true }),
      value("7"),
      blank({}),
      blank({ uncertain: true, acrossPageBreak: true }),
      ...["28", "0", "22", "57"].map(value),
    ];
    model.blocks.splice(at + 1, 7, ...cells);
    model.ocr = { pages: 2, words: 9, lowConfidenceWords: 0, seconds: 1, skewDeg: [0, 0] };
    const r = processModel(model, undefined).report;
    expect(cell(r, `${row}.natural_person`)?.status).toBe("blank");
    expect(cell(r, `${row}.commercial_enterprise`)?.value).toBe(7);
    expect(cell(r, `${row}.research_institution`)?.status).toBe("blank");
    expect(cell(r, `${row}.social_welfare_org`)?.value).toBe(28);
    expect(cell(r, `${row}.total`)?.value).toBe(57);
  });
});

describe("Table 2 rows whose label was not read", () => {
  const withRules = (label: string) =>
    TABLE2_GOP2021.replace("| 规章 | 0 | 0 | 0 |", `| ${label} | 3 | 2 | 59 |`);

  it.each([
    ["read as letters (规章 read Re)", "Re"],
    ["as unread ink", "\ufffd"],
  ])("places a row whose label was %s by the template's order, flagged", async (_, label) => {
    const r = await run(report(2022, withRules(label), TABLE4_ZEROS));
    expect(cell(r, "active.art20_1.rules.issued")).toMatchObject({ value: 3, confidence: 0.8 });
    expect(cell(r, "active.art20_1.rules.in_force")?.value).toBe(59);
    expect(cell(r, "active.art20_1.normative_docs.in_force")?.value).toBe(30);
    expect(r.flags.find((f) => f.code === "row_label_inferred")?.keys).toEqual(["active.art20_1.rules"]);
  });

  it("places two such rows where the template has exactly two between the rows read", async () => {
    const t2 = TABLE2_GOP2021.replace("| 行政处罚 | 35 |", "| THAT | 35 |").replace(
      "| 行政强制 | - |",
      "| ?? | 7 |",
    );
    const r = await run(report(2022, t2, TABLE4_ZEROS));
    expect(cell(r, "active.art20_6.penalty.decisions")?.value).toBe(35);
    expect(cell(r, "active.art20_6.coercion.decisions")?.value).toBe(7);
    expect(flagged(r, "active.art20_6.coercion.decisions")).toBe(true);
  });

  it("stores nothing where the order leaves a choice, or where the label is other words, and says so", async () => {
    // 行政处罚 unread and 行政强制 dropped: the row could be either.
    const t2 = TABLE2_GOP2021.replace("| 行政处罚 | 35 |", "| Re | 35 |").replace(
      "| 行政强制 | - | ||\n",
      "",
    );
    const r = await run(report(2022, t2, TABLE4_ZEROS));
    expect(r.cells.filter((c) => c.key.startsWith("active.art20_6"))).toEqual([]);
    expect(r.flags.find((f) => f.code === "unrecognized_row")?.message).toContain('"Re"');
    // A row of a local indicator set, in words, is no template row whatever its place.
    const local = await run(report(2022, withRules("地方性法规"), TABLE4_ZEROS));
    expect(cell(local, "active.art20_1.rules.issued")).toBeUndefined();
    expect(local.flags.find((f) => f.code === "unrecognized_row")?.message).toContain("地方性法规");
  });
});

/** The report with Table 4 printed as OCR table rows (cells parted by " | ") after a heading read as given. */
async function withOcrTable4(heading: string, lines: string[]): Promise<Report> {
  const rows = lines.map((line, r) =>
    line.split(" | ").map((text, col) => ({
      ...ocrGridCell(text, col, 0.9),
      originRow: r,
      pos: { page: 1, table: 0, row: r, col },
    })),
  );
  const text = report(
    2022,
    TABLE2_GOP2021,
    table3Paragraphs(table3Values("GOP2021")),
    heading,
    "五、存在的主要问题及改进情况",
  );
  const { model } = await extract(Buffer.from(text, "utf8"));
  const at = model.blocks.findIndex((b) => b.kind === "text" && b.text === heading);
  model.blocks.splice(at + 1, 0, { kind: "table", rows, spans: "known", pos: { page: 1 } });
  model.ocr = { pages: 1, words: 40, lowConfidenceWords: 4, seconds: 1, skewDeg: [0] };
  return processModel(model, undefined).report;
}

describe("Table 4 header read by OCR", () => {
  it("skips a header row whose caption was read as a dash, with the header's words after it", async () => {
    const r = await withOcrTable4("四、政府信息公开行政复议、行政诉讼情况", [
      "行政复议 | 行政复议 | 行政复议 | 行政复议 | 行政复议 | 行政诉讼 | 行政诉讼 | 行政诉讼 | 行政诉讼 | 行政诉讼 | 行政诉讼 | 行政诉讼 | 行政诉讼 | 行政诉讼 | 行政诉讼",
      // 其他结果 read as a dash, the narrow columns' captions as letters.
      "on | + | oo | 结果维持 | 结果纠正 | — | 尚未审结 | 计 | 结果维持 | 结果纠正 | 其他结 | 尚未审结 | i",
      "1 | 0 | 0 | 0 | 1 | 2 | 0 | 0 | 0 | 2 | 0 | 0 | 0 | 0 | 0",
    ]);
    expect(cell(r, "appeals.review.upheld")?.value).toBe(1);
    expect(cell(r, "appeals.review.total")?.value).toBe(1);
    expect(cell(r, "appeals.litigation_direct.upheld")?.value).toBe(2);
    expect(cell(r, "appeals.litigation_after_review.total")?.value).toBe(0);
    expect(r.cells.filter((c) => c.key.startsWith("appeals") && c.status !== "number")).toEqual([]);
  });
});

describe("a Table 3 row label wrapped above its row", () => {
  it("places the row whose label's tail (开申请数量, ending like a local indicator's) is all its row holds", async () => {
    const { model } = await extract(Buffer.from(fullReport(), "utf8"));
    const at = model.blocks.findIndex(
      (b) => b.kind === "text" && b.text === "一、本年新收政府信息公开申请数量",
    );
    expect(at).toBeGreaterThan(0);
    const row = ["开申请数量", "5", "1", "0", "0", "0", "0", "6"].map((text, col) => ({
      ...ocrGridCell(text, col, 1),
      conf: undefined,
    }));
    model.blocks.splice(
      at,
      8,
      { kind: "text", text: "一、本年新收政府信息公", pos: model.blocks[at].pos },
      { kind: "table", rows: [row], spans: "known", pos: { page: 1 } },
    );
    const r = processModel(model, undefined).report;
    expect(cell(r, "applications.new_received.natural_person")?.value).toBe(5);
    expect(cell(r, "applications.new_received.total")?.value).toBe(6);
    expect(r.flags.filter((f) => f.code === "stray_values")).toEqual([]);
  });
});

describe("a Table 2 row printed with every cell empty", () => {
  const table2 = (otherRow: string) =>
    [
      "二、主动公开政府信息情况",
      "| 第二十条第(一)项 | |||",
      "| 信息内容 | 本年新制作数量 | 本年新公开数量 | 对外公开总数量 |",
      "| 规章 | 1 | 1 | 9 |",
      "| 规范性文件 | 4 | 4 | 30 |",
      "| 第二十条第(五)项 | |||",
      "| 信息内容 | 上一年项目数量 | 本年增/减 | 处理决定数量 |",
      "| 行政许可 | 12 | +1 | 120 |",
      otherRow,
      "| 第二十条第(六)项 | |||",
      "| 信息内容 | 上一年项目数量 | 本年增/减 | 处理决定数量 |",
      "| 行政处罚 | 8 | 0 | 35 |",
      "| 行政强制 | 2 | 0 | 7 |",
    ].join("\n");

  it("stores its cells blank where its label stands alone before the next block (a borderless table prints nothing)", async () => {
    const r = await run(report(2020, table2("| 其他对外管理服务事项 |"), TABLE4_ZEROS));
    for (const col of ["items_prev_year", "items_change", "decisions"])
      expect(cell(r, `active.art20_5.other_external_services.${col}`)).toMatchObject({
        status: "blank",
        value: null,
      });
    expect(r.flags.find((f) => f.code === "empty_row")?.keys).toEqual([
      "active.art20_5.other_external_services",
    ]);
    expect(cell(r, "active.art20_6.penalty.decisions")?.value).toBe(35);
    expect(cell(r, "active.art20_5.licensing.decisions")?.value).toBe(120);
  });

  it("takes no line of prose that starts like a row's label for one", async () => {
    const r = await run(report(2020, table2("| 其他对外管理服务事项均按规定公开。 |"), TABLE4_ZEROS));
    expect(cell(r, "active.art20_5.other_external_services.decisions")).toBeUndefined();
  });
});

describe("Table 4 under a heading a scan misread", () => {
  const values = "1 | 0 | 1 | 0 | 2 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0";

  it("reads its row of fifteen values, past header rows misread into marks and words", async () => {
    const r = await withOcrTable4("四、政府音乱公开行政昔议、行政诉讼必Ot", [
      "4 iP | 了政诉讼 | 了政诉讼",
      "o | >4 | 1� | x | 他结 | 其结果 | 5 | 果 | 9",
      values,
    ]);
    expect(cell(r, "appeals.review.upheld")?.value).toBe(1);
    expect(cell(r, "appeals.review.total")?.value).toBe(2);
    expect(cell(r, "appeals.litigation_after_review.total")?.value).toBe(0);
    expect(r.cells.filter((c) => c.key.startsWith("appeals") && c.status !== "number")).toEqual([]);
  });

  it("takes a row of fifteen values after Table 3 for Table 4 where the heading is lost", async () => {
    const r = await withOcrTable4("图 正 ist", [values]);
    expect(cell(r, "appeals.review.total")?.value).toBe(2);
    expect(r.cells.filter((c) => c.key.startsWith("appeals"))).toHaveLength(15);
  });
});

describe("a Table 3 row broken by a page", () => {
  it("takes the rest of its label, heading a row of empty cells on the next page, for the label's", async () => {
    const { model } = await extract(Buffer.from(fullReport(), "utf8"));
    const label = "5.要求行政机关确认或重新出具已获取信息";
    const at = model.blocks.findIndex((b) => b.kind === "text" && b.text === label);
    expect(at).toBeGreaterThan(0);
    const row = (cells: string[], r: number) =>
      cells.map((text, col) => ({ ...ocrGridCell(text, col, 1), conf: undefined, originRow: r }));
    model.blocks.splice(
      at,
      8,
      {
        kind: "table",
        rows: [row(["5.要求行政机关确认或", "1", "0", "0", "0", "0", "0", "1"], 0)],
        spans: "known",
        pos: { page: 1 },
      },
      {
        kind: "table",
        rows: [row(["重新出具已获取信息", "", "", "", "", "", "", ""], 0)],
        spans: "known",
        pos: { page: 2 },
      },
    );
    const r = processModel(model, undefined).report;
    const key = "applications.result.not_processed.confirm_or_reissue";
    expect(cell(r, `${key}.natural_person`)?.value).toBe(1);
    expect(cell(r, `${key}.total`)?.value).toBe(1);
    expect(r.flags.filter((f) => f.code === "stray_values")).toEqual([]);
  });
});

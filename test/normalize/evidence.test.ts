// Issue 15 end to end: explicit blanks, traditional script, unfilled templates, pre-2019 附表 reports,
// issuer metadata, and the decision whether a document is a report at all.
import { describe, expect, it } from "vitest";
import { DocumentError } from "../../src/extractors/errors.js";
import { processDocument } from "../../src/import/pipeline.js";
import { extractMeta } from "../../src/normalize/metadata.js";
import type { Report } from "../../src/normalize/schema.js";
import { fullReport, report, TABLE2_GOP2021, table3Paragraphs, table3Values } from "./fixtures.js";

async function run(text: string): Promise<Report> {
  return (await processDocument(Buffer.from(text, "utf8"))).report;
}
async function refusal(text: string): Promise<string> {
  try {
    await processDocument(Buffer.from(text, "utf8"));
  } catch (e) {
    if (e instanceof DocumentError) return `${e.code}: ${e.message}`;
    throw e;
  }
  return "accepted";
}
const value = (r: Report, key: string) => {
  const c = r.cells.find((x) => x.key === key);
  return c?.status === "number" ? c.value : c?.status;
};
const codes = (r: Report) => r.flags.map((f) => f.code);

/** A GOP2021 Table 3 with blank applicant cells, as [label, 7 cells] rows ("" = blank). */
const T3_ROWS_WITH_BLANKS: [string, string[]][] = [
  ["一、本年新收政府信息公开申请数量", ["5", "", "1", "", "", "", "6"]],
  ["二、上年结转政府信息公开申请数量", ["", "", "", "", "", "", "0"]],
];

/** A paragraph-per-cell page; `blank` is what an empty cell's paragraph holds, null for no paragraph. */
function paragraphPage(blank: string | null): string {
  const cells = (vals: string[]) =>
    vals.map((v) => (v !== "" ? `<p>${v}</p>` : blank === null ? "" : `<p>${blank}</p>`)).join("");
  const rows = T3_ROWS_WITH_BLANKS.map(([label, vals]) => `<p>${label}</p>${cells(vals)}`).join("\n");
  return `<html><body><h1>青溪区测试局2022年政府信息公开工作年度报告</h1>
<p>本报告中所列数据统计期限自2022年1月1日起至2022年12月31日止。</p>
<p>三、收到和处理政府信息公开申请情况</p><p>（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</p>
<p>申请人情况</p><p>自然人</p><p>法人或其他组织</p><p>总计</p><p>商业企业</p><p>科研机构</p><p>社会公益组织</p><p>法律服务机构</p><p>其他</p>
${rows}
<p>五、存在的主要问题及改进情况</p></body></html>`;
}

describe("explicit blanks are cells", () => {
  it("reads <p>&nbsp;</p> paragraphs as blank cells in place, without realignment", async () => {
    const r = await run(paragraphPage("&nbsp;"));
    expect(value(r, "applications.new_received.natural_person")).toBe(5);
    expect(value(r, "applications.new_received.commercial_enterprise")).toBe("blank");
    expect(value(r, "applications.new_received.research_institution")).toBe(1);
    expect(value(r, "applications.new_received.total")).toBe(6);
    expect(value(r, "applications.carried_over.natural_person")).toBe("blank");
    expect(value(r, "applications.carried_over.total")).toBe(0);
    expect(codes(r)).not.toContain("ambiguous_alignment");
  });
  it("reads empty <p></p> paragraphs among the cells as blank cells too", async () => {
    const r = await run(paragraphPage(""));
    expect(value(r, "applications.new_received.commercial_enterprise")).toBe("blank");
    expect(value(r, "applications.new_received.research_institution")).toBe(1);
    expect(value(r, "applications.carried_over.natural_person")).toBe("blank");
    expect(codes(r)).not.toContain("ambiguous_alignment");
  });
  it("still flags a row whose blanks the source dropped (no cell boundary printed)", async () => {
    const r = await run(paragraphPage(null));
    expect(codes(r)).toContain("ambiguous_alignment");
  });
  it("reads NBSP-only lines and literal &nbsp; of a text copy as blank cells", async () => {
    const lines = T3_ROWS_WITH_BLANKS.flatMap(([label, vals]) => [
      label,
      ...vals.map((v, i) => (v !== "" ? v : i % 2 ? "&nbsp;" : "\u00a0\u00a0")),
    ]);
    const r = await run(
      report(
        2022,
        "三、收到和处理政府信息公开申请情况",
        "(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)",
        ...lines,
        "五、存在的主要问题及改进情况",
      ),
    );
    expect(value(r, "applications.new_received.commercial_enterprise")).toBe("blank");
    expect(value(r, "applications.new_received.research_institution")).toBe(1);
    expect(value(r, "applications.carried_over.total")).toBe(0);
    expect(codes(r)).not.toContain("ambiguous_alignment");
  });
  it("matches a correctly labelled 3.其他 without row_label_inferred", async () => {
    const r = await run(fullReport());
    expect(value(r, "applications.result.other.other.total")).toBe(0);
    expect(codes(r)).not.toContain("row_label_inferred");
  });
});

describe("traditional-script republications", () => {
  it("keep Table 2 and the version; the stored prose keeps the printed script", async () => {
    const doc = [
      "青溪區測試局2022年政府信息公開工作年度報告",
      "本報告中所列數據統計期限自2022年1月1日起至2022年12月31日止。",
      "二、主動公開政府信息情況",
      "| 第二十條第(一)項 | |||",
      "| 信息內容 | 本年制發件數 | 本年廢止件數 | 現行有效件數 |",
      "| 規章 | 0 | 0 | 0 |",
      "| 行政規范性文件 | 4 | 1 | 30 |",
    ].join("\n");
    const r = await run(doc);
    expect(r.formatVersion).toBe("GOP2021");
    expect(value(r, "active.art20_1.normative_docs.in_force")).toBe(30);
    expect(r.meta.reportYear).toBe(2022);
    expect(codes(r)).toContain("traditional_script");
    expect(r.prose).toContain("主動公開政府信息情況");
    expect(r.meta.titleRaw).toBe("青溪區測試局2022年政府信息公開工作年度報告");
    expect(r.meta.issuerName).toBe("青溪区测试局");
  });
});

describe("unfilled templates and header-only excerpts", () => {
  const emptyT2 = TABLE2_GOP2021.replace(/\| (?:\d+(?:\.\d+)?|-) (?=\|)/g, "|   ");
  it("gives an all-blank template its version and an empty_template flag", async () => {
    const r = await run(report(2022, emptyT2));
    expect(r.formatVersion).toBe("GOP2021");
    expect(r.cells.length).toBeGreaterThan(0);
    expect(r.cells.every((c) => c.status === "blank")).toBe(true);
    expect(codes(r)).toContain("empty_template");
    expect(codes(r)).not.toContain("no_standard_tables");
  });
  it("reads the version of an unfilled template printed with its labels only", async () => {
    const labelsOnly = table3Paragraphs(
      new Map([...table3Values("GOP2021").keys()].map((k) => [k, ["", "", "", "", "", "", ""]])),
    );
    const r = await run(report(2022, "二、主动公开政府信息情况", "信息内容", "本年制发件数", labelsOnly));
    expect(r.formatVersion).toBe("GOP2021");
    expect(codes(r)).toContain("empty_template");
  });
  it("gives an excerpt that ends after the Table 2 header the version its header names", async () => {
    const v21 = await run(
      "东坡区人民政府2021年政府信息公开工作年度报告\n二、主动公开政府信息情况\n| 第二十条第（一）项 |\n| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |\n",
    );
    expect(v21.formatVersion).toBe("GOP2021");
    expect(codes(v21)).toContain("header_only");
    const v19 = await run(
      "东坡区人民政府2020年政府信息公开工作年度报告\n二、主动公开政府信息情况\n第二十条第（一）项\n信息内容\n本年新制作数量\n本年新公开数量\n对外公开总数量\n",
    );
    expect(v19.formatVersion).toBe("GOP2019");
  });
});

describe("reports before the 2019 template", () => {
  const fubiao = (year: number) =>
    [
      `青溪区人民政府${year}年政府信息公开工作年度报告`,
      "一、概述",
      "七、需要说明的事项与附表",
      "| 统计指标 | 单位 | 统计数 |",
      "| 一、主动公开情况 | — | — |",
      "| (一)主动公开政府信息数 | 条 | 3460 |",
      "| 其中:主动公开规范性文件数 | 条 | 45 |",
      "| 三、依申请公开情况 | — | — |",
      "| (一)收到申请数 | 件 | 12 |",
      "| 2.同意部分公开答复数 | 件 | 2 |",
      "| 四、行政复议数量 | 件 | 85376 |",
      "| (一)维持具体行政行为数 | 件 | 1 |",
      "| 五、行政诉讼数量 | 件 | 0 |",
    ].join("\n");
  it("maps nothing from a local 附表 and stays PRE2019", async () => {
    const r = await run(fubiao(2011));
    expect(r.formatVersion).toBe("PRE2019");
    expect(r.cells).toHaveLength(0);
    expect(codes(r)).toContain("tables_not_template");
  });
  it("gives an undated 附表 report no template version", async () => {
    const r = await run(fubiao(2016).replace("2016年", ""));
    expect(r.formatVersion).not.toMatch(/GOP/);
    expect(r.cells.filter((c) => c.value === 3460 || c.value === 85376)).toHaveLength(0);
  });
  it("never places a labelled local indicator row into Table 4 of a later report", async () => {
    const r = await run(
      report(
        2020,
        "四、政府信息公开行政复议、行政诉讼情况",
        "主动公开文件数 3460",
        "行政复议 | 行政诉讼 |",
        "结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 未经复议直接起诉 | 复议后起诉 |",
        "1 | 0 | 0 | 0 | 1 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |",
      ),
    );
    expect(value(r, "appeals.review.upheld")).toBe(1);
    expect(r.cells.some((c) => c.value === 3460)).toBe(false);
    expect(codes(r)).toContain("unrecognized_row");
  });
});

describe("issuer metadata", () => {
  it("reads the issuer from a garbled or split title", () => {
    expect(extractMeta(["昌图县七家子镇2023年政府信息公开 工作告年度报"]).issuerName).toBe("昌图县七家子镇");
    expect(extractMeta(["昌图县七家子镇2023年政府信息公开", "工作告年度报"]).issuerName).toBe(
      "昌图县七家子镇",
    );
  });
  it("types functional zones as such, and a 新区 with a people's government as a government", () => {
    for (const t of [
      "平潭综合实验区管理委员会2022年政府信息公开工作年度报告",
      "西咸新区管委会2021年政府信息公开工作年度报告",
      "江宁经济技术开发区2021年政府信息公开工作年度报告",
    ])
      expect(extractMeta([t]).issuerType).toBe("functional_zone");
    expect(
      extractMeta(["平潭综合实验区2022年政府信息公开工作年度报告", "平潭综合实验区管理委员会认真贯彻……"]),
    ).toMatchObject({ issuerName: "平潭综合实验区管理委员会", issuerType: "functional_zone" });
    expect(extractMeta(["上海市浦东新区人民政府2021年政府信息公开工作年度报告"])).toMatchObject({
      issuerType: "people_government",
      adminLevel: "county",
    });
  });
  it("never takes a notice's verb for an issuer", () => {
    expect(extractMeta(["关于做好2023年度政府信息公开工作年度报告编制和发布工作的通知"]).issuerName).toBe(
      null,
    );
  });
});

describe("is this a report?", () => {
  it.each([
    [
      "a notice",
      "<html><head><title>关于做好2023年度政府信息公开工作年度报告工作的通知_青山市人民政府</title></head><body><h1>关于做好2023年度政府信息公开工作年度报告工作的通知</h1><p>一、报告内容包括总体情况、主动公开政府信息情况等。</p><p>二、统计期限为2023年1月1日至2023年12月31日。</p></body></html>",
      /通知/,
    ],
    [
      "a guide",
      "<html><body><h1>青山市交通运输局政府信息公开指南</h1><p>一、主动公开</p><p>二、依申请公开</p></body></html>",
      /指南/,
    ],
    [
      "a rule-of-law report",
      "<html><body><h1>青山市2022年法治政府建设年度报告</h1><p>一、主要举措和成效</p><p>全年主动公开政府信息12000余条。</p></body></html>",
      /法治政府建设/,
    ],
    [
      "an explainer",
      "<html><body><h1>文字解读：青山市2022年政府信息公开工作年度报告</h1><p>报告显示，全年主动公开政府信息12000条。</p></body></html>",
      /解读/,
    ],
    [
      "a list of reports",
      `<html><body><ul>${[2023, 2022, 2021]
        .map((y) => `<li><a href="/${y}.html">青山市人民政府${y}年政府信息公开工作年度报告</a></li>`)
        .join("")}</ul></body></html>`,
      /list of 3 reports/,
    ],
    [
      "tab-separated data",
      [
        "id\ttitle\tcontent",
        ...[1, 2, 3, 4, 5].map(
          (i) => `${i}\t青山市第${i}局2023年政府信息公开工作年度报告\t<p>主动公开政府信息${i}00条。</p>`,
        ),
      ].join("\n"),
      /tab-separated/,
    ],
    [
      "a text without report evidence",
      "会议纪要\n一、会议议题\n讨论下一年度工作安排。",
      /no report evidence/,
    ],
  ])("refuses %s with not_a_report and the reason", async (_what, doc, reason) => {
    const msg = await refusal(doc);
    expect(msg).toMatch(/^not_a_report: /);
    expect(msg).toMatch(reason);
  });
  it("accepts reports on their evidence: tables, 统计期限, headings or title", async () => {
    expect(await refusal(report(2022, TABLE2_GOP2021))).toBe("accepted");
    expect(await refusal("本年度报告中所列数据统计期限自2020年1月1日起至2020年12月31日止。")).toBe(
      "accepted",
    );
    expect(
      await refusal(
        "一、总体情况\n全年依法公开。\n二、主动公开政府信息情况\n……\n五、存在的主要问题及改进情况",
      ),
    ).toBe("accepted");
    expect(await refusal("某县人民政府2016年政府信息公开工作年度报告\n全县主动公开政府信息1200条。")).toBe(
      "accepted",
    );
  });
});

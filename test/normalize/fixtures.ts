// Builds small report texts in the template layouts, for reconstruction tests.
import { T3_COLUMNS, T3_ROWS, t3Sequence } from "../../src/normalize/template.js";

export const T3_LABELS: Record<string, string> = {
  new_received: "一、本年新收政府信息公开申请数量",
  carried_over: "二、上年结转政府信息公开申请数量",
  "result.granted": "(一)予以公开",
  "result.partially_granted": "(二)部分公开(区分处理的,只计这一情形,不计其他情形)",
  "result.withheld.state_secret": "1.属于国家秘密",
  "result.withheld.prohibited_by_law": "2.其他法律行政法规禁止公开",
  "result.withheld.three_securities_one_stability": "3.危及“三安全一稳定”",
  "result.withheld.third_party_rights": "4.保护第三方合法权益",
  "result.withheld.internal_affairs": "5.属于三类内部事务信息",
  "result.withheld.process_info": "6.属于四类过程性信息",
  "result.withheld.enforcement_case_file": "7.属于行政执法案卷",
  "result.withheld.admin_query": "8.属于行政查询事项",
  "result.unable.not_held": "1.本机关不掌握相关政府信息",
  "result.unable.needs_creation": "2.没有现成信息需要另行制作",
  "result.unable.unclear_after_correction": "3.补正后申请内容仍不明确",
  "result.not_processed.petition_complaint": "1.信访举报投诉类申请",
  "result.not_processed.duplicate": "2.重复申请",
  "result.not_processed.publication": "3.要求提供公开出版物",
  "result.not_processed.excessive_repeat": "4.无正当理由大量反复申请",
  "result.not_processed.confirm_or_reissue": "5.要求行政机关确认或重新出具已获取信息",
  "result.other.total": "(六)其他处理",
  "result.other.no_correction_overdue": "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
  "result.other.fee_unpaid_overdue":
    "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
  "result.other.other": "3.其他",
  "result.total": "(七)总计",
  carried_forward: "四、结转下年度继续办理",
};

const GROUP_BEFORE: Record<string, string> = {
  "result.granted": "三、本年度办理结果",
  "result.withheld.state_secret": "(三)不予公开",
  "result.unable.not_held": "(四)无法提供",
  "result.not_processed.petition_complaint": "(五)不予处理",
  "result.other.no_correction_overdue": "(六)其他处理",
};

/** A consistent Table 3: every row 0 except a few, so R1/R2/R3 hold. */
export function table3Values(version: "GOP2019" | "GOP2021"): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const i of t3Sequence(version))
    rows.set(
      T3_ROWS[i].key!,
      T3_COLUMNS.map(() => "0"),
    );
  rows.set("new_received", ["5", "1", "0", "0", "0", "0", "6"]);
  rows.set("carried_over", ["1", "0", "0", "0", "0", "0", "1"]);
  rows.set("result.granted", ["3", "1", "0", "0", "0", "0", "4"]);
  rows.set("result.unable.not_held", ["2", "0", "0", "0", "0", "0", "2"]);
  rows.set("result.total", ["5", "1", "0", "0", "0", "0", "6"]);
  rows.set("carried_forward", ["1", "0", "0", "0", "0", "0", "1"]);
  return rows;
}

/** Table 3 in the one-cell-per-paragraph dialect (N): labels and values each on their own line. */
export function table3Paragraphs(
  rows: Map<string, string[]>,
  opts: { collapseOther?: boolean } = {},
): string {
  const out = [
    "三、收到和处理政府信息公开申请情况",
    "(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)",
    "申请人情况",
    "自然人",
    "法人或其他组织",
    "总计",
    "商业企业",
    "科研机构",
    "社会公益组织",
    "法律服务机构",
    "其他",
  ];
  for (const [key, values] of rows) {
    if (GROUP_BEFORE[key] && !(opts.collapseOther && key.startsWith("result.other")))
      out.push(GROUP_BEFORE[key]);
    out.push(T3_LABELS[key], ...values.filter((v) => v !== ""));
  }
  return out.join("\n\n");
}

export const TABLE4_ZEROS = [
  "四、政府信息公开行政复议、行政诉讼情况",
  "行政复议 | 行政诉讼 |",
  "结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 未经复议直接起诉 | 复议后起诉 |",
  "结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |",
  "1 | 0 | 0 | 0 | 1 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |",
  "五、存在的主要问题及改进情况",
].join("\n");

export const TABLE2_GOP2021 = [
  "二、主动公开政府信息情况",
  "| 第二十条第(一)项 | |||",
  "| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |",
  "| 规章 | 0 | 0 | 0 |",
  "| 行政规范性文件 | 4 | 1 | 30 |",
  "| 第二十条第(五)项 | |||",
  "| 信息内容 | 本年处理决定数量 | ||",
  "| 行政许可 | 120 | ||",
  "| 第二十条第(六)项 | |||",
  "| 信息内容 | 本年处理决定数量 | ||",
  "| 行政处罚 | 35 | ||",
  "| 行政强制 | - | ||",
  "| 第二十条第(八)项 | |||",
  "| 信息内容 | 本年收费金额(单位:万元) | ||",
  "| 行政事业性收费 | 12.3456 | ||",
].join("\n");

export function report(year: number, ...parts: string[]): string {
  return [
    `青溪区测试局${year}年政府信息公开工作年度报告`,
    `本报告中所列数据统计期限自${year}年1月1日起至${year}年12月31日止。`,
    "一、总体情况",
    "本局依法做好政府信息公开工作。",
    ...parts,
  ].join("\n");
}

/** A cell of a one-row table read by OCR (row 0 of table 0 on page 1), with the engine's confidence. */
export function ocrGridCell(text: string, col: number, conf: number) {
  return {
    text,
    origin: true,
    originRow: 0,
    originCol: col,
    colspan: 1,
    rowspan: 1,
    conf,
    pos: { page: 1, table: 0, row: 0, col },
  };
}

/** A complete GOP2021 report of 青溪区测试局 (Tables 2–4) for `year`. */
export function fullReport(year = 2022): string {
  return report(year, TABLE2_GOP2021, table3Paragraphs(table3Values("GOP2021")), TABLE4_ZEROS);
}

// The label variants of report-format.md §5 and §8.2, one by one, and traditional-script labels.
import { describe, expect, it } from "vitest";
import { matchT2Row, matchT3Rows, T3_ROWS, t2ColumnsFromHeader } from "../../src/normalize/template.js";
import { looksTraditional, toSimplified } from "../../src/normalize/text.js";

const t2 = (label: string) => {
  const r = matchT2Row(label);
  return r ? `${r.block}.${r.row}` : undefined;
};
/** The Table 3 row keys a label names (inside the result block). */
const t3 = (label: string) => matchT3Rows(label, 3).map((i) => T3_ROWS[i].key ?? `group:${T3_ROWS[i].label}`);

describe("Table 2 row label variants (§5.4, §8.2)", () => {
  it.each([
    ["规章", "art20_1.rules"],
    ["规章(设区的市、自治州人民政府应提供相关数据)", "art20_1.rules"],
    ["规范性文件", "art20_1.normative_docs"],
    ["行政规范性文件", "art20_1.normative_docs"],
    [
      "规范性文件(行政机关制定发布的决定、公告、通告、意见、通知,以及标题采用“规定”“办法”等字样的公文,一般情况下属于规范性文件)",
      "art20_1.normative_docs",
    ],
    [
      "其他对外管理服务事项(指行政许可证以外的政务服务事项,含行政确认、行政奖励、行政裁决、行政给付、行政处罚、行政强制、行政检查、行政征收和其他类,以及公共服务事项)",
      "art20_5.other_external_services",
    ],
    ["行政许可", "art20_5.licensing"],
    ["行政处罚", "art20_6.penalty"],
    ["行政强制", "art20_6.coercion"],
    ["行政事业性收费", "art20_8.admin_fees"],
    ["政府集中采购", "art20_9.central_procurement"],
  ])("%s → %s", (label, key) => {
    expect(t2(label)).toBe(key);
  });
  it("leaves the Hubei extension row 其他主动公开文件(…) out of the template", () => {
    expect(
      t2("其他主动公开文件(含以本单位或本单位办公室名义正式签发的、除规范性文件以外的主动公开文件)"),
    ).toBe(undefined);
  });
});

describe("Table 2 header variants (§5.3, §8.2)", () => {
  it.each([
    ["art20_1", "信息内容\n本年新\n制作数量\n本年新\n公开数量\n对外公开总数量", "GOP2019"],
    ["art20_1", "信息内容 | 本年新 | 本年新", "GOP2019"],
    ["art20_1", "信息内容 本年制发件数 本年废止件数 现行有效件数", "GOP2021"],
    ["art20_1", "本年新制发数量 废止数量 现行有效数量", "GOP2021"],
    ["art20_1", "本年制发件数 本年废止件数 现行有效件", "GOP2021"],
    [
      "art20_5",
      "信息内容 上一年项目数量(指2019年事项数) 本年增/减(指2020年较2019年增减数,减用负值表示,如-8) 处理决定数量(指2020年办件量)",
      "GOP2019",
    ],
    ["art20_6", "信息内容 本年处理决定数量", "GOP2021"],
    ["art20_8", "信息内容 本年收费金额(单位:万元)", "GOP2021"],
    ["art20_9", "信息内容 采购项目数量 采购总金额", "GOP2019"],
  ] as const)("%s header %s → %s", (block, header, version) => {
    expect(t2ColumnsFromHeader(block, header)?.version).toBe(version);
  });
  it("fixes the fee unit from the GOP2021 header and never maps a GOP2019 fee count to money", () => {
    expect(t2ColumnsFromHeader("art20_8", "本年收费金额(单位:万元)")).toMatchObject({
      columns: ["amount_yuan"],
      moneyUnit: "万元",
    });
    expect(t2ColumnsFromHeader("art20_8", "上一年项目数量 本年增/减")?.columns).toEqual([
      "items_prev_year",
      "items_change",
    ]);
  });
});

describe("Table 3 row label variants (§8.2)", () => {
  it.each([
    ["(三)\n不予公开", "group:不予公开"],
    ["（三）不 予公开", "group:不予公开"],
    ["2.其他法律行政法规禁\n止公开", "result.withheld.prohibited_by_law"],
    ["2.其他法律行政法规禁止公\n开", "result.withheld.prohibited_by_law"],
    ["法律行政法规禁止公开", "result.withheld.prohibited_by_law"],
    ["2.没有现成信息需要另\n行制作", "result.unable.needs_creation"],
    ["5.要求行政机关确认或重新\n出具已获取信息", "result.not_processed.confirm_or_reissue"],
    ['3.危及"三安全一稳定"', "result.withheld.three_securities_one_stability"],
    ["3.危及“三安全一稳定”", "result.withheld.three_securities_one_stability"],
    ["1.逾期不补正", "result.other.no_correction_overdue"],
    ["2.逾期不缴费", "result.other.fee_unpaid_overdue"],
    [
      "1.申请人无正当理由逾期不补正，行政机关不再处理其政府信息公开申请",
      "result.other.no_correction_overdue",
    ],
    ["3.其他", "result.other.other"],
    ["3、其他", "result.other.other"],
    ["（3）其他", "result.other.other"],
    ["3．其他", "result.other.other"],
    ["(七)总计", "result.total"],
    ["四、结转下年度继续办理", "carried_forward"],
  ])("%s → %s", (label, key) => {
    expect(t3(label)).toContain(key);
  });
  it("reads a bare 其他 or 总计 as a column header outside the result block", () => {
    expect(matchT3Rows("其他", -1)).toEqual([]);
    expect(matchT3Rows("总计", -1)).toEqual([]);
  });
});

describe("traditional script (§8.1)", () => {
  it("recognises a traditional-script text by its characters, not a simplified one", () => {
    expect(
      looksTraditional("規章 行政規範性文件 本年制發件數 本年廢止件數 現行有效件數 行政處罰 收費金額"),
    ).toBe(true);
    expect(
      looksTraditional("规章 行政规范性文件 本年制发件数 本年废止件数 现行有效件数 行政处罚 收费金额"),
    ).toBe(false);
  });
  it.each([
    ["規章", "art20_1.rules"],
    ["行政規范性文件", "art20_1.normative_docs"],
    ["行政規範性文件", "art20_1.normative_docs"],
    ["規範性檔案", "art20_1.normative_docs"],
    ["行政強制", "art20_6.coercion"],
    ["其他對外管理服務事項", "art20_5.other_external_services"],
    ["政府集中採購", "art20_9.central_procurement"],
  ])("%s matches after conversion", (label, key) => {
    expect(t2(toSimplified(label))).toBe(key);
  });
  it("keeps mainland vocabulary: 文件 stays 文件 (no Taiwan phrase table)", () => {
    expect(toSimplified("行政規範性文件")).toBe("行政规范性文件");
    expect(
      t2ColumnsFromHeader("art20_1", toSimplified("信息內容 本年制發件數 本年廢止件數 現行有效件數"))
        ?.version,
    ).toBe("GOP2021");
    expect(t3(toSimplified("1.申請人無正當理由逾期不補正、行政機關不再處理其政府信息公開申請"))).toContain(
      "result.other.no_correction_overdue",
    );
  });
});

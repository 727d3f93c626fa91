import { describe, expect, it } from "vitest";
import { extractMeta } from "../../src/normalize/metadata.js";

describe("report metadata", () => {
  it("takes the year from the statistics period over the title and the text", () => {
    const m = extractMeta([
      "某市交通运输局2021年政府信息公开工作年度报告",
      "本报告中所列数据的统计期限自2020年1月1日起至2020年12月31日止。",
      "2021年，我局……",
    ]);
    expect(m).toMatchObject({ reportYear: 2020, yearSource: "period" });
  });
  it("reads a title split over two lines and a period split by spaces", () => {
    const m = extractMeta([
      "2024 年上海市科委政府信息公开工作",
      "年度报告",
      "本年度报告中所列数据的统计周期",
      "为 2024 年 1 月 1 日至 12 月 31 日。",
    ]);
    expect(m).toMatchObject({ reportYear: 2024, issuerName: "上海市科委", adminLevel: "provincial" });
  });
  it("reads a scan's title whose halves a speck read as a character stands between", () => {
    const m = extractMeta([
      "首页 > 政务公开 > 政府信息公开年报",
      "临河经济技术开发区管理委员会2020年政府信息",
      "全",
      "公开工作年度报告",
    ]);
    expect(m).toMatchObject({ reportYear: 2020, issuerName: "临河经济技术开发区管理委员会" });
    // A longer line between is no speck: the halves are not joined across it.
    expect(extractMeta(["某县2020年政府信息", "全县政务公开", "公开工作年度报告"]).titleRaw).toBeNull();
  });
  it("never takes a portal's breadcrumb for the issuer", () => {
    const m = extractMeta([
      "首页 > 政务公开 > 政府信息公开年报",
      "临河市审计局2023年政吓信息公开工作年后:报告",
      "2023年，临河市审计局认真贯彻落实政务公开工作要求。",
    ]);
    expect(m.issuerName).toBe("临河市审计局");
    expect(extractMeta(["当前位置：首页 > 信息公开 > 政府信息公开年报"]).issuerName).toBeNull();
  });
  it("leaves out what a scan's menu beside the title was read as: no name holds Latin letters", () => {
    expect(extractMeta(["四 wane7 江宁市人民政府2019年政府信息公开工作年度报告"]).issuerName).toBe(
      "江宁市人民政府",
    );
    expect(extractMeta(["2019年 tk4 江宁市人民政府政府信息公开工作年度报告"]).issuerName).toBe(
      "江宁市人民政府",
    );
  });
  it("cleans markup and code around the issuer, and prefers the fuller name the document prints", () => {
    expect(
      extractMeta(['var title = "江宁市人民政府办公室2020年政府信息公开工作年度报告";']).issuerName,
    ).toBe("江宁市人民政府办公室");
    expect(
      extractMeta(["# 江宁市2022年政府信息公开工作年度报告", "江宁市人民政府认真贯彻……"]).issuerName,
    ).toBe("江宁市人民政府");
    expect(
      extractMeta(["2021年度漱石乡政府信息公开工作年度报告", "本报告由漱石乡人民政府党政综合办公室编制。"])
        .issuerName,
    ).toBe("漱石乡人民政府");
  });
  it("finds the issuer above a year-first title, in a title without a year, or in the signature", () => {
    expect(extractMeta(["岫川省交通运输厅", "2024 年政府信息公开工作年度报告"]).issuerName).toBe(
      "岫川省交通运输厅",
    );
    expect(extractMeta(["鹤汀镇人民政府政府信息公开工作年度报告"]).issuerName).toBe("鹤汀镇人民政府");
    expect(
      extractMeta(["某县人民政府2020年政府信息公开工作年度报告_政府信息公开年报_某县人民政府"]).issuerName,
    ).toBe("某县人民政府");
    const tail = extractMeta([
      "(五)不予处理 |",
      "2023年,街道工作取得成效。2024年,街道将继续。",
      "澄霁街道办事处",
      "2024年1月22日",
    ]);
    expect(tail).toMatchObject({ issuerName: "澄霁街道办事处", reportYear: 2023 });
    expect(extractMeta(["发布时间:2024-01-19", "全年工作……"]).reportYear).toBe(2023);
  });
  it("never takes a portal's breadcrumb for the issuer, and still finds the issuer the text names", () => {
    const m = extractMeta([
      "首页 > 政务公开 > 政府信息公开年报",
      "江宁市生太境局2020年政,。让息OAL报告",
      "2020年，江宁市生态环境局认真贯彻落实政务公开工作要求。",
    ]);
    expect(m.issuerName).toBe("江宁市生态环境局");
    expect(
      extractMeta(["当前位置：首页 > 信息公开 > 鹤汀镇人民政府政府信息公开工作年度报告"]).issuerName,
    ).toBe("鹤汀镇人民政府");
    expect(extractMeta(["首页 > 政务公开 > 政府信息公开年报"]).issuerName).toBeNull();
    // A portal's menu read onto the title's line.
    expect(
      extractMeta(["信息公开 2020年江宁市政府信息公开工作年度报告", "江宁市人民政府依照《条例》编制本报告。"])
        .issuerName,
    ).toBe("江宁市人民政府");
  });
  it("classifies issuer type and level from the name", () => {
    expect(extractMeta(["重庆市万盛经济技术开发区管理委员会2020年政府信息公开工作年度报告"])).toMatchObject({
      issuerType: "functional_zone",
      adminLevel: "county",
      scope: "ambiguous",
    });
    expect(extractMeta(["2019年上海市人民政府办公厅政府信息公开工作年度报告"])).toMatchObject({
      issuerType: "government_office",
      adminLevel: "provincial",
    });
    expect(extractMeta(["白沙镇人民政府2022年政府信息公开工作年度报告"])).toMatchObject({
      issuerType: "town_street",
      adminLevel: "township",
    });
  });
});

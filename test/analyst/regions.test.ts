// Region resolution on real issuer names: the name's place chain, the government site and the text.
import { describe, expect, it } from "vitest";
import { hostHints, resolveRegion } from "../../src/analyst/regions.js";

const r = (
  issuerName: string,
  adminLevel: string,
  more: Partial<Parameters<typeof resolveRegion>[0]> = {},
) => {
  const x = resolveRegion({ issuerName, adminLevel, ...more });
  const d = x.division;
  return {
    status: x.status,
    code: d?.code,
    town: d?.townCode,
    name: d?.name,
    level: d?.level,
    method: x.method,
    reason: x.reason,
  };
};

describe("resolveRegion", () => {
  it("reads the chain of place names at the start of the issuer name", () => {
    expect(r("南京市江宁区人民政府", "county")).toMatchObject({
      status: "resolved",
      code: "320115",
      level: "county",
    });
    expect(r("南京市江宁区交通运输局", "county")).toMatchObject({ status: "resolved", code: "320115" });
    expect(r("石家庄市教育局", "prefecture")).toMatchObject({
      status: "resolved",
      code: "130100",
      level: "prefecture",
    });
    expect(r("上海市科委", "provincial")).toMatchObject({
      status: "resolved",
      code: "310000",
      level: "province",
    });
    expect(r("上海市浦东新区人民政府", "county")).toMatchObject({ code: "310115" });
    // Short forms: 黔东南州 for 黔东南苗族侗族自治州; 南京 before a county.
    expect(r("黔东南州人民政府", "prefecture")).toMatchObject({ status: "resolved", code: "522600" });
    expect(r("南京江宁区人民政府", "county")).toMatchObject({ code: "320115" });
    expect(r("佳县人民政府", "county")).toMatchObject({ code: "610828" });
  });

  it("does not read a short form where the name says a different division (江宁市 is not 江宁区)", () => {
    expect(r("江宁市人民政府", "prefecture")).toMatchObject({
      status: "unresolved",
      code: undefined,
      reason: expect.stringMatching(/^江宁市 is not a division in the GB\/T 2260 data/),
    });
  });

  it("places a township under its county; settles ambiguous names by the text or the site, else explains", () => {
    expect(r("两城镇人民政府", "township")).toMatchObject({
      status: "resolved",
      code: "370826",
      town: "370826107",
      level: "township",
    });
    const xinhua = r("新华街道办事处", "township");
    expect(xinhua.status).toBe("unresolved");
    expect(xinhua.reason).toMatch(
      /^新华街道办事处 matches \d+ divisions \(.*\); neither the site nor the text tells which$/,
    );
    const byText = r("新华街道办事处", "township", { text: "本报告由沈阳市和平区新华街道办事处编制" });
    expect(byText).toMatchObject({ status: "resolved", code: "210102", method: "name+text" });
    const byHost = r("白沙镇人民政府", "township", {
      origins: ["http://www.zhongmu.gov.cn/zwgk/2021/1.html"],
    });
    expect(byHost).toMatchObject({ status: "resolved", code: "410122", method: "name+host" });
    // Mirror sites are not evidence.
    expect(r("白沙镇人民政府", "township", { origins: ["http://zhongmu.example.com/1.html"] }).status).toBe(
      "unresolved",
    );
  });

  it("takes the place from the government site when the name has none", () => {
    expect(
      r("区政府办公室", "county", { origins: ["https://www.jiangning.gov.cn/xxgk/a.html"] }),
    ).toMatchObject({
      status: "resolved",
      code: "320115",
      method: "host",
    });
    expect(r("审计局", "county").status).toBe("unresolved");
    // A sentence in place of the title, and the state's name, are no places (共和 is also 共和县).
    expect(
      r("区政府办公室", "county", {
        title:
          "根据《中华人民共和国政府信息公开条例》和政府信息公开工作的有关要求,现将我办2022年度政府信息公开情况报告如下:",
      }).status,
    ).toBe("unresolved");
    expect(hostHints(["http://www.sxjiaxian.gov.cn/x"]).divisions.size).toBeGreaterThan(0);
  });

  it("marks functional zones and missing places partial, with the parents it knows", () => {
    expect(
      r("重庆市万盛经济技术开发区管理委员会", "county", { issuerType: "functional_zone" }),
    ).toMatchObject({
      status: "partial",
      code: "500000",
      reason: expect.stringMatching(
        /functional zone \(万盛经济技术开发区\) is not a GB\/T 2260 division; placed in 重庆市/,
      ),
    });
    expect(r("南京市青溪区人民政府", "county")).toMatchObject({
      status: "partial",
      code: "320100",
      reason: expect.stringMatching(/^青溪区 is not a division under 南京市/),
    });
  });
});

// Labels holding unknown characters (U+FFFD from unmapped PDF glyphs) read by the one template label they fit.
import { describe, expect, it } from "vitest";
import { readPartialLabel } from "../../src/normalize/partial-labels.js";

const read = (s: string) => readPartialLabel(s)?.read;

describe("readPartialLabel", () => {
  it.each([
    ["行政许\ufffd", "行政许可"],
    ["规范性文\ufffd", "规范性文件"],
    ["二\ufffd\ufffd年结转政府信息公开申请数量", "二、上年结转政府信息公开申请数量"],
    ["\ufffd他对外管理服\ufffd事\ufffd", "其他对外管理服务事项"],
    ["第二十条第\ufffd一\ufffd项", "第二十条第一项"],
    ["\ufffd四\ufffd无法提供", "四、无法提供"],
    ["5.属于\ufffd类内部事\ufffd信息", "5.属于三类内部事务信息"],
    ["本\ufffd新制作数量", "本年新制作数量"],
  ])("%s → %s", (label, expected) => {
    expect(read(label)).toBe(expected);
  });

  it("reads nothing that more than one template label fits", () => {
    expect(read("行政\ufffd\ufffd")).toBeUndefined(); // 行政许可, 行政处罚, 行政强制, 行政复议, 行政诉讼
    expect(read("\ufffd\ufffd")).toBeUndefined();
  });

  it("needs half of the label printed, and leaves labels without unknown characters alone", () => {
    expect(read("\ufffd\ufffd\ufffd性收费")).toBeUndefined(); // 3 of 7 printed
    expect(read("行政事业性\ufffd\ufffd")).toBe("行政事业性收费");
    expect(read("行政许可")).toBeUndefined();
    expect(read("全年共收到申请\ufffd件")).toBeUndefined(); // prose fits no template label
  });

  it("keeps what was printed beside the reading", () => {
    expect(readPartialLabel("行政许\ufffd")).toEqual({ printed: "行政许\ufffd", read: "行政许可" });
  });
});

describe("readPartialLabel with a provincial annotation", () => {
  it("reads the label before the brackets and keeps the annotation as printed", () => {
    const printed =
      "\ufffd他对外管理服\ufffd事项(指行政许可证以外的政\ufffd服\ufffd事项,含行政确认\ufffd行政奖励)";
    expect(read(printed)).toBe(
      "其他对外管理服务事项(指行政许可证以外的政\ufffd服\ufffd事项,含行政确认\ufffd行政奖励)",
    );
    expect(read("规章(\ufffd区的市\ufffd自治州人民政府应提供相关数据)")).toBeUndefined(); // nothing unknown before it
  });
});

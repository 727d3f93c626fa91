// Laying out a borderless table read by OCR: a blank column found under a tight, half-misread header,
// and rows kept (with their doubted cells flagged) where OCR read a stray mark or letters into them.
import { describe, expect, it } from "vitest";
import type { Piece } from "../../src/extractors/pdf-geometry.js";
import { layoutPages } from "../../src/extractors/pdf-layout.js";
import type { TableBlock } from "../../src/model/document.js";

const SIZE = 10.5;

/** A word as the OCR step hands it on: its box in points and the engine's confidence. */
function word(
  text: string,
  x0: number,
  x1: number,
  top: number,
  conf = 0.95,
  words?: [number, number][],
): Piece {
  return {
    text,
    x0,
    x1,
    top,
    bottom: top + SIZE,
    base: top + 0.85 * SIZE,
    size: SIZE,
    vertical: false,
    conf,
    ...(words ? { words } : {}),
  };
}

/** Value columns of the applications table: 自然人, 商业企业 (blank in every row), 科研机构, … 总计. */
const COLS = [383, 434, 465, 504, 536, 559];

function row(top: number, label: Piece[], values: (string | Piece)[]): Piece[] {
  return [
    ...label,
    ...values.map((v, k) =>
      typeof v === "string" ? word(v, COLS[k] - 3 * v.length, COLS[k] + 3 * v.length, top) : v,
    ),
  ];
}

// The header as OCR returns it: the caption and the first labels run into one line, 商业 joined with
// 科研 into one run (the engine's two words kept), 社会公益组织 half misread.
const header = [
  word("（本列数据的勾稽关系为：第一项加第二项之和", 63, 350, 600),
  word("自然人", 372, 394, 600),
  word("社会公", 446, 472, 600),
  word("法律服", 484, 510, 600),
  word("总计", 550, 568, 600),
  word("商业科研", 401, 443, 615, 0.93, [
    [401, 419],
    [426, 443],
  ]),
  word("it", 449, 457, 615, 0.35),
  word("务", 492, 500, 615),
  word("其他", 526, 544, 615),
  word("企业机构组织", 402, 467, 630, 0.93, [
    [402, 419],
    [426, 443],
    [449, 467],
  ]),
  word("机构", 488, 505, 630),
];

/** The first row, read cleanly. */
const received = row(
  660,
  [word("一、本年新收政府信息公开申请数量", 63, 206, 660)],
  ["137", "70", "82", "105", "116", "510"],
);

function table(pieces: Piece[]): TableBlock {
  const blocks = layoutPages([{ page: 1, width: 595, height: 842, pieces, h: [], v: [] }]);
  const t = blocks.find((b): b is TableBlock => b.kind === "table");
  if (!t) throw new Error(`no table among ${blocks.map((b) => b.kind).join(", ")}`);
  return t;
}

describe("borderless tables read by OCR", () => {
  it("places a column left blank in every row under its stacked header label", () => {
    const t = table([
      ...header,
      ...received,
      ...row(680, [word("二、上年结转政府信息公开申请数量", 63, 206, 680)], ["1", "0", "0", "1", "0", "2"]),
    ]);
    expect(t.rows.map((r) => r.map((c) => c.text))).toEqual([
      ["一、本年新收政府信息公开申请数量", "137", "", "70", "82", "105", "116", "510"],
      ["二、上年结转政府信息公开申请数量", "1", "", "0", "0", "1", "0", "2"],
    ]);
  });

  it("keeps the blank column below a row OCR garbled, which splits the table a few lines down", () => {
    const blocks = layoutPages([
      {
        page: 1,
        width: 595,
        height: 842,
        pieces: [
          ...header,
          ...received,
          ...row(
            680,
            [word("（二）部分公开（区分处理的，只计这", 63, 206, 680)],
            ["4", "2", "0", "7", "0", "13"],
          ),
          word("一情形，不计其他情形）", 63, 160, 695),
          // 1.属于国家秘密 with its values half read as letters: a line of prose, not a row.
          word("1.属于国家秘密", 90, 160, 712),
          word("0 0 0 i 1 Be 17", 380, 562, 712, 0.3),
          ...row(730, [word("2.其他法律行政法规禁止公开", 90, 206, 730)], ["0", "0", "0", "24", "0", "24"]),
          ...row(748, [word("3.危及“三安全一稳定”", 90, 190, 748)], ["24", "9", "0", "0", "0", "33"]),
        ],
        h: [],
        v: [],
      },
    ]);
    const parts = blocks.filter((b): b is TableBlock => b.kind === "table");
    expect(parts).toHaveLength(2);
    expect(parts[1].rows.map((r) => r.map((c) => c.text))).toEqual([
      ["2.其他法律行政法规禁止公开", "0", "", "0", "0", "24", "0", "24"],
      ["3.危及“三安全一稳定”", "24", "", "9", "0", "0", "0", "33"],
    ]);
  });

  it("keeps a row whose ordinal was read as a stray digit, doubting the label it now starts", () => {
    const t = table([
      ...header,
      ...received,
      ...row(
        680,
        [word("3", 50, 54, 680, 0.4), word("上年结转政府信息公开申请数量", 63, 206, 680)],
        ["1", "0", "0", "1", "0", "2"],
      ),
    ]);
    expect(t.rows).toHaveLength(2);
    const [label, ...values] = t.rows[1];
    expect(label.text).toBe("3上年结转政府信息公开申请数量");
    expect(label.conf).toBeLessThanOrEqual(0.05);
    expect(values.map((c) => c.text)).toEqual(["1", "", "0", "0", "1", "0", "2"]);
  });

  it("keeps a value read as letters as a doubted cell of its column, not a line of prose", () => {
    const t = table([
      ...header,
      ...received,
      ...row(
        680,
        [word("(一)予以公开", 63, 130, 680)],
        ["0", "0", "17", word("iO", 500, 509, 680, 0.3), "22", "39"],
      ),
    ]);
    expect(t.rows).toHaveLength(2);
    const cells = t.rows[1];
    expect(cells.map((c) => c.text)).toEqual(["(一)予以公开", "0", "", "0", "17", "iO", "22", "39"]);
    expect(cells[5].conf).toBeLessThan(0.88);
  });

  it("leaves a text PDF as it was: letters among a row's values are printed there, so the table ends", () => {
    const printed = (p: Piece): Piece => {
      const { conf: _conf, ...rest } = p;
      return rest;
    };
    const t = table(
      [
        ...received,
        ...row(
          680,
          [word("(一)予以公开", 63, 130, 680)],
          ["0", "0", "17", word("iO", 500, 509, 680), "22", "39"],
        ),
      ].map(printed),
    );
    // The row with letters among its values is prose to a text PDF: the table ends before it.
    expect(t.rows).toHaveLength(1);
  });
});

// Laying out a borderless table read by OCR: a blank column found under a tight, half-misread header
// (also next to the row labels, also under a label misread as Latin letters; never under a wrapped row
// label's line), and rows kept (with their doubted cells flagged) where OCR read a
// stray mark or letters into them; a paragraph-per-cell page's empty lines counted from rough positions.
import { describe, expect, it } from "vitest";
import type { Piece } from "../../src/extractors/pdf-geometry.js";
import { layoutPages } from "../../src/extractors/pdf-layout.js";
import type { Block, TableBlock } from "../../src/model/document.js";

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

/** Rows over the given value columns: the label from x 63 to `labelEnd`, each value centred on its column. */
function rowsOn(cols: number[], labelEnd: number) {
  return (top: number, label: string, values: (string | Piece)[]) => [
    word(label, 63, labelEnd, top),
    ...values.map((v, k) =>
      typeof v === "string" ? word(v, cols[k] - 3 * v.length, cols[k] + 3 * v.length, top) : v,
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

/** The tables laid out from one A4 page of OCR pieces without rulings. */
function tables(pieces: Piece[]): TableBlock[] {
  const blocks = layoutPages([{ page: 1, width: 595, height: 842, pieces, h: [], v: [] }]);
  return blocks.filter((b): b is TableBlock => b.kind === "table");
}

function table(pieces: Piece[]): TableBlock {
  const t = tables(pieces)[0];
  if (!t) throw new Error("no table on the page");
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
    const parts = tables([
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
    ]);
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

  it("places a blank column next to the row labels under its header, read half as a number", () => {
    // 自然人 left blank in every row: its header, 自然 / 人 on two lines (自然 misread as a doubted 3),
    // stands between the labels and 商业企业, the first column with values.
    const line = rowsOn([434, 465, 504, 536, 559], 340);
    const t = table([
      word("（本列数据的勾稽关系为：第一项加第二项之和", 63, 340, 585),
      word("3", 390, 410, 585, 0.03),
      word("商业", 426, 443, 585),
      word("科研", 457, 474, 585),
      word("社会", 495, 512, 585),
      word("其他", 527, 545, 585),
      word("总", 553, 565, 585),
      word("人", 395, 405, 600, 0.5),
      word("企业", 426, 443, 600),
      word("机构", 457, 474, 600),
      word("组织", 495, 512, 600),
      word("计", 553, 565, 600),
      ...line(622, "一、本年新收政府信息公开申请数量", ["70", "82", "105", "116", "373"]),
      // 4 misread as letters right after a label: a doubted cell of 商业企业, not a part of the label.
      ...line(642, "二、上年结转政府信息公开申请数量", [word("qd", 430, 438, 642, 0.5), "0", "1", "0", "1"]),
    ]);
    expect(t.rows.map((r) => r.map((c) => c.text))).toEqual([
      ["一、本年新收政府信息公开申请数量", "", "70", "82", "105", "116", "373"],
      ["二、上年结转政府信息公开申请数量", "", "qd", "0", "1", "0", "1"],
    ]);
    expect(t.rows[1][2].conf).toBeLessThan(0.88);
  });

  it("places a blank column under a one-line header label standing midway between two columns", () => {
    // 其他 left blank: its header is one confident word on one line, midway between 法律服务机构 and 总计.
    const line = rowsOn([390, 420, 446, 474, 505, 560], 300);
    const t = table([
      word("自然", 380, 400, 600),
      word("商业", 411, 428, 600),
      word("科研", 437, 454, 600),
      word("社会", 464, 484, 600),
      word("法律服", 492, 518, 600),
      word("总计", 550, 568, 600),
      word("人", 385, 395, 612),
      word("企业", 411, 428, 612),
      word("机构", 437, 454, 612),
      word("组织", 464, 484, 612),
      word("其他", 524, 542, 612),
      ...line(640, "一、本年新收政府信息公开申请数量", ["87", "178", "44", "134", "93", "536"]),
      ...line(660, "二、上年结转政府信息公开申请数量", ["3", "3", "1", "0", "0", "7"]),
    ]);
    expect(t.rows.map((r) => r.map((c) => c.text))).toEqual([
      ["一、本年新收政府信息公开申请数量", "87", "178", "44", "134", "93", "", "536"],
      ["二、上年结转政府信息公开申请数量", "3", "3", "1", "0", "0", "", "7"],
    ]);
  });

  it("finds no blank column under a wide label's first character over narrow one-digit columns", () => {
    // Table 4's header over one-digit values 40 pt apart, read with its characters as the engine's
    // words: 其他结 starts well left of its column, in the gap to the column before, and a misread
    // character (z) stands under its first one; a doubted 7 in the header line.
    const xs = [56, 96, 136, 176, 206, 237, 277, 317, 357, 387, 419, 458, 498, 538, 569];
    const chars = (h: string, x0: number, top: number, conf = 0.93) =>
      word(
        h,
        x0,
        x0 + 9 * h.length,
        top,
        conf,
        [...h].map((_, i): [number, number] => [x0 + 9 * i, x0 + 9 * i + 8]),
      );
    const t = table([
      chars("结果维", 38, 600),
      chars("结果纠", 78, 600),
      chars("其他结", 118, 600),
      word("7", 158, 166, 600, 0.19),
      chars("尚未审", 158, 600),
      chars("总", 198, 600),
      word("持", 52, 60, 615),
      word("正", 92, 100, 615),
      word("z", 118, 126, 615, 0.46),
      word("结", 172, 180, 615),
      word("计", 202, 210, 615),
      ...xs.map((x, k) => word(String(k % 4), x - 2, x + 2, 640)),
    ]);
    expect(t.rows).toHaveLength(1);
    expect(t.rows[0].slice(1).map((c) => c.text)).toEqual(xs.map((_, k) => String(k % 4)));
  });

  it("keeps a table whole where a wrapped label's first line begins with a stray digit", () => {
    const parts = tables([
      ...header,
      ...received,
      word("9", 50, 58, 680, 0.2),
      word("(二)部分公开（区分处理的，只计这", 63, 206, 680),
      ...row(690, [], ["4", "2", "0", "7", "0", "13"]),
      word("一情形，不计其他情形）", 63, 160, 700),
      ...row(720, [word("1.属于国家秘密", 90, 160, 720)], ["0", "0", "0", "24", "0", "24"]),
    ]);
    expect(parts).toHaveLength(1);
    expect(parts[0].rows.map((r) => r.slice(1).map((c) => c.text))).toEqual([
      ["137", "", "70", "82", "105", "116", "510"],
      ["4", "", "2", "0", "7", "0", "13"],
      ["0", "", "0", "0", "24", "0", "24"],
    ]);
  });

  // 自然人 left blank, printed on one line over columns whose labels wrap every two characters (so a
  // little wider than their spacing) and read as AMA; 科研机构 left blank, its header read on one line
  // only, as WU, midway between 商业企业 and 社会公益组织 two spacings apart. Both are misread short
  // labels: no header prints Latin.
  it.each([
    {
      blank: "自然人, next to the row labels",
      cols: [399, 429, 461, 497, 530, 560],
      head: [
        word("AMA", 348, 381, 600, 0.76),
        word("社会", 447, 470, 600),
        word("法律", 483, 507, 600),
        word("总计", 549, 571, 600),
        word("商业", 388, 411, 612),
        word("科研", 417, 440, 612),
        word("公益", 447, 469, 612, 0.4),
        word("服务", 483, 506, 612),
        word("其他", 519, 543, 612),
        word("企业", 388, 411, 624),
        word("机构", 417, 440, 624),
        word("组织", 447, 470, 624),
        word("机构", 483, 507, 624),
      ],
      at: 0,
    },
    {
      blank: "科研机构, between two columns",
      cols: [362, 398, 461, 496, 530, 559],
      head: [
        word("AAA", 347, 380, 600, 0.64),
        word("社会", 450, 470, 600),
        word("法律", 486, 506, 600),
        word("总计", 548, 570, 600),
        word("商业", 387, 409, 612),
        word("其他", 520, 540, 612),
        word("企业", 387, 409, 624, 0.74),
        word("WU", 416, 439, 624, 0.07),
        word("组织", 450, 470, 624),
        word("机构", 486, 506, 624),
      ],
      at: 2,
    },
  ])(
    "places a blank column ($blank) under a one-line header misread as Latin letters",
    ({ cols, head, at }) => {
      const line = rowsOn(cols, 330);
      const first = ["54", "122", "88", "138", "145", "547"];
      const second = ["1", "0", "0", "0", "0", "1"];
      const t = table([
        ...head,
        ...line(650, "一、本年新收政府信息公开申请数量", first),
        ...line(670, "二、上年结转政府信息公开申请数量", second),
      ]);
      const blankAt = (v: string[]) => [...v.slice(0, at), "", ...v.slice(at)];
      expect(t.rows.map((r) => r.slice(1).map((c) => c.text))).toEqual([blankAt(first), blankAt(second)]);
    },
  );

  it("places no column under a wrapped row label's last words above the lower part of a split table", () => {
    // The table splits at a row OCR garbled; the part below keeps the columns of the part above. The
    // line above it is the first line of a wrapped row label, whose last words (不计其, a little wider
    // than the column spacing) stand in the gap before the first column: no header, no blank column.
    const parts = tables([
      ...header,
      ...received,
      word("1.属于国家秘密", 90, 160, 680),
      word("0 0 0 i 1 Be 17", 380, 562, 680, 0.3),
      word("（三）不予公开（区分处理的，只计这一情形", 63, 300, 700),
      word("不计其", 326, 358, 700),
      ...row(712, [], ["4", "2", "0", "7", "0", "13"]),
      word("他情形）", 63, 110, 722),
      ...row(736, [word("2.其他法律行政法规禁止公开", 90, 206, 736)], ["0", "0", "0", "24", "0", "24"]),
    ]);
    expect(parts).toHaveLength(2);
    expect(parts[1].rows.map((r) => r.slice(1).map((c) => c.text))).toEqual([
      ["4", "", "2", "0", "7", "0", "13"],
      ["0", "", "0", "0", "24", "0", "24"],
    ]);
  });

  it("places no column under a row label's first line that runs on into the gap before the first column", () => {
    // The first row's label wraps with its first line above the values, so it is read with the header;
    // its last word (数量, after a comma the engine did not read) stands where a blank column's header
    // would, but runs on from the label's text.
    const t = table([
      ...header,
      word("一、本年新收政府信息公开申请（含转办）", 63, 318, 645),
      word("数量", 326, 345, 645),
      ...row(660, [word("合计", 63, 90, 660)], ["137", "70", "82", "105", "116", "510"]),
      ...row(680, [word("二、上年结转政府信息公开申请数量", 63, 206, 680)], ["1", "0", "0", "1", "0", "2"]),
    ]);
    expect(t.rows.map((r) => r.slice(1).map((c) => c.text))).toEqual([
      ["137", "", "70", "82", "105", "116", "510"],
      ["1", "", "0", "0", "1", "0", "2"],
    ]);
  });

  it("gives a doubted reading on Table 4's single row a column of its own", () => {
    const xs = [80, 115, 150, 185, 219, 250, 285, 320, 355, 389, 420, 455, 490, 525, 559];
    const t = table([
      ...["结果", "结果", "其他", "尚未", "总计"].map((h, k) => word(h, xs[k] - 10, xs[k] + 10, 600)),
      ...["维持", "纠正", "结果", "审结"].map((h, k) => word(h, xs[k] - 10, xs[k] + 10, 615)),
      ...xs.map((x, k) =>
        k === 4 ? word("‘4", x - 2, x + 2, 640, 0.4) : word(String(k % 3), x - 3, x + 3, 640),
      ),
    ]);
    expect(t.rows).toHaveLength(1);
    expect(t.rows[0]).toHaveLength(16);
    expect(t.rows[0][5].text).toBe("‘4");
    expect(t.rows[0][5].conf).toBeLessThan(0.88);
    expect(t.rows[0][4].text).toBe("0");
  });
});

/** A word read from a scan set at 12.6 pt (the scans' usual type size). */
function w(
  text: string,
  x0: number,
  x1: number,
  top: number,
  conf = 0.93,
  words?: [number, number][],
): Piece {
  return { ...word(text, x0, x1, top, conf, words), bottom: top + 12.6, base: top + 10.7, size: 12.6 };
}

/** Rows whose values print at the given extents (x0, x1), the label from x 44 to `labelEnd`. */
function rowsAt(spans: [number, number][], labelEnd: number) {
  return (top: number, label: string, values: string[]) => [
    w(label, 44, labelEnd, top),
    ...values.map((v, k) => w(v, spans[k][0], spans[k][1], top)),
  ];
}

/** A header label stacked one part a line (科 / 研 / 机 / 构), from line `top` down. */
function stacked(parts: string[], x0: number, x1: number, top: number): Piece[] {
  return parts.map((t, k) => w(t, x0, x1, top + 15 * k));
}

describe("ruled tables read by OCR", () => {
  it("cuts a cell whose inner rulings the scan lost into its columns, one value each, as sure as read", () => {
    // The header row's columns are ruled; in the row below, the rulings between the three values were
    // lost, so its value cells are one cell spanning the three columns.
    const xs = [60, 200, 280, 360, 440];
    const h = [100, 120, 140].map((y) => ({ y, x0: 60, x1: 440 }));
    const v = [
      ...xs.map((x) => ({ x, y0: 100, y1: 120 })),
      { x: 60, y0: 120, y1: 140 },
      { x: 200, y0: 120, y1: 140 },
      { x: 440, y0: 120, y1: 140 },
    ];
    const pieces = [
      word("信息内容", 70, 110, 104),
      word("本年新制作数量", 205, 275, 104),
      word("本年新公开数量", 285, 355, 104),
      word("对外公开总数量", 365, 435, 104),
      word("规章", 70, 90, 124),
      word("/", 238, 242, 124, 0.91),
      word("/", 318, 322, 124, 0.62),
      word("/", 398, 402, 124, 0.93),
    ];
    const [t] = layoutPages([{ page: 1, width: 595, height: 842, pieces, h, v }]).filter(
      (b): b is TableBlock => b.kind === "table",
    );
    const row = t.rows[1].filter((c) => c.origin);
    expect(row.map((c) => c.text)).toEqual(["规章", "/", "/", "/"]);
    expect(row.slice(1).map((c) => c.conf)).toEqual([0.91, 0.62, 0.93]);
  });
});

describe("blank columns of borderless scans, found under their header labels", () => {
  it("places a blank column whose header stands nearer a wide neighbour than one em, the header set off the values", () => {
    // 科研机构 blank in every row. The scan sets the whole header about 5.5 pt left of the values, so
    // 科 stands 11.5 pt from the right edge of the three-digit 商业企业 column; measured from the values'
    // middles, once that offset is taken off, it stands a column spacing from both neighbours.
    const line = rowsAt(
      [
        [382, 397],
        [407, 429],
        [462, 484],
        [501, 523],
        [534, 556],
        [561, 584],
      ],
      362,
    );
    const t = table([
      w("自然", 379, 401, 585),
      w("法人或其他组织", 440, 523, 585),
      w("总", 561, 572, 585),
      ...stacked(["人"], 378, 389, 600),
      ...stacked(["商", "业", "企", "业"], 407, 418, 600),
      ...stacked(["科", "研", "机", "构"], 435, 446, 600),
      ...stacked(["社会", "公益", "组织"], 456, 479, 600),
      ...stacked(["法律", "服务", "机构"], 495, 518, 600),
      ...stacked(["其", "他"], 533, 544, 600),
      w("计", 561, 572, 600),
      ...line(670, "一、本年新收政府信息公开申请数量", ["13", "157", "141", "186", "123", "620"]),
      ...line(690, "二、上年结转政府信息公开申请数量", ["0", "3", "2", "0", "3", "8"]),
    ]);
    expect(t.rows.map((r) => r.slice(1).map((c) => c.text))).toEqual([
      ["13", "157", "", "141", "186", "123", "620"],
      ["0", "3", "", "2", "0", "3", "8"],
    ]);
  });

  it("places two blank columns side by side, one under each header label in the wide gap", () => {
    // 商业企业 and 科研机构 both blank: the gap between 自然人 and 社会公益组织 is three spacings wide.
    const line = rowsAt(
      [
        [383, 404],
        [464, 478],
        [497, 518],
        [530, 551],
        [558, 579],
      ],
      371,
    );
    const t = table([
      w("自然", 381, 402, 585),
      w("法人或其他组织", 441, 524, 585),
      w("总", 557, 568, 585),
      w("人", 386, 397, 600),
      ...stacked(["商", "业", "企", "业"], 413, 423, 600),
      ...stacked(["科", "研", "机", "构"], 434, 446, 600),
      ...stacked(["社会", "公益", "组织"], 456, 479, 600),
      ...stacked(["法律", "服务", "机构"], 491, 514, 600),
      ...stacked(["其", "他"], 530, 540, 600),
      w("计", 557, 568, 600),
      ...line(670, "一、本年新收政府信息公开申请数量", ["112", "70", "116", "143", "441"]),
      ...line(690, "二、上年结转政府信息公开申请数量", ["0", "3", "0", "0", "3"]),
    ]);
    expect(t.rows.map((r) => r.slice(1).map((c) => c.text))).toEqual([
      ["112", "", "", "70", "116", "143", "441"],
      ["0", "", "", "3", "0", "0", "3"],
    ]);
  });

  it("places one blank column under a label the engine cut in two, in a gap two and a half narrow spacings wide", () => {
    // 法律服务机构 blank (GOP2019); the columns before it are narrow, so the gap to 其他 is 2.5 of the
    // narrowest spacings, and OCR cut 法律 and 服务 into single characters, one em either side of the middle.
    const line = rowsAt(
      [
        [346, 365],
        [384, 398],
        [417, 424],
        [445, 466],
        [522, 536],
        [548, 570],
      ],
      257,
    );
    const t = table([
      w("自然人", 339, 374, 585, 0.74),
      w("社会", 438, 461, 585),
      w("法", 478, 489, 585),
      w("律", 490, 501, 585),
      w("总计", 547, 570, 585),
      w("商业", 379, 402, 600),
      w("科研", 409, 432, 600),
      w("公益", 438, 461, 600),
      w("服", 478, 489, 600),
      w("务", 490, 501, 600),
      w("其他", 518, 541, 600),
      w("企业", 379, 402, 615),
      w("机构", 412, 432, 615),
      w("组织", 438, 462, 615),
      w("机构", 478, 501, 615),
      ...line(650, "一、本年新收政府信息公开申请数量", ["137", "45", "7", "197", "51", "437"]),
      ...line(670, "二、上年结转政府信息公开申请数量", ["0", "0", "0", "0", "0", "0"]),
    ]);
    expect(t.rows.map((r) => r.slice(1).map((c) => c.text))).toEqual([
      ["137", "45", "7", "197", "", "51", "437"],
      ["0", "0", "0", "0", "", "0", "0"],
    ]);
  });

  it("places no blank column under a label set left of its values when all seven applicants' columns are printed", () => {
    // Every column printed, the values set right in their cells: 法律服务 / 机构 stands half a column
    // left of its own values, in a gap wider than the others (a lone label midway there would be a
    // blank column's). Table 3 has seven columns, and seven are printed: it is 法律服务机构's own label.
    const line = rowsAt(
      [
        [294, 304],
        [354, 360],
        [387, 393],
        [421, 427],
        [476, 482],
        [509, 515],
        [536, 548],
      ],
      250,
    );
    const t = table([
      w("社会", 411, 427, 585),
      w("自然人", 280, 318, 600),
      w("科研", 378, 394, 600),
      w("法律服务", 438, 487, 600, 0.93, [
        [438, 454],
        [456, 472],
        [473, 487],
      ]),
      w("总计", 533, 549, 600),
      w("商业企业", 322, 364, 615),
      w("公益", 411, 427, 615),
      w("其他", 500, 516, 615),
      w("机构", 378, 394, 630),
      w("机构", 444, 460, 630),
      w("组织", 411, 427, 645),
      ...line(670, "一、本年新收政府信息公开申请数量", ["18", "0", "0", "0", "2", "0", "20"]),
      ...line(690, "二、上年结转政府信息公开申请数量", ["0", "0", "0", "0", "0", "0", "0"]),
    ]);
    expect(t.rows.map((r) => r.slice(1).map((c) => c.text))).toEqual([
      ["18", "0", "0", "0", "2", "0", "20"],
      ["0", "0", "0", "0", "0", "0", "0"],
    ]);
  });

  it("places two blank columns next to the row labels, passing over a stray piece of a label", () => {
    // 自然人 and 商业企业 blank (an office suite's print): 自然人 on one line, its last character also
    // read as a word of its own; 商业 read alone, 企业 run into 机构 on the line below.
    const line = rowsAt(
      [
        [410, 431],
        [447, 461],
        [484, 505],
        [522, 536],
        [547, 568],
      ],
      324,
    );
    const t = table([
      w("等于第三项加第四项之和）", 66, 202, 585),
      w("自然人", 338, 373, 585, 0.94, [
        [338, 372],
        [367, 373],
      ]),
      w("社会", 438, 460, 585),
      w("法律", 477, 501, 585),
      w("总计", 546, 569, 585),
      w("商业", 379, 402, 600),
      w("科研", 411, 431, 600),
      w("服务", 477, 500, 615),
      w("其他", 517, 540, 615),
      w("企业机构", 379, 431, 630, 0.93, [
        [379, 431],
        [412, 422],
        [422, 431],
      ]),
      w("组织", 437, 460, 630),
      w("机构", 477, 500, 630),
      ...line(670, "一、本年新收政府信息公开申请数量", ["123", "21", "145", "7", "296"]),
      ...line(690, "二、上年结转政府信息公开申请数量", ["0", "0", "2", "0", "2"]),
    ]);
    expect(t.rows.map((r) => r.slice(1).map((c) => c.text))).toEqual([
      ["", "", "123", "21", "145", "7", "296"],
      ["", "", "0", "0", "2", "0", "2"],
    ]);
  });

  it("places two blank columns side by side under a caption read a character or two at a time", () => {
    // 社会公益组织 and 法律服务机构 blank (an office suite's print of GOP2019): the caption
    // 法人或其他组织 above them comes back as seven words about a character apart, which join the two
    // labels' words into one run unless only stacked words are clustered into columns.
    const line = rowsAt(
      [
        [353, 367],
        [387, 405],
        [416, 434],
        [520, 534],
        [548, 566],
      ],
      326,
    );
    const t = table([
      w("法人或其他组织", 420, 503, 574, 0.9, [
        [420, 431],
        [437, 443],
        [448, 463],
        [462, 473],
        [473, 479],
        [484, 491],
        [496, 503],
      ]),
      w("自然人", 344, 376, 607),
      w("社会", 443, 466, 607),
      w("法律", 479, 502, 607),
      w("总计", 545, 568, 607),
      w("商业", 385, 406, 619),
      w("科研", 415, 437, 619),
      w("公益", 441, 466, 628, 0.9, [
        [441, 453],
        [454, 466],
      ]),
      w("服务", 479, 502, 628),
      w("其他", 516, 539, 628),
      w("企业机构", 384, 438, 643, 0.9, [
        [384, 436],
        [418, 429],
        [428, 438],
      ]),
      w("组织", 443, 466, 643),
      w("机构", 479, 502, 643),
      ...line(680, "一、本年新收政府信息公开申请数量", ["38", "132", "121", "58", "349"]),
      ...line(700, "二、上年结转政府信息公开申请数量", ["0", "0", "0", "0", "0"]),
    ]);
    expect(t.rows.map((r) => r.slice(1).map((c) => c.text))).toEqual([
      ["38", "132", "121", "", "", "58", "349"],
      ["0", "0", "0", "", "", "0", "0"],
    ]);
  });

  it("places a blank column under a lone label midway in a two-column gap, though most gaps are double", () => {
    // 商业企业 and 法律服务机构 blank (an office suite's print of GOP2019): of five printed columns,
    // two gaps are double, so the median distance is a double one. 商业 is read alone (企业 run into
    // 机构 on the line below), midway between 自然人 and 科研机构: half a unit spacing clear of both.
    const line = rowsAt(
      [
        [349, 362],
        [413, 427],
        [448, 462],
        [522, 536],
        [551, 566],
      ],
      329,
    );
    const t = table([
      w("自然人", 340, 371, 600),
      w("社会", 438, 460, 600),
      w("法律", 478, 503, 600),
      w("总计", 547, 570, 600),
      w("商业", 379, 401, 610),
      w("科研", 409, 431, 610),
      w("公益", 438, 460, 618),
      w("服务", 478, 500, 618),
      w("其他", 518, 540, 618),
      w("企业机构", 379, 431, 623, 0.9, [
        [379, 431],
        [411, 422],
        [422, 431],
      ]),
      w("组织", 438, 460, 636),
      w("机构", 478, 500, 636),
      ...line(680, "一、本年新收政府信息公开申请数量", ["105", "55", "102", "98", "360"]),
      ...line(700, "二、上年结转政府信息公开申请数量", ["0", "0", "0", "0", "0"]),
    ]);
    expect(t.rows.map((r) => r.slice(1).map((c) => c.text))).toEqual([
      ["105", "", "55", "102", "", "98", "360"],
      ["0", "", "0", "0", "", "0", "0"],
    ]);
  });

  it("places two blank columns next to the row labels under 自然人 read right but unsure, and 商业 / 企业", () => {
    // 自然人 and 商业企业 blank (an office suite's print of GOP2019): 自然人 on one line, read exactly
    // with a confidence of 0.47, wider than the column spacing allows a lone word.
    const line = rowsAt(
      [
        [412, 427],
        [447, 461],
        [486, 502],
        [522, 535],
        [550, 565],
      ],
      255,
    );
    const t = table([
      w("等于第三项加第四项之和）", 65, 201, 585),
      w("自然人", 338, 371, 585, 0.47),
      w("社会", 437, 460, 585),
      w("法律", 477, 500, 585),
      w("总计", 546, 569, 585),
      w("商业", 378, 401, 600),
      w("科研", 409, 430, 600),
      w("公益", 437, 460, 615),
      w("服务", 476, 500, 615),
      w("其他", 516, 540, 615),
      w("企业", 378, 401, 630),
      w("机构", 408, 431, 630),
      w("组织", 437, 460, 630),
      w("机构", 476, 499, 630),
      ...line(670, "一、本年新收政府信息公开申请数量", ["121", "37", "96", "13", "267"]),
      ...line(690, "二、上年结转政府信息公开申请数量", ["0", "0", "2", "0", "2"]),
    ]);
    expect(t.rows.map((r) => r.slice(1).map((c) => c.text))).toEqual([
      ["", "", "121", "37", "96", "13", "267"],
      ["", "", "0", "0", "2", "0", "2"],
    ]);
  });

  /**
   * 自然人 blank: a browser squeezes its column against the row labels and stacks its label one
   * character a line, the other labels two (商 / 业 / 企 / 业). `natural` holds the readings of 自 / 然 / 人.
   */
  const squeezedNatural = (natural: Piece[]) => {
    const line = rowsAt(
      [
        [407, 421],
        [429, 451],
        [463, 484],
        [501, 523],
        [536, 550],
        [558, 580],
      ],
      371,
    );
    return table([
      w("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项", 48, 364, 585),
      ...natural,
      w("商", 405, 416, 585),
      w("科", 429, 440, 585),
      w("业", 405, 416, 600),
      w("研", 429, 440, 600),
      w("社会", 457, 480, 600),
      w("法律", 496, 518, 600),
      w("其", 534, 545, 600),
      w("总", 557, 568, 600),
      w("企", 405, 416, 615),
      w("机", 429, 440, 615),
      w("公益", 457, 480, 615),
      w("服务", 495, 518, 615),
      w("他", 534, 545, 615),
      w("计", 557, 568, 615),
      w("业", 405, 416, 630),
      w("构", 429, 440, 630),
      w("组织", 457, 480, 630),
      w("机构", 495, 518, 630),
      ...line(670, "（二）部分公开（区分处理的，只计这一情形，不", ["92", "157", "120", "227", "82", "678"]),
      ...line(690, "二、上年结转政府信息公开申请数量", ["0", "0", "0", "0", "0", "0"]),
    ]);
  };
  const squeezedRows = [
    ["", "92", "157", "120", "227", "82", "678"],
    ["", "0", "0", "0", "0", "0", "0"],
  ];

  it("places a blank column next to the labels under a label stacked one character a line, not under a caption's tail", () => {
    // 自 is misread as 三, right after the caption's last word on its line (so it is taken for the caption's).
    const t = squeezedNatural([w("三", 381, 387, 585), w("然", 378, 389, 600, 0.69), w("人", 378, 389, 615)]);
    expect(t.rows.map((r) => r.slice(1).map((c) => c.text))).toEqual(squeezedRows);
  });

  it("places a blank column next to the labels under a stacked label whose first character passes for a caption's tail", () => {
    // On a scan tilted 2.5°: 自 read as 三 right after the caption's last word (taken for the caption's
    // tail), 然 misread as 里 below it, 人 not read at all.
    const t = squeezedNatural([w("三", 381, 387, 585), w("里", 378, 389, 600, 0.61)]);
    expect(t.rows.map((r) => r.slice(1).map((c) => c.text))).toEqual(squeezedRows);
  });

  it("places a blank column next to the labels under 自然, read right after a caption's garbled end on its line", () => {
    // 自然人 blank. Its label wraps: 自然 on the caption's last line, right after a garbled reading of
    // the caption's end (人, boxed over the caption's last characters), and 人 below misread as 久.
    const line = rowsAt(
      [
        [398, 409],
        [427, 438],
        [464, 475],
        [506, 517],
        [537, 548],
        [566, 577],
      ],
      348,
    );
    const t = table([
      w("（本列数据的勾稽关系为", 49, 161, 600),
      w("第一项加第二项之和，", 174, 276, 600),
      w("人", 283, 348, 600, 0.31),
      w("自然", 362, 382, 600),
      w("商业", 394, 414, 600),
      w("科研", 423, 443, 600),
      w("社会", 459, 480, 600),
      w("法律", 501, 522, 600),
      w("其他", 533, 553, 600),
      w("总计", 562, 582, 600),
      w("第四项之和）", 284, 342, 615),
      w("久", 372, 382, 615, 0.52),
      w("企业", 394, 414, 615),
      w("机构", 423, 443, 615),
      w("公益", 459, 480, 615),
      w("服务", 501, 522, 615),
      w("组织", 459, 480, 630),
      w("机构", 501, 522, 630),
      ...line(670, "一、本年新收政府信息公开申请数量", ["90", "128", "70", "54", "12", "354"]),
      ...line(690, "二、上年结转政府信息公开申请数量", ["0", "3", "0", "1", "0", "4"]),
    ]);
    expect(t.rows.map((r) => r.slice(1).map((c) => c.text))).toEqual([
      ["", "90", "128", "70", "54", "12", "354"],
      ["", "0", "3", "0", "1", "0", "4"],
    ]);
  });

  it("places a blank column between the first two printed ones where a long row label reaches past the first", () => {
    // 商业企业 blank. The wide table prints (六)'s second row label on one line, past the 自然人 column,
    // which that row leaves blank.
    const cols: [number, number][] = [
      [380, 392],
      [437, 449],
      [467, 479],
      [500, 512],
      [528, 540],
      [553, 565],
    ];
    const t = table([
      w("自然人", 372, 401, 615),
      w("商业", 406, 425, 615),
      w("科研", 431, 450, 615),
      w("社会", 456, 475, 615),
      w("法律", 491, 510, 615),
      w("其他", 525, 544, 615),
      w("总计", 549, 568, 615),
      w("企业", 406, 425, 630),
      w("机构", 431, 450, 630),
      w("公益", 456, 475, 630),
      w("服务", 490, 509, 630),
      ...rowsAt(cols, 300)(670, "一、本年新收政府信息公开申请数量", ["61", "109", "105", "92", "71", "438"]),
      w("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", 120, 430, 690),
      ...[1, 2, 3, 4, 5].map((k) => w(["0", "1", "0", "6", "7"][k - 1], cols[k][0], cols[k][1], 690)),
      ...rowsAt(cols, 300)(710, "（七）总计", ["61", "108", "105", "94", "71", "439"]),
    ]);
    expect(t.rows.map((r) => r.slice(1).map((c) => c.text))).toEqual([
      ["61", "", "109", "105", "92", "71", "438"],
      ["", "", "0", "1", "0", "6", "7"],
      ["61", "", "108", "105", "94", "71", "439"],
    ]);
  });
});

describe("a borderless scan's header left on the page before its rows", () => {
  it("places no column under 申请人情况 standing over 法人或其他组织, and one under 其他", () => {
    // A landscape print of a Word document (其他 blank): the header ends page 1, the rows begin page 2.
    // Both captions stand centred over the same columns, one over the other, like a wrapped label's
    // lines, in the gap between 社会公益组织 and 法律服务机构; the engine read 商业 科研 as one run.
    const at = (
      text: string,
      x0: number,
      x1: number,
      top: number,
      size: number,
      words?: [number, number][],
    ) => ({
      ...word(text, x0, x1, top, 0.93, words),
      bottom: top + size,
      base: top + 0.85 * size,
      size,
    });
    const header = [
      at("申请人情况", 672.5, 720.7, 496.7, 9, [
        [672.5, 720.7],
        [695.5, 704.2],
        [703.8, 720.7],
      ]),
      at("法人或其他组织", 667.1, 735.8, 516.1, 9, [
        [667.1, 675.9],
        [680.2, 685.6],
        [689.6, 702],
        [701.8, 710.6],
        [710.5, 720],
        [720, 725.8],
        [729.5, 735.8],
      ]),
      at("自然人", 584.3, 612.2, 531.4, 14.4),
      at("商业科研", 618.7, 663.8, 531.4, 14.4, [
        [618.7, 638.1],
        [644.8, 663.8],
      ]),
      at("社会公益", 670.7, 709.7, 531.4, 14.4),
      at("法律服务", 716.9, 755.6, 531.4, 14.4),
      at("总计", 788.9, 807.8, 531.4, 14.4),
      at("其他", 763.2, 783.7, 536.5, 15.1),
      at("企业", 619, 638.1, 548.8, 10.8),
      at("机构组织", 644.9, 690.1, 548.8, 10.8, [
        [644.9, 663.8],
        [670.7, 689.8],
      ]),
      at("机构", 716.9, 736.6, 548.8, 10.8),
    ];
    const spans: [number, number][] = [
      [590, 607.5],
      [623.5, 635],
      [647.1, 664.2],
      [685.4, 697.1],
      [729.2, 746.5],
      [790.6, 808.4],
    ];
    const line = (top: number, label: string, values: string[]) => [
      at(label, 61.4, 200.2, top, 10.8),
      ...values.map((v, k) => at(v, spans[k][0], spans[k][1], top, 10.8)),
    ];
    const blocks = layoutPages([
      {
        page: 1,
        width: 850,
        height: 607,
        pieces: [at("三、收到和处理政府信息公开申请情况", 30, 200, 470, 10.8), ...header],
        h: [],
        v: [],
      },
      {
        page: 2,
        width: 850,
        height: 607,
        pieces: [
          ...line(44.8, "一、本年新收政府信息公开申请数量", ["169", "95", "110", "94", "116", "584"]),
          ...line(64.6, "二、上年结转政府信息公开申请数量", ["0", "0", "0", "3", "0", "3"]),
        ],
        h: [],
        v: [],
      },
    ]);
    const t = blocks.find((b): b is TableBlock => b.kind === "table");
    expect(t?.rows.map((r) => r.slice(1).map((c) => c.text))).toEqual([
      ["169", "95", "110", "94", "116", "", "584"],
      ["0", "0", "0", "3", "0", "", "3"],
    ]);
  });
});

describe("rows of borderless scans misread in part", () => {
  const spans: [number, number][] = [
    [386, 400],
    [413, 428],
    [469, 483],
    [505, 519],
    [536, 550],
    [564, 579],
  ];

  it("keeps a row whose ordinal between two parts of its label was read as a digit, and a wrapped label's (一) read as a dash", () => {
    const line = rowsAt(spans, 235);
    const t = table([
      ...line(640, "一、本年新收政府信息公开申请数量", ["12", "8", "0", "31", "5", "56"]),
      ...line(660, "二、上年结转政府信息公开申请数量", ["2", "0", "0", "0", "0", "2"]),
      w("三、本年度", 44, 103, 680),
      w("7", 117, 137, 680, 0.5),
      w("予以公开", 146, 193, 680),
      ...spans.map(([a, b], k) => w(["0", "4", "0", "11", "27", "42"][k], a, b, 680)),
      w("办理结果", 44, 91, 698),
      w("一一", 124, 133, 698, 0.5),
      ...line(716, "（二）部分公开", ["1", "0", "0", "2", "0", "3"]),
    ]);
    const values = t.rows.filter((r) => r.length > 1);
    expect(values.map((r) => r.slice(1).map((c) => c.text))).toEqual([
      ["12", "8", "0", "31", "5", "56"],
      ["2", "0", "0", "0", "0", "2"],
      ["0", "4", "0", "11", "27", "42"],
      ["1", "0", "0", "2", "0", "3"],
    ]);
    // The label is not as printed: its values are doubted.
    expect(values[2][0].text).toContain("予以公开");
    expect(values[2][0].conf).toBeLessThan(0.88);
  });

  it("keeps a row read with a stray digit before its label and another between the label's parts", () => {
    const line = rowsAt(spans, 207);
    const t = table([
      ...line(640, "一、本年新收政府信息公开申请数量", ["133", "82", "144", "201", "181", "871"]),
      ...line(660, "二、上年结转政府信息公开申请数量", ["1", "3", "0", "1", "0", "5"]),
      w("1", 44, 55, 680, 0),
      w("本年度办", 62, 117, 680, 0.82),
      w("0", 132, 136, 680, 0),
      w("‘) 予以公开", 143, 189, 680, 0.41),
      ...spans.map(([a, b], k) => w(["2", "0", "0", "24", "0", "26"][k], a, b, 680)),
      ...line(700, "（二）部分公开", ["30", "6", "0", "24", "26", "86"]),
    ]);
    expect(t.rows.map((r) => r.slice(1).map((c) => c.text))).toEqual([
      ["133", "82", "144", "201", "181", "871"],
      ["1", "3", "0", "1", "0", "5"],
      ["2", "0", "0", "24", "0", "26"],
      ["30", "6", "0", "24", "26", "86"],
    ]);
    expect(t.rows[2][0].conf).toBeLessThan(0.88);
  });

  it("keeps a value read with a character run into it, or read as a character, as a doubted cell", () => {
    const line = rowsAt(spans, 300);
    const t = table([
      ...line(640, "1.属于国家秘密", ["0", "21", "3", "16", "13", "53"]),
      // 13 read as 上3, confidently.
      ...line(660, "7.属于行政执法案卷", ["0", "13", "0", "0", "0", "上3"]),
      // 3 read as 了, standing alone in the first value column.
      w("5.属于三类内部事务信息", 44, 300, 680),
      w("了", 388, 398, 680),
      ...spans.slice(1).map(([a, b], k) => w(["0", "25", "0", "0", "28"][k], a, b, 680)),
    ]);
    expect(t.rows.map((r) => r.slice(1).map((c) => c.text))).toEqual([
      ["0", "21", "3", "16", "13", "53"],
      ["0", "13", "0", "0", "0", "上3"],
      ["了", "0", "25", "0", "0", "28"],
    ]);
    expect(t.rows[1][6].conf).toBeLessThan(0.88);
    expect(t.rows[2][1].conf).toBeLessThan(0.88);
  });

  it("keeps Table 4's row whole where a digit was read as a character with confidence", () => {
    const xs = [62, 102, 140, 180, 212, 243, 282, 322, 361, 393, 425, 464, 504, 543, 575];
    const t = table([
      ...["结果", "结果", "其他", "尚未", "总"].map((h, k) => w(h, xs[k] - 12, xs[k] + 12, 600)),
      ...["维持", "纠正", "结果", "审结", "计"].map((h, k) => w(h, xs[k] - 12, xs[k] + 12, 615)),
      ...xs.map((x, k) => w(k === 8 ? "本" : String(k % 4), x - 3, x + 3, 640)),
    ]);
    expect(t.rows).toHaveLength(1);
    expect(t.rows[0]).toHaveLength(16);
    expect(t.rows[0][9].text).toBe("本");
    expect(t.rows[0][9].conf).toBeLessThan(0.88);
  });
});

describe("paragraph-per-cell pages read by OCR", () => {
  // One cell per line at a 26-pt pitch, read with a point or two of jitter; empty cells leave empty lines.
  const PITCH = 26;
  const cellLine = (text: string, top: number, jitter = 0): Piece => ({
    ...word(text, 40, 40 + 6 * text.length, top + jitter),
    conf: 0.95,
  });
  const page = (no: number, texts: string[], firstTop: number) => ({
    page: no,
    width: 620,
    height: 800,
    pieces: texts.flatMap((t, k) =>
      t === "" ? [] : [cellLine(t, firstTop + k * PITCH, ((k * 7) % 5) / 2 - 1)],
    ),
    h: [],
    v: [],
  });
  const texts = (blocks: Block[]) => blocks.map((b) => (b.kind === "text" ? b.text : "#table"));

  it("counts the empty line a page ended with, though the room left is no whole number of pitches", () => {
    // Pages 1 and 3 are full down to y 730; page 2 ends a line higher, leaving room for one more line
    // (its empty cell), and a bit more that no line fits in.
    const full = (v: string) =>
      Array.from({ length: 27 }, (_, k) => (k % 9 === 0 ? `${v}${k}项` : String(k)));
    const p2 = Array.from({ length: 26 }, (_, k) => (k % 9 === 0 ? `第${k}项` : String(k + 100)));
    const pages = [page(1, full("甲"), 30), { ...page(2, p2, 30) }, page(3, full("乙"), 30)];
    // Page 2's lines a few points higher: the room below its last line is 1.3 pitches.
    for (const p of pages[1].pieces) {
      p.top -= 8;
      p.bottom -= 8;
      p.base -= 8;
    }
    const out = texts(layoutPages(pages));
    const last = out.indexOf("125");
    expect(out.slice(last, last + 3)).toEqual(["125", "", "乙0项"]);
  });

  it("measures distances by the lines' middles: a label's box reaching lower does not hide empty lines", () => {
    // 结转下年度继续办理, read with a tall box (its bottom 8 pt low), then three empty cells, then four
    // values; the section heading after the table stands 3.5 pitches below the last header paragraph.
    const lines = ["0", "1", "2", "3", "结转下年度继续办理", "", "", "", "4", "5", "0", "9"];
    const p = page(1, lines, 100);
    const label = p.pieces.find((x) => x.text === "结转下年度继续办理")!;
    label.bottom += 8;
    label.base += 8;
    const heading = [cellLine("行政复议", 100 + 12 * PITCH), cellLine("行政诉讼", 100 + 15.5 * PITCH)];
    const out = texts(layoutPages([{ ...p, pieces: [...p.pieces, ...heading] }]));
    expect(out.slice(4, 12)).toEqual(["结转下年度继续办理", "", "", "", "4", "5", "0", "9"]);
  });

  it("keeps ink it could not read inside a tall-boxed label on that label's line", () => {
    // (七)总计 read as two unread marks and 总计 with a box twice its height, ending lower.
    const p = page(1, ["3", "0", "1", "", "108", "130", "62"], 100);
    const label = { ...cellLine("总计", 100 + 3 * PITCH - 4), conf: 0.93 };
    label.bottom += 12;
    label.base += 12;
    label.size = 22;
    const ink = [0, 1].map((i) => ({
      ...cellLine("\ufffd", 100 + 3 * PITCH),
      x0: 20 + 8 * i,
      x1: 27 + 8 * i,
      conf: 0,
    }));
    const out = texts(layoutPages([{ ...p, pieces: [...p.pieces, label, ...ink] }]));
    expect(out.filter((t) => t.includes("\ufffd"))).toEqual(["\ufffd\ufffd总计"]);
    expect(out.indexOf("108") - out.indexOf("\ufffd\ufffd总计")).toBe(1);
  });

  it("still counts a page's empty lines when a label's box stands a fifth of a pitch off its line", () => {
    // （一）予以公开 read 5 pt high, then an empty cell (自然人) and values with empty cells between them.
    const lines = [
      "二、上年结转政府信息公开申请数量",
      "0",
      "",
      "0",
      "",
      "",
      "",
      "0",
      "(一)予以公开",
      "",
      "0",
      "25",
      "3",
      "",
      "7",
      "35",
    ];
    const p = page(1, lines, 100);
    const label = p.pieces.find((x) => x.text === "(一)予以公开")!;
    for (const k of ["top", "bottom", "base"] as const) label[k] -= 5;
    const blocks = layoutPages([p]);
    expect(texts(blocks).slice(0, lines.length)).toEqual(lines);
    // The one beside the label is the likely one only; those between values are certain.
    const blanks = blocks.filter((b) => b.kind === "text" && b.explicitBlank);
    expect(blanks.map((b) => b.kind === "text" && b.uncertain === true)).toEqual([
      false,
      false,
      false,
      false,
      true,
      false,
    ]);
  });

  it("counts one empty line after a label whose box stands a fifth of a pitch low, on a page whose distances fit", () => {
    // 5.要求行政机关确认… read 5 pt below its line, then one empty cell: the label's distance to the
    // value after it is 0.72 pitch over one, no whole line by the page's other distances.
    const lines = ["1", "2", "", "3", "4.无正当理由大量反复申请", "0", "25", "", "0", "16", "", "", "41"];
    const p = page(1, [...lines, "5.要求行政机关确认或重新出具已获取信息", "", "2", "13", "", "14"], 100);
    const label = p.pieces.find((x) => x.text.startsWith("5."))!;
    for (const k of ["top", "bottom", "base"] as const) label[k] += 5;
    const blocks = layoutPages([p]);
    const out = texts(blocks);
    const at = out.indexOf("5.要求行政机关确认或重新出具已获取信息");
    expect(out.slice(at + 1, at + 6)).toEqual(["", "2", "13", "", "14"]);
    const blank = blocks[at + 1];
    expect(blank.kind === "text" && blank.uncertain).toBe(true);
  });

  it("counts the empty line a page begins with, though its first line stands a little more than a pitch down", () => {
    // Pages 1 and 3 begin at the top; page 2 with an empty cell, its first value read 3.6 pt lower
    // than a pitch below the top.
    const full = (v: string) =>
      Array.from({ length: 27 }, (_, k) => (k % 9 === 0 ? `${v}${k}项` : String(k)));
    const p2 = page(2, ["", ...Array.from({ length: 26 }, (_, k) => String(k + 100))], 30);
    for (const x of p2.pieces) {
      x.top += 3.6;
      x.bottom += 3.6;
      x.base += 3.6;
    }
    const out = texts(layoutPages([page(1, full("甲"), 30), p2, page(3, full("乙"), 30)]));
    expect(out.slice(out.indexOf("100") - 2, out.indexOf("100") + 1)).toEqual(["26", "", "100"]);
  });

  it("counts the empty line between a label and a line of unread ink as a blank cell", () => {
    const p = page(
      1,
      ["3", "0", "1", "二、上年结转政府信息公开申请数量", "", "\ufffd", "0", "0", "", "0", "1"],
      100,
    );
    for (const x of p.pieces) if (x.text === "\ufffd") x.conf = 0;
    const out = texts(layoutPages([p]));
    const at = out.indexOf("二、上年结转政府信息公开申请数量");
    expect(out.slice(at + 1, at + 8)).toEqual(["", "\ufffd", "0", "0", "", "0", "1"]);
  });
});

describe("text lines read by OCR", () => {
  it("carry each character's word confidence, through a wrapped title joined into one line", () => {
    const title = 22;
    const big = (text: string, x0: number, x1: number, top: number, conf: number): Piece => ({
      ...word(text, x0, x1, top, conf),
      bottom: top + title,
      base: top + 0.85 * title,
      size: title,
    });
    const pieces = [
      big("白浴", 60, 104, 80, 0.36),
      big("县民政局2022年政府信息公开工", 110, 520, 80, 0.93),
      big("作年度报告", 60, 170, 106, 0.91),
      word("2022", 60, 84, 150, 0.92),
      word("年，白深县民政局认真贯彻落实政务公开工作要求。", 86, 330, 150, 0.9),
      word("第一段", 60, 92, 170, 0.95),
    ];
    const blocks = layoutPages([{ page: 1, width: 595, height: 842, pieces, h: [], v: [] }]);
    const text = blocks.filter((b) => b.kind === "text");
    expect(text[0].text).toBe("白浴县民政局2022年政府信息公开工作年度报告");
    expect(text[0].charConf).toHaveLength(Array.from(text[0].text).length);
    expect(text[0].charConf?.slice(0, 3)).toEqual([0.36, 0.36, 0.93]);
    expect(text[0].charConf?.at(-1)).toBe(0.91);
    const prose = text.find((b) => b.text.includes("白深"))!;
    expect(prose.charConf).toHaveLength(prose.text.length);
    const at = prose.text.indexOf("白深");
    expect(prose.charConf?.[at]).toBe(0.9);
    expect(prose.charConf?.[prose.text.indexOf("2022")]).toBe(0.92);
  });
});

describe("Table 4's one row of values read by OCR", () => {
  it("keeps its last value, read as a character shaped like it (4 read 了), as a doubted cell", () => {
    const xs = Array.from({ length: 15 }, (_, k) => 80 + 32 * k);
    const read = ["8", "4", "2", "7", "21", "8", "2", "2", "1", "13", "2", "1", "0", "1", "了"];
    const pieces = [
      word("四、政府信息公开行政复议、行政诉讼情况", 60, 300, 100),
      ...read.map((t, k) => word(t, xs[k], xs[k] + (t.length > 1 ? 11 : 6), 140, t === "了" ? 0.93 : 0.95)),
      word("五、存在的主要问题及改进情况", 60, 240, 180),
    ];
    const blocks = layoutPages([{ page: 1, width: 612, height: 792, pieces, h: [], v: [] }]);
    const values = blocks.flatMap((b) => (b.kind === "table" ? b.rows : [])).find((r) => r.length >= 15);
    expect(values?.slice(-15).map((c) => c.text)).toEqual(read);
    expect(values?.at(-1)?.conf).toBeLessThan(0.5);
  });
});

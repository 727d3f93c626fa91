// Page geometry printed by browsers: a ruled layout frame around a ruled table, a wrapped label set close
// to its value, and borderless tables with columns empty in every row (squeezed to a character too).
// Pages are given as pieces and rulings, as pdf.ts hands them to the layout.
import { describe, expect, it } from "vitest";
import type { HSeg, Piece, VSeg } from "../../src/extractors/pdf-geometry.js";
import { type LayoutNotes, layoutPages, type PageInput } from "../../src/extractors/pdf-layout.js";
import type { Block, TableBlock } from "../../src/model/document.js";

/** A run of text on a baseline; CJK characters a whole em wide, digits half an em. */
function piece(text: string, x0: number, base: number, size = 12): Piece {
  const width = [...text].reduce((w, ch) => w + (/[\d.+-]/.test(ch) ? 0.55 : 1) * size, 0);
  return {
    text,
    x0,
    x1: x0 + width,
    top: base - 0.88 * size,
    bottom: base + 0.12 * size,
    base,
    size,
    vertical: false,
  };
}

/** The rulings of a grid: horizontal lines at ys across xs, vertical lines at xs down ys. */
function grid(xs: number[], ys: number[]): { h: HSeg[]; v: VSeg[] } {
  return {
    h: ys.map((y) => ({ y, x0: xs[0], x1: xs[xs.length - 1] })),
    v: xs.map((x) => ({ x, y0: ys[0], y1: ys[ys.length - 1] })),
  };
}

/** A US Letter page of the given pieces and no rulings, as the layout takes it. */
const letterPage = (n: number, pieces: Piece[]): PageInput => ({
  page: n,
  width: 612,
  height: 792,
  pieces,
  h: [],
  v: [],
});

const tables = (blocks: Block[]) => blocks.filter((b): b is TableBlock => b.kind === "table");
const rowsOf = (t: TableBlock) => t.rows.map((r) => r.filter((c) => c.origin).map((c) => c.text));
const texts = (blocks: Block[]) => blocks.flatMap((b) => (b.kind === "text" ? [b.text] : []));

/** Borderless Table 3: value column centres 30 pt apart, a piece centred on x, and the value rows' cells. */
const centres = [200, 230, 260, 290, 320, 350, 380];
const at = (text: string, centre: number, base: number) => {
  const p = piece(text, 0, base);
  const w = p.x1 - p.x0;
  return { ...p, x0: centre - w / 2, x1: centre + w / 2 };
};
const cellsOf = (blocks: Block[]) =>
  tables(blocks)
    .flatMap((t) => t.rows)
    .filter((r) => /予以公开|部分公开|总计/.test(r[0]?.text ?? ""))
    .map((r) => r.map((c) => c.text));
/** Table 3's header over those columns (or others), below the given caption line (法人或其他组织). */
const table3Header = (caption: Piece[], cs = centres) => [
  [piece("三、收到和处理政府信息公开申请情况", 40, 100)],
  caption,
  [at("自然人", cs[0], 130), at("社会", cs[3], 130), at("法律", cs[4], 130), at("总计", cs[6], 130)],
  [
    at("商业", cs[1], 145),
    at("科研", cs[2], 145),
    at("公益", cs[3], 145),
    at("服务", cs[4], 145),
    at("其他", cs[5], 145),
  ],
  [at("企业", cs[1], 160), at("机构", cs[2], 160), at("组织", cs[3], 160), at("机构", cs[4], 160)],
];
/** Rows of a label and values 15 pt apart from `top`; an empty value prints nothing. */
const rowLines = (rows: string[][], top: number, cs = centres, pitch = 15) =>
  rows.map((r, k) => [
    piece(r[0], 40, top + pitch * k),
    ...r.slice(1).flatMap((v, c) => (v === "" ? [] : [at(v, cs[c], top + pitch * k)])),
  ]);
/** Table 3's rows with 社会公益组织 empty in every row. */
const socialBlank = [
  ["予以公开", "3", "1", "2", "", "5", "4", "15"],
  ["部分公开", "0", "7", "0", "", "0", "1", "8"],
  ["办理总计", "3", "8", "2", "", "5", "5", "23"],
];

describe("a ruled layout frame around a ruled table", () => {
  // A web page printed by Chromium: a box from the page header down past the page end, its side menu,
  // a bordered meta row touching the box's right edge, and the report's table inside.
  const frame = {
    h: [
      { y: 165, x0: 28, x1: 584 },
      { y: 202, x0: 152, x1: 583 },
      { y: 221, x0: 152, x1: 583 },
    ],
    v: [
      { x: 28, y0: 165, y1: 764 },
      { x: 584, y0: 165, y1: 764 },
      { x: 152, y0: 202, y1: 221 },
      { x: 583, y0: 202, y1: 221 },
    ],
  };
  const table = grid([232, 318, 379, 441, 503], [556, 580, 603, 625]);
  const pieces = [
    piece("政府信息公开指南", 34, 185),
    piece("发布时间:2021-03-30", 160, 215),
    piece("二、主动公开政府信息情况", 160, 530),
    piece("信息内容", 240, 572),
    piece("本年新制作数量", 320, 572, 8),
    piece("本年新公开数量", 381, 572, 8),
    piece("对外公开总数量", 443, 572, 8),
    piece("规章", 240, 595),
    piece("3", 340, 595),
    piece("3", 400, 595),
    piece("64", 460, 595),
    piece("规范性文件", 240, 618),
    piece("41", 340, 618),
    piece("41", 400, 618),
    piece("453", 460, 618),
  ];
  const blocks = layoutPages([
    { page: 1, width: 612, height: 792, pieces, h: [...frame.h, ...table.h], v: [...frame.v, ...table.v] },
  ]);

  it("reads the inner table as the table, with its own rows", () => {
    const found = tables(blocks).map(rowsOf);
    expect(found).toContainEqual([
      ["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"],
      ["规章", "3", "3", "64"],
      ["规范性文件", "41", "41", "453"],
    ]);
  });

  it("reads the frame's text as lines, not as cells of a table", () => {
    expect(texts(blocks)).toEqual(expect.arrayContaining(["政府信息公开指南", "二、主动公开政府信息情况"]));
    for (const t of tables(blocks)) expect(rowsOf(t).flat().join("")).not.toContain("政府信息公开指南");
  });
});

describe("a wrapped label filling its cell up to the value beside it", () => {
  // Borderless table printed by Chromium: the values of a column start at x = 123; the label 行政事业性收费
  // ends 3 pt (a quarter em) before its value, closer than the gap that usually parts a label and a value.
  const pieces = [
    piece("行政许可", 48, 380),
    piece("11398889", 123, 380),
    piece("行政处罚", 48, 443),
    piece("6937489", 123, 443),
    piece("行政事业性收费", 36, 527),
  ];
  pieces.push(piece("316441", pieces[4].x1 + 3, 527));

  it("sets the value apart from the label when it starts on the page's value column", () => {
    const blocks = layoutPages([letterPage(1, pieces)]);
    expect(texts(blocks)).toContain("行政事业性收费 316441");
  });

  it("keeps label and number together where no value column confirms the cut", () => {
    const alone = [piece("行政事业性收费", 36, 527)];
    alone.push(piece("316441", alone[0].x1 + 3, 527));
    const blocks = layoutPages([letterPage(1, alone)]);
    expect(texts(blocks)).toContain("行政事业性收费316441");
  });
});

describe("a table flattened to one paragraph per cell, printed by a browser", () => {
  const PITCH = 26.25;
  /** Cells one per line from `top`, a line's pitch apart; null is an empty paragraph (a blank line). */
  const cellLines = (cells: (string | null)[], top: number) =>
    cells.flatMap((c, i) =>
      c === null ? [] : [piece(c, /[\d-]/.test(c[0]) ? 300 : 260, top + i * PITCH, 10.5)],
    );
  const read = (blocks: Block[]) =>
    blocks.flatMap((b) => (b.kind === "text" ? [b.explicitBlank ? "∅" : b.text] : ["table"]));

  it("reads an empty line between cell lines as a blank cell", () => {
    const blocks = layoutPages([
      letterPage(1, cellLines(["二、上年结转政府信息公开申请数量", null, "0", null, "0", "0", "0", "0"], 60)),
    ]);
    expect(read(blocks)).toEqual(["二、上年结转政府信息公开申请数量", "∅", "0", "∅", "0", "0", "0", "0"]);
  });

  it("reads one empty line between two labels as spacing, and needs values on the page", () => {
    const headings = layoutPages([
      letterPage(
        1,
        cellLines(["二、主动公开政府信息情况", null, "第二十条第(一)项", "规章", "3", "4", "5"], 60),
      ),
    ]);
    expect(read(headings)).not.toContain("∅");
    const prose = layoutPages([
      letterPage(1, cellLines(["一、总体情况", null, "本年度共收到申请", null, "二、主动公开"], 60)),
    ]);
    expect(read(prose)).not.toContain("∅");
  });

  /** Short pages (as high as eight cell lines and a margin), so that the page's edge bounds its room. */
  const short = (n: number, pieces: Piece[]) => ({ ...letterPage(n, pieces), height: 60 + 8 * PITCH + 30 });
  /** The text blocks, blank cells as "∅" (certain) and "∅?" (uncertain). */
  const marks = (blocks: Block[]) =>
    blocks.flatMap((b) => (b.kind === "text" ? [b.explicitBlank ? (b.uncertain ? "∅?" : "∅") : b.text] : []));
  /** The blank cells between two printed cells. */
  const between = (blocks: Block[], from: string, to: string) => {
    const all = marks(blocks);
    return all.slice(all.indexOf(from) + 1, all.indexOf(to));
  };

  it("finds the empty lines a page break hides: below a page's last line and above the next page's first", () => {
    // Pages 1 and 3 end with a value on the same baseline; page 2 ends two lines higher and page 3
    // begins with a value at the top: it would have fit on page 2, so two empty lines stood there. The
    // page's edge leaves room for one more, which stays uncertain.
    const full = (first: number) =>
      cellLines(["规章", "1", "2", "3", "行政许可", "4", "5", "6"], 60).map((p) => ({
        ...p,
        text: p.text.replace(/^\d$/, String(first)),
      }));
    const notes: LayoutNotes = { unsureBlankRuns: 0 };
    const blocks = layoutPages(
      [
        short(1, full(1)),
        short(
          2,
          cellLines(["一、本年新收政府信息公开申请数量", "51", "176", "85", "96", "114", null, null], 60),
        ),
        short(3, cellLines(["614", "二、上年结转政府信息公开申请数量", "0", "0", "0", "0", "0", "0"], 60)),
      ],
      notes,
    );
    expect(between(blocks, "114", "614")).toEqual(["∅", "∅", "∅?"]);
    expect(notes.unsureBlankRuns).toBeGreaterThan(0);
  });

  it("counts the empty lines below a label where labels reach as low as values on other pages", () => {
    // Labels end pages 1 and 2 on the lowest baseline; page 3 ends with a label four lines higher and
    // page 4 begins one line down: the page was filled by empty lines, four below the label (proven by
    // the labels' bottom), one above the value, and the page's edge leaves room for one more.
    const blocks = layoutPages([
      short(1, cellLines(["规章", "1", "2", "3", "行政许可", "4", "5", "行政处罚"], 60)),
      short(2, cellLines(["7", "8", "9", "行政强制", "10", "11", "12", "行政事业性收费"], 60)),
      short(3, cellLines(["13", "14", "15", "（一）予以公开", null, null, null, null], 60)),
      short(4, cellLines([null, "64", "（二）部分公开", "1", "2", "3", "4", "5"], 60)),
    ]);
    expect(between(blocks, "(一)予以公开", "64")).toEqual(["∅", "∅", "∅", "∅", "∅", "∅?"]);
  });

  it("counts the empty lines above a page's first line at their own height where it is no text line's", () => {
    // An office suite's empty paragraphs 28.2 pt high (a no-break space in a taller Latin font) between
    // text lines 26.4 pt apart: page 3 ends with a label and three empty lines, page 4 begins with two
    // more. 56.4 pt is no whole number of text lines, so page 4's top holds two of those empty lines.
    const P = 26.4;
    const E = 28.2;
    const laid = (n: number, cells: (string | null)[]) => {
      const pieces: Piece[] = [];
      let y = 60;
      for (const c of cells) {
        if (c === null) y += E;
        else {
          pieces.push(piece(c, /^\d/.test(c) ? 300 : 260, y, 10.5));
          y += P;
        }
      }
      return { ...letterPage(n, pieces), height: 60 + 8 * P + 5 };
    };
    const blocks = layoutPages([
      laid(1, ["规章", "1", "2", "3", "行政许可", "4", "5", "6", "7"]),
      laid(2, ["8", "9", "行政强制", "10", "11", "12", "13", "14", "15"]),
      laid(3, ["16", null, "17", "18", "（一）予以公开", null, null, null]),
      laid(4, [null, null, "64", "（二）部分公开", "19", null, null, "20"]),
    ]);
    expect(between(blocks, "(一)予以公开", "64")).toEqual(["∅", "∅", "∅", "∅", "∅"]);
  });

  it("leaves a page break alone in a document whose empty cells print nothing", () => {
    // `<p></p>` cells: no empty line anywhere, only the room the page's edge leaves below each page's
    // last line, which proves nothing.
    const blocks = layoutPages([
      short(1, cellLines(["规章", "1", "2", "3", "行政许可", "4", "5", "6"], 60)),
      short(2, cellLines(["行政处罚", "7", "8", "9", "行政强制", "10", "11", "12"], 60)),
      short(3, cellLines(["13", "14", "行政事业性收费", "15", "16", "17", "18", "19"], 60)),
    ]);
    expect(read(blocks)).not.toContain("∅");
  });

  /**
   * Prints cells one paragraph each as a browser does: a label line stands 3 pt further from the line
   * before it than a value line or an empty one (null; `omit` prints empty cells as nothing), a line
   * after a label 0.75 pt, and a line that would pass the content's bottom goes to the next page.
   */
  const print = (cells: (string | null)[], bottom: number, omit = false) => {
    const pages: Piece[][] = [[]];
    let y: number | undefined;
    let afterLabel = false;
    for (const c of cells) {
      if (c === null && omit) continue;
      const label = c !== null && !/^[\d+-]/.test(c);
      const next = y === undefined ? 60 : y + PITCH + (label ? 3 : afterLabel ? 0.75 : 0);
      afterLabel = label;
      if (next > bottom) pages.push([]);
      y = next > bottom ? 60 : next;
      if (c !== null) pages[pages.length - 1].push(piece(c, label ? 260 : 300, y, 10.5));
    }
    return pages.map((pieces, i) => ({ ...letterPage(i + 1, pieces), height: bottom + 40 }));
  };
  const rows = (n: number, blanks: (i: number) => number) =>
    Array.from({ length: n }, (_, i) => {
      const k = blanks(i);
      return [
        `${i + 1}.第${i + 1}行`,
        ...Array(k).fill(null),
        ...Array(6 - k).fill(String(i)),
        String(7 * i),
      ];
    }).flat();

  /**
   * Between each two printed cells: the empty cells printed there and the empty lines found there
   * (certain, uncertain). No more are certain than were printed, and as many as were printed are
   * among those found, so the template's cell count can settle the rest.
   */
  const gaps = (cells: (string | null)[], blocks: Block[]) => {
    const printed: number[] = [];
    for (const c of cells) {
      if (c === null) printed[printed.length - 1]++;
      else printed.push(0);
    }
    const found: [number, number][] = [];
    for (const m of marks(blocks)) {
      if (m === "∅" || m === "∅?") found[found.length - 1][m === "∅" ? 0 : 1]++;
      else found.push([0, 0]);
    }
    return printed.map((n, k) => ({ printed: n, certain: found[k][0], all: found[k][0] + found[k][1] }));
  };

  it("finds every empty cell of rows broken by pages, certain or (at a page's end) uncertain", () => {
    const cells = ["规章", "0", "0", "0", ...rows(12, (i) => [6, 2, 5, 0, 3, 6][i % 6])];
    const found = gaps(cells, layoutPages(print(cells, 740)));
    for (const g of found) {
      expect(g.certain).toBeLessThanOrEqual(g.printed);
      expect(g.all).toBeGreaterThanOrEqual(g.printed);
    }
    // Within pages all are certain: only the few broken by a page end are left open.
    expect(found.filter((g) => g.certain !== g.printed).length).toBeLessThanOrEqual(4);
  });

  it("takes the distance between two values for the pitch where values never follow each other", () => {
    // One value per row after six empty cells (总计 only): past the first page a label always precedes a
    // value, and a label's line, farther from the one before, would pass for the pitch there. All
    // rows alike leave an empty line's height open (reconstruction fits the count), but the truth is
    // always within a run's certain and uncertain empty lines, across page breaks too.
    const cells = ["规章", "0", "0", "0", ...rows(10, () => 6), ...rows(3, () => 0)];
    for (const g of gaps(cells, layoutPages(print(cells, 740)))) {
      expect(g.certain).toBeLessThanOrEqual(g.printed);
      expect(g.all).toBeGreaterThanOrEqual(g.printed);
    }
  });

  it("adds no empty cell where a document prints its empty cells as nothing", () => {
    const cells = ["规章", "0", "0", "0", ...rows(12, (i) => [6, 2, 5, 0, 3, 6][i % 6])];
    const blocks = layoutPages(print(cells, 740, true));
    expect(read(blocks)).not.toContain("∅");
  });
});

describe("a long label wrapped inside its parenthesis", () => {
  /** The text read from lines at the left margin, each given with its baseline. */
  const lay = (lines: [string, number][]) =>
    layoutPages([
      letterPage(
        1,
        lines.map(([t, y]) => piece(t, 36, y)),
      ),
    ]).flatMap((b) => (b.kind === "text" ? [b.text] : []));

  it("is one label, not the row its second line begins like", () => {
    const read = lay([
      ["其他对外管理服务事项(指行政许可证以外的政务服务事项,含行政确认、行政处罚、", 100],
      ["行政强制、行政检查、行政征收和其他类,以及公共服务事项)", 118],
      ["228", 144],
      ["行政强制", 170],
    ]);
    expect(read).toEqual([
      "其他对外管理服务事项(指行政许可证以外的政务服务事项,含行政确认、行政处罚、行政强制、行政检查、行政征收和其他类,以及公共服务事项)",
      "228",
      "行政强制",
    ]);
  });

  it("is left to OCR's own reading on a scanned page (its line positions are too rough)", () => {
    const lines: [string, number][] = [
      ["其他对外管理服务事项(指行政许可证以外的政务服务事项,含行政确认、行政处罚、", 100],
      ["行政强制、行政检查、行政征收和其他类,以及公共服务事项)", 118],
    ];
    const pieces = lines.map(([t, y]) => ({ ...piece(t, 36, y), conf: 0.95 }));
    const blocks = layoutPages([letterPage(1, pieces)]);
    expect(blocks.filter((b) => b.kind === "text")).toHaveLength(2);
  });

  it("stays apart from a line that does not close it or stands a paragraph away", () => {
    const read = lay([
      ["规范性文件(行政机关制定发布的", 100],
      ["行政许可", 118],
      ["本年收费金额（单位：万元", 200],
      ["行政事业性收费）", 240],
    ]);
    expect(read).toHaveLength(4);
  });
});

describe("page numbers and values on a page's first or last line", () => {
  const body = (n: number) => [
    piece("政府信息公开工作年度报告正文", 72, 300 + n),
    piece("规章", 72, 330),
    piece("12", 200, 330),
  ];
  const texts2 = (blocks: Block[]) => blocks.flatMap((b) => (b.kind === "text" ? [b.text] : []));

  it("drops numbers in the bottom margin that run with the pages", () => {
    const blocks = layoutPages(
      [1, 2, 3].map((n) => letterPage(n, [...body(n), piece(String(n + 4), 300, 770)])),
    );
    expect(texts2(blocks)).not.toEqual(expect.arrayContaining(["5"]));
    expect(texts2(blocks).some((t) => /^[567]$/.test(t))).toBe(false);
  });

  it("keeps a value alone on the last line of one page, and a negative number", () => {
    const blocks = layoutPages([
      letterPage(1, [...body(1), piece("10", 300, 770)]),
      letterPage(2, [...body(2), piece("-3", 300, 770)]),
      letterPage(3, body(3)),
    ]);
    expect(texts2(blocks)).toEqual(expect.arrayContaining(["10", "-3"]));
  });
});

describe("empty cell lines lower than text lines", () => {
  // Every row: a label, six empty lines 11.8 pt high (a no-break space in a Latin font), then the total,
  // text lines 14.1 pt apart: six empty lines are as long as five text lines, so the count is open.
  const rows = ["1.属于国家秘密", "2.其他法律行政法规禁止公开", "3.危及三安全一稳定", "4.保护第三方合法权益"];
  const pieces: Piece[] = [];
  let y = 80;
  rows.forEach((label, i) => {
    pieces.push(piece(label, 240, y, 10.5));
    y += 14.1 + 6 * 11.8;
    pieces.push(piece(String(i + 1), 300, y, 10.5));
    y += 14.1;
  });
  pieces.push(piece("5", 300, y, 10.5), piece("6", 300, y + 14.1, 10.5));

  it("inserts the most blanks the heights allow, the extra ones uncertain, and says so", () => {
    const notes: LayoutNotes = { unsureBlankRuns: 0 };
    const blocks = layoutPages([letterPage(1, pieces)], notes);
    const run = blocks.slice(
      1,
      blocks.findIndex((b) => b.kind === "text" && b.text === "1"),
    );
    expect(run.every((b) => b.kind === "text" && b.explicitBlank)).toBe(true);
    const certain = run.filter((b) => b.kind === "text" && !b.uncertain).length;
    expect(certain).toBeLessThanOrEqual(6);
    expect(run.length).toBeGreaterThanOrEqual(6);
    expect(notes.unsureBlankRuns).toBeGreaterThan(0);
  });
});

describe("a borderless Table 3 with a column left empty in every row", () => {
  // Value columns 30 pt apart, the fourth (社会公益组织) empty in every row. The first column is wider
  // than the others to fit 自然人; the caption 法人或其他组织 is printed in two fonts (⼈ from a
  // fallback font), so it comes as three touching runs.
  const headerLines = table3Header([
    piece("法", 250, 115),
    piece("⼈", 262, 115),
    piece("或其他组织", 274, 115),
  ]);
  const rows = socialBlank;
  const valueLines = (top: number) => rowLines(rows, top);

  it("finds the empty column under its header and leaves its cells blank", () => {
    const pieces = [...headerLines, ...valueLines(180)].flat();
    const blocks = layoutPages([letterPage(1, pieces)]);
    expect(cellsOf(blocks)).toEqual(rows);
  });

  it("finds it when the page break cut the header row: part of it ends one page, the rest begins the next", () => {
    const shift = (line: Piece[], dy: number) =>
      line.map((p) => ({ ...p, top: p.top + dy, bottom: p.bottom + dy, base: p.base + dy }));
    const page1 = [
      piece("政策解读的形式仍较单一。", 40, 600),
      ...headerLines.slice(0, 4).flatMap((l) => shift(l, 620)),
    ];
    const page2 = [...shift(headerLines[4], -120), ...valueLines(60).flat()];
    const blocks = layoutPages([letterPage(1, page1), letterPage(2, page2)]);
    expect(cellsOf(blocks)).toEqual(rows);
  });

  it("keeps the table whole across eight lines of wrapped labels between two rows (large type, narrow label column)", () => {
    const wrapped = [
      "关不再处理其政府信",
      "息公开申请",
      "(六)",
      "2.申请人逾期未按收",
      "其他处",
      "费通知要求缴纳费",
      "理",
      "用、行政机关不再",
    ];
    const pieces = [
      ...headerLines.flat(),
      ...rowLines(rows.slice(0, 1), 180).flat(),
      ...wrapped.map((t, k) => piece(t, 40, 195 + 15 * k)),
      ...rowLines(rows.slice(1), 195 + 15 * wrapped.length).flat(),
    ];
    const blocks = layoutPages([letterPage(1, pieces)]);
    // (The wrapped lines join the labels of the rows beside them; the values keep the empty column.)
    expect(cellsOf(blocks).map((r) => r.slice(1))).toEqual(rows.map((r) => r.slice(1)));
  });

  it("finds it when the page sets its rows far apart (a portal's line-height of 2 and padded cells)", () => {
    // Every line three times as far from the section heading as usual: rows 45 pt apart in 12 pt type,
    // more than two and a half sizes of white between them, header lines as far apart.
    const spread = (line: Piece[]) =>
      line.map((p) => {
        const dy = 2 * (p.base - 100);
        return { ...p, top: p.top + dy, bottom: p.bottom + dy, base: p.base + dy };
      });
    const pieces = [...headerLines.map(spread), ...rowLines(rows, 175).map(spread)].flat();
    const blocks = layoutPages([letterPage(1, pieces)]);
    expect(cellsOf(blocks)).toEqual(rows);
    expect(tables(blocks).filter((t) => t.rows.some((r) => /予以公开/.test(r[0]?.text ?? "")))).toHaveLength(
      1,
    );
  });
});

describe("a borderless Table 3 printed small across a wide page", () => {
  // 商业企业 empty in every row. 其他 fits on one line, so the browser sets it midway down a header row
  // whose other headings wrap over two lines: on a line of its own. (A Ghostscript re-distil may lose
  // the glyph of 其, leaving �他.)
  const headerWith = (other: string) => [
    [piece("三、收到和处理政府信息公开申请情况", 40, 100)],
    [at("法人或其他组织", 290, 115)],
    [at("自然人", centres[0], 130), at("总计", centres[6], 130)],
    [
      at("商业", centres[1], 140),
      at("科研", centres[2], 140),
      at("社会", centres[3], 140),
      at("法律", centres[4], 140),
    ],
    [at(other, centres[5], 147)],
    [
      at("企业", centres[1], 154),
      at("机构", centres[2], 154),
      at("公益", centres[3], 154),
      at("服务", centres[4], 154),
    ],
  ];
  const rows = [
    ["予以公开", "3", "", "1", "2", "5", "4", "15"],
    ["部分公开", "0", "", "7", "0", "0", "1", "8"],
    ["办理总计", "3", "", "8", "2", "5", "5", "23"],
  ];

  for (const other of ["其他", "\uFFFD他"]) {
    it(`finds the empty column where ${other} heads its column from a line of its own`, () => {
      const pieces = [...headerWith(other), ...rowLines(rows, 175)].flat();
      const blocks = layoutPages([letterPage(1, pieces)]);
      expect(cellsOf(blocks)).toEqual(rows);
    });
  }

  it("keeps a row whose group label and long row label share its line (43 characters) in the table", () => {
    const long = "（六）其他处理2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请";
    expect(long.length).toBeGreaterThan(40);
    const withLong = [rows[0], [long, "1", "", "0", "0", "0", "2", "3"], rows[1], rows[2]];
    // (The long label in small type, so that it ends left of the value columns as it does on the page.)
    const lines = rowLines(withLong, 175).map((l, k) =>
      k === 1 ? [piece(long, 40, 190, 3.4), ...l.slice(1)] : l,
    );
    const blocks = layoutPages([letterPage(1, [...headerWith("其他"), ...lines].flat())]);
    const table = tables(blocks).find((t) => t.rows.some((r) => /予以公开/.test(r[0]?.text ?? "")));
    // (Labels come with half-width parentheses, as the layout normalises all text.)
    expect(table?.rows.map((r) => r.map((c) => c.text))).toContainEqual([
      long.replace("（六）", "(六)"),
      ...withLong[1].slice(1),
    ]);
  });
});

describe("a borderless Table 3 whose empty columns a browser squeezed to a character's width", () => {
  // 商业企业, 科研机构 and 法律服务机构 empty in every row: a browser gives each the width of one
  // character, so their labels stack one or two characters a line, 24 pt apart, while the printed
  // columns stand about 63 pt apart. Each squeezed label is still a column of its own.
  const cs = [375, 401, 425, 456, 497, 530, 558];
  const size = 9;
  const small = (text: string, centre: number, base: number) => {
    const p = piece(text, 0, base, size);
    const w = p.x1 - p.x0;
    return { ...p, x0: centre - w / 2, x1: centre + w / 2 };
  };
  const header = [
    [piece("三、收到和处理政府信息公开申请情况", 40, 60)],
    [small("法人或其他组织", 470, 75)],
    [
      small("自然", cs[0], 92),
      small("社会公", cs[3], 92),
      small("法律", cs[4], 92),
      small("其", cs[5], 92),
      small("总", cs[6], 92),
    ],
    [
      small("人", cs[0], 104),
      small("商", cs[1], 101),
      small("科", cs[2], 101),
      small("益组织", cs[3], 110),
      small("服务", cs[4], 110),
      small("他", cs[5], 104),
      small("计", cs[6], 104),
    ],
    [small("业企", cs[1], 119), small("研机", cs[2], 119), small("机构", cs[4], 128)],
    [small("业", cs[1], 137), small("构", cs[2], 137)],
  ];
  const rows = [
    ["予以公开", "102", "", "", "53", "", "115", "270"],
    ["部分公开", "0", "", "", "1", "", "0", "1"],
    ["办理总计", "102", "", "", "54", "", "115", "271"],
  ];
  const lines = rows.map((r, k) => [
    piece(r[0], 40, 155 + 18 * k, size),
    ...r.slice(1).flatMap((v, c) => (v === "" ? [] : [small(v, cs[c], 155 + 18 * k)])),
  ]);

  it("finds each squeezed column under its own stacked label", () => {
    const pieces = [...header, ...lines].flat();
    const blocks = layoutPages([letterPage(1, pieces)]);
    expect(cellsOf(blocks)).toEqual(rows);
  });
});

describe("a borderless Table 3 continued on the next page, its last two columns less than an em apart", () => {
  // A browser sets 总计 4 pt right of 其他; 社会公益组织 is empty in every row. The next page carries
  // the columns on: its six printed columns each lie on one of the seven above, not on two.
  const near = [200, 230, 260, 290, 320, 350, 363];
  const header = table3Header([at("法人或其他组织", 290, 115)], near);

  it("keeps the empty column on the next page", () => {
    const page1 = [...header, ...rowLines(socialBlank.slice(0, 1), 180, near)].flat();
    const page2 = rowLines(socialBlank.slice(1), 60, near).flat();
    const blocks = layoutPages([letterPage(1, page1), letterPage(2, page2)]);
    expect(cellsOf(blocks)).toEqual(socialBlank);
  });
});

describe("a borderless Table 3 with its first column, next to the row labels, empty in every row", () => {
  // 自然人 printed over a column no row fills; the other columns 30 pt apart, 法律服务机构 empty too.
  const headerLines = table3Header([at("法人或其他组织", 290, 115)]);
  const rows = [
    ["予以公开", "", "1", "2", "6", "", "4", "13"],
    ["部分公开", "", "7", "0", "0", "", "1", "8"],
    ["办理总计", "", "8", "2", "6", "", "5", "21"],
  ];
  const valueLines = (top: number, which = rows) => rowLines(which, top);

  it("places the empty first column under 自然人 and leaves its cells blank", () => {
    const pieces = [...headerLines, ...valueLines(180)].flat();
    const blocks = layoutPages([letterPage(1, pieces)]);
    expect(cellsOf(blocks)).toEqual(rows);
  });

  it("keeps the empty columns on the next page when the page ends with the last row's wrapped label", () => {
    // The first row's label wraps below its values (予以公开 / （含部分）), the page ends there.
    const page1 = [
      ...headerLines,
      ...valueLines(180, rows.slice(0, 1)),
      [piece("（含部分）", 40, 195)],
    ].flat();
    const page2 = valueLines(60, rows.slice(1)).flat();
    const blocks = layoutPages([letterPage(1, page1), letterPage(2, page2)]);
    expect(cellsOf(blocks).slice(-2)).toEqual(rows.slice(1));
  });

  it("places no column left of the first printed one under a label that is part of the row labels' header", () => {
    // The same table with its 自然人 column printed: nothing is left over.
    const full = rows.map((r) => [r[0], "3", ...r.slice(2)]);
    const lines = rowLines(full, 180);
    const blocks = layoutPages([letterPage(1, [...headerLines, ...lines].flat())]);
    expect(cellsOf(blocks)).toEqual(full);
  });
});

describe("a borderless Table 3 whose rows are set far apart with their labels wrapped around the values", () => {
  // Rows 60 pt apart in 12 pt type, each label wrapped over two lines with the row's values set
  // midway between them: no two lines of values are neighbours, and more than two and a half sizes of
  // white stand between a row's last label line and the next row's first. 社会公益组织 is empty.
  const rows = [
    ["1.属于国家秘密", "3", "1", "2", "", "5", "4", "15"],
    ["2.其他法律行政法规禁止公开", "0", "7", "0", "", "0", "1", "8"],
    ["3.危及“三安全一稳定”", "1", "0", "0", "", "0", "0", "1"],
  ];
  const pieces = [
    ...table3Header([at("法人或其他组织", 290, 115)]).flat(),
    ...rows.flatMap((r, k) => {
      const base = 190 + 60 * k;
      const [head, tail] = [r[0].slice(0, 7), r[0].slice(7)];
      return [
        piece(head, 40, base - 7),
        piece(tail, 40, base + 7),
        ...r.slice(1).flatMap((v, c) => (v === "" ? [] : [at(v, centres[c], base)])),
      ];
    }),
  ];

  it("keeps the rows in one table, the empty column in its place", () => {
    const blocks = layoutPages([letterPage(1, pieces)]);
    const values = tables(blocks)
      .flatMap((t) => t.rows)
      .map((r) => r.map((c) => c.text))
      .filter((r) => r.slice(1).some((t) => /\d/.test(t)));
    expect(values.map((r) => r.slice(-7))).toEqual(rows.map((r) => r.slice(1)));
  });
});

describe("a borderless Table 3 with its headings set flush left and its values flush right", () => {
  // Column k spans [200 + 45k, 245 + 45k): headings start at its left edge, values end at its right
  // edge. The caption 法人或其他组织 starts over 商业企业 and, narrower than two columns, covers the
  // middle of one printed column only; ⼈ comes from a font of Kangxi radicals.
  // (In 8.5 pt type, as a browser shrinks a wide table to the page.)
  const left = (text: string, k: number, base: number) => piece(text, 200 + 45 * k, base, 8.5);
  const right = (text: string, k: number, base: number) => {
    const p = piece(text, 0, base, 8.5);
    return { ...p, x0: 243 + 45 * k - (p.x1 - p.x0), x1: 243 + 45 * k };
  };
  const header = [
    [piece("三、收到和处理政府信息公开申请情况", 40, 100)],
    [left("申请⼈情况", 0, 115)],
    [piece("（本列数据的勾稽关系为", 40, 130, 8.5), left("法⼈或其他组织", 1, 130)],
    [
      left("自然人", 0, 145),
      left("商业", 1, 145),
      left("科研", 2, 145),
      left("社会", 3, 145),
      left("法律", 4, 145),
      left("其他", 5, 145),
      left("总计", 6, 145),
    ],
    [left("企业", 1, 160), left("机构", 2, 160), left("公益", 3, 160), left("服务", 4, 160)],
  ];
  const rows = [
    ["予以公开", "24", "3", "", "0", "0", "1", "28"],
    ["部分公开", "6", "", "1", "", "", "", "7"],
    ["办理总计", "30", "3", "1", "0", "0", "1", "35"],
  ];
  const lines = rows.map((r, k) => [
    piece(r[0], 40, 180 + 15 * k, 8.5),
    ...r.slice(1).flatMap((v, c) => (v === "" ? [] : [right(v, c, 180 + 15 * k)])),
  ]);

  it("makes no column of the caption: seven columns, each value under its own heading", () => {
    const blocks = layoutPages([letterPage(1, [...header, ...lines].flat())]);
    expect(cellsOf(blocks)).toEqual(rows);
  });
});

describe("a borderless Table 3 set far apart whose rows mostly print their 总计 only", () => {
  // Rows 45 pt apart in 12 pt type (more than two and a half sizes of white between them); no two
  // rows of several values are neighbours, so the rows of one value tell the table's row spacing.
  const rows = [
    ["予以公开", "3", "1", "2", "", "5", "4", "15"],
    ["部分公开", "", "", "", "", "", "", "0"],
    ["办理总计", "3", "1", "2", "", "5", "4", "15"],
  ];
  const pieces = [
    ...table3Header([at("法人或其他组织", 290, 115)]),
    ...rowLines(rows, 190, centres, 45),
  ].flat();

  it("keeps the rows in one table, each value under its own heading", () => {
    const blocks = layoutPages([letterPage(1, pieces)]);
    expect(cellsOf(blocks)).toEqual(rows);
  });
});

// OCR's image and text steps that need no OCR engine: rulings told from strokes of characters, thick
// and doubled rulings erased whole, cells cut with their glyphs intact, minus signs kept as ink,
// misread row labels put back in the template's wording, borderless rows cut into words, and the flags an
// OCR document's cells get.
import { describe, expect, it } from "vitest";
import {
  bestStretch,
  hanForDigit,
  lineBottom,
  type OcrWord,
  SNAPPED_LABEL_CONF,
  snapLabels,
  unreadInk,
  wordsOnInkLeft,
  wordsToPieces,
} from "../../src/extractors/ocr.js";
import {
  type Box,
  columnWords,
  cropCell,
  eraseRulings,
  estimateShear,
  findRulings,
  type Gray,
  inkBlobs,
  parsePgm,
  unshade,
  unshear,
} from "../../src/extractors/ocr-image.js";
import { layoutPages } from "../../src/extractors/pdf-layout.js";
import type { DocumentModel, TextBlock } from "../../src/model/document.js";
import type { CanonicalCell } from "../../src/normalize/cells.js";
import { applyOcrConfidence } from "../../src/normalize/ocr.js";
import { versionKeys } from "../../src/normalize/template.js";
import { ocrGridCell } from "../normalize/fixtures.js";

const EM = 29;

function page(
  width: number,
  height: number,
): Gray & { fill: (x0: number, y0: number, x1: number, y1: number) => void } {
  const data = new Uint8Array(width * height).fill(250);
  return {
    width,
    height,
    data,
    fill(x0, y0, x1, y1) {
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) data[y * width + x] = 20;
    },
  };
}

const darkAt = (img: Gray, x0: number, y0: number, x1: number, y1: number) => {
  let n = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (img.data[y * img.width + x] < 128) n++;
  return n;
};

describe("rulings in page images", () => {
  it("does not take the strokes of characters that fill tight cells for a vertical ruling", () => {
    // Four tight rows; in each, a "character" (a vertical stroke crossed by three horizontal ones)
    // touching the rulings above and below, at the same x in every row.
    const img = page(600, 300);
    const rows = [40, 75, 110, 145, 180];
    for (const y of rows) img.fill(50, y, 550, y + 2);
    img.fill(50, 40, 52, 182);
    img.fill(548, 40, 550, 182);
    for (let r = 0; r < 4; r++) {
      const top = rows[r] + 2;
      const bottom = rows[r + 1];
      img.fill(200, top, 203, bottom);
      for (const dy of [6, 15, 25]) img.fill(190, top + dy, 214, top + dy + 2);
    }
    const found = findRulings(img, 128, EM);
    expect(found.v.map((v) => Math.round(v.x)).sort((a, b) => a - b)).toEqual([50, 548]);
  });

  it("erases a doubled border over its whole width, keeping the text beside it", () => {
    const img = page(400, 300);
    img.fill(20, 40, 380, 42);
    img.fill(20, 260, 380, 262);
    // The doubled border of an HTML table: two lines 4 px apart.
    img.fill(198, 40, 200, 262);
    img.fill(203, 40, 205, 262);
    img.fill(20, 40, 22, 262);
    img.fill(378, 40, 380, 262);
    // A "digit" a few pixels right of the border.
    img.fill(214, 120, 222, 140);
    const r = findRulings(img, 128, EM);
    const clean = eraseRulings(img, r, EM);
    expect(darkAt(clean, 190, 50, 211, 250)).toBe(0);
    expect(darkAt(clean, 214, 120, 222, 140)).toBe(8 * 20);
  });
});

describe("rulings of tables scanned in black and white or askew", () => {
  it("finds column rulings crossed by bold row rulings in rows of tight type", () => {
    // A Word table's 1 pt borders scanned at 300 dpi in black and white: row rulings eight pixels thick,
    // seventy apart, crossing every column ruling (a ninth of its length).
    const E = 44;
    const img = page(900, 600);
    for (let y = 40; y <= 530; y += 70) img.fill(60, y, 860, y + 8);
    for (const x of [60, 300, 560, 855]) img.fill(x, 40, x + 5, 538);
    const r = findRulings(img, 128, E);
    expect(r.v.map((s) => Math.round(s.x / 10) * 10).sort((a, b) => a - b)).toEqual([60, 300, 560, 860]);
    expect(r.v.every((s) => s.y0 <= 42 && s.y1 >= 536)).toBe(true);
  });

  it("erases the column rulings of a table whose row rulings the scan lost, as no table", () => {
    // Light row rulings thresholded away; the column rulings left, broken where each row ruling crossed.
    const E = 44;
    const img = page(900, 700);
    for (const x of [60, 300, 560, 855]) for (let y = 40; y < 640; y += 90) img.fill(x, y, x + 3, y + 82);
    // A value in a cell, clear of the rulings; and a column of 1s, rows apart (no ruling).
    img.fill(400, 150, 420, 180);
    for (let y = 60; y < 640; y += 45) img.fill(700, y, 703, y + 30);
    const r = findRulings(img, 128, E);
    expect(r.v).toEqual([]);
    expect(r.stray?.map((s) => Math.round(s.x / 10) * 10).sort((a, b) => a - b)).toEqual([60, 300, 560, 860]);
    const clean = eraseRulings(img, r, E);
    expect(darkAt(clean, 50, 30, 70, 650) + darkAt(clean, 850, 30, 870, 650)).toBe(0);
    expect(darkAt(clean, 400, 150, 420, 180)).toBe(20 * 30);
    expect(darkAt(clean, 700, 60, 703, 640)).toBe(darkAt(img, 700, 60, 703, 640));
  });

  it("finds a row ruling whole across cells drawn with separate borders, one column narrower than its pieces", () => {
    // CSS border-spacing: every cell its own box, two pixels apart; the second column is 60 px wide,
    // under the shortest run looked for (2.5 ems), so its pieces of the row rulings are not found alone.
    const img = page(900, 400);
    const cols: [number, number][] = [
      [50, 300],
      [304, 364],
      [368, 600],
      [604, 850],
    ];
    for (const top of [60, 160, 260])
      for (const [x0, x1] of cols) {
        img.fill(x0, top, x1, top + 2);
        img.fill(x0, top + 94, x1, top + 96);
        img.fill(x0, top, x0 + 2, top + 96);
        img.fill(x1 - 2, top, x1, top + 96);
      }
    const r = findRulings(img, 128, EM);
    const rows = r.h.filter((s) => s.x0 <= 52 && s.x1 >= 848).map((s) => Math.round(s.y));
    expect(rows.length).toBeGreaterThanOrEqual(4);
    expect(r.h.every((s) => s.x0 <= 52 && s.x1 >= 848)).toBe(true);
  });

  it("finds row rulings a black-and-white scan broke into dashes, and the column rulings that meet them", () => {
    // A faint grey hairline thresholded away but for pieces 20 px long, 25 px apart, a pixel higher or
    // lower from piece to piece; the column rulings, darker, stayed whole. Characters' strokes beside
    // them (bars at several heights, as in 三 and 二) make no ruling.
    const img = page(900, 420);
    const xs = [50, 300, 500, 700, 850];
    for (const x of xs) img.fill(x, 40, x + 2, 380);
    const ys = [40, 120, 200, 280, 378];
    ys.forEach((y, k) => {
      for (let x = 56 + (k % 2) * 7, j = 0; x < 846; x += 45, j++)
        img.fill(x, y + (j % 2), x + 20, y + 2 + (j % 2));
    });
    // Four characters of bars (三 王 二 三), each bar at its own height.
    [
      [144, 152, 160],
      [147, 155, 163],
      [150, 158],
      [145, 153, 161],
    ].forEach((bars, k) => {
      for (const y of bars) img.fill(320 + 35 * k, y, 345 + 35 * k, y + 2);
    });
    const r = findRulings(img, 128, EM);
    const rows = r.h.filter((s) => s.x1 - s.x0 >= 600).map((s) => Math.round(s.y));
    expect(rows).toHaveLength(ys.length);
    for (const [k, y] of ys.entries()) expect(Math.abs(rows[k] - y)).toBeLessThanOrEqual(2);
    expect(r.h.some((s) => s.y > 140 && s.y < 170)).toBe(false);
    expect(r.v.map((s) => Math.round(s.x - 0.5))).toEqual(xs);
  });

  it("erases row rulings scanned as sparse regular dashes, but no row of dash values beside its label", () => {
    // The column rulings at 50 and 860 stayed whole; each row ruling came out as dashes 45 px long every
    // 127 px (gaps near three ems), at the same places in every ruling. Too sparse to bound cells, they
    // are erased only. Two rows print `—` in each of five value cells after a label (glyph blocks
    // spanning the line's height): their dashes line up with each other, but a label stands before
    // the first one.
    const img = page(900, 700);
    for (const x of [50, 860]) img.fill(x, 40, x + 2, 660);
    const rulingYs = [40, 160, 400, 520, 658];
    for (const y of rulingYs) for (let x = 75; x + 45 <= 850; x += 127) img.fill(x, y, x + 45, y + 2);
    for (const y of [250, 310]) {
      for (let k = 0; k < 4; k++) img.fill(70 + 30 * k, y - 12, 94 + 30 * k, y + 12);
      for (let k = 0; k < 5; k++) img.fill(300 + 110 * k, y, 330 + 110 * k, y + 2);
    }
    const r = findRulings(img, 128, EM);
    const dashes = (r.dashes ?? []).map((s) => s.y).sort((a, b) => a - b);
    expect(dashes).toHaveLength(rulingYs.length);
    for (const [k, y] of rulingYs.entries()) expect(Math.abs(dashes[k] - y)).toBeLessThanOrEqual(1.5);
    for (const s of r.dashes ?? []) expect(s.x0).toBeLessThanOrEqual(75);
    expect(r.h.some((s) => s.y > 60 && s.y < 640)).toBe(false);
    const clean = eraseRulings(img, r, EM);
    expect(darkAt(clean, 60, 150, 850, 170)).toBe(0);
    // The value dashes and their labels are left for the engine to read.
    for (const y of [250, 310]) {
      expect(darkAt(clean, 300, y, 330, y + 2)).toBe(60);
      expect(darkAt(clean, 70, y - 12, 94, y + 12)).toBe(24 * 24);
    }
  });

  it("turns a header row's grey fill to paper, keeping the ink over it and a faint hairline elsewhere", () => {
    // A table whose header row (y 40–120) is filled grey (about 215, with the scan's grain), ruled in
    // black; below it a row ruled with a faint grey hairline (205) on white paper.
    const img = page(900, 300);
    let seed = 7;
    const grain = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return (seed % 31) - 15;
    };
    for (let y = 40; y < 120; y++) for (let x = 50; x < 850; x++) img.data[y * 900 + x] = 215 + grain();
    for (const x of [50, 300, 600, 848]) img.fill(x, 40, x + 2, 200);
    for (const y of [40, 118]) img.fill(50, y, 850, y + 2);
    for (let x = 50; x < 850; x++) img.data[198 * 900 + x] = 205;
    img.fill(100, 70, 114, 84); // a character over the shade
    const flat = unshade(img, 128, EM);
    expect(darkAt(flat, 100, 70, 114, 84)).toBe(14 * 14);
    expect(flat.data[60 * 900 + 400]).toBe(255);
    expect(flat.data[198 * 900 + 400]).toBe(205);
    const r = findRulings(flat, 128, EM);
    const ys = r.h.map((s) => s.y);
    expect(ys).toHaveLength(3);
    for (const [k, y] of [40.5, 118.5, 198].entries()) expect(Math.abs(ys[k] - y)).toBeLessThanOrEqual(1);
    expect(r.v).toHaveLength(4);
  });

  it("measures a sheared page's columns leaning while its rows lie level, and stands them upright", () => {
    // Rows level, columns leaning 0.6° (x grows 1 px every 95 px down), and lines of "text" between them.
    const E = 29;
    const img = page(1000, 1200);
    const lean = Math.tan((0.6 * Math.PI) / 180);
    for (let y = 100; y <= 1100; y += 50) img.fill(100, y, 900, y + 2);
    for (const x of [100, 350, 600, 898])
      for (let y = 100; y < 1102; y++)
        img.fill(Math.round(x + (y - 600) * lean), y, Math.round(x + (y - 600) * lean) + 2, y + 1);
    for (let y = 115; y < 1100; y += 50) for (let x = 120; x < 330; x += 30) img.fill(x, y, x + 20, y + 20);
    const shear = estimateShear(img, 128, E);
    expect(shear).toBeGreaterThan(0.5);
    expect(shear).toBeLessThan(0.7);
    const upright = unshear(img, shear);
    const v = findRulings(upright, 128, E).v.filter((s) => s.y1 - s.y0 > 900);
    expect(v).toHaveLength(4);
  });

  it("finds no lean on a page of text and a borderless table", () => {
    const E = 29;
    const img = page(1000, 1200);
    // Ragged lines of "characters" (strokes under an em tall) and right-aligned numbers.
    for (let y = 100; y < 1100; y += 45)
      for (let x = 100 + ((y * 7) % 40); x < 500 + ((y * 13) % 200); x += 32) {
        img.fill(x, y, x + 3, y + 26);
        img.fill(x, y + 10, x + 26, y + 13);
      }
    expect(estimateShear(img, 128, E)).toBe(0);
  });
});

describe("rulings blurred or stamped over", () => {
  it("erases a ruling's gray fringe with it (left, the engine reads it as 一 where a crop holds little ink)", () => {
    const img = page(400, 200);
    img.fill(20, 100, 380, 102);
    // The fringe a scan's rotation leaves: rows above and below, lighter than the ink threshold.
    for (const y of [99, 102]) for (let x = 20; x < 380; x++) img.data[y * 400 + x] = 205;
    img.fill(20, 20, 22, 180);
    img.fill(378, 20, 380, 180);
    const clean = eraseRulings(img, findRulings(img, 128, EM), EM);
    let fringe = 0;
    for (let x = 30; x < 370; x++) for (const y of [99, 102]) if (clean.data[y * 400 + x] < 250) fringe++;
    expect(fringe).toBe(0);
  });

  it("does not take the chained strokes of a bold title for a ruling", () => {
    // Eight bold "characters" side by side: a horizontal stroke through all of them (they touch), each
    // crossed by two vertical strokes; and a short run of a table below, which meets its vertical rulings.
    const img = page(700, 400);
    img.fill(40, 60, 600, 66);
    for (let k = 0; k < 8; k++) {
      img.fill(50 + k * 70, 40, 56 + k * 70, 90);
      img.fill(90 + k * 70, 40, 96 + k * 70, 90);
    }
    img.fill(100, 200, 400, 202);
    img.fill(100, 300, 400, 302);
    img.fill(100, 200, 102, 302);
    img.fill(398, 200, 400, 302);
    const r = findRulings(img, 128, EM);
    expect(r.h.map((s) => Math.round(s.y / 10) * 10)).toEqual([200, 300]);
  });

  it("takes no ruling from a bold heading a line under a table, and keeps the table's own", () => {
    const img = page(700, 400);
    // A table: three horizontal rulings, four vertical ones.
    for (const y of [40, 80, 120]) img.fill(50, y, 650, y + 2);
    for (const x of [50, 250, 450, 648]) img.fill(x, 40, x + 2, 122);
    // A heading a line below: characters standing on one long stroke along their feet, each with two
    // vertical strokes (33 px, taller than an em) and the left one under a table column.
    img.fill(60, 200, 380, 204);
    for (let k = 0; k < 10; k++) {
      img.fill(60 + k * 32, 168, 64 + k * 32, 204);
      img.fill(76 + k * 32, 172, 80 + k * 32, 204);
      img.fill(64 + k * 32, 180, 76 + k * 32, 183);
      img.fill(62 + k * 32, 192, 88 + k * 32, 195); // a stroke just above the feet
    }
    const r = findRulings(img, 128, EM);
    expect(r.h.map((s) => Math.round(s.y / 10) * 10)).toEqual([40, 80, 120]);
    expect(r.v.map((s) => Math.round(s.x / 10) * 10).sort((a, b) => a - b)).toEqual([50, 250, 450, 650]);
    expect(r.v.every((s) => s.y1 < 130)).toBe(true);
  });

  it("finds a vertical ruling at its own width when a blob of ink (a seal) sticks to one side of it", () => {
    const img = page(400, 600);
    img.fill(20, 40, 380, 42);
    img.fill(20, 560, 380, 562);
    img.fill(200, 40, 203, 562);
    img.fill(203, 250, 260, 320); // a stamp's solid part, touching the ruling on its right
    const v = findRulings(img, 128, EM).v.filter((r) => r.y1 - r.y0 > 400);
    expect(v).toHaveLength(1);
    expect(Math.abs(v[0].x - 201)).toBeLessThanOrEqual(1);
    expect(v[0].t).toBeLessThanOrEqual(4);
  });

  it("finds a light grey hairline border (a CSS border of #aaa, scanned) along its whole length", () => {
    // Paper at 250 give or take 10, a grid of two-pixel lines printed at 200 to 212 (a hairline the
    // scan left lighter than text, at the level measured on scans of such borders), text ink at 145.
    const img = page(700, 500);
    let seed = 7;
    const noise = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % 21;
    };
    for (let i = 0; i < img.data.length; i++) img.data[i] = 240 + noise() / 2;
    const grey = (x0: number, y0: number, x1: number, y1: number) => {
      for (let y = y0; y < y1; y++)
        for (let x = x0; x < x1; x++) img.data[y * 700 + x] = 200 + (noise() % 13);
    };
    for (const y of [60, 160, 260, 360, 460]) grey(50, y, 650, y + 2);
    for (const x of [50, 250, 450, 648]) grey(x, 60, x + 2, 462);
    const r = findRulings(img, 145, EM);
    expect(r.h.map((s) => [Math.round(s.y / 10) * 10, s.x0 <= 52, s.x1 >= 646])).toEqual(
      [60, 160, 260, 360, 460].map((y) => [y, true, true]),
    );
    expect(r.v.map((s) => Math.round(s.x / 10) * 10).sort((a, b) => a - b)).toEqual([50, 250, 450, 650]);
    expect(r.v.every((s) => s.y0 <= 62 && s.y1 >= 458)).toBe(true);
  });

  it("takes no ruling from the light edge of a red seal's stroke, standing on a row's ruling", () => {
    // Ink threshold 175. The seal's red is dropped to a light gray (222): ink only at the laxest
    // threshold, where a thin stroke three ems long standing on a ruling would pass for a column ruling.
    const img = page(500, 400);
    for (const y of [60, 200, 340]) img.fill(40, y, 460, y + 2);
    for (const x of [40, 458]) img.fill(x, 60, x + 2, 342);
    for (let y = 100; y < 200; y++) for (const x of [300, 301]) img.data[y * 500 + x] = 222;
    const v = findRulings(img, 175, EM).v;
    expect(v.map((s) => Math.round(s.x / 10) * 10).sort((a, b) => a - b)).toEqual([40, 460]);
  });

  it("keeps the borders of a row shaded grey, which the laxest threshold takes for ink", () => {
    // Ink threshold 163 (a light scan); the header row shaded at 213, between two black borders.
    const img = page(500, 300);
    for (let y = 62; y < 120; y++) for (let x = 42; x < 458; x++) img.data[y * 500 + x] = 213;
    for (const y of [60, 120, 180, 240]) img.fill(40, y, 460, y + 2);
    for (const x of [40, 250, 458]) img.fill(x, 60, x + 2, 242);
    const r = findRulings(img, 163, EM);
    expect(r.h.map((s) => Math.round(s.y / 10) * 10)).toEqual([60, 120, 180, 240]);
    expect(r.v.map((s) => Math.round(s.x / 10) * 10).sort((a, b) => a - b)).toEqual([40, 250, 460]);
  });

  it("reads a ruling's broken grey fringe, met before its solid band, as part of it", () => {
    const img = page(400, 700);
    for (const y of [20, 670]) img.fill(20, y, 380, y + 2);
    img.fill(20, 20, 22, 672);
    // The right border: a solid band at x 300-303, and the column of pixels before it grey in pieces.
    img.fill(300, 20, 304, 672);
    for (const [y0, y1] of [
      [30, 120],
      [200, 290],
      [400, 520],
    ])
      for (let y = y0; y < y1; y++) img.data[y * 400 + 299] = 150;
    const v = findRulings(img, 128, EM).v.filter((r) => r.x > 250);
    expect(v).toHaveLength(1);
    expect(v[0].y1 - v[0].y0).toBeGreaterThan(600);
  });

  it("finds the outer borders of a table cut by the page at both ends", () => {
    // The table runs on from the page before and on to the next: its vertical rulings touch the page's
    // top and bottom edges, and no horizontal ruling meets their ends; the rows' rulings end at them.
    // (A column ruling between two of the rows is a ruling as ever: it meets them at its ends.)
    const img = page(500, 600);
    for (const x of [40, 458]) img.fill(x, 0, x + 3, 600);
    for (let y = 50; y < 600; y += 80) img.fill(40, y, 461, y + 2);
    img.fill(200, 210, 203, 372);
    const v = findRulings(img, 128, EM).v;
    expect(v.map((r) => Math.round(r.x / 10) * 10).sort((a, b) => a - b)).toEqual([40, 200, 460]);
  });

  it("finds the inner column rulings of a table cut by the page at both ends, which its rows cross", () => {
    // A page that holds only the middle of a long table: every column ruling runs from the page's top
    // to its bottom, and the rows' rulings end at the outer ones only.
    const img = page(600, 700);
    const xs = [40, 180, 300, 420, 557];
    for (const x of xs) img.fill(x, 0, x + 3, 700);
    for (let y = 50; y < 700; y += 120) img.fill(40, y, 560, y + 2);
    // A character's long stroke crossed by no row ruling is still none.
    img.fill(100, 80, 103, 150);
    const v = findRulings(img, 128, EM).v;
    expect(v.map((r) => Math.round(r.x)).sort((a, b) => a - b)).toEqual(xs.map((x) => x + 1));
  });

  it("finds both column rulings a blob of ink (a seal's solid star) bridges", () => {
    const img = page(400, 600);
    img.fill(20, 40, 380, 42);
    img.fill(20, 560, 380, 562);
    for (const x of [20, 150, 230, 378]) img.fill(x, 40, x + 3, 562);
    img.fill(153, 280, 230, 360); // the star's fill, touching both rulings from between them
    const v = findRulings(img, 128, EM).v.filter((r) => r.y1 - r.y0 > 400);
    expect(v.map((r) => Math.round(r.x / 10) * 10).sort((a, b) => a - b)).toEqual([20, 150, 230, 380]);
    expect(v.every((r) => r.t <= 4)).toBe(true);
  });

  it("drops a red seal from a colour page and keeps black ink, also where the seal covers it", () => {
    // Three pixels: red seal ink on paper, black text, black text under the seal (subtractive mix).
    const rgb = [220, 40, 45, 20, 20, 20, 60, 10, 12];
    const ppm = Buffer.concat([Buffer.from("P6\n3 1\n255\n", "latin1"), Buffer.from(rgb)]);
    const gray = parsePgm(ppm);
    expect(gray.width).toBe(3);
    expect(gray.data[0]).toBeGreaterThan(200);
    expect(gray.data[1]).toBeLessThan(40);
    expect(gray.data[2]).toBeLessThan(100);
  });
});

describe("cells and ink", () => {
  it("cuts a cell with a glyph touching its ruling: the glyph is kept, the ruling cleared", () => {
    const img = page(200, 100);
    img.fill(40, 20, 42, 80); // the cell's left ruling, inside the box as a scan leaves it
    img.fill(42, 40, 46, 60); // a stroke touching it
    const cut = cropCell(img, { x0: 40, y0: 22, x1: 160, y1: 78 }, 5, 128, EM);
    // In the crop (margin 5), the box's first column is x = 5, the stroke's columns 7–10.
    expect(darkAt(cut, 5, 0, 7, cut.height)).toBe(0);
    expect(darkAt(cut, 7, 23, 11, 43)).toBe(4 * 20);
  });

  it("keeps a minus sign as ink, and drops a speck", () => {
    const img = page(200, 100);
    img.fill(50, 48, 60, 51); // "-": a third of an em long, 3 px high
    img.fill(120, 40, 122, 42); // a speck
    const blobs = inkBlobs(img, 128, EM);
    expect(blobs.some((b) => b.x0 <= 50 && b.x1 >= 60)).toBe(true);
    expect(blobs.some((b) => b.x0 >= 115 && b.x1 <= 130)).toBe(false);
  });
});

describe("borderless rows cut into words", () => {
  it("gives a row's values set between its wrapped label's two lines a line of their own", () => {
    // At an em of 28 px: the label's first line at 4–40 (a bracket taller than its other glyphs), the
    // row's values at 24–54, the label's second line at 56–84. The first value overlaps the first line
    // enough to join it, which fills it; the other values must still make one line of words.
    const glyphs = (x0: number, n: number, y0: number, y1: number, step = 30): Box[] =>
      Array.from({ length: n }, (_, k) => ({ x0: x0 + k * step, x1: x0 + k * step + 26, y0, y1 }));
    const label1 = [{ x0: 70, x1: 90, y0: 4, y1: 40 }, ...glyphs(100, 8, 8, 36)];
    const label2 = glyphs(60, 9, 56, 84);
    const values = [
      { x0: 420, x1: 450, y0: 24, y1: 54 }, // 13 beside the label
      { x0: 760, x1: 780, y0: 24, y1: 54 }, // 0
      { x0: 850, x1: 870, y0: 24, y1: 54 }, // 0
      { x0: 920, x1: 960, y0: 24, y1: 54 }, // 13
    ];
    const words = columnWords([...label1, ...values, ...label2], 28);
    const valueWords = words.filter((w) => w.x0 >= 700);
    expect(valueWords.map((w) => [w.x0, w.x1])).toEqual([
      [760, 780],
      [850, 870],
      [920, 960],
    ]);
    // Each cut over its own line's height: none reaches the second line of the label.
    for (const w of valueWords) expect(w.y1).toBeLessThanOrEqual(54);
  });

  it("reads a number alone on its line as a word of its own, but not a line of prose", () => {
    // A row's only value (0 under 总计) set midway between its wrapped label's two lines, alone on a
    // line of its own; a short heading's line of prose beside nothing.
    const glyphs = (x0: number, n: number, y0: number, y1: number, step = 30): Box[] =>
      Array.from({ length: n }, (_, k) => ({ x0: x0 + k * step, x1: x0 + k * step + 26, y0, y1 }));
    const words = columnWords(
      [
        ...glyphs(100, 8, 4, 32),
        { x0: 900, x1: 916, y0: 24, y1: 52 },
        ...glyphs(100, 2, 44, 72),
        ...glyphs(100, 6, 140, 168, 28),
      ],
      28,
    );
    expect(words.filter((w) => w.x0 >= 890).map((w) => [w.x0, w.x1])).toEqual([[900, 916]]);
    expect(words.some((w) => w.y0 >= 140)).toBe(false);
  });

  it("cuts a glyph broken in two, its pieces in two lines, as one word only", () => {
    // As above, with a noisy 7 at x 980 broken into its bar (in the label's first line) and its stem
    // (in the values' line): read in both lines, it would be read twice (77).
    const glyphs = (x0: number, n: number, y0: number, y1: number, step = 30): Box[] =>
      Array.from({ length: n }, (_, k) => ({ x0: x0 + k * step, x1: x0 + k * step + 26, y0, y1 }));
    const label1 = [{ x0: 70, x1: 90, y0: 4, y1: 40 }, ...glyphs(100, 8, 8, 36)];
    const values = [420, 760, 850, 920].map((x0) => ({ x0, x1: x0 + 20, y0: 24, y1: 54 }));
    const seven = [
      { x0: 980, x1: 996, y0: 24, y1: 30 },
      { x0: 986, x1: 994, y0: 30, y1: 54 },
    ];
    const words = columnWords([...label1, ...values, ...seven, ...glyphs(60, 9, 56, 84)], 28);
    expect(words.filter((w) => w.x1 > 980 && w.x0 < 996)).toHaveLength(1);
    expect(
      words
        .filter((w) => w.x0 >= 700)
        .map((w) => w.x0)
        .sort((a, b) => a - b),
    ).toEqual([760, 850, 920, 980]);
  });
});

describe("Chinese characters read where digits stand", () => {
  const line = (before: boolean, numbers: number) => () => ({ before, numbers });
  it("reads again a character from ink narrower than one, however sure, beside a label and a number", () => {
    // 国 read with confidence 88 from a 1 (0.35 em of ink), in a row whose only other value is its total.
    expect(hanForDigit("国", 88, 0.35, false, line(true, 1))).toBe(true);
    expect(hanForDigit("国", 88, 0.35, true, line(true, 1))).toBe(true);
    // A character's own width, sure, or no number on its line (a header's narrow column): as read.
    expect(hanForDigit("国", 88, 0.95, false, line(true, 3))).toBe(false);
    expect(hanForDigit("其", 90, 0.6, false, line(true, 0))).toBe(false);
  });

  it("reads again the first cell of Table 4's row, with no label before it, when unsure among numbers", () => {
    expect(hanForDigit("本", 30, 0.9, false, line(false, 14))).toBe(true);
    expect(hanForDigit("本", 30, 0.9, false, line(false, 2))).toBe(false);
    // An unsure character after a label needs two numbers on its line; sure and full-width, none.
    expect(hanForDigit("号", 20, 0.9, false, line(true, 2))).toBe(true);
    expect(hanForDigit("号", 90, 0.9, false, line(true, 6))).toBe(false);
    expect(hanForDigit("号", 20, 0.9, true, line(true, 6))).toBe(false);
  });
});

describe("ink no word covers", () => {
  it("leaves out a ruling the detector missed, cut into thin strokes at every row, and keeps a lone 1", () => {
    // At an em of 29 px: a faint right border at x 1610–1620, cut by the erased horizontal rulings
    // into strokes of 55 px and a 10 px stub; a lone 1 (8 × 20 px) that no word covers.
    const border = [180, 520, 580, 715, 850].map((y0) => ({ x0: 1610, x1: 1620, y0, y1: y0 + 55 }));
    const stub = { x0: 1610, x1: 1620, y0: 100, y1: 110 };
    const one = { x0: 1500, x1: 1508, y0: 600, y1: 620 };
    const left = unreadInk([...border, stub, one], [], 29, { h: [], v: [] });
    expect(left).toEqual([one]);
    // A single thin tall stroke is left to the other tests (its ink stays unread).
    expect(unreadInk([border[0], one], [], 29, { h: [], v: [] })).toHaveLength(2);
  });

  it("drops the page reading's words over no ink left once the cells and column words were painted white", () => {
    // A shaded row's values, read apart as column words, are painted white for the page's reading,
    // which makes up `ee` over the shade between them; the row's label, not read apart, stays.
    const word = (text: string, left: number, top: number, width: number): OcrWord => ({
      text,
      conf: 30,
      left,
      top,
      width,
      height: 40,
      page: 1,
      line: "1",
    });
    const zeros = [986, 1111, 1241].map((x0) => ({ x0, x1: x0 + 28, y0: 956, y1: 999 }));
    const label = { x0: 771, x1: 914, y0: 956, y1: 999 };
    const words = [word("报投诉类", 771, 956, 143), word("ee", 930, 944, 151), word("ee", 1157, 944, 83)];
    const kept = wordsOnInkLeft(words, [label, ...zeros], zeros);
    expect(kept.map((w) => w.text)).toEqual(["报投诉类"]);
  });
});

describe("lines of a page read one cell per line", () => {
  // A Word table saved one paragraph per cell and printed: one cell a line at a pitch of 26.25 pt, an
  // empty cell an empty line. Words in points (scale 1), 10 pt high; the engine boxes some words of
  // Chinese characters most of an em too tall, below the line.
  const w = (text: string, left: number, top: number, height: number, line: string): OcrWord => ({
    text,
    conf: 95,
    left,
    top,
    width: 10 * text.length,
    height,
    page: 1,
    line,
  });
  const pitch = 26.25;
  const bottomOf = (k: number) => 60 + k * pitch;
  /** Line k holding a value (digits sit on the baseline, 7.5 pt high). */
  const value = (k: number, text: string) => [w(text, 300, bottomOf(k) - 7.5, 7.5, `l${k}`)];
  /** Line k holding a row label `2.其他法律行政法规禁止公开`, two of its words boxed too tall. */
  const label = (k: number, ordinal: boolean) => [
    ...(ordinal ? [w("2.", 240, bottomOf(k) - 7.5, 7.5, `l${k}`)] : []),
    w("其他", 260, bottomOf(k) - 9.5, 10.5, `l${k}`),
    w("法律", 282, bottomOf(k) - 10, 17, `l${k}`),
    w("行政法规", 304, bottomOf(k) - 10, 17, `l${k}`),
    w("禁止公开", 350, bottomOf(k) - 9.5, 10.5, `l${k}`),
  ];

  it("puts a line on its baseline: its digits, else its words boxed tight (not the lowest box)", () => {
    expect(lineBottom(label(3, true))).toBeCloseTo(bottomOf(3) + 0, 5);
    expect(lineBottom(label(3, false))).toBeCloseTo(bottomOf(3) + 1, 5);
    expect(lineBottom([w("一", 10, 50, 1.5, "x"), w("总体情况", 30, 45, 10, "x")])).toBe(55);
  });

  it("counts the empty lines between cells as a text PDF's layout does", () => {
    // 0, (empty), 0, 0, label, (empty), 8, 0, (empty), 11
    const words = [
      ...value(0, "0"),
      ...value(2, "0"),
      ...value(3, "0"),
      ...label(4, false),
      ...value(6, "8"),
      ...value(7, "0"),
      ...value(9, "11"),
    ];
    const pieces = wordsToPieces(words, [], 1, 10.5);
    const blocks = layoutPages([{ page: 1, width: 595, height: 842, pieces, h: [], v: [] }]);
    const seq = blocks.map((b) => (b.kind === "text" ? (b as TextBlock).text || "_" : "table"));
    expect(seq).toEqual(["0", "_", "0", "0", "其他法律行政法规禁止公开", "_", "8", "0", "_", "11"]);
  });
});

describe("row labels misread by OCR", () => {
  const word = (text: string, conf: number, left: number, line = "l1"): OcrWord => ({
    text,
    conf,
    left,
    top: 0,
    width: 20,
    height: 20,
    page: 1,
    line,
  });

  it("finds a reading inside a label with the fewest edits", () => {
    expect(bestStretch("无正当理由这期不补正", "申请人无正当理由逾期不补正行政机关不再处理")).toEqual({
      dist: 1,
      start: 3,
      end: 13,
    });
  });

  it("puts an unsure label back in the template's wording, with its ordinal", () => {
    const out = snapLabels([
      word("1.", 90, 0),
      word("申请人无正当理由这期不补正", 25, 20),
      word("、行政机关", 92, 300),
    ]);
    expect(out.map((w) => w.text)).toEqual(["1.申请人无正当理由逾期不补正行政机关"]);
    expect(out[0].conf).toBe(SNAPPED_LABEL_CONF);
  });

  it("leaves lines with digits, sure lines and readings too far from any label as read", () => {
    const lines = [
      [word("本机关不掌握相关政府信患", 40, 0, "a"), word("12", 40, 300, "a")],
      [word("本机关不掌握相关政府信患", 95, 0, "b")],
      [word("全年共收到申请若干件", 30, 0, "c")],
    ];
    for (const line of lines) expect(snapLabels(line).map((w) => w.text)).toEqual(line.map((w) => w.text));
  });
});

describe("flags of an OCR document's cells", () => {
  const model: DocumentModel = {
    form: "pdf",
    blocks: [],
    warnings: [],
    ocr: { pages: 1, words: 10, lowConfidenceWords: 0, seconds: 1, skewDeg: [0] },
  };
  const cell = (key: string, raw: string): CanonicalCell => ({
    key,
    raw,
    value: raw === "" ? null : Number(raw),
    status: raw === "" ? "blank" : "number",
    confidence: 1,
    pos: { page: 1 },
  });

  it("flags blanks and the rows around a template row OCR did not find", () => {
    const keys = versionKeys("GOP2021");
    const missingRow = "applications.result.other.no_correction_overdue";
    const cells = keys.filter((k) => !k.startsWith(`${missingRow}.`)).map((k) => cell(k, "0"));
    const blank = cells.find((c) => c.key === "applications.new_received.total")!;
    Object.assign(blank, { raw: "", status: "blank", value: null });
    const flags = applyOcrConfidence(model, cells, "GOP2021");
    const flagged = new Set(flags.filter((f) => f.severity !== "info").flatMap((f) => f.keys ?? []));
    expect(flagged.has("applications.new_received.total")).toBe(true);
    // The rows before and after the missing one: their values may be the missing row's.
    expect(flagged.has("applications.result.not_processed.confirm_or_reissue.natural_person")).toBe(true);
    expect(flagged.has("applications.result.other.fee_unpaid_overdue.total")).toBe(true);
    // Far from it, a number read with confidence is not flagged.
    expect(flagged.has("applications.carried_over.natural_person")).toBe(false);
    expect(cells.every((c) => c.confidence <= 0.9)).toBe(true);
  });

  it("flags the values of a sum that does not add up with its blanks as 0, though each was read with confidence", () => {
    // 0 read as 4 with confidence in a row whose other cells are blank or doubted: R2 is unknown there
    // (a blank is no number), but with the blanks as 0 the row and its column do not add up.
    const cells = versionKeys("GOP2021").map((k) => cell(k, "0"));
    const row = "applications.result.unable.unclear_after_correction";
    const set = (key: string, raw: string) =>
      Object.assign(cells.find((c) => c.key === key)!, {
        raw,
        value: raw === "" ? null : Number(raw),
        status: raw === "" ? "blank" : "number",
      });
    set(`${row}.natural_person`, "4");
    set(`${row}.commercial_enterprise`, "");
    set(`${row}.social_welfare_org`, "");
    const flags = applyOcrConfidence(model, cells, "GOP2021");
    const flagged = new Set(flags.filter((f) => f.severity !== "info").flatMap((f) => f.keys ?? []));
    expect(flagged.has(`${row}.natural_person`)).toBe(true);
    expect(flagged.has(`${row}.total`)).toBe(true);
    expect(flagged.has("applications.result.total.natural_person")).toBe(true);
    // Sums that add up leave their values unflagged.
    expect(flagged.has("applications.result.granted.commercial_enterprise")).toBe(false);
    expect(flagged.has("appeals.review.total")).toBe(false);
  });

  it("flags the values of a row whose label OCR put back in the template's wording", () => {
    const grid = ocrGridCell;
    const snapped = {
      ...model,
      blocks: [
        {
          kind: "table" as const,
          spans: "known" as const,
          pos: { page: 1, table: 0 },
          rows: [[grid("1.本机关不掌握相关政府信息", 0, 0.05), grid("14", 1, 0.97)]],
        },
      ],
    };
    const value = {
      ...cell("applications.result.unable.not_held.natural_person", "14"),
      pos: { page: 1, table: 0, row: 0, col: 1 },
    };
    const other = {
      ...cell("applications.new_received.natural_person", "3"),
      pos: { page: 1, table: 1, row: 0, col: 1 },
    };
    const flags = applyOcrConfidence(snapped, [value, other]);
    const flagged = flags.filter((f) => f.severity !== "info").flatMap((f) => f.keys ?? []);
    expect(flagged).toContain(value.key);
    expect(flagged).not.toContain(other.key);
  });
});

// PDF page layout: positioned pieces and rulings → text lines, ruled and borderless table grids, in
// reading order, with page furniture (page numbers, running headers) removed.
import {
  type Block,
  type GridCell,
  OCR_DOUBTED_BELOW,
  OCR_NOT_AS_PRINTED,
  type PageBox,
  type TableBlock,
  type TextBlock,
} from "../model/document.js";
import { readPartialLabel } from "../normalize/partial-labels.js";
import { matchT3Rows, T3_COLUMN_HEADINGS } from "../normalize/template.js";
import { isFigureText, isValueText, labelKey, normalizeText, parseCellValue } from "../normalize/text.js";
import { mapPacked } from "../packed-arrays.js";
import { type HSeg, type Piece, splitPieceAt, splitTrailingNumber, type VSeg } from "./pdf-geometry.js";

export interface PageInput {
  /** 1-based page number. */
  page: number;
  width: number;
  height: number;
  pieces: Piece[];
  h: HSeg[];
  v: VSeg[];
}

interface Line {
  pieces: Piece[];
  top: number;
  bottom: number;
  base: number;
  size: number;
  /** 1-based line number on the page (all text, tables included), for positions. */
  no: number;
}

const WIDE_CHAR =
  /[\u2e80-\ua4cf\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\u3000-\u303f\u2018-\u201f\u2026]/;

// ------------------------------------------------------------------ lines and text

/** Groups horizontal pieces into lines by baseline, each line's pieces left to right. */
function groupLines(pieces: Piece[]): Line[] {
  const sorted = pieces.filter((p) => !p.vertical).sort((a, b) => a.base - b.base || a.x0 - b.x0);
  const lines: Line[] = [];
  let cur: Line | undefined;
  for (const p of sorted) {
    if (cur && Math.abs(p.base - cur.base) <= 0.45 * Math.min(p.size, cur.size)) {
      cur.pieces.push(p);
      cur.top = Math.min(cur.top, p.top);
      cur.bottom = Math.max(cur.bottom, p.bottom);
      cur.size = Math.max(cur.size, p.size);
      continue;
    }
    cur = { pieces: [p], top: p.top, bottom: p.bottom, base: p.base, size: p.size, no: 0 };
    lines.push(cur);
  }
  // Ink OCR could not read (U+FFFD, its box an em high) inside the height of a line it does not share a
  // baseline with (a word read with a box taller than its glyphs: （七）总计 as �� and a tall 总计) is part
  // of that line, not a line of its own between it and the next.
  const unread = (l: Line) => l.pieces.every((p) => p.conf !== undefined && /^\ufffd+$/.test(p.text));
  for (let k = lines.length - 1; k >= 0; k--) {
    const l = lines[k];
    if (!unread(l)) continue;
    const host = lines.find(
      (o) =>
        o !== l && !unread(o) && o.pieces[0].conf !== undefined && o.top <= l.top && o.bottom >= l.bottom,
    );
    if (!host) continue;
    host.pieces.push(...l.pieces);
    lines.splice(k, 1);
  }
  for (const l of lines) l.pieces.sort((a, b) => a.x0 - b.x0);
  return lines;
}

/** Whether a space belongs between two neighbouring pieces of one line. */
function spaceBetween(a: Piece, b: Piece): boolean {
  const gap = b.x0 - a.x1;
  const size = Math.min(a.size, b.size);
  const wideA = WIDE_CHAR.test(a.text[a.text.length - 1]);
  const wideB = WIDE_CHAR.test(b.text[0]);
  if (wideA && wideB) return gap > 1.5 * size;
  if (wideA || wideB) return gap > 0.5 * size;
  return gap > 0.25 * size || (b.afterSpace === true && gap > -0.2 * size);
}

/**
 * A line's text. With the page's value columns (valueColumnStarts), a value that starts on one is set
 * apart from the label before it even at a narrow gap, as segmentsOf cuts it.
 */
function joinLine(pieces: Piece[], columns?: Map<number, number>): string {
  let s = "";
  pieces.forEach((p, i) => {
    if (
      i > 0 &&
      (spaceBetween(pieces[i - 1], p) || (columns && labelThenColumnValue(pieces[i - 1], p, columns)))
    )
      s += " ";
    s += p.text;
  });
  return s;
}

/** True when `a` (a label) is followed at a visible gap by `b`, a value on one of the page's value columns. */
function labelThenColumnValue(a: Piece, b: Piece, columns: Map<number, number>): boolean {
  if (b.x0 - a.x1 < 0.15 * Math.min(a.size, b.size) || isValueText(a.text) || !isValueText(b.text))
    return false;
  const x = Math.round(b.x0);
  return (columns.get(x) ?? 0) + (columns.get(x - 1) ?? 0) + (columns.get(x + 1) ?? 0) >= 2;
}

/** Text of a table cell: its lines top to bottom, wrapped lines joined without a space. */
function cellText(pieces: Piece[]): string {
  const vertical = pieces.filter((p) => p.vertical).sort((a, b) => a.x0 - b.x0 || a.top - b.top);
  const lines = groupLines(pieces).map((l) => joinLine(l.pieces));
  return normalizeText([...lines, ...vertical.map((p) => p.text)].join(""))
    .replace(/\s+/g, " ")
    .trim();
}

/** Lowest OCR confidence among pieces read by OCR; undefined for text-layer pieces. */
function lowestConf(pieces: Piece[]): number | undefined {
  let low: number | undefined;
  for (const p of pieces) if (p.conf !== undefined) low = Math.min(low ?? 1, p.conf);
  return low;
}

/**
 * Each character's OCR confidence in a line's text: the confidence of the piece (the engine's word) it
 * was read in, found by walking the pieces' characters in order; whitespace has 1, and a character the
 * walk cannot place (changed by normalization) the line's lowest.
 */
function charConfidences(text: string, pieces: Piece[], low: number): number[] {
  const read: [string, number][] = [];
  for (const p of pieces)
    for (const ch of normalizeText(p.text).replace(/\s+/g, "")) read.push([ch, p.conf ?? low]);
  let at = 0;
  return Array.from(text, (ch) => {
    if (/\s/.test(ch)) return 1;
    for (let k = at; k < Math.min(read.length, at + 3); k++) {
      if (read[k][0] === ch) {
        at = k + 1;
        return read[k][1];
      }
    }
    return low;
  });
}

// ------------------------------------------------------------------ page furniture

const PAGE_NUMBER =
  /^(?:[-—–_~·•\s]*\d{1,4}[-—–_~·•\s]*|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*\/\s*\d{1,4}|(?:page|p\.)\s*\d{1,4}(?:\s*of\s*\d{1,4})?)$/i;

/**
 * Page furniture: the outermost lines of a page, in its top or bottom margin, that are page numbers or
 * repeat (digits aside) at the same height on at least half the pages. Only the run of such lines at
 * the very top or bottom is taken, so a table row that happens to reach into the margin stays.
 */
function furniture(pages: { page: PageInput; lines: Line[] }[]): Set<Line> {
  const out = new Set<Line>();
  const text = (l: Line) => joinLine(l.pieces).trim();
  const key = (l: Line) => `${Math.round(l.top / 4)}|${text(l).replace(/\d+/g, "#")}`;
  const inTop = (l: Line, p: PageInput) => l.bottom < p.height * 0.08;
  const inBottom = (l: Line, p: PageInput) => l.top > p.height * 0.92;
  const counts = new Map<string, number>();
  for (const { page, lines } of pages) {
    for (const k of new Set(lines.filter((l) => inTop(l, page) || inBottom(l, page)).map(key))) {
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  }
  // A bare number in a margin is a page number when the numbers there run with the pages (7 on page 1,
  // 8 on page 2 …, on at least half of them), or on a one-page document when it stands apart from the
  // text; otherwise it may be a value printed on a line of its own at the top or bottom of a page (a
  // table flattened to one paragraph per cell).
  const bare = (l: Line) => /^[+-]?\d{1,4}$/.test(text(l));
  const offsets = new Map<string, number>();
  for (const { page, lines } of pages) {
    for (const l of lines) {
      const where = inTop(l, page) ? "top" : inBottom(l, page) ? "bottom" : undefined;
      if (!where || !bare(l)) continue;
      const k = `${where}|${Number(text(l)) - page.page}`;
      offsets.set(k, (offsets.get(k) ?? 0) + 1);
    }
  }
  const pageOf = new Map<Line, { page: PageInput; lines: Line[] }>();
  for (const p of pages) for (const l of p.lines) pageOf.set(l, p);
  // The page's usual distance between neighbouring lines (median); a page number stands further off.
  const pitchOf = new Map<PageInput, number>();
  for (const { page, lines } of pages) {
    const tops = lines.map((l) => l.top).sort((a, b) => a - b);
    const steps = tops
      .slice(1)
      .map((t, i) => t - tops[i])
      .filter((d) => d > 1)
      .sort((a, b) => a - b);
    pitchOf.set(page, steps[Math.floor(steps.length / 2)] ?? 0);
  }
  const apart = (l: Line) => {
    const p = pageOf.get(l);
    const gap = Math.min(
      ...(p?.lines ?? [])
        .filter((o) => o !== l)
        .map((o) => (o.top >= l.bottom ? o.top - l.bottom : l.top >= o.bottom ? l.top - o.bottom : 0)),
    );
    const pitch = p ? (pitchOf.get(p.page) ?? 0) : 0;
    return gap >= 1.5 * (l.bottom - l.top) && gap + (l.bottom - l.top) > 1.5 * pitch;
  };
  const isPageNumber = (l: Line) => {
    if (!bare(l)) return true;
    const p = pageOf.get(l);
    const where = p && inTop(l, p.page) ? "top" : "bottom";
    const n = Number(text(l));
    const page = p?.page.page ?? 0;
    // In a document of several pages a number standing apart may be a value whose empty neighbours
    // left it alone (blankCellLines); only one page's number is told by standing apart, and by being a
    // number a page can have.
    const running = offsets.get(`${where}|${n - page}`) ?? 0;
    if (running >= 2 && running >= pages.length / 2) return true;
    return pages.length === 1 && apart(l) && n >= 1 && n <= page + 10;
  };
  const isFurniture = (l: Line) => {
    if (PAGE_NUMBER.test(text(l)) || bare(l)) return isPageNumber(l);
    const n = counts.get(key(l)) ?? 0;
    return pages.length >= 2 && n >= 2 && n >= pages.length / 2;
  };
  for (const { page, lines } of pages) {
    const sorted = [...lines].sort((a, b) => a.top - b.top);
    for (const l of sorted) {
      if (!inTop(l, page) || !isFurniture(l)) break;
      out.add(l);
    }
    for (const l of sorted.reverse()) {
      if (!inBottom(l, page) || !isFurniture(l)) break;
      out.add(l);
    }
  }
  return out;
}

// ------------------------------------------------------------------ ruled tables

interface Grid {
  top: number;
  bottom: number;
  left: number;
  right: number;
  block: TableBlock;
  /** A borderless table's value columns (x-extents), blank ones included. */
  valueCols?: [number, number][];
}

function cluster(values: number[], tol: number): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const out: number[][] = [];
  for (const v of sorted) {
    const last = out[out.length - 1];
    if (last && v - last[last.length - 1] <= tol) last.push(v);
    else out.push([v]);
  }
  return out.map((c) => c.reduce((a, b) => a + b, 0) / c.length);
}

function mergeH(segs: HSeg[]): HSeg[] {
  const out: HSeg[] = [];
  for (const y of cluster(
    segs.map((s) => s.y),
    1,
  )) {
    const row = segs.filter((s) => Math.abs(s.y - y) <= 1.01).sort((a, b) => a.x0 - b.x0);
    let cur: HSeg | undefined;
    for (const s of row) {
      if (cur && s.x0 <= cur.x1 + 2) cur.x1 = Math.max(cur.x1, s.x1);
      else {
        cur = { y, x0: s.x0, x1: s.x1 };
        out.push(cur);
      }
    }
  }
  return out.filter((s) => s.x1 - s.x0 >= 3);
}

function mergeV(segs: VSeg[]): VSeg[] {
  return mergeH(segs.map((s) => ({ y: s.x, x0: s.y0, x1: s.y1 }))).map((s) => ({
    x: s.y,
    y0: s.x0,
    y1: s.x1,
  }));
}

/** Share of [a, b] covered by the given intervals. */
function coverage(intervals: [number, number][], a: number, b: number): number {
  const parts = intervals
    .map(([s, e]) => [Math.max(s, a), Math.min(e, b)] as [number, number])
    .filter(([s, e]) => e > s)
    .sort((x, y) => x[0] - y[0]);
  let covered = 0;
  let end = a;
  for (const [s, e] of parts) {
    if (e <= end) continue;
    covered += e - Math.max(s, end);
    end = e;
  }
  return b > a ? covered / (b - a) : 1;
}

class UnionFind {
  parent: number[];
  constructor(n: number) {
    this.parent = Array.from({ length: n }, (_, i) => i);
  }
  find(i: number): number {
    while (this.parent[i] !== i) {
      this.parent[i] = this.parent[this.parent[i]];
      i = this.parent[i];
    }
    return i;
  }
  union(a: number, b: number) {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
}

/**
 * Finds the ruled tables of a page: connected sets of horizontal and vertical rulings. Grid lines come
 * from the ruling positions; two neighbouring grid cells belong to one (merged) cell where no ruling
 * separates them. Pieces are placed in cells by their centre; the pieces used are removed from `free`.
 */
function ruledTables(page: PageInput, free: Set<Piece>): Grid[] {
  const H = mergeH(page.h);
  const V = mergeV(page.v);
  if (H.length < 2 || V.length < 2) return [];
  const tol = 2.5;
  const uf = new UnionFind(H.length + V.length);
  H.forEach((h, i) => {
    V.forEach((v, j) => {
      if (v.x >= h.x0 - tol && v.x <= h.x1 + tol && h.y >= v.y0 - tol && h.y <= v.y1 + tol)
        uf.union(i, H.length + j);
    });
  });
  const comps = new Map<number, { h: HSeg[]; v: VSeg[] }>();
  H.forEach((h, i) => {
    const r = uf.find(i);
    const c = comps.get(r) ?? { h: [], v: [] };
    c.h.push(h);
    comps.set(r, c);
  });
  V.forEach((v, j) => {
    const r = uf.find(H.length + j);
    const c = comps.get(r) ?? { h: [], v: [] };
    c.v.push(v);
    comps.set(r, c);
  });
  const grids: Grid[] = [];
  const boxOf = (c: { h: HSeg[]; v: VSeg[] }) => ({
    x0: Math.min(...c.h.map((h) => h.x0), ...c.v.map((v) => v.x)),
    x1: Math.max(...c.h.map((h) => h.x1), ...c.v.map((v) => v.x)),
    y0: Math.min(...c.v.map((v) => v.y0), ...c.h.map((h) => h.y)),
    y1: Math.max(...c.v.map((v) => v.y1), ...c.h.map((h) => h.y)),
  });
  const tables = [...comps.values()].filter((c) => c.h.length >= 2 && c.v.length >= 2);
  const boxes = tables.map(boxOf);
  // A ruled box drawn around another ruled table (a web page's layout frame printed by a browser: its
  // side menu and content column) is no table: its text is read as lines, the inner table as a table.
  const frames = new Set(
    tables.filter((_, i) =>
      boxes.some(
        (b, j) =>
          j !== i &&
          b.x0 >= boxes[i].x0 - 1 &&
          b.x1 <= boxes[i].x1 + 1 &&
          b.y0 >= boxes[i].y0 - 1 &&
          b.y1 <= boxes[i].y1 + 1 &&
          (b.x1 - b.x0) * (b.y1 - b.y0) < 0.9 * (boxes[i].x1 - boxes[i].x0) * (boxes[i].y1 - boxes[i].y0),
      ),
    ),
  );
  for (const comp of tables) {
    if (frames.has(comp)) continue;
    const xs = cluster(
      comp.v.map((v) => v.x),
      3.5,
    );
    const ys = cluster(
      comp.h.map((h) => h.y),
      3.5,
    );
    // Grid lines closer than 3.5 pt (double rules, slightly offset borders) are one line. Edges
    // without a ruling of their own (open-sided tables) are implicit borders.
    const implicitX = new Set<number>();
    const implicitY = new Set<number>();
    const minX = Math.min(...comp.h.map((h) => h.x0));
    const maxX = Math.max(...comp.h.map((h) => h.x1));
    const minY = Math.min(...comp.v.map((v) => v.y0));
    const maxY = Math.max(...comp.v.map((v) => v.y1));
    if (minX < xs[0] - 4) {
      xs.unshift(minX);
      implicitX.add(0);
    }
    if (maxX > xs[xs.length - 1] + 4) {
      xs.push(maxX);
      implicitX.add(xs.length - 1);
    }
    if (minY < ys[0] - 4) {
      ys.unshift(minY);
      implicitY.add(0);
    }
    if (maxY > ys[ys.length - 1] + 4) {
      ys.push(maxY);
      implicitY.add(ys.length - 1);
    }
    const nc = xs.length - 1;
    const nr = ys.length - 1;
    if (nc < 1 || nr < 1 || nc * nr < 2) continue;
    const vAt = xs.map((x) =>
      comp.v.filter((v) => Math.abs(v.x - x) <= 3).map((v) => [v.y0, v.y1] as [number, number]),
    );
    const hAt = ys.map((y) =>
      comp.h.filter((h) => Math.abs(h.y - y) <= 3).map((h) => [h.x0, h.x1] as [number, number]),
    );
    const cells = new UnionFind(nr * nc);
    for (let r = 0; r < nr; r++) {
      for (let c = 0; c < nc; c++) {
        if (c + 1 < nc && !implicitX.has(c + 1) && coverage(vAt[c + 1], ys[r], ys[r + 1]) < 0.5) {
          cells.union(r * nc + c, r * nc + c + 1);
        }
        if (r + 1 < nr && !implicitY.has(r + 1) && coverage(hAt[r + 1], xs[c], xs[c + 1]) < 0.5) {
          cells.union(r * nc + c, (r + 1) * nc + c);
        }
      }
    }
    // Spans: the bounding box of each merged group, its origin at the top-left position.
    const span = new Map<number, { r0: number; c0: number; r1: number; c1: number; pieces: Piece[] }>();
    for (let r = 0; r < nr; r++) {
      for (let c = 0; c < nc; c++) {
        const root = cells.find(r * nc + c);
        const s = span.get(root);
        if (!s) span.set(root, { r0: r, c0: c, r1: r, c1: c, pieces: [] });
        else {
          s.r0 = Math.min(s.r0, r);
          s.c0 = Math.min(s.c0, c);
          s.r1 = Math.max(s.r1, r);
          s.c1 = Math.max(s.c1, c);
        }
      }
    }
    const left = xs[0];
    const right = xs[nc];
    const top = ys[0];
    const bottom = ys[nr];
    const rowOf = (cy: number) => {
      let r = 0;
      while (r < nr - 1 && cy >= ys[r + 1]) r++;
      return r;
    };
    const used: Piece[] = [];
    const placed: Piece[] = [];
    for (const p of free) {
      const cx = (p.x0 + p.x1) / 2;
      const cy = (p.top + p.bottom) / 2;
      if (cx < left - 1 || cx > right + 1 || cy < top - 1 || cy > bottom + 1) continue;
      used.push(p);
      // Text never crosses a cell border: a piece that does holds the text of two cells.
      const r = rowOf(cy);
      let parts = [p];
      for (let k = 1; k < nc; k++) {
        const x = xs[k];
        const keeps = (q: Piece) => q.vertical || x <= q.x0 + 0.2 * q.size || x >= q.x1 - 0.2 * q.size;
        // Most pieces cross no grid line: the border's coverage is only looked at for those that do.
        if (parts.every(keeps) || coverage(vAt[k], ys[r], ys[r + 1]) < 0.5) continue;
        parts = parts.flatMap((q) => (keeps(q) ? [q] : (splitPieceAt(q, x) ?? [q])));
      }
      for (const q of parts) {
        const qx = (q.x0 + q.x1) / 2;
        let c = 0;
        while (c < nc - 1 && qx >= xs[c + 1]) c++;
        span.get(cells.find(r * nc + c))!.pieces.push(q);
        placed.push(q);
      }
    }
    if (placed.filter((p) => !p.vertical).length === 0) continue;
    // Rulings around part of a table only (its value cells printed without borders: a web page's
    // padded cells, which a word processor's HTML import draws unruled) leave one wide cell holding
    // rows of values side by side: two lines of several values, or three lines of values or more in
    // columns (a row of seven, the rows below with 总计 only). Such rulings are no cell structure: the
    // table is read as a borderless one from its lines. (Values on two lines of one cell, or two
    // values on one line, are what a single lost ruling of a scan leaves: those stay cells.)
    // Each span's text lines, cut into segments once, for both tests below.
    const spanLines = new Map(
      [...span].map(([root, s]) => [root, groupLines(s.pieces).map((l) => segmentsOf(l))]),
    );
    const openArea = [...spanLines.values()].some((segLines) => {
      const lines = segLines.map((segs) => segs.filter((g) => g.value)).filter((v) => v.length > 0);
      const columns = cluster(
        lines.flat().map((g) => g.x1),
        2,
      );
      return lines.filter((v) => v.length >= 2).length >= 2 || (lines.length >= 3 && columns.length >= 2);
    });
    // So are rulings around the labels only, their rows' values printed on the same lines right of
    // them, outside any cell: two lines of such values or more.
    const valuesBeside = [...free].filter((p) => {
      const cy = (p.top + p.bottom) / 2;
      return p.x0 >= right - 1 && cy > top && cy < bottom && isValueText(p.text.trim());
    });
    if (openArea || groupLines(valuesBeside).length >= 2) continue;
    for (const p of used) free.delete(p);
    // A cell spanning columns of the grid in one row, holding one value in each of them (a row's
    // values printed without the borders between them, or their rulings lost in a scan, the grid's
    // columns ruled above and below): the values are that row's cells, each in its column, each with
    // the confidence it was read with.
    const splitValues = new Map<number, Segment[]>();
    for (const [root, s] of span) {
      const lines = spanLines.get(root)!;
      if (s.c1 === s.c0 || s.r1 !== s.r0 || lines.length !== 1) continue;
      const segs = lines[0];
      if (segs.length !== s.c1 - s.c0 + 1 || segs.some((g) => !g.value)) continue;
      const inOwn = segs.every((g, k) => {
        const mid = (g.x0 + g.x1) / 2;
        return mid > xs[s.c0 + k] && mid < xs[s.c0 + k + 1];
      });
      if (inOwn) splitValues.set(root, segs);
    }
    const text = new Map<number, string>();
    const conf = new Map<number, number | undefined>();
    for (const [root, s] of span) {
      const t = cellText(s.pieces);
      text.set(root, t);
      let c = lowestConf(s.pieces);
      // Read by OCR, digits on two lines of one cell are two values whose separating ruling was not
      // seen as often as a number wrapped in its cell; so are two numbers side by side in one cell:
      // such a cell is not read with confidence.
      const digits = s.pieces.filter((p) => /\d/.test(p.text));
      if (c !== undefined && (groupLines(digits).length > 1 || digits.length > 1)) c = Math.min(c, 0.3);
      conf.set(root, c);
    }
    const rows: GridCell[][] = [];
    for (let r = 0; r < nr; r++) {
      const row: GridCell[] = [];
      for (let c = 0; c < nc; c++) {
        const root = cells.find(r * nc + c);
        const s = span.get(root)!;
        // A value of a cut span is a cell of its own column.
        const split = splitValues.get(root)?.[c - s.c0];
        const { r0, c0, r1, c1 } = split ? { r0: r, c0: c, r1: r, c1: c } : s;
        const cf = split ? lowestConf(split.pieces) : conf.get(root);
        row.push({
          ...(cf !== undefined ? { conf: cf } : {}),
          text: split ? split.text : (text.get(root) ?? ""),
          origin: r === r0 && c === c0,
          originRow: r0,
          originCol: c0,
          colspan: c1 - c0 + 1,
          rowspan: r1 - r0 + 1,
          pos: {
            page: page.page,
            row: r,
            col: c,
            box: pageBox(page, xs[c0], ys[r0], xs[c1 + 1], ys[r1 + 1]),
          },
        });
      }
      rows.push(row);
    }
    grids.push({
      top,
      bottom,
      left,
      right,
      block: { kind: "table", rows, spans: "known", pos: { page: page.page } },
    });
  }
  return grids;
}

// ------------------------------------------------------------------ borderless tables

interface Segment {
  pieces: Piece[];
  text: string;
  x0: number;
  x1: number;
  value: boolean;
}

/**
 * Left edges (rounded to whole points) of the values that stand clearly apart on a page's lines, with how
 * many lines have one there: the value columns of a borderless table.
 */
function valueColumnStarts(lines: Line[]): Map<number, number> {
  const starts = new Map<number, number>();
  for (const line of lines) {
    line.pieces.forEach((p, i) => {
      const prev = line.pieces[i - 1];
      if (prev && p.x0 - prev.x1 < 0.3 * Math.min(p.size, prev.size) && p.afterSpace !== true) return;
      if (!isValueText(p.text)) return;
      const x = Math.round(p.x0);
      starts.set(x, (starts.get(x) ?? 0) + 1);
    });
  }
  return starts;
}

/**
 * Cuts a line where the gap is wide (a column gap), or between two values however close. With the
 * page's value columns, a value starting on one of them is cut from the label before it at a narrower
 * gap (a wrapped label filling its cell up to the cell padding of the value beside it).
 */
function segmentsOf(line: Line, columns?: Map<number, number>): Segment[] {
  const segs: Segment[] = [];
  let cur: Piece[] = [];
  const flush = () => {
    if (cur.length === 0) return;
    const text = normalizeText(joinLine(cur)).trim();
    // (In a text layer, a figure printed with a word or a mark, `15(含3)`, is a value too, kept as
    // printed: taken for the end of the label, it left its cell blank. OCR's misreads have their own
    // repair.)
    const value = isValueText(text) || (cur[0].conf === undefined && isFigureText(parseCellValue(text)));
    segs.push({ pieces: cur, text, x0: cur[0].x0, x1: cur[cur.length - 1].x1, value });
    cur = [];
  };
  for (const p of line.pieces) {
    const prev = cur[cur.length - 1];
    if (prev) {
      const gap = p.x0 - prev.x1;
      const size = Math.min(p.size, prev.size);
      const valueA = isValueText(prev.text);
      const valueB = isValueText(p.text);
      const spaced = p.afterSpace === true;
      // Two values are two cells however close; a label and a value are apart at a visible gap.
      if (
        gap >= 0.9 * size ||
        (valueA && valueB && (gap >= 0.15 * size || spaced)) ||
        (valueA !== valueB && (gap >= 0.3 * size || spaced)) ||
        (columns && labelThenColumnValue(prev, p, columns))
      ) {
        flush();
      }
    }
    cur.push(p);
  }
  flush();
  return segs;
}

const ORDINAL = /^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d+[.．、])/;

interface RowLine {
  line: Line;
  segs: Segment[];
  /** Index of the first value segment; -1 for label-only lines. */
  firstValue: number;
  /** OCR read a stray value left of the label: the label is not as printed, so its values are doubted. */
  strayLead?: boolean;
}

/** OCR readings kept as a value though they do not read as one: their confidence drops below doubt. */
const doubtedPieces = (pieces: Piece[]) => pieces.map((p) => ({ ...p, conf: Math.min(p.conf ?? 0, 0.4) }));

const doubted = (s: Segment) => s.pieces.some((p) => p.conf !== undefined && p.conf < OCR_DOUBTED_BELOW);

/**
 * OCR misreadings that would break a table row into prose: a doubted value before the label (a stray
 * mark or an ordinal read as a digit) joins the label, and a doubted non-numeric reading among the
 * values (a value read as letters) stays a value cell, whose low confidence flags it. Text PDFs carry
 * no confidence, so this never applies to them.
 */
function repairOcrRow(segs: Segment[]): { segs: Segment[]; strayLead: boolean } {
  let strayLead = false;
  // (Also on a label-only line: a wrapped label's first line, 部分公开（区分处 read with a stray digit
  // before it, would otherwise end the table there.)
  if (
    segs.length >= 2 &&
    segs[0].value &&
    doubted(segs[0]) &&
    !segs[1].value &&
    (segs.slice(2).some((s) => s.value) || segs.slice(1).every((s) => !s.value && s.text.length >= 2))
  ) {
    segs[0].value = false;
    strayLead = true;
  }
  // The same inside a label printed in parts (三、本年度 ｜ (一) ｜ 予以公开, the ordinal read as 7):
  // a doubted value with label text after it and values after that is a piece of the label.
  for (
    let k = segs.findIndex((s) => s.value);
    k > 0 && k + 2 < segs.length;
    k = segs.findIndex((s) => s.value)
  ) {
    const after = segs[k + 1];
    if (!doubted(segs[k]) || after.value || after.text.length < 2 || !segs.slice(k + 2).some((s) => s.value))
      break;
    // (One label piece with the text after it: a label of more pieces than a row label prints is prose.)
    segs.splice(k, 2, {
      ...after,
      pieces: [...segs[k].pieces, ...after.pieces],
      text: segs[k].text + after.text,
      x0: segs[k].x0,
    });
    strayLead = true;
  }
  const firstValue = segs.findIndex((s) => s.value);
  if (firstValue > 0) {
    for (const s of segs.slice(firstValue)) {
      if (s.value) continue;
      if (doubted(s) && s.text.length <= 8) s.value = true;
      // A value read with a character run into it (13 read as 上3), however confident, is that value
      // misread: a value cell, doubted.
      else if (s.text.length <= 4 && /\d/.test(s.text) && s.pieces.every((p) => p.conf !== undefined)) {
        s.value = true;
        s.pieces = doubtedPieces(s.pieces);
      }
    }
  } else if (firstValue === 0 && segs.filter((s) => s.value).length >= 3) {
    // A line of values only (Table 4's one row): a doubted reading among them that holds a digit
    // (‘4, a value with a speck before it) is a value cell, flagged by its confidence.
    for (const s of segs)
      if (!s.value && doubted(s) && s.text.length <= 4 && /\d/.test(s.text)) s.value = true;
    // A digit read as a character with confidence (5 read as 本) between two values, as far from
    // each as the values stand from one another, is that column's value misread: a value cell, doubted.
    const steps = segs
      .slice(1)
      .map((s, k) => (s.x0 + s.x1) / 2 - (segs[k].x0 + segs[k].x1) / 2)
      .sort((a, b) => a - b);
    const step = steps[Math.floor(steps.length / 2)];
    // (So is the line's last reading, a column's step after the value before it: 4 read as 了.)
    segs.forEach((s, k) => {
      const [prev, next] = [segs[k - 1], segs[k + 1]];
      const last = k === segs.length - 1;
      if (s.value || !prev?.value || !(next?.value || last) || s.pieces.some((p) => p.conf === undefined))
        return;
      const mid = (s.x0 + s.x1) / 2;
      if ([...s.text].length > 2 || mid - (prev.x0 + prev.x1) / 2 < 0.6 * step) return;
      if (last ? mid - (prev.x0 + prev.x1) / 2 > 1.6 * step : (next.x0 + next.x1) / 2 - mid < 0.6 * step)
        return;
      s.value = true;
      s.pieces = doubtedPieces(s.pieces);
    });
  }
  return { segs, strayLead };
}

function classify(line: Line, columns?: Map<number, number>): RowLine | undefined {
  const { segs, strayLead } = repairOcrRow(segmentsOf(line, columns));
  const firstValue = segs.findIndex((s) => s.value);
  const label = segs
    .slice(0, firstValue < 0 ? segs.length : firstValue)
    .map((s) => s.text)
    .join("");
  // A label longer than a row label is prose, unless it holds one: a wide table prints a group label and
  // a long row label on one line (（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用、…, 43 characters).
  if (/[。；;]/.test(label) || (label.length > 40 && (label.length > 60 || matchT3Rows(label).length === 0)))
    return undefined;
  if (firstValue >= 0) {
    if (segs.slice(firstValue).some((s) => !s.value)) return undefined;
    if (firstValue > 3) return undefined;
    return strayLead ? { line, segs, firstValue, strayLead } : { line, segs, firstValue };
  }
  return { line, segs, firstValue: -1 };
}

/**
 * Finds tables printed without rulings: runs of lines that end in separately placed values. Value
 * columns come from clustering the x-extents of the values; a row's label is its text before the
 * first value. Label-only lines inside the run (wrapped labels, group labels) join the nearest row
 * when they continue its label, else stand as label-only rows.
 */
function borderlessTables(
  page: PageInput,
  lines: Line[],
  carried: [number, number][] | undefined,
  columns: Map<number, number>,
  before: Line[],
): { tables: Grid[]; consumed: Set<Line> } {
  const tables: Grid[] = [];
  const consumed = new Set<Line>();
  const pitch = (a: Line, b: Line) => b.top - a.bottom;
  // Each line read as a row once (a line is looked at as a run's start and as part of runs before it).
  const rows = mapPacked(lines, (l) => classify(l, columns));
  const gapLimit = rowGapLimit(lines, rows);
  let i = 0;
  while (i < lines.length) {
    const first = rows[i];
    // A table starts at a line with a label and a value, or several values; a lone value may only
    // continue one (a row whose label wrapped onto the lines around it).
    if (!first || first.firstValue < 0 || first.segs.length < 2) {
      i++;
      continue;
    }
    const run: RowLine[] = [first];
    let pending: RowLine[] = [];
    // Left edge of the value columns: text-only lines reaching past it are headers or prose.
    let valueLeft = first.segs[first.firstValue].x0;
    for (let j = i + 1; j < lines.length; j++) {
      const prev = pending.length > 0 ? pending[pending.length - 1].line : run[run.length - 1].line;
      const l = lines[j];
      if (pitch(prev, l) > gapLimit * Math.max(prev.size, l.size)) break;
      const c = rows[j];
      if (!c) break;
      if (c.firstValue < 0) {
        if (c.segs[c.segs.length - 1].x1 > valueLeft + 0.5 * l.size) break;
        pending.push(c);
        // (Large type in a narrow label column wraps a row label and its group label over as many as
        // seven lines between two rows of values: 1.申请人无正当理由 / 逾期不补正、行政机 / … / 理.)
        if (pending.length > 10) break;
        continue;
      }
      valueLeft = Math.min(valueLeft, c.segs[c.firstValue].x0);
      run.push(...pending, c);
      pending = [];
    }
    const valueRows = run.filter((r) => r.firstValue >= 0);
    // One line of several values (Table 4) is a table too: its header may show blank columns.
    if (valueRows.length < 2 && valueRows[0].segs.length - valueRows[0].firstValue < 3) {
      i++;
      continue;
    }
    // The first table of a page may continue the last one of the page before, whose header (and so
    // whose blank columns) stayed there.
    // On a page read by OCR, a stray reading between rows (a stain read as letters, a row whose numbers
    // came back as letters, beside a wrapped label's last line) splits one table in two: the part below
    // keeps the columns of the part just above it (withCarriedColumns checks that they line up).
    const above = tables.at(-1);
    const split =
      above !== undefined &&
      run[0].line.pieces.some((p) => p.conf !== undefined) &&
      run[0].line.top - above.bottom < 6 * run[0].line.size;
    tables.push(
      buildBorderless(
        page,
        run,
        headerAbove(lines, i, tables.length === 0 ? before : [], gapLimit),
        tables.length === 0 ? carried : split ? above.valueCols : undefined,
      ),
    );
    for (const r of run) consumed.add(r.line);
    i = i + run.length;
  }
  return { tables, consumed };
}

/**
 * The widest gap, in font sizes, between two lines of one table on this page: two and a half sizes,
 * or more where the page sets its rows further apart (a portal's line-height of 2 and padded cells
 * put a table's rows three or four sizes apart; its header lines too). Measured on pairs of lines
 * that both print two or more numbers, or a label and a value set apart from it, adjacent or with at
 * most two lines of text between them: rows of a table, whose labels may wrap onto the lines around
 * their values (set in the middle of the row), many of which print one value only (their 总计).
 */
function rowGapLimit(lines: Line[], rows: (RowLine | undefined)[]): number {
  const gaps: number[] = [];
  // 2: several numbers; 1: a label and one value (a line of prose may end so: such pairs count only
  // where they stand no more than four sizes apart, as a padded table's rows do).
  const numbers = mapPacked(lines, (l, k) => {
    if (l.pieces.filter((p) => isValueText(p.text)).length >= 2) return 2;
    return (rows[k]?.firstValue ?? -1) > 0 ? 1 : 0;
  });
  let last = -1;
  for (let k = 0; k < lines.length; k++) {
    if (numbers[k] === 0) continue;
    if (last >= 0 && k - last <= 3) {
      const [a, b] = [lines[last], lines[k]];
      const gap = (b.top - a.bottom) / Math.max(a.size, b.size);
      if ((numbers[last] === 2 && numbers[k] === 2) || gap <= 4) gaps.push(gap);
    }
    last = k;
  }
  if (gaps.length < 2) return 2.5;
  gaps.sort((x, y) => x - y);
  return Math.max(2.5, 1.5 * gaps[Math.floor(gaps.length / 2)]);
}

/**
 * Text-only lines directly above line i (a table's header rows), nearest first. A header that reaches
 * the top of the page goes on with the text lines that ended the page before (`before`, top to
 * bottom): a printer may break a tall header row across pages (自然/人 商/业 on one page, 企/业 on the
 * next).
 */
function headerAbove(lines: Line[], i: number, before: Line[] = [], gapLimit = 2.5): Line[] {
  const out: Line[] = [];
  let below = lines[i];
  const above = (k: number) => (k >= 0 ? lines[k] : before[before.length + k]);
  for (let k = i - 1; k >= -before.length && out.length < 6; k--) {
    const l = above(k);
    if (k !== -1 && below.top - l.bottom > gapLimit * Math.max(l.size, below.size)) break;
    const segs = segmentsOf(l);
    // (A header word that OCR misread as a number, 自然 read as 3, is doubted: it does not end the header.)
    if (segs.some((s) => (s.value && !doubted(s)) || /[。；;]/.test(s.text) || s.text.length > 40)) break;
    out.push(l);
    below = l;
  }
  return out;
}

function buildBorderless(
  page: PageInput,
  run: RowLine[],
  header: Line[],
  carried?: [number, number][],
): Grid {
  // On a page read by OCR, a doubted reading taken for a value that stands where other rows' labels
  // still run, left of where their values start (一一 read from the (一) of a label wrapped over two
  // lines), is a piece of its row's label.
  // (Measured only where some row starts its values with a doubted reading: never on a text PDF.)
  const labelEdge = run.some((r) => r.firstValue >= 0 && doubted(r.segs[r.firstValue]))
    ? Math.min(
        Math.max(0, ...run.filter((r) => r.firstValue > 0).map((r) => r.segs[r.firstValue - 1].x1)),
        ...run
          .filter((r) => r.firstValue >= 0 && r.segs.length - r.firstValue >= 3)
          .map((r) => r.segs[r.firstValue].x0 - 0.5 * r.line.size),
      )
    : -Infinity;
  for (const r of run) {
    while (r.firstValue >= 0 && doubted(r.segs[r.firstValue]) && r.segs[r.firstValue].x1 < labelEdge) {
      r.segs[r.firstValue].value = false;
      r.strayLead = true;
      r.firstValue = r.segs.findIndex((s) => s.value);
    }
  }
  const valueRows = run.filter((r) => r.firstValue >= 0);
  // Value columns: clusters of overlapping x-extents.
  // (An OCR reading kept as a value though it is no number may straddle two columns: it only joins one.)
  const spans = valueRows
    .flatMap((r) =>
      r.segs
        .slice(r.firstValue)
        .filter((s) => isValueText(s.text))
        .map((s) => [s.x0, s.x1, s.pieces[0].size] as [number, number, number]),
    )
    .sort((a, b) => a[0] - b[0]);
  let cols: [number, number][] = [];
  for (const [x0, x1, size] of spans) {
    const t = 0.2 * size;
    const hit = cols.find(([a, b]) => x0 <= b + t && x1 >= a - t);
    if (hit) {
      hit[0] = Math.min(hit[0], x0);
      hit[1] = Math.max(hit[1], x1);
    } else cols.push([x0, x1]);
  }
  for (let changed = true; changed; ) {
    changed = false;
    cols.sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [];
    for (const c of cols) {
      const last = merged[merged.length - 1];
      if (last && c[0] <= last[1]) {
        last[1] = Math.max(last[1], c[1]);
        changed = true;
      } else merged.push([...c] as [number, number]);
    }
    cols = merged;
  }
  // A line of values only (Table 4) read by OCR: a doubted reading kept as a value (‘4) that lies in
  // no column of the numbers is a column of its own, not a part of the nearest one.
  const lone = valueRows.length === 1 && valueRows[0].firstValue === 0 ? valueRows[0].segs : [];
  for (const s of lone) {
    if (isValueText(s.text) || !s.value) continue;
    const t = 0.2 * s.pieces[0].size;
    if (!cols.some(([a, b]) => s.x0 <= b + t && s.x1 >= a - t)) cols.push([s.x0, s.x1]);
  }
  cols.sort((a, b) => a[0] - b[0]);
  // On a page read by OCR, a value misread as letters right after the label (4 read as qd) is no part
  // of the label when it stands inside a value column: it is that column's doubted value.
  // So is a character or two standing alone in a value column, far from the label text before it
  // (3 read as 了), however confident: it is doubted.
  for (const r of valueRows) {
    while (r.firstValue > 1) {
      const seg = r.segs[r.firstValue - 1];
      const inside = cols.some(
        ([a, b]) => Math.min(b, seg.x1) - Math.max(a, seg.x0) >= 0.5 * (seg.x1 - seg.x0),
      );
      const lone =
        [...seg.text].length <= 2 &&
        seg.x0 - r.segs[r.firstValue - 2].x1 >= 2 * seg.pieces[0].size &&
        seg.pieces.every((p) => p.conf !== undefined);
      if (!inside || !((doubted(seg) && seg.text.length <= 4) || lone)) break;
      if (!doubted(seg)) seg.pieces = doubtedPieces(seg.pieces);
      seg.value = true;
      r.firstValue--;
    }
  }
  // Columns blank in every row, right of the last printed value, still have a header above them
  // (too many only adds trailing blanks, which reconstruction trims).
  const lastRight = cols[cols.length - 1][1];
  const size = valueRows[0].line.size;
  const pitch = cols.length > 1 ? (cols[cols.length - 1][0] - cols[0][0]) / (cols.length - 1) : 3 * size;
  const extra = cluster(
    header
      .flatMap((l) => l.pieces)
      .map((p) => (p.x0 + p.x1) / 2)
      .filter((x) => x > lastRight + 0.3 * size),
    Math.max(size, pitch * 0.5),
  );
  const blankCols = extra.length;
  const printedCols = cols;
  cols = withBlankHeaderColumns(cols, valueRows, header, size, pitch, carried !== undefined);
  // Table 3 has seven applicants' columns: under a header naming them, blank columns that would make
  // more are pieces of a printed column's label (法律服务 / 机构 set left of the column's value).
  if (
    cols.length > T3_COLUMN_HEADINGS.length &&
    printedCols.length <= T3_COLUMN_HEADINGS.length &&
    header.some((l) => l.pieces.some((p) => namesApplicants(p.text)))
  )
    cols = printedCols;
  if (carried) cols = withCarriedColumns(cols, carried, size);
  const colOf = (s: Segment) => {
    let best = 0;
    let bestOverlap = Number.NEGATIVE_INFINITY;
    cols.forEach(([a, b], k) => {
      const overlap = Math.min(b, s.x1) - Math.max(a, s.x0);
      if (overlap > bestOverlap) {
        bestOverlap = overlap;
        best = k;
      }
    });
    return best;
  };
  // A value glued to the end of its row's label (`保护第三方合法权益49`, runs < 0.1 em apart) is cut
  // off when it sits in a value column the row leaves empty.
  for (const r of valueRows) {
    if (r.firstValue < 1) continue;
    const seg = r.segs[r.firstValue - 1];
    const last = seg.pieces[seg.pieces.length - 1];
    if (last.x1 <= cols[0][0]) continue;
    const parts = splitTrailingNumber(last);
    if (!parts) continue;
    const [label, num] = parts;
    const value: Segment = { pieces: [num], text: num.text, x0: num.x0, x1: num.x1, value: true };
    const taken = new Set(r.segs.slice(r.firstValue).map(colOf));
    if (num.x1 <= cols[0][0] || taken.has(colOf(value))) continue;
    seg.pieces = [...seg.pieces.slice(0, -1), label];
    seg.text = normalizeText(joinLine(seg.pieces)).trim();
    seg.x1 = label.x1;
    r.segs.splice(r.firstValue, 0, value);
  }
  // Label-only lines, fragment by fragment (a group label and a wrapped row label can share a line):
  // each continues the label of the nearest row, or stands as a label-only row of its own.
  const ownLabel = new Map<RowLine, string>();
  const labelParts = new Map<RowLine, { y: number; x: number; text: string }[]>();
  for (const r of valueRows) {
    const own = r.segs.slice(0, r.firstValue);
    ownLabel.set(r, own.map((s) => s.text).join(""));
    labelParts.set(
      r,
      own.map((s) => ({ y: r.line.top, x: s.x0, text: s.text })),
    );
  }
  const standalone = new Map<RowLine, string[]>();
  const mid = (l: Line) => (l.top + l.bottom) / 2;
  run.forEach((r, idx) => {
    if (r.firstValue >= 0) return;
    const lh = r.line.bottom - r.line.top;
    const before = run
      .slice(0, idx)
      .reverse()
      .find((x) => x.firstValue >= 0);
    const after = run.slice(idx + 1).find((x) => x.firstValue >= 0);
    const near = [before, after]
      .filter((x): x is RowLine => x !== undefined)
      .map((x) => ({ x, d: Math.abs(mid(x.line) - mid(r.line)) }))
      .filter((c) => c.d <= 1.6 * Math.max(lh, c.x.line.bottom - c.x.line.top))
      .sort((a, b) => a.d - b.d);
    for (const seg of r.segs) {
      // A fragment with its own ordinal only completes a row whose printed label is missing or
      // unnumbered; otherwise it is a label of its own (a group label between rows).
      const target = near.find((c) => {
        if (!ORDINAL.test(seg.text)) return true;
        const own = ownLabel.get(c.x) ?? "";
        return own === "" || !ORDINAL.test(own);
      });
      if (target) labelParts.get(target.x)!.push({ y: r.line.top, x: seg.x0, text: seg.text });
      else standalone.set(r, [...(standalone.get(r) ?? []), seg.text]);
    }
  });
  const rows: GridCell[][] = [];
  for (const r of run) {
    const rowNo = rows.length;
    const { top, bottom } = r.line;
    const pos = (col: number, x0?: number, x1?: number) => ({
      page: page.page,
      row: rowNo,
      col,
      ...(x0 === undefined || x1 === undefined ? {} : { box: pageBox(page, x0, top, x1, bottom) }),
    });
    if (r.firstValue < 0) {
      const alone = standalone.get(r);
      if (alone) rows.push([cell(alone.join(""), rowNo, 0, pos(0, r.segs[0]?.x0, r.segs.at(-1)?.x1))]);
      continue;
    }
    const label = labelParts
      .get(r)!
      .sort((a, b) => a.y - b.y || a.x - b.x)
      .map((p) => p.text)
      .join("");
    const values = cols.map(() => [] as string[]);
    const pieces = cols.map(() => [] as Piece[]);
    // A cell's box: its printed text, or the column's extent on the row where it printed nothing.
    const extents = cols.map(([a, b]) => ({ x0: a, x1: b, printed: false }));
    for (const s of r.segs.slice(r.firstValue)) {
      const k = colOf(s);
      values[k].push(s.text);
      pieces[k].push(...s.pieces);
      const e = extents[k];
      if (!e.printed) Object.assign(e, { x0: s.x0, x1: s.x1, printed: true });
      else Object.assign(e, { x0: Math.min(e.x0, s.x0), x1: Math.max(e.x1, s.x1) });
    }
    for (let k = 0; k < blankCols; k++) values.push([]);
    const labelEnd = r.firstValue > 0 ? r.segs[r.firstValue - 1].x1 : undefined;
    rows.push([
      cell(
        label,
        rowNo,
        0,
        pos(0, r.line.pieces[0].x0, labelEnd),
        r.strayLead ? OCR_NOT_AS_PRINTED : undefined,
      ),
      ...values.map((v, k) =>
        cell(
          v.join(" "),
          rowNo,
          k + 1,
          pos(k + 1, extents[k]?.x0, extents[k]?.x1),
          lowestConf(pieces[k] ?? []),
        ),
      ),
    ]);
  }
  const lines = run.map((r) => r.line);
  return {
    top: Math.min(...lines.map((l) => l.top)),
    bottom: Math.max(...lines.map((l) => l.bottom)),
    left: Math.min(...lines.map((l) => l.pieces[0].x0)),
    right: Math.max(...lines.map((l) => l.pieces[l.pieces.length - 1].x1)),
    block: { kind: "table", rows, spans: "known", pos: { page: page.page } },
    valueCols: cols,
  };
}

/**
 * A table continued from the previous page keeps that page's column geometry: where every value
 * column here lines up with one there, the columns there that are empty here are blank columns.
 */
function withCarriedColumns(
  cols: [number, number][],
  carried: [number, number][],
  size: number,
): [number, number][] {
  if (carried.length <= cols.length) return cols;
  // The tolerance stays under half the narrowest gap between the carried columns: a browser may set
  // two columns less than half an em apart (其他 and 总计), and one value column must not seem to lie
  // on both.
  const gaps = carried.slice(1).map((k, i) => k[0] - carried[i][1]);
  const t = Math.max(0, Math.min(0.5 * size, 0.45 * Math.min(...gaps)));
  const overlaps = ([a, b]: [number, number], [c, d]: [number, number]) => a <= d + t && b >= c - t;
  if (!cols.every((c) => carried.filter((k) => overlaps(c, k)).length === 1)) return cols;
  const blanks = carried.filter((k) => !cols.some((c) => overlaps(c, k)));
  return [...cols, ...blanks.map(([a, b]): [number, number] => [(a + b) / 2, (a + b) / 2])].sort(
    (a, b) => a[0] - b[0],
  );
}

/**
 * A line's pieces with the ones that touch joined: one label printed in two fonts (a browser prints
 * 法人或其他组织 with ⼈ from a fallback font) is one label, not three narrow ones.
 */
function touchingRuns(pieces: Piece[]): Piece[] {
  const out: Piece[] = [];
  for (const p of pieces) {
    const last = out[out.length - 1];
    if (last && p.x0 - last.x1 < 0.15 * Math.min(last.size, p.size)) {
      out[out.length - 1] = { ...last, text: last.text + p.text, x1: Math.max(last.x1, p.x1) };
    } else out.push(p);
  }
  return out;
}

/**
 * Whether a header label spans value columns (a centred caption, a group label such as 法人或其他组织):
 * it stands over the middles of two printed columns or more, or is far wider than their spacing. A
 * label wider than the usual spacing over one column is still that column's (自然人 over a first column
 * that a browser or office suite made wider than the rest to fit it).
 */
function spansColumns(p: Piece, cols: [number, number][], pitch: number): boolean {
  if (p.x1 - p.x0 < 0.9 * pitch) return false;
  if (p.x1 - p.x0 >= 1.5 * pitch) return true;
  return cols.filter(([a, b]) => p.x0 <= (a + b) / 2 && (a + b) / 2 <= p.x1).length > 1;
}

/**
 * Adds the value columns a borderless table leaves empty in every row between printed ones: the
 * header still stands over such a column (科研机构 over a column of blanks), so its position is the
 * column's. Header columns are the clusters of the header's labels right of the row labels (only
 * header lines of several cells, and only labels that do not span columns: a centred caption or a
 * group label spanning columns is none). When there are more header columns than value columns, the value
 * columns are matched to header columns in order at the least total distance; a header column left
 * unmatched between two value columns is a blank column.
 */
function withBlankHeaderColumns(
  cols: [number, number][],
  valueRows: RowLine[],
  header: Line[],
  size: number,
  pitch: number,
  continued: boolean,
): [number, number][] {
  if (cols.length < 2 || header.length === 0) return cols;
  // The row labels end where the values begin: a long label in a wide table (2.申请人逾期未按收费… on
  // one line) may reach past the first value column, in a row that leaves that column blank.
  const labelRight = Math.min(
    cols[0][0],
    Math.max(0, ...valueRows.filter((r) => r.firstValue > 0).map((r) => r.segs[r.firstValue - 1].x1)),
  );
  // (A line of one label counts when it is an applicants' heading: a browser sets a one-line heading,
  // 其他, midway down a header row whose other headings wrap over two lines, so on a line of its own.)
  const labels = header
    .filter((l) => l.pieces.length >= 2 || (l.pieces.length === 1 && isApplicantLabel(l.pieces[0].text)))
    .flatMap((l) => touchingRuns(l.pieces))
    // (Table 3's captions head no column, however narrow: a caption set flush left over its columns,
    // 法人或其他组织 over 商业企业 and half of 科研机构, covers the middle of one printed column only.
    // A browser prints 人 from a font of Kangxi radicals, ⼈, which NFKC makes 人.)
    .filter(
      (p) =>
        !spansColumns(p, cols, pitch) &&
        !SPANNING_CAPTION.test(p.text.normalize("NFKC")) &&
        (p.x0 + p.x1) / 2 > labelRight + 0.3 * size,
    )
    .map((p) => ({ x: (p.x0 + p.x1) / 2, x0: p.x0, top: p.top }))
    .sort((a, b) => a.x - b.x);
  // Header columns: labels whose centres lie close together, and how many header lines each fills.
  // Closer than two labels set side by side on one header line, though: a browser squeezes columns
  // left blank in every row to a character's width (商 / 业 / 企 / 业 beside 科 / 研 / 机 / 构, 24 pt
  // apart under a 63 pt value pitch), and each is still a column of its own.
  let sideBySide = Number.POSITIVE_INFINITY;
  for (let i = 0; i < labels.length; i++) {
    for (let j = i + 1; j < labels.length; j++) {
      const d = Math.abs(labels[j].x - labels[i].x);
      if (Math.abs(labels[j].top - labels[i].top) < 0.5 * size && d >= 1.5 * size)
        sideBySide = Math.min(sideBySide, d);
    }
  }
  const groups: { x: number[]; x0: number; lines: Set<number> }[] = [];
  const tol = Math.min(Math.max(size, pitch * 0.4), 0.6 * sideBySide);
  for (const l of labels) {
    const last = groups[groups.length - 1];
    if (last && l.x - last.x[last.x.length - 1] <= tol) {
      last.x.push(l.x);
      last.x0 = Math.min(last.x0, l.x0);
      last.lines.add(Math.round(l.top));
    } else groups.push({ x: [l.x], x0: l.x0, lines: new Set([Math.round(l.top)]) });
  }
  const heads = groups.map((g) => g.x.reduce((a, b) => a + b, 0) / g.x.length);
  const lineCount = groups.map((g) => g.lines.size);
  const n = cols.length;
  const m = heads.length;
  if (header.some((l) => l.pieces.some((p) => p.conf !== undefined))) {
    return withOpenHeaderColumns(cols, header, labelRight, size, continued);
  }
  if (m <= n || m - n > 3) return cols;
  // best[i][j]: least distance matching value columns [0, i) to header columns [0, j), in order.
  const mid = cols.map(([a, b]) => (a + b) / 2);
  const best = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(Number.POSITIVE_INFINITY));
  for (let j = 0; j <= m; j++) best[0][j] = 0;
  for (let i = 1; i <= n; i++) {
    for (let j = i; j <= m; j++) {
      best[i][j] = Math.min(best[i][j - 1], best[i - 1][j - 1] + Math.abs(mid[i - 1] - heads[j - 1]));
    }
  }
  const matched = new Set<number>();
  for (let i = n, j = m; i > 0; j--) {
    if (best[i][j] !== best[i][j - 1]) {
      matched.add(j - 1);
      i--;
    }
  }
  // A blank column is about as wide as the others: an unmatched label less than half the usual
  // header spacing from its neighbours is a fragment of a wider label, not a column.
  const taken = heads.filter((_, j) => matched.has(j));
  const gaps = heads
    .slice(1)
    .map((x, k) => x - heads[k])
    .sort((a, b) => a - b);
  const spacing = gaps[Math.floor(gaps.length / 2)] ?? pitch;
  const lastRight = cols[n - 1][1];
  const blanks: [number, number][] = heads
    .filter((x, j) => {
      if (matched.has(j) || x <= cols[0][0] || x >= lastRight) return false;
      const left = taken.filter((t) => t < x).pop();
      const right = taken.find((t) => t > x);
      // A wrapped two-line label (科研 / 机构) over a blank column, standing clear of its neighbours.
      return (
        left !== undefined &&
        right !== undefined &&
        lineCount[j] >= 2 &&
        x - left >= 0.5 * spacing &&
        right - x >= 0.5 * spacing
      );
    })
    .map((x): [number, number] => [x, x]);
  // Blank columns next to the row labels (自然人 left empty in every row): header columns left of the
  // first matched one, each about one spacing left of the column after it, clear of the row labels,
  // and a column's label by its shape: wrapped over two header lines, or on a header line with the
  // label of a printed column (自然人 and 总计, both set beside the 法人或其他组织 caption).
  const first = heads.findIndex((_, j) => matched.has(j));
  const shareLine = (j: number, k: number) => [...groups[j].lines].some((y) => groups[k].lines.has(y));
  for (let j = first - 1, next = heads[first]; j >= 0; j--) {
    const gap = next - heads[j];
    const peer = lineCount[j] >= 2 || heads.some((_, k) => matched.has(k) && shareLine(j, k));
    if (gap < 0.5 * spacing || gap > 1.5 * spacing || groups[j].x0 <= labelRight || !peer) break;
    blanks.push([heads[j], heads[j]]);
    next = heads[j];
  }
  if (blanks.length === 0) return cols;
  return [...cols, ...blanks].sort((a, b) => a[0] - b[0]);
}

/**
 * The applicants' column headings of Table 3 and the two-character pieces they wrap into (社会 / 公益 /
 * 组织): read exactly so, a label is one however unsure the engine was of it (自然人 read right at 0.47).
 */
const APPLICANT_LABELS = new Set(
  T3_COLUMN_HEADINGS.flatMap((h) => (h.length >= 4 ? [h, ...(h.match(/../g) ?? [])] : [h])),
);

/** Every run of two or more characters of an applicants' heading (自然, 然人, 社会公, …). */
const HEADING_PIECES = new Set<string>();
for (const h of T3_COLUMN_HEADINGS)
  for (let i = 0; i + 2 <= h.length; i++)
    for (let j = i + 2; j <= h.length; j++) HEADING_PIECES.add(h.slice(i, j));

/** Every run of two or more characters of Table 3's own column headings (not 其他 or 总计, which Table 4 prints too). */
const APPLICANT_PIECES = [...HEADING_PIECES].filter((p) =>
  T3_COLUMN_HEADINGS.some((h) => h.length >= 3 && h.includes(p)),
);

/** Whether a header text names one of Table 3's applicants (自然人, 商业企业, …, or a part of one). */
function namesApplicants(text: string): boolean {
  const t = text.normalize("NFKC");
  return APPLICANT_PIECES.some((p) => t.includes(p));
}

/**
 * Table 3's captions over several columns (申请人情况 over all seven, 法人或其他组织 over five). Read
 * whole, their words head no column: centred over the same columns, the two stand one over the other
 * like a wrapped label's lines, and would make a column between two printed ones.
 */
const SPANNING_CAPTION = /申请人情况|法人或(?:者)?其他/;

/**
 * Whether a text is one of APPLICANT_LABELS, or holds unknown characters (U+FFFD, glyphs the PDF's font
 * could not map) and is read as one of them by the template (readPartialLabel: �他 is 其他).
 */
function isApplicantLabel(text: string): boolean {
  return APPLICANT_LABELS.has(text) || APPLICANT_LABELS.has(readPartialLabel(text)?.read ?? "");
}

/**
 * For a page read by OCR, whose header lines come back merged and misread (a header column's label
 * run into the caption beside it, a wrapped label half read), blank columns are found by room, not by
 * counting header columns: a header label standing in a gap between two value columns, clear of both
 * (a header over a printed column is centred on it), under which no row printed anything, heads a
 * blank column.
 */
function withOpenHeaderColumns(
  cols: [number, number][],
  header: Line[],
  labelRight: number,
  size: number,
  continued: boolean,
): [number, number][] {
  if (cols.length < 4) return cols;
  const mids = cols.map(([a, b]) => (a + b) / 2);
  const steps = mids
    .slice(1)
    .map((x, k) => x - mids[k])
    .sort((a, b) => a - b);
  const spacing = steps[Math.floor(steps.length / 2)];
  // The engine's words, not the runs they were joined into: a tight header runs its columns together.
  // A whole run is a whole label too, if it is one: read with confidence, of two to four Chinese
  // characters only (其他 on one header line), or two to four Latin letters, which no template header
  // prints (a short label misread, 自然人 read as AMA), or an applicants' label read exactly, however
  // unsure the engine was. Such a label may be a little wider than one
  // spacing (自然人 on one line over columns whose labels wrap every two characters). It must stand
  // on a header row of this table: the lines above a continued table (the lower part of a split one)
  // are a wrapped row label's, and a word that runs on from the row labels' text on its line is that
  // label's tail (不计其 after a comma the engine did not read), not a header.
  const runsOnFromLabels = (p: Piece, line: Piece[]): boolean => {
    let x0 = p.x0;
    for (const q of [...line].sort((a, b) => b.x1 - a.x1)) {
      if (q === p || q.x1 > x0 || x0 - q.x1 > 1.5 * size) continue;
      if (q.x0 <= labelRight) return true;
      x0 = q.x0;
    }
    return false;
  };
  const wholeLabel = (p: Piece, line: Piece[]) =>
    (/^[A-Za-z]{2,4}$/.test(p.text) ||
      ((p.conf ?? 0) >= OCR_DOUBTED_BELOW && /^[\u3400-\u9fff]{2,4}$/.test(p.text)) ||
      APPLICANT_LABELS.has(p.text)) &&
    !continued &&
    !runsOnFromLabels(p, line);
  const heads = header.flatMap((l) =>
    l.pieces
      .filter((p) => !SPANNING_CAPTION.test(p.text))
      .flatMap((p) => {
        // (A piece of an applicants' heading read right, 自然 of 自然人, is the header's whatever runs
        // before it: a caption's garbled last characters can end right beside it.)
        const tail = !HEADING_PIECES.has(p.text) && runsOnFromLabels(p, l.pieces);
        const words = (p.words ?? [[p.x0, p.x1] as [number, number]]).map(([a, b]) => ({
          a,
          b,
          whole: false,
          tail,
        }));
        return wholeLabel(p, l.pieces) ? [...words, { a: p.x0, b: p.x1, whole: true, tail }] : words;
      })
      .filter(
        ({ a, b, whole }) => b - a < (whole ? 1.25 : 0.9) * spacing && (a + b) / 2 > labelRight + 0.3 * size,
      )
      .map(({ a, b, whole, tail }) => ({ x: (a + b) / 2, a, line: l.top, whole, tail })),
  );
  // (One spacing here is the narrow end of the distances, their lower quartile: with several blank
  // columns, the double distances are as common as the single ones.)
  const unit = steps[Math.floor((steps.length - 1) / 4)];
  // A scan may set the header a few points off the values below it (the page's skew corrected about
  // another point, numbers right-aligned under centred labels): the header over a printed column shows
  // how far, and every header position is read with that offset taken off (the median over the
  // printed columns that have a header word within 0.4 of a unit of their middle).
  const offsets: number[] = [];
  mids.forEach((m, k) => {
    if (cols[k][0] < labelRight) return;
    const over = heads
      .filter((h) => Math.abs(h.x - m) <= 0.4 * unit)
      .map((h) => h.x)
      .sort((a, b) => a - b);
    if (over.length > 0) offsets.push(m - over[Math.floor(over.length / 2)]);
  });
  offsets.sort((a, b) => a - b);
  const shift = offsets.length >= 3 ? offsets[Math.floor(offsets.length / 2)] : 0;
  const placed = heads.map((h) => ({ ...h, x: h.x + shift }));
  // (Half a unit spacing, not half the median distance: with blank columns between most printed ones,
  // the median is a double distance, and a lone label midway in a two-column gap is not half that clear.)
  const wide = Math.max(size, 0.5 * unit);
  // Header words closer together than 0.6 of a unit spacing are one column's (a label the engine cut
  // in two, 法 / 律, stands about one em either side of its middle).
  const clusters = (words: typeof placed) => {
    const groups: (typeof placed)[] = [];
    for (const h of [...words].sort((p, q) => p.x - q.x)) {
      const last = groups.at(-1);
      if (last && h.x - last[last.length - 1].x <= 0.6 * unit) last.push(h);
      else groups.push([h]);
    }
    return groups;
  };
  const middle = (words: typeof placed) => words.reduce((a, h) => a + h.x, 0) / words.length;
  // The header columns among the words standing between two x positions, left to right: a wrapped
  // label (科研 / 机构) on two header lines or more, one above the other; a lone word may be a piece of
  // a neighbour's label that the engine cut in the wrong place, unless it is a whole label standing
  // well clear (half a unit spacing) of its neighbours. Only words with another line's word over or
  // under them are clustered into columns: a caption's words (法人或其他组织 over the organisations'
  // columns, read a character or two at a time) would otherwise bridge two header columns into one.
  const headerColumns = (room: typeof placed, left: number, right: number, pool = room): number[] => {
    const stacked = new Set(
      room.filter((h) => pool.some((o) => o.line !== h.line && Math.abs(o.x - h.x) <= size)),
    );
    const found = clusters([...stacked]).map(middle);
    for (const g of clusters(room)) {
      if (g.some((h) => stacked.has(h))) continue;
      const whole = g.filter((h) => h.whole && h.x - left >= wide && right - h.x >= wide);
      if (whole.length > 0) found.push(middle(whole));
    }
    return found.sort((a, b) => a - b);
  };
  const blanks: [number, number][] = [];
  // Between two printed columns about n + 1 unit spacings apart (a narrower gap holds no column: a word
  // there is a piece of a neighbour's wider label), up to n blank columns: one under each header column
  // standing there well clear of the printed columns' middles and edges. More header columns than the
  // gap has room for: none of them is trusted.
  for (let k = 0; k + 1 < cols.length; k++) {
    if (cols[k][0] < labelRight) continue;
    const apart = mids[k + 1] - mids[k];
    const room = placed.filter(
      (h) =>
        h.x - mids[k] >= 0.6 * unit &&
        mids[k + 1] - h.x >= 0.6 * unit &&
        h.x - shift - cols[k][1] >= 0.3 * size &&
        cols[k + 1][0] - (h.x - shift) >= 0.3 * size,
    );
    if (apart < 1.5 * unit || room.length === 0) continue;
    const found = headerColumns(room, mids[k], mids[k + 1]);
    if (found.length <= Math.round(apart / unit) - 1)
      blanks.push(...found.map((x): [number, number] => [x, x]));
  }
  // Next to the row labels (自然人 left empty, or 自然人 and 商业企业), going left from the first
  // printed column: each header about one spacing left of the column after it, its words clear of the
  // labels and no tail of a label's text (a caption's last characters run on from it).
  let next = mids[0];
  for (let n = 0; n < cols.length; n++) {
    const room = placed.filter(
      (h) =>
        !h.tail &&
        h.a >= labelRight + 0.3 * size &&
        cols[0][0] - (h.x - shift) >= 0.3 * size &&
        next - h.x >= 0.6 * unit &&
        next - h.x <= 1.5 * spacing,
    );
    // The header column nearest to the column after it (a stray piece of a label, the last character
    // of 自然人 read as a word of its own, is passed over).
    // (A word stacked under one taken for a caption's tail still counts as stacked: 自 misread as 三
    // right after the caption's last word, 然 misread below it.)
    const tails = placed.filter((h) => h.tail && cols[0][0] - (h.x - shift) >= 0.3 * size);
    const x = headerColumns(room, labelRight, next, [...room, ...tails]).at(-1);
    if (x === undefined) break;
    blanks.push([x, x]);
    next = x;
  }
  if (blanks.length === 0) return cols;
  return [...cols, ...blanks].sort((a, b) => a[0] - b[0]);
}

/** A box in page space (points, y down) as fractions of the page, rounded to 1/10000. */
function pageBox(page: PageInput, x0: number, y0: number, x1: number, y1: number): PageBox {
  const f = (v: number) => Math.round(v * 10000) / 10000;
  return {
    x: f(x0 / page.width),
    y: f(y0 / page.height),
    w: f((x1 - x0) / page.width),
    h: f((y1 - y0) / page.height),
  };
}

function cell(text: string, row: number, col: number, pos: GridCell["pos"], conf?: number): GridCell {
  const c: GridCell = { text, origin: true, originRow: row, originCol: col, colspan: 1, rowspan: 1, pos };
  if (conf !== undefined) c.conf = conf;
  return c;
}

// ------------------------------------------------------------------ pages → blocks

/** True when a page's text has values standing apart from other text, as table cells do. */
export function mayHoldTable(pieces: Piece[]): boolean {
  let isolated = 0;
  for (const line of groupLines(pieces)) {
    line.pieces.forEach((p, i) => {
      if (!isValueText(p.text)) return;
      const prev = line.pieces[i - 1];
      const next = line.pieces[i + 1];
      const apart = (a: Piece | undefined, b: Piece | undefined) => !a || !b || b.x0 - a.x1 >= 0.6 * p.size;
      if (apart(prev, p) && apart(p, next)) isolated++;
    });
    if (isolated >= 3) return true;
  }
  return false;
}

/** Row signature for spotting a header repeated after a page break. */
function rowSignature(row: GridCell[]): string {
  return row
    .filter((c) => c.origin)
    .map((c) => labelKey(c.text))
    .join("|");
}

function isHeaderRow(row: GridCell[]): boolean {
  return row.some((c) => c.origin && c.text.trim() !== "" && !isValueText(c.text));
}

/** Removes the first k rows of a grid, re-basing spans that started above the cut. */
function dropLeadingRows(t: TableBlock, k: number) {
  t.rows = t.rows.slice(k).map((row, r) =>
    row.map((c) => {
      const originRow = Math.max(c.originRow - k, 0);
      const rowspan = c.rowspan - (originRow - (c.originRow - k));
      return {
        ...c,
        origin: r === originRow && c.pos.col === c.originCol,
        originRow,
        rowspan,
        pos: { ...c.pos, row: r },
      };
    }),
  );
}

/** The font size most of the text is set in. */
function dominantSize(pieces: Piece[]): number {
  const weight = new Map<number, number>();
  for (const p of pieces) {
    const k = Math.round(p.size * 2) / 2;
    weight.set(k, (weight.get(k) ?? 0) + p.text.length);
  }
  let best = 0;
  let bestW = -1;
  for (const [k, w] of weight) {
    if (w > bestW) {
      best = k;
      bestW = w;
    }
  }
  return best;
}

/**
 * How a page of cell lines ends: its last line's kind and the empty lines below it (fewest, most) by the
 * bottom most pages share; with the page's measures for `pageEndBlanks` where empty lines are as high as
 * text lines.
 */
interface CellPageEnd {
  kind: "value" | "label";
  below: [number, number];
  /** The last cell line's baseline, the page's pitch and the page's bottom edge. */
  base: number;
  pitch: number;
  bottom: number;
  /**
   * Whether an empty line is as high as a text line on that page, whose positions are a text layer's
   * (else `below` is used as it is).
   */
  textHigh: boolean;
}

/** Where a page's text begins and ends (blankCellLines): see layoutPages. */
interface BodyBounds {
  first: number;
  last: number;
  /** The lowest baseline a one-value line stands on in at least two pages. */
  valueLast: number;
  /**
   * The baseline distance between two one-value lines that follow each other, the document's smallest
   * seen twice or more (NaN if none): a cell line's own height, also on pages where no two values
   * follow each other (a label line is higher, and would be taken for the pitch there).
   */
  valuePitch: number;
  /**
   * The distance from a label line to a value line right after it, the largest measured and never less
   * than valuePitch (so no place below a label is counted higher than it stands).
   */
  labelStep: number;
}

/**
 * The empty cell lines at the bottom of the page before a page break (fewest, most). A browser moves a
 * paragraph to the next page only when it does not fit: where the line that comes next (the next page's
 * first cell line if that is a value, or an empty line if the next page begins with empty lines) would
 * have stood on a baseline that a value line reaches on other pages, it did fit, so something took that
 * place: an empty line. So every such place below the page's last line holds one (the fewest). No
 * line stands below the page's own edge (the most); where these differ the run is uncertain, and
 * reconstruction fits it to the template's cell count (and the document says so).
 */
function pageEndBlanks(
  before: CellPageEnd,
  nextKind: "value" | "label",
  topBlanks: number,
  body: BodyBounds,
): [number, number] {
  if (!before.textHigh) return before.below;
  const { base, pitch } = before;
  const filled = topBlanks > 0 || nextKind === "value";
  // The first place is a label's step below a label, a pitch below a value; then a pitch each. A place
  // counts where it is no lower than valueLast (half a point for rounding).
  const first = base + (before.kind === "label" ? body.labelStep : pitch);
  const limit = body.valueLast + 0.5;
  const proven =
    filled && Number.isFinite(limit) && first <= limit ? Math.floor((limit - first) / pitch) + 1 : 0;
  // A line's glyphs reach about a fifth of its pitch below its baseline.
  const room = Math.max(0, Math.floor((before.bottom - base - 0.2 * pitch) / pitch));
  return [proven, Math.max(proven, room)];
}

/**
 * The empty lines in the room above a page's first cell line or below its last when positions are read
 * by OCR (rough by a few points, so the room is no whole number of pitches): a line surely fits where
 * its baseline stands no more than `slack` pitches beyond the room; up to a quarter pitch beyond, it may
 * have fitted. Below a page's last line the room is measured to the lowest bottom two pages share, the
 * lowest of rough readings: there no slack is given (a page that ended 1.86 pitches above its text's
 * bottom, one empty line and no room for the next value, was read 1.97 pitches above it). Above the
 * first line an eighth of a pitch is (a page beginning with one empty line read 0.99 pitch down).
 */
function roughRoom(room: number, pitch: number, slack: number): [number, number] {
  if (!Number.isFinite(room) || !(pitch > 0)) return [0, 0];
  const count = (limit: number) => Math.max(0, Math.min(12, Math.floor(limit / pitch)));
  return [count(room + slack * pitch), count(room + 0.25 * pitch)];
}

/** The blank cells of an empty-line run: `certain` of them, and `extra` more the geometry also allows. */
function blankRun(
  page: number,
  certain: number,
  extra: number,
  top: number,
  step: number,
  acrossPageBreak = false,
) {
  return Array.from({ length: certain + extra }, (_, j) => {
    const block: TextBlock = { kind: "text", text: "", explicitBlank: true, pos: { page } };
    if (j >= certain) block.uncertain = true;
    if (j >= certain && acrossPageBreak) block.acrossPageBreak = true;
    return { top: top + j * step, block };
  });
}

/**
 * Empty lines of a table flattened to one paragraph per cell (a Word "save as web page" table printed by
 * a browser): each cell is a line of its own at a regular pitch, and an empty cell (`<p>&nbsp;</p>`)
 * leaves an empty line. On a page with at least three lines that are one value each, the distance
 * between two such cell lines beyond one pitch is that many empty lines, when a value stands on one side
 * of it (between two labels, only two or more: one empty line between labels is spacing).
 *
 * An empty line may be lower than a text line (its no-break space is set in a Latin font). Its height is
 * the one that makes every gap of the page a whole number of empty lines; where several heights do (all
 * gaps alike), a run holds the fewest blanks they allow as certain and the rest as uncertain, which
 * reconstruction drops first to fit the template's cell count. Returns the number of such runs.
 */
function blankCellLines(
  items: { top: number; block: Block; line?: Line }[],
  page: PageInput,
  body: BodyBounds,
  before: CellPageEnd | undefined,
): CellLinesFound {
  const none = { end: undefined, unsure: 0, certain: 0, pageEndGuesses: [] };
  const measured = !page.pieces.some((p) => p.conf !== undefined);
  const kind = (it: { block: Block; line?: Line }) => {
    if (!it.line || it.block.kind !== "text" || it.line.pieces.length === 0) return "other";
    const text = it.block.text;
    // (A line of ink OCR could not read, between one-value lines, is a cell's value read as nothing.)
    if (isValueText(text) || (!measured && /^\ufffd+$/.test(text))) return "value";
    if (/[。；;]/.test(text)) return "other";
    // (Read by OCR, a numbered row label may run a little longer: 2.申请人逾期未按收费通知要求缴纳费用、
    // 行政机关不再处理其政府信息公开申请, with what the engine reads around it.)
    const long = !measured && text.length <= 50 && ORDINAL.test(text) && !/[，,]/.test(text);
    return text.length <= 40 || long ? "label" : "other";
  };
  const kinds = items.map(kind);
  if (kinds.filter((k) => k === "value").length < 3) return none;
  const baseAt = (k: number) => items[k].line!.pieces[0].base;
  // Distances within a page read by OCR are taken between the middles of the lines' widest words: a
  // Chinese label's box reaches further below the baseline than a number's, and a speck read beside a
  // line has a box of its own height, but their middles keep the lines' pitch.
  const middle = (k: number) => {
    const w = items[k].line!.pieces.reduce((a, b) => (b.x1 - b.x0 > a.x1 - a.x0 ? b : a));
    return (w.top + w.bottom) / 2;
  };
  const posAt = measured ? baseAt : middle;
  // The pitch: the smallest baseline distance between neighbouring cell lines seen twice or more (on a
  // page with many empty cells, a longer distance may be the most common one).
  // Positions read by OCR are too rough for the document-wide measures: its pages keep their own, and
  // there a label's box ends lower or higher than a number's (a label's distance to a value is no pitch),
  // so the pitch is measured between value lines where the page has two such distances.
  const valuePairs = kinds.filter((k, i) => k === "value" && kinds[i - 1] === "value").length;
  const pitchPair = (a: string, b: string) =>
    a !== "other" && b !== "other" && (measured || valuePairs < 2 || (a === "value" && b === "value"));
  const gaps = new Map<number, number>();
  for (let k = 1; k < items.length; k++) {
    if (!pitchPair(kinds[k - 1], kinds[k])) continue;
    const g = Math.round((posAt(k) - posAt(k - 1)) * 2) / 2;
    if (g > 0) gaps.set(g, (gaps.get(g) ?? 0) + 1);
  }
  const size = Math.min(...items.flatMap((it) => (it.line ? [it.line.size] : [])));
  const bucket = [...gaps]
    .filter(([g, n]) => n >= 2 && g >= 0.9 * size)
    .map(([g]) => g)
    .sort((a, b) => a - b)[0];
  if (!bucket) return none;
  // Measured, not rounded: the mean of the distances near it (CJK and Latin baselines differ a little).
  const near: number[] = [];
  for (let k = 1; k < items.length; k++) {
    if (!pitchPair(kinds[k - 1], kinds[k])) continue;
    const g = posAt(k) - posAt(k - 1);
    if (Math.abs(g - bucket) <= 0.75) near.push(g);
  }
  const pitch =
    measured && Number.isFinite(body.valuePitch)
      ? body.valuePitch
      : near.reduce((a, b) => a + b, 0) / near.length;
  const tol = 0.12 * pitch;
  // The distances beyond one pitch, and the empty-line heights that make each a whole number of lines.
  // (Between two labels, a distance that could hold only one empty line is spacing, not cells: it says
  // nothing about an empty line's height.)
  const excess: number[] = [];
  const valueExcess: number[] = [];
  for (let k = 1; k < items.length; k++) {
    if (kinds[k - 1] === "other" || kinds[k] === "other") continue;
    const e = posAt(k) - posAt(k - 1) - pitch;
    const amidLabels = measured && kinds[k - 1] === "label" && kinds[k] === "label";
    // (Read by OCR, a distance beside a label says something only where it could hold a whole empty
    // line, and one between two labels nothing: headings and header paragraphs have spacing of their
    // own that OCR cannot tell from empty lines.)
    const roughLabel = !measured && (kinds[k - 1] === "label" || kinds[k] === "label");
    if (!measured && kinds[k - 1] === "label" && kinds[k] === "label") continue;
    if (e > (amidLabels ? 1.5 : roughLabel ? 0.75 : 0.5) * pitch) {
      excess.push(e);
      if (!roughLabel) valueExcess.push(e);
    }
  }
  const fits = (e: number, h: number, within = tol) => {
    const n = Math.round(e / h);
    return n >= 1 && n <= 12 && Math.abs(e - n * h) <= within;
  };
  const heightsFitting = (es: number[]) => {
    const out: number[] = [];
    for (let h = 0.6 * pitch; h <= 1.25 * pitch; h += 0.01 * pitch)
      if (es.every((e) => fits(e, h))) out.push(h);
    return out;
  };
  let heights = heightsFitting(excess);
  // Read by OCR, a label's box may sit a fifth of a pitch off its line (its middle is no number's): where
  // the distances beside labels fit no height the others fit, the heights come from the distances
  // between values, and a distance beside a label that fits none is taken as uncertain (below).
  const roughFallback = !measured && heights.length === 0 && valueExcess.length < excess.length;
  if (roughFallback) heights = heightsFitting(valueExcess);
  // An empty line as high as a text line is the rule; other heights count only where two distances or
  // more show them (one odd distance is a paragraph's spacing, not empty lines).
  if (excess.length < 2) heights = heights.filter((h) => Math.abs(h - pitch) <= 0.02 * pitch);
  if (excess.length === 0) heights = [pitch];
  /** Fewest and most empty lines a distance holds, over the heights that fit the page. */
  const lines = (e: number, among = heights): [number, number] => {
    const ns = among.filter((h) => fits(e, h)).map((h) => Math.round(e / h));
    return ns.length === 0 ? [0, 0] : [Math.min(...ns), Math.max(...ns)];
  };
  // Across a page break the distances are measured from other pages' lines: there, a text line's height
  // is used whenever the page's gaps allow it. In a text layer, that is where every gap is a whole
  // number of text lines: a height within the band about it that fits only by the tolerance (gaps of
  // 28.2 and 56.3 pt beside a 26.4 pt pitch, empty lines set in a taller Latin font) is no text line's.
  const textHighFits =
    heights.some((h) => Math.abs(h - pitch) <= 0.02 * pitch) &&
    (!measured || excess.every((e) => fits(e, pitch)));
  const breakHeights = textHighFits ? [pitch] : heights;
  let unsure = 0;
  let certain = 0;
  for (let k = items.length - 1; k > 0; k--) {
    const a = kinds[k - 1];
    const b = kinds[k];
    if (a === "other" || b === "other") continue;
    const e = posAt(k) - posAt(k - 1) - pitch;
    if (e <= 0.5 * pitch) continue;
    let [least, most] = lines(e);
    // (Read by OCR, a label's box may stand a quarter pitch off its line, and more on pages whose label
    // distances fit some height too: one empty line after 5.要求行政机关确认… measured 0.75 pitch.)
    if (most < 1 && !measured && (a === "label" || b === "label") && fits(e, pitch, 0.3 * pitch)) {
      const n = Math.round(e / pitch);
      [least, most] = [n - 1, n];
    }
    // Beside a label read by OCR, one empty line of a run is no more than likely: the label's box may
    // stand that far off its line (a header read as one line of two).
    if (!measured && (a === "label" || b === "label") && least >= 1 && (a === "value" || b === "value"))
      least--;
    if (most < 1 || (a !== "value" && b !== "value" && least < 2)) continue;
    if (most > least) unsure++;
    certain += least;
    items.splice(k, 0, ...blankRun(page.page, least, most - least, items[k - 1].top + pitch, pitch));
  }
  // Empty cell lines that ended the page before, or begin this one: the space between the page's last
  // cell line and the bottom most pages share, and between the top and its first one (a browser fills
  // every page down to its margin, line by line).
  const first = items.findIndex((it) => it.line);
  const firstKind = first >= 0 ? kind(items[first]) : "other";
  const pageEndGuesses: Block[][] = [];
  if (before && first >= 0 && firstKind !== "other") {
    // (Read by OCR, the room above the first line is counted roughly: the page's first baseline is the
    // highest that two pages share, a few points off any one page's.)
    const top = baseAt(first) - body.first;
    const [l0, m0] = measured ? lines(top, breakHeights) : roughRoom(top, pitch, 0.12);
    const [b0, b1] = pageEndBlanks(before, firstKind, l0, body);
    const least = b0 + l0;
    const most = b1 + m0;
    const amid = before.kind === "value" || firstKind === "value";
    // (Read by OCR, room for one more line than surely fits is an uncertain blank too: the page's
    // bottom is rough, and the template's cell count decides.)
    if ((least > 0 || (most > 0 && (before.textHigh || !measured))) && (amid || least >= 2)) {
      if (most > least) unsure++;
      certain += least;
      const run = blankRun(page.page, least, most - least, items[first].top - most * pitch, pitch, true);
      items.splice(first, 0, ...run);
      if (least === 0) pageEndGuesses.push(run.map((r) => r.block));
    }
  }
  let last = items.length - 1;
  while (last >= 0 && !items[last].line) last--;
  const lastKind = last >= 0 ? kind(items[last]) : "other";
  if (last < 0 || lastKind === "other") return { end: undefined, unsure, certain, pageEndGuesses };
  const end: CellPageEnd = {
    kind: lastKind,
    below: measured
      ? lines(body.last - baseAt(last), breakHeights)
      : roughRoom(body.last - baseAt(last), pitch, 0),
    base: baseAt(last),
    pitch,
    bottom: page.height,
    textHigh: measured && breakHeights.length === 1 && breakHeights[0] === pitch,
  };
  return { end, unsure, certain, pageEndGuesses };
}

/**
 * BodyBounds.valuePitch and .valueLast over the pages' lines (top to bottom). A label line counts
 * towards valueLast too where the document shows a label reaching at least as far below its baseline as
 * a value line (a value follows a label no closer than it follows a value): where such a label fits,
 * so does a value line on the same baseline.
 */
function cellMeasures(
  pages: Line[][],
  bodySize: number,
): Pick<BodyBounds, "valuePitch" | "labelStep" | "valueLast"> {
  const textOf = (l: Line) => l.pieces.map((p) => p.text).join("");
  const isValue = (l: Line) => isValueText(textOf(l));
  const isLabel = (l: Line) => {
    const t = textOf(l).trim();
    return t.length > 0 && t.length <= 40 && !/[。；;]/.test(t) && !isValueText(t);
  };
  /** The smallest distance seen twice or more (of those near it: their mean, least or most), NaN if none. */
  const usual = (steps: number[], pick: "mean" | "min" | "max" = "mean") => {
    const counts = new Map<number, number>();
    for (const g of steps) {
      const k = Math.round(g * 2) / 2;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    const bucket = [...counts]
      .filter(([g, n]) => n >= 2 && g >= 0.9 * bodySize && g <= 3 * bodySize)
      .map(([g]) => g)
      .sort((a, b) => a - b)[0];
    if (bucket === undefined) return Number.NaN;
    const near = steps.filter((g) => Math.abs(g - bucket) <= 0.75);
    if (pick !== "mean") return (pick === "min" ? Math.min : Math.max)(...near);
    return near.reduce((a, b) => a + b, 0) / near.length;
  };
  const valueSteps: number[] = [];
  const labelSteps: number[] = [];
  for (const ls of pages) {
    for (let k = 1; k < ls.length; k++) {
      const a = ls[k - 1];
      const b = ls[k];
      if (Math.abs(a.size - b.size) > 0.5 || !isValue(b)) continue;
      const step = b.pieces[0].base - a.pieces[0].base;
      if (isValue(a)) valueSteps.push(step);
      else if (isLabel(a)) labelSteps.push(step);
    }
  }
  const valuePitch = usual(valueSteps);
  // The largest step, so that no place after a label is counted higher than it stands.
  const labelStep = usual(labelSteps, "max");
  const labelsReach = usual(labelSteps, "min") >= valuePitch - 0.25;
  const valueSize = dominantSize(
    pages
      .flat()
      .filter(isValue)
      .flatMap((l) => l.pieces),
  );
  const lowest = pages.flatMap((ls) => {
    const cells = ls.filter(
      (l) => isValue(l) || (labelsReach && isLabel(l) && Math.abs(l.size - valueSize) <= 0.5),
    );
    return cells.length > 0 ? [Math.max(...cells.map((l) => l.pieces[0].base))] : [];
  });
  return {
    valuePitch,
    labelStep: Number.isFinite(labelStep) ? Math.max(labelStep, valuePitch) : valuePitch,
    valueLast: sharedExtreme(lowest, Math.max),
  };
}

/** The most extreme of values that at least two share (within 2 pt); NaN if none. */
function sharedExtreme(values: number[], pick: (a: number, b: number) => number): number {
  return values
    .filter((v) => values.filter((w) => Math.abs(w - v) <= 2).length >= 2)
    .reduce((a, b) => (Number.isNaN(a) ? b : pick(a, b)), Number.NaN);
}

/** What blankCellLines found on a page. */
interface CellLinesFound {
  end: CellPageEnd | undefined;
  /** Runs whose count the geometry left open. */
  unsure: number;
  /** Empty lines inserted as certain. */
  certain: number;
  /** Runs at a page break with no certain empty line, only room for some (see layoutPages). */
  pageEndGuesses: Block[][];
}

/**
 * A heading set in a larger type and wrapped over several lines (`淮安市洪泽区人民政府` /
 * `2024年政府信息公开工作年度报告`) is one heading: consecutive text lines of the same large size,
 * at most a line-height apart, become one text block.
 */
function joinHeadingLines(items: { top: number; block: Block; line?: Line }[], bodySize: number) {
  for (let k = items.length - 1; k > 0; k--) {
    const a = items[k - 1];
    const b = items[k];
    if (!a.line || !b.line || a.block.kind !== "text" || b.block.kind !== "text") continue;
    const size = a.line.size;
    if (bodySize <= 0 || size < bodySize * 1.2 || Math.abs(b.line.size - size) > 0.5) continue;
    if (b.line.top - a.line.bottom > size) continue;
    const sep =
      WIDE_CHAR.test(a.block.text[a.block.text.length - 1]) || WIDE_CHAR.test(b.block.text[0]) ? "" : " ";
    a.block.text = `${a.block.text}${sep}${b.block.text}`;
    if (a.block.charConf && b.block.charConf)
      a.block.charConf = [...a.block.charConf, ...(sep ? [1] : []), ...b.block.charConf];
    a.line = { ...a.line, bottom: b.line.bottom };
    items.splice(k, 1);
  }
}

/**
 * A row broken by the page break leaves the end of its label on top of the next page, in a row with
 * no values (`认或重新出具已获取信息`). Such a row continues the last row of the previous part: its
 * text is appended there, cell by cell, and the row is dropped.
 */
function joinSplitRow(before: TableBlock, after: TableBlock) {
  const first = after.rows[0];
  const last = before.rows[before.rows.length - 1];
  if (!first || !last || first.length !== last.length) return;
  const printed = first.filter((c) => c.origin && c.text.trim() !== "");
  if (printed.length === 0 || printed.some((c) => isValueText(c.text) || ORDINAL.test(c.text.trim()))) return;
  if (!last.some((c) => c.origin && isValueText(c.text))) return;
  for (const c of printed) {
    const target = last[c.pos.col!];
    const origin = before.rows[target.originRow]?.[target.originCol];
    if (origin) origin.text += c.text;
  }
  // Copies of a spanning cell carry its text too.
  for (const row of before.rows) {
    for (const c of row) {
      if (!c.origin) c.text = before.rows[c.originRow][c.originCol].text;
    }
  }
  dropLeadingRows(after, 1);
}

/**
 * A long label printed as a paragraph of its own wraps inside its parenthesis (`其他对外管理服务事项(指…行政处罚、`
 * / `行政强制、…以及公共服务事项)`); the second line alone may read as another row's label. A text line
 * that leaves a parenthesis open, followed within a line's height by one of the same size that closes
 * it, is one label: the lines become one text block.
 */
function joinWrappedLabels(items: { top: number; block: Block; line?: Line }[]) {
  const open = (t: string) => (t.match(/[(（]/g)?.length ?? 0) - (t.match(/[)）]/g)?.length ?? 0);
  for (let k = items.length - 2; k >= 0; k--) {
    const a = items[k];
    const b = items[k + 1];
    if (!a.line || !b.line || a.block.kind !== "text" || b.block.kind !== "text") continue;
    if (a.block.explicitBlank || b.block.explicitBlank || isValueText(b.block.text)) continue;
    if (Math.abs(a.line.size - b.line.size) > 0.5) continue;
    if (b.line.pieces[0].base - a.line.pieces[0].base > 1.8 * a.line.size) continue;
    const opened = open(a.block.text);
    if (opened <= 0 || open(b.block.text) >= 0 || opened + open(b.block.text) < 0) continue;
    a.block.text += b.block.text;
    a.line = { ...a.line, bottom: b.line.bottom };
    items.splice(k + 1, 1);
  }
}

/** What the layout could not settle, for the extractor's warnings. */
export interface LayoutNotes {
  /** Runs of empty cell lines whose count the line heights left open (blankCellLines). */
  unsureBlankRuns: number;
}

/** Lays out all pages and returns the document's blocks in reading order. */
export function layoutPages(pages: PageInput[], notes?: LayoutNotes): Block[] {
  const perPage = pages.map((page) => {
    const lines = groupLines(page.pieces);
    lines.forEach((l, i) => {
      l.no = i + 1;
    });
    return { page, lines };
  });
  const drop = furniture(perPage);
  const bodySize = dominantSize(pages.flatMap((p) => p.pieces));
  // Where the text of a page begins and ends: the highest first and the lowest last baseline that at
  // least two pages share (within 2 pt). A page whose cell lines begin lower or end higher had empty
  // cell lines there (blankCellLines); one page laid out otherwise (a table at the end) does not count.
  const bodyLines = perPage.map(({ lines }) => lines.filter((l) => !drop.has(l) && l.pieces.length > 0));
  const baseOf = (l: Line) => l.pieces[0].base;
  const filled = bodyLines.filter((ls) => ls.length > 0);
  const body: BodyBounds = {
    ...cellMeasures(filled, bodySize),
    first: sharedExtreme(
      filled.map((ls) => Math.min(...ls.map(baseOf))),
      Math.min,
    ),
    last: sharedExtreme(
      filled.map((ls) => Math.max(...ls.map(baseOf))),
      Math.max,
    ),
  };

  const blocks: Block[] = [];
  const tableStarts: { block: TableBlock; page: number; first: boolean; last: boolean }[] = [];
  let carried: [number, number][] | undefined;
  // The text lines after a page's last table: a header row the page break cut may go on below them.
  let pageTail: Line[] = [];
  let cellPageEnd: CellPageEnd | undefined;
  let unsureBlankRuns = 0;
  let certainBlanks = 0;
  const pageEndGuesses: Block[][] = [];
  for (const { page, lines } of perPage) {
    const lineOf = new Map<Piece, Line>();
    for (const l of lines) for (const p of l.pieces) lineOf.set(p, l);
    const free = new Set(page.pieces.filter((p) => !(lineOf.has(p) && drop.has(lineOf.get(p)!))));
    const ruled = ruledTables(page, free);
    // Lines rebuilt from what the ruled tables left, keeping the page's line numbers.
    const rest = groupLines([...free]);
    for (const l of rest)
      l.no = Math.min(...l.pieces.map((p) => lineOf.get(p)?.no ?? Number.POSITIVE_INFINITY));
    const columns = valueColumnStarts(rest);
    const { tables: borderless, consumed } = borderlessTables(page, rest, carried, columns, pageTail);
    const items: { top: number; block: Block; line?: Line }[] = [];
    for (const g of [...ruled, ...borderless]) items.push({ top: g.top, block: g.block });
    for (const l of rest) {
      if (consumed.has(l)) continue;
      const text = normalizeText(joinLine(l.pieces, columns)).replace(/\s+/g, " ").trim();
      if (text === "") continue;
      const tb: TextBlock = {
        kind: "text",
        text,
        pos: { page: page.page, line: Number.isFinite(l.no) ? l.no : undefined },
      };
      const lineConf = lowestConf(l.pieces);
      if (lineConf !== undefined) {
        tb.conf = lineConf;
        tb.charConf = charConfidences(text, l.pieces, lineConf);
      }
      items.push({ top: l.top, block: tb, line: l });
    }
    items.sort((a, b) => a.top - b.top);
    // A page ending in a borderless table hands its columns on to the next page.
    // (On a page read by OCR, a short doubted reading after the table, a speck read as letters, does
    // not end the page.)
    const speck = (it: (typeof items)[number]) =>
      it.block.kind === "text" &&
      it.block.conf !== undefined &&
      it.block.conf < OCR_DOUBTED_BELOW &&
      it.block.text.replace(/\s/g, "").length <= 4;
    // Nor does the wrapped end of the last row's label (（四）无 / 法提供 / 信息 going on below the row's
    // values), text left of the table's value columns only.
    const lastTable = items.findLastIndex((it) => it.block.kind === "table");
    const lastGrid = borderless.find((g) => g.block === items[lastTable]?.block);
    const labelTail = (it: (typeof items)[number]) =>
      lastGrid?.valueCols !== undefined &&
      it.line !== undefined &&
      it.top > lastGrid.top &&
      it.top - lastGrid.bottom < 4 * (it.line.bottom - it.line.top) &&
      it.line.pieces.every((p) => (p.x0 + p.x1) / 2 < lastGrid.valueCols![0][0]);
    let end = items.length - 1;
    while (end > 0 && (speck(items[end]) || labelTail(items[end]))) end--;
    const lastItem = items[end];
    carried = borderless.find((g) => g.block === lastItem?.block)?.valueCols;
    pageTail = items.slice(lastTable + 1).flatMap((it) => (it.line ? [it.line] : []));
    joinHeadingLines(items, bodySize);
    if (!page.pieces.some((p) => p.conf !== undefined)) joinWrappedLabels(items);
    const cellLines = blankCellLines(items, page, body, cellPageEnd);
    cellPageEnd = cellLines.end;
    unsureBlankRuns += cellLines.unsure;
    certainBlanks += cellLines.certain;
    pageEndGuesses.push(...cellLines.pageEndGuesses);
    items.forEach((it, k) => {
      blocks.push(it.block);
      if (it.block.kind === "table") {
        tableStarts.push({ block: it.block, page: page.page, first: k === 0, last: k === items.length - 1 });
      }
    });
  }
  // A table continued on the next page: drop the header rows it repeats.
  let chainHead: TableBlock | undefined;
  tableStarts.forEach((t, k) => {
    const prev = tableStarts[k - 1];
    const continues = prev?.last && t.first && t.page === prev.page + 1;
    if (!continues || !chainHead) {
      chainHead = t.block;
      return;
    }
    let n = 0;
    while (
      n < t.block.rows.length &&
      n < chainHead.rows.length - 1 &&
      isHeaderRow(t.block.rows[n]) &&
      rowSignature(t.block.rows[n]) === rowSignature(chainHead.rows[n])
    ) {
      n++;
    }
    if (n > 0) dropLeadingRows(t.block, n);
    joinSplitRow(prev.block, t.block);
  });
  // Table indices in reading order.
  let tableNo = 0;
  for (const b of blocks) {
    if (b.kind !== "table") continue;
    const idx = tableNo++;
    b.pos.table = idx;
    for (const row of b.rows) for (const c of row) c.pos.table = idx;
  }
  // Room at a page break is worth empty lines only where the document shows its empty cells as empty
  // lines somewhere; where it never does (empty paragraphs printed as nothing: `<p></p>`), a guessed
  // run would only make a row whose blanks vanished look complete.
  const guessed = new Set<Block>();
  if (certainBlanks === 0) {
    for (const run of pageEndGuesses) for (const b of run) guessed.add(b);
    unsureBlankRuns -= pageEndGuesses.length;
  }
  if (notes) notes.unsureBlankRuns = unsureBlankRuns;
  return blocks.filter((b) => !guessed.has(b) && (b.kind === "text" || b.rows.length > 0));
}

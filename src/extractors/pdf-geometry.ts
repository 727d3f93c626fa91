// PDF geometry: pdfjs text items → positioned text pieces, operator lists → horizontal/vertical rulings.
// Everything is in display coordinates (origin top-left, y downwards, 1 unit = 1 pt at scale 1).

/** A 2-D affine matrix [a, b, c, d, e, f] as PDF and pdfjs use them. */
export type Matrix = [number, number, number, number, number, number];

/** `m1 × m2`: the transform that applies m2 first, then m1 (pdfjs `Util.transform`). */
export function multiply(m1: ArrayLike<number>, m2: ArrayLike<number>): Matrix {
  return [
    m1[0] * m2[0] + m1[2] * m2[1],
    m1[1] * m2[0] + m1[3] * m2[1],
    m1[0] * m2[2] + m1[2] * m2[3],
    m1[1] * m2[2] + m1[3] * m2[3],
    m1[0] * m2[4] + m1[2] * m2[5] + m1[4],
    m1[1] * m2[4] + m1[3] * m2[5] + m1[5],
  ];
}

function apply(m: ArrayLike<number>, x: number, y: number): [number, number] {
  return [m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]];
}

/** A run of text without whitespace, with its box on the page. */
export interface Piece {
  text: string;
  x0: number;
  x1: number;
  top: number;
  bottom: number;
  /** Baseline (for vertical text: the box's vertical centre). */
  base: number;
  /** Font size in points. */
  size: number;
  /** Written top to bottom (vertical writing mode); such pieces only ever join table cells. */
  vertical: boolean;
  /** The piece followed whitespace inside the same pdfjs item (pdfjs saw a gap of 0.1–0.6 em). */
  afterSpace?: boolean;
  /** Read by OCR: the engine's confidence in this word (0–1). */
  conf?: number;
  /** Read by OCR from several words joined into one run: each word's x-extent (a header's columns). */
  words?: [number, number][];
}

/** The subset of a pdfjs text item this module reads. */
export interface RawTextItem {
  str: string;
  dir: string;
  transform: number[];
  width: number;
  height: number;
}

const WIDE =
  /[\u1100-\u11ff\u2e80-\ua4cf\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u2018-\u201f\u2026\u3000-\u303f]/;

/** Rough advance of a character in ems, used only to place the parts of a split item. */
function charWeight(ch: string): number {
  if (WIDE.test(ch)) return 1;
  if (/[.,:;'!|il]/.test(ch)) return 0.3;
  return 0.55;
}

/**
 * Turns pdfjs text items into pieces. pdfjs joins glyphs less than 0.6 em apart into one item and
 * marks the gaps with spaces, so `10 1` from two adjacent cells can arrive as one item: items are cut
 * at whitespace and each part is placed by estimated glyph advances scaled to the item's real width.
 */
export function textPieces(items: RawTextItem[], viewport: ArrayLike<number>): Piece[] {
  const out: Piece[] = [];
  // pdfjs reports a gap it reads as a space (0.1–0.6 em between runs) as a whitespace-only item.
  let spaceItem = false;
  for (const it of items) {
    if (!it.str) continue;
    if (it.str.trim() === "") {
      spaceItem = true;
      continue;
    }
    const afterSpaceItem = spaceItem;
    spaceItem = false;
    const m = multiply(viewport, it.transform);
    const scaleX = Math.hypot(m[0], m[1]);
    const size = Math.hypot(m[2], m[3]);
    if (!(size > 0.5) || !(scaleX > 0)) continue;
    if (it.dir === "ttb") {
      // Vertical writing: the item runs downwards from its origin.
      const x0 = m[4];
      const top = m[5];
      const h = Math.abs(it.height) || size * it.str.length;
      out.push({
        text: it.str.replace(/\s+/g, ""),
        x0,
        x1: x0 + (Math.abs(it.width) || size),
        top,
        bottom: top + h,
        base: top + h / 2,
        size,
        vertical: true,
      });
      continue;
    }
    const dirX = m[0] / scaleX;
    const dirY = m[1] / scaleX;
    // Rotated text (stamps, watermarks, sideways labels) carries no table content we can place.
    if (Math.abs(dirY) > 0.05 || dirX <= 0) continue;
    const width = Math.abs(it.width);
    const x = m[4];
    const base = m[5];
    const top = base - size * 0.85;
    const bottom = base + size * 0.15;
    // Most items hold no whitespace (a glyph or a run of them): no split to make.
    const parts = /\s/.test(it.str) ? it.str.split(/(\s+)/).filter((p) => p !== "") : [it.str];
    if (parts.length === 1) {
      out.push({
        text: parts[0],
        x0: x,
        x1: x + width,
        top,
        bottom,
        base,
        size,
        vertical: false,
        afterSpace: afterSpaceItem || undefined,
      });
      continue;
    }
    // Estimated advances: glyphs by class, whitespace takes what is left of the real width.
    const glyphs = parts.map((p) =>
      /^\s/.test(p) ? 0 : [...p].reduce((a, ch) => a + charWeight(ch), 0) * size,
    );
    const natural = glyphs.reduce((a, b) => a + b, 0);
    const gaps = parts.filter((p) => /^\s/.test(p)).length;
    const gapWidth = gaps > 0 ? Math.max(0.15 * size, (width - natural) / gaps) : 0;
    const scale = width > 0 ? width / (natural + gaps * gapWidth) : 1;
    let cursor = x;
    let afterSpace = afterSpaceItem || /^\s/.test(it.str);
    parts.forEach((p, i) => {
      const space = /^\s/.test(p);
      const w = (space ? gapWidth : glyphs[i]) * scale;
      if (!space)
        out.push({
          text: p,
          x0: cursor,
          x1: cursor + w,
          top,
          bottom,
          base,
          size,
          vertical: false,
          afterSpace,
        });
      afterSpace = space;
      cursor += w;
    });
  }
  return dedupe(out);
}

/** Estimated x-offset of every character boundary of a piece (0 … width), glyphs by class. */
function boundaries(p: Piece): number[] {
  const chars = [...p.text];
  const weights = chars.map(charWeight);
  const total = weights.reduce((a, b) => a + b, 0);
  const scale = total > 0 ? (p.x1 - p.x0) / total : 0;
  const out = [0];
  let acc = 0;
  for (const w of weights) {
    acc += w * scale;
    out.push(acc);
  }
  return out;
}

function cut(p: Piece, at: number): [Piece, Piece] | undefined {
  const chars = [...p.text];
  if (at <= 0 || at >= chars.length) return undefined;
  const x = p.x0 + boundaries(p)[at];
  return [
    { ...p, text: chars.slice(0, at).join(""), x1: x },
    { ...p, text: chars.slice(at).join(""), x0: x, afterSpace: false },
  ];
}

/**
 * Cuts a piece at the character boundary nearest to x (a cell border it crosses). pdfjs joins text
 * runs less than 0.1 em apart without a space, so `权益49` can arrive as one item across two cells.
 */
export function splitPieceAt(p: Piece, x: number): [Piece, Piece] | undefined {
  const b = boundaries(p);
  let best = -1;
  for (let i = 1; i < b.length - 1; i++) {
    if (best < 0 || Math.abs(p.x0 + b[i] - x) < Math.abs(p.x0 + b[best] - x)) best = i;
  }
  if (best < 0 || Math.abs(p.x0 + b[best] - x) > 0.6 * p.size) return undefined;
  return cut(p, best);
}

/** Cuts a number off the end of a label piece (`保护第三方合法权益49` → label, `49`). */
export function splitTrailingNumber(p: Piece): [Piece, Piece] | undefined {
  const m = /^(.*[^\d.,+\-\s])([+-]?\d[\d,]*(?:\.\d+)?)$/u.exec(p.text);
  if (!m) return undefined;
  return cut(p, [...m[1]].length);
}

/** Drops the copies some producers print to fake bold text (same text, nearly the same place). */
function dedupe(pieces: Piece[]): Piece[] {
  const out: Piece[] = [];
  // Pieces bucketed by text and size, then by a coarse position grid: a copy lies in its original's
  // cell or a neighbouring one, so the check stays linear however many pieces a page has.
  const seen = new Map<string, Map<string, Piece[]>>();
  const cellOf = (v: number, size: number) => Math.floor(v / Math.max(size, 1));
  for (const p of pieces) {
    const tol = p.size * 0.3;
    const cx = cellOf(p.x0, p.size);
    const cy = cellOf(p.base, p.size);
    const textKey = `${p.text}|${p.size}`;
    let cells = seen.get(textKey);
    let dup = false;
    for (let dx = -1; dx <= 1 && !dup && cells; dx++) {
      for (let dy = -1; dy <= 1 && !dup; dy++) {
        const near = cells.get(`${cx + dx}|${cy + dy}`);
        dup = near?.some((q) => Math.abs(q.x0 - p.x0) < tol && Math.abs(q.base - p.base) < tol) ?? false;
      }
    }
    if (dup) continue;
    if (!cells) {
      cells = new Map();
      seen.set(textKey, cells);
    }
    const key = `${cx}|${cy}`;
    const list = cells.get(key);
    if (list) list.push(p);
    else cells.set(key, [p]);
    out.push(p);
  }
  return out;
}

/** A horizontal ruling: y, from x0 to x1 (x0 < x1). */
export interface HSeg {
  y: number;
  x0: number;
  x1: number;
}

/** A vertical ruling: x, from y0 to y1 (y0 < y1). */
export interface VSeg {
  x: number;
  y0: number;
  y1: number;
}

/** The operator numbers this module needs (pdfjs `OPS`). */
export interface OpCodes {
  save: number;
  restore: number;
  transform: number;
  constructPath: number;
  paintFormXObjectBegin: number;
  paintFormXObjectEnd: number;
  setFillRGBColor: number;
  setStrokeRGBColor: number;
  setFillGray?: number;
  setStrokeGray?: number;
  setLineWidth: number;
  stroke: number;
  closeStroke: number;
  fill: number;
  eoFill: number;
  fillStroke: number;
  eoFillStroke: number;
  closeFillStroke: number;
  closeEOFillStroke: number;
}

interface GState {
  ctm: Matrix;
  fillLight: boolean;
  strokeLight: boolean;
  lineWidth: number;
}

/** True for colours too light to be a printed border (white cell backgrounds). */
function isLight(args: unknown): boolean {
  const a = args as unknown[];
  const v = a?.[0];
  if (typeof v === "string" && /^#[0-9a-f]{6}$/i.test(v)) {
    return [1, 3, 5].every((i) => Number.parseInt(v.slice(i, i + 2), 16) >= 0xe8);
  }
  if (a && a.length >= 3 && a.slice(0, 3).every((x) => typeof x === "number")) {
    const nums = a.slice(0, 3) as number[];
    const max = Math.max(...nums);
    return nums.every((x) => x >= (max > 1 ? 232 : 0.91));
  }
  return false;
}

const DRAW_MOVE = 0;
const DRAW_LINE = 1;
const DRAW_CURVE = 2;
const DRAW_QUAD = 3;
const DRAW_CLOSE = 4;

/** Splits a pdfjs path buffer into sub-paths of points; sub-paths with curves are marked. */
function subpaths(buf: ArrayLike<number>): { pts: [number, number][]; closed: boolean; curved: boolean }[] {
  const out: { pts: [number, number][]; closed: boolean; curved: boolean }[] = [];
  let cur: { pts: [number, number][]; closed: boolean; curved: boolean } | undefined;
  for (let k = 0; k < buf.length; ) {
    const op = buf[k++];
    if (op === DRAW_MOVE) {
      cur = { pts: [[buf[k], buf[k + 1]]], closed: false, curved: false };
      out.push(cur);
      k += 2;
    } else if (op === DRAW_LINE) {
      if (!cur) {
        cur = { pts: [], closed: false, curved: false };
        out.push(cur);
      }
      cur.pts.push([buf[k], buf[k + 1]]);
      k += 2;
    } else if (op === DRAW_CURVE) {
      if (cur) {
        cur.curved = true;
        cur.pts.push([buf[k + 4], buf[k + 5]]);
      }
      k += 6;
    } else if (op === DRAW_QUAD) {
      if (cur) {
        cur.curved = true;
        cur.pts.push([buf[k + 2], buf[k + 3]]);
      }
      k += 4;
    } else if (op === DRAW_CLOSE) {
      if (cur) {
        cur.closed = true;
        // A new sub-path after closepath starts where this one started.
        const start = cur.pts[0];
        cur = start ? { pts: [start], closed: false, curved: false } : undefined;
        if (cur) out.push(cur);
      }
    } else break;
  }
  return out.filter((s) => s.pts.length >= 2);
}

/**
 * Reads the painted straight lines of a page's operator list: stroked horizontal and vertical
 * segments (lines and rectangle edges) and thin filled rectangles (borders drawn as bars). Clipping
 * paths, light-coloured paint and ordinary filled areas (cell shading) are not rulings.
 */
export function rulings(
  fnArray: ArrayLike<number>,
  argsArray: unknown[],
  OPS: OpCodes,
  viewport: ArrayLike<number>,
): { h: HSeg[]; v: VSeg[] } {
  const h: HSeg[] = [];
  const v: VSeg[] = [];
  const dots: { x0: number; x1: number; y0: number; y1: number }[] = [];
  let st: GState = { ctm: [1, 0, 0, 1, 0, 0], fillLight: false, strokeLight: false, lineWidth: 1 };
  const stack: GState[] = [];
  const strokes = new Set([
    OPS.stroke,
    OPS.closeStroke,
    OPS.fillStroke,
    OPS.eoFillStroke,
    OPS.closeFillStroke,
    OPS.closeEOFillStroke,
  ]);
  const fills = new Set([
    OPS.fill,
    OPS.eoFill,
    OPS.fillStroke,
    OPS.eoFillStroke,
    OPS.closeFillStroke,
    OPS.closeEOFillStroke,
  ]);
  const addSeg = (a: [number, number], b: [number, number]) => {
    const dx = Math.abs(a[0] - b[0]);
    const dy = Math.abs(a[1] - b[1]);
    if (dy <= 1 && dx >= 1)
      h.push({ y: (a[1] + b[1]) / 2, x0: Math.min(a[0], b[0]), x1: Math.max(a[0], b[0]) });
    else if (dx <= 1 && dy >= 1)
      v.push({ x: (a[0] + b[0]) / 2, y0: Math.min(a[1], b[1]), y1: Math.max(a[1], b[1]) });
  };
  // An office print sets the same colour before every run of text: each colour is judged once.
  const lightness = new Map<unknown, boolean>();
  const light = (args: unknown) => {
    const key = (args as unknown[] | null)?.[0];
    if (typeof key !== "string") return isLight(args);
    let v = lightness.get(key);
    if (v === undefined) {
      v = isLight(args);
      lightness.set(key, v);
    }
    return v;
  };
  const copy = (s: GState): GState => ({
    ctm: s.ctm,
    fillLight: s.fillLight,
    strokeLight: s.strokeLight,
    lineWidth: s.lineWidth,
  });
  // The operator codes as locals: a page has thousands of operators, most of them none of these.
  const { save, restore, transform, paintFormXObjectBegin, paintFormXObjectEnd, constructPath } = OPS;
  const { setFillRGBColor, setStrokeRGBColor, setLineWidth } = OPS;
  for (let i = 0; i < fnArray.length; i++) {
    const fn = fnArray[i];
    const args = argsArray[i] as unknown[];
    if (fn === save) stack.push(copy(st));
    else if (fn === restore) st = stack.pop() ?? st;
    else if (fn === transform) st.ctm = multiply(st.ctm, args as number[]);
    else if (fn === paintFormXObjectBegin) {
      stack.push(copy(st));
      const m = args?.[0] as number[] | null;
      if (m && m.length === 6) st.ctm = multiply(st.ctm, m);
    } else if (fn === paintFormXObjectEnd) st = stack.pop() ?? st;
    else if (fn === setFillRGBColor) st.fillLight = light(args);
    else if (fn === setStrokeRGBColor) st.strokeLight = light(args);
    else if (fn === setLineWidth) st.lineWidth = Number(args?.[0]) || 0;
    else if (fn === constructPath) {
      const paint = args?.[0] as number;
      const buf = (args?.[1] as (ArrayLike<number> | null)[] | undefined)?.[0];
      if (!buf) continue;
      const doStroke = strokes.has(paint) && !st.strokeLight;
      const doFill = fills.has(paint) && !st.fillLight;
      if (!doStroke && !doFill) continue;
      const m = multiply(viewport, st.ctm);
      const widthScale = Math.sqrt(Math.abs(m[0] * m[3] - m[1] * m[2]));
      // Very thick strokes are bars or shading, not borders.
      const strokeOk = doStroke && st.lineWidth * widthScale <= 6;
      for (const sp of subpaths(buf)) {
        const pts = sp.pts.map(([x, y]) => apply(m, x, y));
        if (strokeOk) {
          for (let k = 1; k < pts.length; k++) addSeg(pts[k - 1], pts[k]);
          if (sp.closed) addSeg(pts[pts.length - 1], pts[0]);
        }
        if (doFill && !sp.curved && pts.length >= 4 && pts.length <= 5) {
          const xs = pts.map((p) => p[0]);
          const ys = pts.map((p) => p[1]);
          const x0 = Math.min(...xs);
          const x1 = Math.max(...xs);
          const y0 = Math.min(...ys);
          const y1 = Math.max(...ys);
          // Not only rectangles: Chromium paints each side of an HTML cell border (`border=1`, inset
          // and outset) as a thin trapezoid whose ends are mitred to the corners. A quadrilateral
          // thinner than 3 pt is a bar along its long side, whatever its ends look like.
          const w = x1 - x0;
          const hh = y1 - y0;
          if (hh <= 3 && w > 3 * hh && w >= 2) h.push({ y: (y0 + y1) / 2, x0, x1 });
          else if (w <= 3 && hh > 3 * w && hh >= 2) v.push({ x: (x0 + x1) / 2, y0, y1 });
          else if (w <= 2 && hh <= 2 && w >= 0.2 && hh >= 0.2) dots.push({ x0, x1, y0, y1 });
        }
      }
    }
  }
  h.push(...dottedLines(dots, true).map(([at, a, b]) => ({ y: at, x0: a, x1: b })));
  v.push(...dottedLines(dots, false).map(([at, a, b]) => ({ x: at, y0: a, y1: b })));
  return { h, v };
}

/**
 * Dotted borders: a browser prints a CSS `dotted` border as a row of small filled squares (0.75 pt
 * every 1.5 pt). Dots on one line (their middles within 0.3 pt across it), each less than twice a
 * dot's size after the one before, make a ruling when there are eight or more over 10 pt. A dotted
 * area (a halftone), whose rows of dots lie a dot or two apart, makes none: a line with two others
 * within 3 pt beside it along most of it is no ruling. (Two side by side are a doubled border: a
 * header row's bottom and the next row's top, each dotted; where they coincide, each dot is painted
 * twice.) Returns [position across, start, end].
 */
function dottedLines(dots: { x0: number; x1: number; y0: number; y1: number }[], horizontal: boolean) {
  const across = (d: (typeof dots)[number]) => (horizontal ? (d.y0 + d.y1) / 2 : (d.x0 + d.x1) / 2);
  const from = (d: (typeof dots)[number]) => (horizontal ? d.x0 : d.y0);
  const to = (d: (typeof dots)[number]) => (horizontal ? d.x1 : d.y1);
  // Bands of dots whose middles lie within 0.3 pt across (a line's dots differ by rounding), each
  // then read along.
  const byAcross = [...dots].sort((a, b) => across(a) - across(b));
  const bands: (typeof dots)[] = [];
  for (const d of byAcross) {
    const band = bands[bands.length - 1];
    if (band && across(d) - across(band[0]) <= 0.3) band.push(d);
    else bands.push([d]);
  }
  const lines: [number, number, number][] = [];
  for (const band of bands) {
    let run: typeof dots = [];
    const flush = () => {
      if (run.length >= 8 && to(run[run.length - 1]) - from(run[0]) >= 10)
        lines.push([across(run[0]), from(run[0]), to(run[run.length - 1])]);
      run = [];
    };
    for (const d of band.sort((p, q) => from(p) - from(q))) {
      const last = run[run.length - 1];
      const size = last ? Math.max(to(last) - from(last), 0.5) : 0;
      // (A dot painted twice, by two borders meeting there, is one dot.)
      if (last && Math.abs(from(d) - from(last)) < 0.1) continue;
      if (last && from(d) - to(last) <= 2 * size && from(d) > from(last)) run.push(d);
      else {
        flush();
        run = [d];
      }
    }
    flush();
  }
  return lines.filter(
    ([at, a, b]) =>
      lines.filter(
        ([at2, a2, b2]) =>
          at2 !== at && Math.abs(at2 - at) <= 3 && Math.min(b, b2) - Math.max(a, a2) >= 0.5 * (b - a),
      ).length < 2,
  );
}

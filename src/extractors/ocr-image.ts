// Page images for OCR: grayscale PGM in and out, deskewing, table rulings found in the pixels (then
// erased so the OCR engine does not read them as `|` and `一`), and blobs of ink the engine left unread.
import type { HSeg, VSeg } from "./pdf-geometry.js";

/** An 8-bit grayscale image, row by row (0 = black). */
export interface Gray {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * Reads a binary PGM (P5, 8-bit), as `pdftoppm -gray` writes it, or a binary PPM (P6), as `pdftoppm`
 * writes a colour page, turned to gray with red ink dropped (`dropRed`).
 */
export function parsePgm(buf: Uint8Array): Gray {
  const fields: string[] = [];
  let i = 0;
  while (fields.length < 4 && i < buf.length) {
    while (i < buf.length && /\s/.test(String.fromCharCode(buf[i]))) i++;
    if (buf[i] === 0x23) {
      while (i < buf.length && buf[i] !== 0x0a) i++;
      continue;
    }
    let tok = "";
    while (i < buf.length && !/\s/.test(String.fromCharCode(buf[i]))) tok += String.fromCharCode(buf[i++]);
    fields.push(tok);
  }
  const [magic, w, h, max] = fields;
  const width = Number(w);
  const height = Number(h);
  const channels = magic === "P6" ? 3 : 1;
  if ((magic !== "P5" && magic !== "P6") || Number(max) !== 255 || !(width > 0) || !(height > 0)) {
    throw new Error(`not an 8-bit binary PGM or PPM image (${fields.join(" ")})`);
  }
  const data = buf.subarray(i + 1, i + 1 + width * height * channels);
  if (data.length < width * height * channels) throw new Error("PGM image is truncated");
  if (channels === 3) return { width, height, data: dropRed(data) };
  return { width, height, data: new Uint8Array(data) };
}

/**
 * RGB pixels to gray, with red ink dropped as a scanner's red dropout does: a seal stamped over a table
 * (red on most Chinese official documents) would otherwise hide rulings and read as characters. A red
 * pixel is given its red channel (light for red ink on paper; a ruling under the seal stays darker);
 * black ink, and black text under a seal, stays dark in every channel. Other pixels get their luminance.
 */
export function dropRed(rgb: Uint8Array): Uint8Array {
  const n = rgb.length / 3;
  const out = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const r = rgb[3 * k];
    const g = rgb[3 * k + 1];
    const b = rgb[3 * k + 2];
    out[k] = r - Math.max(g, b) > 50 ? r : Math.round(0.299 * r + 0.587 * g + 0.114 * b);
  }
  return out;
}

export function toPgm(img: Gray): Buffer {
  return Buffer.concat([Buffer.from(`P5\n${img.width} ${img.height}\n255\n`, "latin1"), img.data]);
}

/** Otsu's threshold: the gray level that best separates ink from paper. */
export function otsu(img: Gray): number {
  const hist = new Float64Array(256);
  const step = img.data.length > 4_000_000 ? 3 : 1;
  let n = 0;
  for (let i = 0; i < img.data.length; i += step) {
    hist[img.data[i]]++;
    n++;
  }
  let sum = 0;
  for (let t = 0; t < 256; t++) sum += t * hist[t];
  let sumB = 0;
  let wB = 0;
  let best = 128;
  let bestVar = -1;
  for (let t = 0; t < 256; t++) {
    wB += hist[t];
    if (wB === 0) continue;
    const wF = n - wB;
    if (wF === 0) break;
    sumB += t * hist[t];
    const mB = sumB / wB;
    const mF = (sum - sumB) / wF;
    const between = wB * wF * (mB - mF) ** 2;
    if (between > bestVar) {
      bestVar = between;
      best = t;
    }
  }
  return best;
}

/**
 * The skew of a page in degrees (positive: text rises to the right... as pixels go, y grows downwards),
 * by the projection-profile method: the angle at which rows of ink are sharpest.
 */
export function estimateSkew(img: Gray, threshold: number, maxDeg = 3): number {
  // A sample of ink pixels is enough; the profile is built for each candidate angle. (Bins as tall as
  // the sampling stride: finer bins would favour the angle 0, where every sample falls on the sampled
  // rows.)
  const stride = sampleStride(img);
  const inside = awayFromEdges(img, threshold);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let y = 0; y < img.height; y += stride) {
    const row = y * img.width;
    for (let x = 0; x < img.width; x += stride) {
      if (img.data[row + x] < threshold && inside(x, y)) {
        xs.push(x);
        ys.push(y);
      }
    }
  }
  return sharpestAngle(xs, ys, img.width, img.height, stride, maxDeg).deg;
}

/** A page is sampled every so many pixels: a sample of its ink is enough for a profile. */
const sampleStride = (img: Gray) => Math.max(1, Math.floor(Math.sqrt((img.width * img.height) / 400_000)));

/**
 * The slant of a page's columns in degrees once its rows are level (x grows by tan(angle) per pixel
 * down): a page photographed or fed through the scanner askew is sheared, not only turned, and its
 * column rulings lean while its rows lie level. The projection-profile method again, over columns.
 */
export function estimateShear(img: Gray, threshold: number, em: number, maxDeg = 1.5): number {
  // Measured on the pieces of vertical lines alone (runs of ink down a pixel column over 1.6 ems long):
  // over all ink, the ragged edges of text and of a borderless table's columns lean every which way.
  // Every pixel column is sampled, on the rows a stride apart (a thin ruling falls between columns
  // sampled a stride apart), into bins a pixel wide.
  const minRun = Math.round(1.6 * em);
  const stride = sampleStride(img);
  const ys: number[] = [];
  const xs: number[] = [];
  let pieces = 0;
  for (let x = 0; x < img.width; x++) {
    let start = -1;
    for (let y = 0; y <= img.height; y++) {
      const ink = y < img.height && img.data[y * img.width + x] < threshold;
      if (ink && start < 0) start = y;
      else if (!ink && start >= 0) {
        if (y - start >= minRun) {
          for (let k = Math.ceil(start / stride) * stride; k < y; k += stride) {
            ys.push(k);
            xs.push(x);
          }
          pieces += y - start;
        }
        start = -1;
      }
    }
  }
  // (Fewer than twenty ems of ruling in all: no table to stand upright.)
  if (pieces < 20 * em) return 0;
  // Leaning rulings project at least twice as sharp stood upright as they are; a smaller gain is the
  // chance alignment of short pieces (a tall bracket, a ragged column of labels), not a lean.
  const { deg, gain } = sharpestAngle(ys, xs, img.height, img.width, 1, maxDeg);
  return gain >= 2 ? deg : 0;
}

/**
 * Whether a pixel is clear of the ink that reaches the image's edges: a scanner's shadow along a side
 * of the page (its lid's, or the dark background past a fed sheet's edge) lies square to the scanner,
 * not to the tilted page, and as long as the page, it projects sharper than every line of text: left
 * in, it measures the page level. Ink running straight in from an edge, along its row or column, is
 * left out.
 */
function awayFromEdges(img: Gray, threshold: number): (x: number, y: number) => boolean {
  const { width: w, height: h, data } = img;
  const ink = (x: number, y: number) => data[y * w + x] < threshold;
  // The first position from `from`, stepping by `step`, that is not ink (n positions along the line).
  const clear = (n: number, inkAt: (k: number) => boolean, from: number, step: 1 | -1) => {
    let k = from;
    while (k >= 0 && k < n && inkAt(k)) k += step;
    return k;
  };
  const left = Int32Array.from({ length: h }, (_, y) => clear(w, (x) => ink(x, y), 0, 1));
  const right = Int32Array.from({ length: h }, (_, y) => clear(w, (x) => ink(x, y), w - 1, -1));
  const top = Int32Array.from({ length: w }, (_, x) => clear(h, (y) => ink(x, y), 0, 1));
  const bottom = Int32Array.from({ length: w }, (_, x) => clear(h, (y) => ink(x, y), h - 1, -1));
  return (x, y) => x >= left[y] && x <= right[y] && y >= top[x] && y <= bottom[x];
}

/**
 * The angle at which samples of ink project sharpest across the lines they lie along, and how much
 * sharper than at 0 (the ratio of the profiles' sums of squares). A sample lies at `along[k]` along the
 * lines (x for rows of text, y for columns) and `across[k]` across them; the page is `length` long
 * along the lines and `breadth` across; profiles are binned `bin` pixels wide.
 */
function sharpestAngle(
  along: number[],
  across: number[],
  length: number,
  breadth: number,
  bin: number,
  maxDeg: number,
): { deg: number; gain: number } {
  if (along.length < 100) return { deg: 0, gain: 1 };
  const bins = new Float64Array(Math.ceil((breadth + 2 * length) / bin) + 2);
  const score = (deg: number) => {
    const t = Math.tan((deg * Math.PI) / 180);
    bins.fill(0);
    for (let k = 0; k < along.length; k++) bins[Math.round((across[k] - along[k] * t + length) / bin)]++;
    let s = 0;
    for (let k = 0; k < bins.length; k++) s += bins[k] * bins[k];
    return s;
  };
  let best = 0;
  let bestScore = score(0);
  for (let d = -maxDeg; d <= maxDeg + 1e-9; d += 0.2) {
    const s = score(d);
    if (s > bestScore) {
      bestScore = s;
      best = d;
    }
  }
  const coarse = best;
  for (let d = coarse - 0.2; d <= coarse + 0.2 + 1e-9; d += 0.02) {
    const s = score(d);
    if (s > bestScore) {
      bestScore = s;
      best = d;
    }
  }
  return { deg: best, gain: bestScore / score(0) };
}

/** The image turned clockwise by a quarter turn, a half turn or three quarters (`deg` 90, 180, 270). */
export function turn(img: Gray, deg: 90 | 180 | 270): Gray {
  const { width: w, height: h, data } = img;
  const out = new Uint8Array(w * h);
  const [ow, oh] = deg === 180 ? [w, h] : [h, w];
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      // The source pixel of output (x, y), clockwise.
      const [sx, sy] = deg === 90 ? [y, h - 1 - x] : deg === 180 ? [w - 1 - x, h - 1 - y] : [w - 1 - y, x];
      out[y * ow + x] = data[sy * w + sx];
    }
  }
  return { width: ow, height: oh, data: out };
}

/** Shifts each row of the image sideways (linear), so that columns slanting by `deg` stand upright. */
export function unshear(img: Gray, deg: number): Gray {
  const { width: w, height: h, data } = img;
  const out = new Uint8Array(w * h).fill(255);
  const t = Math.tan((deg * Math.PI) / 180);
  const cy = h / 2;
  for (let y = 0; y < h; y++) {
    const sx0 = (y - cy) * t;
    const x0 = Math.floor(sx0);
    const fx = sx0 - x0;
    const row = y * w;
    for (let x = 0; x < w; x++) {
      const sx = x + x0;
      if (sx < 0 || sx + 1 >= w) continue;
      out[row + x] = Math.round(data[row + sx] * (1 - fx) + data[row + sx + 1] * fx);
    }
  }
  return { width: w, height: h, data: out };
}

/** Rotates the image by `deg` about its centre (bilinear), so that a skew of `deg` becomes level. */
export function rotate(img: Gray, deg: number): Gray {
  const { width: w, height: h, data } = img;
  const out = new Uint8Array(w * h).fill(255);
  const a = (deg * Math.PI) / 180;
  const cos = Math.cos(a);
  const sin = Math.sin(a);
  const cx = w / 2;
  const cy = h / 2;
  for (let y = 0; y < h; y++) {
    const dy = y - cy;
    for (let x = 0; x < w; x++) {
      const dx = x - cx;
      // Source of this output pixel: the output is the input turned by -deg.
      const sx = cos * dx - sin * dy + cx;
      const sy = sin * dx + cos * dy + cy;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      if (x0 < 0 || y0 < 0 || x0 + 1 >= w || y0 + 1 >= h) continue;
      const fx = sx - x0;
      const fy = sy - y0;
      const i = y0 * w + x0;
      const top = data[i] * (1 - fx) + data[i + 1] * fx;
      const bottom = data[i + w] * (1 - fx) + data[i + w + 1] * fx;
      out[y * w + x] = Math.round(top * (1 - fy) + bottom * fy);
    }
  }
  return { width: w, height: h, data: out };
}

/** A ruling found in the pixels: its centre line and its thickness, in pixels. */
interface PixelRun {
  pos: number;
  a: number;
  b: number;
  thick: number;
}

/**
 * Runs of ink along one axis at least `minLen` long, allowing gaps of `gap` pixels (noise, thin
 * lines broken by the scan). Runs on neighbouring lines that overlap are one (thick) ruling.
 */
export function runsAlong(
  img: Gray,
  threshold: number,
  horizontal: boolean,
  minLen: number,
  gap: number,
): PixelRun[] {
  const { width: w, height: h, data } = img;
  const lines = horizontal ? h : w;
  const len = horizontal ? w : h;
  const raw: { line: number; a: number; b: number }[] = [];
  for (let l = 0; l < lines; l++) {
    let start = -1;
    let lastInk = -1;
    for (let k = 0; k <= len; k++) {
      // A thin line that the scan's rotation spread over two rows (columns) is dark in neither alone:
      // the darker of this line and the next one counts.
      const next = l + 1 < lines ? 1 : 0;
      const ink =
        k < len &&
        Math.min(
          data[horizontal ? l * w + k : k * w + l],
          data[horizontal ? (l + next) * w + k : k * w + l + next],
        ) < threshold;
      if (ink) {
        if (start < 0) start = k;
        lastInk = k;
      } else if (start >= 0 && (k === len || k - lastInk > gap)) {
        if (lastInk - start + 1 >= minLen) raw.push({ line: l, a: start, b: lastInk });
        start = -1;
      }
    }
  }
  // Merge runs of consecutive lines that overlap by most of their length.
  type Open = {
    first: number;
    last: number;
    a: number;
    b: number;
    lines: { line: number; len: number; a: number; b: number }[];
  };
  const open: Open[] = [];
  const done: PixelRun[] = [];
  // The ruling's band is made of the lines that run along most of it: ink stuck to one side of a
  // ruling (a seal stamped over it, a character touching it) joins the run but does not thicken it.
  // Two rulings bridged by a blob (a seal's solid star across two column rulings) make one run, whose
  // lines along it form two bands apart: each band is a ruling of its own.
  const close = (r: Open) => {
    const along = r.lines.filter((l) => l.len >= 0.5 * (r.b - r.a + 1)).sort((x, y) => x.line - y.line);
    if (along.length === 0) {
      done.push({ pos: (r.first + r.last) / 2, a: r.a, b: r.b, thick: r.last - r.first + 1 });
      return;
    }
    const bands: (typeof along)[] = [];
    for (const l of along) {
      const band = bands.at(-1);
      if (band && l.line - band[band.length - 1].line <= 2) band.push(l);
      else bands.push([l]);
    }
    // Several bands are rulings of their own only where each runs along most of the run: the strokes of
    // a seal's star, bridged by its fill, are short, and stay one thick run (no ruling).
    const span = (band: typeof along) =>
      Math.max(...band.map((l) => l.b)) - Math.min(...band.map((l) => l.a));
    const whole = bands.length > 1 && bands.every((band) => span(band) >= 0.8 * (r.b - r.a));
    for (const band of whole ? bands : [along]) {
      const [first, last] = [band[0].line, band[band.length - 1].line];
      done.push({ pos: (first + last) / 2, a: r.a, b: r.b, thick: last - first + 1 });
    }
  };
  for (const r of raw) {
    for (let k = open.length - 1; k >= 0; k--) {
      if (open[k].last < r.line - 1) close(open.splice(k, 1)[0]);
    }
    const hit = open.find(
      (o) =>
        o.last === r.line - 1 &&
        Math.min(o.b, r.b) - Math.max(o.a, r.a) > 0.5 * Math.min(o.b - o.a, r.b - r.a),
    );
    const own = { line: r.line, len: r.b - r.a + 1, a: r.a, b: r.b };
    if (hit) {
      hit.last = r.line;
      hit.a = Math.min(hit.a, r.a);
      hit.b = Math.max(hit.b, r.b);
      hit.lines.push(own);
    } else open.push({ first: r.line, last: r.line, a: r.a, b: r.b, lines: [own] });
  }
  for (const o of open) close(o);
  return done;
}

/** Rulings found in the pixels, each with its thickness `t` (pixels). */
export interface PixelRulings {
  h: (HSeg & { t: number })[];
  v: (VSeg & { t: number })[];
  /** Vertical rulings that bound no cell (their row rulings lost): erased, but no table structure. */
  stray?: (VSeg & { t: number })[];
  /** Horizontal rulings found as sparse dashes, too uncertain to bound cells: erased only. */
  dashes?: (HSeg & { t: number })[];
}

/** Joins pieces of one ruling (the same line, a short gap apart) that a faint scan broke up. */
function closeGaps(runs: PixelRun[], maxGap: number): PixelRun[] {
  const sorted = [...runs].sort((a, b) => a.pos - b.pos || a.a - b.a);
  const out: PixelRun[] = [];
  for (const r of sorted) {
    const hit = out.find((o) => Math.abs(o.pos - r.pos) <= 2.5 && r.a <= o.b + maxGap && r.b >= o.a - maxGap);
    if (hit) {
      hit.a = Math.min(hit.a, r.a);
      hit.b = Math.max(hit.b, r.b);
      // The joined ruling covers the band of both pieces (a tilted or doubled line is wider).
      const lo = Math.min(hit.pos - hit.thick / 2, r.pos - r.thick / 2);
      const hi = Math.max(hit.pos + hit.thick / 2, r.pos + r.thick / 2);
      hit.pos = (lo + hi) / 2;
      hit.thick = hi - lo;
    } else out.push({ ...r });
  }
  return out;
}

/**
 * Joins pieces of one horizontal ruling further apart than closeGaps joins, where ink runs along the
 * line between them most of the way: a table printed with separate cell borders (CSS border-spacing)
 * breaks its rulings at every column, and in a column narrower than the shortest run looked for (two
 * and a half ems: a narrow 商业企业 column) the piece is not found at all, which leaves that column's
 * cells without rows.
 */
function bridgeInkedGaps(img: Gray, lax: number, runs: PixelRun[], maxGap: number): PixelRun[] {
  const sorted = [...runs].sort((a, b) => a.pos - b.pos || a.a - b.a);
  const out: PixelRun[] = [];
  const inked = (y: number, x0: number, x1: number) => {
    let n = 0;
    for (let x = Math.ceil(x0); x <= Math.floor(x1); x++) {
      // The darkest of three rows: a thin line a slight tilt spreads over two.
      for (let d = -1; d <= 1; d++) {
        const yy = Math.round(y) + d;
        if (yy >= 0 && yy < img.height && img.data[yy * img.width + x] < lax) {
          n++;
          break;
        }
      }
    }
    return n / Math.max(1, Math.floor(x1) - Math.ceil(x0) + 1);
  };
  // (Pieces of one line may lie half a pixel apart, the right one first.)
  const bridged = (o: PixelRun, r: PixelRun) => {
    const [left, right] = o.a < r.a ? [o, r] : [r, o];
    return (
      right.a > left.b &&
      right.a - left.b <= maxGap &&
      inked((o.pos + r.pos) / 2, left.b + 1, right.a - 1) >= 0.75
    );
  };
  for (const r of sorted) {
    const hit = out.find((o) => Math.abs(o.pos - r.pos) <= 2.5 && bridged(o, r));
    if (hit) {
      hit.a = Math.min(hit.a, r.a);
      hit.b = Math.max(hit.b, r.b);
      hit.thick = Math.max(hit.thick, r.thick);
    } else out.push({ ...r });
  }
  return out;
}

/**
 * The image with shaded areas (a table's header rows filled grey) turned to paper: on a grid of half
 * ems, a square whose pixels are mostly lighter than the ink threshold but darker than the paper is
 * shade, and there every pixel of the shade's tone is made white. Ink, darker, stays: the
 * text and rulings over the shade. Read with the laxer thresholds that find faint hairlines, a grey
 * fill with the scan's grain in it was runs of "ink" everywhere, and its rulings and cells were lost.
 */
export function unshade(img: Gray, threshold: number, em: number): Gray {
  const { width, height, data } = img;
  // Paper: the page's median level (most of a page is paper; the grain of a noisy scan spreads it
  // both ways). Shade lies between the ink threshold and somewhat darker than the paper.
  const hist = new Uint32Array(256);
  for (let i = 0; i < data.length; i += 7) hist[data[i]]++;
  const total = Math.ceil(data.length / 7);
  let paper = 255;
  for (let v = 0, seen = 0; v < 256; v++) {
    seen += hist[v];
    if (seen >= 0.5 * total) {
      paper = v;
      break;
    }
  }
  const light = paper - Math.max(12, Math.round(0.25 * (paper - threshold)));
  if (light <= threshold) return img;
  const cell = Math.max(4, Math.round(em / 2));
  let out: Uint8Array | undefined;
  for (let y0 = 0; y0 < height; y0 += cell) {
    for (let x0 = 0; x0 < width; x0 += cell) {
      const y1 = Math.min(height, y0 + cell);
      const x1 = Math.min(width, x0 + cell);
      let shade = 0;
      let sum = 0;
      for (let y = y0; y < y1; y++)
        for (let x = x0; x < x1; x++) {
          const v = data[y * width + x];
          sum += v;
          if (v >= threshold && v < light) shade++;
        }
      // Mostly in the shade's band, and darker than paper on the whole: the grain of a noisy scan
      // puts much of the paper in the band too, but its mean stays at the paper's level.
      const n = (y1 - y0) * (x1 - x0);
      const level = sum / n;
      if (shade < 0.6 * n || level > light) continue;
      // Only the shade's own tone turns white: a hairline ruling along the shade is darker than it,
      // though lighter than the ink threshold, and stays.
      const floor = Math.max(threshold, level - Math.max(10, 0.2 * (level - threshold)));
      out ??= new Uint8Array(data);
      for (let y = y0; y < y1; y++)
        for (let x = x0; x < x1; x++) if (out[y * width + x] >= floor) out[y * width + x] = 255;
    }
  }
  return out ? { width, height, data: out } : img;
}

/**
 * Horizontal rulings printed or scanned as dashes: a faint grey hairline a black-and-white scan broke
 * into pieces about an em long, with gaps nearly as long (too long for closeGaps to join pieces that
 * are each too short to be looked for). Pieces of at least half an em on one line (each within a
 * pixel and a half of the height of the one before), each less than an em and a half from the next,
 * make a ruling where at least four of them span four ems or more and ink covers two fifths of that
 * span. Each piece has paper above and below it, and the pieces are alike in length. The horizontal
 * strokes of a line of characters are at many heights, with other strokes above and below them.
 */
function dashedRuns(
  img: Gray,
  lax: number,
  pieces: PixelRun[],
  em: number,
): { dense: PixelRun[]; sparse: PixelRun[] } {
  // A dash has paper above and below it, within a third of an em; a character's stroke has the
  // character's other strokes there.
  const isolated = (r: PixelRun) =>
    inkAlong(img, lax, r, Math.round(em / 3) - (Math.ceil(r.thick / 2) + 2)) <= 0.2;
  // (Left to right: the pieces of one line lie at heights a pixel apart.)
  const sorted = pieces.filter(isolated).sort((a, b) => a.a - b.a);
  const chains = chainRuns(sorted, 1.5 * em);
  const out: PixelRun[] = [];
  const used = new Set<PixelRun>();
  for (const { runs } of chains) {
    const a = runs[0].a;
    const b = runs[runs.length - 1].b;
    const inked = runs.reduce((n, r) => n + r.b - r.a + 1, 0);
    if (runs.length < 4 || b - a < 4 * em || inked < 0.4 * (b - a + 1)) continue;
    // Dashes are alike: the longest piece at most three times the shortest.
    const lengths = runs.map((r) => r.b - r.a + 1);
    if (Math.max(...lengths) > 3 * Math.min(...lengths)) continue;
    out.push(dashedLine(runs, em));
    for (const r of runs) used.add(r);
  }
  return {
    dense: out,
    sparse: sparseDashedRuns(
      img,
      lax,
      sorted.filter((r) => !used.has(r)),
      em,
    ),
  };
}

/**
 * Horizontal pieces (sorted left to right) chained into lines: each piece joins the chain whose last
 * piece ends at most `maxGap` before it, within a pixel and a half of its height.
 */
function chainRuns(sorted: PixelRun[], maxGap: number): { runs: PixelRun[] }[] {
  const chains: { runs: PixelRun[]; b: number; pos: number }[] = [];
  for (const r of sorted) {
    const chain = chains.find((c) => Math.abs(c.pos - r.pos) <= 1.5 && r.a > c.b && r.a - c.b <= maxGap);
    if (chain) {
      // (The chain follows its line's last piece: a line left a little tilted drifts along the page.)
      chain.runs.push(r);
      chain.b = r.b;
      chain.pos = r.pos;
    } else chains.push({ runs: [r], b: r.b, pos: r.pos });
  }
  return chains;
}

/** One ruling from its dashes: it reaches a gap past its outermost pieces (to the column rulings it runs between). */
function dashedLine(runs: PixelRun[], em: number): PixelRun {
  const lo = Math.min(...runs.map((r) => r.pos - r.thick / 2));
  const hi = Math.max(...runs.map((r) => r.pos + r.thick / 2));
  const gaps = runs
    .slice(1)
    .map((r, k) => r.a - runs[k].b)
    .sort((x, y) => x - y);
  const reach = Math.min(em, gaps[Math.floor(gaps.length / 2)]);
  return {
    pos: (lo + hi) / 2,
    a: Math.max(0, runs[0].a - reach),
    b: runs[runs.length - 1].b + reach,
    thick: hi - lo,
  };
}

/**
 * Horizontal rulings scanned as sparse, regular dashes: a hairline a black-and-white scan broke into
 * dashes an em or two long with gaps up to four ems, the same pattern in every ruling of the table
 * (the hairlines were drawn alike). A line of dashes printed as values (a row of `—` cells) looks
 * the same on its own, so each such line must have five dashes or more over twelve ems, alike in
 * length and in spacing, with paper between them (a row of values has other values there), and
 * share the places of its dashes with another ruling across the table's whole width: one with no
 * text on its line before its first dash (a table row starts with its label, however far left): three
 * in five of its dashes where that ruling has one. A ruling cut short by a cell spanning rows starts
 * mid-table, beside that cell's text: four in five of its dashes stand where a full ruling's do.
 */
function sparseDashedRuns(img: Gray, lax: number, pieces: PixelRun[], em: number): PixelRun[] {
  const chains = chainRuns(
    pieces.filter((r) => r.b - r.a + 1 >= 0.8 * em),
    4 * em,
  );
  // (Alike but for one dash or gap in six or so: a column ruling crossing a dash cuts it short.)
  const alike = (xs: number[]) => {
    const q = [...xs].sort((a, b) => a - b);
    return q[Math.ceil(0.85 * (q.length - 1))] <= 1.6 * q[Math.floor(0.15 * (q.length - 1))];
  };
  const textAt = (line: PixelRun, x0: number, x1: number) => textOnLine(img, lax, em, line, x0, x1);
  const lines = chains.filter(({ runs }) => {
    if (runs.length < 5 || runs[runs.length - 1].b - runs[0].a < 12 * em) return false;
    const gaps = runs.slice(1).map((r, k) => r.a - runs[k].b);
    if (!alike(runs.map((r) => r.b - r.a + 1)) || !alike(gaps)) return false;
    // (Between dashes the band skips the dashes' own pixels: each gap less a few pixels either side.)
    return !runs.slice(1).some((r, k) => textAt(r, runs[k].b + 3, r.a - 3));
  });
  const full = lines.filter(({ runs }) => !textAt(runs[0], 0, runs[0].a - 3));
  const middles = (runs: PixelRun[]) => runs.map((r) => (r.a + r.b) / 2);
  const sharesDashes = (runs: PixelRun[], other: PixelRun[], share: number) => {
    const theirs = middles(other);
    const shared = middles(runs).filter((x) => theirs.some((t) => Math.abs(t - x) <= 0.3 * em)).length;
    return shared >= share * runs.length;
  };
  return lines
    .filter(({ runs }) =>
      full.some(
        (o) =>
          o.runs !== runs &&
          Math.abs(o.runs[0].pos - runs[0].pos) >= em &&
          sharesDashes(runs, o.runs, full.some((f) => f.runs === runs) ? 0.6 : 0.8),
      ),
    )
    .map(({ runs }) => dashedLine(runs, em));
}

/**
 * Whether text stands on a horizontal line between x0 and x1: the longest stretch of columns inked
 * both above and below the line within half an em (a value or a label the line runs through; text
 * beside a ruling stands on one side of it) is a quarter of an em or more (a digit's width; the
 * scan's specks are a pixel or three wide). A column inked over nine tenths of that band is a column
 * ruling crossing it, no text; a blank column or two inside a character is forgiven. The line's own
 * rows are left out (a dash broken into bits too short to be pieces is no text).
 */
function textOnLine(img: Gray, lax: number, em: number, line: PixelRun, x0: number, x1: number): boolean {
  const half = Math.round(em / 2);
  const y = Math.round(line.pos);
  const own = Math.ceil(line.thick / 2) + 2;
  const inked = (x: number, dir: -1 | 1) => {
    let dark = 0;
    for (let d = own; d <= half; d++) {
      const yy = y + dir * d;
      if (yy >= 0 && yy < img.height && img.data[yy * img.width + x] < lax) dark++;
    }
    return dark;
  };
  let longest = 0;
  let run = 0;
  let blank = 0;
  for (let x = Math.max(0, Math.round(x0)); x <= Math.min(img.width - 1, Math.round(x1)); x++) {
    const [above, below] = [inked(x, -1), inked(x, 1)];
    if (above > 0 && below > 0 && above + below < 0.9 * 2 * (half - own + 1)) {
      run += blank + 1;
      blank = 0;
      longest = Math.max(longest, run);
    } else if (run > 0 && ++blank > 2) {
      run = 0;
      blank = 0;
    }
  }
  return longest >= 0.25 * em;
}

/** A threshold `share` of the way from the ink threshold to white: hairlines print lighter than text. */
export function laxThreshold(threshold: number, share: number): number {
  return Math.min(235, Math.round(threshold + share * (255 - threshold)));
}

/**
 * Table rulings in the pixels: long thin horizontal runs, and vertical runs that meet a horizontal
 * one (a stroke of a character is neither that long nor joined to a ruling). `em` is the text height in
 * pixels. Coordinates are pixels.
 */
export function findRulings(img: Gray, threshold: number, em: number): PixelRulings {
  const gap = Math.max(1, Math.round(em / 12));
  // Thin, but not too thin: a bevelled HTML border (two tones) scanned with a slight tilt is 8 px at 200 dpi.
  const maxThick = Math.max(3, Math.round(em / 3));
  // Hairlines often print lighter than text, so rulings are looked for with laxer thresholds: halfway
  // from the ink threshold to white, and seven tenths of the way, and what both find is joined. A
  // portal's grey hairline border (#aaa, half a point) scans at 200 to 215 on paper at 250, where halfway
  // (about 200) breaks it into pieces; cells shaded grey (about 213) are ink at seven tenths, and a border
  // along them is lost in the shade's band there, too thick to be a ruling. At seven tenths only runs six
  // ems long count: a hairline runs along a table, while the strokes of a red seal (light once the red
  // is dropped, but darker than that threshold) are no longer than the seal. Text lines are spaced apart
  // vertically, so character strokes never chain into a long vertical run; horizontally, neighbouring
  // characters could, so horizontal runs tolerate a gap of one pixel only.
  const laxes = [
    { lax: laxThreshold(threshold, 0.5), long: 0 },
    { lax: laxThreshold(threshold, 0.7), long: 6 * em },
  ];
  const dashed = dashedRuns(
    img,
    laxes[0].lax,
    runsAlong(img, laxes[0].lax, true, Math.round(0.5 * em), 1).filter((r) => r.thick <= maxThick),
    em,
  );
  const h = bridgeInkedGaps(
    img,
    laxes[0].lax,
    closeGaps(
      [
        ...laxes.flatMap(({ lax, long }) =>
          runsAlong(img, lax, true, Math.round(2.5 * em), 1).filter(
            (r) => r.thick <= maxThick && r.b - r.a >= long,
          ),
        ),
        ...dashed.dense,
      ],
      1.5 * em,
    ),
    5 * em,
  ).filter((r) => !crossedByStrokes(img, threshold, r, em, true));
  const near = Math.max(3, Math.round(em / 4));
  const vRuns = closeGaps(
    // Strokes of characters are told apart before pieces are joined: a ruling's piece and a character's
    // stroke just above the table (a header's) would otherwise make one run, rejected whole.
    laxes.flatMap(({ lax, long }) =>
      runsAlong(img, lax, false, Math.round(1.1 * em), gap).filter(
        (r) => r.thick <= maxThick && r.b - r.a >= long && !crossedByStrokes(img, threshold, r, em),
      ),
    ),
    // Less than for horizontal ones: a table's vertical ruling and a heading's stroke under it, a line
    // apart, would make one.
    em,
  );
  const v = vRuns.filter((r) => {
    // A ruling meets a horizontal one at an end (the other end may be where a page cuts the table).
    // (Strokes of characters that fill a tight cell's height touch the rulings above and below, and
    // chain across them into a run: they were told apart above, by the strokes crossing them.)
    const meets = (y: number) =>
      h.some((s) => r.pos >= s.a - near && r.pos <= s.b + near && Math.abs(s.pos - y) <= near);
    // A short run meeting a horizontal one at one end only is the strokes of a bold heading standing on
    // one of its own (a ruling one row tall meets one at both ends).
    const ends = (meets(r.a) ? 1 : 0) + (meets(r.b) ? 1 : 0);
    // A table's outer border on a page it fills from top to bottom is cut by the page at both ends: it
    // is where three or more of the table's horizontal rulings end.
    const endingHere = h.filter(
      (s) =>
        s.pos > r.a + near &&
        s.pos < r.b - near &&
        (Math.abs(s.a - r.pos) <= near || Math.abs(s.b - r.pos) <= near),
    ).length;
    // So is an inner column ruling of a table the page cuts at both ends: the table's horizontal
    // rulings cross it, three or more.
    const crossing = h.filter(
      (s) => s.pos > r.a + near && s.pos < r.b - near && s.a < r.pos - near && s.b > r.pos + near,
    ).length;
    return (
      ends === 2 ||
      (ends === 1 && r.b - r.a >= 2 * em) ||
      (ends === 0 && (endingHere >= 3 || (crossing >= 3 && r.b - r.a >= 8 * em)))
    );
  });
  // A short horizontal run that meets no vertical ruling is the strokes of a line of bold characters
  // (a title), not a ruling: erased, it would cut the title's characters. Short rulings of a table
  // (under a spanning header) end at its vertical rulings; a borderless table's rules are long.
  const endsAtRuling = (r: PixelRun) =>
    v.some(
      (s) =>
        r.pos >= s.a - near &&
        r.pos <= s.b + near &&
        (Math.abs(s.pos - r.a) <= near || Math.abs(s.pos - r.b) <= near),
    );
  // A long one meeting none is a borderless table's rule, unless ink lies along most of it (the
  // strokes of a bold heading, chained along the characters' feet).
  const hKept = h.filter(
    (r) =>
      endsAtRuling(r) ||
      (r.b - r.a >= 8 * em && inkAlong(img, threshold, r, Math.max(3, Math.round(em / 5))) < 0.5),
  );
  // A long thin vertical run that meets no row ruling is still a ruling, of a table whose row rulings
  // the scan lost (a light grey border thresholded away in a black-and-white scan, the column rulings
  // left broken at every row): no structure, but erased all the same, or the engine reads its pieces as
  // letters among the values (`10 lof0`). Four ems is taller than any character's stroke; each piece
  // joined into it is over an em long, so a column of `1`s, rows apart, never makes one.
  const stray = vRuns.filter((r) => !v.includes(r) && r.b - r.a >= 4 * em);
  // Sparse dashes are erased, never structure: found only in part (a ruling whose dashes came out
  // unlike is missed), they would cut a table into wrong cells; erased, the rows read as a borderless
  // table's lines instead of as lines of `一`.
  const faint = dashed.sparse.filter(
    (r) => !hKept.some((k) => Math.abs(k.pos - r.pos) <= 3 && k.a <= r.a && k.b >= r.b),
  );
  return {
    h: hKept.map((r) => ({ y: r.pos, x0: r.a, x1: r.b, t: r.thick })),
    v: v.map((r) => ({ x: r.pos, y0: r.a, y1: r.b, t: r.thick })),
    stray: stray.map((r) => ({ x: r.pos, y0: r.a, y1: r.b, t: r.thick })),
    dashes: faint.map((r) => ({ y: r.pos, x0: r.a, x1: r.b, t: r.thick })),
  };
}

/**
 * Whether a run is strokes of characters rather than a ruling: along a ruling, paper lies on both
 * sides almost everywhere (text touches it on one side at most); through a character, its strokes
 * across the run put ink on both sides of it at many places (the horizontal strokes of a column of
 * characters beside a vertical run; the vertical strokes of a line of bold characters, whose
 * horizontal strokes chain into a long horizontal run).
 */
function crossedByStrokes(
  img: Gray,
  threshold: number,
  r: PixelRun,
  em: number,
  horizontal = false,
): boolean {
  const reach = Math.max(3, Math.round(em / 5));
  const gap = Math.ceil(r.thick / 2) + 2;
  const at = Math.round(r.pos);
  const a = Math.max(0, Math.round(r.a));
  const b = Math.min((horizontal ? img.width : img.height) - 1, Math.round(r.b));
  const n = b - a + 1;
  if (n <= 0) return false;
  // `along` runs along the run, `across` across it.
  const dark = (along: number, across: number) =>
    across >= 0 &&
    across < (horizontal ? img.height : img.width) &&
    img.data[horizontal ? across * img.width + along : along * img.width + across] < threshold;
  // Lines beside it inked along most of its length are a second ruling (the double borders of
  // HTML tables), not strokes: they are left out.
  const side = (dir: -1 | 1) => {
    const lines: number[] = [];
    for (let d = gap; d <= gap + reach; d++) {
      let inked = 0;
      for (let k = a; k <= b; k++) if (dark(k, at + dir * d)) inked++;
      if (inked < 0.5 * n) lines.push(at + dir * d);
    }
    return lines;
  };
  const before = side(-1);
  const after = side(1);
  // A stroke crosses the run: its ink touches the run on both sides. Text beside a ruling (a tight
  // cell's header) stands a pixel or more clear of it.
  const touch = Math.ceil(r.thick / 2) + 1;
  // A ruling across a vertical run is no stroke: a row ruling crosses every column ruling of a table,
  // and a bold one (eight pixels at 300 dpi, in rows of tight type seventy pixels apart) crosses more
  // than a tenth of its length. A row ruling runs on an em and a half to both sides; a character's
  // stroke (the horizontal strokes of a column of characters) stops within an em.
  const reachOut = Math.round(1.5 * em);
  const ruledAcross = (k: number) => {
    const inked = (dir: -1 | 1) => {
      let n = 0;
      for (let d = touch; d <= reachOut; d++)
        if (dark(k, at + dir * d) || dark(k - 1, at + dir * d) || dark(k + 1, at + dir * d)) n++;
      return n >= 0.9 * (reachOut - touch + 1);
    };
    return inked(-1) && inked(1);
  };
  let both = 0;
  for (let k = a; k <= b; k++) {
    if (!dark(k, at - touch) || !dark(k, at + touch)) continue;
    if (!horizontal && ruledAcross(k)) continue;
    if (before.some((l) => dark(k, l)) && after.some((l) => dark(k, l))) both++;
  }
  return both / n > 0.1;
}

/**
 * The share of a horizontal run's length with ink just above or below it (text the run goes along):
 * within `reach` pixels past a gap of two pixels from the run's band.
 */
function inkAlong(img: Gray, threshold: number, r: PixelRun, reach: number): number {
  const gap = Math.ceil(r.thick / 2) + 2;
  const y = Math.round(r.pos);
  const a = Math.max(0, Math.round(r.a));
  const b = Math.min(img.width - 1, Math.round(r.b));
  if (b < a) return 0;
  let touched = 0;
  for (let x = a; x <= b; x++) {
    for (let d = gap; d <= gap + reach; d++) {
      const above = y - d >= 0 && img.data[(y - d) * img.width + x] < threshold;
      const below = y + d < img.height && img.data[(y + d) * img.width + x] < threshold;
      if (above || below) {
        touched++;
        break;
      }
    }
  }
  return touched / (b - a + 1);
}

/**
 * Paints the rulings white (with a margin of a pixel or two beyond their thickness), leaving only the
 * text for the OCR engine.
 */
export function eraseRulings(img: Gray, rulings: PixelRulings, em: number): Gray {
  const out = new Uint8Array(img.data);
  const { width: w, height: h } = img;
  const margin = Math.max(2, Math.round(em / 8));
  const paint = (x0: number, x1: number, y0: number, y1: number) => {
    for (let y = Math.max(0, Math.floor(y0)); y <= Math.min(h - 1, Math.ceil(y1)); y++) {
      for (let x = Math.max(0, Math.floor(x0)); x <= Math.min(w - 1, Math.ceil(x1)); x++) {
        // The whole band is painted, the ruling's gray fringe too (a thin line the scan's rotation
        // blurred): left, the engine reads it as `一` wherever a crop holds little other ink. A stroke
        // crossing the band loses a pixel or two.
        out[y * w + x] = 255;
      }
    }
  };
  // A thick ruling (a bold border, or a thin one the scan's tilt spread) is erased over its whole width.
  const half = (t: number) => Math.max(margin, Math.ceil(t / 2) + 2);
  for (const s of [...rulings.h, ...(rulings.dashes ?? [])])
    paint(s.x0 - 1, s.x1 + 1, s.y - half(s.t), s.y + half(s.t));
  for (const s of [...rulings.v, ...(rulings.stray ?? [])])
    paint(s.x - half(s.t), s.x + half(s.t), s.y0 - 1, s.y1 + 1);
  return { width: w, height: h, data: out };
}

/** A box in pixels. */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * Blobs of ink big enough to be a character or a dash (specks of noise are not), found on a grid of
 * cells a fraction of an em wide: a cell is inked when enough of its pixels are dark, and touching
 * inked cells make one blob.
 */
export function inkBlobs(img: Gray, threshold: number, em: number): Box[] {
  const cell = Math.max(2, Math.round(em / 6));
  const gw = Math.ceil(img.width / cell);
  const gh = Math.ceil(img.height / cell);
  const inked = new Uint8Array(gw * gh);
  const minDark = Math.max(2, Math.round((cell * cell) / 10));
  for (let gy = 0; gy < gh; gy++) {
    for (let gx = 0; gx < gw; gx++) {
      let dark = 0;
      for (let y = gy * cell; y < Math.min(img.height, (gy + 1) * cell); y++) {
        const row = y * img.width;
        for (let x = gx * cell; x < Math.min(img.width, (gx + 1) * cell); x++) {
          if (img.data[row + x] < threshold) dark++;
        }
      }
      if (dark >= minDark) inked[gy * gw + gx] = 1;
    }
  }
  const seen = new Uint8Array(gw * gh);
  const out: Box[] = [];
  const stack: number[] = [];
  for (let start = 0; start < inked.length; start++) {
    if (!inked[start] || seen[start]) continue;
    let x0 = gw;
    let y0 = gh;
    let x1 = -1;
    let y1 = -1;
    let count = 0;
    stack.push(start);
    seen[start] = 1;
    while (stack.length > 0) {
      const k = stack.pop()!;
      const gx = k % gw;
      const gy = (k - gx) / gw;
      count++;
      x0 = Math.min(x0, gx);
      x1 = Math.max(x1, gx);
      y0 = Math.min(y0, gy);
      y1 = Math.max(y1, gy);
      for (const [dx, dy] of [
        [1, 0],
        [-1, 0],
        [0, 1],
        [0, -1],
      ]) {
        const nx = gx + dx;
        const ny = gy + dy;
        if (nx < 0 || ny < 0 || nx >= gw || ny >= gh) continue;
        const n = ny * gw + nx;
        if (inked[n] && !seen[n]) {
          seen[n] = 1;
          stack.push(n);
        }
      }
    }
    // One inked cell is a speck; a minus sign or a dash is at least a quarter of an em long.
    if (count < 2) continue;
    const box = { x0: x0 * cell, y0: y0 * cell, x1: (x1 + 1) * cell, y1: (y1 + 1) * cell };
    if (box.x1 - box.x0 < em / 4 && box.y1 - box.y0 < em / 4) continue;
    out.push(box);
  }
  return out;
}

/**
 * The cells of the ruled tables: the regions of paper the rulings enclose (a merged cell is one region),
 * found by flood-filling a half-resolution map of the rulings. Regions reaching the page edge are the
 * page around the tables, not cells.
 */
export function cellRegions(img: Gray, rulings: PixelRulings, em: number): Box[] {
  const f = 2;
  const w = Math.ceil(img.width / f);
  const h = Math.ceil(img.height / f);
  const blocked = new Uint8Array(w * h);
  // Rulings are drawn a little longer than found, so that corners left open by the scan still close.
  const ext = Math.max(2, Math.round(em / 4));
  const half = 1;
  const paint = (x0: number, x1: number, y0: number, y1: number) => {
    for (let y = Math.max(0, Math.floor(y0 / f)); y <= Math.min(h - 1, Math.floor(y1 / f)); y++) {
      for (let x = Math.max(0, Math.floor(x0 / f)); x <= Math.min(w - 1, Math.floor(x1 / f)); x++)
        blocked[y * w + x] = 1;
    }
  };
  for (const s of rulings.h) paint(s.x0 - ext, s.x1 + ext, s.y - half * f, s.y + half * f);
  for (const s of rulings.v) paint(s.x - half * f, s.x + half * f, s.y0 - ext, s.y1 + ext);
  const label = new Int32Array(w * h).fill(-1);
  const out: Box[] = [];
  const stack: number[] = [];
  let next = 0;
  for (let start = 0; start < w * h; start++) {
    if (blocked[start] || label[start] >= 0) continue;
    let x0 = w;
    let y0 = h;
    let x1 = -1;
    let y1 = -1;
    let area = 0;
    let edge = false;
    stack.push(start);
    label[start] = next;
    while (stack.length > 0) {
      const k = stack.pop()!;
      const x = k % w;
      const y = (k - x) / w;
      area++;
      if (x === 0 || y === 0 || x === w - 1 || y === h - 1) edge = true;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      if (x > 0 && !blocked[k - 1] && label[k - 1] < 0) {
        label[k - 1] = next;
        stack.push(k - 1);
      }
      if (x < w - 1 && !blocked[k + 1] && label[k + 1] < 0) {
        label[k + 1] = next;
        stack.push(k + 1);
      }
      if (y > 0 && !blocked[k - w] && label[k - w] < 0) {
        label[k - w] = next;
        stack.push(k - w);
      }
      if (y < h - 1 && !blocked[k + w] && label[k + w] < 0) {
        label[k + w] = next;
        stack.push(k + w);
      }
    }
    next++;
    const bw = (x1 - x0 + 1) * f;
    const bh = (y1 - y0 + 1) * f;
    if (edge || bw < 0.8 * em || bh < 0.6 * em) continue;
    if (bw * bh > 0.4 * img.width * img.height) continue;
    // A cell is a rectangle; a region much smaller than its box leaks around rulings (not a cell).
    if (area * f * f < 0.7 * bw * bh) continue;
    out.push({ x0: x0 * f, y0: y0 * f, x1: (x1 + 1) * f, y1: (y1 + 1) * f });
  }
  return out;
}

/** Number of ink pixels inside a box. */
export function inkIn(img: Gray, b: Box, threshold: number): number {
  let n = 0;
  for (let y = Math.max(0, b.y0); y < Math.min(img.height, b.y1); y++) {
    const row = y * img.width;
    for (let x = Math.max(0, b.x0); x < Math.min(img.width, b.x1); x++)
      if (img.data[row + x] < threshold) n++;
  }
  return n;
}

/** A copy of a box of the image with a white margin around it (the OCR engine reads edges badly). */
export function crop(img: Gray, b: Box, margin: number): Gray {
  const width = b.x1 - b.x0 + 2 * margin;
  const height = b.y1 - b.y0 + 2 * margin;
  const data = new Uint8Array(width * height).fill(255);
  for (let y = Math.max(0, b.y0); y < Math.min(img.height, b.y1); y++) {
    const src = y * img.width;
    const dst = (y - b.y0 + margin) * width + margin;
    for (let x = Math.max(0, b.x0); x < Math.min(img.width, b.x1); x++)
      data[dst + x - b.x0] = img.data[src + x];
  }
  return { width, height, data };
}

/**
 * A cell of a ruled table cut from the page as scanned (not from the page with its rulings erased, so
 * that a glyph touching a ruling keeps its strokes), with what the box still holds of the rulings
 * around it cleared: rows or columns at its edges inked along most of their length.
 */
export function cropCell(img: Gray, b: Box, margin: number, threshold: number, em: number): Gray {
  const out = crop(img, b, margin);
  const { width, height, data } = out;
  const w = b.x1 - b.x0;
  const h = b.y1 - b.y0;
  const edge = Math.max(2, Math.round(em / 6));
  const clearCol = (x: number) => {
    let n = 0;
    for (let y = margin; y < margin + h; y++) if (data[y * width + x] < threshold) n++;
    if (n < 0.8 * h) return false;
    for (let y = 0; y < height; y++) data[y * width + x] = 255;
    return true;
  };
  const clearRow = (y: number) => {
    let n = 0;
    for (let x = margin; x < margin + w; x++) if (data[y * width + x] < threshold) n++;
    if (n < 0.8 * w) return false;
    data.fill(255, y * width, (y + 1) * width);
    return true;
  };
  for (let d = 0; d < Math.min(edge, w / 2); d++) {
    clearCol(margin + d);
    clearCol(margin + w - 1 - d);
  }
  for (let d = 0; d < Math.min(edge, h / 2); d++) {
    clearRow(margin + d);
    clearRow(margin + h - 1 - d);
  }
  return out;
}

/** The image with the given boxes painted white. */
export function whiteOut(img: Gray, boxes: Box[]): Gray {
  const data = new Uint8Array(img.data);
  for (const b of boxes) {
    for (let y = Math.max(0, b.y0); y < Math.min(img.height, b.y1); y++) {
      data.fill(255, y * img.width + Math.max(0, b.x0), y * img.width + Math.min(img.width, b.x1));
    }
  }
  return { width: img.width, height: img.height, data };
}

/**
 * Words of ink on lines laid out as columns (a borderless table's rows): blobs grouped into text lines,
 * then into words where they are less than `joinEm` ems apart. Only lines with a column gap (at least
 * `gapEm` ems between two words) are returned: prose lines are read as a whole.
 */
export function columnWords(blobs: Box[], em: number, joinEm = 0.6, gapEm = 1): Box[] {
  // A blob taller than a line joins two lines (touching strokes of a two-line header): left out.
  const sorted = blobs
    .filter((b) => b.y1 - b.y0 <= 1.3 * em)
    .sort((a, b) => (a.y0 + a.y1) / 2 - (b.y0 + b.y1) / 2);
  const lines: { y0: number; y1: number; boxes: Box[] }[] = [];
  for (const b of sorted) {
    const h = b.y1 - b.y0;
    const overlaps = (l: (typeof lines)[number]) =>
      Math.min(l.y1, b.y1) - Math.max(l.y0, b.y0) >= 0.5 * Math.min(h, l.y1 - l.y0);
    const room = (l: (typeof lines)[number]) => l.y1 - l.y0 < 1.6 * em;
    let line = lines.find(overlaps);
    // A line as tall as it may grow takes no more blobs. A blob it turns away joins one turned away
    // before it at the same height (a row's values set between the two lines of its wrapped label: the
    // first value fills the label's first line, the others make a line of their own).
    if (line && !room(line)) {
      const mid = (b.y0 + b.y1) / 2;
      line = lines.find(
        (l) => l !== line && room(l) && overlaps(l) && Math.abs((l.y0 + l.y1) / 2 - mid) <= 0.25 * em,
      );
    }
    if (line) {
      line.boxes.push(b);
      line.y0 = Math.min(line.y0, b.y0);
      line.y1 = Math.max(line.y1, b.y1);
    } else lines.push({ y0: b.y0, y1: b.y1, boxes: [b] });
  }
  const out: Box[] = [];
  for (const l of lines) {
    const boxes = l.boxes.sort((a, b) => a.x0 - b.x0);
    const words: Box[] = [];
    let gapSeen = false;
    for (const b of boxes) {
      const last = words[words.length - 1];
      if (last && b.x0 - last.x1 < joinEm * em) {
        last.x1 = Math.max(last.x1, b.x1);
        last.y0 = Math.min(last.y0, b.y0);
        last.y1 = Math.max(last.y1, b.y1);
      } else {
        if (last && b.x0 - last.x1 >= gapEm * em) gapSeen = true;
        words.push({ ...b });
      }
    }
    // A word alone on its line, no wider than a number of a few digits, is read on its own too: a
    // row's value set midway between the two lines of its wrapped label (its other cells blank), read
    // with the page's prose, came out as `;` or `着` for a 0.
    const lone = words.length === 1 && words[0].x1 - words[0].x0 <= 1.5 * em;
    if ((gapSeen && words.length >= 2) || lone) {
      // Every word of the line spans the line's height, so that a digit and a Chinese character
      // on one row are cut alike.
      for (const w of words) out.push({ x0: w.x0, x1: w.x1, y0: l.y0, y1: l.y1 });
    }
  }
  // A glyph broken in two (a noisy 7's bar and stem) may leave a piece in each of two lines: a word
  // lying mostly inside another line's word is that word's, or the glyph is read twice (7 as 77).
  const area = (w: Box) => (w.x1 - w.x0) * (w.y1 - w.y0);
  const shared = (a: Box, c: Box) =>
    Math.max(0, Math.min(a.x1, c.x1) - Math.max(a.x0, c.x0)) *
    Math.max(0, Math.min(a.y1, c.y1) - Math.max(a.y0, c.y0));
  return out.filter(
    (w, i) =>
      !out.some(
        (o, j) =>
          j !== i && shared(w, o) >= 0.6 * area(w) && (area(o) > area(w) || (area(o) === area(w) && j < i)),
      ),
  );
}

/** The image in black and white at a threshold: a third reading of a number sees the glyphs without grey fringes. */
export function binarize(img: Gray, threshold: number): Gray {
  const data = new Uint8Array(img.data.length);
  for (let i = 0; i < data.length; i++) data[i] = img.data[i] < threshold ? 0 : 255;
  return { width: img.width, height: img.height, data };
}

/**
 * The image scaled by a factor (bilinear): small glyphs read better larger, and a title's large glyphs
 * better a little smaller.
 */
export function upscale(img: Gray, f: number): Gray {
  if (f === 1) return img;
  const width = Math.max(1, Math.round(img.width * f));
  const height = Math.max(1, Math.round(img.height * f));
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(img.height - 1, (y + 0.5) / f - 0.5);
    const y0 = Math.max(0, Math.floor(sy));
    const y1 = Math.min(img.height - 1, y0 + 1);
    const fy = Math.max(0, sy - y0);
    for (let x = 0; x < width; x++) {
      const sx = Math.min(img.width - 1, (x + 0.5) / f - 0.5);
      const x0 = Math.max(0, Math.floor(sx));
      const x1 = Math.min(img.width - 1, x0 + 1);
      const fx = Math.max(0, sx - x0);
      const top = img.data[y0 * img.width + x0] * (1 - fx) + img.data[y0 * img.width + x1] * fx;
      const bottom = img.data[y1 * img.width + x0] * (1 - fx) + img.data[y1 * img.width + x1] * fx;
      data[y * width + x] = Math.round(top * (1 - fy) + bottom * fy);
    }
  }
  return { width, height, data };
}

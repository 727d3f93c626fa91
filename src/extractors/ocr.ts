// OCR for scanned PDFs: pages rendered by poppler's pdftoppm, deskewed and stripped of table rulings,
// read by Tesseract (chi_sim+eng) into word boxes, then laid out by the same page-layout code as text PDFs.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  type DocumentModel,
  OCR_DOUBTED_BELOW,
  OCR_NOT_AS_PRINTED,
  type OcrLineReading,
} from "../model/document.js";
import { T2_ROWS, T3_ROWS } from "../normalize/template.js";
import { editDistance, toSimplified } from "../normalize/text.js";
import { processAlive } from "../process-alive.js";
import { DocumentError } from "./errors.js";
import { killGroup, onPath } from "./legacy.js";
import {
  type Box,
  binarize,
  cellRegions,
  columnWords,
  crop,
  cropCell,
  eraseRulings,
  estimateShear,
  estimateSkew,
  findRulings,
  type Gray,
  inkBlobs,
  laxThreshold,
  otsu,
  type PixelRulings,
  parsePgm,
  rotate,
  toPgm,
  turn,
  unshade,
  unshear,
  upscale,
  whiteOut,
} from "./ocr-image.js";
import type { HSeg, Piece } from "./pdf-geometry.js";
import { layoutPages, type PageInput } from "./pdf-layout.js";

export const NEEDS_TESSERACT =
  "install Tesseract with its Chinese data and poppler's pdftoppm to read scanned PDFs: apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-chi-sim poppler-utils";

/**
 * CPU time the programs reading one page (render and recognition) may use before they are killed. CPU,
 * not wall time: on a machine busy with other work a page waits for the processor without using it,
 * and a wall-clock limit stopped pages that needed only their usual few seconds.
 */
export const OCR_PAGE_TIMEOUT_MS = Number(process.env.ZFXXGK_OCR_PAGE_TIMEOUT_MS) || 60_000;

/** The wall time of one page is still bounded: this many times its CPU limit, however busy the machine. */
export const OCR_PAGE_WALL_FACTOR = 4;

/** CPU time (ms) used so far by a process, from Linux's /proc; undefined where it cannot be read. */
function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces and brackets): utime and stime are 14 and 15.
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** Linux's USER_HZ: /proc counts CPU time in these ticks (100 on every architecture Node runs on). */
const CLOCK_TICKS = 100;

/** The process and its children (the watchdog runs the program as its child), by /proc. */
function processTree(pid: number): number[] {
  const out = [pid];
  try {
    for (const c of readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").split(" ")) {
      if (c.trim() !== "") out.push(...processTree(Number(c)));
    }
  } catch {
    // The process has ended, or the kernel does not list children: its own time still counts.
  }
  return out;
}

/** Whether this system lets a page's programs be timed by their CPU use (Linux's /proc). */
const CPU_TIMED = processCpuMs(process.pid) !== undefined;

/**
 * The time limit of one page: the CPU time its programs have used (summed over the runs, those still
 * running polled from /proc) against OCR_PAGE_TIMEOUT_MS, and its wall time against
 * OCR_PAGE_WALL_FACTOR times that. Without /proc, the wall time alone, against the CPU limit itself.
 */
export class PageClock {
  private readonly started = performance.now();
  private ended = 0;
  private readonly running = new Map<number, number>();
  readonly wallMs: number;
  constructor(
    readonly cpuMs: number,
    readonly what: string,
    wallMs?: number,
  ) {
    this.wallMs = wallMs ?? (CPU_TIMED ? OCR_PAGE_WALL_FACTOR * cpuMs : cpuMs);
  }
  /** CPU ms used by the page's programs so far. */
  used(): number {
    let sum = this.ended;
    for (const v of this.running.values()) sum += v;
    return sum;
  }
  /** Records the CPU time of a running program (by its watchdog's pid). */
  sample(pid: number): void {
    if (!CPU_TIMED) return;
    let ms = 0;
    for (const p of processTree(pid)) ms += processCpuMs(p) ?? 0;
    this.running.set(pid, Math.max(ms, this.running.get(pid) ?? 0));
  }
  /** The program has ended: its last sampled time stays counted. */
  finish(pid: number): void {
    this.ended += this.running.get(pid) ?? 0;
    this.running.delete(pid);
  }
  /** Why the page must stop, or undefined while it may go on. */
  over(): string | undefined {
    const wall = performance.now() - this.started;
    if (CPU_TIMED && this.used() > this.cpuMs)
      return `${this.what} used more than ${Math.round(this.cpuMs / 1000)} s of CPU; it was stopped`;
    if (wall > this.wallMs)
      return `${this.what} took longer than ${Math.round(this.wallMs / 1000)} s; it was stopped`;
    return undefined;
  }
  /** Wall ms left before the wall bound. */
  wallLeft(): number {
    return Math.max(0, this.wallMs - (performance.now() - this.started));
  }
}

/** How often a running program's CPU time is read. */
const CLOCK_POLL_MS = 250;

/** Resolution pages are rendered at: enough for 10-pt Chinese text, and a page reads in a few seconds. */
export const OCR_DPI = 200;

/** Word confidence on the engine's scale (0–100) below which an OCR cell is flagged for checking. */
export const OCR_LOW_CONFIDENCE = OCR_DOUBTED_BELOW * 100;

/** Text that stands for ink the OCR engine could not read (a stain, a seal, a faint digit). */
export const UNREAD_INK = "\ufffd";

export interface OcrTools {
  tesseract: string;
  pdftoppm: string;
  pdfinfo: string;
  /** Tesseract has its traditional-script data (Debian `tesseract-ocr-chi-tra`): optional. */
  chiTra?: boolean;
}

let tools: { tools?: OcrTools; reason?: string } | undefined;

/**
 * Tesseract with chi_sim and eng, and poppler's pdftoppm/pdfinfo, found by running them (a program on the
 * PATH that cannot start, or a Tesseract without Chinese data, does not count). Checked once per process.
 * `ZFXXGK_OCR=off` turns OCR off.
 */
export function ocrTools(): { tools?: OcrTools; reason?: string } {
  if (process.env.ZFXXGK_OCR === "off") return { reason: "OCR is turned off (ZFXXGK_OCR=off)" };
  if (tools) return tools;
  const find = (): { tools?: OcrTools; reason?: string } => {
    const tesseract = onPath("tesseract");
    const pdftoppm = onPath("pdftoppm");
    const pdfinfo = onPath("pdfinfo");
    if (!tesseract) return { reason: "tesseract is not on the PATH" };
    if (!pdftoppm || !pdfinfo) return { reason: "pdftoppm/pdfinfo (poppler-utils) are not on the PATH" };
    const langs = spawnSync(tesseract, ["--list-langs"], { encoding: "utf8", timeout: 10_000 });
    const listed = new Set(`${langs.stdout ?? ""}`.split(/\s+/));
    if (langs.status !== 0)
      return { reason: `tesseract does not run (${langs.error?.message ?? langs.status})` };
    if (!listed.has("chi_sim") || !listed.has("eng"))
      return { reason: "tesseract has no chi_sim (Chinese) or eng language data" };
    const poppler = spawnSync(pdftoppm, ["-v"], { encoding: "utf8", timeout: 10_000 });
    if (poppler.status !== 0) return { reason: "pdftoppm does not run" };
    return { tools: { tesseract, pdftoppm, pdfinfo, chiTra: listed.has("chi_tra") } };
  };
  tools = find();
  return tools;
}

/**
 * Runs a program under a page's clock (its whole process group is killed when the page is out of time);
 * resolves with stdout.
 */
export function runUnderClock(
  cmd: string,
  args: string[],
  input: Uint8Array | undefined,
  clock: PageClock,
  what: string,
) {
  return new Promise<Buffer>((resolve, reject) => {
    // coreutils `timeout` is a watchdog outside this thread: it still kills the program when the worker
    // thread that started it is terminated by the import's pool.
    const watchdog = onPath("timeout");
    const [c, a] = watchdog
      ? [watchdog, ["-s", "KILL", `${Math.ceil(Math.max(1000, clock.wallLeft()) / 1000) + 5}s`, cmd, ...args]]
      : [cmd, args];
    const child = spawn(c, a, {
      detached: true,
      stdio: [input ? "pipe" : "ignore", "pipe", "pipe"],
      // One thread per recognition: the import already runs one document per core.
      env: { ...process.env, OMP_THREAD_LIMIT: "1" },
    });
    const out: Buffer[] = [];
    let err = "";
    child.stdout?.on("data", (d: Buffer) => out.push(d));
    child.stderr?.on("data", (d: Buffer) => {
      err = (err + d.toString("utf8")).slice(-1000);
    });
    const pid = child.pid ?? 0;
    const timer = setInterval(() => {
      if (pid > 0) clock.sample(pid);
      const why = clock.over();
      if (!why) return;
      clearInterval(timer);
      killGroup(child.pid);
      reject(new DocumentError("timeout", why));
    }, CLOCK_POLL_MS);
    const stop = () => {
      clearInterval(timer);
      clock.finish(pid);
    };
    child.on("error", (e) => {
      stop();
      reject(
        new DocumentError("needs_ocr", `${what} could not be started (${e.message}); ${NEEDS_TESSERACT}`),
      );
    });
    child.on("close", (code) => {
      stop();
      if (code === 0) resolve(Buffer.concat(out));
      else
        reject(
          new DocumentError(
            "ocr_failed",
            `${what} failed (exit code ${code}): ${err.trim().split("\n").pop() ?? ""}`,
          ),
        );
    });
    if (input && child.stdin) {
      child.stdin.on("error", () => undefined);
      child.stdin.end(input);
    }
  });
}

/** One word of Tesseract's TSV output, in pixels of the image it read. */
export interface OcrWord {
  text: string;
  conf: number;
  left: number;
  top: number;
  width: number;
  height: number;
  /** 1-based image of a multi-image run. */
  page: number;
  /** Page, block, paragraph and line numbers: the words of one line share them. */
  line: string;
  /** The text line (in pixels) a word read from a crop of that line belongs to. */
  band?: { top: number; bottom: number };
}

/** Parses `tesseract … tsv` output into its words (level 5 rows with text). */
export function parseTsv(tsv: string): OcrWord[] {
  const out: OcrWord[] = [];
  for (const row of tsv.split("\n").slice(1)) {
    const f = row.split("\t");
    if (f.length < 12 || f[0] !== "5") continue;
    const text = f.slice(11).join("\t").trim();
    if (text === "") continue;
    out.push({
      text,
      conf: Number(f[10]),
      left: Number(f[6]),
      top: Number(f[7]),
      width: Number(f[8]),
      height: Number(f[9]),
      page: Number(f[1]),
      line: `${f[1]}.${f[2]}.${f[3]}.${f[4]}`,
    });
  }
  return out;
}

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;
const PUNCT_ONLY = /^[\p{P}\p{S}]+$/u;

/**
 * The baseline of a line of words, as a text PDF gives it: digits sit on it (an ordinal `2.` before a
 * label, a value); a line without digits has the median bottom of its words boxed tight. Not the lowest
 * bottom: the engine's box of a word of Chinese characters is at times most of an em too tall (a line then
 * looks lower than it is, and the regular pitch of one-cell-per-line pages, by which their empty lines are
 * counted, is lost).
 */
export function lineBottom(line: OcrWord[]): number {
  const solid = line.filter((w) => !PUNCT_ONLY.test(w.text));
  const digits = solid.filter((w) => /^[+-]?\d[\d,.%]*$/.test(w.text));
  // Boxed tight: no taller than a quarter more than the lowest box of Chinese characters (leaving out
  // flat ones, `一`, whose box is a stroke).
  const han = solid.filter((w) => CJK.test(w.text));
  const tallest = Math.max(0, ...han.map((w) => w.height));
  const full = han.filter((w) => w.height >= 0.5 * tallest);
  const lowest = Math.min(...full.map((w) => w.height));
  const tight = han.length > 0 ? full.filter((w) => w.height <= 1.25 * lowest) : solid;
  const bottoms = (digits.length > 0 ? digits : tight).map((w) => w.top + w.height).sort((a, b) => a - b);
  return bottoms.length > 0
    ? bottoms[Math.floor((bottoms.length - 1) / 2)]
    : Math.max(...line.map((w) => w.top + w.height));
}

/**
 * Word boxes → pieces in points. Every word of a line gets the line's baseline and text size (a word's own
 * box depends on its glyphs: `一` is a flat stroke, digits are shorter than Chinese characters).
 * Ink the engine did not read becomes a piece of UNREAD_INK with confidence 0, so that a cell holding it is
 * never taken for a blank.
 */
export function wordsToPieces(words: OcrWord[], unread: Box[], scale: number, emPx: number): Piece[] {
  const byLine = new Map<string, OcrWord[]>();
  for (const w of words) byLine.set(w.line, [...(byLine.get(w.line) ?? []), w]);
  const pieces: Piece[] = [];
  for (const line of byLine.values()) {
    // Text height: Chinese characters fill the em; digits and Latin letters about 0.72 of it.
    const ems = line
      .filter((w) => !PUNCT_ONLY.test(w.text))
      .map((w) => (CJK.test(w.text) ? w.height : w.height / 0.72))
      .sort((a, b) => a - b);
    let em = ems.length > 0 ? Math.min(ems[Math.floor(ems.length / 2)], 3 * emPx) : emPx;
    let base = lineBottom(line);
    // Words read from crops of one text line sit on that line, whatever their own boxes say.
    const band = line[0].band;
    if (band) {
      em = Math.max(band.bottom - band.top, 0.8 * emPx);
      base = band.bottom;
    }
    // Chinese words of one line closer than half an em are one run of text, as a text PDF prints it
    // (the engine splits `社会公` into `社会` `公`, and a header so split looks like two columns).
    // Each run keeps its words' extents: a tight header's columns are told apart by them.
    const runs: (OcrWord & { words: [number, number][] })[] = [];
    for (const w of [...line].sort((a, b) => a.left - b.left)) {
      const last = runs.at(-1);
      const han = (x: OcrWord) => CJK.test(x.text) && !/\d/.test(x.text) && x.text !== UNREAD_INK;
      const extent: [number, number] = [w.left * scale, (w.left + w.width) * scale];
      if (last && han(last) && han(w) && w.left - (last.left + last.width) < 0.5 * em) {
        runs[runs.length - 1] = {
          ...last,
          text: last.text + w.text,
          width: w.left + w.width - last.left,
          conf: Math.min(last.conf, w.conf),
          words: [...last.words, extent],
        };
      } else runs.push({ ...w, words: [extent] });
    }
    for (const w of runs) {
      pieces.push({
        ...(w.words.length > 1 ? { words: w.words } : {}),
        text: w.text.replace(/\s+/g, ""),
        x0: w.left * scale,
        x1: (w.left + w.width) * scale,
        top: (base - 0.85 * em) * scale,
        bottom: (base + 0.15 * em) * scale,
        base: base * scale,
        size: em * scale,
        vertical: false,
        conf: Math.max(0, w.conf) / 100,
      });
    }
  }
  for (const b of unread) {
    const h = Math.max(b.y1 - b.y0, emPx * 0.5);
    const base = b.y1 - (b.y1 - b.y0) / 2 + 0.35 * h;
    pieces.push({
      text: UNREAD_INK,
      x0: b.x0 * scale,
      x1: b.x1 * scale,
      top: (base - 0.85 * emPx) * scale,
      bottom: (base + 0.15 * emPx) * scale,
      base: base * scale,
      size: emPx * scale,
      vertical: false,
      conf: 0,
    });
  }
  return pieces.filter((p) => p.text !== "");
}

/**
 * A short reading of Latin letters, brackets or signs: what a digit is misread as (`i` for 1, `=)` for
 * 5; a table prints no such word).
 */
const LETTERS_FOR_DIGITS = /^[A-Za-z[\]()|!.,:;'"~_=?<>/\\{}*#$&-]{1,4}$/;

/** Chinese characters shaped like a digit (了 for 7, 〇 or 口 for 0, 日 for 8), read with confidence in small type. */
const HAN_LIKE_DIGIT = /^[了〇口日目]$/;

/** Tesseract's setting that restricts a reading to the characters of a number. */
const DIGITS_ONLY = "tessedit_char_whitelist=0123456789,.+-";

/**
 * Whether a short reading with no Chinese in it is no number yet is not a dash either (`a7` for 27, `2.`
 * for 25, `“ao`, `¢` for 0, `ll` for 11): what digits are misread as, to be read again as digits.
 */
const misreadNumber = (text: string) =>
  text.length <= 5 &&
  !CJK.test(text) &&
  !/[%\s]/.test(text) &&
  !/^[+-]?\d+(?:[.,]\d+)*$/.test(text) &&
  !/^[-\u2212\u2013\u2014_~.·…]+$/.test(text);

/**
 * The words read from one crop as one word of the given text spanning them all (a number chosen by
 * another reading), never with confidence.
 */
function asOneWord(ws: OcrWord[], text: string): OcrWord[] {
  const left = Math.min(...ws.map((w) => w.left));
  const top = Math.min(...ws.map((w) => w.top));
  const right = Math.max(...ws.map((w) => w.left + w.width));
  const bottom = Math.max(...ws.map((w) => w.top + w.height));
  return [
    {
      ...ws[0],
      text,
      left,
      top,
      width: right - left,
      height: bottom - top,
      conf: Math.min(40, ...ws.map((w) => w.conf)),
    },
  ];
}

/** The text of the words read from one crop, minus signs and dashes as `-`: two readings compared. */
const asNumber = (ws: OcrWord[]) =>
  ws
    .map((w) => w.text)
    .join("")
    .replace(/[\u2212\u2013\u2014]/g, "-");

/** Whether the words read from one crop make a number (a value to double-check). */
function isNumberReading(words: OcrWord[]): boolean {
  return NUMBER_TEXT.test(words.map((w) => w.text).join(""));
}

/** The text of a number as read: digits with separators, a sign perhaps. */
const NUMBER_TEXT = /^[+-]?\d[\d,.]*$/;

/** Whether two boxes share some area. */
const boxesOverlap = (a: Box, b: Box): boolean => a.x0 < b.x1 && a.x1 > b.x0 && a.y0 < b.y1 && a.y1 > b.y0;

/** Whether box `a` lies inside box `b`, give or take two pixels. */
const boxInside = (a: Box, b: Box): boolean =>
  a.x0 >= b.x0 - 2 && a.x1 <= b.x1 + 2 && a.y0 >= b.y0 - 2 && a.y1 <= b.y1 + 2;

/**
 * Blobs side by side on one line (a vertical overlap of half the lower one, less than half an em apart)
 * joined into one box each: the digits of one number.
 */
function inkGroups(blobs: Box[], emPx: number): Box[] {
  const out: Box[] = [];
  for (const b of [...blobs].sort((p, q) => p.x0 - q.x0)) {
    const g = out.find(
      (o) =>
        b.x0 - o.x1 < 0.5 * emPx &&
        b.x1 > o.x0 - 0.5 * emPx &&
        Math.min(o.y1, b.y1) - Math.max(o.y0, b.y0) >= 0.5 * Math.min(o.y1 - o.y0, b.y1 - b.y0),
    );
    if (!g) out.push({ ...b });
    else
      Object.assign(g, {
        x0: Math.min(g.x0, b.x0),
        y0: Math.min(g.y0, b.y0),
        x1: Math.max(g.x1, b.x1),
        y1: Math.max(g.y1, b.y1),
      });
  }
  return out;
}

/** Ink blobs no word box covers (with a margin): what the engine skipped. Big blobs (seals, pictures) are left out. */
export function unreadInk(blobs: Box[], words: OcrWord[], emPx: number, rulings: PixelRulings): Box[] {
  const m = emPx * 0.25;
  const near = emPx / 4;
  // A ruling the detector missed (a faint border, broken by noise) is left as thin strokes taller
  // than any character, cut at every row by the erased horizontal rulings: where two or more stand
  // one above the other, every thin stroke on that line is the ruling's, however short.
  // (Thin: under 0.4 em, as blobs are measured on a grid of a few pixels; no character is that thin
  // and taller than 1.2 em.)
  const strokes = blobs.filter((b) => b.x1 - b.x0 < 0.4 * emPx && b.y1 - b.y0 > 1.2 * emPx);
  const missed = strokes
    .map((b) => (b.x0 + b.x1) / 2)
    .filter((x, i, xs) => xs.some((o, j) => j !== i && Math.abs(o - x) < near));
  return blobs.filter((b) => {
    const w = b.x1 - b.x0;
    const h = b.y1 - b.y0;
    if (w > 4 * emPx || h > 2 * emPx) return false;
    // What is left of a ruling the erasing missed: a thin stroke taller (or wider) than any character,
    // or one lying on a ruling.
    if ((w < emPx / 4 && h > 1.2 * emPx) || (h < emPx / 4 && w > 2.5 * emPx)) return false;
    const cx = (b.x0 + b.x1) / 2;
    const cy = (b.y0 + b.y1) / 2;
    if (w < emPx / 3 && rulings.v.some((v) => Math.abs(v.x - cx) < near && b.y1 > v.y0 && b.y0 < v.y1))
      return false;
    if (w < 0.4 * emPx && missed.some((x) => Math.abs(x - cx) < near)) return false;
    if (h < emPx / 3 && rulings.h.some((s) => Math.abs(s.y - cy) < near && b.x1 > s.x0 && b.x0 < s.x1))
      return false;
    return !words.some(
      (w) =>
        b.x0 < w.left + w.width + m && b.x1 > w.left - m && b.y0 < w.top + w.height + m && b.y1 > w.top - m,
    );
  });
}

/**
 * Confidence (0–100) given to a row label put back in the template's wording: the values of its row
 * are then flagged (OCR_NOT_AS_PRINTED).
 */
export const SNAPPED_LABEL_CONF = OCR_NOT_AS_PRINTED * 100;

/** The wording of the template's row labels, in Chinese characters only: what OCR'd labels are matched to. */
const LABEL_LEXICON: string[] = [
  ...new Set([...T3_ROWS.map((r) => r.label), ...T2_ROWS.flatMap((r) => r.prefixes)].map(hanOnly)),
].filter((l) => l.length >= 4);

function hanOnly(s: string): string {
  return s.replace(/[^\u3400-\u9fff]/g, "");
}

/**
 * Where `text` is best found inside `target` (semi-global edit distance: the whole of `text` against
 * any stretch of `target`): the distance and the stretch.
 */
export function bestStretch(text: string, target: string): { dist: number; start: number; end: number } {
  const n = text.length;
  const m = target.length;
  // d[j]: distance of text[0..i) against a stretch of target ending at j; s[j]: where that stretch starts.
  let d = Array.from({ length: m + 1 }, () => 0);
  let st = Array.from({ length: m + 1 }, (_, j) => j);
  for (let i = 1; i <= n; i++) {
    const nd = [i];
    const ns = [0];
    for (let j = 1; j <= m; j++) {
      const sub = d[j - 1] + (text[i - 1] === target[j - 1] ? 0 : 1);
      const del = d[j] + 1;
      const ins = nd[j - 1] + 1;
      if (sub <= del && sub <= ins) {
        nd.push(sub);
        ns.push(st[j - 1]);
      } else if (del <= ins) {
        nd.push(del);
        ns.push(st[j]);
      } else {
        nd.push(ins);
        ns.push(ns[j - 1]);
      }
    }
    d = nd;
    st = ns;
  }
  let best = 0;
  for (let j = 1; j <= m; j++) if (d[j] < d[best]) best = j;
  return { dist: d[best], start: st[best], end: best };
}

/**
 * Row labels OCR misread (`逾期` read as `这期`: table labels are printed small, and a misread label
 * loses its row) are put back in the template's wording where a line read with low confidence is, but
 * for a few characters, a stretch of exactly one template label. Only labels are matched: a line with
 * digits in it is left as read, so no value is ever changed.
 */
export function snapLabels(words: OcrWord[]): OcrWord[] {
  const byLine = new Map<string, OcrWord[]>();
  for (const w of words) byLine.set(w.line, [...(byLine.get(w.line) ?? []), w]);
  const out: OcrWord[] = [];
  for (const line of byLine.values()) {
    line.sort((a, b) => a.left - b.left);
    const text = line.map((w) => w.text).join("");
    const ordinal = /^(?:\d+[.、]|[(（][一二三四五六七八九十]+[)）])/.exec(text)?.[0] ?? "";
    const body = hanOnly(text.slice(ordinal.length));
    const unsure = line.some((w) => w.conf < OCR_LOW_CONFIDENCE);
    if (!unsure || body.length < 4 || /\d/.test(text.slice(ordinal.length))) {
      out.push(...line);
      continue;
    }
    const allowed = Math.floor(body.length / 4);
    // A reading of four characters is put back only as a whole label of four (`行政处六` → `行政处罚`):
    // a stretch of four inside a longer label is too easily a near miss of something else.
    const hits = (
      body.length >= 5
        ? LABEL_LEXICON.map((l) => ({ l, ...bestStretch(body, l) }))
        : LABEL_LEXICON.filter((l) => l.length === 4).map((l) => ({
            l,
            dist: editDistance(body, l),
            start: 0,
            end: 4,
          }))
    )
      .filter((h) => h.dist <= allowed)
      .sort((a, b) => a.dist - b.dist);
    const best = hits[0];
    const fixed = best?.l.slice(best.start, best.end);
    const rival = hits.find((h) => h.l.slice(h.start, h.end) !== fixed);
    if (!best || best.dist === 0 || (rival && rival.dist === best.dist)) {
      out.push(...line);
      continue;
    }
    const left = Math.min(...line.map((w) => w.left));
    const top = Math.min(...line.map((w) => w.top));
    out.push({
      ...line[0],
      text: ordinal + fixed,
      left,
      top,
      width: Math.max(...line.map((w) => w.left + w.width)) - left,
      // Its box ends at the line's baseline: the engine's boxes of some words reach far below it.
      height: lineBottom(line) - top,
      // A label put back is not what was read: the row's values are flagged for it (normalize/ocr.ts).
      conf: Math.min(SNAPPED_LABEL_CONF, ...line.map((w) => w.conf)),
    });
  }
  return out;
}

/** A crop's words, to be replaced in place by a better reading. */
interface Reading {
  ws: OcrWord[];
  crop: () => Gray;
  psm: number;
}

/**
 * Labels the Chinese (simplified) model read with low confidence are read again with the traditional
 * model where Tesseract has it: a report republished in traditional script has its labels misread
 * (`行政處罰` read `{Fie Fi)`) and their rows lost. The traditional reading replaces the first only
 * where it has traditional characters in it and more confidence; it is kept in simplified characters
 * (OpenCC), as the template's labels are matched. Crops with digits are never read again here.
 */
async function rereadTraditional(readings: Reading[], emPx: number, read: PageReader) {
  const unsure = readings.filter(
    ({ ws }) =>
      ws.length > 0 &&
      ws.some((w) => w.conf < OCR_LOW_CONFIDENCE) &&
      !ws.some((w) => /\d/.test(w.text) || w.text === UNREAD_INK) &&
      Math.max(...ws.map((w) => w.left + w.width)) - Math.min(...ws.map((w) => w.left)) >= 1.5 * emPx,
  );
  const mean = (ws: OcrWord[]) => ws.reduce((a, w) => a + w.conf, 0) / ws.length;
  await Promise.all(
    [7, 6].map(async (psm) => {
      const batch = unsure.filter((r) => r.psm === psm);
      const again = await read(
        batch.map((r) => r.crop()),
        { psm, lang: "chi_tra+chi_sim" },
      );
      batch.forEach((r, j) => {
        const text = again[j].map((w) => w.text).join("");
        if (again[j].length === 0 || /\d/.test(text) || toSimplified(text) === text) return;
        if (mean(again[j]) < mean(r.ws) + 10) return;
        // The crop's words are replaced in place: the caller places them from this array.
        r.ws.splice(0, r.ws.length, ...again[j].map((w) => ({ ...w, text: toSimplified(w.text) })));
      });
    }),
  );
}

/** Lines of a first page read again alone, at most (the title, the preamble and the opening sentence). */
const REREAD_LINES = 8;

/**
 * The first page's title and opening paragraph name the issuer, and a page read as one block misreads
 * them most (a title's large bold glyphs read as Latin letters, `白溪县` as `白浴县`): each line of the
 * page's text above its first ruled table and in its top half that has a doubted word is read again
 * alone as one line (psm 7) with the
 * Chinese model only, at the page's size and at a second one (larger for body text, smaller for a
 * title's large glyphs), each reading with its characters' word confidence. What was read on the page
 * is not changed: metadata votes over all the readings (`settleOcrIssuer`).
 */
async function rereadHeadLines(
  rest: OcrWord[],
  tables: Box[],
  blobs: Box[],
  clean: Gray,
  emPx: number,
  read: PageReader,
): Promise<OcrLineReading[]> {
  // Above the first ruled table, in the page's top half (a borderless table's rows are not told from
  // spaced-out text such as a breadcrumb here, so the half page bounds them).
  const tableTop = Math.min(0.5 * clean.height, ...tables.map((b) => b.y0));
  const byLine = new Map<string, OcrWord[]>();
  for (const w of rest) byLine.set(w.line, [...(byLine.get(w.line) ?? []), w]);
  const boxes: Box[] = [];
  for (const ws of byLine.values()) {
    const text = ws.map((w) => w.text).join("");
    if (!CJK.test(text) && !/[A-Za-z]{4}/.test(text)) continue;
    if (!ws.some((w) => w.conf < OCR_LOW_CONFIDENCE)) continue;
    const y0 = Math.min(...ws.map((w) => w.top));
    const y1 = Math.max(...ws.map((w) => w.top + w.height));
    if (y1 > tableTop || y1 - y0 < 0.5 * emPx) continue;
    // The line's ink, beyond the words the page's reading boxed (a glyph it skipped at either end).
    const ink = blobs.filter((b) => (b.y0 + b.y1) / 2 >= y0 && (b.y0 + b.y1) / 2 <= y1);
    const pad = Math.round(emPx / 4);
    boxes.push({
      x0: Math.max(0, Math.min(...ws.map((w) => w.left), ...ink.map((b) => b.x0)) - pad),
      y0: Math.max(0, y0 - pad),
      x1: Math.min(clean.width, Math.max(...ws.map((w) => w.left + w.width), ...ink.map((b) => b.x1)) + pad),
      y1: Math.min(clean.height, y1 + pad),
    });
  }
  boxes.sort((a, b) => a.y0 - b.y0);
  const chosen = boxes.slice(0, REREAD_LINES);
  if (chosen.length === 0) return [];
  const margin = Math.round(emPx / 2);
  const crops = chosen.map((b) => crop(clean, b, margin));
  const second = chosen.map((b) => (b.y1 - b.y0 > 1.6 * emPx ? 0.65 : 1.5));
  const mode = { psm: 7, lang: "chi_sim" };
  const [asIs, resized] = await Promise.all([
    read(crops, mode),
    read(
      crops.map((c, k) => upscale(c, second[k])),
      mode,
    ),
  ]);
  const out: OcrLineReading[] = [];
  for (const ws of [...asIs, ...resized]) {
    if (ws.length === 0) continue;
    const text = ws.map((w) => w.text).join("");
    const charConf = ws.flatMap((w) => Array.from(w.text, () => Math.max(0, w.conf) / 100));
    out.push({ page: 1, text, charConf });
  }
  return out;
}

export interface OcrPageResult {
  page: PageInput;
  /** Doubted lines of the page's text above its tables, read again alone (`OcrSummary.rereads`). */
  rereads: OcrLineReading[];
  words: number;
  /** Words read with a confidence of 60 or more. */
  legible: number;
  lowConfidence: number;
  skewDeg: number;
}

let swept = false;

/**
 * Removes crop folders left by processes that have ended (a worker thread stopped at the import's time
 * limit cannot clean up after itself). Each folder names its owner process. Once per process.
 */
function sweepStaleCrops(): void {
  if (swept) return;
  swept = true;
  let names: string[] = [];
  try {
    names = readdirSync(tmpdir()).filter((n) => n.startsWith("zfxxgk-ocr-"));
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(/^zfxxgk-ocr-(\d+)-/.exec(name)?.[1]);
    if (pid > 0 && pid !== process.pid && !processAlive(pid)) {
      rmSync(join(tmpdir(), name), { recursive: true, force: true });
    }
  }
}

/**
 * Tesseract processes one recognition may run at once (each single-threaded): a long batch of crops is
 * split between them. `ZFXXGK_OCR_PARALLEL` overrides it.
 */
export const OCR_PARALLEL = Math.max(
  1,
  Math.min(Number(process.env.ZFXXGK_OCR_PARALLEL) || 1, availableParallelism()),
);

/** How Tesseract reads a batch: its page segmentation mode, languages and extra settings. */
interface ReadMode {
  psm: number;
  lang?: string;
  config?: string[];
}

/** Tesseract over a page's crops, under that page's clock (`recognise` with the page's tools bound). */
type PageReader = (images: Gray[], mode: ReadMode | number) => Promise<OcrWord[][]>;

/**
 * Developer-only cache of Tesseract's TSV (ZFXXGK_OCR_CACHE=<dir>, off by default): layout work on scans
 * re-runs without re-reading unchanged images. Keyed by the images' bytes and Tesseract's exact arguments.
 */
const OCR_CACHE_DIR = process.env.ZFXXGK_OCR_CACHE || undefined;

function cacheKey(pgms: Uint8Array[], args: string[]) {
  const h = createHash("sha256");
  h.update(JSON.stringify(args));
  for (const p of pgms) h.update(createHash("sha256").update(p).digest());
  return `${h.digest("hex")}.tsv`;
}

/** One Tesseract run over a list of images (one model load); resolves with the words of each, by index. */
async function recogniseBatch(images: Gray[], mode: ReadMode, t: OcrTools, clock: PageClock, what: string) {
  const out: OcrWord[][] = images.map(() => []);
  const args = [
    "-l",
    mode.lang ?? "chi_sim+eng",
    "--psm",
    String(mode.psm),
    "-c",
    "preserve_interword_spaces=1",
    ...(mode.config ?? []).flatMap((c) => ["-c", c]),
    "tsv",
  ];
  const pgms = images.map(toPgm);
  const cached = OCR_CACHE_DIR ? join(OCR_CACHE_DIR, cacheKey(pgms, args)) : undefined;
  let tsv: string | undefined;
  try {
    if (cached) tsv = readFileSync(cached, "utf8");
  } catch {}
  if (tsv === undefined) {
    sweepStaleCrops();
    const dir = mkdtempSync(join(tmpdir(), `zfxxgk-ocr-${process.pid}-`));
    try {
      const files = pgms.map((pgm, k) => {
        const f = join(dir, `${k}.pgm`);
        writeFileSync(f, pgm);
        return f;
      });
      writeFileSync(join(dir, "list.txt"), `${files.join("\n")}\n`);
      const read = await runUnderClock(
        t.tesseract,
        [join(dir, "list.txt"), "stdout", ...args],
        undefined,
        clock,
        what,
      );
      tsv = read.toString("utf8");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    if (cached) {
      mkdirSync(dirname(cached), { recursive: true });
      writeFileSync(cached, tsv);
    }
  }
  for (const w of parseTsv(tsv)) out[w.page - 1]?.push(w);
  return out;
}

/** Words kept as read but not trusted: their confidence at most 40, below the flagging threshold. */
function doubted(words: OcrWord[]): OcrWord[] {
  return words.map((w) => ({ ...w, conf: Math.min(w.conf, 40) }));
}

/**
 * Runs Tesseract over several images and returns the words of each, by index. A long list is split
 * between OCR_PARALLEL processes. When Tesseract fails on a batch (it has assertions that some images
 * trip), the batch is halved until the image that fails is alone; that image yields no words (a ruled
 * cell then keeps its ink as unread, so the failure is flagged, not silent).
 */
async function recognise(
  images: Gray[],
  mode: ReadMode | number,
  t: OcrTools,
  clock: PageClock,
  what: string,
): Promise<OcrWord[][]> {
  const m = typeof mode === "number" ? { psm: mode } : mode;
  const out: OcrWord[][] = images.map(() => []);
  if (images.length === 0) return out;
  const attempt = async (idx: number[]): Promise<void> => {
    try {
      const found = await recogniseBatch(
        idx.map((k) => images[k]),
        m,
        t,
        clock,
        what,
      );
      idx.forEach((k, j) => {
        out[k] = found[j];
      });
    } catch (e) {
      if (!(e instanceof DocumentError) || e.code !== "ocr_failed" || idx.length === 1) {
        if (e instanceof DocumentError && e.code === "ocr_failed") return;
        throw e;
      }
      const half = Math.ceil(idx.length / 2);
      await attempt(idx.slice(0, half));
      await attempt(idx.slice(half));
    }
  };
  const all = images.map((_, k) => k);
  // Each process loads the language models (a few tenths of a second): short lists stay in one.
  const parts = images.length >= 8 ? Math.min(OCR_PARALLEL, Math.floor(images.length / 4)) : 1;
  const size = Math.ceil(all.length / parts);
  await Promise.all(
    Array.from({ length: parts }, (_, p) => all.slice(p * size, (p + 1) * size)).map((idx) => attempt(idx)),
  );
  return out;
}

/**
 * The words of a page as the layout gets them: marks the engine read into words, or read as words,
 * taken off. A `|` is a piece of ruling the erasing left (reports print none in their text), and a
 * bracket at the edge of a number, or a colon, semicolon or quote after one (131:), is a speck or a
 * border read as one; so is a full stop after a whole number with no text after it on its line (`27.`
 * alone: an ordinal `2.` always has its label right after it). Such a word keeps its other characters,
 * with a confidence low enough to be checked. A doubted reading with no Chinese in it, centred on a
 * ruling (`rulings`, in the words' pixels), is what the erasing left of the ruling read as text (`RST TE
 * Ra aaa` along a table's bottom line): no cell prints on a ruling, and kept, such words join the row
 * above and cost it its label. Punctuation read with little confidence is a speck.
 */
export function cleanReadings(words: OcrWord[], rulings: HSeg[], emPx: number): OcrWord[] {
  const textAfter = (w: OcrWord) =>
    words.some(
      (o) =>
        o !== w &&
        o.left >= w.left + w.width - emPx / 4 &&
        o.left - (w.left + w.width) <= 1.5 * emPx &&
        Math.min(o.top + o.height, w.top + w.height) - Math.max(o.top, w.top) >
          Math.min(o.height, w.height) / 2,
    );
  const onRuling = (w: OcrWord) => {
    const y = w.top + w.height / 2;
    const x = w.left + w.width / 2;
    return (
      w.conf < 50 &&
      !CJK.test(w.text) &&
      w.height <= emPx &&
      rulings.some((s) => Math.abs(y - s.y) <= 0.3 * emPx && x >= s.x0 && x <= s.x1)
    );
  };
  return words
    .filter((w) => !onRuling(w))
    .map((w) => {
      let text = w.text
        .replace(/\|/g, "")
        .replace(/^[[\]]+(?=\d)|(?<=\d)[[\]]+$/g, "")
        .replace(/^(\d[\d,.]*)[:;'"‘’“”`]+$/, "$1");
      if (/^\d+\.$/.test(text) && !textAfter(w)) text = text.slice(0, -1);
      return text !== w.text ? { ...w, text, conf: Math.min(w.conf, 50) } : w;
    })
    .filter((w) => w.text !== "" && (w.text === UNREAD_INK || !(w.conf < 30 && PUNCT_ONLY.test(w.text))));
}

/** What stands on a reading's line: a cell or word before it, and how many others read as numbers. */
export interface ValueLine {
  before: boolean;
  numbers: number;
}

/**
 * Whether a reading of Chinese characters stands where a digit was printed, to be read again as one.
 * Latin letters and brackets are what digits are misread as anywhere in a table (misreadNumber); a
 * Chinese character only where values stand:
 * - one read from ink narrower than a character (a digit is half an em wide or less, a character
 *   most of one: 国 read from a 1), however sure, on a line with a cell before it and a number after
 *   it, in a ruled cell or a borderless row (a row of mostly blank cells);
 * - one to four read unsure (号 for 3, 人44 for 44) or shaped like a digit (了, 口), in a ruled cell
 *   among a row's values: a cell before it and two numbers on its line, or, first on a line of
 *   values only (Table 4's row, no label before it), four numbers on its line.
 * Elsewhere it is left as read: the headers of narrow columns are single characters.
 */
export function hanForDigit(
  text: string,
  conf: number,
  inkEm: number,
  banded: boolean,
  line: () => ValueLine,
): boolean {
  if (!CJK.test(text) || text.length > 4) return false;
  let measured: ValueLine | undefined;
  const onLine = () => (measured ??= line());
  if ([...text].length === 1 && inkEm <= 0.7 && onLine().before && onLine().numbers >= 1) return true;
  if (banded || !(conf < 35 || HAN_LIKE_DIGIT.test(text))) return false;
  return onLine().before ? onLine().numbers >= 2 : onLine().numbers >= 4;
}

/**
 * The words of a page read with the boxes read apart (cells, column words) painted white, less those
 * the engine found where no ink is left: letters made up over a shaded row whose values were read
 * apart are none. Ink left is a blob standing outside every box read apart.
 */
export function wordsOnInkLeft(words: OcrWord[], blobs: Box[], readApart: Box[]): OcrWord[] {
  const inkLeft = blobs.filter((b) => !readApart.some((c) => boxInside(b, c)));
  return words.filter((w) =>
    inkLeft.some((b) =>
      boxesOverlap(b, { x0: w.left, y0: w.top, x1: w.left + w.width, y1: w.top + w.height }),
    ),
  );
}

/**
 * Reads one rendered page image: deskew, rulings, then OCR. The cells of ruled tables are read one by one
 * (a lone `0` in a narrow cell is what a whole-page reading drops most), the rest of the page as a block.
 * Coordinates come out in points.
 */
export async function ocrPageImage(
  pgm: Uint8Array,
  pageNo: number,
  dpi: number,
  t: OcrTools,
  clock: PageClock,
  turned: 0 | 90 | 180 | 270 = 0,
): Promise<OcrPageResult> {
  let img: Gray = parsePgm(pgm);
  if (turned !== 0) img = turn(img, turned);
  const threshold = Math.min(200, otsu(img));
  const emPx = (dpi * 10.5) / 72;
  const skewDeg = estimateSkew(img, threshold);
  if (Math.abs(skewDeg) >= 0.05) img = rotate(img, skewDeg);
  // Rows level, a sheared page's column rulings still lean: stood upright, they are found whole.
  const shearDeg = estimateShear(img, threshold, emPx);
  if (Math.abs(shearDeg) >= 0.1) img = unshear(img, shearDeg);
  img = unshade(img, threshold, emPx);
  const px = findRulings(img, threshold, emPx);
  const clean = eraseRulings(img, px, emPx);
  // Crops that Tesseract misreads in grey are read again in black and white at the page's threshold: in
  // a small crop of a noisy or JPEG-compressed scan the engine's own threshold is set by the grain of
  // the paper, and a clean `27` is read `a7` or nothing at all; in black and white it reads `27`.
  const bwImg = binarize(img, threshold);
  const bwClean = binarize(clean, threshold);
  const blobs = inkBlobs(clean, threshold, emPx);
  const cells = cellRegions(img, px, emPx);
  // Cells with ink, read one by one: one line at most → a single text line, else a block.
  // The rulings are erased already: a cell is read almost to its edges (text in tight cells touches them).
  const inset = 1;
  const margin = Math.round(emPx / 2);
  const inked = cells
    .map((c) => ({ x0: c.x0 + inset, y0: c.y0 + inset, x1: c.x1 - inset, y1: c.y1 - inset }))
    .filter((c) => c.x1 > c.x0 && c.y1 > c.y0)
    .filter((c) => blobs.some((b) => boxesOverlap(b, c)));
  // Outside ruled cells, lines laid out in columns (borderless table rows) are read word by word too:
  // read as one line, their columns run together (`128220 0 0 0`).
  const inCell = (b: Box) => cells.some((c) => boxInside(b, c));
  const pad = Math.round(emPx / 8);
  const columnar = columnWords(
    blobs.filter((b) => !inCell(b)),
    emPx,
  ).map((b) => ({ x0: b.x0 - pad, y0: b.y0 - pad, x1: b.x1 + pad, y1: b.y1 + pad }));
  // A cell holding one line of ink (however tall the cell) is read as a single line; others as a block.
  const inkHeight = (c: Box) => {
    const inside = blobs.filter((b) => boxesOverlap(b, c));
    return (
      Math.min(c.y1, Math.max(...inside.map((b) => b.y1))) -
      Math.max(c.y0, Math.min(...inside.map((b) => b.y0)))
    );
  };
  const oneLine = (c: Box) => c.y1 - c.y0 <= 1.9 * emPx || inkHeight(c) <= 1.4 * emPx;
  // A one-line cell is read from the box of its ink (and a little paper around it), not the whole
  // cell: the engine's time grows with the pixels it is given, and a wide cell is mostly paper.
  const inkBox = (c: Box): Box => {
    const inside = blobs.filter((b) => boxesOverlap(b, c));
    const p = Math.round(emPx / 4);
    return {
      x0: Math.max(c.x0, Math.min(...inside.map((b) => b.x0)) - p),
      y0: Math.max(c.y0, Math.min(...inside.map((b) => b.y0)) - p),
      x1: Math.min(c.x1, Math.max(...inside.map((b) => b.x1)) + p),
      y1: Math.min(c.y1, Math.max(...inside.map((b) => b.y1)) + p),
    };
  };
  const cellsSingle = inked.filter(oneLine).map(inkBox);
  const multi = inked.filter((c) => !oneLine(c));
  const words: OcrWord[] = [];
  const what = `OCR of page ${pageNo}`;
  const read: PageReader = (images, mode) => recognise(images, mode, t, clock, what);
  /**
   * Words found in crops (read `zoom` times larger), moved to page coordinates; crops of one text line
   * share its band.
   */
  const place = (boxes: Box[], found: OcrWord[][], tag: string, banded: boolean, zoom = 1) => {
    boxes.forEach((b, k) => {
      for (const w of found[k]) {
        words.push({
          ...w,
          left: w.left / zoom + b.x0 - margin,
          top: w.top / zoom + b.y0 - margin,
          width: w.width / zoom,
          height: w.height / zoom,
          line: `${tag}${k}.${w.line}`,
          ...(banded ? { band: { top: b.y0 + pad, bottom: b.y1 - pad } } : {}),
        });
      }
    });
  };
  /**
   * Reads single-line crops at twice the size (digits 20 px high are often read as letters); those
   * that yield nothing are read again as one word (psm 8).
   */
  const zoom = 2;
  // Ruled cells are cut from the page as scanned (glyphs touching a ruling keep their strokes), the
  // words of borderless lines from the page with its rulings erased.
  const cut = (b: Box, banded: boolean, bw: boolean) =>
    banded ? crop(bw ? bwClean : clean, b, margin) : cropCell(bw ? bwImg : img, b, margin, threshold, emPx);
  const readLines = async (boxes: Box[], tag: string, banded: boolean) => {
    // Read in grey first; in black and white where that reading fails (nothing, letters, or a number the
    // second reading disputes): binarizing helps a noisy crop and breaks the thin strokes of a
    // low-resolution one (a `1` read `]`, a `0` lost), so it is the second try, never the first.
    const cropOf = (b: Box) => upscale(cut(b, banded, false), zoom);
    const bwOf = (b: Box) => upscale(cut(b, banded, true), zoom);
    const found = await read(boxes.map(cropOf), 7);
    const empty = boxes.map((_, k) => k).filter((k) => found[k].length === 0);
    const again = await read(
      empty.map((k) => cropOf(boxes[k])),
      8,
    );
    const stillEmpty = empty.filter((_, j) => again[j].length === 0);
    const bwAgain = await read(
      stillEmpty.map((k) => bwOf(boxes[k])),
      7,
    );
    stillEmpty.forEach((k, j) => {
      const i = empty.indexOf(k);
      again[i] = doubted(bwAgain[j]);
    });
    empty.forEach((k, j) => {
      // Ink in a ruled cell that neither reading made anything of stays in the cell as unread ink,
      // never a blank. (In a column line, such ink is judged with the page's other unread ink.)
      found[k] =
        again[j].length > 0 || banded
          ? again[j]
          : [
              {
                text: UNREAD_INK,
                conf: 0,
                left: margin * zoom,
                top: margin * zoom,
                width: (boxes[k].x1 - boxes[k].x0) * zoom,
                height: (boxes[k].y1 - boxes[k].y0) * zoom,
                page: 1,
                line: "unread",
              },
            ];
    });
    // What stands on a box's line: whether a cell or word lies before it (the row's label, or a
    // value; a label may be a cell of several lines, read as a block) and how many of the line's
    // other boxes read as numbers.
    const lineOf = (k: number): ValueLine => {
      const b = boxes[k];
      const line = boxes
        .map((o, j) => ({ o, j }))
        .filter(
          ({ o, j }) =>
            j !== k && Math.min(o.y1, b.y1) - Math.max(o.y0, b.y0) > 0.5 * Math.min(o.y1 - o.y0, b.y1 - b.y0),
        );
      const mid = (b.y0 + b.y1) / 2;
      return {
        before:
          line.some(({ o }) => o.x1 <= b.x0) ||
          (!banded && multi.some((c) => c.x1 <= b.x0 && c.y0 <= mid && c.y1 >= mid)),
        numbers: line.filter(({ j }) => isNumberReading(found[j])).length,
      };
    };
    // A short reading of a number-sized box that is no number and unsure (`Z` for 2, `ll` for 11, `oof`
    // for 51), or a Chinese character read where a digit stands, is read again restricted to the
    // characters of a number. A number found so replaces it, but never with confidence: the cell is
    // flagged either way. (A cell's box is its ink and a quarter em around it; a column word's, an eighth.)
    const doubtful = boxes
      .map((_, k) => k)
      .filter((k) => {
        const text = found[k].map((w) => w.text).join("");
        if (boxes[k].x1 - boxes[k].x0 > 4 * emPx) return false;
        if (misreadNumber(text)) return true;
        const inkWidth = boxes[k].x1 - boxes[k].x0 - 2 * (banded ? pad : Math.round(emPx / 4));
        return hanForDigit(text, Math.min(...found[k].map((w) => w.conf)), inkWidth / emPx, banded, () =>
          lineOf(k),
        );
      });
    // In black and white first (a clean `27` in a noisy crop read `a7`), then restricted to digits as a
    // line, then what that did not make a number of as one word: each reads some crops the others
    // read nothing of.
    const bwRead = await read(
      doubtful.map((k) => bwOf(boxes[k])),
      7,
    );
    let pending = doubtful.filter((k, j) => {
      if (!isNumberReading(bwRead[j])) return true;
      found[k] = doubted(bwRead[j]);
      return false;
    });
    for (const psm of [7, 8]) {
      const digits = await read(
        pending.map((k) => cropOf(boxes[k])),
        { psm, config: [DIGITS_ONLY] },
      );
      pending = pending.filter((k, j) => {
        if (!isNumberReading(digits[j])) return true;
        found[k] = doubted(digits[j]);
        return false;
      });
    }
    // The Chinese model reads a plus sign as 十 and a minus sign or a dash as 一: in a box of its own,
    // before digits or alone, they are the signs (and not read with confidence).
    boxes.forEach((_, k) => {
      const ws = found[k];
      const text = ws.map((w) => w.text).join("");
      const sign = /^([十一])\d/.exec(text)?.[1];
      if (sign) {
        found[k] = ws.map((w, j) => ({
          ...w,
          text: j === 0 ? (sign === "十" ? "+" : "-") + w.text.slice(1) : w.text,
          conf: Math.min(w.conf, 40),
        }));
      } else if (text === "一" && boxes[k].x1 - boxes[k].x0 <= 4 * emPx) {
        found[k] = ws.map((w) => ({ ...w, text: "—", conf: Math.min(w.conf, 40) }));
      }
    });
    // A hyphen set as a minus sign in small type is a speck to the blob grid (one cell of it inked),
    // left out of the word's box: it is looked for in the pixels left of the digits read, up to the
    // 0.6 em at which a blob would have joined the word, as a flat stroke at mid-height with paper
    // above and below it (the reading is then doubted, never changed).
    const lax = laxThreshold(threshold, 0.5);
    const dark = (x: number, y: number) => img.data[y * img.width + x] < lax;
    const faintMinus = (box: Box, digitsLeft: number) => {
      const xa = Math.max(0, Math.round(box.x0 - 0.6 * emPx));
      const xb = Math.min(img.width - 1, Math.round(digitsLeft) - 1);
      const h = box.y1 - box.y0;
      const clear = Math.round(0.3 * emPx);
      for (let y = Math.round(box.y0 + 0.3 * h); y <= Math.round(box.y0 + 0.75 * h); y++) {
        if (y - clear < 0 || y + clear >= img.height) continue;
        for (let x = xa, run = 0; x <= xb; x++) {
          run = dark(x, y) ? run + 1 : 0;
          if (run < 0.2 * emPx) continue;
          // Paper above and below the stroke: no character's bar.
          let inked = 0;
          for (let k = x - run + 1; k <= x; k++) if (dark(k, y - clear) || dark(k, y + clear)) inked++;
          if (inked === 0) return true;
        }
      }
      return false;
    };
    // Ink in the box that the words read do not reach (a minus sign or a digit the engine skipped,
    // beside what it read): the reading is not trusted.
    boxes.forEach((box, k) => {
      const read = found[k].filter((w) => w.text !== UNREAD_INK);
      if (read.length === 0) return;
      const x0 = Math.min(...read.map((w) => w.left / zoom + box.x0 - margin));
      const x1 = Math.max(...read.map((w) => (w.left + w.width) / zoom + box.x0 - margin));
      const slack = 0.3 * emPx;
      const beyond = blobs.some(
        (b) =>
          b.x0 < box.x1 &&
          b.x1 > box.x0 &&
          b.y0 < box.y1 &&
          b.y1 > box.y0 &&
          (Math.max(b.x0, box.x0) < x0 - slack || Math.min(b.x1, box.x1) > x1 + slack),
      );
      // A minus sign is checked against the ink: a flat stroke at mid-height before the digits.
      const inBox = blobs.filter((b) => boxesOverlap(b, box)).sort((a, b) => a.x0 - b.x0);
      const text = read.map((w) => w.text).join("");
      const minusInk =
        inBox.length >= 2 &&
        inBox[0].y1 - inBox[0].y0 < 0.35 * emPx &&
        inBox[0].x1 - inBox[0].x0 > 1.5 * (inBox[0].y1 - inBox[0].y0) &&
        inBox[0].x1 - inBox[0].x0 < 0.9 * emPx;
      const minusRead = /^[-−–—一]/.test(text) && /\d/.test(text);
      const faint = !minusRead && !minusInk && /^\d[\d,.]*$/.test(text) && faintMinus(box, x0);
      const signDoubt = /\d/.test(text) && (minusInk !== minusRead || faint);
      if (beyond || signDoubt) found[k] = doubted(found[k]);
    });
    // Every number is read a second time, at another size and restricted to the characters of a
    // number: a digit misread with confidence is rarely misread the same way by another reading. Where
    // the two readings differ, the number is not trusted (its confidence drops below the flagging
    // threshold). (The Latin model alone reads lone digits of these crops much worse than with the
    // Chinese one; and Tesseract 5 with a character list reads nothing of many one-word crops in
    // `--psm 8`, so the line mode is used.)
    const numbers = boxes.map((_, k) => k).filter((k) => isNumberReading(found[k]));
    const second = await read(
      // A borderless line's words are read the second time in black and white: two readings of one
      // grey crop of a blurred scan agreed on `20` for a printed `26`.
      numbers.map((k) => upscale(cut(boxes[k], banded, banded), 3)),
      { psm: 7, config: [DIGITS_ONLY] },
    );
    const disagree: { k: number; b: string }[] = [];
    numbers.forEach((k, j) => {
      const a = asNumber(found[k]);
      const b = asNumber(second[j]);
      if (a === b) return;
      found[k] = doubted(found[k]);
      if (isNumberReading(second[j])) disagree.push({ k, b });
    });
    // Where they differ, a third reading (in black and white) settles which of the two the number is:
    // the second where the third agrees with it (a `48` read `4` at first is most often read whole by
    // the other two). The number stays flagged either way.
    const third = await read(
      disagree.map(({ k }) => (banded ? upscale(cut(boxes[k], banded, false), 4) : bwOf(boxes[k]))),
      7,
    );
    disagree.forEach(({ k, b }, j) => {
      if (asNumber(third[j]) === b) found[k] = asOneWord(found[k], b);
    });
    // Placed by the caller, in a fixed order: the readings finish in any order.
    return {
      found,
      crop: (k: number) => cropOf(boxes[k]),
      place: () => place(boxes, found, tag, banded, zoom),
    };
  };
  // The four readings of a page are independent: they run at once.
  const readApart = [...cells, ...columnar];
  const [single, columns, multiWords, [restRead]] = await Promise.all([
    readLines(cellsSingle, "s", false),
    readLines(columnar, "c", true),
    read(
      multi.map((b) => cropCell(img, b, margin, threshold, emPx)),
      6,
    ),
    read([whiteOut(clean, readApart)], 6),
  ]);
  const rest = wordsOnInkLeft(restRead, blobs, readApart);
  const rereads = pageNo === 1 ? await rereadHeadLines(rest, cells, blobs, clean, emPx, read) : [];
  if (t.chiTra) {
    await rereadTraditional(
      [
        ...[single, columns].flatMap((r) => r.found.map((ws, k) => ({ ws, crop: () => r.crop(k), psm: 7 }))),
        ...multiWords.map((ws, k) => ({
          ws,
          crop: () => cropCell(img, multi[k], margin, threshold, emPx),
          psm: 6,
        })),
      ],
      emPx,
      read,
    );
  }
  single.place();
  columns.place();
  place(multi, multiWords, "m", false);
  // A line of the rest of the page that is one number-sized word (a table printed one cell per line)
  // is checked as a column's words are, from the box of its ink: a number is read a second time (where
  // the readings differ it is not trusted), and a short reading of letters (`i` for 1) is read again
  // as digits, never with confidence. The page's reading stands otherwise (it reads such lines better
  // than a crop does), and the line keeps its place as the engine boxed it.
  const restLines = new Map<string, OcrWord[]>();
  for (const w of rest) restLines.set(w.line, [...(restLines.get(w.line) ?? []), w]);
  const lone: { words: OcrWord[]; box: Box; number: boolean; han: boolean }[] = [];
  const lines = [...restLines.values()].map((ws) => ({
    ws,
    text: ws.map((w) => w.text).join(""),
    x0: Math.min(...ws.map((w) => w.left)),
    x1: Math.max(...ws.map((w) => w.left + w.width)),
    y0: Math.min(...ws.map((w) => w.top)),
    y1: Math.max(...ws.map((w) => w.top + w.height)),
  }));
  // The text of the line just above a top (what a table printed one cell per line set before it).
  const lineAbove = (top: number) =>
    lines
      .filter((l) => l.y1 <= top + emPx / 4)
      .reduce<(typeof lines)[number] | undefined>(
        (best, l) => (!best || l.y1 > best.y1 ? l : best),
        undefined,
      )?.text;
  for (const { ws, text, x0, x1, y0, y1 } of lines) {
    const number = NUMBER_TEXT.test(text);
    // A lone Chinese character read with little confidence right after a number (下 for 17 among a
    // row's values) is a number misread too, where it stands in a column of values (below); after a
    // label it may be that label's last character, wrapped (不予处 / 理), and is left as read.
    const han =
      CJK.test(text) && text.length === 1 && ws[0].conf < 30 && NUMBER_TEXT.test(lineAbove(y0) ?? "");
    // (Letters with digits, i7 for 17, are a misread number too; digits with a mark after them, 131:,
    // are a number and a speck, left to the speck rule below: read again, 21: lost its 1.)
    if (!number && !han && !LETTERS_FOR_DIGITS.test(text) && !(misreadNumber(text) && /[A-Za-z]/.test(text)))
      continue;
    if (x1 - x0 > 4 * emPx) continue;
    const ink = blobs.filter((b) => {
      const cx = (b.x0 + b.x1) / 2;
      const cy = (b.y0 + b.y1) / 2;
      return cx >= x0 && cx <= x1 && cy >= y0 && cy <= y1;
    });
    if (ink.length === 0) continue;
    const box = {
      x0: Math.min(...ink.map((b) => b.x0)) - pad,
      y0: Math.min(...ink.map((b) => b.y0)) - pad,
      x1: Math.max(...ink.map((b) => b.x1)) + pad,
      y1: Math.max(...ink.map((b) => b.y1)) + pad,
    };
    lone.push({ words: ws, box, number, han });
  }
  const asDigits = (psm: number) => ({ psm, config: [DIGITS_ONLY] });
  // Left edges of the page's lines that are one number each: where a column of values stands.
  const numberLines = lone.filter((l) => l.number).map((l) => l.box);
  const inValueColumn = (b: Box) =>
    numberLines.filter((n) => Math.abs(n.x0 - b.x0) <= 0.5 * emPx).length >= 2;
  /**
   * Boxes of the page read as digits: as a line, twice the size. Where that made no number of a box
   * that stands in a column of values (a stain read `ae` beside a table is not read into a number):
   * in black and white; then as one word; then by the Latin model alone at three and four times the
   * size (a clean 11 or a lone 1 that every reading with the Chinese model returns as nothing). The
   * first number found, else the last reading.
   */
  const readAsDigits = async (boxes: Box[]) => {
    const grey = (b: Box, f: number) => upscale(crop(clean, b, margin), f);
    const tries: [(b: Box) => Gray, ReadMode][] = [
      [(b) => grey(b, 2), asDigits(7)],
      [(b) => binarize(grey(b, 2), threshold), asDigits(7)],
      [(b) => grey(b, 2), asDigits(8)],
      [(b) => grey(b, 3), { ...asDigits(7), lang: "eng" }],
      [(b) => grey(b, 4), { ...asDigits(7), lang: "eng" }],
    ];
    const out: OcrWord[][] = boxes.map(() => []);
    for (const [t, [image, mode]] of tries.entries()) {
      const pending = boxes
        .map((_, k) => k)
        .filter((k) => !isNumberReading(out[k]) && (t === 0 || inValueColumn(boxes[k])));
      const again = await read(
        pending.map((k) => image(boxes[k])),
        mode,
      );
      pending.forEach((k, j) => {
        if (isNumberReading(again[j]) || out[k].length === 0) out[k] = again[j];
      });
    }
    return out;
  };
  const numbers = lone.filter((l) => l.number);
  const lettered = lone.filter((l) => !l.number && (!l.han || inValueColumn(l.box)));
  const [second, digits] = await Promise.all([
    read(
      numbers.map((l) => upscale(crop(clean, l.box, margin), 3)),
      asDigits(7),
    ),
    readAsDigits(lettered.map((l) => l.box)),
  ]);
  const changed = new Map<OcrWord, OcrWord>();
  const disagree = numbers.filter((l, k) => asNumber(second[k]) !== asNumber(l.words));
  const third = await read(
    disagree.map((l) => binarize(upscale(crop(clean, l.box, margin), 4), threshold)),
    asDigits(7),
  );
  numbers.forEach((l, k) => {
    const b = asNumber(second[k]);
    if (b === asNumber(l.words)) return;
    // A third reading that agrees with the second settles the number (still not trusted), as in cells.
    const j = disagree.indexOf(l);
    const settled = isNumberReading(second[k]) && asNumber(third[j]) === b;
    l.words.forEach((w, i) => {
      changed.set(w, { ...w, text: !settled ? w.text : i === 0 ? b : "", conf: Math.min(w.conf, 40) });
    });
  });
  lettered.forEach((l, k) => {
    if (!isNumberReading(digits[k])) return;
    // The digits replace the letters, in the line's first word; its other words go.
    l.words.forEach((w, j) => {
      changed.set(w, { ...w, text: j === 0 ? asNumber(digits[k]) : "", conf: Math.min(w.conf, 40) });
    });
  });
  const restWords = rest.map((w) => changed.get(w) ?? w).filter((w) => w.text !== "");
  // Ink alone on its line that no reading covered, in a column of values (a lone 1 the page's reading
  // skipped, on a page of one cell per line), is read again as digits: a number found stands there,
  // never with confidence; otherwise the ink stays unread, as before. Ink in ruled cells and column
  // lines was read as such.
  const covered = [...words, ...restWords];
  const loneInk = inkGroups(
    unreadInk(blobs, covered, emPx, px).filter(
      (b) => !inCell(b) && !columnar.some((c) => boxesOverlap(b, c)),
    ),
    emPx,
  ).filter(
    (b) =>
      b.x1 - b.x0 <= 3 * emPx &&
      b.y1 - b.y0 >= 0.5 * emPx &&
      b.y1 - b.y0 <= 1.3 * emPx &&
      !covered.some((w) => w.top < b.y1 && w.top + w.height > b.y0) &&
      inValueColumn(b),
  );
  const inkDigits = await readAsDigits(
    loneInk.map((b) => ({ x0: b.x0 - pad, y0: b.y0 - pad, x1: b.x1 + pad, y1: b.y1 + pad })),
  );
  loneInk.forEach((b, k) => {
    if (!isNumberReading(inkDigits[k])) return;
    const conf = Math.min(40, ...inkDigits[k].map((w) => w.conf));
    const [left, top, width, height] = [b.x0, b.y0, b.x1 - b.x0, b.y1 - b.y0];
    restWords.push({
      text: asNumber(inkDigits[k]),
      conf,
      left,
      top,
      width,
      height,
      page: 1,
      line: `ink${k}`,
    });
  });
  place([{ x0: margin, y0: margin, x1: clean.width, y1: clean.height }], [restWords], "p", false);
  const kept = cleanReadings(words, px.h, emPx);
  const scale = 72 / dpi;
  const unread = unreadInk(blobs, kept, emPx, px);
  const pieces = wordsToPieces(snapLabels(kept), unread, scale, emPx);
  return {
    page: {
      page: pageNo,
      width: img.width * scale,
      height: img.height * scale,
      pieces,
      h: px.h.map((s) => ({ y: s.y * scale, x0: s.x0 * scale, x1: s.x1 * scale })),
      v: px.v.map((s) => ({ x: s.x * scale, y0: s.y0 * scale, y1: s.y1 * scale })),
    },
    rereads,
    words: kept.length,
    legible: kept.filter((w) => w.conf >= 60).length,
    lowConfidence: kept.filter((w) => w.conf < OCR_LOW_CONFIDENCE).length + unread.length,
    skewDeg,
  };
}

/**
 * Which way a page image lies, by Tesseract's orientation and script detection (`--psm 0`, Debian's
 * tesseract-ocr-osd, installed with tesseract-ocr): the clockwise turn that sets it upright, or 0 where
 * the page is upright, the detection is unsure (confidence under 2), or it cannot run.
 */
async function pageOrientation(
  pgm: Uint8Array,
  t: OcrTools,
  clock: PageClock,
  pageNo: number,
): Promise<0 | 90 | 180 | 270> {
  let out: string;
  try {
    // (The image as gray: the detection reads a PGM from standard input.)
    const gray = toPgm(parsePgm(pgm));
    out = (
      await runUnderClock(
        t.tesseract,
        ["stdin", "stdout", "--psm", "0"],
        gray,
        clock,
        `orientation of page ${pageNo}`,
      )
    ).toString("utf8");
  } catch (err) {
    if (err instanceof DocumentError && err.code === "timeout") throw err;
    return 0;
  }
  const clockwise = Number(/Rotate:\s*(\d+)/.exec(out)?.[1]);
  const confidence = Number(/Orientation confidence:\s*([\d.]+)/.exec(out)?.[1]);
  if (!(confidence >= 2) || (clockwise !== 90 && clockwise !== 180 && clockwise !== 270)) return 0;
  return clockwise;
}

export interface OcrOptions {
  /** Per-page limit for rendering and recognition. */
  pageTimeoutMs?: number;
  /** The first page's lines of a text layer whose words read though its numbers do not (OcrSummary). */
  textLayer?: string[];
  maxPages?: number;
  dpi?: number;
}

/**
 * Reads a PDF whose pages are images: each page is rendered, read by Tesseract and laid out like a text
 * PDF's page. Throws `needs_ocr` (with the install command) when the programs are missing.
 */
export async function extractScannedPdf(
  bytes: Uint8Array,
  why: string,
  opts: OcrOptions = {},
): Promise<DocumentModel> {
  const found = ocrTools();
  if (!found.tools) throw new DocumentError("needs_ocr", `${why}; ${found.reason}: ${NEEDS_TESSERACT}`);
  const t = found.tools;
  const timeoutMs = opts.pageTimeoutMs ?? OCR_PAGE_TIMEOUT_MS;
  const dpi = opts.dpi ?? OCR_DPI;
  const info = (
    await runUnderClock(t.pdfinfo, ["-"], bytes, new PageClock(timeoutMs, "pdfinfo"), "pdfinfo")
  ).toString("utf8");
  const total = Number(/^Pages:\s+(\d+)/m.exec(info)?.[1] ?? 0);
  if (!(total > 0)) throw new DocumentError("corrupt_pdf", "PDF has no pages poppler can render");
  const n = Math.min(total, opts.maxPages ?? 100);
  const pages: PageInput[] = [];
  let words = 0;
  let low = 0;
  let legible = 0;
  const skews: number[] = [];
  const rereads: OcrLineReading[] = [];
  const turnedPages: string[] = [];
  const started = performance.now();
  for (let p = 1; p <= n; p++) {
    const clock = new PageClock(timeoutMs, `OCR of page ${p}`);
    const pgm = await runUnderClock(
      t.pdftoppm,
      // In colour, so that a red seal can be told from black ink (parsePgm drops it).
      ["-r", String(dpi), "-f", String(p), "-l", String(p), "-"],
      bytes,
      clock,
      `rendering page ${p}`,
    );
    let r = await ocrPageImage(pgm, p, dpi, t, clock);
    // A page read mostly as doubt may lie turned (a landscape table fed portrait, a sheet upside
    // down): the engine's orientation detection says which way, and the page is read again so turned,
    // kept where it reads better.
    if (r.words >= 10 && r.legible < 0.5 * r.words) {
      const quarter = await pageOrientation(pgm, t, clock, p);
      if (quarter !== 0) {
        const upright = await ocrPageImage(pgm, p, dpi, t, clock, quarter);
        if (upright.legible > r.legible) {
          r = upright;
          turnedPages.push(`${p} (${quarter}°)`);
        }
      }
    }
    pages.push(r.page);
    words += r.words;
    low += r.lowConfidence;
    legible += r.legible;
    skews.push(r.skewDeg);
    rereads.push(...r.rereads);
  }
  if (legible < 10) {
    throw new DocumentError(
      "needs_ocr",
      `${why}; OCR found no legible text on its ${n} page(s) (${words} words, ${legible} read with confidence)`,
    );
  }
  const seconds = (performance.now() - started) / 1000;
  const warnings: DocumentModel["warnings"] = [];
  if (turnedPages.length > 0)
    warnings.push({
      code: "page_turned",
      message: `page${turnedPages.length > 1 ? "s" : ""} ${turnedPages.join(", ")} scanned turned; read turned upright (clockwise by the angle given)`,
    });
  if (total > n)
    warnings.push({
      code: "pages_skipped",
      message: `only the first ${n} of ${total} pages were read by OCR`,
    });
  return {
    form: "pdf",
    blocks: layoutPages(pages),
    warnings,
    ocr: {
      pages: n,
      words,
      lowConfidenceWords: low,
      seconds,
      skewDeg: skews,
      ...(rereads.length > 0 ? { rereads } : {}),
      ...(opts.textLayer && opts.textLayer.length > 0 ? { textLayer: opts.textLayer } : {}),
    },
  };
}

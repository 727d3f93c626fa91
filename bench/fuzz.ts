// Fuzzing the import: mutants of the project's own reports (byte flips, truncations, insertions,
// duplications, deep nesting, long lines, charset, zip and PDF damage) imported for real into a SQLite
// file with the worker pool, and the outcome checked: no crash, no stall, one-line coded errors, valid
// UTF-8 everywhere in the database. The suite runs a few hundred (test/import/fuzz.test.ts); `npm run bench`
// runs thousands.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import { MAX_ERROR_CHARS } from "../src/extractors/errors.js";
import { importFiles } from "../src/import/importer.js";
import { DocumentWorkers } from "../src/import/workers.js";
import { Store } from "../src/store/store.js";

const root = resolve(import.meta.dirname, "..");

/** A small seeded generator (mulberry32): the same seed gives the same mutants on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Source {
  name: string;
  kind: "html" | "text" | "pdf" | "docx";
  bytes: Buffer;
}

/** The project's own reports of every form (corpus/, corpus/docx/). */
export function fuzzSources(): Source[] {
  const out: Source[] = [];
  const add = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const kind = /\.(html?|js)$/i.test(name)
        ? "html"
        : /\.(txt|md)$/i.test(name)
          ? "text"
          : /\.pdf$/i.test(name)
            ? "pdf"
            : /\.docx$/i.test(name)
              ? "docx"
              : undefined;
      if (kind) out.push({ name, kind, bytes: readFileSync(join(dir, name)) });
    }
  };
  add(join(root, "corpus"));
  add(join(root, "corpus", "docx"));
  return out;
}

type Rand = () => number;
type Mutation = (b: Buffer, r: Rand, src: Source) => Buffer;

const int = (r: Rand, n: number) => Math.floor(r() * n);
const at = (r: Rand, b: Buffer) => int(r, Math.max(1, b.length));
const repeat = (s: string, n: number) => Buffer.from(s.repeat(n));
const splice = (b: Buffer, i: number, remove: number, insert: Buffer) =>
  Buffer.concat([b.subarray(0, i), insert, b.subarray(Math.min(b.length, i + remove))]);

/** Where the content starts, so that insertions land in the body of the document, not before it. */
const middle = (b: Buffer, r: Rand) => Math.floor(b.length * (0.2 + 0.6 * r()));

const MUTATIONS: Record<string, Mutation> = {
  byte_flips: (b, r) => {
    const out = Buffer.from(b);
    const n = 1 + int(r, 40);
    for (let i = 0; i < n; i++) out[at(r, out)] = int(r, 256);
    return out;
  },
  truncation: (b, r) => b.subarray(0, at(r, b)),
  insertion: (b, r) => {
    const junk = Buffer.alloc(1 + int(r, 2000));
    for (let i = 0; i < junk.length; i++) junk[i] = int(r, 256);
    return splice(b, at(r, b), 0, junk);
  },
  duplication: (b, r) => {
    const from = at(r, b);
    const slice = b.subarray(from, from + 1 + int(r, 20_000));
    return splice(b, at(r, b), 0, slice);
  },
  whole_twice: (b) => Buffer.concat([b, Buffer.from("\n"), b]),
  deep_nesting: (b, r) => {
    const tag = ["div", "span", "table", "font", "td", "p", "b"][int(r, 7)];
    const n = [50, 900, 5_000, 100_000][int(r, 4)];
    const open = tag === "table" ? "<table><tr><td>".repeat(n) : `<${tag}>`.repeat(n);
    return splice(b, middle(b, r), 0, Buffer.from(open));
  },
  long_line: (b, r) => {
    const unit = ["汉", " ", "|", "a |", "1 ", "2023年", "\\'", "'\"", "-", "<", "&#", "\t|\t"][int(r, 12)];
    const n = Math.floor((100_000 + int(r, 900_000)) / Buffer.byteLength(unit));
    return splice(b, middle(b, r), 0, Buffer.concat([Buffer.from("\n"), repeat(unit, n), Buffer.from("\n")]));
  },
  many_lines: (b, r) => {
    const unit = ["|\n", "||\n", "\n", "| 1 |\n", "一、\n"][int(r, 5)];
    return splice(b, middle(b, r), 0, repeat(unit, 20_000 + int(r, 80_000)));
  },
  charset_damage: (b, r) => {
    const out = Buffer.from(b);
    const n = 1 + int(r, 6);
    for (let i = 0; i < n; i++) out[middle(out, r)] = [0xff, 0xfe, 0xc3, 0x80, 0xed, 0xa0][int(r, 6)];
    return out;
  },
  nul_and_surrogates: (b, r) =>
    splice(b, middle(b, r), 0, Buffer.from([0x00, 0xed, 0xa0, 0x80, 0x00, 0xef, 0xbf, 0xbd])),
  big_numbers: (b, r) => {
    const text = b.toString("latin1");
    const digits = ["123456789012345678901", "9007199254740993", "1".repeat(400), "0.12345678901234567"][
      int(r, 4)
    ];
    let k = 0;
    return Buffer.from(
      text.replace(/(?<=[|>\s])\d{1,4}(?=\s*[|<\n])/g, (m) => (k++ % 5 === 0 ? digits : m)),
      "latin1",
    );
  },
  zip_damage: (b, r) => {
    // The central directory sits at the end of a zip: damage it, or cut the archive short.
    const out = Buffer.from(b);
    if (r() < 0.3) return out.subarray(0, Math.floor(out.length * (0.5 + 0.5 * r())));
    const n = 1 + int(r, 12);
    for (let i = 0; i < n; i++) out[out.length - 1 - int(r, Math.min(out.length, 2000))] = int(r, 256);
    return out;
  },
  pdf_damage: (b, r) => {
    // Streams, the xref table and the trailer: where damage reaches pdfjs's parsers and decoders.
    const out = Buffer.from(b);
    const text = out.toString("latin1");
    const choice = int(r, 4);
    if (choice === 0) {
      const xref = text.lastIndexOf("startxref");
      return xref > 0 ? splice(out, xref + 10, 8, Buffer.from(String(int(r, out.length)))) : out;
    }
    if (choice === 1) {
      const streams = [...text.matchAll(/stream\r?\n/g)].map((m) => (m.index ?? 0) + m[0].length);
      const s = streams.length > 0 ? streams[int(r, streams.length)] : at(r, out);
      for (let i = 0; i < 1 + int(r, 30); i++) out[Math.min(out.length - 1, s + int(r, 400))] = int(r, 256);
      return out;
    }
    if (choice === 2) return splice(out, middle(out, r), 1 + int(r, 5000), Buffer.alloc(0));
    return Buffer.from(
      text.replace(/endobj/g, (m) => (r() < 0.2 ? "endbj" : m)),
      "latin1",
    );
  },
};

const BY_KIND: Record<Source["kind"], string[]> = {
  html: [
    "byte_flips",
    "truncation",
    "insertion",
    "duplication",
    "whole_twice",
    "deep_nesting",
    "long_line",
    "charset_damage",
    "nul_and_surrogates",
    "big_numbers",
  ],
  text: [
    "byte_flips",
    "truncation",
    "insertion",
    "duplication",
    "whole_twice",
    "long_line",
    "many_lines",
    "charset_damage",
    "nul_and_surrogates",
    "big_numbers",
  ],
  pdf: ["byte_flips", "truncation", "pdf_damage", "insertion"],
  docx: ["byte_flips", "truncation", "zip_damage", "insertion"],
};

export interface Mutant {
  name: string;
  mutation: string;
  bytes: Buffer;
}

/**
 * `count` mutants from the seed. PDF and Word mutants are a share (`heavyShare`) of the whole: they
 * cost a worker's time each, where HTML and text cost milliseconds.
 */
export function makeMutants(seed: number, count: number, heavyShare = 0.15): Mutant[] {
  const r = seededRandom(seed);
  const sources = fuzzSources();
  const light = sources.filter((s) => s.kind === "html" || s.kind === "text");
  const heavy = sources.filter((s) => s.kind === "pdf" || s.kind === "docx");
  const out: Mutant[] = [];
  for (let i = 0; i < count; i++) {
    const pool = heavy.length > 0 && r() < heavyShare ? heavy : light;
    const src = pool[int(r, pool.length)];
    const kinds = BY_KIND[src.kind];
    const mutation = kinds[int(r, kinds.length)];
    let bytes = MUTATIONS[mutation](src.bytes, r, src);
    // A few mutants carry two kinds of damage at once.
    if (r() < 0.1) bytes = MUTATIONS[kinds[int(r, kinds.length)]](bytes, r, src);
    out.push({ name: `${String(i).padStart(5, "0")}-${mutation}-${src.name}`, mutation, bytes });
  }
  return out;
}

export interface FuzzOutcome {
  mutants: number;
  imported: number;
  unchanged: number;
  failed: number;
  /** Failures by error code. */
  codes: Record<string, number>;
  /** Failures that are bugs, not verdicts on a document: internal errors and crashed workers. */
  crashes: string[];
  /** Documents stopped at their time limit. */
  stalls: string[];
  /** Errors that are not one line of at most MAX_ERROR_CHARS with a code. */
  badErrors: string[];
  /** Text cells of the database that are not valid UTF-8 or hold NUL. */
  badText: string[];
  seconds: number;
  peakRssMb: number;
}

const CRASH_CODES = new Set(["internal_error", "worker_crashed"]);

/** Every text value in every table of the database that is not valid UTF-8, or holds a NUL byte. */
export function invalidStoredText(dbPath: string): string[] {
  const db = new Database(dbPath, { readonly: true });
  const bad: string[] = [];
  const strict = new TextDecoder("utf-8", { fatal: true });
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
      .pluck()
      .all() as string[];
    for (const table of tables) {
      let columns: string[];
      try {
        columns = (db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[]).filter(
          Boolean,
        );
      } catch {
        continue;
      }
      for (const col of columns) {
        let rows: { rowid: number; v: Buffer }[];
        try {
          rows = db
            .prepare(
              `SELECT rowid, CAST("${col}" AS BLOB) AS v FROM "${table}" WHERE typeof("${col}") = 'text'`,
            )
            .all() as { rowid: number; v: Buffer }[];
        } catch {
          continue; // virtual tables without rowid and the like
        }
        for (const { rowid, v } of rows) {
          let ok = !v.includes(0);
          if (ok) {
            try {
              strict.decode(v);
            } catch {
              ok = false;
            }
          }
          if (!ok) bad.push(`${table}.${col} rowid ${rowid}`);
        }
      }
    }
  } finally {
    db.close();
  }
  return bad;
}

/** Writes the mutants to `dir` and imports them into `dir/fuzz.sqlite` as `zfxxgk import` does. */
export async function runFuzz(
  mutants: Mutant[],
  dir: string,
  opts: { timeoutMs?: number; workers?: number } = {},
): Promise<FuzzOutcome> {
  mkdirSync(dir, { recursive: true });
  const files = mutants.map((m) => {
    const path = join(dir, m.name);
    writeFileSync(path, m.bytes);
    return path;
  });
  const dbPath = join(dir, "fuzz.sqlite");
  rmSync(dbPath, { force: true });
  const store = new Store(dbPath);
  const workers = new DocumentWorkers({ timeoutMs: opts.timeoutMs ?? 30_000, size: opts.workers });
  const outcome: FuzzOutcome = {
    mutants: mutants.length,
    imported: 0,
    unchanged: 0,
    failed: 0,
    codes: {},
    crashes: [],
    stalls: [],
    badErrors: [],
    badText: [],
    seconds: 0,
    peakRssMb: 0,
  };
  let peak = process.memoryUsage.rss();
  const t0 = performance.now();
  try {
    await importFiles(
      store,
      files,
      (r, done) => {
        if (done % 10 === 0) peak = Math.max(peak, process.memoryUsage.rss());
        const name = r.path.slice(dir.length + 1);
        // Stored: a new report, a new current version, or a version kept beside a better one.
        if (r.outcome === "new" || r.outcome === "updated" || r.outcome === "not_current") outcome.imported++;
        else if (r.outcome === "unchanged" || r.outcome === "reprocessed") outcome.unchanged++;
        if (!r.error) return;
        outcome.failed++;
        const { code, message } = r.error;
        outcome.codes[code] = (outcome.codes[code] ?? 0) + 1;
        if (CRASH_CODES.has(code)) outcome.crashes.push(`${name}: [${code}] ${message}`);
        if (code === "timeout") outcome.stalls.push(`${name}: ${message}`);
        if (!/^[a-z][a-z0-9_]*$/.test(code) || /[\r\n]/.test(message) || message.length > MAX_ERROR_CHARS)
          outcome.badErrors.push(`${name}: [${code}] ${JSON.stringify(message.slice(0, 120))}`);
      },
      { workers },
    );
  } finally {
    await workers.close();
    store.close();
  }
  outcome.seconds = (performance.now() - t0) / 1000;
  outcome.peakRssMb = Math.max(peak, process.memoryUsage.rss()) / 2 ** 20;
  outcome.badText = invalidStoredText(dbPath);
  // The errors as stored, too: one line each, at most MAX_ERROR_CHARS.
  const db = new Database(dbPath, { readonly: true });
  try {
    for (const row of db
      .prepare("SELECT origin, error_code, error FROM documents WHERE error IS NOT NULL")
      .all() as { origin: string; error_code: string; error: string }[]) {
      if (/[\r\n]/.test(row.error) || row.error.length > MAX_ERROR_CHARS || !row.error_code)
        outcome.badErrors.push(`stored ${row.origin}: ${JSON.stringify(row.error.slice(0, 120))}`);
    }
  } finally {
    db.close();
  }
  return outcome;
}

/** The outcome in a few lines. */
export function describeFuzz(o: FuzzOutcome): string {
  const codes = Object.entries(o.codes)
    .sort((a, b) => b[1] - a[1])
    .map(([c, n]) => `${c} ${n}`)
    .join(", ");
  return [
    `fuzz: ${o.mutants} mutants in ${o.seconds.toFixed(1)} s (peak RSS ${o.peakRssMb.toFixed(0)} MB): ${o.imported} imported, ${o.unchanged} unchanged, ${o.failed} failed`,
    `  failures by code: ${codes || "none"}`,
    `  crashes ${o.crashes.length}, stalls ${o.stalls.length}, errors not one coded line ${o.badErrors.length}, stored texts not valid UTF-8 ${o.badText.length}`,
    ...[...o.crashes, ...o.stalls, ...o.badErrors, ...o.badText].slice(0, 10).map((s) => `  ! ${s}`),
  ].join("\n");
}

export async function runFuzzBench(count = 5000, seed = 20261204): Promise<FuzzOutcome> {
  const dir = join(tmpdir(), `zfxxgk-fuzz-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  try {
    const outcome = await runFuzz(makeMutants(seed, count), dir);
    console.log(describeFuzz(outcome));
    return outcome;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runFuzzBench(Number(process.argv[2] ?? 5000), Number(process.argv[3] ?? 20261204));
}

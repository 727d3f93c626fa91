// The bounds on one document: hostile or damaged documents end with a clear one-line code or import,
// through the real import into a real SQLite file. How long each case takes is measured by
// `npm run bench` (bench/bounds.ts), not here.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sanitizeModel } from "../../src/extractors/charset.js";
import { MAX_ERROR_CHARS, oneLineError } from "../../src/extractors/errors.js";
import { BudgetExceeded, runWithinBudget } from "../../src/import/bounds.js";
import { type FileResult, importFiles } from "../../src/import/importer.js";
import { DocumentWorkers } from "../../src/import/workers.js";
import { Store } from "../../src/store/store.js";
import { projectRoot, tempDir } from "../helpers.js";

const corpus = (name: string) => readFileSync(join(projectRoot, "corpus", name));
const textReport = corpus("qingxi-2023.txt").toString("utf8");

let dir: string;
let workers: DocumentWorkers;
beforeAll(() => {
  dir = tempDir();
  workers = new DocumentWorkers({ size: 2, timeoutMs: 60_000 });
});
afterAll(async () => {
  await workers.close();
});

let serial = 0;
/** Imports documents (named files) into a fresh database; returns their results and the database path. */
async function importDocs(
  docs: Record<string, Buffer | string>,
  opts: { workers?: DocumentWorkers; inlineBudgetMs?: number } = { workers },
): Promise<{ results: Map<string, FileResult>; db: string }> {
  const files = Object.entries(docs).map(([name, bytes]) => {
    const path = join(dir, `${serial++}-${name}`);
    writeFileSync(path, bytes);
    return path;
  });
  const db = join(dir, `${serial++}.sqlite`);
  const store = new Store(db);
  const results = new Map<string, FileResult>();
  try {
    await importFiles(store, files, (r) => results.set(r.path.replace(/^.*?\d+-/, ""), r), opts);
  } finally {
    store.close();
  }
  return { results, db };
}

function expectOneLine(r: FileResult | undefined, code: string) {
  expect(r?.outcome).toBe("failed");
  expect(r?.error?.code).toBe(code);
  expect(r?.error?.message).not.toMatch(/[\r\n]/);
  expect(r?.error?.message.length).toBeLessThanOrEqual(MAX_ERROR_CHARS);
}

describe("bounds on one document", () => {
  it("reads a text report with a 1 MB line in it (the line scan is linear)", async () => {
    const line = "汉字 | 1 |".repeat(1_000_000 / 14);
    const { results } = await importDocs({ "long-line.txt": `${textReport}\n${line}\n` });
    const r = results.get("long-line.txt");
    expect(r?.error).toBeUndefined();
    expect(r?.summary).toMatch(/cells=\d+/);
  });

  it("refuses 100,000 nested elements with too_deep, in one line", async () => {
    const deep = `<html><body><p>政府信息公开工作年度报告</p>${"<div>".repeat(100_000)}x${"</div>".repeat(100_000)}</body></html>`;
    const tables = `<html><body>${"<table><tr><td>".repeat(100_000)}x</body></html>`;
    const { results, db } = await importDocs({ "deep.html": deep, "deep-tables.html": tables });
    expectOneLine(results.get("deep.html"), "too_deep");
    expectOneLine(results.get("deep-tables.html"), "too_deep");
    const stored = new Database(db, { readonly: true });
    const rows = stored.prepare("SELECT error_code, error FROM documents").all() as {
      error_code: string;
      error: string;
    }[];
    stored.close();
    expect(rows.map((r) => r.error_code)).toEqual(["too_deep", "too_deep"]);
    for (const r of rows) expect(r.error).toMatch(/^[^\n]{1,300}$/);
  });

  it("reads nesting that browsers also read (900 levels) with a stack, not recursion", async () => {
    const html = corpus("jiangning-2022.html").toString("utf8");
    const nested = html.replace("<body>", `<body>${"<span>".repeat(900)}`);
    const { results } = await importDocs({ "nested.html": nested });
    expect(results.get("nested.html")?.summary).toMatch(/cells=200/);
  });

  it("fails a report that prints its tables twice with duplicate_tables, not a validator's dump", async () => {
    const { results, db } = await importDocs({ "twice.txt": `${textReport}\n${textReport}` });
    const r = results.get("twice.txt");
    expectOneLine(r, "duplicate_tables");
    expect(r?.error?.message).toMatch(/more than once/);
    expect(r?.error?.detail).toMatch(/duplicate cell/); // zod's account, for the log
    const stored = new Database(db, { readonly: true });
    const error = stored.prepare("SELECT error FROM documents").pluck().get() as string;
    stored.close();
    expect(error).toBe(r?.error?.message);
  });

  it("turns any error into one coded line of at most 300 characters", () => {
    const long = oneLineError(new Error(`first line\n${"x".repeat(1000)}\n\u0000`));
    expect(long.code).toBe("internal_error");
    expect(long.message).toMatch(/^first line x+…$/);
    expect(long.message.length).toBe(MAX_ERROR_CHARS);
    expect(long.detail).toContain("\n");
    const stack = oneLineError(new RangeError("Maximum call stack size exceeded"));
    expect(stack.code).toBe("too_deep");
  });

  it("stops synchronous work at its budget", () => {
    expect(() =>
      runWithinBudget(() => {
        for (;;) {}
      }, 50),
    ).toThrow(BudgetExceeded);
    expect(runWithinBudget(() => 42, 1000)).toBe(42);
  });

  it("hands HTML or text that overruns its budget on the importing thread to a worker, which reads it", async () => {
    const pool = new DocumentWorkers({ size: 1, timeoutMs: 60_000 });
    try {
      // One millisecond is far less than this report with a 200 KB line takes; the worker has its own,
      // full time limit.
      const slow = `${textReport}\n${"汉字 | 1 |".repeat(16_000)}\n`;
      const { results } = await importDocs({ "slow.txt": slow }, { workers: pool, inlineBudgetMs: 1 });
      expect(results.get("slow.txt")?.summary).toMatch(/cells=\d+/);
      expect(pool.received).toBe(1);
    } finally {
      await pool.close();
    }
  });
});

describe("encoding damage is local", () => {
  it("replaces a few invalid bytes in a UTF-8 file and flags them, instead of decoding it as GB18030", async () => {
    const bytes = Buffer.from(textReport, "utf8");
    const at = bytes.indexOf(Buffer.from("二、", "utf8"));
    bytes[at] = 0xff;
    bytes[at + 40] = 0xc3;
    const { results, db } = await importDocs({ "damaged.txt": bytes });
    expect(results.get("damaged.txt")?.error).toBeUndefined();
    const stored = new Database(db, { readonly: true });
    const charset = stored.prepare("SELECT charset FROM documents").pluck().get();
    const flag = stored
      .prepare("SELECT message FROM flags WHERE code = 'encoding_damaged'")
      .pluck()
      .get() as string;
    stored.close();
    expect(charset).toBe("utf-8");
    expect(flag).toMatch(/^\d+ byte sequences are not valid utf-8 and were replaced with U\+FFFD/);
  });

  it("stores no NUL and no unpaired surrogate, and says how many were replaced", async () => {
    const withNul = textReport.replace("二、", "二\u0000、");
    const { results, db } = await importDocs({ "nul.txt": withNul });
    expect(results.get("nul.txt")?.error).toBeUndefined();
    const stored = new Database(db, { readonly: true });
    const prose = stored.prepare("SELECT CAST(text AS BLOB) FROM prose").pluck().get() as Buffer;
    const flag = stored
      .prepare("SELECT message FROM flags WHERE code = 'encoding_damaged'")
      .pluck()
      .get() as string;
    stored.close();
    expect(prose.includes(0)).toBe(false);
    expect(flag).toMatch(/^1 NUL or unpaired-surrogate character/);
    // PDF text layers carry unpaired surrogates: every form's model passes the same boundary.
    const model = sanitizeModel({
      form: "pdf",
      title: "a\ud800b",
      blocks: [{ kind: "text", text: "c\udc00d\ud83d\ude00", pos: {} }],
      warnings: [],
    });
    expect(model.title).toBe("a\ufffdb");
    expect(model.blocks[0]).toMatchObject({ text: "c\ufffdd\ud83d\ude00" });
    expect(model.warnings[0].message).toMatch(/^2 NUL or unpaired-surrogate characters/);
  });
});

describe("numbers beyond what a double holds", () => {
  it("keeps a printed 20-digit count as text with its digits, flagged, never rounded into a number", async () => {
    const printed = "123456789012345678901";
    const doc = textReport.replace("行政许可 | 24517 |", `行政许可 | ${printed} |`);
    expect(doc).not.toBe(textReport);
    const { results, db } = await importDocs({ "big.txt": doc });
    expect(results.get("big.txt")?.error).toBeUndefined();
    const stored = new Database(db, { readonly: true });
    const cell = stored.prepare("SELECT status, value, raw FROM cell_values WHERE raw = ?").get(printed);
    const flag = stored.prepare("SELECT message FROM flags WHERE code = 'number_too_large'").pluck().get();
    stored.close();
    expect(cell).toEqual({ status: "text", value: null, raw: printed });
    expect(flag).toContain(printed);
  });
});

describe("a worker that dies", () => {
  it("is blamed only for the document it was reading; the next document is read on a fresh worker", async () => {
    // 16 MB is enough for an HTML report (12 MB is) but not for pdfjs reading a PDF (20 MB is not): a
    // real out-of-memory death.
    const logs: string[] = [];
    const tight = new DocumentWorkers({ size: 1, heapMb: 16, timeoutMs: 60_000, onLog: (l) => logs.push(l) });
    try {
      const pdf = tight.process(corpus("qingxi-2021-ruled.pdf"));
      const html = tight.process(corpus("jiangning-2022.html"));
      await expect(pdf).rejects.toMatchObject({ code: "out_of_memory" });
      expect((await html).report.cells).toHaveLength(200);
      // The PDF was tried twice (a death may be left over from the document before) before it was blamed.
      expect(logs.filter((l) => l.includes("document 0")).length).toBe(2);
    } finally {
      await tight.close();
    }
  });

  it("is not ended by a library's stray promise rejection: the next document (a DOCX) imports", async () => {
    // The real worker body, then a rejection nobody handles (what pdfjs leaves after some damaged
    // PDFs), then a real document posted to it.
    const tsxApi = import.meta.resolve("tsx/esm/api");
    const body = new URL("../../src/import/worker.ts", import.meta.url).href;
    const boot = `import(${JSON.stringify(tsxApi)}).then((api) => { api.register(); return import(${JSON.stringify(body)}); }).then(() => { Promise.reject(new Error("stray rejection from a library")); require("node:worker_threads").parentPort.postMessage({ ready: true }); });`;
    const worker = new Worker(boot, { eval: true });
    try {
      const messages: {
        ready?: boolean;
        log?: string;
        id?: number;
        ok?: { report: { cells: unknown[] } };
      }[] = [];
      const result = await new Promise<{ ok?: { report: { cells: unknown[] } } }>((resolve, reject) => {
        worker.on("error", reject);
        worker.on("exit", (code) => reject(new Error(`worker exited with code ${code}`)));
        worker.on("message", (m) => {
          messages.push(m);
          if (m.ready)
            setTimeout(
              () => worker.postMessage({ id: 1, bytes: corpus("docx/jiangning-2022-word.docx"), opts: {} }),
              50,
            );
          if (m.id === 1) resolve(m);
        });
      });
      expect(result.ok?.report.cells.length).toBeGreaterThan(100);
      expect(messages.some((m) => m.log?.includes("stray rejection from a library"))).toBe(true);
    } finally {
      worker.removeAllListeners("exit");
      await worker.terminate();
    }
  });
});

// Benchmark: the bounds on hostile documents, each imported by the built CLI (`bin/zfxxgk.js import`) as a
// whole process into a fresh database: wall time, peak memory and the outcome (imported or its code).
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";

const root = resolve(import.meta.dirname, "..");
const corpus = (name: string) => readFileSync(join(root, "corpus", name));

/** The hostile documents, by what they test. */
function cases(): { name: string; file: string; bytes: Buffer | string }[] {
  const text = corpus("qingxi-2023.txt").toString("utf8");
  const html = corpus("jiangning-2022.html").toString("utf8");
  const invalid = Buffer.from(text, "utf8");
  invalid[invalid.indexOf(Buffer.from("二、", "utf8"))] = 0xff;
  return [
    {
      name: "1 MB single line (text cells)",
      file: "line.txt",
      bytes: `${text}\n${"汉字 | 1 |".repeat(71_000)}\n`,
    },
    { name: "1 MB single line (no bars)", file: "line2.txt", bytes: `${text}\n${"1 ".repeat(500_000)}\n` },
    {
      name: "1 MB line in a script string",
      file: "script.html",
      bytes: html.replace("</body>", `<script>var a = '${"\\'".repeat(500_000)}</script></body>`),
    },
    {
      name: "100,000 nested <div>",
      file: "deep.html",
      bytes: `<html><body>${"<div>".repeat(100_000)}x${"</div>".repeat(100_000)}</body></html>`,
    },
    {
      name: "100,000 nested tables",
      file: "deep-tables.html",
      bytes: `<html><body>${"<table><tr><td>".repeat(100_000)}x</body></html>`,
    },
    {
      name: "100,000 unclosed <font>",
      file: "fonts.html",
      bytes: `<html><body><p>政府信息公开工作年度报告</p>${"<font>a".repeat(100_000)}</body></html>`,
    },
    { name: "100,000 lines of bars", file: "bars.txt", bytes: `${text}\n${"|\n".repeat(100_000)}` },
    { name: "tables printed twice", file: "twice.txt", bytes: `${text}\n${text}` },
    { name: "invalid byte in UTF-8", file: "invalid.txt", bytes: invalid },
    {
      name: "20-digit count",
      file: "big.txt",
      bytes: text.replace("行政许可 | 24517 |", "行政许可 | 123456789012345678901 |"),
    },
  ];
}

/** Runs the built CLI on one file; wall seconds, peak RSS (MB, from /usr/bin/time) and the outcome. */
function importTimed(
  path: string,
  db: string,
): { seconds: number; importSeconds?: number; peakMb?: number; outcome: string } {
  const cli = join(root, "bin", "zfxxgk.js");
  const timeTool = spawnSync("/usr/bin/time", ["-f", "%M", "true"]).error === undefined;
  const args = ["import", path, "--db", db, "--quiet", "--json"];
  const t0 = performance.now();
  const run = timeTool
    ? spawnSync("/usr/bin/time", ["-f", "maxrss %M", process.execPath, cli, ...args], { encoding: "utf8" })
    : spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });
  const seconds = (performance.now() - t0) / 1000;
  const rss = /maxrss (\d+)/.exec(run.stderr ?? "")?.[1];
  // The import's own time (the summary's seconds), without the process start-up around it.
  const summary = /\{"db".*\}/.exec(run.stdout ?? "")?.[0];
  const importSeconds = summary ? (JSON.parse(summary) as { seconds: number }).seconds : undefined;
  const store = new Database(db, { readonly: true });
  const row = store.prepare("SELECT status, error_code FROM documents").get() as
    | { status: string; error_code: string | null }
    | undefined;
  const flags = store
    .prepare("SELECT code FROM flags WHERE code IN ('encoding_damaged', 'number_too_large')")
    .pluck()
    .all() as string[];
  store.close();
  const outcome = row
    ? (row.error_code ?? `${row.status}${flags.length ? ` (${flags.join(", ")})` : ""}`)
    : "none";
  return { seconds, importSeconds, peakMb: rss ? Number(rss) / 1024 : undefined, outcome };
}

export async function runBoundsBench(): Promise<void> {
  const dir = join(tmpdir(), `zfxxgk-bench-bounds-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  try {
    console.log(
      "bounds: hostile documents, each `zfxxgk import` as a whole process (dist/; run npm run build first)",
    );
    for (const c of cases()) {
      const path = join(dir, c.file);
      writeFileSync(path, c.bytes);
      const r = importTimed(path, join(dir, `${c.file}.sqlite`));
      const mem = r.peakMb === undefined ? "" : `, peak ${r.peakMb.toFixed(0)} MB`;
      const own = r.importSeconds === undefined ? "" : `import ${r.importSeconds.toFixed(2)} s, `;
      console.log(`  ${c.name.padEnd(32)} ${own}process ${r.seconds.toFixed(2)} s${mem}: ${r.outcome}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runBoundsBench();

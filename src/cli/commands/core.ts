// The core commands: import (bulk import from disk), eval (accuracy against gold labels), demo (npm start).
// What a command runs is imported when it runs (see src/cli/main.ts).
import { existsSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Command, InvalidArgumentError, Option } from "commander";
import type { FileResult } from "../../import/importer.js";
import { dbOption, stopOnSignals } from "../options.js";

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

function describe(r: FileResult): string {
  const rel = relative(process.cwd(), r.path) || r.path;
  if (r.error) return `FAILED ${rel}: [${r.error.code}] ${r.error.message}`;
  return `${r.outcome.padEnd(9)} ${rel}${r.summary ? `  ${r.summary}` : ""}`;
}

/**
 * The full account of a failure or of a stray rejection (stacks, a validator's report): written to stderr
 * only when ZFXXGK_DEBUG is set, since the one-line error already says what happened.
 */
function logDetail(text: string): void {
  if (process.env.ZFXXGK_DEBUG) process.stderr.write(`[debug] ${text}\n`);
}

async function runImport(
  paths: string[],
  opts: {
    db: string;
    quiet?: boolean;
    json?: boolean;
    timeout: number;
    sourcesDir?: string;
    keepSources?: boolean;
  },
): Promise<number> {
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length > 0) {
    process.stderr.write(
      `zfxxgk import: no such file or folder: ${missing.join(", ")} (nothing was imported)\n`,
    );
    return 2;
  }
  // The files are listed and a batch's worker threads started before the pipeline and the store are
  // loaded here, so that the threads boot (and load pdfjs) on the other cores while this thread loads
  // its modules and opens the database. One document is read in this thread: a worker would only add
  // its start-up and a second loading of the pipeline. A batch of PDF or Word files starts its threads
  // here (see prestart), others with their first PDF or Word document.
  const { listFiles } = await import("../../import/files.js");
  const files = listFiles(paths);
  if (files.length === 0) {
    process.stderr.write("zfxxgk import: no files found under the given paths\n");
    return 2;
  }
  const workers =
    files.length > 1
      ? new (await import("../../import/workers.js")).DocumentWorkers({
          timeoutMs: opts.timeout * 1000,
          onLog: logDetail,
        })
      : undefined;
  workers?.prestart(files);
  const [{ importFiles }, { Store }, { defaultDataDir }, { createProgress }, { ignoreStrayRejections }] =
    await Promise.all([
      import("../../import/importer.js"),
      import("../../store/store.js"),
      import("../../store/blobs.js"),
      import("../progress.js"),
      import("../../import/bounds.js"),
    ]).catch(async (e: unknown) => {
      await workers?.close(); // the threads started for nothing
      throw e;
    });
  ignoreStrayRejections(logDetail);
  const sourcesDir = opts.keepSources === false ? null : (opts.sourcesDir ?? defaultDataDir(opts.db));
  let store: InstanceType<typeof Store>;
  try {
    store = new Store(opts.db, { sourcesDir });
  } catch (e) {
    await workers?.close(); // the threads started for nothing
    throw e;
  }
  const progress = createProgress(files.length, { quiet: opts.quiet });
  const stop = stopOnSignals();
  try {
    const summary = await importFiles(
      store,
      files,
      (r) => {
        progress.tick(describe(r), r.outcome === "failed");
        if (r.error?.detail) logDetail(`${r.path}: [${r.error.code}] ${r.error.detail}`);
      },
      { workers, signal: stop.signal },
    );
    progress.stop();
    const extra = [
      summary.not_current ? `${summary.not_current} kept as older or worse versions` : "",
      summary.reprocessed ? `${summary.reprocessed} reprocessed (read by an older extraction)` : "",
    ].filter(Boolean);
    const counts = `${summary.new} new, ${summary.updated} updated, ${summary.unchanged} unchanged, ${summary.failed} failed${extra.length ? `; ${extra.join(", ")}` : ""}`;
    const done =
      summary.new +
      summary.updated +
      summary.not_current +
      summary.reprocessed +
      summary.unchanged +
      summary.failed;
    if (opts.json)
      process.stdout.write(`${JSON.stringify({ db: opts.db, ...summary, stopped: stop.code !== 0 })}\n`);
    else if (stop.code !== 0)
      process.stdout.write(
        `stopped by ${stop.name} after ${done} of ${summary.files} files, all stored in ${opts.db}: ${counts}\n` +
          "Run the same import again to resume: files already stored are recognised by their bytes and skipped.\n",
      );
    else
      process.stdout.write(
        `imported ${summary.files} files into ${opts.db} in ${summary.seconds.toFixed(1)} s: ${counts}\n`,
      );
    if (stop.code !== 0) return stop.code;
    return summary.failed > 0 ? 1 : 0;
  } finally {
    stop.dispose();
    // The threads stop (each tears its heap down on its own core) while this one closes the database.
    const closing = workers?.close();
    store.close();
    await closing;
  }
}

async function runEval(folders: string[], opts: { json?: boolean; verbose?: boolean }): Promise<number> {
  const missing = folders.filter((f) => !existsSync(f));
  if (missing.length > 0) {
    process.stderr.write(`zfxxgk eval: no such folder: ${missing.join(", ")}\n`);
    return 2;
  }
  const [{ findGoldPairs, scoreDocument, totals, metaTotals }, { ignoreStrayRejections }] = await Promise.all(
    [import("../../eval/score.js"), import("../../import/bounds.js")],
  );
  ignoreStrayRejections(logDetail);
  const pairs = findGoldPairs(folders);
  if (pairs.length === 0) {
    process.stderr.write("zfxxgk eval: no <file>.gold.json files found\n");
    return 2;
  }
  const scores = [];
  for (const p of pairs) {
    const s = await scoreDocument(p.doc, p.gold);
    scores.push(s);
    const pct = s.cells ? ((100 * s.exact) / s.cells).toFixed(1) : "-";
    // Fields the TOTAL line's count does not cover (level, type, an issuer's name not exactly right).
    const inexact = Object.entries(s.meta)
      .filter(([k, c]) => !c.right && !s.metaWrong.some((w) => w.startsWith(`${k} `)))
      .map(([k, c]) => `${k} ${c.got ?? "(none)"} ≠ ${c.expected}`);
    const extra = [s.error ? `ERROR ${s.error}` : "", ...s.metaWrong, ...(s.error ? [] : inexact)]
      .filter(Boolean)
      .join("; ");
    process.stdout.write(
      `${s.file.padEnd(40)} ${String(s.exact).padStart(4)}/${String(s.cells).padEnd(4)} exact (${pct}%)  wrong ${s.wrong}  silent ${s.silent}  missing ${s.missing}${extra ? `  ${extra}` : ""}\n`,
    );
    if (opts.verbose) {
      for (const d of s.details.filter((d) => d.outcome !== "exact")) {
        process.stdout.write(
          `    ${d.outcome.padEnd(7)} ${d.key}: expected ${d.expected}, got ${d.got ?? "(none)"}\n`,
        );
      }
    }
  }
  const t = totals(scores);
  const pct = t.cells ? ((100 * t.exact) / t.cells).toFixed(2) : "-";
  process.stdout.write(
    `TOTAL ${t.documents} documents, ${t.cells} cells: ${t.exact} exact (${pct}%), ${t.wrong} wrong (${t.silent} silent), ${t.missing} missing, ${t.meta_wrong} metadata wrong, ${t.failed_documents} documents failed\n`,
  );
  // Metadata compared exactly, field by field: the TOTAL line's count accepts a shorter or longer form of
  // the issuer's name, this line shows a misread character (a scan's 消宁市 for 渭宁市).
  const m = metaTotals(scores);
  const fields = Object.entries(m)
    .filter(([, v]) => v.of > 0)
    .map(([k, v]) => `${k} ${v.right}/${v.of}`);
  if (fields.length > 0) process.stdout.write(`METADATA exact: ${fields.join(", ")}\n`);
  if (opts.json) process.stdout.write(`${JSON.stringify(t)}\n`);
  return 0;
}

async function runDemo(opts: { db: string }): Promise<number> {
  const corpus = join(projectRoot, "corpus");
  process.stdout.write(
    `Importing the project's own reports from ${relative(process.cwd(), corpus) || corpus} into ${opts.db}\n`,
  );
  const code = await runImport([corpus], { db: opts.db, quiet: true, timeout: 120 });
  const [{ Store }, { printComparison }] = await Promise.all([
    import("../../store/store.js"),
    import("../report-views.js"),
  ]);
  const store = new Store(opts.db);
  try {
    printComparison(store);
  } finally {
    store.close();
  }
  return code === 2 ? 2 : 0;
}

export function registerCoreCommands(program: Command): void {
  program
    .command("import")
    .description("import report files and folders (recursive); the form is detected from the bytes")
    .argument("<paths...>", "files or folders")
    .addOption(dbOption())
    .option("-q, --quiet", "print failures and the summary only")
    .option("--json", "print the summary as one JSON line")
    .option("--sources-dir <dir>", "where each document's bytes are kept, by SHA-256 (default: <db>.data)")
    .option("--no-keep-sources", "do not keep the documents' bytes (they cannot be reprocessed later)")
    .addOption(
      new Option(
        "--timeout <seconds>",
        "time limit per PDF or Word document of a batch; its worker thread is stopped after it",
      )
        .default(120)
        .argParser((v) => {
          const n = Number(v);
          if (!(n > 0)) throw new InvalidArgumentError("a positive number of seconds");
          return n;
        }),
    )
    .addHelpText(
      "after",
      "\nExample:\n  zfxxgk import reports/2023 reports/2024 --db reports.sqlite\n\nExit code 1 when some documents failed (each failure is recorded in the documents table); 2 on a usage error or a missing path;\n130/143 when stopped by SIGINT/SIGTERM (the documents in flight are stored first).",
    )
    .action(async (paths: string[], opts) => {
      process.exitCode = await runImport(paths, opts);
    });
  program
    .command("eval")
    .description("score extraction against <file>.gold.json labels, with the same code path as import")
    .argument("<folders...>", "folders holding documents and their gold files")
    .option("--json", "end with one JSON line of totals")
    .option("-v, --verbose", "list every cell that is not exact")
    .addHelpText("after", "\nExample:\n  zfxxgk eval ../shared/corpus/real --json")
    .action(async (folders: string[], opts) => {
      process.exitCode = await runEval(folders, opts);
    });
  program
    .command("demo")
    .description("import the project's own corpus/ and print a cross-year comparison (what `npm start` runs)")
    .addOption(dbOption())
    .action(async (opts) => {
      process.exitCode = await runDemo(opts);
    });
}

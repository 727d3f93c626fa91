// The crawler commands: crawl (discover, fetch and import reports from portals) and runs (recent runs).
// What a command runs is imported when it runs (see src/cli/main.ts).
import { type Command, Option } from "commander";
import type { LogFormat } from "../../crawl/log.js";
import type { RunRow } from "../../crawl/runs.js";
import type { Politeness } from "../../crawl/sources.js";
import { dbOption, integerArg } from "../options.js";

/** Exit code when another run holds the lock (cron can tell "skipped" from "failed"). */
export const EXIT_LOCKED = 3;

interface CrawlCliOptions {
  sources?: string;
  explain?: string;
  db: string;
  data?: string;
  concurrency?: number;
  delay?: number;
  robots: boolean;
  maxMinutes?: number;
  log: LogFormat;
  json?: boolean;
}

function cliPoliteness(opts: { concurrency?: number; delay?: number; robots: boolean }): Partial<Politeness> {
  const politeness: Partial<Politeness> = {};
  if (opts.concurrency !== undefined) politeness.concurrencyPerHost = opts.concurrency;
  if (opts.delay !== undefined) politeness.delayMs = opts.delay;
  if (!opts.robots) politeness.robots = false;
  return politeness;
}

async function runExplain(url: string, opts: CrawlCliOptions): Promise<number> {
  const [{ loadSources }, { explain }] = await Promise.all([
    import("../../crawl/sources.js"),
    import("../../crawl/explain.js"),
  ]);
  let config: ReturnType<typeof loadSources> | undefined;
  try {
    if (opts.sources) config = loadSources(opts.sources);
    new URL(url.replace(/^POST /, "").split(" ")[0]);
  } catch (e) {
    process.stderr.write(`zfxxgk crawl --explain: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  const r = await explain(url, { config, politeness: cliPoliteness(opts) });
  process.stdout.write(`${r.lines.join("\n")}\n`);
  return r.page ? 0 : 1;
}

async function runCrawl(opts: CrawlCliOptions): Promise<number> {
  if (opts.explain) return runExplain(opts.explain, opts);
  const sources = opts.sources;
  if (!sources) {
    process.stderr.write("zfxxgk crawl: --sources <file> is required (or --explain <url>)\n");
    return 2;
  }
  const [
    { loadSources, SourcesError },
    { defaultDataDir },
    { crawl },
    { createLogger },
    { LockHeldError, formatFailureSummary },
  ] = await Promise.all([
    import("../../crawl/sources.js"),
    import("../../crawl/blobs.js"),
    import("../../crawl/crawler.js"),
    import("../../crawl/log.js"),
    import("../../crawl/runs.js"),
  ]);
  const [{ Store }, { DocumentWorkers }, { ignoreStrayRejections }] = await Promise.all([
    import("../../store/store.js"),
    import("../../import/workers.js"),
    import("../../import/bounds.js"),
  ]);
  // A stray rejection inside a document library must not end an unattended run.
  ignoreStrayRejections((line) => process.env.ZFXXGK_DEBUG && process.stderr.write(`[debug] ${line}\n`));
  let config: ReturnType<typeof loadSources>;
  try {
    config = loadSources(sources);
  } catch (e) {
    if (e instanceof SourcesError) {
      process.stderr.write(`zfxxgk crawl: bad sources file ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const log = createLogger(opts.log);
  const politeness = cliPoliteness(opts);
  const controller = new AbortController();
  const stop = (sig: string) => {
    if (controller.signal.aborted) process.exit(130);
    log.log("warn", "stopping", { signal: sig, note: "finishing requests in flight; the next run resumes" });
    controller.abort();
  };
  const onInt = () => stop("SIGINT");
  const onTerm = () => stop("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  const timer =
    opts.maxMinutes !== undefined
      ? setTimeout(() => stop("max-minutes"), opts.maxMinutes * 60_000)
      : undefined;
  timer?.unref();
  const store = new Store(opts.db, { sourcesDir: opts.data ?? defaultDataDir(opts.db) });
  const workers = new DocumentWorkers();
  try {
    const r = await crawl({
      store,
      config,
      dataDir: opts.data ?? defaultDataDir(opts.db),
      sourcesFile: sources,
      log,
      politeness,
      signal: controller.signal,
      workers,
    });
    const c = r.counts;
    const reasons = formatFailureSummary(r.failuresByReason);
    if (opts.json)
      process.stdout.write(
        `${JSON.stringify({ run: r.runId, status: r.status, ...c, failures_by_reason: r.failuresByReason })}\n`,
      );
    else
      process.stdout.write(
        `run ${r.runId} ${r.status}${r.resumed ? " (resumed)" : ""} in ${r.seconds.toFixed(1)} s: ${c.discovered} discovered, ${c.fetched} fetched, ${c.not_modified} not modified, ${c.skipped} skipped, ${c.new_reports} new reports, ${c.changed_reports} changed, ${c.failed} failed${reasons ? ` (${reasons})` : ""}\n`,
      );
    return r.status === "ok" ? 0 : 1;
  } catch (e) {
    if (e instanceof LockHeldError) {
      process.stderr.write(`zfxxgk crawl: ${e.message}\n`);
      return EXIT_LOCKED;
    }
    throw e;
  } finally {
    if (timer) clearTimeout(timer);
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
    await workers.close();
    store.close();
  }
}

function printRuns(rows: RunRow[], json: boolean, failuresOf?: number): void {
  if (json) {
    for (const r of rows)
      process.stdout.write(`${JSON.stringify({ ...r, failures: JSON.parse(r.failures) })}\n`);
    return;
  }
  if (failuresOf !== undefined) {
    const r = rows[0];
    process.stdout.write(`run ${r.id} ${r.status}, ${r.failed} failures\n`);
    for (const f of JSON.parse(r.failures) as { url: string; reason: string }[])
      process.stdout.write(`  ${f.url}  ${f.reason}\n`);
    if (r.error) process.stdout.write(`  error: ${r.error}\n`);
    return;
  }
  process.stdout.write(
    `${"run".padStart(5)}  ${"started".padEnd(24)} ${"status".padEnd(11)} ${"secs".padStart(6)} ${"found".padStart(6)} ${"fetched".padStart(7)} ${"304".padStart(6)} ${"new".padStart(5)} ${"changed".padStart(7)} ${"failed".padStart(6)}\n`,
  );
  for (const r of rows) {
    const secs = r.ended_at ? ((Date.parse(r.ended_at) - Date.parse(r.started_at)) / 1000).toFixed(0) : "-";
    process.stdout.write(
      `${String(r.id).padStart(5)}  ${r.started_at.padEnd(24)} ${r.status.padEnd(11)} ${secs.padStart(6)} ${String(r.discovered).padStart(6)} ${String(r.fetched).padStart(7)} ${String(r.not_modified).padStart(6)} ${String(r.new_reports).padStart(5)} ${String(r.changed_reports).padStart(7)} ${String(r.failed).padStart(6)}\n`,
    );
  }
}

export function registerCrawlCommands(program: Command): void {
  program
    .command("crawl")
    .description(
      "crawl the portals of a sources file: discover → fetch (politely) → store raw bytes → import",
    )
    .option("--sources <file>", "sources file (JSON; see README)")
    .option(
      "--explain <url>",
      "fetch one page and print what the crawler makes of it (family, page kind, links by role, why each is followed or not)",
    )
    .addOption(dbOption())
    .option("--data <dir>", "folder for the raw bytes (default: <db>.data)")
    .option(
      "--concurrency <n>",
      "requests in flight per host (overrides the sources file)",
      integerArg("--concurrency", 1),
    )
    .option(
      "--delay <ms>",
      "minimum gap between requests to one host (overrides the sources file)",
      integerArg("--delay", 0),
    )
    .option("--no-robots", "ignore robots.txt (only for your own test servers)")
    .option(
      "--max-minutes <n>",
      "stop handing out URLs after n minutes; the next run resumes",
      integerArg("--max-minutes", 1),
    )
    .addOption(
      new Option("--log <format>", "log lines on stderr")
        .choices(["auto", "json", "text", "none"])
        .default("auto"),
    )
    .option("--json", "print the run summary as one JSON line")
    .addHelpText(
      "after",
      "\nExamples:\n  zfxxgk crawl --sources sources.json --db reports.sqlite\n  zfxxgk crawl --explain https://www.example.gov.cn/xxgk/ndbg/index.html\n\nLogs are JSON lines when stderr is not a terminal. Exit code 0 when the run completed without\nfailures, 1 when some URLs or documents failed or the run was stopped, 2 on a bad sources file,\n3 when another run holds the lock on the database.",
    )
    .action(async (opts: CrawlCliOptions) => {
      process.exitCode = await runCrawl(opts);
    });
  program
    .command("runs")
    .description("list recent crawl runs (counts, status), or the failures of one run")
    .addOption(dbOption())
    .option("-n, --limit <n>", "how many runs", integerArg("--limit", 1), 20)
    .option("--run <id>", "show one run with its failures", integerArg("--run", 1))
    .option("--json", "one JSON object per run")
    .action(async (opts: { db: string; limit: number; run?: number; json?: boolean }) => {
      const [{ openReadOnly, NoDatabaseError }, { Runs }] = await Promise.all([
        import("../../store/store.js"),
        import("../../crawl/runs.js"),
      ]);
      let db: ReturnType<typeof openReadOnly>;
      try {
        db = openReadOnly(opts.db); // read-only: never waits for a crawl or an import
      } catch (e) {
        if (!(e instanceof NoDatabaseError)) throw e;
        process.stderr.write(`zfxxgk runs: ${e.message}\n`);
        process.exitCode = 2;
        return;
      }
      try {
        const runs = new Runs(db);
        if (opts.run !== undefined) {
          const r = runs.get(opts.run);
          if (!r) {
            process.stderr.write(`zfxxgk runs: no run ${opts.run}\n`);
            process.exitCode = 2;
            return;
          }
          printRuns([r], opts.json ?? false, opts.run);
        } else printRuns(runs.list(opts.limit), opts.json ?? false);
      } finally {
        db.close();
      }
    });
}

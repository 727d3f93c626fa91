// The store commands: versions (a report's versions, why each is or is not current; --pin/--unpin) and
// reprocess (re-extract stored documents after an extraction upgrade); also --version and quiet pipes.
// What a command runs is imported when it runs (see src/cli/main.ts).
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { type Command, InvalidArgumentError } from "commander";
import { findReport, UsageError } from "../../analyst/filters.js";
import { extractionVersion } from "../../extraction-version.js";
import type { ReprocessResult } from "../../import/reprocess.js";
import type { Store } from "../../store/store.js";
import { dbOption, runCommand, stopOnSignals } from "../options.js";

const noDatabase = (path: string) =>
  new UsageError(`no database at ${path} (import reports first, or pass --db)`);

const packageJson = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "package.json");

/** zfxxgk's version (package.json) and the extraction version it runs. */
export function versionText(): string {
  const pkg = JSON.parse(readFileSync(packageJson, "utf8")) as { version: string };
  return `zfxxgk ${pkg.version} (extraction ${extractionVersion()})`;
}

/** Output piped into `head` and closed early ends the command quietly, as other Unix tools do. */
function quietOnBrokenPipe(): void {
  for (const stream of [process.stdout, process.stderr])
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
      throw e;
    });
}

function docId(v: string): number {
  const n = Number(v.replace(/^#/, ""));
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError("a document id (a positive integer)");
  return n;
}

interface VersionRow {
  document_id: number;
  status: string;
  cells: number;
  origin: string;
  form: string;
  imported_at: string;
  extraction_version: number | null;
  version_reason: string | null;
  sha256: string;
}

function printVersions(db: Store["db"], ref: string, json: boolean): void {
  const r = findReport(db, ref);
  const rows = db
    .prepare(`SELECT d.id AS document_id, d.status, d.origin, d.form, d.imported_at, d.extraction_version,
        d.version_reason, d.sha256, (SELECT count(*) FROM cell_values v WHERE v.document_id = d.id) AS cells
      FROM documents d WHERE d.report_id = ? ORDER BY d.id DESC`)
    .all(r.report_id) as VersionRow[];
  const pinned = db.prepare("SELECT pinned_document_id FROM reports WHERE id = ?").pluck().get(r.report_id);
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ report: r, pinned_document_id: pinned, versions: rows }, null, 2)}\n`,
    );
    return;
  }
  process.stdout.write(
    `Report #${r.report_id} ${r.issuer_name ?? "(issuer unknown)"} ${r.report_year ?? "----"}\n`,
  );
  for (const v of rows)
    process.stdout.write(
      `  ${v.document_id === r.document_id ? "*" : " "} #${v.document_id} ${v.status.padEnd(10)} ${String(v.cells).padStart(4)} cells  ${v.form}  ${v.imported_at}  ${v.origin}\n      ${v.version_reason ?? ""}\n`,
    );
}

function describe(r: ReprocessResult): string {
  const where = `#${r.documentId} ${relative(process.cwd(), r.origin) || r.origin}`;
  if (r.outcome === "no_source") return `NO SOURCE ${where}: its bytes are not kept and its origin is gone`;
  if (r.error) return `FAILED ${where}: [${r.error.code}] ${r.error.message} (the stored extraction is kept)`;
  const d = r.diff!;
  if (r.outcome === "unchanged") return `unchanged ${where}`;
  const list = (ks: string[]) =>
    ks.length ? ` (${ks.slice(0, 4).join(", ")}${ks.length > 4 ? ", …" : ""})` : "";
  return (
    `changed   ${where}: ${d.changed.length} cells changed${list(d.changed)}, ${d.added.length} added${list(d.added)}, ` +
    `${d.removed.length} removed${list(d.removed)}${d.rules.length ? `; rules ${d.rules.map((x) => `${x.rule} ${x.from}→${x.to}`).join(", ")}` : ""}`
  );
}

export function registerStoreCommands(program: Command): void {
  quietOnBrokenPipe();
  program.version(versionText(), "-V, --version", "print zfxxgk's version and its extraction version");

  program
    .command("versions")
    .description("a report's stored versions and why each is or is not current; --pin/--unpin choose by hand")
    .argument("[report]", "report id, or ISSUER/YEAR")
    .option("--pin <doc>", "make this document its report's current version, whatever the evidence", docId)
    .option(
      "--unpin <doc>",
      "let the evidence choose the current version of this document's report again",
      docId,
    )
    .option("--json", "print the versions as JSON")
    .addOption(dbOption())
    .addHelpText(
      "after",
      `
A version with the standard tables is never superseded by one without (a stub pointing to an attachment,
a saved list page, a notice); between versions with tables the newer wins unless it has far fewer cells.

Examples:
  zfxxgk versions 江宁市人民政府/2023
  zfxxgk versions --pin 42`,
    )
    .action((ref: string | undefined, opts: { db: string; pin?: number; unpin?: number; json?: boolean }) =>
      runCommand(async () => {
        if (!existsSync(opts.db)) throw noDatabase(opts.db);
        const { openReadOnly, Store } = await import("../../store/store.js");
        const target = opts.pin ?? opts.unpin;
        if (target !== undefined) {
          const store = new Store(opts.db);
          try {
            const { reportId, current } = store.pin(target, opts.pin === undefined);
            process.stdout.write(
              `${opts.pin !== undefined ? `pinned #${target}` : `unpinned #${target}`}: report #${reportId}'s current version is #${current}\n`,
            );
            printVersions(store.db, String(reportId), opts.json ?? false);
          } finally {
            store.close();
          }
          return 0;
        }
        if (!ref) throw new UsageError("versions: give REPORT, or --pin DOC / --unpin DOC");
        const db = openReadOnly(opts.db);
        try {
          printVersions(db, ref, opts.json ?? false);
        } finally {
          db.close();
        }
        return 0;
      }),
    );

  program
    .command("reprocess")
    .description(
      "re-extract stored documents whose extraction is older than this zfxxgk's, from their kept bytes",
    )
    .option("--all", "re-extract every stored document, whatever its extraction version")
    .option("--dry-run", "report what would change; write nothing")
    .option("-q, --quiet", "print only changed and failed documents and the summary")
    .option("--json", "print the summary as one JSON line")
    .addOption(dbOption())
    .addHelpText(
      "after",
      `
Each document is re-extracted and written in its own transaction, keeping human corrections (the
corrections table). Stopped (Ctrl-C, SIGTERM, kill), it is resumed by running it again.

Exit code 0 when every document was re-extracted, 1 when some failed or had no kept bytes,
2 on a usage error, 130/143 when stopped by SIGINT/SIGTERM.`,
    )
    .action((opts: { db: string; all?: boolean; dryRun?: boolean; quiet?: boolean; json?: boolean }) =>
      runCommand(async () => {
        if (!existsSync(opts.db)) throw noDatabase(opts.db);
        const [{ Store }, { DocumentWorkers }, { documentsToReprocess, reprocess }, { createProgress }] =
          await Promise.all([
            import("../../store/store.js"),
            import("../../import/workers.js"),
            import("../../import/reprocess.js"),
            import("../progress.js"),
          ]);
        const store = new Store(opts.db);
        const workers = new DocumentWorkers();
        const stop = stopOnSignals();
        const progress = createProgress(documentsToReprocess(store, opts.all).length, { quiet: opts.quiet });
        try {
          const s = await reprocess(store, {
            all: opts.all,
            dryRun: opts.dryRun,
            workers,
            signal: stop.signal,
            onDocument: (r) => {
              const line = describe(r);
              if (r.outcome === "changed" && (opts.quiet || !process.stderr.isTTY))
                process.stdout.write(`${line}\n`);
              else if (r.outcome === "changed") process.stderr.write(`\r\x1b[K${line}\n`);
              progress.tick(line, r.outcome === "failed" || r.outcome === "no_source");
            },
          });
          progress.stop();
          const rules = Object.entries(s.rules)
            .map(([k, n]) => `${k} ${n}`)
            .join(", ");
          if (opts.json) process.stdout.write(`${JSON.stringify({ ...s, stopped: stop.code !== 0 })}\n`);
          else
            process.stdout.write(
              `${s.dryRun ? "would reprocess" : "reprocessed"} ${s.done} of ${s.documents} documents to extraction ${s.extractionVersion} in ${s.seconds.toFixed(1)} s: ` +
                `${s.changedDocuments} changed — ${s.cellsChanged} cells changed, ${s.cellsAdded} added, ${s.cellsRemoved} removed; ` +
                `rules changed status: ${rules || "none"}; ${s.failed} failed, ${s.noSource} without kept bytes\n` +
                (stop.code !== 0
                  ? `stopped by ${stop.name}: the documents above are stored; run zfxxgk reprocess again to continue\n`
                  : ""),
            );
          if (stop.code !== 0) return stop.code;
          return s.failed + s.noSource > 0 ? 1 : 0;
        } finally {
          stop.dispose();
          await workers.close();
          store.close();
        }
      }),
    );
}

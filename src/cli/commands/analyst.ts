// The analyst commands: compare, export, show, check, search and correct, over the views of migration 3.
// What a command runs is imported when it runs (see src/cli/main.ts).
import { existsSync } from "node:fs";
import { type Command, Option } from "commander";
import type { CompareCell, CompareResult } from "../../analyst/compare.js";
import { EXPORT_VIEWS, type ExportFormat } from "../../analyst/export.js";
import { parseYears, UsageError } from "../../analyst/filters.js";
import { padEnd, padStart, width } from "../../analyst/report-view.js";
import type { Store } from "../../store/store.js";
import { dbOption } from "../options.js";

async function openStore(path: string): Promise<Store> {
  if (!existsSync(path)) throw new UsageError(`no database at ${path} (import reports first, or pass --db)`);
  const { Store } = await import("../../store/store.js");
  return new Store(path);
}

/** Runs a command body; usage errors and refusals print one explanation and exit 2. */
async function run(body: () => Promise<number | undefined> | number | undefined): Promise<void> {
  try {
    process.exitCode = (await body()) ?? 0;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`zfxxgk: ${e.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw e;
  }
}

const whereOption = () =>
  new Option(
    "--where <term...>",
    "filter reports: FIELD=VALUE (comma list = any), FIELD!=VALUE, FIELD~TEXT, FIELD^=PREFIX; fields: issuer, province, prefecture, county, township, region, region_code, province_code, prefecture_code, county_code, region_status, level, region_level, kind, type, scope, format, year, report",
  );

// ---------------------------------------------------------------- compare

function cellValue(c: CompareCell | undefined): string {
  if (!c) return "";
  if (c.numbers > 0 && c.value !== null) return String(c.value);
  return c.status === "missing" ? "n/a" : c.status;
}

function cellMarks(c: CompareCell | undefined): string {
  if (!c) return "";
  return `${c.rulesFailed.length ? "*" : ""}${c.corrected ? "c" : ""}${c.derived ? "d" : ""}${c.numbers > 0 && c.numbers < c.reports ? "~" : ""}`;
}

function change(r: CompareResult["rows"][number], years: number[]): string {
  const nums = years
    .map((y) => r.cells[y])
    .filter((c): c is CompareCell => !!c && c.numbers > 0 && c.value !== null);
  if (nums.length < 2) return "";
  const a = nums[0].value!;
  const b = nums[nums.length - 1].value!;
  const d = b - a;
  const pct = a !== 0 ? ` (${d >= 0 ? "+" : ""}${((100 * d) / a).toFixed(0)}%)` : "";
  return `${d >= 0 ? "+" : ""}${Number(d.toFixed(2))}${pct}`;
}

function cellNotes(r: CompareResult["rows"][number], years: number[]): string {
  const notes: string[] = [];
  for (const y of years) {
    const c = r.cells[y];
    if (!c) continue;
    const n: string[] = [];
    if (c.rulesFailed.length) n.push(`${c.rulesFailed.join(",")} failed`);
    if (c.corrected) n.push("corrected");
    if (c.derived) n.push("derived");
    if (c.reports > 1) n.push(`sum of ${c.numbers} of ${c.reports} reports`);
    if (n.length) notes.push(`${y}: ${n.join(", ")}`);
  }
  return notes.join("; ");
}

function csvField(v: string | number | null): string {
  const s = v === null ? "" : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function formatCompare(res: CompareResult, format: "table" | "csv" | "json"): string {
  const { years } = res;
  if (format === "json") {
    return `${JSON.stringify(
      {
        metric: res.metric,
        label: res.info.label,
        comparability: res.info.comparability,
        by: res.by,
        kind: res.kind,
        years,
        warnings: res.warnings,
        notes: res.notes,
        rows: res.rows.map((r) => ({
          group: r.group,
          label: r.label,
          region_code: r.regionCode,
          region_path: r.regionPath,
          years: Object.fromEntries(
            years.map((y) => {
              const c = r.cells[y];
              return [
                y,
                c
                  ? {
                      value: c.numbers > 0 ? c.value : null,
                      status: c.status,
                      reports: c.reports,
                      numbers: c.numbers,
                      rules_failed: c.rulesFailed,
                      corrected: c.corrected,
                      derived: c.derived,
                      report_ids: c.reportIds,
                    }
                  : null,
              ];
            }),
          ),
        })),
      },
      null,
      2,
    )}\n`;
  }
  const groupCols =
    res.by === "issuer" ? ["issuer"] : res.by === "region" ? ["region_code", "region", "path"] : ["level"];
  const groupVals = (r: CompareResult["rows"][number]) =>
    res.by === "issuer" ? [r.label] : res.by === "region" ? [r.group, r.label, r.regionPath] : [r.label];
  if (format === "csv") {
    const lines = [[...groupCols, ...years.map(String), "change", "notes"].map(csvField).join(",")];
    for (const r of res.rows)
      lines.push(
        [...groupVals(r), ...years.map((y) => cellValue(r.cells[y])), change(r, years), cellNotes(r, years)]
          .map((v) => csvField(v ?? ""))
          .join(","),
      );
    return `\uFEFF${lines.join("\r\n")}\r\n`;
  }
  const label = (r: CompareResult["rows"][number]) =>
    res.by === "region" ? `${r.regionPath ?? r.label} (${r.group})` : r.label;
  const cells = res.rows.map((r) =>
    years.map((y) => {
      const c = r.cells[y];
      return `${cellValue(c)}${c && c.reports > 1 ? `(${c.reports})` : ""}${cellMarks(c)}`;
    }),
  );
  const head = res.by === "issuer" ? "issuer" : res.by === "region" ? "region" : "level";
  const labelW = Math.max(head.length, ...res.rows.map((r) => width(label(r)))) + 2;
  const colW = years.map((y, i) => Math.max(String(y).length, ...cells.map((c) => c[i].length)) + 2);
  const comp =
    res.info.comparability === "comparable"
      ? "comparable across GOP2019 and GOP2021"
      : res.info.comparability === "caution"
        ? "comparable with caution across GOP2019 and GOP2021"
        : `${res.info.gop2019 === "absent" ? "GOP2021" : "GOP2019"} only`;
  const out = [
    `${res.metric} — ${res.info.label}`,
    `${comp} · by ${res.by} · kind ${res.kind} · ${years.length ? `${years[0]}–${years[years.length - 1]}` : "no years"}`,
    "",
    `${padEnd(head, labelW)}${years.map((y, i) => padStart(String(y), colW[i])).join("")}  change`,
  ];
  res.rows.forEach((r, i) => {
    out.push(
      `${padEnd(label(r), labelW)}${cells[i].map((c, j) => padStart(c, colW[j])).join("")}  ${change(r, years)}`,
    );
  });
  if (res.rows.length === 0) out.push("(no reports match)");
  out.push(
    "",
    "* a rule failed on this cell (see `zfxxgk show`) · c corrected by hand · d derived from printed cells · (n) sum of n reports · ~ some of them printed no number",
    "blank/dash/slash: printed without a number (never read as 0) · n/a: the report has no such cell · empty: no report",
    ...res.notes,
  );
  return `${out.join("\n")}\n`;
}

// ---------------------------------------------------------------- register

export function registerAnalystCommands(program: Command): void {
  program
    .command("compare")
    .description(
      "one key across years (columns) by issuer, region or level; refuses keys not comparable across the years",
    )
    .requiredOption("--metric <key>", "canonical key, e.g. applications.new_received.total")
    .addOption(new Option("--by <what>", "rows").choices(["issuer", "region", "level"]).default("issuer"))
    .option("--years <years>", "e.g. 2019-2024, 2021, 2019,2021 (default: every year from 2019 with data)")
    .addOption(whereOption())
    .option(
      "--kind <kinds>",
      "report kinds: government, government_office, department, township, functional_zone, other, all (default: all by issuer, government by region or level)",
    )
    .addOption(new Option("--format <format>", "output").choices(["table", "csv", "json"]).default("table"))
    .addOption(dbOption())
    .addHelpText(
      "after",
      `
Examples:
  zfxxgk compare --metric applications.new_received.total --years 2019-2024
  zfxxgk compare --metric applications.new_received.total --by region --years 2019-2024 --where province=江苏省 level=county
  zfxxgk compare --metric appeals.review.total --by level --format csv > reviews.csv`,
    )
    .action((opts) =>
      run(async () => {
        const store = await openStore(opts.db);
        try {
          const { compare } = await import("../../analyst/compare.js");
          const res = compare(store.db, {
            metric: opts.metric,
            by: opts.by,
            years: parseYears(opts.years),
            where: opts.where,
            kind: opts.kind,
          });
          for (const w of res.warnings) process.stderr.write(`warning: ${w}\n`);
          // The table prints its notes under it; CSV and JSON keep standard output for the data.
          if (opts.format === "csv") for (const n of res.notes) process.stderr.write(`note: ${n}\n`);
          process.stdout.write(formatCompare(res, opts.format));
          return 0;
        } finally {
          store.close();
        }
      }),
    );

  program
    .command("export")
    .description("write a view as CSV (UTF-8 with BOM), JSON or Parquet")
    .addOption(
      new Option("--format <format>", "file format").choices(["csv", "json", "parquet"]).default("csv"),
    )
    .addOption(new Option("--view <view>", "what to export").choices([...EXPORT_VIEWS]).default("cells_long"))
    .addOption(whereOption())
    .option("--key <key>", "one key, or a key prefix such as applications.new_received")
    .option("-o, --out <file>", "file to write (default: standard output; required for parquet)")
    .addOption(dbOption())
    .addHelpText(
      "after",
      `
Examples:
  zfxxgk export --format csv --out cells.csv
  zfxxgk export --format parquet --view applications_wide --out applications.parquet
  zfxxgk export --format json --key applications.new_received --where province=江苏省`,
    )
    .action((opts) =>
      run(async () => {
        const store = await openStore(opts.db);
        try {
          const { exportData } = await import("../../analyst/export.js");
          const n = await exportData(store.db, {
            format: opts.format as ExportFormat,
            view: opts.view,
            where: opts.where,
            key: opts.key,
            out: opts.out,
          });
          if (opts.out) process.stderr.write(`exported ${n} rows of ${opts.view} to ${opts.out}\n`);
          return 0;
        } finally {
          store.close();
        }
      }),
    );

  program
    .command("show")
    .description("one report's tables as in the template, with statuses, failing rules, flags and sources")
    .argument("<report>", "report id, or ISSUER/YEAR (e.g. 江宁市人民政府/2023)")
    .option("--json", "every cell with its status, marks and source, as JSON")
    .addOption(dbOption())
    .action((ref: string, opts) =>
      run(async () => {
        const store = await openStore(opts.db);
        try {
          const { reportDetail, renderReport } = await import("../../analyst/report-view.js");
          const d = reportDetail(store.db, ref);
          if (opts.json)
            process.stdout.write(
              `${JSON.stringify({ report: d.report, rules: d.rules, flags: d.flags, versions: d.versions, cells: [...d.cells.values()] }, null, 2)}\n`,
            );
          else process.stdout.write(`${renderReport(d)}\n`);
          return 0;
        } finally {
          store.close();
        }
      }),
    );

  program
    .command("check")
    .description("cross-year rules as warnings per issuer and year: R7 carry-over chain, R8 stock and flow")
    .addOption(whereOption())
    .option("--all", "list passing and unknown instances too")
    .option("--json", "print the results as JSON")
    .addOption(dbOption())
    .action((opts) =>
      run(async () => {
        const store = await openStore(opts.db);
        try {
          const { checkCrossYear } = await import("../../analyst/crossyear.js");
          const s = checkCrossYear(store.db, { where: opts.where });
          if (opts.json) {
            process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
            return 0;
          }
          const shown = s.results.filter((r) => opts.all || r.status === "fail");
          for (const r of shown)
            process.stdout.write(
              `${r.status === "fail" ? "WARNING" : r.status.padEnd(7)} ${r.rule} ${r.issuer} ${r.year - 1}→${r.year} (#${r.prevReportId}→#${r.reportId}) ${r.message}\n`,
            );
          const c = s.counts;
          process.stdout.write(
            `R7 carry-over (上年结转 = last year's 结转下年度): ${c.R7.fail} warnings, ${c.R7.pass} pass, ${c.R7.unknown} unknown\n` +
              `R8 stock and flow (现行有效 = last year's + 制发 − 废止): ${c.R8.fail} warnings, ${c.R8.pass} pass, ${c.R8.unknown} unknown\n` +
              `${s.gaps} issuer-year pairs without the previous year's report. These are heuristics: issuers merge and split, and counts are restated.\n`,
          );
          return 0;
        } finally {
          store.close();
        }
      }),
    );

  program
    .command("search")
    .description(
      "full-text search of report prose (trigram; 1–2 character words by LIKE), with highlighted snippets",
    )
    .argument("<text...>", "words to find (all of them)")
    .option("--limit <n>", "most results", "20")
    .addOption(whereOption())
    .option("--json", "print the hits as JSON")
    .addOption(dbOption())
    .action((text: string[], opts) =>
      run(async () => {
        const store = await openStore(opts.db);
        try {
          const { searchProse } = await import("../../analyst/search.js");
          const color = process.stdout.isTTY && !process.env.NO_COLOR;
          const hits = searchProse(store.db, text.join(" "), {
            limit: Number(opts.limit),
            where: opts.where,
            open: color ? "\x1b[1;33m" : "【",
            close: color ? "\x1b[0m" : "】",
          });
          if (opts.json) process.stdout.write(`${JSON.stringify(hits, null, 2)}\n`);
          else {
            for (const h of hits)
              process.stdout.write(
                `#${h.report_id} ${h.issuer_name ?? "(issuer unknown)"} ${h.report_year ?? "----"} (${h.matches} match${h.matches === 1 ? "" : "es"})\n  ${h.snippet}\n`,
              );
            process.stdout.write(`${hits.length} report${hits.length === 1 ? "" : "s"}\n`);
          }
          return hits.length > 0 ? 0 : 1;
        } finally {
          store.close();
        }
      }),
    );

  program
    .command("correct")
    .description("store a human correction of one cell, apart from the extracted value (survives re-import)")
    .argument("[report]", "report id, or ISSUER/YEAR")
    .argument("[key]", "canonical key of a printed cell")
    .argument("[value]", "the right value (money in yuan), or blank, dash, slash")
    .option("--note <text>", "why: what the document shows, where")
    .option("--author <name>", "who corrects (default: $USER)")
    .option("--revert", "withdraw the active correction of this cell")
    .option("--list", "list corrections (of REPORT, or all)")
    .addOption(dbOption())
    .addHelpText(
      "after",
      `
Examples:
  zfxxgk correct 江宁市人民政府/2023 applications.carried_forward.total 39 --note "prose says 39; the table misprints 38"
  zfxxgk correct 10 applications.carried_forward.total --revert --note "the printed 38 is right"
  zfxxgk correct --list`,
    )
    .action((ref: string | undefined, key: string | undefined, value: string | undefined, opts) =>
      run(async () => {
        const store = await openStore(opts.db);
        try {
          const { addCorrection, listCorrections } = await import("../../analyst/corrections.js");
          if (opts.list) {
            const rows = listCorrections(store.db, ref);
            for (const k of rows)
              process.stdout.write(
                `${k.active ? "active " : "       "}#${k.id} report #${k.report_id} ${k.issuer_name ?? "?"} ${k.report_year ?? "?"} ${k.key}: ` +
                  `${k.status === "number" ? k.value : k.status} (extracted ${k.extracted_status === "number" ? k.extracted_value : (k.extracted_status ?? "nothing")}` +
                  `${k.outdated ? `; a newer version prints ${k.current_status === "number" ? k.current_value : (k.current_status ?? "nothing")}` : ""}) — ${k.note} [${k.author ?? "?"}, ${k.created_at}]\n`,
              );
            process.stdout.write(`${rows.length} correction${rows.length === 1 ? "" : "s"}\n`);
            return 0;
          }
          if (!ref || !key) throw new UsageError("correct: give REPORT KEY VALUE --note TEXT (or --list)");
          const o = addCorrection(store.db, {
            report: ref,
            key,
            value,
            note: opts.note,
            author: opts.author,
            revert: opts.revert,
          });
          const was = o.extracted
            ? o.extracted.status === "number"
              ? String(o.extracted.value)
              : o.extracted.status
            : "nothing";
          process.stdout.write(
            `${o.status === "reverted" ? "reverted" : "corrected"} report #${o.report.report_id} ${o.report.issuer_name ?? ""} ${o.report.report_year ?? ""} ${o.key}: ` +
              `extracted ${was} → ${o.status === "reverted" ? `${was} (as extracted)` : o.status === "number" ? o.value : o.status} (correction #${o.id})\n`,
          );
          return 0;
        } finally {
          store.close();
        }
      }),
    );
}

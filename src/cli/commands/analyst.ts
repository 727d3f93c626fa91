// The analyst commands: compare, export, show, check, search, correct, issuers and metadata.
// What a command runs is imported when it runs (see src/cli/main.ts).
import { existsSync, writeFileSync } from "node:fs";
import { type Command, InvalidArgumentError, Option } from "commander";
import { changeOf } from "../../analyst/change.js";
import type { CompareCell, CompareResult } from "../../analyst/compare.js";
import { parseYears, UsageError } from "../../analyst/filters.js";
import {
  CSV_BOM,
  csvLine,
  EXPORT_FORMATS,
  EXPORT_VIEWS,
  type ExportFormat,
  padEnd,
  padStart,
  width,
} from "../../analyst/formats.js";
import type { findIssuer } from "../../analyst/issuers.js";
import type { Store } from "../../store/store.js";
import { dbOption, runCommand } from "../options.js";

/** A database for a command that only reads: read-only, so it never waits for an import or a crawl. */
async function openReader(path: string): Promise<{ db: Store["db"]; close(): void }> {
  const { openReadOnly } = await import("../../store/store.js");
  const db = openReadOnly(path);
  return { db, close: () => db.close() };
}

/** A database for a command that writes (correct, issuers merge/split): it must exist. */
async function openWriter(path: string): Promise<Store> {
  if (!existsSync(path)) throw new UsageError(`no database at ${path} (import reports first, or pass --db)`);
  const { Store } = await import("../../store/store.js");
  return new Store(path);
}

/** A commander parser for a positive integer option: anything else is a usage error (exit 2). */
function positiveInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < 1)
      throw new InvalidArgumentError(`${name} must be a positive integer, not ${JSON.stringify(v)}`);
    return n;
  };
}

const whereOption = () =>
  new Option(
    "--where <term...>",
    "filter reports: FIELD=VALUE (comma list = any), FIELD!=VALUE, FIELD~TEXT, FIELD^=PREFIX; fields: issuer, province, prefecture, county, township, region, region_code, province_code, prefecture_code, county_code, region_status, level, region_level, kind, type, scope, format, year, report",
  );

// ---------------------------------------------------------------- compare

function cellValue(c: CompareCell | undefined, ratio = false): string {
  if (!c) return "";
  if (c.numbers > 0 && c.value !== null) return ratio ? c.value.toFixed(4) : String(c.value);
  return c.status === "missing" ? "n/a" : c.status;
}

function cellMarks(c: CompareCell | undefined): string {
  if (!c) return "";
  return `${c.rulesFailed.length ? "*" : ""}${c.corrected ? "c" : ""}${c.derived ? "d" : ""}${c.numbers > 0 && c.numbers < c.reports ? "~" : ""}`;
}

function change(r: CompareResult["rows"][number], years: number[], ratio = false): string {
  const c = changeOf(r, years);
  if (!c) return "";
  if ("reason" in c) return `(${c.reason})`;
  const d = ratio ? Number(c.delta.toFixed(4)) : Number(c.delta.toFixed(2));
  const pct = c.pct !== null && !ratio ? ` (${c.pct >= 0 ? "+" : ""}${c.pct.toFixed(0)}%)` : "";
  return `${d >= 0 ? "+" : ""}${d}${pct}`;
}

/** The change as numbers for CSV (delta, percent), or the reason there is none. */
function changeColumns(r: CompareResult["rows"][number], years: number[]): (number | string)[] {
  const c = changeOf(r, years);
  if (!c) return ["", ""];
  if ("reason" in c) return [`(${c.reason})`, ""];
  return [Number(c.delta.toFixed(4)), c.pct === null ? "" : Math.round(c.pct)];
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
  const typeOf = (r: CompareResult["rows"][number]) => r.group.split("|")[1] ?? "";
  const groupCols =
    res.by === "issuer"
      ? ["issuer"]
      : res.by === "region"
        ? ["region_code", "region", ...(res.types ? ["issuer_type"] : []), "path"]
        : ["level"];
  const groupVals = (r: CompareResult["rows"][number]) =>
    res.by === "issuer"
      ? [r.label]
      : res.by === "region"
        ? [r.regionCode, r.label, ...(res.types ? [typeOf(r)] : []), r.regionPath]
        : [r.label];
  if (format === "csv") {
    let out = CSV_BOM + csvLine([...groupCols, ...years.map(String), "change", "change_pct", "notes"]);
    for (const r of res.rows)
      out += csvLine([
        ...groupVals(r),
        ...years.map((y) => cellValue(r.cells[y], !!res.ratio)),
        ...changeColumns(r, years),
        cellNotes(r, years),
      ]);
    return out;
  }
  const label = (r: CompareResult["rows"][number]) =>
    res.by === "region" ? `${r.regionPath ?? r.label} (${r.group.replace("|", ", ")})` : r.label;
  const cells = res.rows.map((r) =>
    years.map((y) => {
      const c = r.cells[y];
      return `${cellValue(c, !!res.ratio)}${c && c.reports > 1 ? `(${c.reports})` : ""}${cellMarks(c)}`;
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
      `${padEnd(label(r), labelW)}${cells[i].map((c, j) => padStart(c, colW[j])).join("")}  ${change(r, years, !!res.ratio)}`,
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
    .option("--metric <key>", "canonical key, e.g. applications.new_received.total")
    .option(
      "--ratio <num/den>",
      "a ratio of two keys per cell instead of --metric, e.g. granted/new_received (short forms: applications.<x>.total, applications.result.<x>.total)",
    )
    .option(
      "--merge-types",
      "--by region: sum all issuer types of a place into one row (default: one row per place and type)",
    )
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
      runCommand(async () => {
        const store = await openReader(opts.db);
        try {
          if (!opts.metric === !opts.ratio)
            throw new UsageError("compare: give --metric KEY or --ratio NUM/DEN");
          const { compare, compareRatio } = await import("../../analyst/compare.js");
          const run = opts.ratio ? compareRatio : compare;
          const res = run(store.db, {
            metric: opts.metric,
            ratio: opts.ratio,
            mergeTypes: opts.mergeTypes,
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
    .description("write a view as CSV (UTF-8 with BOM), JSON, Parquet or XLSX")
    .addOption(new Option("--format <format>", "file format").choices([...EXPORT_FORMATS]).default("csv"))
    .addOption(new Option("--view <view>", "what to export").choices([...EXPORT_VIEWS]).default("cells_long"))
    .addOption(whereOption())
    .option("--key <key>", "one key, or a key prefix such as applications.new_received")
    .option("-o, --out <file>", "file to write (default: standard output; required for parquet and xlsx)")
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
      runCommand(async () => {
        const store = await openReader(opts.db);
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
      runCommand(async () => {
        const store = await openReader(opts.db);
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
      runCommand(async () => {
        const store = await openReader(opts.db);
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
    .option("--limit <n>", "most results (a positive integer)", positiveInt("--limit"), 20)
    .addOption(whereOption())
    .option("--json", "print the hits as JSON")
    .addOption(dbOption())
    .action((text: string[], opts) =>
      runCommand(async () => {
        const store = await openReader(opts.db);
        try {
          const { searchProse } = await import("../../analyst/search.js");
          const color = process.stdout.isTTY && !process.env.NO_COLOR;
          const { total, hits } = searchProse(store.db, text.join(" "), {
            limit: opts.limit,
            where: opts.where,
            open: color ? "\x1b[1;33m" : "【",
            close: color ? "\x1b[0m" : "】",
          });
          if (opts.json) process.stdout.write(`${JSON.stringify({ total, hits }, null, 2)}\n`);
          else {
            for (const h of hits)
              process.stdout.write(
                `#${h.report_id} ${h.issuer_name ?? "(issuer unknown)"} ${h.report_year ?? "----"} (${h.matches} match${h.matches === 1 ? "" : "es"})\n  ${h.snippet}\n`,
              );
            process.stdout.write(
              `${total} report${total === 1 ? "" : "s"} match${total === 1 ? "es" : ""}${total > hits.length ? ` (the first ${hits.length} shown; --limit shows more)` : ""}\n`,
            );
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
      runCommand(async () => {
        const store = await openWriter(opts.db);
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
          // In the store's write transaction: another writer (an import) is waited for, and said so.
          const o = store.write(() =>
            addCorrection(store.db, {
              report: ref,
              key,
              value,
              note: opts.note,
              author: opts.author,
              revert: opts.revert,
            }),
          );
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

  program
    .command("issuers")
    .description("government bodies across years and name variants: list, show, merge or split by hand")
    .argument("[action]", "list (default), show ISSUER, merge ISSUER INTO, split NAME")
    .argument("[a]", "issuer id or a name it used")
    .argument("[b]", "merge: the issuer it joins")
    .option("--name <text>", "list: issuers with a name containing TEXT")
    .option("--limit <n>", "list: most rows (a positive integer)", positiveInt("--limit"), 100)
    .option("--note <text>", "merge/split: why (kept with the override)")
    .option("--author <name>", "merge/split: who (default: $USER)")
    .option("--json", "print JSON")
    .addOption(dbOption())
    .addHelpText(
      "after",
      `
Examples:
  zfxxgk issuers --name 洪泽
  zfxxgk issuers show 洪泽区人民政府
  zfxxgk issuers merge 白沙镇人民政府 青溪区白沙镇人民政府 --note "the same town government; the 2023 report omits its district"
  zfxxgk issuers split 江宁区政务服务管理办公室 --note "a different body from 江宁区人民政府办公室"`,
    )
    .action((action: string | undefined, a: string | undefined, b: string | undefined, opts) =>
      runCommand(async () => {
        const store =
          action === "merge" || action === "split" ? await openWriter(opts.db) : await openReader(opts.db);
        try {
          const { findIssuer, issuerAliases, listIssuers, mergeIssuers, splitIssuer } = await import(
            "../../analyst/issuers.js"
          );
          const db = store.db;
          const print = (x: unknown, text: string) =>
            process.stdout.write(opts.json ? `${JSON.stringify(x, null, 2)}\n` : text);
          const line = (i: ReturnType<typeof findIssuer>) =>
            `#${i.id} ${i.canonical_name} · ${i.issuer_type} · ${i.region_code ?? "no region"}${i.region_name ? ` ${i.region_name}` : ""} · ${i.first_year ?? "?"}–${i.last_year ?? "?"} · ${i.reports} report${i.reports === 1 ? "" : "s"}${i.names?.includes(",") ? ` · names: ${i.names}` : ""}\n`;
          switch (action ?? "list") {
            case "list": {
              const rows = listIssuers(db, { name: opts.name, limit: opts.limit });
              print(rows, `${rows.map(line).join("")}${rows.length} issuer${rows.length === 1 ? "" : "s"}\n`);
              return 0;
            }
            case "show": {
              if (!a) throw new UsageError("issuers show ISSUER");
              const i = findIssuer(db, a);
              const aliases = issuerAliases(db, i.id);
              print(
                { ...i, aliases },
                `${line(i)}${aliases.map((x) => `  ${x.report_year ?? "----"} #${x.report_id} doc ${x.document_id} ${x.name}${x.raw_name && x.raw_name !== x.name ? ` (raw: ${x.raw_name})` : ""}\n    ${x.reason}\n`).join("")}`,
              );
              return 0;
            }
            case "merge": {
              if (!a || !b) throw new UsageError("issuers merge ISSUER INTO --note TEXT");
              // In the store's write transaction: another writer is waited for, and said so.
              const i = (store as Store).write(() => mergeIssuers(db, a, b, opts.note, opts.author));
              print(i, `merged: ${line(i)}`);
              return 0;
            }
            case "split": {
              if (!a) throw new UsageError("issuers split NAME --note TEXT");
              const i = (store as Store).write(() => splitIssuer(db, a, opts.note, opts.author));
              print(i, `split: ${line(i)}`);
              return 0;
            }
            default:
              throw new UsageError(`issuers ${action}: one of list, show, merge, split`);
          }
        } finally {
          store.close();
        }
      }),
    );

  program
    .command("metadata")
    .description(
      "write a Datasette metadata.json: titles, descriptions, units, Chinese column labels, source, licence",
    )
    .option("-o, --out <file>", "file to write (default: standard output)")
    .addOption(dbOption())
    .addHelpText(
      "after",
      "\nExample:\n  zfxxgk metadata --out metadata.json && datasette zfxxgk.sqlite -m metadata.json",
    )
    .action((opts) =>
      runCommand(async () => {
        const store = await openReader(opts.db);
        try {
          const { buildMetadata } = await import("../../analyst/metadata.js");
          const json = `${JSON.stringify(buildMetadata(store.db, { dbPath: opts.db }), null, 2)}\n`;
          if (opts.out) writeFileSync(opts.out, json);
          else process.stdout.write(json);
          return 0;
        } finally {
          store.close();
        }
      }),
    );
}

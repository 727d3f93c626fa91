// The workbench screens other than one report: the report list, compare, year-over-year diff, the
// review queue and crawl runs. Each returns the body markup; the server wraps it in the page frame.

import { keyCatalog } from "../analyst/catalog.js";
import type { CompareResult } from "../analyst/compare.js";
import type { CellView } from "../analyst/report-view.js";
import { html, jsonBlock, qs, type Safe } from "./html.js";
import type {
  CellChange,
  CrawlRun,
  ParagraphChange,
  ReportFilter,
  ReportListRow,
  ReviewItem,
  runDocuments,
} from "./queries.js";

function select(name: string, value: string | undefined, choices: string[], any = "any"): Safe {
  return html`<select name="${name}"><option value="">${any}</option>${choices.map(
    (c) => html`<option${value === c ? html` selected` : ""}>${c}</option>`,
  )}</select>`;
}

function input(name: string, value: string | undefined, placeholder: string, size = 12): Safe {
  return html`<input name="${name}" value="${value ?? ""}" placeholder="${placeholder}" size="${size}">`;
}

export function errorBody(message: string): Safe {
  return html`<p class="error">${message}</p>`;
}

// ---------------------------------------------------------------- reports

export function reportsBody(
  f: ReportFilter,
  choices: Record<string, string[]>,
  list: { rows: ReportListRow[]; total: number; pages: number },
  pageNo: number,
  ms: number,
): Safe {
  const params = { ...f } as Record<string, string | undefined>;
  const link = (p: number) => `/reports${qs({ ...params, page: p })}`;
  const p = Math.min(Math.max(1, pageNo), list.pages);
  return html`<h1>Reports</h1>
<form class="filters" method="get" action="/reports">
${input("issuer", f.issuer, "issuer contains", 16)} ${input("region", f.region, "region contains", 10)}
${select("level", f.level, choices.level, "any level")} ${select("type", f.type, choices.type, "any type")}
${input("year", f.year, "year(s)", 8)} ${select("format", f.format, choices.format, "any format")}
${select("tables", f.tables, ["standard", "none"], "tables: any")}
${select("problems", f.problems, ["rules", "flags", "clean"], "problems: any")}
${input("where", f.where, "more --where terms, e.g. province=江苏省", 26)}
<button type="submit">Filter</button> <a href="/reports">clear</a>
</form>
<p class="count"><span id="total">${list.total}</span> reports · page ${p} of ${list.pages} <span class="ms">(${ms.toFixed(0)} ms)</span></p>
<table class="list" id="report-list"><thead><tr><th>#</th><th>issuer</th><th>year</th><th>format</th><th>level</th><th>type</th><th>region</th><th>form</th><th>rules failed</th><th>flags</th></tr></thead>
<tbody>${list.rows.map(
    (
      r,
    ) => html`<tr><td><a href="/reports/${r.report_id}">${r.report_id}</a></td><td><a href="/reports/${r.report_id}">${r.issuer_name ?? "(issuer unknown)"}</a></td>
<td>${r.report_year ?? ""}</td><td>${r.format_version}</td><td>${r.admin_level}</td><td>${r.issuer_type}</td>
<td>${r.region_name ?? ""}</td><td>${r.form ?? ""}</td><td class="${r.rules_failed ? "bad" : ""}">${r.rules_failed ?? ""}</td><td>${r.flags || ""}</td></tr>`,
  )}</tbody></table>
<nav class="pager">${p > 1 ? html`<a href="${link(1)}">first</a> <a href="${link(p - 1)}" rel="prev">previous</a>` : ""}
${p < list.pages ? html`<a href="${link(p + 1)}" rel="next">next</a> <a href="${link(list.pages)}">last</a>` : ""}</nav>`;
}

// ---------------------------------------------------------------- compare

export interface CompareForm {
  metric?: string;
  by?: string;
  years?: string;
  where?: string;
  kind?: string;
  year?: string;
}

/** The key list for the metric box: each key with its Chinese label, searchable in the browser's datalist. */
function keyOptions(): Safe {
  return html`<datalist id="keys">${keyCatalog().map((k) => html`<option value="${k.key}">${k.label}</option>`)}</datalist>`;
}

function cellShown(c: CompareResult["rows"][number]["cells"][number] | undefined): string {
  if (!c) return "";
  if (c.numbers > 0 && c.value !== null) return String(c.value);
  return c.status === "missing" ? "n/a" : c.status;
}

export function compareBody(
  form: CompareForm,
  res: CompareResult | undefined,
  error: string | undefined,
): Safe {
  const q = qs({ ...form });
  const years = res?.years ?? [];
  const barYear = Number(form.year) || years[years.length - 1];
  return html`<h1>Compare</h1>
<form class="filters" method="get" action="/compare" id="compare-form">
<label>key <input name="metric" list="keys" value="${form.metric ?? ""}" placeholder="key or 中文 label" size="40" id="metric"></label>
<span id="metric-label" class="note">${res ? res.info.label : ""}</span>
${keyOptions()}
<label>by ${select("by", form.by ?? "issuer", ["issuer", "region", "level"], "issuer")}</label>
${input("years", form.years, "years, e.g. 2019-2024", 12)}
${input("where", form.where, "--where, e.g. province=江苏省 level=county", 30)}
${input("kind", form.kind, "kind (default per --by)", 14)}
${input("year", form.year, "bar chart year", 8)}
<button type="submit">Compare</button>
</form>
${error ? html`<p class="error" id="compare-error">${error}</p>` : ""}
${
  res
    ? html`<ul class="warnings" id="warnings">${res.warnings.map((w) => html`<li>warning: ${w}</li>`)}${res.notes.map((n) => html`<li class="note">note: ${n}</li>`)}</ul>
<p>${res.metric} — ${res.info.label} · ${res.info.comparability} · by ${res.by} · kind ${res.kind} · ${res.rows.length} rows
· download <a href="/compare.csv${q}" download>CSV</a> <a href="/compare.xlsx${q}" download>XLSX</a></p>
<div class="charts"><figure><figcaption>Trend across years</figcaption><div id="trend-chart" class="chart"></div></figure>
<figure><figcaption>Across ${res.by === "region" ? "places" : res.by === "level" ? "levels" : "issuers"}, ${barYear ?? ""}</figcaption><div id="bar-chart" class="chart"></div></figure></div>
<table class="list" id="compare-table"><thead><tr><th>${res.by}</th>${years.map((y) => html`<th>${y}</th>`)}</tr></thead>
<tbody>${res.rows.map(
        (r) =>
          html`<tr><th class="label">${res.by === "region" ? `${r.regionPath ?? r.label} (${r.group})` : r.label}</th>${years.map(
            (y) => {
              const c = r.cells[y];
              const marks = c
                ? `${c.rulesFailed.length ? "*" : ""}${c.corrected ? "c" : ""}${c.derived ? "d" : ""}`
                : "";
              const link = c && c.reportIds.length === 1 ? `/reports/${c.reportIds[0]}` : "";
              return html`<td class="v" data-year="${y}">${link ? html`<a href="${link}">${cellShown(c)}</a>` : cellShown(c)}${marks ? html`<sup>${marks}</sup>` : ""}${c && c.reports > 1 ? html`<small> (${c.reports})</small>` : ""}</td>`;
            },
          )}</tr>`,
      )}</tbody></table>
<p class="legend">* a rule failed on this cell · c corrected by hand · d derived from printed cells · (n) sum of n reports · blank/dash/slash: printed without a number (never read as 0) · n/a: the report has no such cell</p>
${jsonBlock("compare-data", {
  years,
  barYear,
  rows: res.rows.map((r) => ({
    label: res.by === "region" ? (r.label ?? r.group) : r.label,
    values: years.map((y) => {
      const c = r.cells[y];
      return c && c.numbers > 0 ? c.value : null;
    }),
  })),
})}`
    : ""
}`;
}

// ---------------------------------------------------------------- year over year

function shownCell(c: CellView | undefined): string {
  if (!c) return "—";
  return c.status === "number" || c.status === "derived" ? String(c.value) : c.status;
}

export function diffBody(opts: {
  issuer: string;
  suggestions: string[];
  reports: { report_id: number; report_year: number; format_version: string }[];
  a?: { report_id: number; report_year: number };
  b?: { report_id: number; report_year: number };
  cells?: CellChange[];
  paragraphs?: ParagraphChange[];
  rules?: { rule: string; before: string; after: string }[];
  labelOf: (key: string) => string;
}): Safe {
  const { a, b } = opts;
  const prose = (opts.paragraphs ?? []).filter((p) => p.kind !== "same");
  return html`<h1>Year over year</h1>
<form class="filters" method="get" action="/diff">
<input name="issuer" value="${opts.issuer}" placeholder="issuer" size="30" list="issuers">
<datalist id="issuers">${opts.suggestions.map((s) => html`<option value="${s}">`)}</datalist>
${
  opts.reports.length
    ? html`${select(
        "a",
        a ? String(a.report_year) : undefined,
        opts.reports.map((r) => String(r.report_year)),
        "from",
      )} ${select(
        "b",
        b ? String(b.report_year) : undefined,
        opts.reports.map((r) => String(r.report_year)),
        "to",
      )}`
    : ""
}
<button type="submit">Show</button></form>
${
  a && b
    ? html`<h2>${opts.issuer}: <a href="/reports/${a.report_id}">${a.report_year}</a> → <a href="/reports/${b.report_id}">${b.report_year}</a></h2>
<h3>Table cells that changed (${opts.cells?.length ?? 0})</h3>
<table class="list" id="diff-cells"><thead><tr><th>key</th><th>label</th><th>${a.report_year}</th><th>${b.report_year}</th><th>change</th></tr></thead><tbody>${(
        opts.cells ?? []
      ).map((c) => {
        const d =
          c.before?.value != null &&
          c.after?.value != null &&
          c.before.status !== "text" &&
          c.after.status !== "text"
            ? c.after.value - c.before.value
            : null;
        return html`<tr><td>${c.key}</td><td>${opts.labelOf(c.key)}</td><td>${shownCell(c.before)}</td><td>${shownCell(c.after)}</td><td>${d === null ? "" : `${d >= 0 ? "+" : ""}${Number(d.toFixed(2))}`}</td></tr>`;
      })}</tbody></table>
<h3>Rules that changed status</h3>
<ul id="diff-rules">${(opts.rules ?? []).map((r) => html`<li><b>${r.rule}</b> ${r.before} → ${r.after}</li>`)}</ul>
<h3>Prose: ${prose.filter((p) => p.kind === "added").length} added, ${prose.filter((p) => p.kind === "removed").length} removed, ${prose.filter((p) => p.kind === "changed").length} changed paragraphs</h3>
<div class="prose-diff" id="diff-prose">${prose.map((p) =>
        p.kind === "changed"
          ? html`<div class="changed"><p class="del">${p.before}</p><p class="ins">${p.after}</p></div>`
          : p.kind === "added"
            ? html`<p class="ins">${p.text}</p>`
            : p.kind === "removed"
              ? html`<p class="del">${p.text}</p>`
              : "",
      )}</div>`
    : opts.issuer
      ? html`<p class="note">${opts.reports.length < 2 ? "This issuer has fewer than two reports with a year." : "Pick two years."}</p>`
      : html`<p class="note">Pick an issuer (type part of its name).</p>`
}`;
}

// ---------------------------------------------------------------- review

export function reviewBody(opts: {
  items: ReviewItem[];
  total: number;
  pageNo: number;
  pages: number;
  labelOf: (key: string) => string;
  positionOf: (item: ReviewItem) => string;
  form: (item: ReviewItem) => Safe | null;
  done?: string;
}): Safe {
  const link = (p: number) => `/review${qs({ page: p })}`;
  return html`<h1>Review queue</h1>
${opts.done ? html`<p class="done" id="review-done">${opts.done}</p>` : ""}
<p>${opts.total} flags and failing rules on current reports, most important first (failing rules by the size of the disagreement, totals first). Items whose first cell was corrected or confirmed leave the queue.</p>
<ol class="review" id="review-list">${opts.items.map(
    (it) => html`<li data-report="${it.report_id}" data-key="${it.key}">
<p><a href="/reports/${it.report_id}#${it.key}">#${it.report_id} ${it.issuer_name ?? "(issuer unknown)"} ${it.report_year ?? ""}</a>
<b class="sev-${it.severity}">${it.code}</b> ${it.margin > 0 ? html`<span class="margin">off by ${(it.margin * 100).toFixed(1)}%</span>` : ""}</p>
<p>${it.message}</p>
<p class="cell">cell <code>${it.key}</code> ${opts.labelOf(it.key)} · ${opts.positionOf(it)}${it.keys.length > 1 ? ` · covers ${it.keys.length} cells` : ""}</p>
${opts.form(it) ?? ""}</li>`,
  )}</ol>
<nav class="pager">${opts.pageNo > 1 ? html`<a href="${link(opts.pageNo - 1)}">previous</a>` : ""} page ${opts.pageNo} of ${opts.pages} ${opts.pageNo < opts.pages ? html`<a href="${link(opts.pageNo + 1)}">next</a>` : ""}</nav>`;
}

/** The correct-or-confirm form of one cell; posted with the launch's CSRF value. */
export function correctionForm(reportId: number, key: string, csrf: string, back: string): Safe {
  return html`<form class="correct" method="post" action="/corrections">
<input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="report" value="${reportId}">
<input type="hidden" name="key" value="${key}"><input type="hidden" name="back" value="${back}">
<input name="value" placeholder="right value, or blank/dash/slash" size="16">
<input name="note" placeholder="reason (required)" size="28" required>
<input name="author" placeholder="your name" size="10">
<button type="submit" name="action" value="correct">Correct</button>
<button type="submit" name="action" value="confirm">Confirm printed value</button>
</form>`;
}

// ---------------------------------------------------------------- crawl runs

export function runsBody(runs: CrawlRun[]): Safe {
  return html`<h1>Crawl runs</h1>
${runs.length === 0 ? html`<p class="note">No crawl runs in this database (<code>zfxxgk crawl</code> records them).</p>` : ""}
<table class="list" id="runs"><thead><tr><th>#</th><th>started</th><th>ended</th><th>status</th><th>discovered</th><th>fetched</th><th>304</th><th>skipped</th><th>new reports</th><th>changed</th><th>unchanged</th><th>failed</th><th>MB</th></tr></thead>
<tbody>${runs.map(
    (
      r,
    ) => html`<tr><td><a href="/runs/${r.id}">${r.id}</a></td><td>${r.started_at}</td><td>${r.ended_at ?? ""}</td><td>${r.status}</td><td>${r.discovered}</td><td>${r.fetched}</td>
<td>${r.not_modified}</td><td>${r.skipped}</td><td>${r.new_reports}</td><td>${r.changed_reports}</td><td>${r.unchanged_documents}</td><td class="${r.failed ? "bad" : ""}">${r.failed}</td><td>${(r.bytes / 1e6).toFixed(1)}</td></tr>`,
  )}</tbody></table>`;
}

export function runBody(run: CrawlRun, docs: ReturnType<typeof runDocuments>): Safe {
  let failures: { url: string; reason: string }[] = [];
  try {
    failures = JSON.parse(run.failures);
  } catch {}
  return html`<h1>Crawl run #${run.id} <span class="tag">${run.status}</span></h1>
<p>${run.started_at} → ${run.ended_at ?? "running"} · sources ${run.sources_file ?? ""} · ${run.fetched} fetched, ${run.new_reports} new reports, ${run.changed_reports} changed, ${run.failed} failed${run.error ? html` · <b>${run.error}</b>` : ""}</p>
<h2>Documents (${docs.length})</h2>
<table class="list"><thead><tr><th>document</th><th>form</th><th>status</th><th>report</th><th>url</th></tr></thead><tbody>${docs.map(
    (
      d,
    ) => html`<tr><td>#${d.document_id}</td><td>${d.form}</td><td>${d.status}${d.error_code ? ` (${d.error_code})` : ""}</td>
<td>${d.report_id ? html`<a href="/reports/${d.report_id}">#${d.report_id} ${d.issuer_name ?? ""} ${d.report_year ?? ""}</a>` : ""}</td><td class="url">${d.url}</td></tr>`,
  )}</tbody></table>
<h2>Failures (${failures.length})</h2>
<ul>${failures.map((f) => html`<li><span class="url">${f.url}</span>: ${f.reason}</li>`)}</ul>`;
}

export { jsonBlock };

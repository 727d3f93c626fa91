// The report screen: the report's tables as the template prints them, each cell with its status and marks,
// the source beside them, and the rules, flags, corrections and versions below.
import {
  keyCatalog,
  keyInfo,
  T2_COLUMN_LABEL,
  T3_ALL_COLUMNS,
  T3_COLUMN_LABEL,
  T4_GROUP_LABEL,
  T4_OUTCOME_LABEL,
  t3TemplateRows,
} from "../analyst/catalog.js";
import type { CellView, ReportDetail } from "../analyst/report-view.js";
import { T2_ROWS, versionKeys } from "../normalize/template.js";
import { html, jsonBlock, type Safe } from "./html.js";
import type { CellPosition } from "./queries.js";

const STATUS_TEXT: Record<string, string> = { blank: "blank", dash: "-", slash: "/" };

function shown(c: CellView): string {
  if (c.status === "number" || c.status === "derived") return c.value === null ? "" : String(c.value);
  return STATUS_TEXT[c.status] ?? c.raw ?? c.status;
}

/** One value cell: its value or status, its marks, and what the side panel needs to explain it. */
function valueCell(key: string, c: CellView | undefined, expected: boolean): Safe {
  if (!c)
    return expected
      ? html`<td class="v missing" data-key="${key}" title="expected by the template but not found">?</td>`
      : html`<td class="v none"></td>`;
  const cls = [
    "v",
    `s-${c.status}`,
    c.rulesFailed.length ? "rule" : "",
    c.corrected ? "corr" : "",
    c.flags.length ? "flag" : "",
  ].filter(Boolean);
  const marks = `${c.rulesFailed.length ? "*" : ""}${c.corrected ? "c" : ""}${c.derived ? "d" : ""}${c.flags.length ? "!" : ""}`;
  return html`<td class="${cls.join(" ")}" data-key="${key}" tabindex="0">${shown(c)}${marks ? html`<sup>${marks}</sup>` : ""}</td>`;
}

function table(
  title: string,
  header: string[],
  rows: { label: string; keys: string[] }[],
  d: ReportDetail,
  expected: Set<string>,
): Safe {
  return html`<h3>${title}</h3><table class="tpl"><thead><tr>${header.map((h) => html`<th>${h}</th>`)}</tr></thead><tbody>${rows.map(
    (r) =>
      html`<tr><th class="label">${r.label}</th>${r.keys.map((k) => valueCell(k, d.cells.get(k), expected.has(k)))}</tr>`,
  )}</tbody></table>`;
}

/** The three tables in template layout (rows and columns the report has or the template expects). */
export function templateTables(d: ReportDetail): Safe {
  const version = String(d.report.format_version);
  const expected = new Set(version === "GOP2019" || version === "GOP2021" ? versionKeys(version) : []);
  const show = (key: string) => d.cells.has(key) || expected.has(key);
  const catalog = keyCatalog();
  const parts: Safe[] = [];

  // Table 2: each block of 第二十条 with its own columns.
  const blocks: { block: string; cols: string[]; rows: { label: string; keys: string[] }[] }[] = [];
  for (const row of T2_ROWS) {
    const keys = catalog
      .filter((k) => k.key.startsWith(`active.${row.block}.${row.row}.`) && show(k.key))
      .map((k) => k.key);
    if (keys.length === 0) continue;
    const cols = keys.map((k) => T2_COLUMN_LABEL[k.split(".").pop()!] ?? k);
    const last = blocks[blocks.length - 1];
    const label =
      row.row === "normative_docs" ? "规范性文件" : (keyInfo(keys[0])?.label.split(" × ")[0] ?? row.row);
    if (last && last.block === row.block && last.cols.join() === cols.join()) last.rows.push({ label, keys });
    else blocks.push({ block: row.block, cols, rows: [{ label, keys }] });
  }
  const BLOCK = { art20_1: "一", art20_5: "五", art20_6: "六", art20_8: "八", art20_9: "九" } as Record<
    string,
    string
  >;
  if (blocks.length) {
    parts.push(html`<h2>二、主动公开政府信息情况</h2>`);
    for (const b of blocks)
      parts.push(table(`第二十条第（${BLOCK[b.block]}）项`, ["信息内容", ...b.cols], b.rows, d, expected));
  }

  // Table 3: template rows × the seven columns and the derived 法人或其他组织 subtotal.
  const t3 = t3TemplateRows(show);
  if (t3.length)
    parts.push(
      html`<h2>三、收到和处理政府信息公开申请情况</h2>`,
      table("", ["", ...T3_ALL_COLUMNS.map((c) => T3_COLUMN_LABEL[c])], t3, d, expected),
    );

  // Table 4: review and litigation groups × five outcomes.
  const outcomes = ["upheld", "corrected", "other", "pending", "total"];
  const t4 = ["review", "litigation_direct", "litigation_after_review", "litigation_total"]
    .map((g) => ({ label: T4_GROUP_LABEL[g], keys: outcomes.map((o) => `appeals.${g}.${o}`) }))
    .filter((r) => r.keys.some(show));
  if (t4.length)
    parts.push(
      html`<h2>四、政府信息公开行政复议、行政诉讼情况</h2>`,
      table("", ["", ...outcomes.map((o) => T4_OUTCOME_LABEL[o])], t4, d, expected),
    );
  return html`${parts}`;
}

/** What the page script needs per cell: where it was printed, and what to say about it. */
export function cellData(d: ReportDetail, positions: Map<string, CellPosition>) {
  const out: Record<string, unknown> = {};
  for (const [key, c] of d.cells) {
    const p = positions.get(key);
    const failing = d.flags.filter((f) => f.keys.some((k) => key === k || key.startsWith(`${k}.`)));
    out[key] = {
      label: keyInfo(key)?.label ?? key,
      status: c.status,
      value: c.value,
      raw: c.raw ?? null,
      source: c.source ?? null,
      corrected: c.corrected ?? null,
      derived: c.derived,
      flags: failing.map((f) => `${f.code}: ${f.message}`),
      pos: p
        ? {
            page: p.page,
            line: p.line,
            t: p.table_index,
            r: p.row_index,
            c: p.col_index,
            box: p.bbox_x === null ? null : [p.bbox_x, p.bbox_y, p.bbox_w, p.bbox_h],
          }
        : null,
    };
  }
  return out;
}

export function reportBody(opts: {
  d: ReportDetail;
  positions: Map<string, CellPosition>;
  source: Safe | null;
  documentAvailable: boolean;
  correctionForm: Safe | null;
}): Safe {
  const { d } = opts;
  const r = d.report;
  const docId = Number(r.document_id);
  const form = String(r.form);
  const region =
    r.region_status === "resolved"
      ? `${r.region_name} (${r.region_code}, ${r.region_level})`
      : `${r.region_status}: ${r.region_reason ?? ""}`;
  const otherFlags = d.flags.filter((f) => !/^R\d+_fail$/.test(f.code));
  const corrected = [...d.cells.values()].filter((c) => c.corrected);
  return html`<div class="report" data-document="${docId}" data-form="${form}" data-report="${String(r.report_id)}">
<section class="meta">
<h1>#${String(r.report_id)} ${String(r.issuer_name ?? "(issuer unknown)")} ${String(r.report_year ?? "----")} <span class="tag">${String(r.format_version)}</span></h1>
<p>${String(r.admin_level)} · ${String(r.issuer_type)} · ${String(r.scope)} · ${String(r.report_kind)} · region ${region}</p>
<p>${String(r.title ?? "")}</p>
<p>Document #${docId} (${form})${opts.documentAvailable ? html` · <a href="/documents/${docId}" download>download the original</a>` : " · original not available"} ·
<a href="/diff?issuer=${encodeURIComponent(String(r.issuer_name ?? ""))}">year over year</a>
${d.versions.length > 1 ? html` · older versions: ${d.versions.slice(1).map((v) => html`#${v.document_id} ${v.status} `)}` : ""}</p>
<ul class="rules">${d.rules.map(
    (x) =>
      html`<li class="rule-${x.status}"><b>${x.rule}</b> ${x.status}${x.failures.length ? html`: ${x.failures.join("; ")}` : ""}</li>`,
  )}</ul>
${otherFlags.length ? html`<ul class="flags">${otherFlags.map((f) => html`<li class="sev-${f.severity}"><b>${f.code}</b> ${f.message}</li>`)}</ul>` : ""}
</section>
<div class="split">
<section class="tables">${
    r.has_standard_tables
      ? templateTables(d)
      : html`<p class="note">No standard tables (a free-form or pre-2019 report).</p>`
  }
<p class="legend">Marks: * a failing rule covers the cell · c corrected by hand · d derived (never printed) · ! flagged · ? expected by the template but not found · blank, -, /: printed empty, dash, slash (never read as 0)</p>
${corrected.length ? html`<h3>Corrections</h3><ul>${corrected.map((c) => html`<li>${c.key}: printed ${c.corrected!.extractedStatus === "number" ? String(c.corrected!.extractedValue) : (c.corrected!.extractedStatus ?? "nothing")} → ${shown(c)} — ${c.corrected!.note}</li>`)}</ul>` : ""}
</section>
<aside class="side">
<div id="cell-info" class="cell-info"><p class="note">Select a cell to see where it was printed.</p></div>
${opts.correctionForm ?? ""}
<div id="source" class="source">${
    form === "pdf"
      ? opts.documentAvailable
        ? html`<div class="pdf-bar"><button type="button" id="prev-page">◀</button> page <span id="page-no">1</span> / <span id="page-count">?</span> <button type="button" id="next-page">▶</button></div><div id="pdf-page" class="pdf-page"></div>`
        : html`<p class="note">The original PDF is not available.</p>`
      : (opts.source ?? "")
  }</div>
</aside>
</div>
${jsonBlock("cells", cellData(d, opts.positions))}
</div>`;
}

// Terminal views over the store: what was imported, and a small cross-year, cross-issuer comparison.
import type { Store } from "../store/store.js";

function pad(s: string, n: number): string {
  // CJK characters take two terminal columns.
  const width = [...s].reduce((w, ch) => w + (/[\u1100-\uffff]/.test(ch) ? 2 : 1), 0);
  return s + " ".repeat(Math.max(0, n - width));
}

export function printComparison(store: Store): void {
  const db = store.db;
  const docs = db
    .prepare("SELECT status, count(*) AS n FROM documents GROUP BY status ORDER BY status")
    .all() as {
    status: string;
    n: number;
  }[];
  process.stdout.write(`\nDocuments: ${docs.map((d) => `${d.n} ${d.status}`).join(", ")}\n`);
  const reports = db
    .prepare(`SELECT r.id, r.issuer_name, r.report_year, r.format_version, r.issuer_type,
      (SELECT count(*) FROM cells c WHERE c.document_id = r.current_document_id) AS cells,
      (SELECT group_concat(rule, ',') FROM check_results k WHERE k.document_id = r.current_document_id AND k.status = 'fail') AS failed
      FROM reports r ORDER BY r.issuer_name, r.report_year`)
    .all() as {
    id: number;
    issuer_name: string | null;
    report_year: number | null;
    format_version: string;
    issuer_type: string;
    cells: number;
    failed: string | null;
  }[];
  process.stdout.write(`\nReports (${reports.length}):\n`);
  for (const r of reports) {
    process.stdout.write(
      `  #${String(r.id).padEnd(3)} ${pad(r.issuer_name ?? "(issuer unknown)", 34)} ${r.report_year ?? "----"}  ${r.format_version.padEnd(7)}  ${String(r.cells).padStart(3)} cells${r.failed ? `  rules failing: ${r.failed}` : ""}\n`,
    );
  }
  const metric = "applications.new_received.total";
  const rows = db
    // One row per issuer entity: the name variants of one body across years (白沙镇人民政府 and
    // 青溪区白沙镇人民政府) are one series, under the entity's canonical name.
    .prepare(`SELECT COALESCE(issuer, issuer_name) AS issuer_name, report_year, value, status FROM cells_long
      WHERE key = ? AND issuer_name IS NOT NULL AND report_year IS NOT NULL
      ORDER BY COALESCE(issuer, issuer_name), report_year`)
    .all(metric) as { issuer_name: string; report_year: number; value: number | null; status: string }[];
  const years = [...new Set(rows.map((r) => r.report_year))].sort();
  const issuers = [...new Set(rows.map((r) => r.issuer_name))];
  if (rows.length === 0) return;
  process.stdout.write(`\n本年新收政府信息公开申请数量 (${metric}) by issuer (zfxxgk issuers) and year:\n`);
  process.stdout.write(`  ${pad("issuer", 34)}${years.map((y) => String(y).padStart(8)).join("")}\n`);
  for (const issuer of issuers) {
    const cells = years.map((y) => {
      const r = rows.find((x) => x.issuer_name === issuer && x.report_year === y);
      if (!r) return "";
      return r.status === "number" ? String(r.value) : r.status;
    });
    process.stdout.write(`  ${pad(issuer, 34)}${cells.map((c) => c.padStart(8)).join("")}\n`);
  }
  process.stdout.write("  (blank: no report for that year; 'blank'/'dash': the report printed no number)\n");
}

// Benchmark: 200,000 reports generated from the corpus with bulk SQL; times every analyst view for one
// report, one issuer and one key, a full wide scan, compare, and each export format (time and peak memory).
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, statSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type Database from "better-sqlite3";
import { compare, compareRatio } from "../src/analyst/compare.js";
import type { ExportFormat } from "../src/analyst/export.js";
import { refreshIssuers } from "../src/analyst/issuers.js";
import { datasetRows } from "../src/analyst/regions.js";
import { refreshValues } from "../src/analyst/values.js";
import { importFiles, listFiles } from "../src/import/importer.js";
import { CELLS_BY_KEY_INDEX } from "../src/store/analyst-schema.js";
import { Store } from "../src/store/store.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

interface Place {
  code: string;
  name: string;
  level: "prefecture" | "county";
  province: [string, string];
  prefecture?: [string, string];
}

/** Real prefectures and counties from the region dataset, so that region grouping is realistic. */
function places(): Place[] {
  const rows = datasetRows();
  const byCode = new Map(rows.filter((r) => !r.t).map((r) => [r.c, r]));
  const out: Place[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    if (r.t || !r.y || /直辖|市辖区/.test(r.n)) continue;
    // The dataset lists a few renumbered divisions twice (三元区 350403 and 350404): keep the first.
    const key = `${r.c.slice(0, 4)}|${r.n}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const prov = byCode.get(`${r.c.slice(0, 2)}0000`)!;
    const pref = byCode.get(`${r.c.slice(0, 4)}00`);
    out.push({
      code: r.c,
      name: r.n,
      level: r.a ? "county" : "prefecture",
      province: [prov.c, prov.n],
      prefecture: r.a && pref && !/直辖/.test(pref.n) ? [pref.c, pref.n] : r.a ? undefined : [r.c, r.n],
    });
  }
  return out;
}

const KINDS: [string, string, string][] = [
  ["人民政府", "people_government", "aggregate"],
  ["人民政府办公室", "government_office", "self"],
  ["教育局", "department", "self"],
  ["财政局", "department", "self"],
  ["自然资源局", "department", "self"],
  ["市场监督管理局", "department", "self"],
  ["公安局", "department", "self"],
  ["民政局", "department", "self"],
  ["卫生健康委员会", "department", "self"],
  ["住房和城乡建设局", "department", "self"],
  ["交通运输局", "department", "self"],
  ["生态环境局", "department", "self"],
];

const YEARS = [2019, 2020, 2021, 2022, 2023, 2024];

const load = () => loadavg()[0].toFixed(1);

/**
 * Builds the database: the corpus through the real pipeline, then `reports` copies of its reports with
 * bulk SQL, each copy a distinct issuer (a real place and a body) and year, its counts scaled by a
 * per-issuer factor (so every rule that held still holds). Issuers use a shorter name in 2019–2021
 * (淮安市洪泽区人民政府) and the full chain from 2022 (江苏省淮安市洪泽区人民政府): one body each.
 */
async function build(path: string, reports: number): Promise<{ seconds: number; upkeep: number }> {
  const t0 = performance.now();
  const store = new Store(path);
  const corpus = join(root, "corpus");
  const files = listFiles([corpus]).filter(
    (f) =>
      dirname(f) === corpus && /\.(html?|txt|md)$/i.test(f) && listFiles([`${f}.gold.json`]).length === 1,
  );
  await importFiles(store, files);
  const db = store.db;
  db.pragma("foreign_keys = OFF"); // documents and reports point at each other; both come in one statement each
  db.pragma("synchronous = OFF");
  db.pragma("cache_size = -524288");
  db.exec("DROP INDEX IF EXISTS cell_values_key_value");
  const templates = db
    .prepare(`SELECT format_version, current_document_id FROM reports
      WHERE has_standard_tables = 1 AND format_version IN ('GOP2019','GOP2021') ORDER BY id`)
    .all() as { format_version: string; current_document_id: number }[];
  const t19 = templates.filter((t) => t.format_version === "GOP2019").map((t) => t.current_document_id);
  const t21 = templates.filter((t) => t.format_version === "GOP2021").map((t) => t.current_document_id);
  db.exec(`CREATE TEMP TABLE gen_tpl (version TEXT, n INTEGER, doc INTEGER, PRIMARY KEY (version, n));
    CREATE TEMP TABLE gen_issuers (i INTEGER PRIMARY KEY, short TEXT, full TEXT, level TEXT, type TEXT, scope TEXT,
      code TEXT, name TEXT, region_level TEXT, prov_code TEXT, prov_name TEXT, pref_code TEXT, pref_name TEXT,
      county_code TEXT, county_name TEXT);
    CREATE TEMP TABLE gen_docs (id INTEGER PRIMARY KEY, i INTEGER, y INTEGER, tpl INTEGER, scale INTEGER);`);
  const addTpl = db.prepare("INSERT INTO gen_tpl VALUES (?,?,?)");
  for (const [n, d] of t19.entries()) addTpl.run("GOP2019", n, d);
  for (const [n, d] of t21.entries()) addTpl.run("GOP2021", n, d);
  const addIssuer = db.prepare("INSERT INTO gen_issuers VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  const all = places();
  const issuers = Math.ceil(reports / YEARS.length);
  const names = new Set<string>();
  let made = 0;
  db.transaction(() => {
    for (let k = 0; made < issuers && k < all.length * KINDS.length; k++) {
      const p = all[k % all.length];
      const kind = KINDS[Math.floor(k / all.length)];
      const pref = p.prefecture && p.prefecture[0] !== p.code ? p.prefecture[1] : "";
      const short = `${pref || (p.level === "prefecture" ? "" : p.province[1])}${p.name}${kind[0]}`;
      const full = `${p.province[1]}${pref}${p.name}${kind[0]}`;
      if (names.has(short) || names.has(full)) continue;
      names.add(short);
      names.add(full);
      addIssuer.run(
        made++,
        short,
        full,
        p.level,
        kind[1],
        kind[2],
        p.code,
        p.name,
        p.level,
        p.province[0],
        p.province[1],
        p.prefecture?.[0] ?? null,
        p.prefecture?.[1] ?? null,
        p.level === "county" ? p.code : null,
        p.level === "county" ? p.name : null,
      );
    }
  })();
  const base = (db.prepare("SELECT max(id) FROM documents").pluck().get() as number) + 1;
  const baseReport = (db.prepare("SELECT max(id) FROM reports").pluck().get() as number) + 1;
  db.prepare(`INSERT INTO gen_docs SELECT g.i * 6 + (y.value - 2019), g.i, y.value,
      (SELECT doc FROM gen_tpl t WHERE t.version = IIF(y.value <= 2020, 'GOP2019', 'GOP2021')
        AND t.n = (g.i + y.value) % IIF(y.value <= 2020, ?, ?)), 1 + g.i % 4
    FROM gen_issuers g, json_each(?) y WHERE g.i * 6 + (y.value - 2019) < ?`).run(
    t19.length,
    t21.length,
    JSON.stringify(YEARS),
    reports,
  );
  db.transaction(() => {
    db.prepare(`INSERT INTO documents (id, sha256, origin, form, size, status, report_id)
      SELECT ? + d.id, 'synthetic-' || d.id, 'https://www.example.gov.cn/' || d.id || '.html', 'html', 50000, 'imported', ? + d.id
      FROM gen_docs d`).run(base, baseReport);
    db.prepare(`INSERT INTO reports (id, identity, issuer_name, report_year, format_version, title, admin_level,
        issuer_type, scope, year_source, has_standard_tables, current_document_id)
      SELECT ? + d.id, IIF(d.y < 2022, g.short, g.full) || '|' || d.y, IIF(d.y < 2022, g.short, g.full), d.y,
        IIF(d.y <= 2020, 'GOP2019', 'GOP2021'), IIF(d.y < 2022, g.short, g.full) || d.y || '年政府信息公开工作年度报告',
        g.level, g.type, g.scope, 'period', 1, ? + d.id
      FROM gen_docs d JOIN gen_issuers g ON g.i = d.i`).run(baseReport, base);
    db.prepare(`INSERT INTO report_regions (report_id, document_id, status, region_code, region_name, region_level,
        province_code, province_name, prefecture_code, prefecture_name, county_code, county_name, method, confidence)
      SELECT ? + d.id, ? + d.id, 'resolved', g.code, g.name, g.region_level, g.prov_code, g.prov_name, g.pref_code,
        g.pref_name, g.county_code, g.county_name, 'name', 0.9
      FROM gen_docs d JOIN gen_issuers g ON g.i = d.i`).run(baseReport, base);
    db.prepare(`INSERT INTO check_results SELECT ? + d.id, c.rule, c.status, c.failures
      FROM gen_docs d JOIN check_results c ON c.document_id = d.tpl`).run(base);
    db.prepare(`INSERT INTO flags (document_id, code, severity, message, keys, position)
      SELECT ? + d.id, f.code, f.severity, f.message, f.keys, f.position
      FROM gen_docs d JOIN flags f ON f.document_id = d.tpl`).run(base);
  })();
  // The cells, in chunks of documents (so progress shows), in the order of the table's primary key.
  const cells = db.prepare(`INSERT INTO cell_values (document_id, key_id, value, status, raw, unit, raw_unit,
      sign, source_label, confidence, page, line, table_index, row_index, col_index, value_exact, bbox_x, bbox_y,
      bbox_w, bbox_h)
    SELECT ? + d.id, c.key_id,
      IIF(c.status = 'number' AND c.unit = 'count', c.value * d.scale, c.value), c.status,
      IIF(c.status = 'number' AND c.unit = 'count', CAST(c.value * d.scale AS TEXT), c.raw), c.unit, c.raw_unit,
      c.sign, c.source_label, c.confidence, c.page, c.line, c.table_index, c.row_index, c.col_index,
      c.value_exact, c.bbox_x, c.bbox_y, c.bbox_w, c.bbox_h
    FROM gen_docs d JOIN cell_values c ON c.document_id = d.tpl WHERE d.id BETWEEN ? AND ? ORDER BY d.id, c.key_id`);
  for (let from = 0; from < reports; from += 25_000) {
    db.transaction(() => cells.run(base, from, from + 24_999))();
    process.stderr.write(
      `  … cells of ${Math.min(reports, from + 25_000)} reports in ${((performance.now() - t0) / 1000).toFixed(0)} s (load ${load()})\n`,
    );
  }
  process.stderr.write(
    `  … cells done in ${((performance.now() - t0) / 1000).toFixed(0)} s; the by-key index next\n`,
  );
  db.exec(CELLS_BY_KEY_INDEX); // no ANALYZE: the views must pick their indexes without statistics, as users' databases do
  const seconds = (performance.now() - t0) / 1000;
  // What the end of a bulk load does: stored wide and derived values, issuer links.
  const t1 = performance.now();
  process.stderr.write(
    `  … index done in ${((performance.now() - t0) / 1000).toFixed(0)} s; stored values and issuers next\n`,
  );
  refreshValues(db);
  process.stderr.write(
    `  … stored values in ${((performance.now() - t1) / 1000).toFixed(0)} s (load ${load()})\n`,
  );
  refreshIssuers(db);
  const upkeep = (performance.now() - t1) / 1000;
  db.pragma("foreign_keys = ON");
  store.close();
  return { seconds, upkeep };
}

/** CPU time of this process so far, in ms: on a shared machine, wall time is mostly waiting. */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Best of a few warm runs, in ms of wall time (the first run reads the pages in). */
function best(f: () => unknown, runs = 3): number {
  f();
  let min = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    f();
    min = Math.min(min, performance.now() - t);
  }
  return min;
}

/** Wall and CPU time of the best of a few warm runs, as "wall ms (CPU ms)". */
function bestWithCpu(f: () => unknown, runs = 2): string {
  f();
  let wall = Infinity;
  let cpu = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const c = cpuMs();
    f();
    wall = Math.min(wall, performance.now() - t);
    cpu = Math.min(cpu, cpuMs() - c);
  }
  return `${wall.toFixed(0)} (CPU ${cpu.toFixed(0)})`;
}

function once(f: () => unknown): number {
  const t = performance.now();
  f();
  return performance.now() - t;
}

/** One export by the built command in a fresh process, measured by /usr/bin/time (wall seconds, peak RSS). */
function timedExport(path: string, format: ExportFormat, view: string, extra: string[], out: string) {
  const where = extra.length && extra[0] !== "--key" ? ["--where", ...extra] : extra;
  const args = [
    process.execPath,
    join(root, "bin/zfxxgk.js"),
    "export",
    "--db",
    path,
    "--format",
    format,
    "--view",
    view,
    "--out",
    out,
    ...where,
  ];
  const r = spawnSync("/usr/bin/time", ["-f", "%e %U %S %M", ...args], { encoding: "utf8", cwd: root });
  const m = /([\d.]+) ([\d.]+) ([\d.]+) (\d+)\s*$/.exec(r.stderr ?? "");
  const rows = /exported (\d+) rows/.exec(r.stderr ?? "")?.[1];
  const size = (() => {
    try {
      return statSync(out).size;
    } catch {
      return 0;
    }
  })();
  rmSync(out, { force: true });
  return {
    seconds: m ? Number(m[1]) : Number.NaN,
    cpu: m ? Number(m[2]) + Number(m[3]) : Number.NaN,
    peakMb: m ? Number(m[4]) / 1024 : Number.NaN,
    rows,
    size,
  };
}

/** Returns the database's path when it is kept (ZFXXGK_BENCH_KEEP, ZFXXGK_BENCH_DB or `keep`). */
export async function runAnalystBench(
  reports = 200_000,
  opts: { keep?: boolean } = {},
): Promise<string | undefined> {
  // A name of its own: other benchmarks clean up their own zfxxgk-* folders. ZFXXGK_BENCH_DB times a
  // database built before (kept with ZFXXGK_BENCH_KEEP) without building it again.
  const given = process.env.ZFXXGK_BENCH_DB;
  const dir = given ? dirname(given) : join(tmpdir(), `zfxxgk-analyst200k-${process.pid}`);
  const path = given ?? join(dir, "analyst.sqlite");
  // Exports run the built command (dist/), as users do.
  spawnSync("npm", ["run", "build"], { cwd: root, stdio: "ignore" });
  if (!given) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    console.log(`analyst: building ${reports} reports (load average ${load()} on ${cpus().length} cores)`);
    const built = await build(path, reports);
    console.log(
      `  built in ${built.seconds.toFixed(0)} s, stored values and issuer links in ${built.upkeep.toFixed(0)} s (load ${load()})`,
    );
  }
  const opened = performance.now();
  const store = new Store(path);
  const openMs = performance.now() - opened;
  const db: Database.Database = store.db;
  const n = db.prepare("SELECT count(*) FROM reports").pluck().get() as number;
  const cellCount = db.prepare("SELECT count(*) FROM cell_values").pluck().get() as number;
  const issuerCount = db.prepare("SELECT count(*) FROM issuers").pluck().get() as number;
  console.log(
    `analyst: ${n} reports, ${cellCount} cells, ${issuerCount} issuers; database ${(statSync(path).size / 2 ** 30).toFixed(2)} GiB; opened (stale check) in ${openMs.toFixed(0)} ms (load ${load()} on ${cpus().length} cores)`,
  );
  const id = db
    .prepare("SELECT id FROM reports ORDER BY id DESC LIMIT 1 OFFSET 1000")
    .pluck()
    .get() as number;
  const issuer = db.prepare("SELECT issuer_id FROM reports WHERE id = ?").pluck().get(id) as number;
  const issuerName = db
    .prepare("SELECT canonical_name FROM issuers WHERE id = ?")
    .pluck()
    .get(issuer) as string;
  const key = "applications.new_received.total";
  const views = [
    "report_overview",
    "cells_long",
    "effective_cells",
    "derived_cells",
    "active_wide",
    "applications_wide",
    "appeals_wide",
  ];
  const one = views.map(
    (v) => `${v} ${best(() => db.prepare(`SELECT * FROM ${v} WHERE report_id = ?`).all(id)).toFixed(1)}`,
  );
  one.push(
    `key_comparability (one key) ${best(() => db.prepare("SELECT * FROM key_comparability WHERE key = ?").all(key)).toFixed(1)}`,
  );
  console.log(`  one report (ms, best of 3 warm): ${one.join(", ")}`);
  const series = [
    [
      "applications_wide WHERE issuer_id",
      () => db.prepare("SELECT * FROM applications_wide WHERE issuer_id = ?").all(issuer),
    ],
    [
      "cells_long WHERE issuer_id AND key",
      () =>
        db
          .prepare("SELECT report_year, value, status FROM cells_long WHERE issuer_id = ? AND key = ?")
          .all(issuer, key),
    ],
    [
      "cells_long WHERE issuer (name)",
      () => db.prepare("SELECT report_year, key, value FROM cells_long WHERE issuer = ?").all(issuerName),
    ],
    [
      "report_overview WHERE issuer_name",
      () => db.prepare("SELECT * FROM report_overview WHERE issuer_name = ?").all(issuerName),
    ],
  ] as const;
  console.log(
    `  one issuer's series (ms): ${series.map(([l, f]) => `${l} ${best(f).toFixed(1)}`).join(", ")}`,
  );
  let rows = 0;
  const keyAll = [
    [
      "cells_long",
      () =>
        (rows = db.prepare("SELECT report_id, value, status FROM cells_long WHERE key = ?").all(key).length),
    ],
    [
      "effective_cells",
      () => db.prepare("SELECT report_id, value, status FROM effective_cells WHERE key = ?").all(key),
    ],
    [
      "derived_cells",
      () =>
        db
          .prepare("SELECT report_id, value FROM derived_cells WHERE key = ?")
          .all("applications.new_received.legal_person_subtotal"),
    ],
  ] as const;
  console.log(
    `  one key across all reports (ms, wall (CPU)): ${keyAll.map(([l, f]) => `${l} ${bestWithCpu(f)}`).join(", ")} (${rows} rows)`,
  );
  let scanned = 0;
  const scanCpu = cpuMs();
  const scan = once(() => {
    for (const _ of db.prepare("SELECT * FROM applications_wide").raw().iterate()) scanned++;
  });
  console.log(
    `  full applications_wide scan: ${(scan / 1000).toFixed(1)} s (CPU ${((cpuMs() - scanCpu) / 1000).toFixed(1)} s) for ${scanned} rows (load ${load()})`,
  );
  const cmp = [
    ["by issuer", () => compare(db, { metric: key, by: "issuer" })],
    [
      "by region, 江苏省 counties",
      () =>
        compare(db, {
          metric: key,
          by: "region",
          kind: "all",
          where: ["province=江苏省", "region_level=county"],
        }),
    ],
    ["by level", () => compare(db, { metric: key, by: "level", kind: "all" })],
    [
      "--ratio granted/new_received by issuer",
      () => compareRatio(db, { metric: "", ratio: "granted/new_received", by: "issuer" }),
    ],
  ] as const;
  console.log(
    `  compare (ms, wall (CPU), best of 2): ${cmp.map(([l, f]) => `${l} ${bestWithCpu(f)}`).join(", ")}`,
  );
  store.close();
  const exports: [ExportFormat, string, string[]][] = [
    ["csv", "applications_wide", []],
    ["json", "applications_wide", []],
    ["parquet", "applications_wide", []],
    ["xlsx", "applications_wide", ["province=江苏省"]],
    ["parquet", "cells_long", ["--key", "applications.new_received"]],
    ["csv", "cells_long", ["--key", "applications.new_received"]],
  ];
  for (const [format, view, extra] of exports) {
    const e = timedExport(path, format, view, extra, join(dir, `out.${format}`));
    console.log(
      `  export --format ${format} --view ${view}${extra.length ? ` ${extra.join(" ")}` : ""}: ${e.rows} rows, ${(e.size / 2 ** 20).toFixed(0)} MiB in ${e.seconds.toFixed(1)} s (CPU ${e.cpu.toFixed(1)} s), peak RSS ${e.peakMb.toFixed(0)} MB (load ${load()})`,
    );
  }
  if (process.env.ZFXXGK_BENCH_KEEP || given || opts.keep) {
    console.log(`  kept ${path}`);
    return path;
  }
  rmSync(dir, { recursive: true, force: true });
  return undefined;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runAnalystBench(Number(process.argv[2] ?? 200_000));
}

// `metadata`: a Datasette metadata.json for a zfxxgk database: titles, descriptions, units and the Chinese
// label of every column of every table and view, the full-text index, source and licence.
import { basename, extname } from "node:path";
import type Database from "better-sqlite3";
import { wideColumn } from "../store/analyst-schema.js";
import { keyCatalog } from "./catalog.js";

/** Chinese label and English description of a column, by name (a table may say more, below). */
const COLUMNS: Record<string, [string, string]> = {
  version: ["版本", "migration number"],
  name: ["名称", "name"],
  applied_at: ["应用时间", "when the migration ran (UTC)"],
  id: ["编号", "row id"],
  sha256: ["SHA-256 哈希", "SHA-256 of the document bytes"],
  origin: ["来源", "first path or URL the document came from"],
  form: ["文件形式", "html, text, pdf, docx, doc, zip, binary, empty"],
  charset: ["字符集", "character set the text was decoded from"],
  size: ["字节数", "size in bytes"],
  status: ["状态", "status (see the table's description)"],
  error_code: ["错误代码", "why a document failed, as a code"],
  error: ["错误信息", "why a document or a crawl run failed"],
  report_id: ["报告编号", "the report (reports.id)"],
  imported_at: ["导入时间", "when the document was imported (UTC)"],
  document_id: ["文件编号", "the document version (documents.id)"],
  first_seen: ["首次发现", "when the origin or URL was first seen (UTC)"],
  identity: ["报告标识", "issuer|year, or the origin when the issuer is unknown"],
  issuer_name: ["发布机关（原文）", "issuer name as the report gives it"],
  report_year: ["报告年度", "the year the report covers"],
  format_version: ["表格版本", "GOP2019, GOP2021, HYBRID or PRE2019"],
  title: ["标题", "report title"],
  admin_level: ["行政层级", "national, provincial, prefecture, county, township, unknown"],
  issuer_type: [
    "机关类型",
    "people_government, government_office, department, town_street, functional_zone, …",
  ],
  scope: ["统计口径", "aggregate (a government's whole area) or self (the body alone)"],
  year_source: ["年度来源", "where the year was read: period, title, text"],
  has_standard_tables: ["含标准表格", "1 when the report has the standard tables"],
  current_document_id: ["当前文件编号", "the document version that is current"],
  updated_at: ["更新时间", "when the report last changed (UTC)"],
  issuer_id: ["发布机关编号", "the issuer entity (issuers.id)"],
  key: ["指标键", "canonical key, e.g. applications.new_received.total (labels in key_comparability)"],
  key_id: ["指标键编号", "cell_keys.id"],
  value: ["数值", "the number (count, or yuan for money); NULL unless status is number or derived"],
  raw: ["原文", "the printed cell text"],
  unit: ["单位", "count or yuan"],
  raw_unit: ["原文单位", "unit as printed: 万元, 元, 亿元, unknown"],
  sign: ["符号", "sign printed with the value"],
  source_label: ["原文行标签", "the row label the value was printed under"],
  confidence: ["置信度", "0–1"],
  page: ["页码", "page the value was printed on"],
  line: ["行号", "line the value was printed on"],
  table_index: ["表序号", "table the value was printed in"],
  row_index: ["行序号", "row of that table"],
  col_index: ["列序号", "column of that table"],
  rule: ["规则", "R1, R2, R3, R5, R12"],
  failures: ["不通过实例", "JSON array of failing instances"],
  code: ["代码", "flag code, e.g. R3_fail, ambiguous_alignment"],
  severity: ["严重程度", "info, warning, error"],
  message: ["说明", "what the flag says"],
  keys: ["涉及指标", "JSON array of keys or key prefixes the flag covers"],
  position: ["位置", "JSON source position"],
  text: ["正文", "the report's running text"],
  started_at: ["开始时间", "UTC"],
  ended_at: ["结束时间", "UTC"],
  pid: ["进程号", "process id"],
  sources_file: ["来源清单文件", "the sources file of the crawl"],
  pass: ["轮次", "crawl pass"],
  resumed: ["续传", "1 when the run resumed an interrupted one"],
  discovered: ["发现网址数", "URLs added to the frontier"],
  fetched: ["抓取数", "responses with a body"],
  not_modified: ["未修改数", "304 answers"],
  skipped: ["跳过数", "skipped by robots.txt or limits"],
  new_reports: ["新报告数", "new reports"],
  changed_reports: ["更新报告数", "reports with a new version"],
  unchanged_documents: ["未变文件数", "documents already stored"],
  failed: ["失败数", "failures"],
  bytes: ["字节数", "bytes fetched"],
  url: ["网址", "URL"],
  host: ["主机", "host name"],
  source: ["来源", "source name in the sources file"],
  kind: ["类别", "list, report, attachment"],
  depth: ["深度", "links from the start page"],
  redirects: ["重定向次数", "redirects followed"],
  parent: ["上级网址", "the page that linked it"],
  state: ["状态", "pending, queued, done, failed, skipped"],
  reason: ["原因", "why (skipped, failed, resolved so)"],
  run_id: ["抓取运行编号", "crawl_runs.id"],
  final_url: ["最终网址", "after same-host redirects"],
  fetched_at: ["抓取时间", "UTC"],
  outcome: ["结果", "fetched, not_modified, redirect, failed"],
  headers: ["响应头", "JSON object"],
  etag: ["实体标签 ETag", "HTTP ETag"],
  last_modified: ["最后修改时间", "HTTP Last-Modified"],
  ms: ["耗时（毫秒）", "milliseconds"],
  hostname: ["主机名", "machine holding the lock"],
  acquired_at: ["获得时间", "UTC"],
  heartbeat_ms: ["心跳", "epoch milliseconds of the last heartbeat"],
  table_name: ["所属表", "active, applications, appeals"],
  label: ["中文名称", "the key's label: row × column of the template"],
  gop2019: ["GOP2019 模板", "printed, derived or absent in the GOP2019 template"],
  gop2021: ["GOP2021 模板", "printed, derived or absent in the GOP2021 template"],
  comparability: ["可比性", "comparable, caution, not_comparable across GOP2019 and GOP2021"],
  near_key: ["相近指标", "a key of the other version that is close (never merged)"],
  note: ["备注", "explanation"],
  sort_order: ["排序", "template order"],
  from_document_id: ["起始文件编号", "documents after it await their index entries"],
  canonical_name: ["规范名称", "the issuer's cleaned name, from its latest report"],
  region_code: ["行政区划代码", "GB/T 2260 code (9 digits for a township issuer)"],
  region_name: ["行政区划名称", "name of the division"],
  body: ["机关主体", "the name after its place names: 人民政府, 教育局"],
  tail: ["名称尾部", "the last place name with the body: 洪泽区人民政府"],
  match_key: ["匹配键", "place|type|body, or manual:split:N"],
  first_year: ["首个年度", "earliest report year"],
  last_year: ["最近年度", "latest report year"],
  reports: ["报告数", "number of reports"],
  raw_name: ["原始名称", "the name as the document gave it, before cleaning"],
  action: ["操作", "merge or split"],
  target_name: ["目标名称", "merge: a name of the body it joins"],
  author: ["作者", "who made it"],
  active: ["有效", "1 for the active row"],
  created_at: ["创建时间", "UTC"],
  corrected: ["已人工更正", "1 when a correction applies (for derived keys: to a term)"],
  region_level: ["区划层级", "province, prefecture, county, township"],
  province_code: ["省级代码", "GB/T 2260"],
  province_name: ["省级名称", "province"],
  prefecture_code: ["地级代码", "GB/T 2260"],
  prefecture_name: ["地级名称", "prefecture"],
  county_code: ["县级代码", "GB/T 2260"],
  county_name: ["县级名称", "county"],
  township_code: ["乡级代码", "9-digit statistical code"],
  township_name: ["乡级名称", "township"],
  method: ["方法", "how the region was found: name, title, host, name+host, name+text, name+historic"],
  resolved_at: ["解析时间", "UTC"],
  report_identity: ["报告标识", "issuer|year of the corrected report"],
  extracted_value: ["提取数值", "the value as extracted (before the correction)"],
  extracted_status: ["提取状态", "the status as extracted"],
  derived_key: ["派生指标", "a derived key"],
  variant: ["方案", "term set number (the first complete one is used)"],
  term_key: ["加项指标", "a term of the derived key"],
  n_terms: ["加项数", "terms in the variant"],
  issuer: ["发布机关", "the issuer entity's canonical name (issuers.canonical_name)"],
  report_kind: ["报告类别", "government, government_office, department, township, functional_zone, other"],
  region_status: ["区划解析状态", "resolved, partial, unresolved"],
  region_reason: ["区划说明", "why partial or unresolved, or how settled"],
  rules_failed: ["未通过规则", "rules that failed (on the report, or on this cell)"],
  correction_note: ["更正说明", "why the value was corrected"],
  corrected_keys: ["已更正指标", "keys of this table with an active correction"],
  value_exact: ["精确数值", "money only: the exact decimal yuan, as text"],
  extraction_version: ["提取版本", "the extraction that produced the document's cells"],
  source_dir: ["原文存放目录", "folder of the content-addressed store holding the bytes"],
  report_fields: ["报告字段", "JSON: the report fields this version gives"],
  cells: ["单元格数", "cells found (0: no standard tables)"],
  version_reason: ["版本说明", "why this version is or is not current"],
  pinned_document_id: ["人工指定版本", "a version chosen by a person (zfxxgk versions --pin)"],
  bbox_x: ["单元格框左边", "PDF cells: left edge of the cell's box, a fraction 0–1 of the page width"],
  bbox_y: ["单元格框上边", "PDF cells: top edge of the cell's box, a fraction 0–1 of the page height"],
  bbox_w: ["单元格框宽度", "PDF cells: width of the cell's box, a fraction of the page width"],
  bbox_h: ["单元格框高度", "PDF cells: height of the cell's box, a fraction of the page height"],
};

/** Per table: title, description, and its own meaning of shared column names. */
const TABLES: Record<string, { title: string; description: string; columns?: Record<string, string> }> = {
  report_overview: {
    title: "报告概览 Report overview",
    description: "One row per report: metadata, issuer entity, GB/T 2260 region, kind, failed rules.",
  },
  cells_long: {
    title: "全部指标（长表） All values, long",
    description:
      "One row per report and key: printed, corrected or derived; corrections applied; blanks never 0.",
    columns: { status: "number, blank, dash, slash, text, or derived" },
  },
  effective_cells: {
    title: "有效单元格 Effective cells",
    description: "Printed cells of each report's current version with active corrections applied.",
  },
  derived_cells: {
    title: "派生指标 Derived values",
    description:
      "Derived keys (sums of printed numbers only), stored when the report is written or corrected.",
  },
  active_wide: {
    title: "主动公开（宽表） Table 2, wide",
    description: "One row per report, one column per Table 2 key (NULL where no number).",
  },
  applications_wide: {
    title: "依申请公开（宽表） Table 3, wide",
    description: "One row per report, one column per Table 3 key, derived keys included.",
  },
  appeals_wide: {
    title: "复议诉讼（宽表） Table 4, wide",
    description: "One row per report, one column per Table 4 key.",
  },
  key_comparability: {
    title: "指标可比性 Key comparability",
    description: "Each key's presence in GOP2019/GOP2021 and whether it is comparable across them.",
  },
  issuers: {
    title: "发布机关 Issuers",
    description: "Government bodies across years and name variants (zfxxgk issuers).",
  },
  issuer_aliases: {
    title: "发布机关名称变体 Issuer name variants",
    description: "Every name a document gave an issuer, and why it was linked.",
  },
  issuer_overrides: {
    title: "发布机关人工合并拆分 Issuer merges and splits",
    description: "Merges and splits by hand; they survive re-import.",
  },
  reports: {
    title: "报告 Reports",
    description: "One row per issuer and year (or per document where the issuer is unknown).",
  },
  documents: {
    title: "文件 Documents",
    description: "Distinct document bytes.",
    columns: { status: "imported, no_tables, failed, superseded" },
  },
  cells: {
    title: "单元格 Cells",
    description: "Printed cells of every document version.",
    columns: { status: "number, blank, dash, slash, text" },
  },
  corrections: {
    title: "人工更正 Corrections",
    description: "Human corrections, kept apart from extraction.",
    columns: { status: "number, blank, dash, slash, reverted" },
  },
  prose: { title: "正文 Prose", description: "Each document's running text (searchable: prose_fts)." },
  report_regions: {
    title: "报告区划 Report regions",
    description: "GB/T 2260 place of each report's issuer.",
    columns: { status: "resolved, partial, unresolved" },
  },
  check_results: {
    title: "规则检查 Rule checks",
    description: "Rules R1–R12 per document.",
    columns: { status: "pass, fail, unknown" },
  },
  flags: { title: "标记 Flags", description: "Flags raised while reading a document." },
};

export interface MetadataOptions {
  /** Database file; its name without extension is Datasette's database name. */
  dbPath: string;
}

/** Builds the metadata object for every table and view of the database. */
export function buildMetadata(db: Database.Database, opts: MetadataOptions): Record<string, unknown> {
  const keyLabel = new Map<string, { label: string; unit: string }>();
  for (const k of keyCatalog())
    keyLabel.set(wideColumn(k.key), {
      label: k.label,
      unit: /amount_yuan/.test(k.key) ? "元 yuan" : "件 count",
    });
  const objects = db
    .prepare(
      "SELECT name, type FROM sqlite_master WHERE type IN ('table','view') AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'prose_fts_%' ORDER BY name",
    )
    .all() as { name: string; type: string }[];
  const tables: Record<string, Record<string, unknown>> = {};
  for (const o of objects) {
    const t = TABLES[o.name];
    const columns: Record<string, string> = {};
    for (const c of db.prepare(`PRAGMA table_info("${o.name}")`).all() as { name: string }[]) {
      const own = t?.columns?.[c.name];
      const k = keyLabel.get(c.name);
      const base = COLUMNS[c.name];
      columns[c.name] = k
        ? `${k.label}（单位：${k.unit}）`
        : base
          ? `${base[0]}：${own ?? base[1]}`
          : `${c.name}`;
    }
    const entry: Record<string, unknown> = {
      title: t?.title ?? o.name,
      description:
        t?.description ??
        `${o.type === "view" ? "View" : "Table"} ${o.name}; see the README's schema reference.`,
      columns,
    };
    if (o.name === "prose") Object.assign(entry, { fts_table: "prose_fts", fts_pk: "document_id" });
    if (o.name === "issuers") entry.label_column = "canonical_name";
    if (o.name === "reports") entry.label_column = "identity";
    tables[o.name] = entry;
  }
  return {
    title: "zfxxgk：政府信息公开工作年度报告统计表",
    description:
      "Statistical tables of Chinese government information-disclosure annual reports (政府信息公开工作年度报告), every value as printed or flagged; corrections and derived keys are marked.",
    license: "政府信息公开（public government information）; the compilation by zfxxgk under MIT",
    license_url: "https://www.gov.cn/zhengce/content/2019-04/15/content_5382991.htm",
    source: "The issuing bodies' annual reports (the origin of each document is in documents.origin)",
    source_url: "https://www.gov.cn/",
    databases: {
      [basename(opts.dbPath, extname(opts.dbPath))]: { tables },
    },
  };
}

/** Column names of the database that have no label (the metadata test keeps this empty). */
export function unlabelledColumns(db: Database.Database): string[] {
  const known = new Set([...Object.keys(COLUMNS), ...keyCatalog().map((k) => wideColumn(k.key))]);
  const out = new Set<string>();
  for (const o of db
    .prepare(
      "SELECT name FROM sqlite_master WHERE type IN ('table','view') AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'prose_fts_%'",
    )
    .pluck()
    .all() as string[])
    for (const c of db.prepare(`PRAGMA table_info("${o}")`).all() as { name: string }[])
      if (!known.has(c.name)) out.add(`${o}.${c.name}`);
  return [...out];
}

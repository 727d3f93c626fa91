// The national report templates (GOP2019, GOP2021): rows, columns and label matchers of Tables 2–4,
// mapped onto the canonical keys of keys.tsv. Matching is by label, never by position.
import { editDistance, labelKey, MAX_CACHED_LABEL, normalizeText, remember, stripOrdinal } from "./text.js";

export type FormatVersion = "GOP2019" | "GOP2021" | "HYBRID" | "PRE2019" | "UNKNOWN";

/** The key prefixes of Tables 2–4 (主动公开, 申请, 复议诉讼): what a flag about every table covers. */
export const ALL_TABLES = ["active", "applications", "appeals"] as const;

// ---------------------------------------------------------------- Table 2 (主动公开)

export type T2Block = "art20_1" | "art20_5" | "art20_6" | "art20_8" | "art20_9";

export interface T2Row {
  block: T2Block;
  /** Key segment after `active.<block>.` */
  row: string;
  /** Normalized label prefixes (after labelKey and ordinal removal) that identify the row. */
  prefixes: string[];
}

export const T2_ROWS: T2Row[] = [
  { block: "art20_1", row: "rules", prefixes: ["规章"] },
  {
    block: "art20_1",
    row: "normative_docs",
    prefixes: ["规范性文件", "行政规范性文件", "规范性档案", "規範性檔案"],
  },
  { block: "art20_5", row: "licensing", prefixes: ["行政许可", "行政許可"] },
  {
    block: "art20_5",
    row: "other_external_services",
    prefixes: ["其他对外管理服务事项", "其他对外管理", "对外管理服务事项"],
  },
  { block: "art20_6", row: "penalty", prefixes: ["行政处罚", "行政處罰"] },
  { block: "art20_6", row: "coercion", prefixes: ["行政强制", "行政強制"] },
  { block: "art20_8", row: "admin_fees", prefixes: ["行政事业性收费", "行政事業性收費"] },
  { block: "art20_9", row: "central_procurement", prefixes: ["政府集中采购", "政府集中採購"] },
];

/** A block's columns as one template version prints them. */
export interface T2ColumnSet {
  version: "GOP2019" | "GOP2021";
  columns: string[];
  /** Unit of money columns when the header fixes it. */
  moneyUnit?: "万元" | "元";
}

/** Reads a Table 2 header (all its text, concatenated) into the block's column set, if it says enough. */
export function t2ColumnsFromHeader(block: T2Block, headerText: string): T2ColumnSet | undefined {
  const k = labelKey(headerText);
  if (k === "") return undefined;
  const unit: "万元" | "元" | undefined = /万元/.test(k)
    ? "万元"
    : /单位元|\(元\)/.test(headerText)
      ? "元"
      : undefined;
  switch (block) {
    case "art20_1":
      if (/制发|废止|现行有效/.test(k))
        return { version: "GOP2021", columns: ["issued", "repealed", "in_force"] };
      if (/本年新|新制作|新公开|对外公开/.test(k))
        return { version: "GOP2019", columns: ["newly_made", "newly_published", "total_published"] };
      return undefined;
    case "art20_5":
    case "art20_6":
      if (/上一年|项目数量|增减/.test(k))
        return { version: "GOP2019", columns: ["items_prev_year", "items_change", "decisions"] };
      if (/处理决定/.test(k)) return { version: "GOP2021", columns: ["decisions"] };
      return undefined;
    case "art20_8":
      if (/收费金额|金额/.test(k))
        return { version: "GOP2021", columns: ["amount_yuan"], moneyUnit: unit ?? "万元" };
      if (/上一年|项目数量|增减/.test(k))
        return { version: "GOP2019", columns: ["items_prev_year", "items_change"] };
      return undefined;
    case "art20_9":
      if (/采购/.test(k))
        return { version: "GOP2019", columns: ["project_count", "amount_yuan"], moneyUnit: unit };
      return undefined;
  }
}

/** The column set a block has in a version when its header is missing or unreadable. */
export function t2DefaultColumns(block: T2Block, version: "GOP2019" | "GOP2021"): T2ColumnSet | undefined {
  const v19: Record<T2Block, string[]> = {
    art20_1: ["newly_made", "newly_published", "total_published"],
    art20_5: ["items_prev_year", "items_change", "decisions"],
    art20_6: ["items_prev_year", "items_change", "decisions"],
    art20_8: ["items_prev_year", "items_change"],
    art20_9: ["project_count", "amount_yuan"],
  };
  const v21: Partial<Record<T2Block, string[]>> = {
    art20_1: ["issued", "repealed", "in_force"],
    art20_5: ["decisions"],
    art20_6: ["decisions"],
    art20_8: ["amount_yuan"],
  };
  const cols = version === "GOP2019" ? v19[block] : v21[block];
  if (!cols) return undefined;
  return {
    version,
    columns: cols,
    moneyUnit: version === "GOP2021" && block === "art20_8" ? "万元" : undefined,
  };
}

/** Table 2 rows by label (null: none): every unit asks, and the template's labels repeat in every report. */
const t2RowByLabel = new Map<string, T2Row | null>();

/** The Table 2 row a label names, if any. */
export function matchT2Row(label: string): T2Row | undefined {
  if (label.length > MAX_CACHED_LABEL) return matchT2RowUncached(label);
  const known = t2RowByLabel.get(label);
  if (known !== undefined) return known ?? undefined;
  return remember(t2RowByLabel, label, matchT2RowUncached(label) ?? null) ?? undefined;
}

function matchT2RowUncached(label: string): T2Row | undefined {
  const k = stripOrdinal(labelKey(label));
  if (k.startsWith("其他主动公开")) return undefined; // Hubei extension row, not in the national template
  for (const r of T2_ROWS) if (r.prefixes.some((p) => k.startsWith(p))) return r;
  return undefined;
}

// ---------------------------------------------------------------- Table 3 (依申请)

export const T3_COLUMNS = [
  "natural_person",
  "commercial_enterprise",
  "research_institution",
  "social_welfare_org",
  "legal_service_org",
  "other_org",
  "total",
] as const;

/** The headings Table 3 prints over T3_COLUMNS, in their order. */
export const T3_COLUMN_HEADINGS = [
  "自然人",
  "商业企业",
  "科研机构",
  "社会公益组织",
  "法律服务机构",
  "其他",
  "总计",
];

export interface T3Row {
  /** Key segment after `applications.`; group rows have no key. */
  key?: string;
  group?: string;
  label: string;
  /** Distinctive normalized substrings; any one present identifies the row. */
  cores: string[];
  /** Rows that only exist in one version. */
  only?: "GOP2019" | "GOP2021";
}

export const T3_ROWS: T3Row[] = [
  { key: "new_received", label: "本年新收政府信息公开申请数量", cores: ["本年新收"] },
  { key: "carried_over", label: "上年结转政府信息公开申请数量", cores: ["上年结转"] },
  { group: "result", label: "本年度办理结果", cores: ["本年度办理结果"] },
  { key: "result.granted", label: "予以公开", cores: ["予以公开"] },
  { key: "result.partially_granted", label: "部分公开", cores: ["部分公开"] },
  { group: "withheld", label: "不予公开", cores: ["不予公开"] },
  { key: "result.withheld.state_secret", label: "属于国家秘密", cores: ["国家秘密"] },
  {
    key: "result.withheld.prohibited_by_law",
    label: "其他法律行政法规禁止公开",
    cores: ["法律行政法规禁", "行政法规禁止", "其他法律行政", "法规禁止公开"],
  },
  { key: "result.withheld.three_securities_one_stability", label: "危及三安全一稳定", cores: ["三安全"] },
  {
    key: "result.withheld.third_party_rights",
    label: "保护第三方合法权益",
    cores: ["第三方合法权益", "保护第三方"],
  },
  {
    key: "result.withheld.internal_affairs",
    label: "属于三类内部事务信息",
    cores: ["三类内部事务", "内部事务信息"],
  },
  { key: "result.withheld.process_info", label: "属于四类过程性信息", cores: ["四类过程性", "过程性信息"] },
  { key: "result.withheld.enforcement_case_file", label: "属于行政执法案卷", cores: ["行政执法案卷"] },
  { key: "result.withheld.admin_query", label: "属于行政查询事项", cores: ["行政查询事项"] },
  { group: "unable", label: "无法提供", cores: ["无法提供"] },
  { key: "result.unable.not_held", label: "本机关不掌握相关政府信息", cores: ["不掌握相关", "本机关不掌握"] },
  {
    key: "result.unable.needs_creation",
    label: "没有现成信息需要另行制作",
    cores: ["没有现成信息", "需要另行制作"],
  },
  {
    key: "result.unable.unclear_after_correction",
    label: "补正后申请内容仍不明确",
    cores: ["仍不明确", "补正后申请"],
  },
  { group: "not_processed", label: "不予处理", cores: ["不予处理"] },
  {
    key: "result.not_processed.petition_complaint",
    label: "信访举报投诉类申请",
    cores: ["信访举报", "举报投诉类"],
  },
  { key: "result.not_processed.duplicate", label: "重复申请", cores: ["重复申请"] },
  { key: "result.not_processed.publication", label: "要求提供公开出版物", cores: ["公开出版物"] },
  { key: "result.not_processed.excessive_repeat", label: "无正当理由大量反复申请", cores: ["大量反复"] },
  {
    key: "result.not_processed.confirm_or_reissue",
    label: "要求行政机关确认或重新出具已获取信息",
    cores: ["确认或重新出具", "重新出具已获取"],
  },
  { key: "result.other.total", label: "其他处理", cores: ["其他处理"] },
  {
    key: "result.other.no_correction_overdue",
    label: "申请人无正当理由逾期不补正行政机关不再处理其政府信息公开申请",
    cores: ["逾期不补正"],
    only: "GOP2021",
  },
  {
    key: "result.other.fee_unpaid_overdue",
    label: "申请人逾期未按收费通知要求缴纳费用行政机关不再处理其政府信息公开申请",
    cores: ["逾期未按收费", "收费通知要求缴纳", "逾期不缴费"],
    only: "GOP2021",
  },
  { key: "result.other.other", label: "其他", cores: [], only: "GOP2021" },
  { key: "result.total", label: "总计", cores: ["七总计"] },
  { key: "carried_forward", label: "结转下年度继续办理", cores: ["结转下年度", "转下年度继续"] },
];

const T3_LABEL_KEYS = T3_ROWS.map((r) => labelKey(r.label));

const T3_OTHER_TOTAL = T3_ROWS.findIndex((r) => r.key === "result.other.total");
const T3_TOTAL = T3_ROWS.findIndex((r) => r.key === "result.total");

/**
 * Row labels recur in every report: each label-sized one is matched once per process. One map per
 * `after`, keyed by the label itself (a key joined from both was a new string to hash at every call).
 */
const t3MatchCaches = new Map<number, Map<string, number[]>>();

/**
 * Indexes of T3_ROWS a label names. `after` is the index of the row last seen, so that `其他` and `总计`
 * (also column headers) only count inside the result block. The result may be shared between calls:
 * treat it as read-only.
 */
export function matchT3Rows(label: string, after = -1): number[] {
  if (label.length > MAX_CACHED_LABEL) return matchT3RowsUncached(label, after);
  let cache = t3MatchCaches.get(after);
  if (!cache) {
    cache = new Map();
    t3MatchCaches.set(after, cache);
  }
  return cache.get(label) ?? remember(cache, label, matchT3RowsUncached(label, after));
}

function matchT3RowsUncached(label: string, after: number): number[] {
  const k = labelKey(label);
  if (k === "") return [];
  const hits: number[] = [];
  T3_ROWS.forEach((r, i) => {
    if (r.cores.some((c) => k.includes(c))) hits.push(i);
  });
  const bare = labelKey(stripOrdinal(label));
  const otherIdx = T3_OTHER_TOTAL;
  const totalIdx = T3_TOTAL;
  // `3.其他` names its row by its ordinal (the column header 其他 has none); a bare 其他 counts only
  // inside the result block.
  if (bare === "其他" && (after >= otherIdx || /^(?:3[.、]|\(3\)|3\s)/.test(normalizeText(label).trim())))
    hits.push(otherIdx + 3);
  if (/^总计$/.test(bare) && after >= 3 && !hits.includes(totalIdx)) hits.push(totalIdx);
  if (hits.length === 0) {
    // Typos and wraps that lost a core: fuzzy match on the whole label without its ordinal.
    const body = stripOrdinal(k.replace(/^\d+/, ""));
    if (body.length >= 5) {
      T3_LABEL_KEYS.forEach((target, i) => {
        if (target.length >= 5 && editDistance(body, target, 2) <= 2) hits.push(i);
      });
    }
  }
  return [...new Set(hits)].sort((a, b) => a - b);
}

/** The leaf rows of Table 3 in template order for a version (GOP2021 collapsed: （六） as one row). */
export function t3Sequence(version: "GOP2019" | "GOP2021" | "GOP2021-collapsed"): number[] {
  const out: number[] = [];
  T3_ROWS.forEach((r, i) => {
    if (!r.key) return;
    if (version === "GOP2021" && r.key === "result.other.total") return;
    if (version !== "GOP2021" && r.only === "GOP2021") return;
    out.push(i);
  });
  return out;
}

// ---------------------------------------------------------------- Table 4 (复议/诉讼)

export const T4_KEYS: string[] = ["review", "litigation_direct", "litigation_after_review"].flatMap((g) =>
  ["upheld", "corrected", "other", "pending", "total"].map((o) => `appeals.${g}.${o}`),
);

// ---------------------------------------------------------------- all keys of a version

export function t2Keys(version: "GOP2019" | "GOP2021"): string[] {
  const out: string[] = [];
  for (const r of T2_ROWS) {
    if (version === "GOP2021" && (r.row === "other_external_services" || r.block === "art20_9")) continue;
    const cols = t2DefaultColumns(r.block, version)!.columns;
    for (const c of cols) out.push(`active.${r.block}.${r.row}.${c}`);
  }
  return out;
}

export function t3Keys(version: "GOP2019" | "GOP2021"): string[] {
  return t3Sequence(version).flatMap((i) => T3_COLUMNS.map((c) => `applications.${T3_ROWS[i].key}.${c}`));
}

/** Every printed cell key of a template version (GOP2019: 198, GOP2021: 200). */
export function versionKeys(version: "GOP2019" | "GOP2021"): string[] {
  return [...t2Keys(version), ...t3Keys(version), ...T4_KEYS];
}

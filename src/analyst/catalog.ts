// The analyst key catalogue: every key's labels, versions, GOP2019/GOP2021 comparability and derived terms.

import { T2_ROWS, T3_COLUMNS, T3_ROWS, T4_KEYS, versionKeys } from "../normalize/template.js";
import { editDistance } from "../normalize/text.js";

export type Presence = "printed" | "derived" | "absent";
export type Comparability = "comparable" | "caution" | "not_comparable";

export interface KeyInfo {
  key: string;
  /** `active`, `applications` or `appeals`. */
  table: string;
  label: string;
  gop2019: Presence;
  gop2021: Presence;
  /** Across GOP2019 and GOP2021 (within one version every key is comparable with itself). */
  comparability: Comparability;
  /** A key of the other version that measures something close (never merged into this one). */
  nearKey?: string;
  note: string;
  order: number;
}

export interface DerivedTerms {
  key: string;
  /** Alternative term sets (e.g. per version); the first complete one is used. */
  variants: string[][];
}

const T2_ROW_LABEL: Record<string, string> = {
  rules: "规章",
  normative_docs: "规范性文件",
  licensing: "行政许可",
  other_external_services: "其他对外管理服务事项",
  penalty: "行政处罚",
  coercion: "行政强制",
  admin_fees: "行政事业性收费",
  central_procurement: "政府集中采购",
};

export const T2_COLUMN_LABEL: Record<string, string> = {
  newly_made: "本年新制作数量",
  newly_published: "本年新公开数量",
  total_published: "对外公开总数量",
  issued: "本年制发件数",
  repealed: "本年废止件数",
  in_force: "现行有效件数",
  items_prev_year: "上一年项目数量",
  items_change: "本年增/减",
  decisions: "处理决定数量",
  amount_yuan: "金额（元）",
  project_count: "采购项目数量",
};

export const T3_COLUMN_LABEL: Record<string, string> = {
  natural_person: "自然人",
  commercial_enterprise: "商业企业",
  research_institution: "科研机构",
  social_welfare_org: "社会公益组织",
  legal_service_org: "法律服务机构",
  other_org: "其他",
  total: "总计",
  legal_person_subtotal: "法人或其他组织小计",
};

export const T4_GROUP_LABEL: Record<string, string> = {
  review: "行政复议",
  litigation_direct: "行政诉讼·未经复议直接起诉",
  litigation_after_review: "行政诉讼·复议后起诉",
  litigation_total: "行政诉讼·合计",
};

export const T4_OUTCOME_LABEL: Record<string, string> = {
  upheld: "结果维持",
  corrected: "结果纠正",
  other: "其他结果",
  pending: "尚未审结",
  total: "总计",
};

/** The five 法人或其他组织 columns. */
export const ORG_COLUMNS = T3_COLUMNS.slice(1, 6) as readonly string[];
export const T3_ALL_COLUMNS = [...T3_COLUMNS, "legal_person_subtotal"] as const;

const CAUTION_NOTE =
  "GOP2019 处理决定数量 and GOP2021 本年处理决定数量: same key, compare with caution (the wording changed; some reports counted items, not decisions).";

const OTHER_SUBROWS = ["no_correction_overdue", "fee_unpaid_overdue", "other"].map(
  (r) => `result.other.${r}`,
);
const GROUP_LEAVES: Record<string, string[]> = {
  withheld: T3_ROWS.filter((r) => r.key?.startsWith("result.withheld.")).map((r) => r.key!),
  unable: T3_ROWS.filter((r) => r.key?.startsWith("result.unable.")).map((r) => r.key!),
  not_processed: T3_ROWS.filter((r) => r.key?.startsWith("result.not_processed.")).map((r) => r.key!),
};

/** Table 3 row label by row key (without the `applications.` prefix). */
export function t3RowLabel(row: string): string {
  const group = /^result\.(withheld|unable|not_processed)\.subtotal$/.exec(row);
  if (group)
    return `${{ withheld: "（三）不予公开", unable: "（四）无法提供", not_processed: "（五）不予处理" }[group[1]]}·小计`;
  return T3_ROWS.find((r) => r.key === row)?.label ?? row;
}

function labelOf(key: string): string {
  const parts = key.split(".");
  if (parts[0] === "active")
    return `${T2_ROW_LABEL[parts[2]] ?? parts[2]} × ${T2_COLUMN_LABEL[parts[3]] ?? parts[3]}`;
  if (parts[0] === "applications") {
    const col = parts[parts.length - 1];
    return `${t3RowLabel(parts.slice(1, -1).join("."))} × ${T3_COLUMN_LABEL[col] ?? col}`;
  }
  return `${T4_GROUP_LABEL[parts[1]] ?? parts[1]} × ${T4_OUTCOME_LABEL[parts[2]] ?? parts[2]}`;
}

/** Derived keys (report-format.md §5.5, §5.6): never printed, computed only from printed numbers. */
export function derivedTerms(): DerivedTerms[] {
  const A = (row: string, col: string) => `applications.${row}.${col}`;
  const out: DerivedTerms[] = [];
  const rows = T3_ROWS.filter((r) => r.key).map((r) => r.key!);
  // 法人或其他组织 subtotal of every printed row; （六） total in GOP2021 from its three sub-rows.
  for (const row of rows) {
    const variants = [ORG_COLUMNS.map((c) => A(row, c))];
    if (row === "result.other.total")
      variants.push(OTHER_SUBROWS.flatMap((s) => ORG_COLUMNS.map((c) => A(s, c))));
    out.push({ key: A(row, "legal_person_subtotal"), variants });
  }
  // （六）其他处理 in GOP2021 = the sum of its three sub-rows (printed as one row in GOP2019).
  for (const col of T3_COLUMNS)
    out.push({ key: A("result.other.total", col), variants: [OTHER_SUBROWS.map((s) => A(s, col))] });
  // Group subtotals of （三）（四）（五）.
  for (const [group, leaves] of Object.entries(GROUP_LEAVES)) {
    for (const col of T3_ALL_COLUMNS) {
      const cols = col === "legal_person_subtotal" ? ORG_COLUMNS : [col];
      out.push({
        key: A(`result.${group}.subtotal`, col),
        variants: [leaves.flatMap((l) => cols.map((c) => A(l, c)))],
      });
    }
  }
  // Litigation total = direct + after review.
  for (const o of ["upheld", "corrected", "other", "pending", "total"]) {
    out.push({
      key: `appeals.litigation_total.${o}`,
      variants: [[`appeals.litigation_direct.${o}`, `appeals.litigation_after_review.${o}`]],
    });
  }
  return out;
}

let cached: KeyInfo[] | undefined;

/** Every printed and derived key, in template order. */
export function keyCatalog(): KeyInfo[] {
  if (cached) return cached;
  const v19 = new Set(versionKeys("GOP2019"));
  const v21 = new Set(versionKeys("GOP2021"));
  const derived = derivedTerms();
  const derivedKeys = new Set(derived.map((d) => d.key));
  const ordered: string[] = [];
  const seen = new Set<string>();
  const push = (k: string) => {
    if (!seen.has(k)) {
      seen.add(k);
      ordered.push(k);
    }
  };
  // Table 2 in template row order, GOP2019 columns then GOP2021 columns.
  for (const r of T2_ROWS) {
    for (const k of [...v19, ...v21]) if (k.startsWith(`active.${r.block}.${r.row}.`)) push(k);
  }
  // Table 3: template rows (with the derived subtotal rows after their groups), 7 + 1 columns.
  const t3Rows: string[] = [];
  for (const r of T3_ROWS) {
    if (r.key) t3Rows.push(r.key);
    if (r.key === "result.withheld.admin_query") t3Rows.push("result.withheld.subtotal");
    if (r.key === "result.unable.unclear_after_correction") t3Rows.push("result.unable.subtotal");
    if (r.key === "result.not_processed.confirm_or_reissue") t3Rows.push("result.not_processed.subtotal");
  }
  for (const row of t3Rows) for (const c of T3_ALL_COLUMNS) push(`applications.${row}.${c}`);
  for (const g of ["review", "litigation_direct", "litigation_after_review", "litigation_total"])
    for (const k of [...T4_KEYS, ...derivedKeys]) if (k.startsWith(`appeals.${g}.`)) push(k);

  cached = ordered.map((key, order): KeyInfo => {
    const isDerived = derivedKeys.has(key);
    let gop2019: Presence = v19.has(key) ? "printed" : isDerived ? "derived" : "absent";
    let gop2021: Presence = v21.has(key) ? "printed" : isDerived ? "derived" : "absent";
    const table = key.split(".")[0];
    // A derived key exists in a version only when its terms do.
    if (isDerived) {
      const d = derived.find((x) => x.key === key)!;
      const inVersion = (v: Set<string>) => d.variants.some((terms) => terms.every((t) => v.has(t)));
      if (!v19.has(key)) gop2019 = inVersion(v19) ? "derived" : "absent";
      if (!v21.has(key)) gop2021 = inVersion(v21) ? "derived" : "absent";
    }
    let comparability: Comparability = "comparable";
    let nearKey: string | undefined;
    let note = "Same cell in GOP2019 and GOP2021.";
    if (gop2019 === "absent" || gop2021 === "absent") {
      comparability = "not_comparable";
      note =
        gop2019 === "absent"
          ? "GOP2021 only (report years 2021 onward)."
          : "GOP2019 only (report years 2019–2020).";
      const m = /^active\.art20_1\.(rules|normative_docs)\.(\w+)$/.exec(key);
      if (m) {
        const near: Record<string, [string, string]> = {
          newly_made: [
            "issued",
            "near equivalent of 本年制发件数 (GOP2021); a different key, compare only with caution.",
          ],
          issued: [
            "newly_made",
            "near equivalent of 本年新制作数量 (GOP2019); a different key, compare only with caution.",
          ],
          total_published: [
            "in_force",
            "not comparable with 现行有效件数 (GOP2021): cumulative publication, not the in-force stock.",
          ],
          in_force: [
            "total_published",
            "not comparable with 对外公开总数量 (GOP2019): the in-force stock, not cumulative publication.",
          ],
        };
        if (near[m[2]]) {
          nearKey = `active.art20_1.${m[1]}.${near[m[2]][0]}`;
          note += ` ${near[m[2]][1]}`;
        }
      }
      if (key === "active.art20_8.admin_fees.amount_yuan")
        note += " Money (本年收费金额); never compare with the GOP2019 count of fee items (items_prev_year).";
      if (key.startsWith("active.art20_8.admin_fees.items"))
        note += " A count of fee items; never compare with the GOP2021 fee amount (amount_yuan).";
    } else if (/^active\.art20_(5|6)\.\w+\.decisions$/.test(key)) {
      comparability = "caution";
      note = CAUTION_NOTE;
    } else if (gop2019 !== gop2021) {
      note = `${gop2019 === "printed" ? "Printed" : "Derived"} in GOP2019, ${gop2021 === "printed" ? "printed" : "derived"} in GOP2021; the same quantity.`;
      if (key.startsWith("applications.result.other.total."))
        note =
          "（六）其他处理: printed as one row in GOP2019 (and in GOP2021 reports that collapse it), derived from its three sub-rows in GOP2021.";
    } else if (isDerived) {
      note = "Derived in both versions from the same printed cells.";
    }
    return { key, table, label: labelOf(key), gop2019, gop2021, comparability, nearKey, note, order };
  });
  return cached;
}

export function keyInfo(key: string): KeyInfo | undefined {
  return keyCatalog().find((k) => k.key === key);
}

/** The template version a report year is expected to use (§1.2); PRE2019 before 2019. */
export function nominalVersion(year: number): "PRE2019" | "GOP2019" | "GOP2021" {
  return year < 2019 ? "PRE2019" : year <= 2020 ? "GOP2019" : "GOP2021";
}

/**
 * Keys close to an unknown key or prefix, for a "did you mean" (compare --metric, export --key): keys
 * containing it or its last parts, else the keys and key prefixes within a few typos of it.
 */
export function nearKeys(key: string): string[] {
  const all = keyCatalog().map((k) => k.key);
  const contained = all.filter((k) => k.includes(key) || key.includes(k.split(".").slice(-2).join(".")));
  if (contained.length > 0) return contained.slice(0, 8);
  const max = Math.max(2, Math.floor(key.length / 8));
  const candidates = new Set<string>();
  for (const k of all) {
    const parts = k.split(".");
    for (let i = 2; i <= parts.length; i++) candidates.add(parts.slice(0, i).join("."));
  }
  return [...candidates]
    .map((k) => ({ k, d: editDistance(k, key, max) }))
    .filter((x) => x.d <= max)
    .sort((a, b) => a.d - b.d || a.k.localeCompare(b.k))
    .slice(0, 8)
    .map((x) => x.k);
}

/**
 * Table 3's rows in template order (derived subtotals after their groups), each with its keys across
 * the seven columns; only rows where `show` accepts a key. `show` and the web page lay the table out
 * from it.
 */
export function t3TemplateRows(
  show: (key: string) => boolean,
): { row: string; label: string; keys: string[] }[] {
  const rows: { row: string; label: string; keys: string[] }[] = [];
  const seen = new Set<string>();
  for (const k of keyCatalog()) {
    if (k.table !== "applications") continue;
    const row = k.key.split(".").slice(1, -1).join(".");
    if (seen.has(row)) continue;
    seen.add(row);
    const keys = T3_ALL_COLUMNS.map((c) => `applications.${row}.${c}`);
    if (keys.some(show)) rows.push({ row, label: t3RowLabel(row), keys });
  }
  return rows;
}

// Consistency rules R1, R2, R3, R5 (three-valued, on printed values) and R12 (prose vs table, warning).
// Rule results never change a value; they flag it.
import type { CanonicalCell } from "./cells.js";
import type { FormatVersion } from "./template.js";
import { T3_COLUMNS, T3_ROWS, t3Sequence } from "./template.js";

export type RuleStatus = "pass" | "fail" | "unknown";

export interface RuleResult {
  rule: "R1" | "R2" | "R3" | "R5" | "R12";
  status: RuleStatus;
  /** One line per failing instance, e.g. `自然人: 10 + 0 ≠ 9 + 0`. */
  failures: string[];
  /** Keys involved in failing instances (a failing rule flags them). */
  keys: string[];
}

/** The printed status and value of a cell by key; the rules read nothing else. */
type Lookup = (key: string) => Pick<CanonicalCell, "status" | "value"> | undefined;

/** Three-valued combination: any failing instance fails; otherwise any unknown makes it unknown. */
function combine(results: RuleStatus[]): RuleStatus {
  if (results.length === 0) return "unknown";
  if (results.includes("fail")) return "fail";
  if (results.includes("unknown")) return "unknown";
  return "pass";
}

/** Evaluates `sum(left) = sum(right)`; unknown when a term is missing or not a printed number. */
function equation(
  get: Lookup,
  left: string[],
  right: string[],
): { status: RuleStatus; l: number; r: number } {
  let l = 0;
  let r = 0;
  for (const [keys, side] of [
    [left, "l"],
    [right, "r"],
  ] as const) {
    for (const k of keys) {
      const c = get(k);
      if (c?.status !== "number" || c.value === null)
        return { status: "unknown", l: Number.NaN, r: Number.NaN };
      if (side === "l") l += c.value;
      else r += c.value;
    }
  }
  return { status: l === r ? "pass" : "fail", l, r };
}

function rule(
  name: RuleResult["rule"],
  instances: { status: RuleStatus; label: string; keys: string[] }[],
): RuleResult {
  const failing = instances.filter((i) => i.status === "fail");
  return {
    rule: name,
    status: combine(instances.map((i) => i.status)),
    failures: failing.map((i) => i.label),
    keys: [...new Set(failing.flatMap((i) => i.keys))],
  };
}

/**
 * The key of a Table 3 cell. The same few hundred keys are asked for in every document: built once, a
 * key string also keeps its hash, so map look-ups do not rehash a fresh string each time.
 */
const t3Keys = new Map<string, Map<string, string>>();
function A(row: string, col: string): string {
  let byCol = t3Keys.get(row);
  if (!byCol) {
    byCol = new Map();
    t3Keys.set(row, byCol);
  }
  let key = byCol.get(col);
  if (key === undefined) {
    key = `applications.${row}.${col}`;
    byCol.set(col, key);
  }
  return key;
}

/** R5's instances, one per Table 4 group: 总计 = 维持 + 纠正 + 其他 + 尚未审结. */
export function r5Instances(get: Lookup): { status: RuleStatus; label: string; keys: string[] }[] {
  return ["review", "litigation_direct", "litigation_after_review"].map((g) => {
    const parts = ["upheld", "corrected", "other", "pending"].map((o) => `appeals.${g}.${o}`);
    const e = equation(get, [`appeals.${g}.total`], parts);
    return {
      status: e.status,
      label: `${g}: 总计 ${e.l} ≠ ${e.r}`,
      keys: [`appeals.${g}.total`, ...parts],
    };
  });
}

export function checkRules(cells: CanonicalCell[], version: FormatVersion): RuleResult[] {
  const byKey = new Map(cells.map((c) => [c.key, c]));
  const get: Lookup = (k) => byKey.get(k);
  const present = (row: string) => T3_COLUMNS.some((c) => byKey.has(A(row, c)));
  const out: RuleResult[] = [];

  // R1: 一 + 二 = 三(七) + 四, per column.
  out.push(
    rule(
      "R1",
      T3_COLUMNS.map((c) => {
        const left = [A("new_received", c), A("carried_over", c)];
        const right = [A("result.total", c), A("carried_forward", c)];
        const e = equation(get, left, right);
        return { status: e.status, label: `${c}: ${e.l} ≠ ${e.r}`, keys: [...left, ...right] };
      }),
    ),
  );

  // R2: per printed row, 总计 = sum of the six applicant columns.
  const seqVersion = byKey.has(A("result.other.no_correction_overdue", "total")) ? "GOP2021" : "GOP2019";
  const rows = t3Sequence(version === "GOP2019" ? "GOP2019" : seqVersion).map((i) => T3_ROWS[i].key!);
  out.push(
    rule(
      "R2",
      rows.filter(present).map((row) => {
        const parts = T3_COLUMNS.slice(0, 6).map((c) => A(row, c));
        const e = equation(get, [A(row, "total")], parts);
        return { status: e.status, label: `${row}: 总计 ${e.l} ≠ ${e.r}`, keys: [A(row, "total"), ...parts] };
      }),
    ),
  );

  // R3: （七）总计 = sum of the leaf result rows, per column.
  const leaves = rows.filter((r) => r.startsWith("result.") && r !== "result.total");
  out.push(
    rule(
      "R3",
      T3_COLUMNS.map((c) => {
        const parts = leaves.map((r) => A(r, c));
        const e = equation(get, [A("result.total", c)], parts);
        return {
          status: e.status,
          label: `${c}: （七）总计 ${e.l} ≠ leaves ${e.r}`,
          keys: [A("result.total", c), ...parts],
        };
      }),
    ),
  );

  // R5: Table 4 总计 = 维持 + 纠正 + 其他 + 尚未审结, per group.
  out.push(rule("R5", r5Instances(get)));
  return out;
}

/**
 * R12: figures the prose states (applications received, review and litigation cases) against the
 * table. A warning only: prose often counts a different scope.
 */
export function checkProse(cells: CanonicalCell[], lines: string[]): RuleResult {
  const byKey = new Map(cells.map((c) => [c.key, c]));
  const text = lines.join("\n");
  const failures: string[] = [];
  const keys: string[] = [];
  const compare = (re: RegExp, key: string, what: string) => {
    const m = re.exec(text);
    const cell = byKey.get(key);
    if (!m || !cell || cell.status !== "number") return undefined;
    const said = Number(m[1]);
    if (said !== cell.value) {
      failures.push(`${what}: prose says ${said}, table prints ${cell.value}`);
      keys.push(key);
      return false;
    }
    return true;
  };
  const results = [
    compare(
      /(?:共|全年)?(?:收到|受理|新收)[^。，,；\d]{0,16}?申请\s*(\d+)\s*[件个份]/,
      "applications.new_received.total",
      "applications received",
    ),
    compare(/行政复议(?:案件|申请)?\s*(\d+)\s*[件起]/, "appeals.review.total", "administrative reviews"),
  ].filter((r) => r !== undefined);
  return {
    rule: "R12",
    status: results.length === 0 ? "unknown" : failures.length > 0 ? "fail" : "pass",
    failures,
    keys,
  };
}

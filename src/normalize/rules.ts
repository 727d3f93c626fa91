// Consistency rules R1, R2, R3, R5 (three-valued, on printed values) and R12 (prose vs table, warning).
// Rule results never change a value; they flag it.
import { mapPacked } from "../packed-arrays.js";
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
function combine(instances: readonly { status: RuleStatus }[]): RuleStatus {
  if (instances.length === 0) return "unknown";
  if (instances.some((i) => i.status === "fail")) return "fail";
  if (instances.some((i) => i.status === "unknown")) return "unknown";
  return "pass";
}

/** Evaluates `sum(left) = sum(right)`; unknown when a term is missing or not a printed number. */
function equation(
  get: Lookup,
  left: string[],
  right: string[],
): { status: RuleStatus; l: number; r: number } {
  const l = sideSum(get, left);
  const r = l === undefined ? undefined : sideSum(get, right);
  if (l === undefined || r === undefined) return { status: "unknown", l: Number.NaN, r: Number.NaN };
  return { status: l === r ? "pass" : "fail", l, r };
}

/**
 * The sum of printed numbers under these keys; undefined when one is missing or not a printed number
 * (a blank cell counts as 0 where `blankAsZero`).
 */
function sideSum(get: Lookup, keys: string[], blankAsZero = false): number | undefined {
  let sum = 0;
  for (let i = 0; i < keys.length; i++) {
    const c = get(keys[i]);
    if (blankAsZero && c?.status === "blank") continue;
    if (c?.status !== "number" || c.value === null) return undefined;
    sum += c.value;
  }
  return sum;
}

function rule(
  name: RuleResult["rule"],
  instances: { status: RuleStatus; label: string; keys: string[] }[],
): RuleResult {
  const failing = instances.filter((i) => i.status === "fail");
  return {
    rule: name,
    status: combine(instances),
    failures: mapPacked(failing, (i) => i.label),
    keys: [...new Set(failing.flatMap((i) => i.keys))],
  };
}

/** A sum rule's instance over fixed keys: `sum(left) = sum(right)`, its failure line made from the sums. */
interface SumInstance {
  left: string[];
  right: string[];
  /** Every key of the instance, left then right (what a failing instance flags). */
  keys: string[];
  label: (l: number, r: number) => string;
}

function sumInstance(left: string[], right: string[], label: SumInstance["label"]): SumInstance {
  return { left, right, keys: [...left, ...right], label };
}

const A = (row: string, col: string): string => `applications.${row}.${col}`;

/** R1: 一 + 二 = 三(七) + 四, per column. */
const R1_INSTANCES = T3_COLUMNS.map((c) =>
  sumInstance(
    [A("new_received", c), A("carried_over", c)],
    [A("result.total", c), A("carried_forward", c)],
    (l, r) => `${c}: ${l} ≠ ${r}`,
  ),
);

/**
 * R2's instances (per row: 总计 = the six applicant columns) and R3's (per column: （七）总计 = the leaf
 * result rows) for one row sequence of Table 3, with the keys of each row. The same keys are asked
 * for in every document: built once per sequence, not per document.
 */
interface Table3Rules {
  rows: { row: string; keys: string[]; r2: SumInstance }[];
  r3: SumInstance[];
}

function table3Rules(sequence: "GOP2019" | "GOP2021"): Table3Rules {
  const rows = t3Sequence(sequence).map((i) => T3_ROWS[i].key!);
  const leaves = rows.filter((r) => r.startsWith("result.") && r !== "result.total");
  return {
    rows: rows.map((row) => ({
      row,
      keys: T3_COLUMNS.map((c) => A(row, c)),
      r2: sumInstance(
        [A(row, "total")],
        T3_COLUMNS.slice(0, 6).map((c) => A(row, c)),
        (l, r) => `${row}: 总计 ${l} ≠ ${r}`,
      ),
    })),
    r3: T3_COLUMNS.map((c) =>
      sumInstance(
        [A("result.total", c)],
        leaves.map((r) => A(r, c)),
        (l, r) => `${c}: （七）总计 ${l} ≠ leaves ${r}`,
      ),
    ),
  };
}

const TABLE3_RULES = { GOP2019: table3Rules("GOP2019"), GOP2021: table3Rules("GOP2021") };
const GOP2021_ONLY_KEY = A("result.other.no_correction_overdue", "total");

/** Evaluates sum instances; a failure line is made only for an instance that fails. */
function evaluate(
  get: Lookup,
  instances: SumInstance[],
): { status: RuleStatus; label: string; keys: string[] }[] {
  return mapPacked(instances, (i) => {
    const e = equation(get, i.left, i.right);
    return { status: e.status, label: e.status === "fail" ? i.label(e.l, e.r) : "", keys: i.keys };
  });
}

/** R5's instances, one per Table 4 group: 总计 = 维持 + 纠正 + 其他 + 尚未审结. */
const R5_INSTANCES = ["review", "litigation_direct", "litigation_after_review"].map((g) =>
  sumInstance(
    [`appeals.${g}.total`],
    ["upheld", "corrected", "other", "pending"].map((o) => `appeals.${g}.${o}`),
    (l, r) => `${g}: 总计 ${l} ≠ ${r}`,
  ),
);

export function r5Instances(get: Lookup): { status: RuleStatus; label: string; keys: string[] }[] {
  return evaluate(get, R5_INSTANCES);
}

/**
 * For a document read by OCR: the number cells of every sum of R1, R2, R3 and R5 that does not add up
 * when its blank cells count as 0 and its doubted readings as read. Under OCR a blank may be a value
 * the engine did not see, and a reading made with confidence may still be wrong (0 read as 4 in a row
 * whose other cells are blank or doubted, so that its rule is unknown): in such a sum some cell is not
 * as printed, and each of its values is to be checked. The rules themselves still take a blank as
 * unknown; a sum with a cell missing, or read as text, is left to the other flags.
 */
export function unbalancedUnderOcr(cells: CanonicalCell[], version: FormatVersion): Set<string> {
  const byKey = cellsByKey(cells);
  const get: Lookup = (k) => byKey.get(k);
  const t3 = table3RulesFor(byKey, version);
  const out = new Set<string>();
  for (const i of [...R1_INSTANCES, ...t3.rows.map((r) => r.r2), ...t3.r3, ...R5_INSTANCES]) {
    const l = sideSum(get, i.left, true);
    const r = l === undefined ? undefined : sideSum(get, i.right, true);
    if (l === undefined || r === undefined || l === r) continue;
    for (const k of i.keys) if (byKey.get(k)?.status === "number") out.add(k);
  }
  return out;
}

/** Table 3's rules for a report: the GOP2021 rows where the version says so and its own row is printed. */
function table3RulesFor(byKey: Map<string, CanonicalCell>, version: FormatVersion): Table3Rules {
  return TABLE3_RULES[version !== "GOP2019" && byKey.has(GOP2021_ONLY_KEY) ? "GOP2021" : "GOP2019"];
}

/** The cells by key (the last of a key wins), filled in a loop: no [key, cell] pair per cell. */
function cellsByKey(cells: CanonicalCell[]): Map<string, CanonicalCell> {
  const byKey = new Map<string, CanonicalCell>();
  for (let i = 0; i < cells.length; i++) byKey.set(cells[i].key, cells[i]);
  return byKey;
}

export function checkRules(cells: CanonicalCell[], version: FormatVersion): RuleResult[] {
  const byKey = cellsByKey(cells);
  const get: Lookup = (k) => byKey.get(k);
  const out: RuleResult[] = [];

  // R1: 一 + 二 = 三(七) + 四, per column.
  out.push(rule("R1", evaluate(get, R1_INSTANCES)));

  // R2: per printed row, 总计 = sum of the six applicant columns.
  const t3 = table3RulesFor(byKey, version);
  const printedRows = t3.rows.filter((r) => r.keys.some((k) => byKey.has(k)));
  out.push(
    rule(
      "R2",
      evaluate(
        get,
        mapPacked(printedRows, (r) => r.r2),
      ),
    ),
  );

  // R3: （七）总计 = sum of the leaf result rows, per column.
  out.push(rule("R3", evaluate(get, t3.r3)));

  // R5: Table 4 总计 = 维持 + 纠正 + 其他 + 尚未审结, per group.
  out.push(rule("R5", r5Instances(get)));
  return out;
}

/**
 * R12: figures the prose states (applications received, review and litigation cases) against the
 * table. A warning only: prose often counts a different scope.
 */
export function checkProse(cells: CanonicalCell[], lines: string[]): RuleResult {
  const text = lines.join("\n");
  const failures: string[] = [];
  const keys: string[] = [];
  const compare = (re: RegExp, key: string, what: string) => {
    // Two keys are looked up: found by a scan (the last of a key wins), without a map of every cell.
    const cell = cells.findLast((c) => c.key === key);
    if (cell?.status !== "number") return undefined;
    const m = re.exec(text);
    if (!m) return undefined;
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

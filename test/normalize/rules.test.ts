import { describe, expect, it } from "vitest";
import type { CanonicalCell } from "../../src/normalize/cells.js";
import { checkRules } from "../../src/normalize/rules.js";
import { T3_COLUMNS } from "../../src/normalize/template.js";

const cell = (key: string, value: number | null): CanonicalCell => ({
  key,
  value,
  status: value === null ? "blank" : "number",
  exact: undefined,
  raw: value === null ? "" : String(value),
  unit: "count",
  rawUnit: undefined,
  sign: undefined,
  sourceLabel: undefined,
  confidence: 1,
  pos: {},
});

/** A Table 3 row: the six applicant columns, then 总计. */
const row = (name: string, values: (number | null)[]) =>
  T3_COLUMNS.map((c, i) => cell(`applications.${name}.${c}`, values[i]));

describe("checkRules", () => {
  it("checks R2 on printed rows only, with a failure line per failing row", () => {
    const cells = [
      ...row("new_received", [1, 2, 3, 4, 5, 6, 21]),
      ...row("carried_over", [1, 1, 1, 1, 0, 0, 5]),
    ];
    const r2 = checkRules(cells, "GOP2021").find((r) => r.rule === "R2")!;
    expect(r2.status).toBe("fail");
    expect(r2.failures).toEqual(["carried_over: 总计 5 ≠ 4"]);
    const keys = row("carried_over", []).map((c) => c.key);
    expect(r2.keys).toEqual([keys[6], ...keys.slice(0, 6)]);
  });

  it("checks R1 and R3 per column, unknown where a term is not printed", () => {
    const zeros = [0, 0, 0, 0, 0, 0, 0];
    const cells = [
      ...row("new_received", [2, 0, 0, 0, 0, 0, 2]),
      ...row("carried_over", zeros),
      ...row("result.total", [1, 0, 0, 0, 0, 0, 1]),
      ...row("carried_forward", [0, 0, 0, 0, 0, 0, 1]),
      ...row("result.granted", [1, 0, 0, 0, 0, 0, 1]),
    ];
    const rules = Object.fromEntries(checkRules(cells, "GOP2021").map((r) => [r.rule, r]));
    // natural_person: 2 + 0 ≠ 1 + 0; total: 2 + 0 = 1 + 1.
    expect(rules.R1.status).toBe("fail");
    expect(rules.R1.failures).toEqual(["natural_person: 2 ≠ 1"]);
    // The other leaf result rows are not printed: R3 cannot be decided.
    expect(rules.R3.status).toBe("unknown");
    expect(rules.R3.failures).toEqual([]);
    // 结转 prints a 总计 its columns do not add up to.
    expect(rules.R2.failures).toEqual(["carried_forward: 总计 1 ≠ 0"]);
  });
});

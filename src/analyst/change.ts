// The change of a compare row from its first to its last year, computed only within one issuer.
import type { CompareCell, CompareRow } from "./compare.js";

/**
 * The change from the first to the last year with a number, only when both are one and the same issuer's
 * report: a difference between two bodies (an office's 859 and a commission's 34) is no change.
 */
export function changeOf(
  row: CompareRow,
  years: number[],
): { delta: number; pct: number | null } | { reason: string } | undefined {
  const nums = years
    .map((y) => row.cells[y])
    .filter((c): c is CompareCell => !!c && c.numbers > 0 && c.value !== null);
  if (nums.length < 2) return undefined;
  const a = nums[0];
  const b = nums[nums.length - 1];
  if (a.issuerIds.length !== 1 || b.issuerIds.length !== 1 || a.issuerIds[0] !== b.issuerIds[0])
    return { reason: "different issuers" };
  const delta = b.value! - a.value!;
  return { delta, pct: a.value !== 0 ? (100 * delta) / a.value! : null };
}

// The discovery interface: one module per CMS family, chosen by the fingerprints of a page.
import type { PageContext, RawLink } from "../page.js";

export interface Family {
  name: string;
  /** 0 when the page shows none of the family's marks; higher is surer. */
  fingerprint(ctx: PageContext): number;
  /**
   * Further pages of the list (GET or POST requests, `page: true`) and list items only this family
   * can read (records in CMS data, API answers). Ordinary anchors are read for every family.
   */
  discover(ctx: PageContext): RawLink[];
}

/** Reads `NAME = 12` (or `NAME: 12`) from a page's scripts. */
export function scriptNumber(text: string, names: string[]): number | undefined {
  for (const n of names) {
    const m = new RegExp(`["']?\\b${n}["']?\\s*[:=]\\s*["']?(\\d+)`, "i").exec(text);
    if (m) return Number(m[1]);
  }
  return undefined;
}

/** Pages 1..total of a list, bounded by the source's list-page limit. */
export function pageRange(total: number, ctx: PageContext): number[] {
  const max = Math.min(total, ctx.src.limits.maxListPages);
  return Array.from({ length: Math.max(0, max) }, (_, i) => i + 1);
}

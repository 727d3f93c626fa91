// Historic GB/T 2260 names: every revision 2002–2016 from the `gb2260` package, and a curated table of
// later changes, so that a report issued under an old place name resolves to today's division.
import { createRequire } from "node:module";

/** The dataset of historic codes: cn/GB2260 as published on npm (one JSON file per revision). */
export const HISTORY_DATASET = "gb2260";

export interface HistoricDivision {
  code: string;
  name: string;
  /** Last revision (YYYYMM) that lists this code under this name. */
  lastSeen: string;
}

/** A change after the last revision of the package, or one its codes do not tell by themselves. */
export interface CuratedChange {
  code: string;
  name: string;
  /** Today's code. */
  successor: string;
  /** `renamed`: the same body under a new name (one to one); `merged_into`: it became part of another. */
  change: "renamed" | "merged_into";
  year: number;
  source: string;
}

const LAIWU =
  "国务院关于同意山东省调整济南市莱芜市行政区划的批复（国函〔2019〕4号）；民政部 2019年中华人民共和国县以上行政区划代码";

/**
 * Changes the successor search (same code, or the same name stem in the same parent) cannot find.
 * Source of each row: the State Council approval or the 民政部 yearly code list named in `source`.
 */
export const CURATED_CHANGES: CuratedChange[] = [
  { code: "371200", name: "莱芜市", successor: "370100", change: "merged_into", year: 2019, source: LAIWU },
  { code: "371202", name: "莱城区", successor: "370116", change: "renamed", year: 2019, source: LAIWU },
  { code: "371203", name: "钢城区", successor: "370117", change: "renamed", year: 2019, source: LAIWU },
];

let byName: Map<string, HistoricDivision[]> | undefined;

/** Every name each code has had in the package's revisions, newest revision first. */
export function historicNames(): Map<string, HistoricDivision[]> {
  if (byName) return byName;
  const req = createRequire(import.meta.url);
  const revisions = req(`${HISTORY_DATASET}/lib/revisions.json`) as string[];
  const out = new Map<string, HistoricDivision[]>();
  for (const rev of revisions) {
    const data = req(`${HISTORY_DATASET}/lib/${rev}.json`) as Record<string, string>;
    for (const [code, name] of Object.entries(data)) {
      if (/直辖|市辖区/.test(name)) continue;
      const list = out.get(name) ?? [];
      if (!list.some((d) => d.code === code)) list.push({ code, name, lastSeen: rev });
      out.set(name, list);
    }
  }
  for (const c of CURATED_CHANGES) {
    const list = out.get(c.name) ?? [];
    if (!list.some((d) => d.code === c.code))
      list.push({ code: c.code, name: c.name, lastSeen: String(c.year) });
    out.set(c.name, list);
  }
  byName = out;
  return out;
}

// The region index: the file the build ships equals one built now from the installed datasets, and
// searching it in place finds every division by its name and every historic name.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  buildRegionIndex,
  datasetRows,
  RegionIndex,
  regionIndexStamp,
} from "../../src/analyst/region-index.js";
import { projectRoot } from "../helpers.js";

const built = buildRegionIndex();
const index = new RegionIndex(Buffer.from(built, "utf8").toString("latin1"));

describe("region index", () => {
  const shipped = join(projectRoot, "dist", "analyst", "region-index.txt");
  it.skipIf(!existsSync(shipped))("the index `npm run build` ships equals a fresh build", () => {
    const text = readFileSync(shipped, "utf8");
    expect(text.slice(0, text.indexOf("\n"))).toBe(regionIndexStamp());
    expect(text === built, "dist/analyst/region-index.txt is stale: run `npm run build`").toBe(true);
  });

  it("finds every division of the dataset by its name, with its code and parent", () => {
    const rows = datasetRows();
    let checked = 0;
    for (const row of rows) {
      if (/直辖|市辖区/.test(row.n)) continue;
      const hits = index.named(row.n);
      expect(hits, row.n).toBeDefined();
      const townCode = row.t ? `${row.c}${String(row.t).slice(0, 3)}` : undefined;
      // A division renumbered in place is kept under its newer code only.
      const same = hits!.filter((h) => h.div.name === row.n && !h.alias);
      expect(same.length, row.n).toBeGreaterThan(0);
      if (same.some((h) => h.div.code === row.c && h.div.townCode === townCode)) checked++;
    }
    expect(checked).toBeGreaterThan(rows.length * 0.99);
    const jiangning = index.named("江宁区")!.find((h) => h.div.code === "320115")!;
    expect(jiangning.alias).toBe(false);
    expect(jiangning.div.level).toBe("county");
    expect(jiangning.div.parent?.name).toBe("南京市");
    expect(jiangning.div.parent?.parent?.name).toBe("江苏省");
    expect(index.named("江宁")!.some((h) => h.alias && h.div === jiangning.div)).toBe(true);
    // The same division is one object whichever name reaches it (identity tells candidates apart).
    expect(index.named("南京市")![0].div).toBe(jiangning.div.parent);
  });

  it("answers names it does not hold, however close to one", () => {
    for (const name of ["江宁区人民政府", "江", "人民政府", "南京市江宁", "区", "zz", "江宁区区"])
      expect(index.named(name), name).toBeUndefined();
  });

  it("keeps the historic names with their codes, newest revision first", () => {
    expect(index.historic("洪泽县")).toEqual([{ code: "320829", name: "洪泽县", lastSeen: "201509" }]);
    expect(index.historic("莱芜市")?.[0]).toMatchObject({ code: "371200", name: "莱芜市" });
    expect(index.historic("洪泽县人民政府")).toBeUndefined();
    expect(index.byCode.get("320115")?.name).toBe("江宁区");
    expect(index.regional.some((d) => d.level === "township")).toBe(false);
  });
});

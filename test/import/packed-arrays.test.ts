// mapPacked keeps arrays packed in optimized code, where Array.prototype.map's come out holey (the
// reason the import pipeline builds the arrays its hot loops read with it).
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { mapPacked } from "../../src/packed-arrays.js";

const root = resolve(import.meta.dirname, "../..");

describe("mapPacked", () => {
  it("maps like Array.prototype.map, with each item's index", () => {
    const items = ["a", "b", "c"];
    expect(mapPacked(items, (s, i) => `${s}${i}`)).toEqual(items.map((s, i) => `${s}${i}`));
    expect(mapPacked([], (x) => x)).toEqual([]);
  });

  it("returns a packed array from optimized code, where map() returns a holey one", () => {
    const run = spawnSync(
      process.execPath,
      ["--allow-natives-syntax", "--import", "tsx", "test/fixtures/v8/packed-arrays-probe.ts"],
      { cwd: root, encoding: "utf8" },
    );
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toEqual({ map: true, mapPacked: false });
  });
});

// Exact values: money scaled from the printed digits with decimal arithmetic, counts stored as integers.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { findGoldPairs } from "../../src/eval/score.js";
import { processDocument } from "../../src/import/pipeline.js";
import { scaleDecimal } from "../../src/normalize/text.js";
import { Store } from "../../src/store/store.js";
import { hasShared, projectRoot, sharedCorpus, sharedMissing, tempDir } from "../helpers.js";
import {
  report,
  TABLE2_GOP2021,
  TABLE4_ZEROS,
  table3Paragraphs,
  table3Values,
} from "../normalize/fixtures.js";

/** Independent check: the printed decimal times 10^zeros with BigInt arithmetic, as canonical text. */
function bigScale(digits: string, zeros: number): string {
  const [int, frac = ""] = digits.split(".");
  const scaled = BigInt(int + frac) * 10n ** BigInt(zeros);
  const s = scaled.toString().padStart(frac.length + 1, "0");
  const i = s.slice(0, s.length - frac.length);
  const f = s.slice(s.length - frac.length).replace(/0+$/, "");
  return f ? `${i}.${f}` : i;
}

describe("decimal scaling of money", () => {
  it("scales 万元 and 亿元 amounts exactly, however many decimals are printed", () => {
    expect(scaleDecimal("4166.241619", 10000)).toBe("41662416.19");
    expect(Number(scaleDecimal("4166.241619", 10000))).toBe(41662416.19);
    expect(4166.241619 * 10000).not.toBe(41662416.19); // what binary floating point gave
    expect(scaleDecimal("0.000001", 10000)).toBe("0.01");
    expect(scaleDecimal("12.3456", 10000)).toBe("123456");
    expect(scaleDecimal("1.23456789012", 100000000)).toBe("123456789.012");
    expect(scaleDecimal("1,234.5", 1)).toBe("1234.5");
    expect(scaleDecimal("0", 10000)).toBe("0");
    expect(scaleDecimal("-3.5", 10000)).toBe("-35000");
    expect(scaleDecimal("abc", 10000)).toBeNull();
  });

  const folders = [join(projectRoot, "corpus"), ...(hasShared ? [sharedCorpus] : [])];
  if (!hasShared) console.warn(sharedMissing);
  it("every money cell of every corpus and gold file is the printed digits scaled exactly, and matches its gold", async () => {
    let checked = 0;
    for (const { doc, gold } of findGoldPairs(folders)) {
      const g = JSON.parse(readFileSync(gold, "utf8")) as { cells: Record<string, number | string> };
      const p = await processDocument(readFileSync(doc));
      for (const c of p.report.cells.filter((c) => c.unit === "yuan" && c.status === "number")) {
        const digits = c.raw.replace(/[^\d.]/g, "");
        const zeros = c.rawUnit === "万元" ? 4 : c.rawUnit === "亿元" ? 8 : 0;
        const exact = bigScale(digits, zeros);
        expect(c.exact, `${doc} ${c.key} ${c.raw}`).toBe(c.sign === "-" ? `-${exact}` : exact);
        expect(c.value, `${doc} ${c.key}`).toBe(Number(c.exact));
        expect(String(c.value), `${doc} ${c.key}: no binary drift`).toBe(c.exact);
        if (typeof g.cells[c.key] === "number") expect(c.value, `${doc} ${c.key} gold`).toBe(g.cells[c.key]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(10);
  }, 300_000);
});

describe("stored values", () => {
  it("stores counts as INTEGER and 6-decimal 万元 money exactly, and sqlite3 prints them as printed", () => {
    const dir = tempDir();
    const db = join(dir, "exact.sqlite");
    const text = report(
      2022,
      TABLE2_GOP2021.replace("12.3456", "4166.241619"),
      table3Paragraphs(table3Values("GOP2021")),
      TABLE4_ZEROS,
    );
    const store = new Store(db);
    return processDocument(Buffer.from(text)).then((p) => {
      store.saveReport(
        { sha256: "a".repeat(64), origin: "exact.txt", size: text.length },
        p.form,
        p.charset,
        p.report,
      );
      store.close();
      const d = new Database(db, { readonly: true });
      const money = d
        .prepare(
          "SELECT value, value_exact, typeof(value) AS t FROM cells WHERE key = 'active.art20_8.admin_fees.amount_yuan'",
        )
        .get() as { value: number; value_exact: string; t: string };
      expect(money).toEqual({ value: 41662416.19, value_exact: "41662416.19", t: "real" });
      const types = d.prepare("SELECT DISTINCT typeof(value) FROM cells WHERE unit = 'count'").pluck().all();
      expect(types.sort()).toEqual(["integer", "null"]);
      expect(
        d
          .prepare("SELECT typeof(value) FROM current_cells WHERE key = 'applications.new_received.total'")
          .pluck()
          .get(),
      ).toBe("integer");
      d.close();
    });
  });
});

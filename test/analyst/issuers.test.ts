// Issuers as entities: name variants of one body across years, bodies of different types kept apart,
// historic place names, page noise, and merges and splits by hand that survive re-import.
import { appendFileSync, copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import Database from "better-sqlite3";
import iconv from "iconv-lite";
import { beforeAll, describe, expect, it } from "vitest";
import { cleanIssuerName } from "../../src/analyst/issuers.js";
import { resolveRegion, splitPlace } from "../../src/analyst/regions.js";
import { tempDir } from "../helpers.js";
import { corpus, importInto, zfxxgk } from "./helpers.js";

/** A corpus report with its names replaced (in order), written under a new file name in its charset. */
function variant(dir: string, file: string, as: string, replace: [string, string][]): string {
  const bytes = readFileSync(join(corpus, file));
  const charset = /gbk/.test(file) ? "gbk" : /gb18030/.test(file) ? "gb18030" : "utf8";
  let text = charset === "utf8" ? bytes.toString("utf8") : iconv.decode(bytes, charset);
  for (const [a, b] of replace) text = text.replaceAll(a, b);
  const out = join(dir, `${as}-${basename(file)}`);
  writeFileSync(out, charset === "utf8" ? text : iconv.encode(text, charset));
  return out;
}

let dir: string;
let files: string[];
let db: string;

interface Linked {
  id: number;
  issuer_name: string;
  report_year: number;
  issuer_id: number;
  region_code: string | null;
  method: string | null;
  issuer_type: string;
}

function reports(): Linked[] {
  const d = new Database(db, { readonly: true });
  try {
    return d
      .prepare(`SELECT r.id, r.issuer_name, r.report_year, r.issuer_id, r.issuer_type, g.region_code, g.method
        FROM reports r LEFT JOIN report_regions g ON g.report_id = r.id ORDER BY r.report_year`)
      .all() as Linked[];
  } finally {
    d.close();
  }
}

const of = (name: string) => reports().filter((r) => r.issuer_name === name);

beforeAll(async () => {
  dir = tempDir("zfxxgk-issuers-");
  files = [
    // One district government under three names: 洪泽县 (before 2016), 洪泽区, 淮安市洪泽区.
    variant(dir, "qingxi-2017.txt", "hongze", [
      ["江宁市青溪区", "洪泽县"],
      ["青溪区", "洪泽县"],
    ]),
    variant(dir, "qingxi-2020.txt", "hongze", [
      ["江宁市青溪区", "洪泽区"],
      ["青溪区", "洪泽区"],
    ]),
    variant(dir, "qingxi-2023.txt", "hongze", [
      ["江宁市青溪区", "淮安市洪泽区"],
      ["青溪区", "洪泽区"],
    ]),
    // One town government, with and without its district.
    variant(dir, "baisha-2020.txt", "baisha", [["青溪区白沙镇人民政府", "白沙镇人民政府"]]),
    variant(dir, "baisha-2022.txt", "baisha", []),
    // Two towns of one district that the region data lacks: placed in the district, never one issuer.
    variant(dir, "baisha-2022.txt", "jn-moshi", [
      ["白沙镇", "墨石镇"],
      ["青溪区", "江宁区"],
    ]),
    variant(dir, "baisha-2022.txt", "jn-heishi", [
      ["白沙镇", "黑石镇"],
      ["青溪区", "江宁区"],
    ]),
    // Three bodies of one city, of three types.
    variant(dir, "jiangning-2021.txt", "shanghai", [["江宁市", "上海市"]]),
    variant(dir, "bangongshi-2019.md", "shanghai", [
      ["江宁市人民政府办公室", "上海市人民政府办公厅"],
      ["江宁市", "上海市"],
    ]),
    variant(dir, "jiaotong-2021.txt", "shanghai", [
      ["江宁市交通运输局", "上海市科学技术委员会"],
      ["江宁市", "上海市"],
    ]),
    // A city merged into another in 2019.
    variant(dir, "jiangning-2023.txt", "laiwu", [["江宁市", "莱芜市"]]),
  ];
  db = await importInto(files, dir);
}, 120_000);

describe("issuers", () => {
  it("makes name variants of one body across years one issuer, and explains each link", () => {
    const hongze = [...of("洪泽县人民政府"), ...of("洪泽区人民政府"), ...of("淮安市洪泽区人民政府")];
    expect(hongze.map((r) => r.report_year)).toEqual([2017, 2020, 2023]);
    expect(new Set(hongze.map((r) => r.issuer_id)).size).toBe(1);
    expect(new Set(hongze.map((r) => r.region_code))).toEqual(new Set(["320813"]));
    const baisha = [...of("白沙镇人民政府"), ...of("青溪区白沙镇人民政府")];
    expect(baisha.length).toBe(2);
    expect(new Set(baisha.map((r) => r.issuer_id)).size).toBe(1);
    const show = zfxxgk(["issuers", "show", "淮安市洪泽区人民政府", "--json", "--db", db]);
    expect(show.code).toBe(0);
    const issuer = JSON.parse(show.out) as {
      canonical_name: string;
      region_code: string;
      first_year: number;
      last_year: number;
      aliases: { name: string; reason: string }[];
    };
    expect(issuer).toMatchObject({
      canonical_name: "淮安市洪泽区人民政府",
      region_code: "320813",
      first_year: 2017,
      last_year: 2023,
    });
    expect(issuer.aliases.map((a) => a.name).sort()).toEqual(
      ["洪泽区人民政府", "洪泽县人民政府", "淮安市洪泽区人民政府"].sort(),
    );
    for (const a of issuer.aliases) expect(a.reason).toMatch(/place 320813/);
    const town = JSON.parse(zfxxgk(["issuers", "show", "白沙镇人民政府", "--json", "--db", db]).out) as {
      aliases: { reason: string }[];
    };
    expect(town.aliases.some((a) => /joined .*白沙镇人民政府.*places agree/.test(a.reason))).toBe(true);
    // compare --by issuer: one row for the body, with its three years.
    const cmp = JSON.parse(
      zfxxgk([
        "compare",
        "--metric",
        "applications.new_received.total",
        "--years",
        "2020-2023",
        "--format",
        "json",
        "--db",
        db,
      ]).out,
    ) as { rows: { label: string; years: Record<string, unknown> }[] };
    const row = cmp.rows.find((r) => r.label === "淮安市洪泽区人民政府");
    expect(row?.years["2020"]).toBeTruthy();
    expect(row?.years["2023"]).toBeTruthy();
  }, 60_000);

  it("never merges bodies of different types in one place, and compare keeps them apart", () => {
    const sh = [...of("上海市人民政府"), ...of("上海市人民政府办公厅"), ...of("上海市科学技术委员会")];
    expect(sh.length).toBe(3);
    expect(new Set(sh.map((r) => r.issuer_id)).size).toBe(3);
    expect(new Set(sh.map((r) => r.region_code))).toEqual(new Set(["310000"]));
    const r = zfxxgk([
      "compare",
      "--metric",
      "applications.new_received.total",
      "--by",
      "region",
      "--kind",
      "all",
      "--where",
      "province=上海市",
      "--format",
      "csv",
      "--db",
      db,
    ]);
    expect(r.code).toBe(0);
    const lines = r.out.slice(1).trim().split("\r\n");
    const types = lines.slice(1).map((l) => l.split(",")[2]);
    expect(new Set(types)).toEqual(new Set(sh.map((x) => x.issuer_type)));
    expect(types.length).toBe(new Set(sh.map((x) => x.issuer_type)).size);
  }, 60_000);

  it("keeps two towns apart that the region data places only in their district", () => {
    const a = of("江宁区墨石镇人民政府");
    const b = of("江宁区黑石镇人民政府");
    expect(a.length).toBe(1);
    expect(b.length).toBe(1);
    const d = new Database(db, { readonly: true });
    const partial = d
      .prepare("SELECT DISTINCT status, county_code FROM report_regions WHERE report_id IN (?, ?)")
      .all(a[0].id, b[0].id);
    d.close();
    expect(partial).toEqual([{ status: "partial", county_code: "320115" }]);
    expect(a[0].issuer_id).not.toBe(b[0].issuer_id);
  });

  it("resolves historic place names through the GB/T 2260 revisions", () => {
    expect(of("洪泽县人民政府")[0]).toMatchObject({ region_code: "320813", method: "name+historic" });
    const laiwu = resolveRegion({ issuerName: "莱芜市人民政府", adminLevel: "prefecture" });
    expect(laiwu).toMatchObject({ status: "resolved", division: { code: "370100", name: "济南市" } });
    expect(laiwu.reason).toMatch(/莱芜市 \(371200.*became part of 济南市/);
    // 莱芜市's reports lie in 济南市 today, but the body stays apart from 济南市's government.
    const l = of("莱芜市人民政府")[0];
    expect(l.region_code).toBe("370100");
    const d = new Database(db, { readonly: true });
    const issuer = d.prepare("SELECT region_code, match_key FROM issuers WHERE id = ?").get(l.issuer_id) as {
      region_code: string;
      match_key: string;
    };
    d.close();
    expect(issuer.region_code).toBe("371200");
    expect(resolveRegion({ issuerName: "淮安市洪泽县人民政府", adminLevel: "county" })).toMatchObject({
      status: "resolved",
      division: { code: "320813" },
    });
    expect(splitPlace("淮安市洪泽区人民政府")).toEqual({
      place: "淮安市洪泽区",
      body: "人民政府",
      tail: "洪泽区人民政府",
    });
  });

  it("cleans names of page noise and keeps the raw text", () => {
    expect(cleanIssuerName("新葡京博彩官网区人民政府北京街道办事处").name).toBe("区人民政府北京街道办事处");
    expect(cleanIssuerName("新葡京博彩官网区人民政府北京街道办事处").removed).toEqual([
      "新葡京",
      "博彩",
      "官网",
    ]);
    expect(cleanIssuerName("首页 > 政务公开 > 淮安市洪泽区人民政府").name).toBe("淮安市洪泽区人民政府");
    expect(cleanIssuerName("当前位置：淮安市洪泽区人民政府门户网站").name).toBe("淮安市洪泽区人民政府");
    expect(cleanIssuerName("淮安市洪泽区教育体育局").name).toBe("淮安市洪泽区教育体育局");
  });

  it("keeps merges and splits made by hand across re-import", () => {
    const split = zfxxgk([
      "issuers",
      "split",
      "洪泽区人民政府",
      "--note",
      "test: a different body",
      "--db",
      db,
    ]);
    expect(split.code, split.err).toBe(0);
    const merge = zfxxgk([
      "issuers",
      "merge",
      "上海市科学技术委员会",
      "上海市人民政府办公厅",
      "--note",
      "test: one body by hand",
      "--db",
      db,
    ]);
    expect(merge.code, merge.err).toBe(0);
    const check = () => {
      expect(of("洪泽区人民政府")[0].issuer_id).not.toBe(of("淮安市洪泽区人民政府")[0].issuer_id);
      expect(of("洪泽县人民政府")[0].issuer_id).toBe(of("淮安市洪泽区人民政府")[0].issuer_id);
      expect(of("上海市科学技术委员会")[0].issuer_id).toBe(of("上海市人民政府办公厅")[0].issuer_id);
    };
    check();
    // The same files again, and a new version of two of them.
    expect(zfxxgk(["import", ...files, "--db", db, "--quiet"]).code).toBe(0);
    const v2 = files
      .filter((f) => /hongze-qingxi-2020|shanghai-jiaotong/.test(f))
      .map((f) => {
        const copy = join(dir, `v2-${basename(f)}`);
        copyFileSync(f, copy);
        appendFileSync(copy, "\n（更新版）\n");
        return copy;
      });
    expect(zfxxgk(["import", ...v2, "--db", db, "--quiet"]).code).toBe(0);
    const d = new Database(db, { readonly: true });
    const versions = d.prepare("SELECT count(*) FROM documents WHERE status = 'superseded'").pluck().get();
    d.close();
    expect(versions).toBe(2);
    check();
    const list = zfxxgk(["issuers", "--name", "洪泽", "--db", db]);
    expect(list.out).toMatch(/2 issuers/);
  }, 180_000);
});

// The analyst commands and views on the project's corpus, checked against the numbers of its gold files.
import { appendFileSync, copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { parquetReadObjects } from "hyparquet";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { compare } from "../../src/analyst/compare.js";
import { T3_COLUMNS } from "../../src/normalize/template.js";
import { Store } from "../../src/store/store.js";
import { tempDir } from "../helpers.js";
import { corpusFiles, type Gold, goldByReport, importInto, num, realPlaceCopies, zfxxgk } from "./helpers.js";

// Every test runs the real command several times (a Node start each); give them room on a busy machine.
vi.setConfig({ testTimeout: 240_000 });

const NEW = "applications.new_received.total";
let db: string;
let golds: Map<number, Gold>;
let names: Map<number, { issuer: string; year: number; level: string }>;

beforeAll(async () => {
  db = await importInto(corpusFiles());
  const store = new Store(db);
  golds = goldByReport(store.db);
  names = new Map(
    (
      store.db.prepare("SELECT id, issuer_name, report_year, admin_level FROM reports").all() as {
        id: number;
        issuer_name: string;
        report_year: number;
        admin_level: string;
      }[]
    ).map((r) => [r.id, { issuer: r.issuer_name, year: r.report_year, level: r.admin_level }]),
  );
  store.close();
}, 120_000);

/** Gold of the report an issuer printed for a year (by the issuer name the database holds). */
function goldOf(issuer: string, year: number): Gold | undefined {
  for (const [id, n] of names) if (n.issuer === issuer && n.year === year) return golds.get(id);
  return undefined;
}

describe("compare", () => {
  it("prints applications received by issuer and year as in the gold files, marking failed rules", () => {
    const r = zfxxgk(["compare", "--metric", NEW, "--years", "2019-2024", "--format", "json", "--db", db]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as {
      comparability: string;
      years: number[];
      rows: {
        label: string;
        years: Record<string, { value: number | null; status: string; rules_failed: string[] } | null>;
      }[];
    };
    expect(out.comparability).toBe("comparable");
    expect(out.years).toEqual([2019, 2020, 2021, 2022, 2023, 2024]);
    let checked = 0;
    for (const [id, g] of golds) {
      const n = names.get(id)!;
      if (n.year < 2019) continue;
      const cell = out.rows.find((x) => x.label === n.issuer)?.years[n.year];
      // A blank 总计 (an unfilled template) has no value: null, never 0.
      expect(cell?.value ?? undefined, `${g.file}`).toBe(num(g.cells[NEW]));
      const c = g.cells;
      const r1Total =
        [
          c[NEW],
          c["applications.carried_over.total"],
          c["applications.result.total.total"],
          c["applications.carried_forward.total"],
        ].every((v) => typeof v === "number") &&
        (c[NEW] as number) + (c["applications.carried_over.total"] as number) !==
          (c["applications.result.total.total"] as number) +
            (c["applications.carried_forward.total"] as number);
      expect(cell?.rules_failed.includes("R1"), g.file).toBe(r1Total);
      // The gold notes name the documents whose prose contradicts the table (R12, a warning).
      if (/PROSE MISMATCH/.test((g as unknown as { notes: string }).notes))
        expect(cell?.rules_failed).toContain("R12");
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(14);
  });

  it("refuses a key that one template lacks for the years asked, and explains; accepts its own years", () => {
    const key = "active.art20_1.normative_docs.in_force";
    const refused = zfxxgk(["compare", "--metric", key, "--years", "2019-2024", "--db", db]);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/not comparable across 2019–2024: GOP2021 only/);
    expect(refused.err).toMatch(/--years 2021-2024/);
    expect(refused.err).toMatch(/total_published .*measures something else/);
    const ok = zfxxgk(["compare", "--metric", key, "--years", "2021-2024", "--format", "csv", "--db", db]);
    expect(ok.code).toBe(0);
    expect(ok.out.startsWith("\uFEFFissuer,2021,2022,2023,2024,change,notes")).toBe(true);
    const line = ok.out
      .split("\r\n")
      .find((l) => l.startsWith("江宁市人民政府,"))!
      .split(",");
    expect(line.slice(1, 5).map(Number)).toEqual(
      [2021, 2022, 2023, 2024].map((y) => goldOf("江宁市人民政府", y)!.cells[key]),
    );
  });

  it("warns for keys comparable only with caution", () => {
    const r = zfxxgk([
      "compare",
      "--metric",
      "active.art20_6.penalty.decisions",
      "--format",
      "csv",
      "--db",
      db,
    ]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/warning: .*compare with caution/);
  });

  it("derives subtotals, the GOP2021 （六） total and the litigation total only from printed numbers", () => {
    const store = new Store(db);
    const sum = (g: Gold, keys: string[]) =>
      keys.every((k) => typeof g.cells[k] === "number")
        ? keys.reduce((a, k) => a + (g.cells[k] as number), 0)
        : undefined;
    const A = (row: string, col: string) => `applications.${row}.${col}`;
    const orgs = [
      "commercial_enterprise",
      "research_institution",
      "social_welfare_org",
      "legal_service_org",
      "other_org",
    ];
    const withheld = [
      "state_secret",
      "prohibited_by_law",
      "three_securities_one_stability",
      "third_party_rights",
      "internal_affairs",
      "process_info",
      "enforcement_case_file",
      "admin_query",
    ].map((x) => `result.withheld.${x}`);
    const other = ["no_correction_overdue", "fee_unpaid_overdue", "other"].map((x) => `result.other.${x}`);
    const expected: Record<string, (g: Gold) => number | undefined> = {
      "applications.new_received.legal_person_subtotal": (g) =>
        sum(
          g,
          orgs.map((c) => A("new_received", c)),
        ),
      "applications.carried_forward.legal_person_subtotal": (g) =>
        sum(
          g,
          orgs.map((c) => A("carried_forward", c)),
        ),
      "applications.result.withheld.subtotal.total": (g) =>
        sum(
          g,
          withheld.map((r) => A(r, "total")),
        ),
      "applications.result.withheld.subtotal.natural_person": (g) =>
        sum(
          g,
          withheld.map((r) => A(r, "natural_person")),
        ),
      "applications.result.withheld.subtotal.research_institution": (g) =>
        sum(
          g,
          withheld.map((r) => A(r, "research_institution")),
        ),
      "applications.result.other.total.total": (g) =>
        A("result.other.total", "total") in g.cells
          ? num(g.cells[A("result.other.total", "total")])
          : sum(
              g,
              other.map((r) => A(r, "total")),
            ),
      "appeals.litigation_total.total": (g) =>
        sum(g, ["appeals.litigation_direct.total", "appeals.litigation_after_review.total"]),
    };
    let derived = 0;
    let withheldBlank = 0;
    for (const [metric, f] of Object.entries(expected)) {
      const res = compare(store.db, { metric, years: [2017, 2018, 2019, 2020, 2021, 2022, 2023, 2024] });
      for (const [id, g] of golds) {
        const cell = res.rows.find((r) => r.cells[g.report_year]?.reportIds.includes(id))?.cells[
          g.report_year
        ];
        const want = f(g);
        expect(cell && cell.numbers > 0 ? cell.value : undefined, `${metric} ${g.file}`).toBe(want);
        if (want !== undefined && cell?.status === "derived") derived++;
        if (want === undefined && Object.keys(g.cells).length > 0 && metric.includes("withheld"))
          withheldBlank++;
      }
    }
    expect(derived).toBeGreaterThan(40);
    expect(withheldBlank).toBeGreaterThan(0); // a blank term gives no derived value (never 0)
    // The view gives the same values, with status 'derived'.
    const row = store.db
      .prepare(
        "SELECT value, status FROM cells_long WHERE issuer_name = '江宁市人民政府' AND report_year = 2023 AND key = 'appeals.litigation_total.total'",
      )
      .get();
    expect(row).toEqual({
      value: expected["appeals.litigation_total.total"](goldOf("江宁市人民政府", 2023)!),
      status: "derived",
    });
    store.close();
  });

  it("sums by administrative level", () => {
    const store = new Store(db);
    const res = compare(store.db, { metric: NEW, by: "level", kind: "all" });
    store.close();
    const want = new Map<string, number>();
    for (const [id, g] of golds) {
      const n = names.get(id)!;
      const v = num(g.cells[NEW]);
      if (v !== undefined && n.year >= 2019)
        want.set(`${n.level}|${n.year}`, (want.get(`${n.level}|${n.year}`) ?? 0) + v);
    }
    for (const [k, v] of want) {
      const [level, year] = k.split("|");
      expect(res.rows.find((r) => r.group === level)?.cells[Number(year)]?.value, k).toBe(v);
    }
  });
});

describe("views", () => {
  it("the wide and long views hold the gold values; key_comparability follows report-format.md §5.4", () => {
    const d = new Database(db, { readonly: true });
    for (const [id, g] of golds) {
      const wide = d.prepare("SELECT * FROM applications_wide WHERE report_id = ?").get(id) as Record<
        string,
        unknown
      >;
      for (const [k, v] of Object.entries(g.cells)) {
        if (!k.startsWith("applications.")) continue;
        const col = k.split(".").slice(1).join("__");
        expect(wide[col], `${g.file} ${k}`).toBe(typeof v === "number" ? v : null);
      }
      const appeals = d.prepare("SELECT * FROM appeals_wide WHERE report_id = ?").get(id) as Record<
        string,
        unknown
      >;
      for (const [k, v] of Object.entries(g.cells))
        if (k.startsWith("appeals."))
          expect(appeals[k.split(".").slice(1).join("__")], k).toBe(typeof v === "number" ? v : null);
      const active = d.prepare("SELECT * FROM active_wide WHERE report_id = ?").get(id) as Record<
        string,
        unknown
      >;
      for (const [k, v] of Object.entries(g.cells))
        if (k.startsWith("active."))
          expect(active[k.split(".").slice(1).join("__")], k).toBe(typeof v === "number" ? v : null);
      const long = d
        .prepare("SELECT key, value, status FROM cells_long WHERE report_id = ? AND status != 'derived'")
        .all(id) as { key: string; value: number | null; status: string }[];
      expect(long.length, g.file).toBe(Object.keys(g.cells).length);
      for (const c of long) {
        const v = g.cells[c.key];
        expect(typeof v === "number" ? c.value : c.status, `${g.file} ${c.key}`).toBe(v);
      }
    }
    const comp = (key: string) =>
      d.prepare("SELECT * FROM key_comparability WHERE key = ?").get(key) as Record<string, string>;
    expect(comp("active.art20_5.licensing.decisions").comparability).toBe("caution");
    expect(comp("active.art20_1.rules.total_published")).toMatchObject({
      comparability: "not_comparable",
      gop2021: "absent",
      near_key: "active.art20_1.rules.in_force",
    });
    expect(comp("active.art20_1.rules.newly_made").near_key).toBe("active.art20_1.rules.issued");
    expect(comp("applications.result.other.total.total")).toMatchObject({
      comparability: "comparable",
      gop2019: "printed",
      gop2021: "derived",
    });
    expect(comp("applications.result.other.other.total").comparability).toBe("not_comparable");
    expect(comp("applications.new_received.legal_person_subtotal")).toMatchObject({
      gop2019: "derived",
      gop2021: "derived",
    });
    d.close();
  });
});

describe("show", () => {
  it("lays out the three tables with gold values, failing rules, marks and sources", () => {
    const g = goldOf("江宁市人民政府", 2023)!;
    const r = zfxxgk(["show", "江宁市人民政府/2023", "--db", db]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Report #\d+ {2}江宁市人民政府 {2}2023 {2}GOP2021/);
    expect(r.out).toMatch(/R1 fail \(natural_person: .* ≠ .*\)/);
    expect(r.out).toMatch(/region: unresolved — 江宁市 is not a division in the GB\/T 2260 data/);
    // Table 3 row 四 fails R1 in the 自然人 and 总计 columns: marked *, with where it was printed.
    const fwd = r.out.split("\n").find((l) => l.includes("结转下年度继续办理"))!;
    expect(fwd).toContain(`${g.cells["applications.carried_forward.natural_person"]}*`);
    expect(fwd).toContain(`${g.cells["applications.carried_forward.total"]}*`);
    expect(fwd).toMatch(/← 「四、结转下年度继续办理」 line \d+/);
    const lic = r.out.split("\n").find((l) => l.includes("行政许可"))!;
    expect(lic).toContain(String(g.cells["active.art20_5.licensing.decisions"]));
    const review = r.out.split("\n").find((l) => l.trim().startsWith("行政复议"))!;
    expect(review.match(/\d+/g)!.slice(0, 5).map(Number)).toEqual(
      ["upheld", "corrected", "other", "pending", "total"].map((o) => g.cells[`appeals.review.${o}`]),
    );
    expect(r.out).toMatch(/行政诉讼·合计 .*d/);
    const json = JSON.parse(zfxxgk(["show", "江宁市人民政府/2023", "--json", "--db", db]).out) as {
      cells: { key: string; value: number; rulesFailed: string[]; source: string }[];
    };
    const c = json.cells.find((x) => x.key === "applications.carried_forward.total")!;
    expect(c.value).toBe(g.cells["applications.carried_forward.total"]);
    expect(c.rulesFailed).toEqual(["R1"]);
    expect(c.source).toMatch(/line \d+/);
  });

  it("shows blanks as blank, never 0", () => {
    const r = zfxxgk(["show", "江宁市人民政府办公室/2021", "--db", db]);
    if (r.code !== 0) return; // the issuer name depends on metadata extraction
    expect(r.out).toMatch(/blank/);
  });
});

describe("check", () => {
  it("reports R7 and R8 per issuer and year exactly as the gold values give them", () => {
    const r = zfxxgk(["check", "--json", "--db", db]);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out) as {
      results: { rule: string; issuer: string; year: number; item: string; status: string }[];
    };
    const expected: string[] = [];
    const ids = [...names.entries()].sort(
      (a, b) => a[1].issuer.localeCompare(b[1].issuer) || a[1].year - b[1].year,
    );
    for (const [id, n] of ids) {
      const prev = ids.find(([, p]) => p.issuer === n.issuer && p.year === n.year - 1);
      if (!prev) continue;
      const a = golds.get(prev[0])!;
      const b = golds.get(id)!;
      if (Object.keys(a.cells).length === 0 || Object.keys(b.cells).length === 0) continue;
      for (const c of T3_COLUMNS) {
        const x = num(a.cells[`applications.carried_forward.${c}`]);
        const y = num(b.cells[`applications.carried_over.${c}`]);
        expected.push(
          `R7|${n.issuer}|${n.year}|${c}|${x === undefined || y === undefined ? "unknown" : x === y ? "pass" : "fail"}`,
        );
      }
      for (const x of ["rules", "normative_docs"]) {
        const k = (c: string) => `active.art20_1.${x}.${c}`;
        if (!(k("in_force") in a.cells) || !(k("in_force") in b.cells)) continue;
        const v = [
          a.cells[k("in_force")],
          b.cells[k("issued")],
          b.cells[k("repealed")],
          b.cells[k("in_force")],
        ].map(num);
        const st = v.some((z) => z === undefined)
          ? "unknown"
          : v[0]! + v[1]! - v[2]! === v[3]
            ? "pass"
            : "fail";
        expected.push(`R8|${n.issuer}|${n.year}|${x}|${st}`);
      }
    }
    const got = s.results.map((x) => `${x.rule}|${x.issuer}|${x.year}|${x.item}|${x.status}`);
    expect(got.sort()).toEqual(expected.sort());
    expect(expected.filter((e) => e.startsWith("R8")).length).toBeGreaterThanOrEqual(6);
    const text = zfxxgk(["check", "--db", db]);
    expect(text.out).toMatch(/R7 carry-over .*: \d+ warnings, \d+ pass, \d+ unknown/);
  });
});

describe("search", () => {
  it("finds words of three or more characters by trigram index, with highlighted snippets", () => {
    const r = zfxxgk(["search", "高效办成一件事", "--json", "--db", db]);
    expect(r.code).toBe(0);
    const hits = JSON.parse(r.out) as { issuer_name: string; report_year: number; snippet: string }[];
    expect(hits.map((h) => h.report_year)).toEqual([2023]);
    expect(hits[0].snippet).toContain("【高效办成一件事】");
    const none = zfxxgk(["search", "不存在的词语组合", "--db", db]);
    expect(none.code).toBe(1);
  });

  it("finds one- and two-character words with LIKE", () => {
    const r = zfxxgk(["search", "青溪", "--limit", "50", "--json", "--db", db]);
    const hits = JSON.parse(r.out) as { issuer_name: string; snippet: string }[];
    const d = new Database(db, { readonly: true });
    const want = (
      d
        .prepare(
          "SELECT count(*) AS n FROM prose p JOIN reports r ON r.current_document_id = p.document_id WHERE p.text LIKE '%青溪%'",
        )
        .get() as { n: number }
    ).n;
    d.close();
    expect(hits.length).toBe(want);
    expect(want).toBeGreaterThanOrEqual(3);
    for (const h of hits) expect(h.snippet).toContain("【青溪】");
    const plain = zfxxgk(["search", "复议", "--limit", "3", "--db", db]);
    expect(plain.out).toMatch(/^#\d+ .* \(\d+ match/m);
  });
});

describe("export", () => {
  it("writes CSV with a BOM, JSON and Parquet with the same rows", async () => {
    const dir = tempDir("zfxxgk-export-");
    const csv = join(dir, "cells.csv");
    const r = zfxxgk(["export", "--format", "csv", "--key", NEW, "--out", csv, "--db", db]);
    expect(r.code).toBe(0);
    const text = readFileSync(csv, "utf8");
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const [header, ...lines] = text.slice(1).trim().split("\r\n");
    const cols = header.split(",");
    const expected = [...golds.values()].filter((g) => NEW in g.cells);
    expect(lines.length).toBe(expected.length);
    const valueAt = cols.indexOf("value");
    const idAt = cols.indexOf("report_id");
    for (const l of lines) {
      const f = l.split(",");
      const gold = golds.get(Number(f[idAt]))!.cells[NEW];
      expect(f[valueAt] === "" ? "blank" : Number(f[valueAt])).toBe(gold);
    }
    const json = JSON.parse(zfxxgk(["export", "--format", "json", "--key", NEW, "--db", db]).out) as {
      report_id: number;
      value: number;
      issuer_name: string;
    }[];
    expect(json.length).toBe(expected.length);
    for (const row of json) expect(row.value ?? "blank").toBe(golds.get(row.report_id)!.cells[NEW]);
    const pq = join(dir, "applications.parquet");
    const p = zfxxgk([
      "export",
      "--format",
      "parquet",
      "--view",
      "applications_wide",
      "--out",
      pq,
      "--db",
      db,
    ]);
    expect(p.code).toBe(0);
    const buf = readFileSync(pq);
    const rows = (await parquetReadObjects({
      file: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength),
    })) as Record<string, unknown>[];
    expect(rows.length).toBe(golds.size);
    for (const row of rows) {
      const g = golds.get(Number(row.report_id))!;
      expect(row.new_received__total ?? undefined, g.file).toBe(num(g.cells[NEW]));
      expect(row.issuer_name).toBe(names.get(Number(row.report_id))!.issuer);
    }
    const noOut = zfxxgk(["export", "--format", "parquet", "--db", db]);
    expect(noOut.code).toBe(2);
  });
});

describe("correct", () => {
  it("stores a correction apart, shows it everywhere marked, keeps it across re-import, and reverts", async () => {
    const dir = tempDir("zfxxgk-correct-");
    const files = corpusFiles();
    const dbc = await importInto(files, dir);
    const key = "applications.carried_forward.total";
    const printed = goldOf("江宁市人民政府", 2023)!.cells[key] as number;
    const c = zfxxgk([
      "correct",
      "江宁市人民政府/2023",
      key,
      String(printed + 1),
      "--note",
      "prose says 39",
      "--db",
      dbc,
    ]);
    expect(c.code).toBe(0);
    expect(c.out).toMatch(new RegExp(`extracted ${printed} → ${printed + 1}`));
    const view = () => {
      const d = new Database(dbc, { readonly: true });
      const long = d
        .prepare(
          "SELECT value, status, corrected, extracted_value, correction_note FROM cells_long WHERE issuer_name = '江宁市人民政府' AND report_year = 2023 AND key = ?",
        )
        .get(key);
      const wide = d
        .prepare(
          "SELECT carried_forward__total AS v, corrected_keys FROM applications_wide WHERE issuer_name = '江宁市人民政府' AND report_year = 2023",
        )
        .get();
      const raw = d
        .prepare(
          "SELECT c.value FROM cells c JOIN reports r ON r.current_document_id = c.document_id WHERE r.issuer_name = '江宁市人民政府' AND r.report_year = 2023 AND c.key = ?",
        )
        .get(key);
      d.close();
      return { long, wide, raw };
    };
    expect(view()).toEqual({
      long: {
        value: printed + 1,
        status: "number",
        corrected: 1,
        extracted_value: printed,
        correction_note: "prose says 39",
      },
      wide: { v: printed + 1, corrected_keys: key },
      raw: { value: printed }, // the extracted cell itself is untouched
    });
    const cmp = JSON.parse(zfxxgk(["compare", "--metric", key, "--format", "json", "--db", dbc]).out) as {
      rows: { label: string; years: Record<string, { value: number; corrected: boolean }> }[];
    };
    expect(cmp.rows.find((r) => r.label === "江宁市人民政府")!.years["2023"]).toMatchObject({
      value: printed + 1,
      corrected: true,
    });
    expect(zfxxgk(["show", "江宁市人民政府/2023", "--db", dbc]).out).toMatch(
      new RegExp(`${key}: printed ${printed} → ${printed + 1}; prose says 39`),
    );

    // Re-import: the same bytes change nothing; a new version of the document keeps the correction.
    const again = zfxxgk(["import", ...files, "--db", dbc, "--quiet"]);
    expect(again.out).toMatch(/0 new, 0 updated/);
    const src = files.find((f) => f.endsWith("jiangning-2023.txt"))!;
    const copy = join(dir, "jiangning-2023-v2.txt");
    copyFileSync(src, copy);
    appendFileSync(copy, "\n（更正版）\n");
    const v2 = zfxxgk(["import", copy, "--db", dbc, "--quiet"]);
    expect(v2.out).toMatch(/0 new, 1 updated/);
    expect(view().long).toMatchObject({ value: printed + 1, corrected: 1 });
    const list = zfxxgk(["correct", "--list", "--db", dbc]);
    expect(list.out).toMatch(/active #1 .* a newer version prints 38/);

    const rev = zfxxgk([
      "correct",
      "江宁市人民政府/2023",
      key,
      "--revert",
      "--note",
      "38 is right",
      "--db",
      dbc,
    ]);
    expect(rev.code).toBe(0);
    expect(view().long).toMatchObject({ value: printed, corrected: 0 });
    expect(zfxxgk(["correct", "江宁市人民政府/2023", key, "12", "--db", dbc]).code).toBe(2); // no --note
    expect(
      zfxxgk(["correct", "1", "appeals.litigation_total.total", "3", "--note", "x", "--db", dbc]).err,
    ).toMatch(/derived, never printed/);
    const notInTemplate = zfxxgk([
      "correct",
      "江宁市人民政府/2019",
      "active.art20_1.rules.in_force",
      "3",
      "--note",
      "x",
      "--db",
      dbc,
    ]);
    expect(notInTemplate.code).toBe(2);
    expect(notInTemplate.err).toMatch(/does not exist in the GOP2019 template/);
  });
});

describe("regions", () => {
  it("keeps invented places unresolved, with a reason", () => {
    const d = new Database(db, { readonly: true });
    const rows = d
      .prepare("SELECT issuer_name, region_code, region_status, region_reason FROM report_overview")
      .all() as {
      issuer_name: string;
      region_code: string | null;
      region_status: string;
      region_reason: string;
    }[];
    d.close();
    expect(rows.length).toBe(golds.size);
    for (const r of rows) {
      expect(r.region_code, r.issuer_name).toBeNull();
      expect(r.region_reason.length).toBeGreaterThan(10);
    }
  });

  it("answers the README question on real place names: applications received in every county of a province", async () => {
    const dir = tempDir("zfxxgk-regions-");
    const dbr = await importInto(realPlaceCopies(corpusFiles(), dir), dir);
    const d = new Database(dbr, { readonly: true });
    const region = (issuer: string) =>
      d
        .prepare(
          "SELECT DISTINCT region_status, region_code, region_level, report_kind, county_name, prefecture_name FROM report_overview WHERE issuer_name = ?",
        )
        .all(issuer);
    expect(region("南京市人民政府")).toEqual([
      {
        region_status: "resolved",
        region_code: "320100",
        region_level: "prefecture",
        report_kind: "government",
        county_name: null,
        prefecture_name: "南京市",
      },
    ]);
    expect(region("南京市江宁区人民政府")).toEqual([
      {
        region_status: "resolved",
        region_code: "320115",
        region_level: "county",
        report_kind: "government",
        county_name: "江宁区",
        prefecture_name: "南京市",
      },
    ]);
    expect(region("南京市交通运输局")[0]).toMatchObject({ region_code: "320100", report_kind: "department" });
    // A township missing from the dataset under its county: partial, the county known, no region code.
    expect(region("江宁区白沙镇人民政府")[0]).toMatchObject({
      region_status: "partial",
      region_code: null,
      county_name: "江宁区",
      report_kind: "township",
    });

    // One command …
    const r = zfxxgk([
      "compare",
      "--metric",
      NEW,
      "--by",
      "region",
      "--years",
      "2019-2024",
      "--where",
      "province=江苏省",
      "region_level=county",
      "--format",
      "csv",
      "--db",
      dbr,
    ]);
    expect(r.code).toBe(0);
    const lines = r.out.slice(1).trim().split("\r\n");
    expect(lines[0]).toBe("region_code,region,path,2019,2020,2021,2022,2023,2024,change,notes");
    const q2020 = golds.get([...golds.entries()].find(([, g]) => g.file === "qingxi-2020.txt")![0])!;
    const q2023 = golds.get([...golds.entries()].find(([, g]) => g.file === "qingxi-2023.txt")![0])!;
    expect(lines.slice(1)).toEqual([
      `320115,江宁区,江苏省 南京市 江宁区,,${q2020.cells[NEW]},,,${q2023.cells[NEW]},,+${Number(q2023.cells[NEW]) - Number(q2020.cells[NEW])} (+${Math.round((100 * (Number(q2023.cells[NEW]) - Number(q2020.cells[NEW]))) / Number(q2020.cells[NEW]))}%),`,
    ]);
    // … and one SQL query over a view (the README's).
    const readme = readFileSync(join(import.meta.dirname, "..", "..", "README.md"), "utf8");
    const sql = /<!-- county-query -->\s*```sql\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(sql, "README holds the county query").toBeTruthy();
    const rows = d.prepare(sql!).all() as Record<string, unknown>[];
    expect(rows).toEqual([
      {
        county_code: "320115",
        county_name: "江宁区",
        y2019: null,
        y2020: q2020.cells[NEW],
        y2021: null,
        y2022: null,
        y2023: q2023.cells[NEW],
        y2024: null,
      },
    ]);
    d.close();
  });
});

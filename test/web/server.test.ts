import { readFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openZip } from "../../src/extractors/zip.js";
import { diffParagraphs, failureMargin } from "../../src/web/queries.js";
import { parseCsv, startWorkbench, type Workbench } from "../../src/web/server.js";
import { buildFixture, type Fixture, HOSTILE_MARKUP } from "./fixture.js";

let fx: Fixture;
let ro: Workbench;
let rw: Workbench;

beforeAll(async () => {
  fx = await buildFixture();
  ro = await startWorkbench({ db: fx.db, port: 0 });
  rw = await startWorkbench({ db: fx.db, port: 0, allowCorrections: true });
}, 60_000);

afterAll(async () => {
  await ro?.close();
  await rw?.close();
});

const get = (wb: Workbench, path: string, init: RequestInit = {}) =>
  fetch(`${wb.url}${path}`, { redirect: "manual", ...init });

describe("workbench handlers", () => {
  it("serves every screen with a strict Content-Security-Policy and no inline script", async () => {
    for (const path of [
      "/reports",
      `/reports/${fx.reports.html}`,
      "/compare?metric=applications.new_received.total",
      "/diff?issuer=江宁市人民政府",
      "/review",
      "/runs",
    ]) {
      const res = await get(ro, path);
      expect(res.status, path).toBe(200);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain("unsafe-inline");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      const body = await res.text();
      // Scripts only by src, or JSON data blocks the browser never runs.
      for (const m of body.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g))
        expect(
          m[1].includes("src=") || m[1].includes('type="application/json"'),
          `${path}: ${m[0].slice(0, 80)}`,
        ).toBe(true);
      expect(body).not.toMatch(/ style="/);
    }
  });

  it("escapes document text everywhere it is shown", async () => {
    const page = await (await get(ro, `/reports/${fx.reports.hostile}`)).text();
    expect(page).not.toContain("<script>window.__pwned");
    expect(page).toContain("&lt;script&gt;window.__pwned = 1&lt;/script&gt;");
    const diff = await (await get(ro, `/diff?issuer=${encodeURIComponent("江宁市人民政府")}`)).text();
    expect(diff).not.toContain(HOSTILE_MARKUP);
    // JSON blocks cannot be closed by text inside them.
    for (const m of page.matchAll(/<script type="application\/json"[^>]*>([\s\S]*?)<\/script>/g))
      expect(m[1]).not.toContain("<");
  });

  it("filters and pages the report list on the server", async () => {
    const all = await (await get(ro, "/reports")).text();
    expect(all).toMatch(/<span id="total">5<\/span> reports/);
    const pdf = await (await get(ro, "/reports?issuer=青溪")).text();
    expect(pdf).toMatch(/<span id="total">1<\/span> reports/);
    expect(pdf).toContain(`/reports/${fx.reports.pdf}`);
    const year = await (await get(ro, "/reports?year=2022&format=GOP2021")).text();
    expect(year).toMatch(/<span id="total">3<\/span> reports/);
    // Region terms join the region table (the fictional places of the corpus resolve to none).
    const unresolved = await (await get(ro, "/reports?where=region_status%3Dunresolved")).text();
    expect(unresolved).toMatch(/<span id="total">5<\/span> reports/);
    const none = await (await get(ro, `/reports?region=${encodeURIComponent("江苏")}`)).text();
    expect(none).toMatch(/<span id="total">0<\/span> reports/);
    const bad = await get(ro, "/reports?where=nonsense%3D1");
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("unknown field nonsense");
  });

  it("serves documents by id only, as downloads, and refuses other paths", async () => {
    const res = await get(ro, `/documents/${fx.reports.pdf}`);
    // report ids and document ids coincide in this fixture only by chance; check the bytes themselves
    expect([200, 404]).toContain(res.status);
    const page = await (await get(ro, `/reports/${fx.reports.pdf}`)).text();
    const docId = /data-document="(\d+)"/.exec(page)![1];
    const doc = await get(ro, `/documents/${docId}`);
    expect(doc.status).toBe(200);
    expect(doc.headers.get("content-disposition")).toMatch(/^attachment; filename="document-\d+\.pdf"$/);
    const bytes = Buffer.from(await doc.arrayBuffer());
    expect(bytes.equals(readFileSync(join(__dirname, "../../corpus/qingxi-2021-ruled.pdf")))).toBe(true);
    for (const path of [
      "/documents/../../etc/passwd",
      "/static/../server.ts",
      "/vendor/pdfjs/cmaps/..%2Fpackage.json",
      "/documents/999999",
    ])
      expect((await get(ro, path)).status, path).toBe(404);
  });

  it("answers only to its own host name (DNS rebinding)", async () => {
    const status = (wb: Workbench, host: string) =>
      new Promise<number>((resolve, reject) => {
        const u = new URL(wb.url);
        request({ host: "127.0.0.1", port: u.port, path: "/reports", headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
          .on("error", reject)
          .end();
      });
    const port = new URL(ro.url).port;
    expect(await status(ro, "evil.example")).toBe(421);
    expect(await status(ro, `evil.example:${port}`)).toBe(421);
    expect(await status(ro, `localhost:${port}`)).toBe(200);
    // On a network address, the machine's IP addresses are accepted, names still are not.
    const open = await startWorkbench({ db: fx.db, host: "0.0.0.0", port: 0 });
    try {
      const p = new URL(open.url).port;
      expect(await status(open, `192.0.2.7:${p}`)).toBe(200);
      expect(await status(open, `rebind.example:${p}`)).toBe(421);
    } finally {
      await open.close();
    }
  });

  it("is read-only without --allow-corrections", async () => {
    const res = await get(ro, "/corrections", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "report=1&key=applications.new_received.total&value=1&note=x",
    });
    expect(res.status).toBe(403);
    expect(ro.token).toBeNull();
  });

  it("takes a correction only with the launch token's cookie, a same-origin request and the form secret", async () => {
    const form = (csrf: string) =>
      new URLSearchParams({
        csrf,
        report: String(fx.reports.text),
        key: "applications.carried_forward.total",
        value: "40",
        note: "handler test",
        action: "correct",
      }).toString();
    const post = (headers: Record<string, string>, body: string) =>
      get(rw, "/corrections", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
        body,
      });
    expect((await post({}, form("x"))).status).toBe(403);
    expect((await get(rw, "/unlock?token=wrong")).status).toBe(403);
    const unlock = await get(rw, `/unlock?token=${rw.token}`);
    expect(unlock.status).toBe(303);
    const cookie = unlock.headers.get("set-cookie")!.split(";")[0];
    expect(unlock.headers.get("set-cookie")).toMatch(/HttpOnly; SameSite=Strict/);
    const review = await (await get(rw, "/review", { headers: { cookie } })).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(review)![1];
    expect((await post({ cookie }, form("forged"))).status).toBe(403);
    expect((await post({ cookie, origin: "http://evil.example" }, form(csrf))).status).toBe(403);
    expect((await post({ cookie, "sec-fetch-site": "cross-site" }, form(csrf))).status).toBe(403);
    const ok = await post({ cookie, origin: rw.url }, form(csrf));
    expect(ok.status).toBe(303);
    expect(decodeURIComponent(ok.headers.get("location")!)).toMatch(
      /corrected #\d+ applications\.carried_forward\.total → 40/,
    );
    const page = await (await get(ro, `/reports/${fx.reports.text}`)).text();
    expect(page).toMatch(/applications\.carried_forward\.total: printed 38 → 40 — handler test/);
  });

  it("downloads exactly the comparison shown, as CSV and XLSX", async () => {
    const q = "?metric=applications.new_received.total&years=2022-2023";
    const page = await (await get(ro, `/compare${q}`)).text();
    const csv = await (await get(ro, `/compare.csv${q}`)).text();
    const rows = parseCsv(csv.replace(/^\uFEFF/, ""));
    expect(rows[0].slice(0, 3)).toEqual(["issuer", "2022", "2023"]);
    // Every row of the table on the page is a row of the file, with the same values.
    const shown = [...page.matchAll(/<tr><th class="label">([^<]+)<\/th>/g)].map((m) => m[1]);
    expect(rows.slice(1).map((r) => r[0])).toEqual(shown);
    const xlsx = Buffer.from(await (await get(ro, `/compare.xlsx${q}`)).arrayBuffer());
    const zip = openZip(xlsx, { corruptCode: "bad_xlsx", what: "xlsx" });
    const sheet = new TextDecoder().decode(zip.read("xl/worksheets/sheet1.xml"));
    for (const r of rows.slice(1))
      for (const v of r.filter(Boolean)) expect(sheet).toContain(v.replace(/&/g, "&amp;"));
  });

  it("stores each PDF cell's box on its page, readable through cells and cells_long", () => {
    const db = new Database(fx.db, { readonly: true });
    try {
      const byForm = db
        .prepare(
          `SELECT d.form, count(*) AS n, count(c.bbox_x) AS boxed,
             sum(c.bbox_x BETWEEN 0 AND 1 AND c.bbox_y BETWEEN 0 AND 1 AND c.bbox_w > 0 AND c.bbox_h > 0
                 AND c.bbox_x + c.bbox_w <= 1.0001 AND c.bbox_y + c.bbox_h <= 1.0001) AS inside
           FROM cells c JOIN documents d ON d.id = c.document_id GROUP BY d.form`,
        )
        .all() as { form: string; n: number; boxed: number; inside: number }[];
      const pdf = byForm.find((f) => f.form === "pdf")!;
      // Nearly every PDF cell has a box (a cell joined across a page break may not), and all boxes lie on the page.
      expect(pdf.boxed / pdf.n).toBeGreaterThan(0.95);
      expect(pdf.inside).toBe(pdf.boxed);
      for (const f of byForm.filter((x) => x.form !== "pdf")) expect(f.boxed, f.form).toBe(0);
      const long = db
        .prepare(
          "SELECT page, bbox_x, bbox_y, bbox_w, bbox_h FROM cells_long WHERE report_id = ? AND key = ?",
        )
        .get(fx.reports.pdf, "applications.new_received.total") as Record<string, number>;
      expect(long.page).toBeGreaterThanOrEqual(1);
      expect(long.bbox_w).toBeGreaterThan(0);
    } finally {
      db.close();
    }
  });

  it("measures rule margins and diffs prose paragraphs", () => {
    expect(failureMargin("R1 fails as printed: natural_person: 836 ≠ 835; total: 934 ≠ 933")).toBeCloseTo(
      1 / 836,
      6,
    );
    expect(
      failureMargin("R12 fails as printed: applications received: prose says 3, table prints 2"),
    ).toBeCloseTo(1 / 3, 6);
    expect(failureMargin("row printed without its label")).toBe(0);
    const d = diffParagraphs(
      "甲段落内容一样\n乙段落会被删除掉\n丙段落略有修改的内容",
      "甲段落内容一样\n丙段落略有修改后的内容\n丁段落是新加的",
    );
    expect(d.filter((x) => x.kind !== "same")).toEqual([
      { kind: "removed", text: "乙段落会被删除掉" },
      { kind: "changed", before: "丙段落略有修改的内容", after: "丙段落略有修改后的内容" },
      { kind: "added", text: "丁段落是新加的" },
    ]);
  });
});

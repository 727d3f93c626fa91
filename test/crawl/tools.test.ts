// `zfxxgk crawl --explain URL` and `zfxxgk sources find --site URL` against simulated portals.
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { explain } from "../../src/crawl/explain.js";
import { findSources } from "../../src/crawl/find-sources.js";
import { parseSources } from "../../src/crawl/sources.js";
import { projectRoot } from "../helpers.js";
import { gkmlptPortal, hanwebPortal, jpaasPortal, trsPortal } from "./cms-portals.js";
import { type Portal, startServers } from "./portal.js";

function zfxxgk(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
    cwd: projectRoot,
    env: { ...process.env, NO_COLOR: "1" },
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => {
    out += d;
  });
  child.stderr.on("data", (d) => {
    err += d;
  });
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, out, err })));
}

const fast = { delayMs: 0 };

describe("crawl --explain and sources find", () => {
  let servers: Portal;
  let trs: string;
  let gk: string;
  let hw: string;
  let jp: string;
  beforeAll(async () => {
    servers = await startServers([
      trsPortal().pages,
      gkmlptPortal().pages,
      hanwebPortal().pages,
      jpaasPortal().pages,
    ]);
    [trs, gk, hw, jp] = servers.bases;
  });
  afterAll(async () => {
    await servers?.close();
  });

  it("explains a TRS list page: family, kind, pagination, reports and why look-alikes are not followed", async () => {
    const r = await zfxxgk(["crawl", "--explain", `${trs}/xxgk/ndbg/index.html`, "--delay", "0"]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^family: trs \(fingerprints: trs \d/m);
    expect(r.out).toMatch(/^page kind: list — /m);
    expect(r.out).toContain("other pages of the list (2):");
    expect(r.out).toMatch(/index_2\.html .*createPageHTML: 3 pages of index\.html, counted from 0/);
    expect(r.out).toMatch(/t20240115_\d+\.html .*report link/);
    expect(r.out).toMatch(/信息公开指南.*look-alike: 政府信息公开指南/);
    expect(r.out).toMatch(/「首页」 +\[anchor\] no report pattern/);
  });

  it("explains POST and API list pages, app shells and article pages", async () => {
    const config = parseSources({
      sources: [{ name: "gk", startUrls: [`${gk}/gkmlpt/annualreport#2629`] }],
    });
    const shell = await explain(`${gk}/gkmlpt/annualreport#2629`, { config, politeness: fast });
    expect(shell.page?.family).toBe("gkmlpt");
    expect(shell.lines.join("\n")).toMatch(
      /\/gkmlpt\/api\/all\/2629\?page=1&sid=755001 .*list API of column 2629/,
    );
    const hanweb = await explain(`${hw}/col/col2629/index.html`, { politeness: fast });
    expect(hanweb.page?.family).toBe("hanweb");
    expect(hanweb.lines.join("\n")).toMatch(
      /POST http:.*dataproxy\.jsp\?startrecord=4&endrecord=6&perpage=3 col=1&appid=1/,
    );
    const jpaas = await explain(`${jp}/col/col46143/index.html`, { politeness: fast });
    expect(jpaas.page?.family).toBe("jpaas");
    expect(jpaas.lines.join("\n")).toMatch(
      /POST .*jpaas-publish-server\/front\/page\/build\/unit .*paramJson=.*pageNo%22%3A2/,
    );
    const article = await explain(`${trs}/xxgk/ndbg/202001/t20200115_1000.html`, {
      politeness: fast,
      expected: "report",
    });
    expect(article.page?.kind).toBe("article");
    expect(article.lines.join("\n")).toContain("article body: imported as the report text");
  });

  it("sources find follows 政府信息公开 → 年报 columns and prints a ready entry", async () => {
    const r = await zfxxgk(["sources", "find", "--site", `${trs}/`, "--delay", "0"]);
    expect(r.code, r.err).toBe(0);
    const entry = JSON.parse(r.out) as { name: string; startUrls: string[]; allowedHosts: string[] };
    expect(entry.startUrls).toEqual([`${trs}/xxgk/ndbg/index.html`, `${trs}/col/bmndbg/list.shtml`]);
    expect(entry.allowedHosts).toEqual([new URL(trs).host]);
    // The entry is a valid source as it stands.
    expect(parseSources({ sources: [entry] }).sources[0].startUrls).toHaveLength(2);
    // Through 政务公开 → 政府信息公开目录 to an app shell: the column id stays in the fragment.
    const g = await findSources(`${gk}/`, { politeness: fast });
    expect(g.entry?.startUrls).toEqual([`${gk}/gkmlpt/annualreport#2629`]);
    expect(g.trail.join("\n")).toContain("政府信息公开目录");
  });
});

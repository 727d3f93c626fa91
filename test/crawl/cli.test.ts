// The crawl and runs commands as cron runs them: child processes, kill and resume, SIGTERM, the lock.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Store } from "../../src/store/store.js";
import { projectRoot, tempDir } from "../helpers.js";
import { type Page, type Portal, startServers, textAsHtml } from "./portal.js";

/** Runs `zfxxgk` from source in a child process (cwd: the project), like cron would. */
function zfxxgk(args: string[]): {
  child: ChildProcess;
  done: Promise<{ code: number | null; out: string; err: string }>;
} {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
    cwd: projectRoot,
    env: { ...process.env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => {
    out += d;
  });
  child.stderr!.on("data", (d) => {
    err += d;
  });
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
    child.on("close", (code) => resolve({ code, out, err })),
  );
  return { child, done };
}

const corpus = (name: string) => readFileSync(join(projectRoot, "corpus", name));

/** A clean portal: 14 corpus reports over three list pages, each report answered slowly. */
function resumePortal(): Map<string, Page> {
  const files: [string, () => Buffer, string][] = [
    ["jiangning-2019.html", () => corpus("jiangning-2019.html"), "text/html; charset=utf-8"],
    ["jiangning-2020-gbk.html", () => corpus("jiangning-2020-gbk.html"), "text/html"],
    ["jiangning-2021.txt", () => corpus("jiangning-2021.txt"), "text/plain; charset=utf-8"],
    ["jiangning-2022.html", () => corpus("jiangning-2022.html"), "text/html"],
    ["jiangning-2023.txt", () => corpus("jiangning-2023.txt"), "text/plain"],
    ["jiangning-2024-gb18030.html", () => corpus("jiangning-2024-gb18030.html"), "text/html"],
    ["jiaotong-2021.txt", () => corpus("jiaotong-2021.txt"), "text/plain"],
    ["jiaotong-2022.html", () => corpus("jiaotong-2022.html"), "text/html"],
    ["bangongshi-2021.html", () => corpus("bangongshi-2021.html"), "text/html"],
    ["qingxi-2017.txt", () => corpus("qingxi-2017.txt"), "text/plain"],
    ["qingxi-2020.txt", () => textAsHtml("qingxi-2020.txt"), "text/html"],
    ["qingxi-2023.txt", () => corpus("qingxi-2023.txt"), "text/plain"],
    ["baisha-2020.txt", () => corpus("baisha-2020.txt"), "text/plain"],
    ["baisha-2022.txt", () => textAsHtml("baisha-2022.txt"), "text/html"],
  ];
  const pages = new Map<string, Page>();
  const perList = 5;
  const lists = Math.ceil(files.length / perList);
  for (let l = 0; l < lists; l++) {
    const links = files
      .slice(l * perList, (l + 1) * perList)
      .map(
        ([f]) => `<li><a href="/ndbg/${f}.html">${f.replace(/\D+/g, "")}年政府信息公开工作年度报告</a></li>`,
      )
      .join("");
    pages.set(l === 0 ? "/ndbg/index.html" : `/ndbg/index_${l}.html`, {
      body: Buffer.from(
        `<html><body><ul>${links}</ul><script>createPageHTML(${lists}, ${l}, "index", "html");</script></body></html>`,
      ),
    });
  }
  for (const [f, body, type] of files) pages.set(`/ndbg/${f}.html`, { body: body(), type, delayMs: 150 });
  return pages;
}

describe("zfxxgk crawl and runs (child processes)", () => {
  let portal: Portal;
  let dir: string;
  let sources: string;

  beforeAll(async () => {
    portal = await startServers([resumePortal()]);
    dir = tempDir("zfcrawl-cli-");
    sources = join(dir, "sources.json");
    writeFileSync(
      sources,
      JSON.stringify({
        contact: "mailto:crawler-tests@example.org",
        politeness: { concurrencyPerHost: 1, delayMs: 0, timeoutMs: 10_000, retries: 1, backoffMs: 50 },
        sources: [{ name: "jiangning", startUrls: [`${portal.bases[0]}/ndbg/index.html`] }],
      }),
    );
  });
  afterAll(async () => {
    await portal?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("resumes after a kill: nothing done is fetched again, every report is stored exactly once", async () => {
    const db = join(dir, "resume.sqlite");
    const first = zfxxgk(["crawl", "--sources", sources, "--db", db]);
    // Kill it (SIGKILL: no clean-up at all) once a few reports have been served.
    const t0 = Date.now();
    const reportRequests = () => portal.requests.filter((r) => !r.path.includes("/index")).length;
    while (reportRequests() < 6) {
      if (Date.now() - t0 > 60_000) throw new Error("the crawl did not get going in 60 s");
      await new Promise((r) => setTimeout(r, 20));
    }
    first.child.kill("SIGKILL");
    const killed = await first.done;
    expect(killed.code).toBeNull();
    const before = new Database(db, { readonly: true });
    const doneBefore = (
      before.prepare("SELECT url FROM crawl_frontier WHERE state = 'done'").all() as { url: string }[]
    ).map((r) => new URL(r.url).pathname);
    const reportsBefore = (before.prepare("SELECT count(*) AS n FROM reports").get() as { n: number }).n;
    before.close();
    expect(doneBefore.length).toBeGreaterThan(0);
    expect(reportsBefore).toBeLessThan(14);

    portal.resetStats();
    const second = await zfxxgk(["crawl", "--sources", sources, "--db", db, "--json"]).done;
    expect(second.err).not.toMatch(/"level":"error"/);
    expect(second.code).toBe(0);
    const summary = JSON.parse(second.out.trim().split("\n").pop()!);
    expect(summary.status).toBe("ok");
    // Nothing that was done before the kill is requested again, not even conditionally.
    const again = portal.requests.map((r) => r.path).filter((p) => doneBefore.includes(p));
    expect(again).toEqual([]);

    const store = new Store(db);
    const q = <T>(sql: string) => store.db.prepare(sql).all() as T[];
    expect(q("SELECT count(*) AS n FROM reports")).toEqual([{ n: 14 }]);
    // Exactly once: one document per report, no superseded copies, one per URL.
    expect(q("SELECT count(*) AS n FROM documents")).toEqual([{ n: 14 }]);
    expect(q("SELECT status, count(*) AS n FROM documents GROUP BY status ORDER BY status")).toEqual([
      { status: "imported", n: 13 },
      { status: "no_tables", n: 1 }, // qingxi-2017, a report from before the tables
    ]);
    expect(q("SELECT count(*) AS n FROM crawl_frontier WHERE state <> 'done'")).toEqual([{ n: 0 }]);
    const runs = q<{ status: string; resumed: number }>("SELECT status, resumed FROM crawl_runs ORDER BY id");
    expect(runs).toEqual([
      { status: "interrupted", resumed: 0 },
      { status: "ok", resumed: 1 },
    ]);
    store.close();

    // A third run starts a new pass: conditional requests only, nothing imported.
    portal.resetStats();
    const third = await zfxxgk(["crawl", "--sources", sources, "--db", db, "--json"]).done;
    expect(third.code).toBe(0);
    expect(JSON.parse(third.out.trim().split("\n").pop()!)).toMatchObject({
      status: "ok",
      fetched: 0,
      new_reports: 0,
      changed_reports: 0,
      not_modified: 17,
    });
    expect(portal.requests.filter((r) => r.status === 200).map((r) => r.path)).toEqual([]);

    // JSON log lines on a pipe, one object per line.
    const lines = third.err.trim().split("\n");
    for (const l of lines) expect(JSON.parse(l)).toHaveProperty("event");
    expect(lines.map((l) => JSON.parse(l).event)).toContain("end");

    // zfxxgk runs lists them, newest first.
    const list = await zfxxgk(["runs", "--db", db]).done;
    expect(list.code).toBe(0);
    expect(list.out.split("\n")[1]).toMatch(/^\s+3\s.*\bok\b/);
    expect(list.out).toMatch(/\binterrupted\b/);
    const json = await zfxxgk(["runs", "--db", db, "--json", "-n", "1"]).done;
    expect(JSON.parse(json.out.trim())).toMatchObject({
      id: 3,
      status: "ok",
      not_modified: 17,
      failures: [],
    });
  }, 120_000);

  it("on SIGTERM finishes the requests in flight, records the run as interrupted and releases the lock", async () => {
    const db = join(dir, "term.sqlite");
    portal.resetStats();
    const run = zfxxgk(["crawl", "--sources", sources, "--db", db, "--log", "json"]);
    const t0 = Date.now();
    while (portal.requests.filter((r) => !r.path.includes("/index")).length < 4) {
      if (Date.now() - t0 > 60_000) throw new Error("the crawl did not get going in 60 s");
      await new Promise((r) => setTimeout(r, 20));
    }
    run.child.kill("SIGTERM");
    const r = await run.done;
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^run 1 interrupted/);
    expect(r.err).toMatch(/"event":"stopping"/);
    const store = new Store(db);
    expect(store.db.prepare("SELECT status, ended_at IS NOT NULL AS ended FROM crawl_runs").all()).toEqual([
      { status: "interrupted", ended: 1 },
    ]);
    expect(store.db.prepare("SELECT count(*) AS n FROM crawl_lock").get()).toEqual({ n: 0 });
    expect(
      (
        store.db.prepare("SELECT count(*) AS n FROM crawl_frontier WHERE state = 'pending'").get() as {
          n: number;
        }
      ).n,
    ).toBeGreaterThan(0);
    store.close();
    const again = await zfxxgk(["crawl", "--sources", sources, "--db", db, "--json", "--log", "none"]).done;
    expect(again.code).toBe(0);
    const s2 = new Store(db);
    expect(s2.db.prepare("SELECT count(*) AS n FROM reports").get()).toEqual({ n: 14 });
    expect(s2.db.prepare("SELECT status, resumed FROM crawl_runs ORDER BY id").all()).toEqual([
      { status: "interrupted", resumed: 0 },
      { status: "ok", resumed: 1 },
    ]);
    s2.close();
  }, 120_000);

  it("refuses to overlap a live run (exit 3), and takes over a dead one", async () => {
    const db = join(dir, "lock.sqlite");
    const store = new Store(db);
    store.db
      .prepare("INSERT INTO crawl_lock (id, pid, hostname, run_id, heartbeat_ms) VALUES (1, ?, ?, 7, ?)")
      .run(process.pid, hostname(), Date.now());
    store.close();
    const locked = await zfxxgk(["crawl", "--sources", sources, "--db", db]).done;
    expect(locked.code).toBe(3);
    expect(locked.err).toMatch(/another crawl \(pid \d+ .*run 7\) holds the lock/);
    // A holder that is gone (a pid that cannot exist) does not block.
    const s2 = new Store(db);
    s2.db.prepare("UPDATE crawl_lock SET pid = 2147483646").run();
    s2.close();
    const ok = await zfxxgk(["crawl", "--sources", sources, "--db", db, "--log", "none"]).done;
    expect(ok.code).toBe(0);
    const s3 = new Store(db);
    expect(s3.db.prepare("SELECT count(*) AS n FROM crawl_lock").get()).toEqual({ n: 0 });
    s3.close();
  }, 120_000);

  it("rejects a bad sources file with the field named (exit 2)", async () => {
    const bad = join(dir, "bad.json");
    writeFileSync(
      bad,
      JSON.stringify({
        sources: [{ name: "x", startUrls: ["ftp://example.gov.cn/"], limits: { maxDepth: -1 } }],
      }),
    );
    const r = await zfxxgk(["crawl", "--sources", bad, "--db", join(dir, "bad.sqlite")]).done;
    expect(r.code).toBe(2);
    expect(r.err).toContain("sources[0].startUrls[0]: must be an absolute http:// or https:// URL");
    expect(r.err).toMatch(/sources\[0\]\.limits\.maxDepth: /);
  }, 60_000);
});

// Nightly semantics: dead links rest at growing intervals, the end of a run names its failure reasons,
// logs print tidy numbers, the lock survives a busy main thread, sources files with a BOM parse, and
// allowedHosts entries without a port allow the default ports only.
import { spawn } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { crawl } from "../../src/crawl/crawler.js";
import { createLogger } from "../../src/crawl/log.js";
import { failureClass, LockHeldError, RunLock } from "../../src/crawl/runs.js";
import { hostAllowed, loadSources, parseSources } from "../../src/crawl/sources.js";
import { Store } from "../../src/store/store.js";
import { projectRoot, tempDir } from "../helpers.js";
import { startServers, textAsHtml } from "./portal.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const DAY = 86_400_000;

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe("nightly runs", () => {
  it("a dead link fails once, then rests at growing intervals without making runs partial", async () => {
    const dead = await closedPort();
    const pages = new Map([
      [
        "/ndbg/index.html",
        {
          body: Buffer.from(
            `<ul><li><a href="t2023.html">2023年政府信息公开工作年度报告</a>2024-01-10</li><li><a href="gone.html">2022年政府信息公开工作年度报告</a>2023-01-10</li><li><a href="slow.html">2021年政府信息公开工作年度报告</a>2022-01-10</li><li><a href="http://127.0.0.1:${dead}/ndbg/x.html">2020年政府信息公开工作年度报告</a>2021-01-10</li></ul>`,
          ),
        },
      ],
      ["/ndbg/t2023.html", { body: textAsHtml("qingxi-2023.txt") }],
      ["/ndbg/slow.html", { body: Buffer.from("<p>late</p>"), delayMs: 2500 }],
    ]);
    const server = await startServers([pages]);
    const base = server.bases[0];
    const dir = tempDir("zfnightly-");
    dirs.push(dir);
    const store = new Store(join(dir, "db.sqlite"));
    const lines: string[] = [];
    const log = createLogger("text", { stream: { write: (s: string) => lines.push(s) } as never });
    const config = parseSources({
      politeness: { delayMs: 0, timeoutMs: 700, retries: 0, robots: false },
      sources: [
        {
          name: "n",
          startUrls: [`${base}/ndbg/index.html`],
          allowedHosts: [new URL(base).host, `127.0.0.1:${dead}`],
        },
      ],
    });
    const t0 = Date.now();
    const run = (offset: number) =>
      crawl({ store, config, dataDir: join(dir, "data"), log, now: () => t0 + offset });
    const gone = () => server.requests.filter((r) => r.path === "/ndbg/gone.html").length;
    try {
      const first = await run(0);
      expect(first.status, JSON.stringify(first.failures)).toBe("partial");
      expect(first.failuresByReason, JSON.stringify(first.failures)).toEqual({
        "HTTP 404": 1,
        timeout: 1,
        "connection refused": 1,
      });
      const end = lines.find((l) => l.startsWith("WARN end"))!;
      expect(end).toContain("HTTP 404 ×1");
      expect(end).toMatch(/seconds=\d+(\.\d{1,3})?\s/);
      for (const l of lines) expect(l).not.toMatch(/undefined|\d\.\d{4,}/);
      expect(gone()).toBe(1);
      // The next night: the 404 rests (not requested), the run is ok as far as the dead link goes.
      const second = await run(DAY);
      expect(gone()).toBe(1);
      expect(second.failuresByReason).toEqual({ timeout: 1, "connection refused": 1 });
      expect(
        store.db.prepare("SELECT reason FROM crawl_frontier WHERE url = ?").get(`${base}/ndbg/gone.html`),
      ).toEqual({ reason: expect.stringMatching(/^dead link: HTTP 404 1 time\(s\) since .*next try after/) });
      // Two days on it is tried again; still 404, it is recorded and skipped, not failed.
      const third = await run(2 * DAY);
      expect(gone()).toBe(2);
      expect(third.failures.map((f) => f.url)).not.toContain(`${base}/ndbg/gone.html`);
      // Now it rests 4 days: not tried the night after.
      await run(3 * DAY);
      expect(gone()).toBe(2);
    } finally {
      store.close();
      await server.close();
    }
  });

  it("names failure classes: DNS, timeout, connection refused, HTTP status, import code", () => {
    expect(failureClass("getaddrinfo ENOTFOUND www.example.gov.cn after 4 attempts")).toBe("DNS");
    expect(failureClass("EAI_AGAIN after 2 attempts")).toBe("DNS");
    expect(failureClass("timeout after 4 attempts")).toBe("timeout");
    expect(failureClass("HTTP 503 after 4 attempts")).toBe("HTTP 503");
    expect(failureClass("import failed: [corrupt_pdf] bad xref")).toBe("import: corrupt_pdf");
  });
});

describe("the crawl lock", () => {
  it("keeps beating while the holder's main thread is busy; only a dead holder loses it", async () => {
    const dir = tempDir("zflock-");
    dirs.push(dir);
    const db = join(dir, "db.sqlite");
    new Store(db).close();
    const script = join(dir, "holder.mts");
    const runs = pathToFileURL(join(projectRoot, "src/crawl/runs.ts")).href;
    const store = pathToFileURL(join(projectRoot, "src/store/store.ts")).href;
    writeFileSync(
      script,
      `import { RunLock } from ${JSON.stringify(runs)};
import { Store } from ${JSON.stringify(store)};
const s = new Store(${JSON.stringify(db)});
RunLock.acquire(s.db, { heartbeatMs: 100 });
process.stdout.write("locked\\n");
// Document work that never yields: the main thread is busy for 4 s.
const end = Date.now() + 4000;
while (Date.now() < end) {}
process.stdout.write("done\\n");
setInterval(() => {}, 1000);
`,
    );
    const child = spawn(process.execPath, ["--import", "tsx", script], { cwd: projectRoot });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (b: Buffer) => b.toString().includes("locked") && resolve());
        child.on("exit", (code) => reject(new Error(`holder exited with ${code}`)));
      });
      const s = new Store(db);
      try {
        // Well past the stale limit while the holder's main thread spins: still held.
        await new Promise((r) => setTimeout(r, 1500));
        expect(() => RunLock.acquire(s.db, { staleMs: 700 })).toThrow(LockHeldError);
        const age =
          Date.now() -
          (s.db.prepare("SELECT heartbeat_ms FROM crawl_lock").get() as { heartbeat_ms: number })
            .heartbeat_ms;
        expect(age).toBeLessThan(700);
        child.kill("SIGKILL");
        await new Promise((r) => child.once("exit", r));
        // A dead holder (same machine, pid gone) loses the lock at once.
        const lock = RunLock.acquire(s.db, { staleMs: 700 });
        lock.release();
      } finally {
        s.close();
      }
    } finally {
      child.kill("SIGKILL");
    }
  });
});

describe("sources file", () => {
  it("parses a file saved with a UTF-8 byte-order mark", () => {
    const dir = tempDir("zfbom-");
    dirs.push(dir);
    const f = join(dir, "sources.json");
    writeFileSync(
      f,
      `\uFEFF${JSON.stringify({ sources: [{ name: "a", startUrls: ["https://www.a.gov.cn/ndbg/"] }] })}`,
    );
    expect(loadSources(f).sources[0].allowedHosts).toEqual(["www.a.gov.cn"]);
  });

  it("allowedHosts without a port allows the default ports only; host:port exactly that port", () => {
    const ok = (u: string, hosts: string[]) => hostAllowed(new URL(u), hosts);
    expect(ok("http://www.a.gov.cn/x", ["www.a.gov.cn"])).toBe(true);
    expect(ok("https://www.a.gov.cn/x", ["www.a.gov.cn"])).toBe(true);
    expect(ok("http://www.a.gov.cn:80/x", ["www.a.gov.cn"])).toBe(true);
    expect(ok("http://www.a.gov.cn:8080/x", ["www.a.gov.cn"])).toBe(false);
    expect(ok("https://www.a.gov.cn:8443/x", ["*.a.gov.cn"])).toBe(false);
    expect(ok("http://www.a.gov.cn:8080/x", ["www.a.gov.cn:8080"])).toBe(true);
    expect(ok("http://www.a.gov.cn/x", ["www.a.gov.cn:8080"])).toBe(false);
    expect(ok("http://www.a.gov.cn:8081/x", ["www.a.gov.cn:8080"])).toBe(false);
    expect(ok("http://x.a.gov.cn:8080/x", ["*.a.gov.cn:8080"])).toBe(true);
    // Start URLs on another port allow exactly that port by default.
    const c = parseSources({ sources: [{ name: "a", startUrls: ["http://127.0.0.1:8080/ndbg/"] }] });
    expect(c.sources[0].allowedHosts).toEqual(["127.0.0.1:8080"]);
  });
});

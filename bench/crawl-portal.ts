// A generated portal for crawl load tests, in its own process on 127.0.0.1, measuring per-host politeness.

// Its clock is not the crawler's. Paginated list pages link report pages.
// Usage: node --import tsx bench/crawl-portal.ts <hosts> <reportsPerHost> [crawlDelaySeconds] [holdMs]
// Prints one JSON line {"bases":[…]}; GET /__stats answers {host: {requests, maxConcurrent, minGapMs}}.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

const PER_LIST = 20;
const MAX_LIFETIME_MS = 10 * 60_000;

const hosts = Math.max(1, Math.min(16, Number(process.argv[2] ?? 2)));
const reports = Math.max(1, Math.min(100_000, Number(process.argv[3] ?? 100)));
const crawlDelay = process.argv[4] || undefined;
/** Each answer is held this long, so that concurrent requests overlap at the server. */
const holdMs = Math.max(0, Math.min(10_000, Number(process.argv[5] ?? 0)));
const lists = Math.ceil(reports / PER_LIST);

interface Stats {
  requests: number;
  active: number;
  maxConcurrent: number;
  minGapMs: number | null;
  last?: number;
}
const stats = new Map<string, Stats>();

function listPage(n: number): string {
  const links: string[] = [];
  for (let i = n * PER_LIST; i < Math.min(reports, (n + 1) * PER_LIST); i++)
    links.push(
      `<li><a href="/ndbg/t${i}.html">第${i}号单位${2000 + (i % 25)}年政府信息公开工作年度报告</a></li>`,
    );
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>年报</title></head><body><ul>${links.join("")}</ul><script>createPageHTML(${lists}, ${n}, "index", "html");</script></body></html>`;
}

function reportPage(i: number): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>第${i}号单位${2000 + (i % 25)}年政府信息公开工作年度报告</title></head><body><p>第${i}号单位${2000 + (i % 25)}年政府信息公开工作年度报告正文。</p></body></html>`;
}

function route(path: string): string | undefined {
  if (path === "/robots.txt") return crawlDelay ? `User-agent: *\nCrawl-delay: ${crawlDelay}\n` : undefined;
  if (path === "/ndbg/index.html") return listPage(0);
  const list = /^\/ndbg\/index_(\d+)\.html$/.exec(path);
  if (list && Number(list[1]) < lists) return listPage(Number(list[1]));
  const report = /^\/ndbg\/t(\d+)\.html$/.exec(path);
  if (report && Number(report[1]) < reports) return reportPage(Number(report[1]));
  return undefined;
}

const bases: string[] = [];
for (let h = 0; h < hosts; h++) {
  const server = createServer((req, res) => {
    const path = req.url ?? "/";
    if (path === "/__stats") {
      const out: Record<string, Omit<Stats, "active" | "last">> = {};
      for (const [k, s] of stats)
        out[k] = { requests: s.requests, maxConcurrent: s.maxConcurrent, minGapMs: s.minGapMs };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(out));
      return;
    }
    const host = req.headers.host ?? "?";
    const now = performance.now();
    const s = stats.get(host) ?? { requests: 0, active: 0, maxConcurrent: 0, minGapMs: null };
    stats.set(host, s);
    s.requests++;
    if (s.last !== undefined) s.minGapMs = Math.min(s.minGapMs ?? Number.POSITIVE_INFINITY, now - s.last);
    s.last = now;
    s.active++;
    s.maxConcurrent = Math.max(s.maxConcurrent, s.active);
    res.on("close", () => {
      s.active--;
    });
    const body = route(path);
    if (body === undefined) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    const bytes = Buffer.from(body);
    const send = () =>
      res.writeHead(200, { "content-type": "text/html", "content-length": String(bytes.length) }).end(bytes);
    if (holdMs > 0) setTimeout(send, holdMs);
    else send();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  bases.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
}
process.stdout.write(`${JSON.stringify({ bases, lists, reports })}\n`);
// The portal stops by itself even if its parent forgets it.
setTimeout(() => process.exit(0), MAX_LIFETIME_MS).unref();
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();

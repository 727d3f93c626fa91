// A simulated government portal on 127.0.0.1 for the crawler tests.

// Paginated list pages in several CMS styles, GBK pages without charset headers, real report pages from
// corpus/, attachments, robots.txt, 500s that recover, 429 with Retry-After, ETag/Last-Modified, a redirect
// loop, an oversized file and a slow response. The server records every request.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import iconv from "iconv-lite";
import { projectRoot } from "../helpers.js";

const corpus = (name: string) => readFileSync(join(projectRoot, "corpus", name));
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** A text report as an HTML page, one paragraph per line (how many portals publish them). */
export function textAsHtml(name: string): Buffer {
  const text = corpus(name).toString("utf8");
  const body = text
    .split(/\r?\n/)
    .map((l) => `<p>${esc(l)}</p>`)
    .join("\n");
  return Buffer.from(
    `<!DOCTYPE html><html><head><meta charset="utf-8"><title>年度报告</title></head><body><div class="crumb">首页 &gt; 政府信息公开 &gt; 年报</div>\n${body}\n</body></html>`,
  );
}

export const MINIMAL_PDF = Buffer.from(
  "%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n",
  "latin1",
);

/** A zip whose only entry is word/document.xml: a DOCX as far as the bytes go. */
export function minimalDocx(): Buffer {
  const name = Buffer.from("word/document.xml");
  const data = Buffer.from('<?xml version="1.0"?><w:document/>');
  const h = Buffer.alloc(30);
  h.writeUInt32LE(0x04034b50, 0);
  h.writeUInt16LE(20, 4);
  h.writeUInt32LE(data.length, 18);
  h.writeUInt32LE(data.length, 22);
  h.writeUInt16LE(name.length, 26);
  return Buffer.concat([h, name, data]);
}

export interface Page {
  body: Buffer | (() => Buffer);
  type?: string;
  /** Validator style: an ETag (default), Last-Modified, or none. */
  validator?: "etag" | "last-modified" | "none";
  /** Custom behaviour before the normal answer; return true when it answered. */
  special?: (req: IncomingMessage, res: ServerResponse, hit: number) => boolean | Promise<boolean>;
  /** Delay before answering (ms). */
  delayMs?: number;
  /** Send the body gzip-compressed when the client accepts it. */
  gzip?: boolean;
  /**
   * An endpoint answering by its query and form body (list APIs, POSTs); registered under its path
   * without the query. Undefined is a 404.
   */
  dynamic?: (req: {
    method: string;
    url: URL;
    body: string;
  }) => { body: Buffer; type?: string; headers?: Record<string, string> } | undefined;
  /** Extra response headers (Content-Disposition, …). */
  headers?: Record<string, string>;
}

export interface RequestLog {
  method: string;
  host: string;
  path: string;
  start: number;
  status: number;
  conditional: boolean;
  ua: string;
}

export interface Portal {
  /** Base URL of each server, e.g. http://127.0.0.1:PORT */
  bases: string[];
  requests: RequestLog[];
  pages: Map<string, Page>[];
  /** Highest number of requests in flight at once, per host. */
  maxConcurrent: Map<string, number>;
  /** Smallest gap between the starts of two requests, per host (ms). */
  minGap: Map<string, number>;
  close(): Promise<void>;
  resetStats(): void;
}

const LAST_MODIFIED = "Wed, 01 Jan 2025 00:00:00 GMT";

/** Starts one server per page map on 127.0.0.1 (random ports). */
export async function startServers(sites: Map<string, Page>[]): Promise<Portal> {
  const requests: RequestLog[] = [];
  const maxConcurrent = new Map<string, number>();
  const minGap = new Map<string, number>();
  const active = new Map<string, number>();
  const lastStart = new Map<string, number>();
  const hits = new Map<string, number>();
  const servers: Server[] = [];
  const bases: string[] = [];
  for (const pages of sites) {
    const server = createServer(async (req, res) => {
      const host = req.headers.host ?? "?";
      const start = performance.now();
      const prev = lastStart.get(host);
      if (prev !== undefined)
        minGap.set(host, Math.min(minGap.get(host) ?? Number.POSITIVE_INFINITY, start - prev));
      lastStart.set(host, start);
      active.set(host, (active.get(host) ?? 0) + 1);
      maxConcurrent.set(host, Math.max(maxConcurrent.get(host) ?? 0, active.get(host)!));
      const path = req.url ?? "/";
      const hit = (hits.get(`${host}${path}`) ?? 0) + 1;
      hits.set(`${host}${path}`, hit);
      const log: RequestLog = {
        method: req.method ?? "GET",
        host,
        path,
        start,
        status: 0,
        conditional: Boolean(req.headers["if-none-match"] || req.headers["if-modified-since"]),
        ua: String(req.headers["user-agent"] ?? ""),
      };
      requests.push(log);
      res.on("close", () => {
        active.set(host, active.get(host)! - 1);
        log.status = res.statusCode;
      });
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const bare = path.replace(/\?.*$/, "");
      // A POST goes to the endpoint registered under the bare path when there is one.
      const page =
        (req.method === "POST" && pages.get(bare)?.dynamic ? pages.get(bare) : undefined) ??
        pages.get(path) ??
        pages.get(bare);
      const answer = page?.dynamic?.({
        method: req.method ?? "GET",
        url: new URL(path, `http://${host}`),
        body: Buffer.concat(chunks).toString("utf8"),
      });
      if (!page || (page.dynamic && !answer) || (!page.dynamic && pages.get(path) !== page)) {
        res.writeHead(404, { "content-type": "text/plain" }).end("not found");
        return;
      }
      if (page.delayMs) await new Promise((r) => setTimeout(r, page.delayMs));
      if (page.special && (await page.special(req, res, hit))) return;
      const body = answer ? answer.body : typeof page.body === "function" ? page.body() : page.body;
      const headers: Record<string, string> = {
        "content-type": answer?.type ?? page.type ?? "text/html",
        ...page.headers,
        ...answer?.headers,
      };
      const v = page.validator ?? "etag";
      if (v === "etag") {
        const etag = `"${createHash("sha1").update(body).digest("hex").slice(0, 16)}"`;
        headers.etag = etag;
        if (req.headers["if-none-match"] === etag) {
          res.writeHead(304, headers).end();
          return;
        }
      } else if (v === "last-modified") {
        headers["last-modified"] = LAST_MODIFIED;
        if (req.headers["if-modified-since"] === LAST_MODIFIED) {
          res.writeHead(304, headers).end();
          return;
        }
      }
      let out = body;
      if (page.gzip && /gzip/.test(String(req.headers["accept-encoding"] ?? ""))) {
        out = gzipSync(body);
        headers["content-encoding"] = "gzip";
      }
      headers["content-length"] = String(out.length);
      res.writeHead(200, headers).end(out);
    });
    server.keepAliveTimeout = 5000;
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    servers.push(server);
    bases.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }
  return {
    bases,
    requests,
    pages: sites,
    maxConcurrent,
    minGap,
    resetStats() {
      requests.length = 0;
      maxConcurrent.clear();
      minGap.clear();
      lastStart.clear();
    },
    async close() {
      for (const s of servers) {
        s.closeAllConnections();
        await new Promise((r) => s.close(r));
      }
    },
  };
}

function listPage(title: string, links: [string, string][], extra = ""): string {
  const items = links
    .map(([href, text]) => `<li><a href="${href}" target="_blank">${text}</a></li>`)
    .join("\n");
  return `<!DOCTYPE html><html><head><title>${title}</title></head><body><div class="nav"><a href="/">首页</a><a href="/xxgk/">政府信息公开</a><a href="mailto:xxgk@example.gov.cn">联系我们</a></div><ul class="list">\n${items}\n</ul>${extra}</body></html>`;
}

/** The page maps of the simulated portal: site A (index_N.html CMS) and site B (?page=N + 下一页). */
export function portalSites(): Map<string, Page>[] {
  const a = new Map<string, Page>();
  const b = new Map<string, Page>();
  a.set("/robots.txt", {
    body: Buffer.from(
      "User-agent: *\nDisallow: /private/\n\nUser-agent: zfxxgk\nDisallow: /private/\nCrawl-delay: 0\n",
    ),
    type: "text/plain",
  });
  // Page 1: UTF-8, createPageHTML pagination script.
  a.set("/xxgk/ndbg/index.html", {
    body: Buffer.from(
      listPage(
        "政府信息公开年报",
        [
          ["t2019.html", "江宁市人民政府2019年政府信息公开工作年度报告"],
          ["./copy/t2019.html", "江宁市人民政府2019年政府信息公开工作年度报告（转载）"],
          ["/private/t2018.html", "江宁市人民政府2018年政府信息公开工作年度报告"],
          ["http://example.com/ndbg/t2017.html", "2017年年报（外站）"],
          ["/xxgk/zcwj/index.html", "政策文件"],
        ],
        '<div class="page"><script>createPageHTML(3, 0, "index", "html");</script></div>',
      ),
      "utf8",
    ),
  });
  // Page 2: GBK, no charset anywhere.
  a.set("/xxgk/ndbg/index_1.html", {
    body: iconv.encode(
      listPage("政府信息公开年报", [
        ["t2020.html", "江宁市人民政府2020年政府信息公开工作年度报告"],
        ["t2024.html", "江宁市人民政府2024年政府信息公开工作年度报告"],
        ["moved.html", "江宁市人民政府2021年政府信息公开工作年度报告"],
      ]),
      "gbk",
    ),
    validator: "last-modified",
  });
  a.set("/xxgk/ndbg/index_2.html", {
    body: Buffer.from(
      listPage("政府信息公开年报", [
        ["t2023.html", "江宁市人民政府2023年政府信息公开工作年度报告"],
        ["flaky.html", "江宁市交通运输局2022年政府信息公开工作年度报告"],
        ["busy.html", "江宁市人民政府办公室2021年政府信息公开工作年度报告"],
        ["slow.html", "江宁市青溪区人民政府2020年政府信息公开工作年度报告"],
        ["loop-a.html", "2016年年报"],
        ["/files/huge.pdf", "年报附件（大）"],
      ]),
    ),
  });
  a.set("/xxgk/ndbg/t2019.html", { body: corpus("jiangning-2019.html") });
  a.set("/xxgk/ndbg/copy/t2019.html", { body: corpus("jiangning-2019.html") });
  a.set("/private/t2018.html", { body: corpus("jiangning-2022.html") });
  a.set("/xxgk/ndbg/t2020.html", { body: corpus("jiangning-2020-gbk.html"), type: "text/html" });
  a.set("/xxgk/ndbg/t2024.html", { body: corpus("jiangning-2024-gb18030.html"), type: "text/html" });
  a.set("/xxgk/ndbg/moved.html", {
    body: Buffer.alloc(0),
    special: (_req, res) => {
      res.writeHead(301, { location: "/xxgk/ndbg/2021/t2021.txt" }).end();
      return true;
    },
  });
  a.set("/xxgk/ndbg/2021/t2021.txt", {
    body: corpus("jiangning-2021.txt"),
    type: "text/plain; charset=utf-8",
  });
  // A report page that only wraps its attachments.
  a.set("/xxgk/ndbg/t2023.html", {
    body: Buffer.from(
      listPage("江宁市人民政府2023年政府信息公开工作年度报告", [
        ["/files/ndbg-2023.pdf", "江宁市人民政府2023年政府信息公开工作年度报告.pdf"],
        ["/files/ndbg-2023.docx", "附件：年度报告.docx"],
      ]),
    ),
  });
  a.set("/files/ndbg-2023.pdf", { body: MINIMAL_PDF, type: "application/pdf" });
  a.set("/files/ndbg-2023.docx", {
    body: minimalDocx(),
    type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  });
  a.set("/xxgk/ndbg/flaky.html", {
    body: corpus("jiaotong-2022.html"),
    special: (_req, res, hit) => {
      if (hit > 2) return false;
      res.writeHead(500, { "content-type": "text/plain" }).end("server error");
      return true;
    },
  });
  a.set("/xxgk/ndbg/busy.html", {
    body: corpus("bangongshi-2021.html"),
    special: (_req, res, hit) => {
      if (hit > 1) return false;
      res.writeHead(429, { "retry-after": "1", "content-type": "text/plain" }).end("slow down");
      return true;
    },
  });
  a.set("/xxgk/ndbg/slow.html", {
    body: textAsHtml("qingxi-2020.txt"),
    special: async (_req, res, hit) => {
      if (hit > 1) return false;
      await new Promise((r) => setTimeout(r, 6000));
      res.writeHead(200, { "content-type": "text/html" }).end("<html><body>too late</body></html>");
      return true;
    },
  });
  a.set("/xxgk/ndbg/loop-a.html", {
    body: Buffer.alloc(0),
    special: (_req, res) => {
      res.writeHead(302, { location: "/xxgk/ndbg/loop-b.html" }).end();
      return true;
    },
  });
  a.set("/xxgk/ndbg/loop-b.html", {
    body: Buffer.alloc(0),
    special: (_req, res) => {
      res.writeHead(302, { location: "/xxgk/ndbg/loop-a.html" }).end();
      return true;
    },
  });
  const huge = Buffer.concat([MINIMAL_PDF, Buffer.alloc(3 * 1024 * 1024, 0x20)]);
  a.set("/files/huge.pdf", { body: huge, type: "application/pdf" });

  // Site B: ?page=N with 下一页 links, Last-Modified validators, text reports.
  b.set("/gov/ndbg/list?page=1", {
    body: Buffer.from(
      listPage(
        "年度报告",
        [
          ["/gov/ndbg/bs2022.html", "白沙镇2022年政府信息公开工作年度报告"],
          ["/gov/ndbg/jn2023.html", "江宁市2023年年报"],
        ],
        '<div class="pager"><a href="/gov/ndbg/list?page=2">下一页</a></div>',
      ),
    ),
    validator: "last-modified",
  });
  b.set("/gov/ndbg/list?page=2", {
    body: Buffer.from(
      listPage(
        "年度报告",
        [
          ["/gov/ndbg/qx2023.html", "青溪区2023年政府信息公开工作年度报告"],
          ["/gov/ndbg/jt2021.html", "交通运输局2021年政府信息公开工作年度报告"],
        ],
        '<div class="pager"><a href="/gov/ndbg/list?page=1">上一页</a><a href="/gov/ndbg/list?page=3">下一页</a></div>',
      ),
    ),
    validator: "last-modified",
  });
  b.set("/gov/ndbg/list?page=3", {
    body: Buffer.from(
      listPage("年度报告", [["/gov/ndbg/bs2020.html", "白沙镇2020年政府信息公开工作年度报告"]]),
    ),
    validator: "last-modified",
  });
  b.set("/gov/ndbg/bs2022.html", { body: textAsHtml("baisha-2022.txt"), validator: "last-modified" });
  b.set("/gov/ndbg/jn2023.html", { body: corpus("jiangning-2023.txt"), type: "text/plain; charset=utf-8" });
  b.set("/gov/ndbg/qx2023.html", { body: corpus("qingxi-2023.txt"), type: "text/plain" });
  b.set("/gov/ndbg/jt2021.html", {
    body: corpus("jiaotong-2021.txt"),
    type: "text/plain",
    validator: "none",
  });
  b.set("/gov/ndbg/bs2020.html", { body: corpus("baisha-2020.txt"), type: "text/plain", gzip: true });
  return [a, b];
}

/** A sources file for the simulated portal. */
export function portalSources(bases: string[], politeness: Record<string, unknown> = {}) {
  return {
    contact: "mailto:crawler-tests@example.org",
    politeness: {
      concurrencyPerHost: 2,
      delayMs: 0,
      timeoutMs: 4000,
      maxBytes: 1024 * 1024,
      retries: 3,
      backoffMs: 50,
      maxRetryAfterMs: 5000,
      ...politeness,
    },
    sources: [
      {
        name: "jiangning",
        region: "江宁市",
        startUrls: [`${bases[0]}/xxgk/ndbg/index.html`],
        allowedHosts: bases.map((b) => new URL(b).host),
      },
      {
        name: "qingxi",
        issuer: "江宁市青溪区人民政府",
        startUrls: [`${bases[1]}/gov/ndbg/list?page=1`],
        allowedHosts: bases.map((b) => new URL(b).host),
      },
    ],
  };
}

// The sources file schema and link discovery (pagination styles, GBK list pages, Retry-After).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { createPageHtmlUrls, decodePage, discoverPage, extractLinks } from "../../src/crawl/discover.js";
import { retryAfterMs } from "../../src/crawl/fetch.js";
import { hostAllowed, parseSources, SourcesError } from "../../src/crawl/sources.js";
import { projectRoot } from "../helpers.js";

const config = parseSources({
  sources: [{ name: "s", startUrls: ["http://www.example.gov.cn/xxgk/ndbg/index.html"] }],
});
const src = config.sources[0];

describe("sources file", () => {
  it("fills defaults: hosts from the start URLs, politeness, limits, an honest User-Agent", () => {
    expect(src.allowedHosts).toEqual(["www.example.gov.cn"]);
    expect(src.politeness).toMatchObject({ concurrencyPerHost: 2, delayMs: 1000, retries: 3, robots: true });
    expect(src.limits).toEqual({ maxPages: 2000, maxListPages: 200, maxDepth: 3 });
    expect(config.userAgent).toMatch(/^zfxxgk\/0\.1 \(/);
    const withContact = parseSources({
      contact: "https://example.org/crawler",
      sources: [{ name: "a", startUrls: ["https://a.gov.cn/"] }],
    });
    expect(withContact.userAgent).toBe("zfxxgk/0.1 (+https://example.org/crawler)");
  });

  it("names every bad field", () => {
    const bad = () =>
      parseSources({
        politeness: { delayMs: "1s" },
        sources: [
          { name: "a", startUrls: ["javascript:alert(1)"], linkPatterns: { report: ["(unclosed"] } },
          { name: "a", startUrls: [], extra: true },
        ],
      });
    expect(bad).toThrow(SourcesError);
    let msg = "";
    try {
      bad();
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toContain("politeness.delayMs:");
    expect(msg).toContain("sources[0].startUrls[0]: must be an absolute http:// or https:// URL");
    expect(msg).toContain("sources[0].linkPatterns.report[0]: must be a valid regular expression");
    expect(msg).toContain("sources[1].startUrls:");
    expect(msg).toMatch(/sources\[1\].*extra/);
  });

  it("allows only http(s) on the allowed hosts", () => {
    expect(hostAllowed(new URL("https://www.example.gov.cn/a"), ["www.example.gov.cn"])).toBe(true);
    expect(hostAllowed(new URL("ftp://www.example.gov.cn/a"), ["www.example.gov.cn"])).toBe(false);
    expect(hostAllowed(new URL("http://evil.example.com/"), ["www.example.gov.cn"])).toBe(false);
    expect(hostAllowed(new URL("http://x.example.gov.cn/"), ["*.example.gov.cn"])).toBe(true);
    expect(hostAllowed(new URL("http://example.gov.cn.evil.com/"), ["*.example.gov.cn"])).toBe(false);
  });

  it("the example sources file is valid", () => {
    const ex = JSON.parse(readFileSync(join(projectRoot, "examples", "sources.json"), "utf8"));
    expect(parseSources(ex).sources.length).toBeGreaterThan(0);
  });
});

describe("link discovery", () => {
  const page = "http://www.example.gov.cn/xxgk/ndbg/index.html";

  it("expands createPageHTML scripts into the list's pages", () => {
    expect(createPageHtmlUrls('createPageHTML(4, 0, "index", "shtml");', new URL(page))).toEqual([
      "http://www.example.gov.cn/xxgk/ndbg/index.shtml",
      "http://www.example.gov.cn/xxgk/ndbg/index_1.shtml",
      "http://www.example.gov.cn/xxgk/ndbg/index_2.shtml",
      "http://www.example.gov.cn/xxgk/ndbg/index_3.shtml",
    ]);
    // The Jiangsu form with a container id first counts pages from 1: page N is index_N.html.
    expect(
      createPageHtmlUrls("createPageHTML('page_div', 3, 1, 'index', 'html', 30);", new URL(page)),
    ).toEqual([
      "http://www.example.gov.cn/xxgk/ndbg/index.html",
      "http://www.example.gov.cn/xxgk/ndbg/index_2.html",
      "http://www.example.gov.cn/xxgk/ndbg/index_3.html",
    ]);
    // Arguments read by role: a variable page count, the record count after the extension.
    expect(
      createPageHtmlUrls(
        'var countPage = 2; createPageHTML(countPage, 0, "list", "shtml", 28);',
        new URL(page),
      ),
    ).toEqual([
      "http://www.example.gov.cn/xxgk/ndbg/list.shtml",
      "http://www.example.gov.cn/xxgk/ndbg/list_1.shtml",
    ]);
  });

  it("classifies pagination, reports and attachments, and drops everything else", () => {
    const html = `<html><head><base href="http://www.example.gov.cn/xxgk/ndbg/"></head><body>
      <a href="t20240115_1.html">江宁区2023年政府信息公开工作年度报告</a>
      <a href="/zwgk/ndbg/2022.html" title="2022年年报"></a>
      <a href="files/附件1.PDF">附件</a>
      <a href="index_1.html">2</a>
      <a href="?page=3">下一页</a>
      <a href="/other/index_5.html">5</a>
      <a href="https://evil.example.com/ndbg.html">2023年年报</a>
      <a href="javascript:void(0)">年报</a>
      <a href="mailto:a@b.c">年报</a>
      <a href="/xxgk/zcwj/">政策文件</a>
      <a href="#top">年度报告</a></body></html>`;
    const links = extractLinks(html, page, src, "list").map(
      (l) => `${l.kind} ${l.url.replace("http://www.example.gov.cn", "")}`,
    );
    // Pagination links name pages 1 and 3; page 2 between them is filled in.
    expect(links.sort()).toEqual(
      [
        "report /xxgk/ndbg/t20240115_1.html",
        "report /zwgk/ndbg/2022.html",
        "attachment /xxgk/ndbg/files/%E9%99%84%E4%BB%B61.PDF",
        "list /xxgk/ndbg/index_1.html",
        "list /xxgk/ndbg/?page=2",
        "list /xxgk/ndbg/?page=3",
      ].sort(),
    );
    // Content decides, not the link: this page is a list (pagination) even when a report link led here.
    expect(extractLinks(html, page, src, "report").map((l) => l.kind)).toContain("list");
    // An article page is no list: no pagination from it.
    const article = html.replace(
      "<body>",
      `<body><div class="TRS_Editor">${"正文。".repeat(120)}<table><tr><td>1</td></tr></table></div>`,
    );
    expect(extractLinks(article, page, src, "report").map((l) => l.kind)).not.toContain("list");
  });

  it("reads link text of GBK list pages with no charset anywhere", () => {
    const bytes = iconv.encode(
      '<html><body><a href="t1.html">2020年政府信息公开工作年度报告</a></body></html>',
      "gbk",
    );
    expect(extractLinks(decodePage(bytes, "text/html"), page, src, "list")).toEqual([
      {
        url: "http://www.example.gov.cn/xxgk/ndbg/t1.html",
        kind: "report",
        text: "2020年政府信息公开工作年度报告",
      },
    ]);
    const gbkReport = readFileSync(join(projectRoot, "corpus", "jiangning-2020-gbk.html"));
    expect(decodePage(gbkReport)).toContain("政府信息公开");
    expect(decodePage(iconv.encode("<p>年度报告</p>", "gbk"), "text/html; charset=GB2312")).toContain(
      "年度报告",
    );
  });

  it("reads a page's kind from its content, and links by role", () => {
    const kinds = (html: string, from: "list" | "report" = "list") =>
      discoverPage({ key: page, finalUrl: page, text: html, src, expected: from });
    // A list inside a container that looks like an article body is still a list.
    const rows = Array.from(
      { length: 6 },
      (_, i) => `<li><a href="t${i}.html">通知${i}</a><span>2024-01-0${i + 1}</span></li>`,
    ).join("");
    expect(kinds(`<div class="zoom"><ul>${rows}</ul></div>`).kind).toBe("list");
    // Year columns by their link text; list-N.html pagination with the gap filled.
    const list = kinds(
      `<ul>${rows}</ul><a href="/col/col88/index.html">2023年度</a><a href="list-2.html">2</a><a href="list-4.html">尾页</a>`,
    );
    const byUrl = Object.fromEntries(
      list.links.map((l) => [l.url.replace("http://www.example.gov.cn", ""), l.kind]),
    );
    expect(byUrl).toMatchObject({
      "/col/col88/index.html": "list",
      "/xxgk/ndbg/list-2.html": "list",
      "/xxgk/ndbg/list-3.html": "list",
      "/xxgk/ndbg/list-4.html": "list",
    });
    // On an article: a bare 下载 link is its attachment, and no pagination is read.
    const article = kinds(
      `<div id="zoom">${"本机关2023年度报告全文。".repeat(40)}<p><a href="/servlet/Get?id=9">点击下载</a></p></div><ul>${rows}</ul>`,
      "report",
    );
    expect(article.kind).toBe("article");
    expect(article.links.filter((l) => l.kind !== "report").map((l) => `${l.kind} ${l.url}`)).toEqual([
      "attachment http://www.example.gov.cn/servlet/Get?id=9",
    ]);
    // Files named by the markup: a download attribute, a downloadFile('…') handler, 附件： link text.
    const files = kinds(
      `<div class="TRS_Editor"><p>全文见附件。</p><a href="/f/1" download="2023年报.pdf">x</a><a href="javascript:void(0)" onclick="downloadFile('/f/2')">y</a><a href="/f/3">附件：2023年度报告</a></div>`,
      "report",
    );
    expect(files.kind).toBe("article");
    expect(files.article?.pointsToAttachment).toBe(true);
    expect(files.links.map((l) => `${l.kind} ${new URL(l.url).pathname}`)).toEqual([
      "attachment /f/1",
      "attachment /f/2",
      "attachment /f/3",
    ]);
    // An ASP.NET pager that posts back: POSTs of the page's form for pages 2…last.
    const aspx = kinds(
      `<form action="InfoPublic.aspx?cid=3"><input type="hidden" name="__VIEWSTATE" value="vs"><ul>${rows}</ul><a href="javascript:__doPostBack('pager','2')">下一页</a><a href="javascript:__doPostBack('pager','3')">尾页</a></form>`,
    );
    expect(aspx.family).toBe("aspnet");
    expect(aspx.links.filter((l) => l.body).map((l) => `${l.url} ${l.body}`)).toEqual([
      "http://www.example.gov.cn/xxgk/ndbg/InfoPublic.aspx?cid=3 __VIEWSTATE=vs&__EVENTTARGET=pager&__EVENTARGUMENT=2",
      "http://www.example.gov.cn/xxgk/ndbg/InfoPublic.aspx?cid=3 __VIEWSTATE=vs&__EVENTTARGET=pager&__EVENTARGUMENT=3",
    ]);
    // Hanweb without an ajaxParam literal: the dataproxy fields the script names one by one.
    const hw = kinds(
      `<script type="text/xml"><datastore><recordset><record><![CDATA[<li><a href="/art/1.html">2023年年报</a></li>]]></record></recordset></datastore></script><script>var columnid = 1229; var unitid = "3837"; $('#u').jpage({ perPage: 10, totalRecord: 25, proxyUrl: '/module/web/jpage/dataproxy.jsp' });</script>`,
    );
    expect(hw.links.filter((l) => l.body).map((l) => `${new URL(l.url).search} ${l.body}`)).toEqual([
      "?startrecord=1&endrecord=25&perpage=10 columnid=1229&unitid=3837",
    ]);
    // A list shown in a frame is read as part of the page.
    const framed = kinds(`<h2>年度报告</h2><iframe src="list_1.html"></iframe>`);
    expect(framed.links.map((l) => `${l.kind} ${new URL(l.url).pathname}`)).toEqual([
      "list /xxgk/ndbg/list_1.html",
    ]);
    // Look-alikes are judged by their link text before any download.
    const fakes = kinds(
      `<ul>${rows}<li><a href="a.html">2023年法治政府建设年度报告</a></li><li><a href="b.html">关于做好2023年度政府信息公开工作年度报告编制工作的通知</a></li><li><a href="c.docx">政府信息公开申请表.docx</a></li></ul>`,
    );
    expect(fakes.links.map((l) => l.url).filter((u) => /\/(?:a|b)\.html|c\.docx/.test(u))).toEqual([]);
    expect(fakes.decisions.filter((d) => d.why.startsWith("look-alike")).length).toBe(3);
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    expect(retryAfterMs("7")).toBe(7000);
    expect(retryAfterMs(new Date(Date.now() + 3000).toUTCString(), Date.now())).toBeGreaterThan(1000);
    expect(retryAfterMs("soon")).toBeUndefined();
  });
});

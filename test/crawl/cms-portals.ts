// Simulated government portals, one per publishing pattern the crawler must handle (TRS static columns,
// per-year sub-columns, Hanweb datastore + dataproxy.jsp, gkmlpt JSON API, jpaas unit POSTs, links hidden
// in scripts, download endpoints, ASP.NET InfoPublic.aspx, report pages, look-alikes). Every portal has
// reports across several years, 3+ pages of pagination, one report under two URLs, and look-alikes.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import iconv from "iconv-lite";
import { decodeBytes } from "../../src/extractors/charset.js";
import { processDocument } from "../../src/import/pipeline.js";
import { projectRoot } from "../helpers.js";
import { minimalDocx, type Page } from "./portal.js";

export interface CorpusReport {
  file: string;
  issuer: string;
  year: number;
  form: "html" | "text" | "pdf" | "docx";
}

/** The project's own reports, with their issuer and year from the gold files. */
export function corpusReports(): CorpusReport[] {
  const dir = join(projectRoot, "corpus");
  const files = [
    "jiangning-2019.html",
    "jiangning-2020-gbk.html",
    "jiangning-2021.txt",
    "jiangning-2022.html",
    "jiangning-2023.txt",
    "jiangning-2024-gb18030.html",
    "qingxi-2017.txt",
    "qingxi-2020.txt",
    "qingxi-2023.txt",
    "baisha-2020.txt",
    "baisha-2022.txt",
    "bangongshi-2021.html",
    "jiaotong-2021.txt",
    "jiaotong-2022.html",
    "qingxi-2021-ruled.pdf",
    "shuiwu-2023-borderless.pdf",
    "docx/jiangning-2022-word.docx",
    "docx/bangongshi-2021-word.docx",
  ];
  return files.map((file) => {
    const gold = JSON.parse(readFileSync(join(dir, `${file}.gold.json`), "utf8")) as {
      issuer_name: string;
      report_year: number;
    };
    const form = file.endsWith(".pdf")
      ? "pdf"
      : file.endsWith(".docx")
        ? "docx"
        : file.endsWith(".txt")
          ? "text"
          : "html";
    return { file, issuer: gold.issuer_name, year: gold.report_year, form };
  });
}

export const corpusBytes = (file: string) => readFileSync(join(projectRoot, "corpus", file));

const imported = new Map<string, Promise<string>>();
/** "issuer year" as `zfxxgk import` reads the corpus file itself: what the crawl must store. */
export function importedKey(file: string): Promise<string> {
  let p = imported.get(file);
  if (!p) {
    p = processDocument(corpusBytes(file)).then(
      (d) => `${d.report.meta.issuerName} ${d.report.meta.reportYear}`,
    );
    imported.set(file, p);
  }
  return p;
}
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** A report's body as a portal's editor would paste it: an HTML report's body, or text as <p> rows. */
export function reportBody(r: CorpusReport): string {
  const bytes = corpusBytes(r.file);
  if (r.form === "html") {
    const html = decodeBytes(bytes).text;
    return /<body[^>]*>([\s\S]*)<\/body>/i.exec(html)?.[1] ?? html;
  }
  return bytes
    .toString("utf8")
    .split(/\r?\n/)
    .map((l) => `<p>${esc(l)}</p>`)
    .join("\n");
}

export const titleOf = (r: CorpusReport) => `${r.issuer}${r.year}年政府信息公开工作年度报告`;

/** Pages that look like reports and are not (with a body that speaks of 政府信息公开 and 年度报告). */
export const LOOK_ALIKES = [
  {
    title: "江宁市2023年法治政府建设年度报告",
    body: "<p>2023年，我市深入推进法治政府建设，全面推进政务公开，政府信息公开工作年度报告按时发布。</p><p>一、主要举措</p><p>（一）完善依法行政制度体系。</p>",
  },
  {
    title: "2024年政务公开工作要点",
    body: "<p>为做好2024年政务公开工作，现提出如下要点：</p><p>按时编制发布政府信息公开工作年度报告，提升质量。</p>",
  },
  {
    title: "江宁市人民政府政府信息公开指南",
    body: '<p>为便于公民、法人和其他组织获取政府信息，编制本指南。政府信息公开工作年度报告每年1月31日前公布。</p><p>附件：<a href="/files/sqb.docx">政府信息公开申请表.docx</a></p>',
  },
  {
    title: "关于做好2023年度政府信息公开工作年度报告编制发布工作的通知",
    body: "<p>各镇人民政府、街道办事处，市各部门：</p><p>现就做好2023年度政府信息公开工作年度报告编制和发布工作通知如下。</p>",
  },
];

/** A tricky one: the link says only 年度报告; the page is a 法治政府建设 report. */
export const VAGUE_LOOK_ALIKE = {
  link: "2022年度报告",
  title: "江宁市2022年法治政府建设年度报告",
  body: "<p>2022年，全市法治政府建设取得新成效。深化政务公开，办理政府信息公开申请。</p>",
};

export interface Item {
  title: string;
  href: string;
  date: string;
}

export interface SimPortal {
  name: string;
  pages: Map<string, Page>;
  startPaths: string[];
  /** The corpus files of the reports the portal publishes. */
  reportFiles: string[];
  /** Paths of the look-alike pages and files (never to be stored). */
  lookAlikePaths: string[];
  /** Paths under which the same report is published twice. */
  duplicatePaths: [string, string];
  robots: string;
}

const html = (b: string) => Buffer.from(b);
const date = (year: number, i: number) => `${year + 1}-01-${String(10 + (i % 18)).padStart(2, "0")}`;
const chrome = (inner: string, title: string) =>
  `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${esc(title)}_江宁市人民政府</title></head><body>
<div class="header"><a href="/">首页</a> <a href="/xxgk/">政府信息公开</a> <a href="/zcwj/">政策文件</a> <a href="/hdjl/">互动交流</a></div>
${inner}
<div class="footer">主办：江宁市人民政府办公室 版权所有 <a href="/sitemap.html">网站地图</a></div></body></html>`;

/** Article page templates of the families, each with its own body container and side lists. */
const ARTICLES: Record<string, (title: string, body: string, extra?: string) => string> = {
  // No known body container, and a side list of dated links: the page is read by its running text.
  plain: (title, body, extra = "") =>
    chrome(
      `<div class="wrap"><div class="left"><h3>${esc(title)}</h3><div class="neirong">${body}</div>${extra}</div>
<div class="right"><h4>最新发布</h4><ul>${[1, 2, 3, 4, 5].map((i) => `<li><a href="/xwzx/tzgg/${i}.html">区政府召开第${i}次常务会议</a><span>2024-0${i}-01</span></li>`).join("")}</ul></div></div>`,
      title,
    ),
  trs: (title, body, extra = "") =>
    chrome(
      `<meta name="ArticleTitle" content="${esc(title)}"><div class="crumb">首页 &gt; 政府信息公开 &gt; 年度报告</div>
<div class="article"><h2 class="title">${esc(title)}</h2><div class="info">发布日期：2024-01-20</div>
<div class="TRS_Editor"><div class="Custom_UnionStyle">${body}</div></div>${extra}</div>
<div class="related"><h4>相关信息</h4><ul><li><a href="/xxgk/tzgg/t20240101_1.html">关于春节放假的通知</a><span>2024-01-01</span></li><li><a href="/xxgk/tzgg/t20231201_2.html">区政府常务会议</a><span>2023-12-01</span></li><li><a href="/xxgk/tzgg/t20231101_3.html">招聘公告</a><span>2023-11-01</span></li></ul></div>`,
      title,
    ),
  hanweb: (title, body, extra = "") =>
    chrome(
      `<table class="main"><tr><td class="title">${esc(title)}</td></tr><tr><td>来源：区政府办 时间：2024-01-20</td></tr>
<tr><td><div id="zoom">${body}</div>${extra}</td></tr></table>`,
      title,
    ),
  gkmlpt: (title, body, extra = "") =>
    chrome(
      `<div class="content-box"><table class="introduce"><tr><th>索引号：</th><td>11440300-2024-0001</td><th>分类：</th><td>年报</td></tr></table>
<h1 class="title">${esc(title)}</h1><div class="article-content">${body}</div>${extra}</div>`,
      title,
    ),
  jpaas: (title, body, extra = "") =>
    chrome(
      `<div class="con"><div class="tit"><h1>${esc(title)}</h1></div><div class="bt-article" id="UCAP-CONTENT">${body}</div>${extra}</div>`,
      title,
    ),
  aspnet: (title, body, extra = "") =>
    `<html><head><title>${esc(title)}</title></head><body><form name="form1" method="post" action="Info.aspx" id="form1"><input type="hidden" name="__VIEWSTATE" value="/wEPDwUKLTk1"><div class="nav"><a href="/Default.aspx">首页</a></div>
<div class="xxgk_title">${esc(title)}</div><div id="zoom" class="zoom">${body}</div>${extra}</form></body></html>`,
};

export interface Publication {
  /** The article page (or the file) of each report, and any second path. */
  items: Item[];
  pages: Map<string, Page>;
  reportFiles: string[];
  lookAlikePaths: string[];
  duplicatePaths: [string, string];
}

/**
 * Publishes reports and look-alikes as article pages (or attachments behind article pages) of a family,
 * and returns the list items that point to them, newest first.
 */
export function publish(
  family: keyof typeof ARTICLES,
  reports: CorpusReport[],
  articlePath: (i: number, year: number) => string,
  opts: { attachmentStyle?: (i: number, file: string) => { link: string; path: string; page: Page } } = {},
): Publication {
  const pages = new Map<string, Page>();
  const items: Item[] = [];
  const reportFiles: string[] = [];
  const article = ARTICLES[family];
  reports.forEach((r, i) => {
    const path = articlePath(i, r.year);
    reportFiles.push(r.file);
    if (r.form === "pdf" || r.form === "docx") {
      // A page that only points to its attachment.
      const file = `/files/P0${20240100 + i}${r.form === "pdf" ? ".pdf" : ".docx"}`;
      const att = opts.attachmentStyle?.(i, r.file) ?? {
        link: `<p>附件：<a href="${file}">${esc(titleOf(r))}.${r.form}</a></p>`,
        path: file,
        page: {
          body: corpusBytes(r.file),
          type: r.form === "pdf" ? "application/pdf" : "application/octet-stream",
        },
      };
      pages.set(att.path, att.page);
      pages.set(path, {
        body: html(article(titleOf(r), `<p>现将${esc(titleOf(r))}予以公布。</p>${att.link}`)),
      });
    } else {
      pages.set(path, { body: html(article(titleOf(r), reportBody(r))) });
    }
    items.push({ title: titleOf(r), href: path, date: date(r.year, i) });
  });
  const lookAlikePaths: string[] = [];
  LOOK_ALIKES.forEach((l, i) => {
    const path = articlePath(100 + i, 2023);
    pages.set(path, { body: html(article(l.title, l.body)) });
    lookAlikePaths.push(path);
    items.push({ title: l.title, href: path, date: date(2023, i) });
  });
  pages.set("/files/sqb.docx", { body: minimalDocx(), type: "application/octet-stream" });
  lookAlikePaths.push("/files/sqb.docx");
  const vague = articlePath(200, 2022);
  pages.set(vague, { body: html(article(VAGUE_LOOK_ALIKE.title, VAGUE_LOOK_ALIKE.body)) });
  lookAlikePaths.push(vague);
  items.push({ title: VAGUE_LOOK_ALIKE.link, href: vague, date: date(2022, 7) });
  // The first report again under a second URL (republished in another column), same page.
  const dupPath = articlePath(300, reports[0].year);
  pages.set(dupPath, pages.get(items[0].href)!);
  items.push({ title: `${items[0].title}（转载）`, href: dupPath, date: items[0].date });
  // Newest first, as portals list them.
  items.sort((a, b) => b.date.localeCompare(a.date));
  return {
    items,
    pages,
    reportFiles,
    lookAlikePaths,
    duplicatePaths: [articlePath(0, reports[0].year), dupPath],
  };
}

function chunk<T>(xs: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

const li = (it: Item) =>
  `<li><a href="${it.href}" target="_blank" title="${esc(it.title)}">${esc(it.title.length > 24 ? `${it.title.slice(0, 24)}...` : it.title)}</a><span class="date">${it.date}</span></li>`;

const ROBOTS = "User-agent: *\nDisallow: /private/\n";

function merge(into: Map<string, Page>, from: Map<string, Page>) {
  for (const [k, v] of from) into.set(k, v);
}

function portal(name: string, pub: Publication, startPaths: string[], robots = ROBOTS): SimPortal {
  pub.pages.set("/robots.txt", { body: Buffer.from(robots), type: "text/plain" });
  return {
    name,
    pages: pub.pages,
    startPaths,
    reportFiles: pub.reportFiles,
    lookAlikePaths: pub.lookAlikePaths,
    duplicatePaths: pub.duplicatePaths,
    robots,
  };
}

const R = corpusReports();
const pick = (...files: string[]) => files.map((f) => R.find((r) => r.file.startsWith(f))!);

/** 1. TRS WCM static columns: both createPageHTML forms. */
export function trsPortal(): SimPortal {
  const reports = pick("jiangning-2019", "jiangning-2021", "jiangning-2022", "jiangning-2023", "qingxi-2020");
  const pub = publish("trs", reports, (i, y) => `/xxgk/ndbg/${y + 1}01/t${y + 1}0115_${1000 + i}.html`);
  const pages = chunk(pub.items, 4);
  pages.forEach((items, n) => {
    const path = `/xxgk/ndbg/${n === 0 ? "index" : `index_${n}`}.html`;
    const body = chrome(
      `<div class="list"><ul>${items.map(li).join("\n")}</ul></div><div class="page"><script type="text/javascript">
var currentPage = ${n};//所在页从0开始
var countPage = ${pages.length}//共多少页
createPageHTML(countPage, currentPage, "index", "html");
</script></div>`,
      "年度报告",
    );
    const withPrivate =
      n === 1
        ? body.replace(
            "</ul>",
            '<li><a href="/private/ndbg/t1.html">2020年政府信息公开工作年度报告（内部）</a><span>2021-01-01</span></li></ul>',
          )
        : body;
    pub.pages.set(path, { body: html(withPrivate.replace(/href="\/xxgk\/ndbg\//g, 'href="./')) });
  });
  // A second column in the Jiangsu form: element id first, pages counted from 1, list_N.shtml.
  const more = publish(
    "trs",
    pick("baisha-2020", "baisha-2022", "qingxi-2023"),
    (i, y) => `/col/bmndbg/art/${y}/art_${2000 + i}.html`,
  );
  const listPages = chunk(more.items, 3);
  listPages.forEach((items, n) => {
    const path = `/col/bmndbg/${n === 0 ? "list" : `list_${n + 1}`}.shtml`;
    pub.pages.set(path, {
      body: html(
        chrome(
          `<div class="default_pgContainer"><ul>${items.map(li).join("\n")}</ul></div><div id="page_div"></div><script>createPageHTML('page_div',${listPages.length}, ${n + 1},'list','shtml',${more.items.length});</script>`,
          "部门年报",
        ),
      ),
    });
  });
  merge(pub.pages, more.pages);
  pub.reportFiles.push(...more.reportFiles);
  pub.lookAlikePaths.push(...more.lookAlikePaths);
  // Home page → 政府信息公开 → the 年报 columns (for `sources find`).
  pub.pages.set("/", {
    body: html(
      chrome(
        `<div class="banner">江宁市人民政府</div><ul class="nav"><li><a href="/zwdt/">政务动态</a></li><li><a href="/xxgk/">政府信息公开</a></li><li><a href="/bsfw/">办事服务</a></li></ul>`,
        "首页",
      ),
    ),
  });
  pub.pages.set("/xxgk/", {
    body: html(
      chrome(
        `<div class="menu"><a href="/xxgk/zn/">政府信息公开指南</a><a href="/xxgk/zd/">政府信息公开制度</a><a href="/xxgk/fdzdgknr/">法定主动公开内容</a><a href="/xxgk/ndbg/index.html">政府信息公开年报</a><a href="/col/bmndbg/list.shtml">部门年度报告</a></div>`,
        "政府信息公开",
      ),
    ),
  });
  return portal("trs", pub, ["/xxgk/ndbg/index.html", "/col/bmndbg/list.shtml"]);
}

/** 2. One sub-column per year (URLs matching ndbg are lists) and per department. */
export function yearColumnsPortal(): SimPortal {
  const reports = pick(
    "qingxi-2017",
    "qingxi-2020",
    "qingxi-2023",
    "jiaotong-2021",
    "jiaotong-2022",
    "bangongshi-2021",
  );
  const pub = publish("trs", reports, (i, y) => `/xxgk/ndbg/${y}n/t${y + 1}0110_${3000 + i}.html`);
  const years = [...new Set(pub.items.map((it) => /\/(\d{4})n\//.exec(it.href)?.[1] ?? "2023"))]
    .sort()
    .reverse();
  const yearPages = chunk(years, 2);
  yearPages.forEach((ys, n) => {
    const links = ys.map((y) => `<li><a href="/xxgk/ndbg/${y}n/list.shtml">${y}年</a></li>`).join("");
    const nav = `<div class="pages">${n > 0 ? `<a href="${n === 1 ? "index" : `index_${n - 1}`}.html">上一页</a>` : ""}${n < yearPages.length - 1 ? `<a href="index_${n + 1}.html">下一页</a><a href="index_${yearPages.length - 1}.html">尾页</a>` : ""}</div>`;
    pub.pages.set(`/xxgk/ndbg/${n === 0 ? "index" : `index_${n}`}.html`, {
      body: html(
        chrome(`<h3>政府信息公开工作年度报告</h3><ul class="years">${links}</ul>${nav}`, "年度报告"),
      ),
    });
  });
  for (const y of years) {
    const items = pub.items.filter((it) => (/\/(\d{4})n\//.exec(it.href)?.[1] ?? "2023") === y);
    pub.pages.set(`/xxgk/ndbg/${y}n/list.shtml`, {
      body: html(
        chrome(
          `<div class="crumb">年度报告 &gt; ${y}年</div><ul>${items.map(li).join("\n")}</ul><div class="dept"><a href="bm/">部门年报</a></div>`,
          `${y}年`,
        ),
      ),
    });
    // Per-department sub-column (empty for most years): a list page too.
    pub.pages.set(`/xxgk/ndbg/${y}n/bm/`, { body: html(chrome(`<ul><li>暂无信息</li></ul>`, "部门")) });
  }
  return portal("years", pub, ["/xxgk/ndbg/index.html"]);
}

const datastore = (items: Item[], total: number, next?: string) =>
  `<datastore>${next ? `<nextgroup><![CDATA[<a href="${next}"></a>]]></nextgroup>` : ""}<totalrecord>${total}</totalrecord><recordset>${items
    .map((it) => `<record><![CDATA[\n${li(it)}\n]]></record>`)
    .join("\n")}</recordset></datastore>`;

/** 3. Hanweb JCMS: datastore records, dataproxy.jsp by POST (one column) and by GET page=N (another). */
export function hanwebPortal(): SimPortal {
  const reports = pick("jiangning-2020-gbk", "jiangning-2024-gb18030", "bangongshi-2021", "jiaotong-2022");
  const pub = publish("hanweb", reports, (i, y) => `/art/${y + 1}/1/${10 + i}/art_2629_${4000 + i}.html`);
  const perPage = 3;
  const all = pub.items;
  pub.pages.set("/col/col2629/index.html", {
    body: html(
      chrome(
        `<div id="7413"><script type="text/xml">${datastore(all.slice(0, perPage), all.length)}</script></div>
<script language="javascript" src="/module/jslib/jquery/jpage/jquery.page.min.js"></script>
<script>$(document).ready(function(){ $('#7413').jpage({ dataStore: dataStore, dataBefore: '<ul>', dataAfter: '</ul>', perPage: ${perPage}, totalRecord: ${all.length}, groupSize: 1, proxyUrl: '/module/web/jpage/dataproxy.jsp', ajaxParam: { col: 1, appid: 1, webid: 1, path: '/', columnid: 2629, sourceContentType: 1, unitid: '7413', webname: '江宁市人民政府', permissiontype: 0 } }); });</script>`,
        "政府信息公开年报",
      ),
    ),
  });
  // A department column read by GET page=N.
  const dept = publish(
    "hanweb",
    pick("jiaotong-2021", "qingxi-2023"),
    (i, y) => `/art/${y + 1}/2/${i + 1}/art_2630_${5000 + i}.html`,
  );
  const d = dept.items;
  const next =
    "/module/web/jpage/dataproxy.jsp?page=1&webid=1&path=/&columnid=2630&unitid=7414&webname=jtj&permissiontype=0";
  pub.pages.set("/col/col2630/index.html", {
    body: html(
      chrome(
        `<div id="7414"><script type="text/xml">${datastore(d.slice(0, perPage), d.length, next)}</script></div><script>var perpage = ${perPage};</script>`,
        "部门年报",
      ),
    ),
  });
  pub.pages.set("/module/web/jpage/dataproxy.jsp", {
    body: Buffer.alloc(0),
    dynamic: ({ method, url, body }) => {
      const form = new URLSearchParams(body);
      const column = method === "POST" ? form.get("columnid") : url.searchParams.get("columnid");
      const list = column === "2629" ? all : column === "2630" ? d : undefined;
      if (!list) return undefined;
      let slice: Item[];
      if (method === "POST") {
        const start = Number(url.searchParams.get("startrecord"));
        const end = Number(url.searchParams.get("endrecord"));
        if (!start || form.get("unitid") !== "7413") return undefined;
        slice = list.slice(start - 1, end);
      } else {
        const page = Number(url.searchParams.get("page") ?? "1");
        slice = list.slice((page - 1) * perPage, page * perPage);
      }
      return {
        body: Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>${datastore(slice, list.length)}`),
        type: "text/xml;charset=UTF-8",
      };
    },
  });
  merge(pub.pages, dept.pages);
  pub.reportFiles.push(...dept.reportFiles);
  pub.lookAlikePaths.push(...dept.lookAlikePaths);
  return portal("hanweb", pub, ["/col/col2629/index.html", "/col/col2630/index.html"]);
}

/** 4a. Guangdong gkmlpt: an app shell, lists from /gkmlpt/api/all/<id>?page=N&sid=…, the id in #fragment. */
export function gkmlptPortal(): SimPortal {
  const reports = pick("jiangning-2019", "jiangning-2021", "baisha-2022", "qingxi-2021-ruled");
  const pub = publish("gkmlpt", reports, (i, y) => `/gkmlpt/content/${y % 10}/2629/post_${6000 + i}.html`);
  pub.pages.set("/gkmlpt/annualreport", {
    body: html(
      `<!DOCTYPE html><html><head><meta charset="utf-8"><title>政府信息公开年报</title><script>window._CONFIG = { SID: "755001", TYPE: "annualreport" };</script><script src="/gkmlpt/static/js/app.js"></script></head><body><div id="app"></div><noscript>请开启JavaScript</noscript></body></html>`,
    ),
  });
  const perPage = 4;
  pub.pages.set("/gkmlpt/api/all/2629", {
    body: Buffer.alloc(0),
    dynamic: ({ url }) => {
      if (url.searchParams.get("sid") !== "755001") return undefined;
      const page = Number(url.searchParams.get("page") ?? "1");
      const articles = pub.items.slice((page - 1) * perPage, page * perPage).map((it, k) => ({
        id: 6000 + k,
        title: it.title,
        url: `${url.origin}${it.href}#2629`,
        date: Date.parse(it.date) / 1000,
        display_publish_time: Date.parse(it.date) / 1000,
        identifier: `11440300-${it.date.slice(0, 4)}-0${k}`,
      }));
      return {
        body: Buffer.from(
          JSON.stringify({ articles, classify: { id: 2629, name: "年报" }, page, total: pub.items.length }),
        ),
        type: "application/json;charset=UTF-8",
      };
    },
  });
  pub.pages.set("/", {
    body: html(
      chrome(`<div class="nav"><a href="/zwgk/">政务公开</a><a href="/hdjy/">互动</a></div>`, "首页"),
    ),
  });
  pub.pages.set("/zwgk/", {
    body: html(
      chrome(
        `<div class="nav"><a href="/gkmlpt/index">政府信息公开目录</a><a href="/zwgk/zcjd/">政策解读</a></div>`,
        "政务公开",
      ),
    ),
  });
  pub.pages.set("/gkmlpt/index", {
    body: html(
      `<html><head><meta charset="utf-8"><title>政府信息公开目录</title><script>window._CONFIG = { SID: "755001" };</script></head><body><div id="app"><a href="/gkmlpt/guide">政府信息公开指南</a><a href="/gkmlpt/annualreport#2629">政府信息公开年报</a></div></body></html>`,
    ),
  });
  return portal("gkmlpt", pub, ["/gkmlpt/annualreport#2629"]);
}

/** 4b. Jiangsu jpaas: queryData + url on the page; POST paramJson {"pageNo":N} returns an HTML fragment. */
export function jpaasPortal(): SimPortal {
  const reports = pick("jiaotong-2021", "jiaotong-2022", "qingxi-2017", "qingxi-2020", "jiangning-2023");
  const pub = publish("jpaas", reports, (i, y) => `/art/${y + 1}/1/${20 + i}/art_46143_${7000 + i}.html`);
  const pageSize = 3;
  const query = `{'webId':'a1b2c3','pageId':'d4e5f6','parseType':'bulidstatic','pageType':'column','tagId':'信息列表','tplSetId':'g7h8i9','paramJson':'{"pageNo":1,"pageSize":"${pageSize}"}'}`;
  const pages = Math.ceil(pub.items.length / pageSize);
  pub.pages.set("/col/col46143/index.html", {
    body: html(
      chrome(
        `<div class="main"><div id="c46143" class="default_pgContainer" querydata="${esc(query).replace(/"/g, "&quot;")}" url="/api-gateway/jpaas-publish-server/front/page/build/unit"><ul>${pub.items.slice(0, pageSize).map(li).join("")}</ul></div><div class="default_pgPanel"><span class="default_pgTotalPage">共 ${pages} 页</span></div></div>`,
        "年度报告",
      ),
    ),
  });
  pub.pages.set("/api-gateway/jpaas-publish-server/front/page/build/unit", {
    body: Buffer.alloc(0),
    dynamic: ({ method, body }) => {
      if (method !== "POST") return undefined;
      const form = new URLSearchParams(body);
      if (form.get("webId") !== "a1b2c3" || form.get("tagId") !== "信息列表") return undefined;
      const p = JSON.parse(form.get("paramJson") ?? "{}") as { pageNo: number };
      const slice = pub.items.slice((p.pageNo - 1) * pageSize, p.pageNo * pageSize);
      return {
        body: Buffer.from(
          JSON.stringify({ data: { html: `<ul>${slice.map(li).join("")}</ul>` }, success: true }),
        ),
        type: "application/json;charset=UTF-8",
      };
    },
  });
  return portal("jpaas", pub, ["/col/col46143/index.html"]);
}

/** 5. Links hidden in scripts and attributes, on lists and on report pages (var file_appendix). */
export function hiddenLinksPortal(): SimPortal {
  const reports = pick("jiangning-2022", "baisha-2020", "shuiwu-2023-borderless", "docx/jiangning-2022-word");
  const pub = publish("trs", reports, (i, y) => `/zwgk/ndbg/${y}/content_${8000 + i}.html`, {
    attachmentStyle: (i, file) => {
      const ext = file.endsWith(".pdf") ? "pdf" : "docx";
      const path = `/zwgk/ndbg/P020240${i}1234567${i}.${ext}`;
      return {
        path,
        link: `<script>var file_appendix='<a href="./P020240${i}1234567${i}.${ext}">附件：年度报告.${ext}</a>';document.write(file_appendix);</script>`,
        page: { body: corpusBytes(file), type: ext === "pdf" ? "application/pdf" : "application/msword" },
      };
    },
  });
  // file_appendix links are relative to the article's folder.
  for (const [path, page] of [...pub.pages]) {
    if (!/content_\d+\.html$/.test(path)) continue;
    const body = (page.body as Buffer).toString();
    if (!body.includes("file_appendix")) continue;
    const folder = path.slice(0, path.lastIndexOf("/") + 1);
    const attPath = /\.\/(P0\w+\.(?:pdf|docx))/.exec(body)![1];
    const att = pub.pages.get(`/zwgk/ndbg/${attPath}`)!;
    pub.pages.set(`${folder}${attPath}`, att);
  }
  const styles = [
    (it: Item) =>
      `<li><a href="javascript:void(0)" onclick="window.open('${it.href}')">${esc(it.title)}</a><span>${it.date}</span></li>`,
    (it: Item) =>
      `<li><a href="javascript:window.open('${it.href}')">${esc(it.title)}</a> <span>${it.date}</span></li>`,
    (it: Item) =>
      `<li onclick="location.href='${it.href}'"><span class="t">${esc(it.title)}</span><span>${it.date}</span></li>`,
    (it: Item) =>
      `<li><a href="javascript:void(0)" data-url="${it.href}">${esc(it.title)}</a><span>${it.date}</span></li>`,
  ];
  const lists = chunk(pub.items, 4);
  lists.forEach((items, n) => {
    const nav = `<div class="pagination"><a href="javascript:void(0)" onclick="location.href='list_${Math.min(n + 1, lists.length - 1)}.html'">下一页</a> <a href="javascript:goPage(${lists.length})" data-href="list_${lists.length - 1}.html">尾页</a></div>`;
    pub.pages.set(`/zwgk/ndbg/list${n === 0 ? "" : `_${n}`}.html`, {
      body: html(
        chrome(
          `<ul class="news">${items.map((it, k) => styles[(n + k) % styles.length](it)).join("\n")}</ul>${nav}`,
          "年报",
        ),
      ),
    });
  });
  return portal("hidden", pub, ["/zwgk/ndbg/list.html"]);
}

/** 6. Attachment endpoints: downfile.jsp?filename=….pdf and DownLoad.aspx?id=…, typed only by Content-Disposition. */
export function downloadPortal(): SimPortal {
  const reports = pick(
    "jiaotong-2021",
    "qingxi-2021-ruled",
    "docx/bangongshi-2021-word",
    "jiangning-2024-gb18030",
  );
  const pub = publish("hanweb", reports, (i, y) => `/art/${y + 1}/3/${i + 1}/art_3100_${9000 + i}.html`, {
    attachmentStyle: (i, file) => {
      const ext = file.endsWith(".pdf") ? "pdf" : "docx";
      const name = `${20240300 + i}.${ext}`;
      const path =
        i % 2 === 1
          ? `/module/download/downfile.jsp?classid=0&filename=${name}`
          : `/DownLoad.aspx?id=${70 + i}`;
      return {
        path,
        link: `<p>附件：<a href="${path.replace(/&/g, "&amp;")}">${i % 2 === 1 ? name : "点击下载"}</a></p>`,
        page: {
          body: corpusBytes(file),
          type: "text/html; charset=utf-8",
          headers: {
            "content-disposition": `attachment; filename*=UTF-8''${encodeURIComponent(`年度报告${name}`)}`,
          },
        },
      };
    },
  });
  const lists = chunk(pub.items, 3);
  lists.forEach((items, n) => {
    const nums = lists
      .map((_, k) => (k === n ? `<span>${k + 1}</span>` : `<a href="?page=${k + 1}">${k + 1}</a>`))
      .join(" ");
    const page = {
      body: html(
        chrome(
          `<table class="list">${items.map((it) => `<tr><td>${li(it).replace(/<\/?li>/g, "")}</td></tr>`).join("")}</table><div class="pg">${nums}</div>`,
          "年报",
        ),
      ),
    };
    pub.pages.set(`/col/col3100/index.html?page=${n + 1}`, page);
    if (n === 0) pub.pages.set("/col/col3100/index.html", page);
  });
  return portal("download", pub, ["/col/col3100/index.html"]);
}

const gbk = (s: string) => iconv.encode(s, "gbk");

/** 7. ASP.NET InfoPublic.aspx?cid=…&page=N with 下一页/尾页 only, a per-unit sub-column, GBK without charset. */
export function aspnetPortal(): SimPortal {
  const reports = pick("jiangning-2021", "jiangning-2023", "qingxi-2023", "baisha-2020", "baisha-2022");
  const pub = publish("aspnet", reports.slice(0, 4), (i) => `/InfoPublic/Info.aspx?id=${1000 + i}`);
  // Article pages are GBK without any charset either.
  const articles = new Set(
    [...pub.pages].filter(([path]) => path.startsWith("/InfoPublic/Info.aspx")).map(([, p]) => p),
  );
  for (const page of articles) page.body = gbk((page.body as Buffer).toString());
  const aspx = (items: Item[], n: number, last: number, cid: string) =>
    gbk(
      `<html><head><title>政府信息公开</title></head><body><form method="post" action="InfoPublic.aspx?cid=${cid}"><input type="hidden" name="__VIEWSTATE" value="/wEPDwULLTE2">
<table>${items.map((it) => `<tr><td><a href="${it.href.replace("/InfoPublic/", "")}" target="_blank">${esc(it.title)}</a></td><td>${it.date}</td></tr>`).join("")}</table>
<div class="units"><a href="InfoPublic.aspx?cid=${cid}&amp;unitid=3">区教育局</a></div>
<div class="pager">共${last}页 ${n < last ? `<a href="InfoPublic.aspx?cid=${cid}&amp;page=${n + 1}">下一页</a> <a href="InfoPublic.aspx?cid=${cid}&amp;page=${last}">尾页</a>` : ""}</div></form></body></html>`,
    );
  const lists = chunk(pub.items, 3);
  lists.forEach((items, n) => {
    pub.pages.set(`/InfoPublic/InfoPublic.aspx?cid=12${n === 0 ? "" : `&page=${n + 1}`}`, {
      body: aspx(items, n + 1, lists.length, "12"),
    });
  });
  // The unit's sub-column holds one more report, on page 2 of a WebForms pager that posts back.
  const unit = publish("aspnet", reports.slice(4), (i) => `/InfoPublic/Info.aspx?id=${5000 + i}`);
  pub.pages.set("/InfoPublic/Info.aspx?id=5000", {
    body: gbk((unit.pages.get("/InfoPublic/Info.aspx?id=5000")!.body as Buffer).toString()),
  });
  const unitItems = unit.items.filter((it) => it.href === "/InfoPublic/Info.aspx?id=5000");
  const lookAlike = pub.items.filter((it) => pub.lookAlikePaths.includes(it.href)).slice(0, 1);
  const unitPage = (items: Item[], n: number) =>
    gbk(
      `<html><head><title>区教育局</title></head><body><form method="post" action="InfoPublic.aspx?cid=12&amp;unitid=3" id="form1"><input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="/wEPDwUK${n}"><input type="hidden" name="__EVENTVALIDATION" value="/wEWAg${n}">
<table>${items.map((it) => `<tr><td><a href="${it.href.replace("/InfoPublic/", "")}">${esc(it.title)}</a></td><td>${it.date}</td></tr>`).join("")}</table>
<div id="AspNetPager1">第${n}页/共3页 <a href="javascript:__doPostBack('AspNetPager1','${Math.min(n + 1, 3)}')">下一页</a> <a href="javascript:__doPostBack('AspNetPager1','3')">尾页</a></div></form></body></html>`,
    );
  pub.pages.set("/InfoPublic/InfoPublic.aspx?cid=12&unitid=3", { body: unitPage([], 1) });
  pub.pages.set("/InfoPublic/InfoPublic.aspx", {
    body: Buffer.alloc(0),
    dynamic: ({ method, url, body }) => {
      const form = new URLSearchParams(body);
      if (
        method !== "POST" ||
        url.searchParams.get("unitid") !== "3" ||
        form.get("__EVENTTARGET") !== "AspNetPager1"
      )
        return undefined;
      if (!form.get("__VIEWSTATE")?.startsWith("/wEPDwUK")) return undefined;
      const n = Number(form.get("__EVENTARGUMENT"));
      return { body: unitPage(n === 2 ? unitItems : n === 3 ? lookAlike : [], n) };
    },
  });
  pub.reportFiles.push(...unit.reportFiles);
  return portal("aspnet", pub, ["/InfoPublic/InfoPublic.aspx?cid=12"]);
}

/** 8. Report pages: TRS_Editor, #zoom and .article-content bodies, <p> pipe rows, and attachment-only pages. */
export function reportPagesPortal(): SimPortal {
  const reports = pick(
    "jiaotong-2021",
    "qingxi-2017",
    "jiangning-2020-gbk",
    "baisha-2022",
    "shuiwu-2023-borderless",
  );
  const families: (keyof typeof ARTICLES)[] = ["trs", "hanweb", "gkmlpt", "plain", "trs"];
  const pub = publish("trs", reports, (i, y) => `/xwzx/ndbg/${y}/${i}.html`);
  // Re-render each report page with another family's body container.
  reports.forEach((r, i) => {
    if (r.form === "pdf") return;
    pub.pages.set(`/xwzx/ndbg/${r.year}/${i}.html`, {
      body: html(ARTICLES[families[i]](titleOf(r), reportBody(r))),
    });
  });
  pub.pages.set(pub.duplicatePaths[1], pub.pages.get(pub.duplicatePaths[0])!);
  const lists = chunk(pub.items, 4);
  lists.forEach((items, n) => {
    pub.pages.set(`/xwzx/ndbg/index${n === 0 ? "" : `_${n}`}.htm`, {
      body: html(
        chrome(
          `<ul>${items.map(li).join("")}</ul><div class="page">${lists.map((_, k) => (k === n ? `${k + 1}` : `<a href="index${k === 0 ? "" : `_${k}`}.htm">${k + 1}</a>`)).join(" ")}</div>`,
          "年报",
        ),
      ),
    });
  });
  return portal("reports", pub, ["/xwzx/ndbg/index.htm"]);
}

/** 9. Look-alikes everywhere: the 指南 with its 申请表, a notice, 要点, 法治政府建设 under a vague link. */
export function lookAlikePortal(): SimPortal {
  const reports = pick("jiangning-2019", "bangongshi-2021", "qingxi-2020");
  const pub = publish("trs", reports, (i, y) => `/zfxxgk/ndbg/${y}/t${i}.html`);
  // More look-alikes with report-like URLs, and the 申请表 linked straight from the list.
  const extra: Item[] = [
    { title: "政府信息公开申请表（下载）", href: "/files/sqb.docx", date: "2024-02-01" },
    {
      title: "2023年度政府信息公开工作年度报告编制工作的通知",
      href: "/zfxxgk/ndbg/2023/tz1.html",
      date: "2023-12-20",
    },
  ];
  pub.pages.set("/zfxxgk/ndbg/2023/tz1.html", {
    body: html(ARTICLES.trs("关于做好2023年度政府信息公开工作年度报告编制工作的通知", LOOK_ALIKES[3].body)),
  });
  pub.lookAlikePaths.push("/zfxxgk/ndbg/2023/tz1.html");
  const items = [...pub.items, ...extra];
  const lists = chunk(items, 4);
  lists.forEach((its, n) => {
    pub.pages.set(`/zfxxgk/ndbg/index${n === 0 ? "" : `_${n}`}.shtml`, {
      body: html(
        chrome(
          `<ul>${its.map(li).join("")}</ul><script>createPageHTML(${lists.length},${n},"index","shtml");</script>`,
          "年报",
        ),
      ),
    });
  });
  return portal(
    "lookalike",
    pub,
    ["/zfxxgk/ndbg/index.shtml"],
    `${ROBOTS}\nUser-agent: zfxxgk\nDisallow: /private/\nCrawl-delay: 0.03\n`,
  );
}

export const ALL_PORTALS = [
  trsPortal,
  yearColumnsPortal,
  hanwebPortal,
  gkmlptPortal,
  jpaasPortal,
  hiddenLinksPortal,
  downloadPortal,
  aspnetPortal,
  reportPagesPortal,
  lookAlikePortal,
];

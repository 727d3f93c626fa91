// Link discovery on fetched pages: the CMS family, the page kind, and every link judged by its role.
import { decodeBytes } from "../extractors/charset.js";
import { chooseFamily, FAMILIES, generic } from "./families/index.js";
import { createPageHtmlPages, readCreatePageHtml } from "./families/trs.js";
import { lookAlike } from "./lookalike.js";
import {
  articleBody,
  denseBody,
  directory,
  type LinkKind,
  loadPage,
  type PageContext,
  type PageKind,
  pageBase,
  pageKind,
  pageTitle,
  type RawLink,
  rawLinks,
  safeDecode,
} from "./page.js";
import { type CrawlRequest, parseRequestKey, requestKey } from "./request.js";
import { hostAllowed, type ResolvedSource } from "./sources.js";

export type { LinkKind };

export interface Link {
  url: string;
  kind: LinkKind;
  text: string;
  /** A POST form body: the link is a POST request. */
  body?: string;
}

/** One link found on a page, with what the crawler makes of it. */
export interface Decision {
  url: string;
  text: string;
  via: string;
  kind?: LinkKind;
  body?: string;
  follow: boolean;
  why: string;
}

export interface PageDiscovery {
  family: string;
  /** Each family's fingerprint score on this page (the highest chose the family). */
  fingerprints: Record<string, number>;
  /** The page's title (heading, ArticleTitle meta or <title>). */
  title: string;
  kind: PageKind;
  kindWhy: string;
  decisions: Decision[];
  /** The links to follow (kind set). */
  links: Link[];
  /** An article page: its body as a document of its own (what is imported), under its title. */
  article?: { title: string; html: string; pointsToAttachment: boolean };
}

/** The charset named by a Content-Type header, if any. */
export function headerCharset(contentType: string | undefined): string | undefined {
  return contentType ? /charset\s*=\s*["']?([\w-]+)/i.exec(contentType)?.[1] : undefined;
}

/** Decodes a fetched page (GBK, GB2312, GB18030 or UTF-8, declared in the header, the markup, or nowhere). */
export function decodePage(bytes: Uint8Array, contentType?: string): string {
  return decodeBytes(bytes, headerCharset(contentType)).text;
}

/** The pages named by createPageHTML scripts (either form), beside the current page. */
export function createPageHtmlUrls(html: string, base: URL, max = 500): string[] {
  return readCreatePageHtml(html, base).flatMap((s) => createPageHtmlPages(s, base, max));
}

const DOWNLOAD_ENDPOINT =
  /(?:down(?:load)?(?:file)?|getfile|attach(?:ment)?|fileDown|openfile|showfile)\w*\.(?:jsp|aspx?|php|do|action)$|\/(?:download|downfile|attachment)s?\/?$/i;

function attachmentOf(u: URL, text: string, src: ResolvedSource, from: LinkKind): string | undefined {
  const path = safeDecode(u.pathname).toLowerCase();
  const ext = src.attachmentExtensions.find((e) => path.endsWith(e));
  if (ext) return `attachment (${ext})`;
  for (const v of u.searchParams.values()) {
    const e = src.attachmentExtensions.find((x) => safeDecode(v).toLowerCase().endsWith(x));
    if (e) return `attachment (download endpoint, file name ${e})`;
  }
  if (DOWNLOAD_ENDPOINT.test(u.pathname)) return "attachment (download endpoint; form read from the bytes)";
  const t = text.toLowerCase();
  const named = src.attachmentExtensions.find(
    (e) => t.endsWith(e) || t.includes(`${e} `) || t.includes(`${e}(`),
  );
  if (named && /附件|下载|\./.test(text)) return `attachment (link text names a ${named} file)`;
  if (
    from !== "list" &&
    /^(?:附件\s*\d*\s*[:：]|附件\s*\d*$|相关附件|点击下载|下载附件|附件下载|下载|全文下载|原文下载)/.test(
      text.trim(),
    )
  )
    return "attachment (a download link of the page; form read from the bytes)";
  return undefined;
}

/** A year column of a list: link text that is only a year (2023年, 2023年度, 2023). */
const YEAR_COLUMN = /^(?:19|20)\d{2}\s*年?度?$/;

const PAGE_PARAMS =
  /^(?:page|pageno|pageindex|pagenum|pn|p|cpage|curpage|currentpage|page_no|startrecord|endrecord|perpage)$/i;

/**
 * A sub-column of the list's column: a deeper folder, named by its index page or by the folder itself
 * (/xxgk/ndbg/2024n/), or the same list script narrowed by one more parameter (InfoPublic.aspx?cid=12
 * → InfoPublic.aspx?cid=12&unitid=3, a unit's own column).
 */
function subColumn(u: URL, pageUrl: URL, text: string): boolean {
  if (text.length > 30) return false;
  if (u.origin === pageUrl.origin && u.pathname === pageUrl.pathname) {
    const mine = [...pageUrl.searchParams].filter(([k]) => !PAGE_PARAMS.test(k));
    const theirs = [...u.searchParams].filter(([k]) => !PAGE_PARAMS.test(k));
    return (
      mine.length > 0 && theirs.length > mine.length && mine.every(([k, v]) => u.searchParams.get(k) === v)
    );
  }
  const here = directory(pageUrl);
  const there = directory(u);
  if (!there.startsWith(here) || there === here) return false;
  const file = u.pathname.slice(u.pathname.lastIndexOf("/") + 1);
  return file === "" || /^(?:index|list|default|column)(?:_\d+)?\.\w+$/i.test(file);
}

/** Judges one raw link: where it leads, and whether to follow it. */
function judge(raw: RawLink, ctx: PageContext, from: LinkKind, pageUrl: URL): Decision {
  const d: Decision = { url: raw.url, text: raw.text, via: raw.via, body: raw.body, follow: false, why: "" };
  if (raw.url.trim().startsWith("#")) return { ...d, why: "a place in this page" };
  let u: URL;
  try {
    u = new URL(raw.url.trim(), ctx.base);
  } catch {
    d.why = "not a URL";
    return d;
  }
  // A #fragment never changes what the server sends (app shells read it in the browser).
  u.hash = "";
  d.url = u.href;
  const no = (why: string) => ({ ...d, why });
  if (u.protocol !== "http:" && u.protocol !== "https:") return no("not http(s)");
  if (!hostAllowed(u, ctx.src.allowedHosts)) return no("host not allowed");
  if (raw.body === undefined && u.href === pageUrl.href) return no("this page");
  if (ctx.src.exclude.some((re) => re.test(u.href))) return no("excluded by linkPatterns.exclude");
  const yes = (kind: LinkKind, why: string) => ({ ...d, kind, follow: true, why });
  if (raw.page) return yes("list", raw.why ?? "another page of the list");
  const fake = lookAlike(raw.text);
  const att =
    attachmentOf(u, raw.text, ctx.src, from) ?? (raw.download ? `attachment (${raw.download})` : undefined);
  if (att) return fake ? no(`look-alike: ${fake}`) : yes("attachment", att);
  if (from === "attachment") return no("attachments have no links");
  const decoded = safeDecode(u.href);
  if (from === "list") {
    if (directory(u) === directory(pageUrl)) {
      if (ctx.src.nextText.some((re) => re.test(raw.text))) return yes("list", "pagination link text");
      if (ctx.src.paginationUrl.some((re) => re.test(u.href))) return yes("list", "pagination URL");
    }
    if (ctx.src.list.some((re) => re.test(u.href))) return yes("list", "matches linkPatterns.list");
    if (subColumn(u, pageUrl, raw.text) && !fake)
      return yes(
        "list",
        "sub-column of this column (a deeper folder's index, or the list narrowed by a parameter)",
      );
    if (YEAR_COLUMN.test(raw.text.trim())) return yes("list", "a year's column (the link text is a year)");
  }
  const pattern = ctx.src.report.find((re) => re.test(raw.text) || re.test(decoded));
  if (pattern) {
    if (fake) return no(`look-alike: ${fake}`);
    return yes("report", `report link (${pattern.source} in ${pattern.test(raw.text) ? "text" : "URL"})`);
  }
  return no(
    from === "list"
      ? "no report pattern in text or URL"
      : "not an attachment (report pages follow attachments only)",
  );
}

export interface DiscoverInput {
  /** The frontier key of the request (a POST key carries its body). */
  key: string;
  /** URL after redirects. */
  finalUrl: string;
  text: string;
  src: ResolvedSource;
  /** What the link that led here said the page is. */
  expected: LinkKind;
}

/** What a page is and which of its links to follow. */
export function discoverPage(input: DiscoverInput): PageDiscovery {
  const request: CrawlRequest = parseRequestKey(input.key);
  const url = new URL(input.finalUrl);
  const $ = loadPage(input.text);
  const pageKey = request.url.replace(/#.*$/, "");
  const columnIds = input.src.startUrls
    .filter((s) => s.replace(/#.*$/, "") === pageKey && /#\w+$/.test(s))
    .map((s) => s.slice(s.indexOf("#") + 1));
  const ctx: PageContext = {
    request,
    url,
    base: pageBase($, url),
    text: input.text,
    $,
    src: input.src,
    columnIds,
  };
  const family = chooseFamily(ctx);
  const found = family.discover(ctx);
  if (family !== generic) found.push(...generic.discover(ctx));
  const pages = found.filter((l) => l.page).length;
  const { kind, why: kindWhy } = pageKind(ctx, pages, found.length - pages);
  // A list (or API answer) is read as a list whatever the link said; an article as a report page.
  const from: LinkKind =
    kind === "list" || kind === "data" || kind === "shell"
      ? "list"
      : kind === "article" && input.expected === "list"
        ? "report"
        : input.expected;
  // A JSON answer is read by its family only: as markup, its escaped strings would make false links.
  const all = /^\s*[[{]/.test(input.text) ? found : [...found, ...rawLinks(ctx)];
  const seen = new Set<string>();
  const decisions: Decision[] = [];
  for (const raw of all) {
    if (from !== "list" && raw.page) continue;
    const d = judge(raw, ctx, from, url);
    const key = requestKey({ url: d.url, body: d.body });
    if (seen.has(key)) continue;
    seen.add(key);
    decisions.push(d);
  }
  const links = decisions
    .filter((d) => d.follow && d.kind)
    .map((d) => ({ url: d.url, kind: d.kind!, text: d.text, body: d.body }));
  const title = pageTitle($);
  const fingerprints = Object.fromEntries(FAMILIES.map((f) => [f.name, f.fingerprint(ctx)]));
  const result: PageDiscovery = { family: family.name, fingerprints, title, kind, kindWhy, decisions, links };
  const body = kind === "article" ? (articleBody($) ?? denseBody($)) : undefined;
  if (body) {
    const bodyText = body.text().replace(/\s+/g, "");
    // The page's title heads the body unless the body opens with its own report title: then the body
    // alone is the report, read exactly as the same text would be.
    const ownTitle = /(?:政府|政务)?信息公开.{0,12}(?:年度报告|年报|工作报告)/.test(bodyText.slice(0, 200));
    const heading = ownTitle ? "" : `<h1>${escapeHtml(title)}</h1>\n`;
    result.article = {
      title,
      // The same bytes for the same article under any URL or chrome, so duplicates are stored once.
      html: `<!DOCTYPE html><html><head><meta charset="utf-8">${ownTitle ? "" : `<title>${escapeHtml(title)}</title>`}</head><body>${heading}${body.html() ?? ""}\n</body></html>`,
      pointsToAttachment: body.find("table").length === 0 && bodyText.length < 300,
    };
  }
  return result;
}

const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * The links of a page worth following for a source (the page read as `from`). Kept for callers that
 * want links only; discoverPage also says what the page is and why each link is or is not followed.
 */
export function extractLinks(html: string, pageUrl: string, src: ResolvedSource, from: LinkKind): Link[] {
  return discoverPage({ key: pageUrl, finalUrl: pageUrl, text: html, src, expected: from }).links;
}

// What a fetched page is made of: its links (visible and hidden in scripts/attributes), its article body,
// its dated list items, and its kind (list, article, app shell) decided from content, never from the URL.

import type { CheerioAPI } from "cheerio";
import * as cheerio from "cheerio";
import type { AnyNode, Element, Text } from "domhandler";
import type { CrawlRequest } from "./request.js";
import type { ResolvedSource } from "./sources.js";

export type LinkKind = "list" | "report" | "attachment";
export type PageKind = "list" | "article" | "shell" | "data" | "other";

/** A URL found on a page, before it is judged. */
export interface RawLink {
  url: string;
  text: string;
  /** Where it was found: anchor, script, onclick, data-attribute, record (CMS data), api. */
  via: string;
  /** A POST form body (the request is then a POST). */
  body?: string;
  /** Set by a CMS family that knows the link is another page of the list. */
  page?: boolean;
  /** The markup says it is a file to download (a download attribute, a download script). */
  download?: string;
  why?: string;
}

export interface PageContext {
  request: CrawlRequest;
  /** The page URL after redirects. */
  url: URL;
  base: URL;
  /** The decoded body (HTML, or JSON/XML from a CMS endpoint). */
  text: string;
  $: CheerioAPI;
  src: ResolvedSource;
  /** Column ids carried by `#id` fragments of the start URLs for this page (app shells read them). */
  columnIds: string[];
}

/** Selectors of the article body in the CMSs government portals use. */
export const ARTICLE_SELECTORS = [
  ".TRS_Editor",
  ".trs_editor_view",
  "#zoom",
  "#Zoom",
  ".article-content",
  "#UCAP-CONTENT",
  ".zoom",
  "#fontzoom",
  ".bt-article",
  ".wzy_content",
  ".article_con",
  ".news_content",
  "#content .content",
  ".main-txt",
  ".pages_content",
  "#BodyLabel",
  ".xxgk_content",
  ".TRS_UEDITOR",
  ".trs_paper_default",
  ".article_content",
  ".detail-content",
  ".news_cont",
  ".content-text",
  ".artcon",
  "#ContentPlaceHolder1_lblContent",
  "article",
];

const DATE = /(?:19|20)\d{2}(?:[-/.年])\d{1,2}(?:[-/.月])\d{1,2}/;

export function loadPage(text: string): CheerioAPI {
  // htmlparser2 (cheerio's `xml: { xmlMode: false }`) reads HTML leniently and is several times
  // faster than the spec parser.
  return cheerio.load(text, { xml: { xmlMode: false, decodeEntities: true } });
}

export function pageBase($: CheerioAPI, pageUrl: URL): URL {
  const baseHref = $("base[href]").first().attr("href");
  if (baseHref) {
    try {
      return new URL(baseHref, pageUrl);
    } catch {
      // keep the page URL
    }
  }
  return pageUrl;
}

const clean = (s: string) => s.replace(/\s+/g, " ").trim();

/** The article body element, when the page has one with some substance. */
export function articleBody($: CheerioAPI) {
  for (const sel of ARTICLE_SELECTORS) {
    const el = $(sel).first();
    if (el.length === 0) continue;
    const text = clean(el.text());
    if (text.length >= 20 || el.find("table, a[href], img").length > 0) return el;
  }
  return undefined;
}

const NOT_TEXT = new Set(["script", "style", "noscript", "a", "select", "option", "template"]);
/** Running text a page must have for its densest block to count as an article body. */
const DENSE_MIN = 800;

/**
 * The article body of a page without a known container: the smallest element holding 70% of the
 * page's running text (text outside links, scripts and styles), when there are at least 800
 * characters of it. One iterative pass, so deeply nested pages cannot overflow the stack.
 */
export function denseBody($: CheerioAPI): (ReturnType<CheerioAPI> & { plain: number }) | undefined {
  const root = $("body").get(0) ?? $.root().get(0);
  if (!root) return undefined;
  const order: AnyNode[] = [];
  const parent = new Map<AnyNode, AnyNode>();
  const stack: AnyNode[] = [root];
  while (stack.length) {
    const n = stack.pop()!;
    order.push(n);
    if (n.type === "tag" && NOT_TEXT.has((n as Element).name)) continue;
    if ("children" in n)
      for (const c of (n as Element).children) {
        parent.set(c, n);
        stack.push(c);
      }
  }
  const plain = new Map<AnyNode, number>();
  for (let i = order.length - 1; i >= 0; i--) {
    const n = order[i];
    let own = plain.get(n) ?? 0;
    if (n.type === "text") own = (n as Text).data.replace(/\s+/g, "").length;
    else if (n.type === "tag" && NOT_TEXT.has((n as Element).name)) own = 0;
    plain.set(n, own);
    const p = parent.get(n);
    if (p) plain.set(p, (plain.get(p) ?? 0) + own);
  }
  const total = plain.get(root) ?? 0;
  if (total < DENSE_MIN) return undefined;
  let best: AnyNode | undefined;
  for (const n of order) {
    if (n.type !== "tag" || n === root) continue;
    const v = plain.get(n) ?? 0;
    if (v >= 0.7 * total && (!best || v <= (plain.get(best) ?? 0))) best = n;
  }
  if (!best) return undefined;
  return Object.assign($(best as Element), { plain: plain.get(best) ?? 0 });
}

/** The title of an article page: its heading, the CMS's ArticleTitle meta, or <title>. */
export function pageTitle($: CheerioAPI): string {
  const candidates = [
    $('meta[name="ArticleTitle"]').attr("content"),
    $("h1").first().text(),
    $(".article-title, .title, .tit, #title, h2").first().text(),
    $("title").first().text(),
  ];
  for (const c of candidates) if (c && clean(c)) return clean(c);
  return "";
}

/** Anchors in list rows that also print a date: the items of a list page. */
export function datedItems($: CheerioAPI, within?: ReturnType<CheerioAPI>): number {
  let n = 0;
  (within ? within.find("li, tr, dd, .list-item") : $("li, tr, dd, .list-item")).each((_, el) => {
    const row = $(el);
    if (row.find("a[href], [onclick], [data-url], [data-href]").length !== 1) return;
    if (DATE.test(row.text())) n++;
  });
  return n;
}

/** Every link of the page: anchors, and URLs hidden in scripts, event handlers and data-* attributes. */
export function rawLinks(ctx: PageContext): RawLink[] {
  const { $ } = ctx;
  const out: RawLink[] = [];
  const anchorText = (el: ReturnType<CheerioAPI>) => linkText(el.text(), el.attr("title"));
  $("a, area").each((_, node) => {
    const a = $(node);
    const text = anchorText(a);
    const href = a.attr("href") ?? "";
    const js = /^\s*javascript:/i.test(href);
    const file = a.attr("download");
    if (href && !js)
      out.push({
        url: href,
        text,
        via: "anchor",
        download: file !== undefined ? `download attribute${file ? ` (${file})` : ""}` : undefined,
      });
    for (const u of scriptUrls(`${js ? href : ""} ${a.attr("onclick") ?? ""}`))
      out.push({ url: u.url, text, via: "script link", download: u.download });
    for (const attr of Object.keys(node.attribs ?? {})) {
      if (!attr.startsWith("data-")) continue;
      const v = a.attr(attr) ?? "";
      if (/^(?:https?:\/\/|\/|\.\.?\/)|\.(?:s?html?|pdf|docx?|wps|jsp|aspx?)(?:$|\?)/i.test(v))
        out.push({ url: v, text, via: `${attr} attribute` });
    }
  });
  // A list shown in a frame is part of the page (older portals frame their column lists).
  $("iframe[src], frame[src]").each((_, node) => {
    const src = $(node).attr("src") ?? "";
    if (src && !/^\s*(?:javascript|about|data):/i.test(src))
      out.push({ url: src, text: "", via: "frame", page: true, why: "a frame of this page" });
  });
  $("[onclick]:not(a, area)").each((_, node) => {
    const el = $(node);
    for (const u of scriptUrls(el.attr("onclick") ?? ""))
      out.push({ url: u.url, text: clean(el.text()), via: "onclick", download: u.download });
  });
  // Markup inside script strings: var file_appendix='<a href="./P0202…pdf">…</a>' and the like.
  $("script").each((_, node) => {
    const code = $(node).text();
    if (!/<a\s/i.test(code)) return;
    // CDATA (Hanweb's datastore records) would parse as a comment in HTML mode.
    const $s = loadPage(code.replace(/<!\[CDATA\[|\]\]>/g, "").replace(/\\(["'/])/g, "$1"));
    $s("a[href]").each((_, a) => {
      const href = $s(a).attr("href") ?? "";
      if (href && !/^\s*javascript:/i.test(href))
        out.push({ url: href, text: clean($s(a).text()), via: "script markup" });
    });
  });
  return out;
}

/** A link's text and title as one string; a title that repeats a (truncated) text replaces it. */
export function linkText(text: string, title: string | undefined): string {
  const t = clean(text);
  const ti = clean(title ?? "");
  if (!ti || t === ti) return t;
  const stem = t.replace(/(?:\.{2,}|…+)$/, "");
  if (!t || ti.includes(stem)) return ti;
  return `${t} ${ti}`;
}

/** URLs in window.open('…'), location.href='…', location.assign('…') and similar snippets. */
export function scriptUrls(code: string): { url: string; download?: string }[] {
  const out: { url: string; download?: string }[] = [];
  for (const m of code.matchAll(
    /(window\.open|location\.(?:assign|replace)|openWin\w*|goUrl|\w*down(?:load)?\w*|\w*(?:file|attach)\w*)\s*\(\s*['"]([^'"]+)['"]|location(?:\.href)?\s*=\s*['"]([^'"]+)['"]/gi,
  )) {
    const fn = m[1] ?? "";
    const url = m[2] ?? m[3];
    // downloadFile('…'), downFile('…'), openAttach('…'): the function says it is a file.
    const download = /down|file|attach/i.test(fn) ? `${fn}() script` : undefined;
    out.push({ url, download });
  }
  return out;
}

export function directory(u: URL): string {
  return u.origin + u.pathname.slice(0, u.pathname.lastIndexOf("/") + 1);
}

export function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * The page's kind from its content: an article (a CMS body with substance), a list (dated link rows or
 * pagination), an app shell (almost no text, scripts that load the list), or data (JSON/XML answer).
 */
export function pageKind(
  ctx: PageContext,
  foundPages: number,
  foundItems: number,
): { kind: PageKind; why: string } {
  const trimmed = ctx.text.trimStart();
  if (/^[[{]/.test(trimmed)) return { kind: "data", why: "JSON answer of a list API" };
  if (/^<\?xml|^<datastore/i.test(trimmed)) return { kind: "data", why: "XML answer of a list endpoint" };
  const { $ } = ctx;
  const body = articleBody($);
  const dated = datedItems($);
  const bodyText = body ? clean(body.text()).length : 0;
  // A list inside a container that looks like an article body (a `.zoom` or `article` around the
  // whole column) is still a list: its text is mostly dated links.
  const inBody = body ? datedItems($, body) : 0;
  const linkText = body ? clean(body.find("a").text()).length : 0;
  const listInBody = inBody >= 3 && bodyText - linkText < 300;
  if (body && !listInBody && (bodyText >= 300 || body.find("table").length > 0))
    return { kind: "article", why: `article body (${bodyText} characters)` };
  // A short body that carries links (an article that only points to its attachment).
  if (body && !listInBody && foundPages === 0 && body.find("a[href]").length > 0)
    return { kind: "article", why: `short article body (${bodyText} characters) with links` };
  const listWhy = `${dated} dated link rows, ${foundPages} other pages, ${foundItems} items from the CMS`;
  if (foundPages > 0 || foundItems >= 2) return { kind: "list", why: listWhy };
  if (!body) {
    const dense = denseBody($);
    if (dense)
      return {
        kind: "article",
        why: `a block of ${dense.plain} characters of running text (no known body container)`,
      };
  }
  if (dated >= 3) return { kind: "list", why: listWhy };
  if (body) return { kind: "article", why: `short article body (${bodyText} characters)` };
  const text = clean($("body").text());
  if (text.length < 400 && $("script").length > 0)
    return { kind: "shell", why: "little text, loaded by scripts" };
  return { kind: "other", why: "neither an article body nor a list" };
}

// TRS WCM static columns: index.html, index_1.html…, with the page count only in createPageHTML(…).
import type { PageContext, RawLink } from "../page.js";
import type { Family } from "./types.js";

const EXT = /^(?:s?html?|jsp|php|aspx?|htm)$/i;

interface Arg {
  num?: number;
  str?: string;
}

function args(list: string, text: string): Arg[] {
  return list.split(",").map((raw) => {
    const a = raw.trim();
    if (/^\d+$/.test(a)) return { num: Number(a) };
    const q = /^["']([^"']*)["']$/.exec(a);
    if (q) return /^\d+$/.test(q[1]) ? { num: Number(q[1]) } : { str: q[1] };
    // A variable (var countPage = 3; createPageHTML(countPage, currentPage, …)): its value from the page.
    if (/^[A-Za-z_$][\w$]*$/.test(a)) {
      const m = new RegExp(`\\b${a.replace(/\$/g, "\\$")}\\s*=\\s*["']?(\\d+)`).exec(text);
      if (m) return { num: Number(m[1]) };
    }
    return {};
  });
}

export interface PageScript {
  total: number;
  current: number;
  prefix: string;
  ext: string;
  oneBased: boolean;
}

/**
 * Reads createPageHTML calls by the roles of their arguments: the file extension, the name before
 * it, the page count and current page before the name, an element id (a string first) in the Jiangsu
 * form `createPageHTML('page_div', 3, 1, 'list', 'shtml', 7)`, where pages count from 1 and page N
 * is list_N.shtml. The classic form `createPageHTML(3, 0, "index", "html")` counts from 0.
 */
export function readCreatePageHtml(text: string, pageUrl: URL): PageScript[] {
  const out: PageScript[] = [];
  for (const m of text.matchAll(/createPageHTML\s*\(([^()]{0,300})\)/g)) {
    const a = args(m[1], text);
    const extAt = a.findIndex((x) => x.str !== undefined && EXT.test(x.str));
    if (extAt < 1 || a[extAt - 1].str === undefined) continue;
    const prefix = a[extAt - 1].str!;
    if (!/^[\w-]+$/.test(prefix)) continue;
    const nums = a
      .slice(0, extAt - 1)
      .filter((x) => x.num !== undefined)
      .map((x) => x.num!);
    if (nums.length === 0) continue;
    const elementFirst = a[0].str !== undefined && a[0].str !== prefix;
    const [total, current = 0] = nums;
    const file = pageUrl.pathname.slice(pageUrl.pathname.lastIndexOf("/") + 1);
    const firstPage = file === "" || file === `${prefix}.${a[extAt].str}`;
    out.push({
      total,
      current,
      prefix,
      ext: a[extAt].str!,
      oneBased: elementFirst || (firstPage && current === 1),
    });
  }
  return out;
}

export function createPageHtmlPages(s: PageScript, base: URL, max: number): string[] {
  const out: string[] = [];
  const total = Math.min(s.total, max);
  for (let i = 0; i < total; i++) {
    const n = s.oneBased ? i + 1 : i;
    const first = s.oneBased ? n === 1 : n === 0;
    out.push(new URL(first ? `${s.prefix}.${s.ext}` : `${s.prefix}_${n}.${s.ext}`, base).href);
  }
  return out;
}

export const trs: Family = {
  name: "trs",
  fingerprint(ctx) {
    let score = 0;
    if (/createPageHTML\s*\(/.test(ctx.text)) score += 3;
    if (/TRS_Editor|trs_editor|TRS_UEDITOR|\bTRS\b/i.test(ctx.text)) score += 2;
    if (/\/t\d{8}_\d+\.s?html?/.test(ctx.text)) score += 1;
    return score;
  },
  discover(ctx: PageContext): RawLink[] {
    if (!ctx.src.createPageHTML) return [];
    const out: RawLink[] = [];
    for (const s of readCreatePageHtml(ctx.text, ctx.url)) {
      for (const url of createPageHtmlPages(s, ctx.url, ctx.src.limits.maxListPages))
        out.push({
          url,
          text: "",
          via: "createPageHTML",
          page: true,
          why: `createPageHTML: ${s.total} pages of ${s.prefix}.${s.ext}, counted from ${s.oneBased ? 1 : 0}`,
        });
    }
    return out;
  },
};

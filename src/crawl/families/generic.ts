// Any portal: pagination read from the links of the page (下一页/尾页, page numbers, ?page=N, index_N.html),
// with the pages in between filled in, since 尾页 often names only the last page.
import { directory, type PageContext, type RawLink } from "../page.js";
import type { Family } from "./types.js";

const PAGE_PARAM = /^(?:page|pageno|pageindex|pagenum|pn|p|cpage|curpage|currentpage|page_no)$/i;

/** Other pages of the list, from its pagination links, with any gap up to the last page filled. */
export function paginationPages(ctx: PageContext): RawLink[] {
  const { $, src } = ctx;
  const here = directory(ctx.url);
  const groups = new Map<string, { make: (n: number) => string; max: number; min: number }>();
  $("a[href]").each((_, a) => {
    const el = $(a);
    const text = el.text().replace(/\s+/g, " ").trim();
    let u: URL;
    try {
      u = new URL(el.attr("href")!, ctx.base);
    } catch {
      return;
    }
    if (directory(u) !== here) return;
    if (!src.nextText.some((re) => re.test(text)) && !src.paginationUrl.some((re) => re.test(u.href))) return;
    for (const [k, v] of u.searchParams) {
      if (!PAGE_PARAM.test(k) || !/^\d{1,4}$/.test(v)) continue;
      const key = `${u.pathname}?${[...u.searchParams]
        .filter(([x]) => x !== k)
        .map((p) => p.join("="))
        .join("&")}|${k}`;
      const g = groups.get(key) ?? {
        make: (n: number) => {
          const c = new URL(u);
          c.searchParams.set(k, String(n));
          return c.href;
        },
        max: 0,
        min: Number.POSITIVE_INFINITY,
      };
      g.max = Math.max(g.max, Number(v));
      g.min = Math.min(g.min, Number(v));
      groups.set(key, g);
    }
    const m = /^(.*\/)([\w]+)([_-])(\d{1,4})\.(s?html?)$/.exec(u.pathname);
    if (m) {
      const key = `${m[1]}${m[2]}${m[3]}.${m[5]}`;
      const g = groups.get(key) ?? {
        make: (n: number) => new URL(`${m[2]}${m[3]}${n}.${m[5]}`, u).href,
        max: 0,
        min: Number.POSITIVE_INFINITY,
      };
      g.max = Math.max(g.max, Number(m[4]));
      g.min = Math.min(g.min, Number(m[4]));
      groups.set(key, g);
    }
  });
  const out: RawLink[] = [];
  for (const g of groups.values()) {
    const from = Math.min(g.min, 2);
    const to = Math.min(g.max, from + src.limits.maxListPages);
    for (let n = from; n <= to; n++)
      out.push({
        url: g.make(n),
        text: "",
        via: "pagination",
        page: true,
        why: `page ${n} of at least ${g.max} (pagination links)`,
      });
  }
  return out;
}

export const generic: Family = {
  name: "generic",
  fingerprint: () => 0,
  discover: paginationPages,
};

// Guangdong's 政府信息公开目录 (gkmlpt): an app shell whose lists come from /gkmlpt/api/all/<column>?page=N&sid=…
// as JSON {articles:[{title,url,…}], total}; the column id rides in the shell URL's #fragment.
import type { PageContext, RawLink } from "../page.js";
import { type Family, scriptNumber } from "./types.js";

type Json = Record<string, unknown>;

function articlesOf(j: Json): Json[] {
  for (const k of ["articles", "list", "data", "records", "rows", "items"]) {
    const v = j[k];
    if (Array.isArray(v)) return v as Json[];
    if (v && typeof v === "object") {
      const inner = articlesOf(v as Json);
      if (inner.length) return inner;
    }
  }
  return [];
}

function numberField(j: Json, names: string[]): number | undefined {
  for (const n of names) {
    const v = j[n];
    if (typeof v === "number") return v;
    if (typeof v === "string" && /^\d+$/.test(v)) return Number(v);
  }
  const data = j.data;
  return data && typeof data === "object" && !Array.isArray(data)
    ? numberField(data as Json, names)
    : undefined;
}

export const gkmlpt: Family = {
  name: "gkmlpt",
  fingerprint(ctx) {
    if (/\/gkmlpt\//i.test(ctx.url.pathname)) return 4;
    return /gkmlpt/i.test(ctx.text) ? 2 : 0;
  },
  discover(ctx: PageContext): RawLink[] {
    const out: RawLink[] = [];
    const trimmed = ctx.text.trimStart();
    if (trimmed.startsWith("{")) {
      let j: Json;
      try {
        j = JSON.parse(trimmed) as Json;
      } catch {
        return out;
      }
      const articles = articlesOf(j);
      for (const a of articles) {
        const url = (a.url ?? a.link ?? a.href) as string | undefined;
        if (typeof url === "string")
          out.push({ url, text: String(a.title ?? a.name ?? ""), via: "API article" });
        for (const f of (Array.isArray(a.attachment) ? a.attachment : []) as Json[]) {
          const fu = (f.url ?? f.link) as string | undefined;
          if (typeof fu === "string")
            out.push({ url: fu, text: String(f.name ?? f.title ?? ""), via: "API attachment" });
        }
      }
      const page = Number(ctx.url.searchParams.get("page") ?? "1");
      const total = numberField(j, ["total", "totalCount", "total_count", "count"]);
      const size = numberField(j, ["page_size", "pageSize", "size", "per_page"]) ?? articles.length;
      if (page === 1 && total && size > 0) {
        const pages = Math.min(Math.ceil(total / size), ctx.src.limits.maxListPages);
        for (let n = 2; n <= pages; n++) {
          const u = new URL(ctx.url);
          u.searchParams.set("page", String(n));
          out.push({
            url: u.href,
            text: "",
            via: "API page",
            page: true,
            why: `API page ${n} of ${pages} (${total} articles)`,
          });
        }
      }
      return out;
    }
    // The shell: column ids from the start URL's #fragment, the shell's own #id links to 年报 columns,
    // or its scripts; the site id from its scripts.
    const ids = new Set(ctx.columnIds);
    ctx.$("a[href]").each((_, a) => {
      const href = ctx.$(a).attr("href") ?? "";
      const m = /#(\d+)$/.exec(href);
      if (m && /年报|年度报告/.test(ctx.$(a).text())) ids.add(m[1]);
    });
    const scripted = scriptNumber(ctx.text, [
      "CLASSIFY_ID",
      "classifyId",
      "classify_id",
      "catId",
      "columnId",
    ]);
    if (ids.size === 0 && scripted !== undefined) ids.add(String(scripted));
    const sid =
      /["']?\b(?:SID|sid|siteId|site_id)["']?\s*[:=]\s*["']?(\w+)/.exec(ctx.text)?.[1] ??
      ctx.url.searchParams.get("sid") ??
      undefined;
    const root = ctx.url.pathname.slice(0, ctx.url.pathname.toLowerCase().indexOf("/gkmlpt/") + 1) || "/";
    for (const id of ids) {
      const u = new URL(`${root}gkmlpt/api/all/${id}`, ctx.url);
      u.searchParams.set("page", "1");
      if (sid) u.searchParams.set("sid", sid);
      out.push({
        url: u.href,
        text: "",
        via: "API",
        page: true,
        why: `list API of column ${id}${sid ? ` (sid ${sid})` : ""}`,
      });
    }
    return out;
  },
};

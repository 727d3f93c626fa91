// Jiangsu's jpaas publishing platform: a list unit described by queryData="{…}" and url="/api-gateway/
// jpaas-publish-server/front/page/build/unit"; page N is a POST of the same fields with paramJson
// {"pageNo":N,…}, answered with an HTML fragment (bare or inside JSON).
import { linkText, loadPage, type PageContext, type RawLink } from "../page.js";
import { formBody } from "../request.js";
import { type Family, scriptNumber } from "./types.js";

/** `{'webId':'1','paramJson':'{"pageNo":1}'}` (single- or double-quoted, escaped quotes allowed). */
export function queryDataFields(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of raw.matchAll(/(["'])(\w+)\1\s*:\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|([\w.-]+))/g))
    out[m[2]] = (m[3] ?? m[4] ?? m[5]).replace(/\\(["'\\])/g, "$1");
  return out;
}

function fragmentOf(text: string): string | undefined {
  const t = text.trimStart();
  if (!t.startsWith("{")) return undefined;
  try {
    const strings: string[] = [];
    const walk = (v: unknown) => {
      if (typeof v === "string") {
        if (/<a\s|<li|<tr/i.test(v)) strings.push(v);
      } else if (v && typeof v === "object") for (const x of Object.values(v)) walk(x);
    };
    walk(JSON.parse(t));
    return strings.join("\n");
  } catch {
    return undefined;
  }
}

function anchors(html: string, via: string): RawLink[] {
  const $ = loadPage(html);
  const out: RawLink[] = [];
  $("a[href]").each((_, a) => {
    const el = $(a);
    const href = el.attr("href")!;
    if (/^\s*javascript:/i.test(href)) return;
    out.push({
      url: href,
      text: linkText(el.text(), el.attr("title")),
      via,
    });
  });
  return out;
}

function totalPages(text: string, pageSize: number): number | undefined {
  const printed = /共\s*(\d+)\s*页/.exec(text)?.[1];
  if (printed) return Number(printed);
  const pages = scriptNumber(text, ["totalPage", "totalPages", "pageCount", "pageTotal", "pages"]);
  if (pages) return pages;
  const total = scriptNumber(text, ["total", "totalRecord", "totalCount", "recordCount"]);
  return total ? Math.ceil(total / pageSize) : undefined;
}

export const jpaas: Family = {
  name: "jpaas",
  fingerprint(ctx) {
    if (/jpaas-publish-server/i.test(ctx.request.url)) return 5;
    return /jpaas-publish-server|querydata\s*=/i.test(ctx.text) ? 4 : 0;
  },
  discover(ctx: PageContext): RawLink[] {
    const out: RawLink[] = [];
    const units: { url: URL; fields: Record<string, string>; pageNo: number; items: number }[] = [];
    if (ctx.request.method === "POST" && ctx.request.body !== undefined) {
      // An answer to a unit POST: its items, and the next page while pages keep coming.
      const html = fragmentOf(ctx.text) ?? ctx.text;
      const items = anchors(html, "unit fragment");
      out.push(...items);
      const fields = Object.fromEntries(new URLSearchParams(ctx.request.body));
      const param = JSON.parse(fields.paramJson ?? "{}") as Record<string, unknown>;
      units.push({
        url: new URL(ctx.request.url),
        fields,
        pageNo: Number(param.pageNo ?? 1),
        items: items.length,
      });
    } else {
      ctx.$("[querydata]").each((_, el) => {
        const e = ctx.$(el);
        const fields = queryDataFields(e.attr("querydata") ?? "");
        const unitUrl =
          e.attr("url") ?? e.attr("data-url") ?? "/api-gateway/jpaas-publish-server/front/page/build/unit";
        units.push({ url: new URL(unitUrl, ctx.base), fields, pageNo: 1, items: e.find("a[href]").length });
      });
    }
    for (const unit of units) {
      const param = JSON.parse(unit.fields.paramJson ?? "{}") as Record<string, unknown>;
      const pageSize = Number(param.pageSize ?? 15) || 15;
      const known = totalPages(ctx.text, pageSize);
      // Without a printed page count, ask for the next page until one comes back empty.
      const last = Math.min(
        known ?? (unit.items > 0 ? unit.pageNo + 1 : unit.pageNo),
        ctx.src.limits.maxListPages,
      );
      const first = unit.items > 0 || unit.pageNo > 1 ? unit.pageNo + 1 : unit.pageNo;
      for (let n = first; n <= last; n++) {
        const body = formBody({ ...unit.fields, paramJson: JSON.stringify({ ...param, pageNo: n }) });
        out.push({
          url: unit.url.href,
          text: "",
          via: "jpaas unit POST",
          body,
          page: true,
          why: `jpaas unit page ${n}${known ? ` of ${known}` : " (probing: the previous page had items)"}`,
        });
      }
    }
    return out;
  },
};

// ASP.NET platforms (InfoPublic.aspx?cid=…&page=N): 下一页/尾页 links, per-unit sub-columns, often GBK with
// no charset anywhere (the page decoder detects it); WebForms pagers that post back
// (javascript:__doPostBack('pager','N')) become POSTs of the page's form.
import type { PageContext, RawLink } from "../page.js";
import { formBody } from "../request.js";
import { paginationPages } from "./generic.js";
import type { Family } from "./types.js";

/** Pager post-backs: the page's form fields with __EVENTTARGET/__EVENTARGUMENT, for pages 2…last. */
function postBackPages(ctx: PageContext): RawLink[] {
  // Only from a page fetched by GET: every answer carries a new __VIEWSTATE, which would make new keys.
  if (ctx.request.method === "POST") return [];
  const { $ } = ctx;
  const targets = new Map<string, number>();
  $("a[href*='__doPostBack'], [onclick*='__doPostBack']").each((_, el) => {
    const code = `${$(el).attr("href") ?? ""} ${$(el).attr("onclick") ?? ""}`;
    const m = /__doPostBack\(\s*['"]([^'"]+)['"]\s*,\s*['"](?:Page\$)?(\d{1,4})['"]\s*\)/.exec(code);
    if (m) targets.set(m[1], Math.max(targets.get(m[1]) ?? 0, Number(m[2])));
  });
  if (targets.size === 0) return [];
  const form = $("form").first();
  const fields: Record<string, string> = {};
  form.find("input[type=hidden][name]").each((_, el) => {
    fields[$(el).attr("name")!] = $(el).attr("value") ?? "";
  });
  const action = new URL(form.attr("action") || ctx.url.href, ctx.base);
  const out: RawLink[] = [];
  for (const [target, last] of targets) {
    const pageArg = /Page\$/.test(ctx.text) ? "Page$" : "";
    for (let n = 2; n <= Math.min(last, ctx.src.limits.maxListPages); n++) {
      out.push({
        url: action.href,
        text: "",
        via: "__doPostBack",
        body: formBody({ ...fields, __EVENTTARGET: target, __EVENTARGUMENT: `${pageArg}${n}` }),
        page: true,
        why: `ASP.NET pager post-back ${target} page ${n} of ${last}`,
      });
    }
  }
  return out;
}

export const aspnet: Family = {
  name: "aspnet",
  fingerprint(ctx) {
    let score = 0;
    if (/__VIEWSTATE|__doPostBack/.test(ctx.text)) score += 3;
    if (/\.aspx$/i.test(ctx.url.pathname)) score += 2;
    else if (/\.aspx\b/i.test(ctx.text)) score += 1;
    return score;
  },
  discover: (ctx) => [...postBackPages(ctx), ...paginationPages(ctx)],
};

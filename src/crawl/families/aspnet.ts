// ASP.NET platforms (InfoPublic.aspx?cid=…&page=N): 下一页/尾页 links, per-unit sub-columns, often GBK with
// no charset anywhere (the page decoder detects it).
import { paginationPages } from "./generic.js";
import type { Family } from "./types.js";

export const aspnet: Family = {
  name: "aspnet",
  fingerprint(ctx) {
    let score = 0;
    if (/__VIEWSTATE|__doPostBack/.test(ctx.text)) score += 3;
    if (/\.aspx$/i.test(ctx.url.pathname)) score += 2;
    else if (/\.aspx\b/i.test(ctx.text)) score += 1;
    return score;
  },
  discover: paginationPages,
};

// Hanweb/大汉 JCMS: list records in <datastore> XML (in the page or from dataproxy.jsp), further pages
// from /module/web/jpage/dataproxy.jsp by POST (the fields the page's jpage script names) or GET page=N.
import { linkText, loadPage, type PageContext, type RawLink } from "../page.js";
import { formBody } from "../request.js";
import { type Family, scriptNumber } from "./types.js";

/** The `<record><![CDATA[…]]></record>` rows of a datastore, as links. */
export function datastoreRecords(text: string): RawLink[] {
  const out: RawLink[] = [];
  for (const m of text.matchAll(/<record>\s*(?:<!\[CDATA\[([\s\S]*?)\]\]>|([\s\S]*?))\s*<\/record>/gi)) {
    const $ = loadPage(m[1] ?? m[2] ?? "");
    $("a[href]").each((_, a) => {
      const el = $(a);
      out.push({
        url: el.attr("href")!,
        text: linkText(el.text(), el.attr("title")),
        via: "datastore record",
      });
    });
  }
  return out;
}

/** `{ col: 1, webid: '1', columnid: 2629 }` from a script object literal. */
function objectFields(literal: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of literal.matchAll(/["']?([\w]+)["']?\s*:\s*(?:"([^"]*)"|'([^']*)'|([\w.-]+))/g))
    out[m[1]] = m[2] ?? m[3] ?? m[4];
  return out;
}

const PROXY_FIELDS = [
  "col",
  "appid",
  "webid",
  "path",
  "columnid",
  "sourceContentType",
  "unitid",
  "webname",
  "permissiontype",
];

/** `var columnid = 1229; unitid: '3837'` … as form fields, when the page names a column id. */
function proxyFields(text: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const f of PROXY_FIELDS) {
    const m = new RegExp(`["']?\\b${f}["']?\\s*[:=]\\s*["']?([^"',;}\\s]+)`, "i").exec(text);
    if (m) out[f] = m[1];
  }
  return out.columnid ? out : undefined;
}

export const hanweb: Family = {
  name: "hanweb",
  fingerprint(ctx) {
    let score = 0;
    if (/<datastore>/i.test(ctx.text)) score += 3;
    if (/dataproxy\.jsp|jpage/i.test(ctx.text)) score += 2;
    if (/\/art\/\d{4}\/\d+\/\d+\/art_\d+_\d+\.html|\/col\/col\d+/i.test(ctx.text)) score += 1;
    return score;
  },
  discover(ctx: PageContext): RawLink[] {
    const out = datastoreRecords(ctx.text);
    // A dataproxy answer only carries records; the page that asked for it scheduled every group.
    if (/dataproxy/i.test(ctx.request.url)) return out;
    const total =
      Number(/<totalrecord>\s*(\d+)/i.exec(ctx.text)?.[1] ?? Number.NaN) ||
      scriptNumber(ctx.text, ["totalRecord", "totalrecord", "recordCount", "totalCount"]);
    if (!total) return out;
    const perPage = scriptNumber(ctx.text, ["perPage", "perpage", "pageSize"]) ?? 15;
    const nextHref = /<nextgroup>\s*<!\[CDATA\[\s*<a[^>]*href=["']([^"']+)["']/i.exec(ctx.text)?.[1];
    const proxy =
      /proxyUrl\s*[:=]\s*["']([^"']+)["']/i.exec(ctx.text)?.[1] ??
      nextHref?.replace(/\?.*$/, "") ??
      "/module/web/jpage/dataproxy.jsp";
    const proxyUrl = new URL(proxy, ctx.base);
    const literal = /(?:ajaxParam|ajaxParams|params|param)\s*[:=]\s*\{([^{}]*)\}/i.exec(ctx.text)?.[1];
    // Without an object literal, the fields dataproxy.jsp needs may still be named one by one.
    const named = literal === undefined && !nextHref ? proxyFields(ctx.text) : undefined;
    const param =
      literal ??
      (named
        ? Object.entries(named)
            .map(([k, v]) => `${k}: '${v}'`)
            .join(", ")
        : undefined);
    if (param !== undefined) {
      // POST, as jpage does: startrecord/endrecord/perpage in the query, the script's fields as the form.
      const groupSize = scriptNumber(ctx.text, ["groupSize"]) ?? 3;
      const step = perPage * groupSize;
      const onPage = out.length;
      const body = formBody(objectFields(param));
      for (let start = Math.floor(onPage / step) * step + 1; start <= total; start += step) {
        const u = new URL(proxyUrl);
        u.search = `startrecord=${start}&endrecord=${Math.min(start + step - 1, total)}&perpage=${perPage}`;
        out.push({
          url: u.href,
          text: "",
          via: "dataproxy POST",
          body,
          page: true,
          why: `dataproxy.jsp records ${start}–${Math.min(start + step - 1, total)} of ${total}, the page script's fields posted`,
        });
      }
      return out;
    }
    if (nextHref) {
      const pages = Math.ceil(total / perPage);
      for (let n = 2; n <= Math.min(pages, ctx.src.limits.maxListPages); n++) {
        const u = new URL(nextHref, ctx.base);
        u.searchParams.set("page", String(n));
        out.push({
          url: u.href,
          text: "",
          via: "dataproxy GET",
          page: true,
          why: `dataproxy.jsp page ${n} of ${pages}`,
        });
      }
    }
    return out;
  },
};

// HTML building for the workbench: a tagged template that escapes every interpolated value, and the page frame.

/** Markup that is already safe (built by `html`); anything else interpolated is escaped. */
export class Safe {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

type Part = Safe | string | number | boolean | null | undefined | Part[];

function render(v: Part): string {
  if (v === null || v === undefined || v === false || v === true) return "";
  if (v instanceof Safe) return v.value;
  if (Array.isArray(v)) return v.map(render).join("");
  return escapeHtml(String(v));
}

/** `html\`<td>${text}</td>\``: strings and numbers are escaped; nested `html` and arrays of it are not. */
export function html(strings: TemplateStringsArray, ...values: Part[]): Safe {
  let out = strings[0];
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1];
  });
  return new Safe(out);
}

/**
 * JSON for a `<script type="application/json">` block: the browser never runs it (the CSP allows no
 * inline script anyway), and `<` is escaped so that no text can close the element.
 */
export function jsonBlock(id: string, data: unknown): Safe {
  const json = JSON.stringify(data)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
  return new Safe(`<script type="application/json" id="${escapeHtml(id)}">${json}</script>`);
}

export const NAV: [string, string][] = [
  ["/reports", "Reports"],
  ["/compare", "Compare"],
  ["/diff", "Year over year"],
  ["/review", "Review"],
  ["/runs", "Crawl runs"],
];

export function page(opts: {
  title: string;
  active: string;
  body: Safe;
  scripts?: string[];
  styles?: string[];
  writable: boolean;
}): string {
  return `<!doctype html>${html`<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${opts.title} · zfxxgk</title>
<link rel="stylesheet" href="/static/app.css">
${(opts.styles ?? []).map((s) => html`<link rel="stylesheet" href="${s}">`)}
</head><body>
<header><a class="brand" href="/reports">zfxxgk</a><nav>${NAV.map(
    ([href, label]) =>
      html`<a href="${href}"${new Safe(opts.active === href ? ' class="on"' : "")}>${label}</a>`,
  )}</nav><span class="mode">${opts.writable ? "corrections allowed" : "read-only"}</span></header>
<main>${opts.body}</main>
${(opts.scripts ?? []).map((s) => html`<script type="module" src="${s}"></script>`)}
</body></html>`}`;
}

/** A query string from the given parameters (empty values left out). */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== "") u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : "";
}

// `zfxxgk crawl --explain URL`: fetches one page (politely) and says what the crawler makes of it.
import { detectForm } from "../extractors/index.js";
import { type Decision, decodePage, discoverPage, type PageDiscovery } from "./discover.js";
import { Fetcher } from "./fetch.js";
import { parseRequestKey } from "./request.js";
import {
  type CrawlConfig,
  hostAllowed,
  type Politeness,
  parseSources,
  type ResolvedSource,
} from "./sources.js";

/** The source of a sources file that covers a URL, or a default source started at the URL. */
export function sourceFor(url: string, config?: CrawlConfig): { src: ResolvedSource; userAgent: string } {
  const u = new URL(parseRequestKey(url).url);
  const own =
    config?.sources.find((s) => s.startUrls.includes(url)) ??
    config?.sources.find((s) => hostAllowed(u, s.allowedHosts));
  if (config && own) return { src: own, userAgent: config.userAgent };
  const c = parseSources({ sources: [{ name: "explain", startUrls: [u.href] }] });
  return { src: c.sources[0], userAgent: config?.userAgent ?? c.userAgent };
}

export interface Explanation {
  lines: string[];
  page?: PageDiscovery;
}

const ROLES: [string, (d: Decision) => boolean][] = [
  ["other pages of the list", (d) => d.follow && d.kind === "list"],
  ["report pages", (d) => d.follow && d.kind === "report"],
  ["attachments", (d) => d.follow && d.kind === "attachment"],
  ["not followed", (d) => !d.follow],
];

/** Fetches `url` (a GET, or a frontier key `POST <url> <body>`) and explains it, as the crawler reads it. */
export async function explain(
  url: string,
  opts: { config?: CrawlConfig; politeness?: Partial<Politeness>; expected?: "list" | "report" } = {},
): Promise<Explanation> {
  const { src, userAgent } = sourceFor(url, opts.config);
  const p: Politeness = { ...src.politeness, ...opts.politeness };
  const req = parseRequestKey(url);
  const target = new URL(req.url);
  const lines: string[] = [];
  const fetcher = new Fetcher({ userAgent, politeness: p, allowed: (u) => hostAllowed(u, src.allowedHosts) });
  lines.push(`source: ${src.name} (allowed hosts: ${src.allowedHosts.join(", ")})`);
  if (p.robots) {
    const rules = await fetcher.robotsFor(target, p);
    if (rules.unavailable)
      return { lines: [...lines, `robots.txt: ${rules.unavailable}; the crawler skips this host`] };
    const allowed = rules.allows(req.url);
    lines.push(
      `robots.txt: ${allowed ? "allows" : "DISALLOWS"} this URL${rules.crawlDelayMs ? ` (Crawl-delay ${rules.crawlDelayMs / 1000} s)` : ""}`,
    );
    if (!allowed) return { lines };
  }
  const res = await fetcher.fetch(req.url, p, {}, req.body);
  if (res.kind === "failed") return { lines: [...lines, `${req.method} ${req.url}: failed: ${res.reason}`] };
  if (res.kind === "redirect")
    return { lines: [...lines, `${req.method} ${req.url}: redirects to ${res.location} (another host)`] };
  if (res.kind !== "ok") return { lines: [...lines, `${req.method} ${req.url}: HTTP ${res.status}`] };
  const form = detectForm(res.body);
  const ct = res.headers["content-type"] ?? "no Content-Type";
  const cd = res.headers["content-disposition"];
  lines.push(
    `${req.method} ${req.url}${res.finalUrl !== req.url ? ` → ${res.finalUrl}` : ""}: HTTP ${res.status}, ${res.body.length} bytes, ${ct}${cd ? `, ${cd}` : ""}; the bytes are ${form}`,
  );
  if (form !== "html" && form !== "text") {
    lines.push(`a document (${form}): the crawler imports it, whatever its Content-Type says`);
    return { lines };
  }
  const page = discoverPage({
    key: url,
    finalUrl: res.finalUrl,
    text: decodePage(res.body, res.headers["content-type"]),
    src,
    expected: opts.expected ?? "list",
  });
  const scores = Object.entries(page.fingerprints)
    .filter(([, n]) => n > 0)
    .map(([f, n]) => `${f} ${n}`)
    .join(", ");
  lines.push(`family: ${page.family} (fingerprints: ${scores || "none; generic reading"})`);
  lines.push(`page kind: ${page.kind} — ${page.kindWhy}`);
  if (page.title) lines.push(`title: ${page.title}`);
  if (page.article) {
    lines.push(
      page.article.pointsToAttachment
        ? "article body: short, only points to attachments: the crawler follows them and does not store the page"
        : "article body: imported as the report text (the page's body under its title)",
    );
  }
  if (page.kind === "list" || page.kind === "data" || page.kind === "shell")
    lines.push(
      "as a list: the crawler follows its pages, report links and attachments; it stores nothing of it",
    );
  for (const [role, test] of ROLES) {
    const ds = page.decisions.filter(test);
    lines.push(`${role} (${ds.length}):`);
    for (const d of ds) {
      const what = d.body !== undefined ? `POST ${d.url} ${d.body}` : d.url;
      lines.push(`  ${what}${d.text ? `  「${d.text.slice(0, 60)}」` : ""}  [${d.via}] ${d.why}`);
    }
  }
  return { lines, page };
}

// `zfxxgk sources find --site URL`: from a portal's home page, follows 政府信息公开 → 年报 columns and
// drafts a sources entry (column URLs, allowed hosts), politely and within the portal's own hosts.
import { detectForm } from "../extractors/index.js";
import { decodePage, discoverPage } from "./discover.js";
import { Fetcher } from "./fetch.js";
import { lookAlike } from "./lookalike.js";
import { linkText, loadPage, pageBase } from "./page.js";
import { type Politeness, parseSources } from "./sources.js";

export interface SourceEntry {
  name: string;
  startUrls: string[];
  allowedHosts: string[];
}

export interface FoundSources {
  entry?: SourceEntry;
  /** What was fetched and why, in order. */
  trail: string[];
}

const DISCLOSURE = /政府信息公开|信息公开|政务公开/;
const DEEPER = /法定主动公开|主动公开|公开目录|政府信息公开/;
const ANNUAL = /年报|年度报告/;

/** The site's own domain: www.x.gov.cn → x.gov.cn (hosts under it are the portal's). */
function siteDomain(host: string): string {
  return host.replace(/^www\./, "");
}

interface Anchor {
  url: string;
  text: string;
}

export async function findSources(
  site: string,
  opts: { politeness?: Partial<Politeness>; userAgent?: string; maxFetches?: number } = {},
): Promise<FoundSources> {
  const home = new URL(site);
  const domain = siteDomain(home.hostname);
  const defaults = parseSources({ sources: [{ name: "find", startUrls: [home.href] }] });
  const src = defaults.sources[0];
  const p: Politeness = { ...src.politeness, ...opts.politeness };
  const inSite = (u: URL) =>
    (u.protocol === "http:" || u.protocol === "https:") &&
    (u.hostname === domain || u.hostname.endsWith(`.${domain}`)) &&
    (u.port === home.port || u.host === home.host);
  const fetcher = new Fetcher({
    userAgent: opts.userAgent ?? defaults.userAgent,
    politeness: p,
    allowed: inSite,
  });
  const trail: string[] = [];
  let budget = opts.maxFetches ?? 30;
  const hosts = new Set<string>([home.host]);
  const seen = new Set<string>();

  const get = async (url: string): Promise<{ text: string; finalUrl: string } | undefined> => {
    const key = url.replace(/#.*$/, "");
    if (seen.has(key) || budget <= 0) return undefined;
    seen.add(key);
    budget--;
    const u = new URL(url);
    if (p.robots) {
      const rules = await fetcher.robotsFor(u, p);
      if (rules.unavailable || !rules.allows(key)) {
        trail.push(`skip ${key}: ${rules.unavailable ?? "disallowed by robots.txt"}`);
        return undefined;
      }
    }
    const res = await fetcher.fetch(key, p);
    if (res.kind !== "ok") {
      trail.push(`fetch ${key}: ${res.kind === "failed" ? res.reason : res.kind}`);
      return undefined;
    }
    if (detectForm(res.body) !== "html") return undefined;
    return { text: decodePage(res.body, res.headers["content-type"]), finalUrl: res.finalUrl };
  };

  const anchors = (text: string, pageUrl: string): Anchor[] => {
    const $ = loadPage(text);
    const base = pageBase($, new URL(pageUrl));
    const out: Anchor[] = [];
    $("a[href]").each((_, a) => {
      const el = $(a);
      try {
        const u = new URL(el.attr("href")!, base);
        if (!inSite(u)) return;
        const t = linkText(el.text(), el.attr("title"));
        out.push({ url: u.href, text: t });
      } catch {
        // not a URL
      }
    });
    return out;
  };

  const columns: string[] = [];
  /** A 年报 column candidate: kept when the crawler reads it as a list (or app shell) with report links or pages. */
  const tryColumn = async (a: Anchor) => {
    const page = await get(a.url);
    if (!page) return;
    const d = discoverPage({
      key: a.url.replace(/#.*$/, ""),
      finalUrl: page.finalUrl,
      text: page.text,
      src: { ...src, startUrls: [a.url], allowedHosts: [...hosts, `*.${domain}`] },
      expected: "list",
    });
    const reports = d.links.filter((l) => l.kind !== "list").length;
    const lists = d.links.filter((l) => l.kind === "list").length;
    const ok = d.kind !== "article" && (reports > 0 || lists > 0);
    trail.push(
      `年报 column? ${a.url} 「${a.text}」: ${d.family} ${d.kind}, ${reports} report links, ${lists} list links → ${ok ? "yes" : "no"}`,
    );
    if (ok) {
      columns.push(a.url);
      hosts.add(new URL(a.url).host);
    }
  };

  const start = await get(home.href);
  if (!start) return { trail: [...trail, `cannot read the home page ${home.href}`] };
  trail.push(`home ${home.href}`);
  const disclosure = anchors(start.text, start.finalUrl)
    .filter((a) => DISCLOSURE.test(a.text) && !lookAlike(a.text))
    .sort((x, y) => Number(y.text.includes("政府信息公开")) - Number(x.text.includes("政府信息公开")));
  const annualOnHome = anchors(start.text, start.finalUrl).filter(
    (a) => ANNUAL.test(a.text) && !lookAlike(a.text),
  );
  for (const a of annualOnHome.slice(0, 3)) await tryColumn(a);
  for (const d of dedupe(disclosure).slice(0, 3)) {
    if (columns.length) break;
    const page = await get(d.url);
    if (!page) continue;
    trail.push(`政府信息公开 ${d.url} 「${d.text}」`);
    hosts.add(new URL(page.finalUrl).host);
    const links = anchors(page.text, page.finalUrl);
    const annual = dedupe(links.filter((a) => ANNUAL.test(a.text) && !lookAlike(a.text)));
    for (const a of annual.slice(0, 4)) await tryColumn(a);
    if (columns.length) break;
    // One level deeper: 法定主动公开内容, 政府信息公开目录 …
    for (const deeper of dedupe(links.filter((a) => DEEPER.test(a.text) && a.url !== d.url)).slice(0, 3)) {
      const inner = await get(deeper.url);
      if (!inner) continue;
      trail.push(`  → ${deeper.url} 「${deeper.text}」`);
      for (const a of dedupe(
        anchors(inner.text, inner.finalUrl).filter((x) => ANNUAL.test(x.text) && !lookAlike(x.text)),
      ).slice(0, 4))
        await tryColumn(a);
      if (columns.length) break;
    }
  }
  if (columns.length === 0) return { trail: [...trail, "no 年报 column found"] };
  return {
    trail,
    entry: { name: domain, startUrls: [...new Set(columns)], allowedHosts: [...hosts].sort() },
  };
}

function dedupe(as: Anchor[]): Anchor[] {
  const seen = new Set<string>();
  return as.filter((a) => !seen.has(a.url) && seen.add(a.url) !== undefined);
}

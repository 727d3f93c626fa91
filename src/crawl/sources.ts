// The crawler's sources file: a zod schema with defaults, and a loader whose errors name the bad field.
import { readFileSync } from "node:fs";
import { z } from "zod";

/** Link text or URL naming an annual report (政府信息公开工作年度报告, 年报, 年度报告, or ndbg in a URL). */
export const DEFAULT_REPORT_PATTERNS = [
  "政府信息公开.{0,8}年度报告",
  "年度报告",
  "年报",
  "信息公开.{0,12}(?:工作)?报告",
  "ndbg",
];
/** Attachments that may hold a report. */
export const DEFAULT_ATTACHMENT_EXTENSIONS = [".pdf", ".doc", ".docx", ".wps"];
/** Link text of a pagination link. */
export const DEFAULT_NEXT_TEXT = [
  "下一页",
  "下页",
  "尾页",
  "末页",
  "后页",
  "^\\d{1,4}$",
  "^\\[\\d{1,4}\\]$",
  "^next",
  "^last",
  "^>{1,2}$",
  "^[»›]{1,2}$",
];

const regex = z.string().refine(
  (s) => {
    try {
      new RegExp(s, "iu");
      return true;
    } catch {
      return false;
    }
  },
  { message: "must be a valid regular expression" },
);

const httpUrl = z.string().refine(
  (s) => {
    try {
      const u = new URL(s);
      return u.protocol === "http:" || u.protocol === "https:";
    } catch {
      return false;
    }
  },
  { message: "must be an absolute http:// or https:// URL" },
);

const host = z
  .string()
  .regex(
    /^(\*\.)?[a-z0-9.-]+(:\d{1,5})?$/i,
    "must be a host name such as www.example.gov.cn or *.example.gov.cn",
  );

const politeness = z
  .object({
    /** Requests in flight at once to one host. */
    concurrencyPerHost: z.number().int().min(1).max(64).default(2),
    /** Minimum time between the starts of two requests to one host (robots.txt Crawl-delay can raise it). */
    delayMs: z.number().int().min(0).max(600_000).default(1000),
    /** Whole-request time limit (headers and body). */
    timeoutMs: z.number().int().min(100).max(600_000).default(30_000),
    /** Largest response body accepted; larger responses are abandoned. */
    maxBytes: z
      .number()
      .int()
      .min(1024)
      .max(200 * 1024 * 1024)
      .default(50 * 1024 * 1024),
    /** Retries after a timeout, a network error, a 5xx or a 429. */
    retries: z.number().int().min(0).max(10).default(3),
    /** First backoff; each retry doubles it. */
    backoffMs: z.number().int().min(0).max(600_000).default(1000),
    /** A 429 asking to wait longer than this fails the URL for this run. */
    maxRetryAfterMs: z.number().int().min(0).max(3_600_000).default(120_000),
    /** Redirects followed for one URL. */
    maxRedirects: z.number().int().min(0).max(20).default(5),
    /** Obey robots.txt (Disallow and Crawl-delay). */
    robots: z.boolean().default(true),
  })
  .strict();

const source = z
  .object({
    /** Unique name, used in logs and in the frontier. */
    name: z.string().min(1),
    /** Region covered, e.g. 江苏省南京市江宁区. */
    region: z.string().optional(),
    /** Issuer covered, e.g. 南京市江宁区人民政府. */
    issuer: z.string().optional(),
    /** List pages of the 政府信息公开年报 column. */
    startUrls: z.array(httpUrl).min(1),
    /** Hosts whose links are followed; defaults to the hosts of startUrls. */
    allowedHosts: z.array(host).optional(),
    linkPatterns: z
      .object({
        /** Link text or URL (regular expressions) of a report page. */
        report: z.array(regex).default(DEFAULT_REPORT_PATTERNS),
        /** Link URLs (regular expressions) of further list pages, e.g. a column per year. */
        list: z.array(regex).default([]),
        /** File extensions of attachments. */
        attachmentExtensions: z
          .array(z.string().regex(/^\.[a-z0-9]{1,8}$/i, "must look like .pdf"))
          .default(DEFAULT_ATTACHMENT_EXTENSIONS),
        /** Link URLs (regular expressions) never followed. */
        exclude: z.array(regex).default([]),
      })
      .strict()
      .prefault({}),
    pagination: z
      .object({
        /** Link text (regular expressions) of a link to another page of the list. */
        nextText: z.array(regex).default(DEFAULT_NEXT_TEXT),
        /** Link URLs (regular expressions) that are pages of the list. */
        urlPattern: z
          .array(regex)
          .default(["index_\\d+\\.s?html?$", "[?&](?:page|pageNo|pageIndex|pn|p)=\\d+"]),
        /** Expand the createPageHTML(total, current, "index", "html") scripts of common CMSs. */
        createPageHTML: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    limits: z
      .object({
        /** URLs (list pages, report pages, attachments) queued per crawl pass. */
        maxPages: z.number().int().min(1).max(1_000_000).default(2000),
        /** List pages (start pages and their pagination) queued per crawl pass. */
        maxListPages: z.number().int().min(1).max(100_000).default(200),
        /** Links followed from a start page: list → report page → attachment is depth 2. */
        maxDepth: z.number().int().min(0).max(10).default(3),
      })
      .strict()
      .prefault({}),
    /** Per-source politeness overrides. */
    politeness: politeness.partial().optional(),
  })
  .strict();

export const sourcesFileSchema = z
  .object({
    /** A URL or e-mail address where site operators can reach whoever runs the crawl. */
    contact: z.string().min(3).optional(),
    /** Replaces the whole User-Agent header (it should still name zfxxgk and a contact). */
    userAgent: z.string().min(3).optional(),
    politeness: politeness.prefault({}),
    sources: z.array(source).min(1),
  })
  .strict()
  .superRefine((f, ctx) => {
    const seen = new Set<string>();
    f.sources.forEach((s, i) => {
      if (seen.has(s.name))
        ctx.addIssue({
          code: "custom",
          path: ["sources", i, "name"],
          message: `duplicate source name "${s.name}"`,
        });
      seen.add(s.name);
    });
  });

export type SourcesFile = z.output<typeof sourcesFileSchema>;
export type Source = SourcesFile["sources"][number];
export type Politeness = z.output<typeof politeness>;

/** A source with its defaults resolved: allowed hosts and politeness filled in, patterns compiled. */
export interface ResolvedSource {
  name: string;
  region?: string;
  issuer?: string;
  startUrls: string[];
  allowedHosts: string[];
  report: RegExp[];
  list: RegExp[];
  exclude: RegExp[];
  attachmentExtensions: string[];
  nextText: RegExp[];
  paginationUrl: RegExp[];
  createPageHTML: boolean;
  limits: Source["limits"];
  politeness: Politeness;
}

export interface CrawlConfig {
  userAgent: string;
  sources: ResolvedSource[];
}

export class SourcesError extends Error {}

function fieldPath(path: PropertyKey[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || "(file)";
}

export const VERSION = "0.1";

export function userAgentFor(f: Pick<SourcesFile, "contact" | "userAgent">): string {
  if (f.userAgent) return f.userAgent;
  return f.contact
    ? `zfxxgk/${VERSION} (+${f.contact})`
    : `zfxxgk/${VERSION} (government report archiver; no contact configured)`;
}

/** Validates a parsed sources file; throws a SourcesError whose lines name each bad field. */
export function parseSources(json: unknown): CrawlConfig {
  const r = sourcesFileSchema.safeParse(json);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `${fieldPath(i.path)}: ${i.message}`);
    throw new SourcesError(lines.join("\n"));
  }
  const f = r.data;
  const re = (ss: string[]) => ss.map((s) => new RegExp(s, "iu"));
  return {
    userAgent: userAgentFor(f),
    sources: f.sources.map((s) => ({
      name: s.name,
      region: s.region,
      issuer: s.issuer,
      startUrls: s.startUrls.map((u) => new URL(u).href),
      // URL.host carries the port only when it is not the scheme's default.
      allowedHosts: (s.allowedHosts ?? s.startUrls.map((u) => new URL(u).host)).map((h) => h.toLowerCase()),
      report: re(s.linkPatterns.report),
      list: re(s.linkPatterns.list),
      exclude: re(s.linkPatterns.exclude),
      attachmentExtensions: s.linkPatterns.attachmentExtensions.map((e) => e.toLowerCase()),
      nextText: re(s.pagination.nextText),
      paginationUrl: re(s.pagination.urlPattern),
      createPageHTML: s.pagination.createPageHTML,
      limits: s.limits,
      politeness: { ...f.politeness, ...s.politeness },
    })),
  };
}

/** Reads and validates a sources file. */
export function loadSources(path: string): CrawlConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new SourcesError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let json: unknown;
  try {
    // Editors on Windows save UTF-8 with a byte-order mark, which JSON.parse refuses.
    json = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (e) {
    throw new SourcesError(`${path} is not valid JSON: ${(e as Error).message}`);
  }
  try {
    return parseSources(json);
  } catch (e) {
    if (e instanceof SourcesError) throw new SourcesError(`${path}:\n${e.message}`);
    throw e;
  }
}

/**
 * Whether a URL is http(s) on one of the allowed hosts. An entry without a port (`www.example.gov.cn`,
 * `*.example.gov.cn`) allows the default ports only (80 for http, 443 for https); `host:port` allows
 * exactly that port.
 */
export function hostAllowed(url: URL, allowed: string[]): boolean {
  if (url.protocol !== "http:" && url.protocol !== "https:") return false;
  const name = url.hostname.toLowerCase();
  // URL.port is "" for the scheme's default port.
  const port = url.port;
  return allowed.some((entry) => {
    const m = /^(.*?)(?::(\d+))?$/.exec(entry)!;
    const pattern = m[1];
    if ((m[2] ?? "") !== port && !(m[2] && Number(m[2]) === defaultPort(url.protocol) && port === ""))
      return false;
    return pattern.startsWith("*.")
      ? name.endsWith(pattern.slice(1)) || name === pattern.slice(2)
      : pattern === name;
  });
}

function defaultPort(protocol: string): number {
  return protocol === "https:" ? 443 : 80;
}

// The local web workbench (`zfxxgk serve`): an HTTP server over the same database as the command line,
// read-only unless corrections are allowed, with a strict Content-Security-Policy and no inline script.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { keyCatalog, keyInfo } from "../analyst/catalog.js";
import { type CompareBy, compare } from "../analyst/compare.js";
import { addCorrection } from "../analyst/corrections.js";
import { findReport, parseYears, UsageError } from "../analyst/filters.js";
import { ensureRegions } from "../analyst/regions.js";
import { reportDetail } from "../analyst/report-view.js";
import { formatCompare } from "../cli/commands/analyst.js";
import { Store } from "../store/store.js";
import { html, page, type Safe } from "./html.js";
import {
  type CompareForm,
  compareBody,
  correctionForm,
  diffBody,
  errorBody,
  reportsBody,
  reviewBody,
  runBody,
  runsBody,
} from "./pages.js";
import {
  cellPositions,
  changedCells,
  crawlRun,
  crawlRuns,
  diffParagraphs,
  documentBytes,
  filterChoices,
  issuerReports,
  issuerSuggestions,
  listReports,
  prose,
  type ReportFilter,
  type ReviewItem,
  reviewQueue,
  runDocuments,
} from "./queries.js";
import { reportBody } from "./report-page.js";
import { sourceView } from "./source.js";
import { xlsxWorkbook } from "./xlsx.js";

export interface ServeOptions {
  db: string;
  host?: string;
  port?: number;
  allowCorrections?: boolean;
}

export interface Workbench {
  server: Server;
  url: string;
  /** The per-launch write token (only with allowCorrections). */
  token: string | null;
  /** The address that unlocks corrections in a browser (sets the token cookie). */
  unlockUrl: string | null;
  close(): Promise<void>;
}

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

const SECURITY_HEADERS: Record<string, string> = {
  "Content-Security-Policy": CSP,
  "X-Content-Type-Options": "nosniff",
  // same-origin, not no-referrer: with no-referrer browsers send `Origin: null` on form posts.
  "Referrer-Policy": "same-origin",
  "X-Frame-Options": "DENY",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
  "Cache-Control": "no-store",
};

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
/** src/web/static, from src/web (tsx) and from dist/web alike. */
const STATIC_DIR = join(here, "..", "..", "src", "web", "static");
const UPLOT_DIR = dirname(require.resolve("uplot"));
const PDFJS_DIR = dirname(require.resolve("pdfjs-dist/package.json"));

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".bcmap": "application/octet-stream",
  ".pfb": "application/octet-stream",
  ".ttf": "font/ttf",
  ".png": "image/png",
};

/** Static files by URL: only these names, never a path taken from the request. */
function staticFile(pathname: string): string | undefined {
  const own = /^\/static\/([a-z-]+\.(?:js|css))$/.exec(pathname);
  if (own) return join(STATIC_DIR, own[1]);
  if (pathname === "/vendor/uplot/uPlot.esm.js") return join(UPLOT_DIR, "uPlot.esm.js");
  if (pathname === "/vendor/uplot/uPlot.min.css") return join(UPLOT_DIR, "uPlot.min.css");
  const pdf = /^\/vendor\/pdfjs\/(pdf\.min\.mjs|pdf\.worker\.min\.mjs)$/.exec(pathname);
  if (pdf) return join(PDFJS_DIR, "legacy", "build", pdf[1]);
  const data = /^\/vendor\/pdfjs\/(cmaps|standard_fonts)\/([A-Za-z0-9_.-]+)$/.exec(pathname);
  if (data && !data[2].startsWith(".")) return join(PDFJS_DIR, data[1], data[2]);
  return undefined;
}

function extOf(p: string): string {
  const m = /\.[a-z0-9]+$/i.exec(p);
  return m ? m[0].toLowerCase() : "";
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface Reply {
  status?: number;
  type?: string;
  body: string | Buffer;
  headers?: Record<string, string>;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = req.headers["content-type"] ?? "";
  if (!type.startsWith("application/x-www-form-urlencoded")) throw new HttpError(415, "form posts only");
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 64 * 1024) throw new HttpError(413, "form too large");
    chunks.push(c as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return decodeURIComponent(v.join("="));
  }
  return undefined;
}

function sameSecret(a: string | undefined, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const isLoopback = (host: string) => host === "127.0.0.1" || host === "localhost" || host === "::1";

export async function startWorkbench(opts: ServeOptions): Promise<Workbench> {
  if (!existsSync(opts.db))
    throw new UsageError(`no database at ${opts.db} (import reports first, or pass --db)`);
  const host = opts.host ?? "127.0.0.1";
  // One writable open brings the schema up to date and resolves regions; after that the workbench reads
  // through a read-only connection, and only corrections open a writable one.
  const setup = new Store(opts.db);
  try {
    ensureRegions(setup.db);
  } finally {
    setup.close();
  }
  const db = new Database(opts.db, { readonly: true, fileMustExist: true });
  db.pragma("busy_timeout = 5000");
  let writer: Database.Database | undefined;
  const writable = () => {
    if (!writer) {
      writer = new Database(opts.db, { fileMustExist: true });
      writer.pragma("busy_timeout = 5000");
    }
    return writer;
  };
  const allow = opts.allowCorrections === true;
  const token = allow ? randomBytes(24).toString("base64url") : null;
  const csrf = token ? createHmac("sha256", token).update("zfxxgk csrf").digest("base64url") : "";
  let queue: ReviewItem[] | undefined;
  // The filter menus' values change only with imports: read them at most once a minute.
  let choices: { at: number; values: Record<string, string[]> } | undefined;
  const menuChoices = () => {
    if (!choices || performance.now() - choices.at > 60_000)
      choices = { at: performance.now(), values: filterChoices(db) };
    return choices.values;
  };
  let origin = "";
  let allowedHosts = new Set<string>();
  let port = 0;

  /**
   * Runs a read that may first bring regions up to date (reportDetail and compare resolve regions a
   * concurrent import added): on a read-only refusal, that upkeep runs once through a short-lived
   * writable connection and the read is repeated.
   */
  const read = <T>(f: (c: Database.Database) => T): T => {
    try {
      return f(db);
    } catch (e) {
      if ((e as { code?: string }).code !== "SQLITE_READONLY") throw e;
      const w = new Database(opts.db, { fileMustExist: true });
      try {
        w.pragma("busy_timeout = 5000");
        f(w);
      } finally {
        w.close();
      }
      return f(db);
    }
  };
  const detail = (ref: string) => read((c) => reportDetail(c, ref));

  const unlocked = (req: IncomingMessage) => token !== null && sameSecret(cookie(req, "zfxxgk_write"), token);

  const frame = (
    title: string,
    active: string,
    body: Safe,
    extra: { scripts?: string[]; styles?: string[] } = {},
  ) => page({ title, active, body, writable: allow, ...extra });

  const labelOf = (key: string) => keyInfo(key)?.label ?? "";

  function reportsPage(url: URL): Reply {
    const p = url.searchParams;
    const f: ReportFilter = {};
    for (const k of [
      "issuer",
      "region",
      "level",
      "type",
      "year",
      "format",
      "tables",
      "problems",
      "where",
    ] as const) {
      const v = p.get(k);
      if (v) f[k] = v;
    }
    const t0 = performance.now();
    try {
      const list = listReports(db, f, Number(p.get("page")) || 1);
      const ms = performance.now() - t0;
      return {
        body: frame(
          "Reports",
          "/reports",
          reportsBody(f, menuChoices(), list, Number(p.get("page")) || 1, ms),
        ),
        headers: { "Server-Timing": `db;dur=${ms.toFixed(1)}` },
      };
    } catch (e) {
      if (e instanceof UsageError)
        return { status: 400, body: frame("Reports", "/reports", errorBody(e.message)) };
      throw e;
    }
  }

  async function reportPage(id: string, req: IncomingMessage): Promise<Reply> {
    const d = detail(id);
    const docId = Number(d.report.document_id);
    const doc = documentBytes(db, opts.db, docId);
    const form = String(d.report.form);
    const source = form === "pdf" ? null : await sourceView(docId, doc);
    return {
      body: frame(
        `#${d.report.report_id} ${d.report.issuer_name ?? ""} ${d.report.report_year ?? ""}`,
        "/reports",
        reportBody({
          d,
          positions: cellPositions(db, docId),
          source,
          documentAvailable: doc !== undefined,
          correctionForm:
            allow && unlocked(req)
              ? html`<div id="correct-box" class="hidden">${correctionForm(Number(d.report.report_id), "", csrf, `/reports/${d.report.report_id}`)}</div>`
              : null,
        }),
        {
          scripts: ["/static/report.js"],
        },
      ),
    };
  }

  function compareInput(url: URL): CompareForm {
    const f: CompareForm = {};
    for (const k of ["metric", "by", "years", "where", "kind", "year"] as const) {
      const v = url.searchParams.get(k);
      if (v) f[k] = v;
    }
    return f;
  }

  function runCompare(f: CompareForm) {
    let metric = f.metric?.trim() ?? "";
    if (!metric) return undefined;
    // A Chinese label typed instead of a key: take the key with the shortest label containing it.
    if (!keyInfo(metric)) metric = labelSearch(metric) ?? metric;
    return read((c) =>
      compare(c, {
        metric,
        by: (f.by as CompareBy) || "issuer",
        years: parseYears(f.years),
        where: f.where ? [f.where] : undefined,
        kind: f.kind || undefined,
      }),
    );
  }

  function comparePage(url: URL): Reply {
    const f = compareInput(url);
    const t0 = performance.now();
    try {
      const res = runCompare(f);
      const ms = performance.now() - t0;
      return {
        body: frame("Compare", "/compare", compareBody(f, res, undefined), {
          scripts: ["/static/compare.js"],
          styles: ["/vendor/uplot/uPlot.min.css"],
        }),
        headers: { "Server-Timing": `db;dur=${ms.toFixed(1)}` },
      };
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      return { status: 400, body: frame("Compare", "/compare", compareBody(f, undefined, e.message)) };
    }
  }

  function compareDownload(url: URL, format: "csv" | "xlsx"): Reply {
    const res = runCompare(compareInput(url));
    if (!res) throw new HttpError(400, "give a metric");
    const csv = formatCompare(res, "csv");
    const name = `compare-${res.metric}-${res.by}`;
    if (format === "csv")
      return {
        type: "text/csv; charset=utf-8",
        body: csv,
        headers: { "Content-Disposition": `attachment; filename="${name}.csv"` },
      };
    const rows = parseCsv(csv.replace(/^\uFEFF/, "")).map((r) =>
      r.map((v) => (/^-?\d+(\.\d+)?$/.test(v) && v.length < 16 ? Number(v) : v)),
    );
    return {
      type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
      body: xlsxWorkbook(res.metric, rows),
      headers: { "Content-Disposition": `attachment; filename="${name}.xlsx"` },
    };
  }

  function diffPage(url: URL): Reply {
    const issuer = url.searchParams.get("issuer")?.trim() ?? "";
    const reports = issuer ? issuerReports(db, issuer) : [];
    const suggestions = issuer && reports.length === 0 ? issuerSuggestions(db, issuer) : [];
    const pick = (y: string | null, fallback: number) =>
      reports.find((r) => String(r.report_year) === y) ?? reports[fallback];
    const a = reports.length >= 2 ? pick(url.searchParams.get("a"), reports.length - 2) : undefined;
    const b = reports.length >= 2 ? pick(url.searchParams.get("b"), reports.length - 1) : undefined;
    let body: Safe;
    if (a && b) {
      const da = detail(String(a.report_id));
      const db2 = detail(String(b.report_id));
      const rulesA = new Map(da.rules.map((r) => [r.rule, r.status]));
      const rulesB = new Map(db2.rules.map((r) => [r.rule, r.status]));
      const rules = [...new Set([...rulesA.keys(), ...rulesB.keys()])]
        .sort()
        .filter((r) => rulesA.get(r) !== rulesB.get(r))
        .map((r) => ({ rule: r, before: rulesA.get(r) ?? "not run", after: rulesB.get(r) ?? "not run" }));
      body = diffBody({
        issuer,
        suggestions,
        reports,
        a,
        b,
        cells: changedCells(da.cells, db2.cells),
        paragraphs: diffParagraphs(
          prose(db, Number(da.report.document_id)),
          prose(db, Number(db2.report.document_id)),
        ),
        rules,
        labelOf,
      });
    } else body = diffBody({ issuer, suggestions, reports, labelOf });
    return { body: frame("Year over year", "/diff", body) };
  }

  function positionOf(it: ReviewItem): string {
    const p = cellPositions(db, it.document_id).get(it.key);
    if (!p) return "not printed";
    const parts: string[] = [];
    if (p.page !== null) parts.push(`page ${p.page}`);
    if (p.line !== null) parts.push(`line ${p.line}`);
    if (p.table_index !== null) parts.push(`table ${p.table_index + 1}`);
    if (p.row_index !== null) parts.push(`row ${p.row_index + 1}`);
    if (p.col_index !== null) parts.push(`col ${p.col_index + 1}`);
    if (p.bbox_x !== null)
      parts.push(`box ${[p.bbox_x, p.bbox_y, p.bbox_w, p.bbox_h].map((v) => (v ?? 0).toFixed(3)).join(",")}`);
    return parts.join(", ");
  }

  function reviewPage(url: URL, req: IncomingMessage): Reply {
    queue ??= reviewQueue(db);
    const per = 25;
    const pages = Math.max(1, Math.ceil(queue.length / per));
    const p = Math.min(Math.max(1, Number(url.searchParams.get("page")) || 1), pages);
    const can = allow && unlocked(req);
    return {
      body: frame(
        "Review",
        "/review",
        reviewBody({
          items: queue.slice((p - 1) * per, p * per),
          total: queue.length,
          pageNo: p,
          pages,
          labelOf,
          positionOf,
          form: (it) => (can ? correctionForm(it.report_id, it.key, csrf, `/review?page=${p}`) : null),
          done: url.searchParams.get("done") ?? undefined,
        }),
      ),
    };
  }

  async function postCorrection(req: IncomingMessage): Promise<Reply> {
    if (!allow || !token)
      throw new HttpError(403, "read-only: start `zfxxgk serve --allow-corrections` to correct");
    // CSRF: the cookie the launch URL set (SameSite=Strict), a same-origin request, and the form's secret.
    if (!unlocked(req))
      throw new HttpError(403, "open the address printed on the terminal to allow corrections");
    const site = req.headers["sec-fetch-site"];
    if (site && site !== "same-origin") throw new HttpError(403, "cross-site request refused");
    const from = req.headers.origin;
    if (from && from !== origin) throw new HttpError(403, "cross-origin request refused");
    const form = await readForm(req);
    if (!sameSecret(form.get("csrf") ?? undefined, csrf))
      throw new HttpError(403, "bad or missing form token");
    const report = form.get("report") ?? "";
    const key = form.get("key") ?? "";
    const note = form.get("note") ?? "";
    const author = form.get("author")?.trim() || process.env.USER || undefined;
    let value = form.get("value") ?? "";
    const w = writable();
    if (form.get("action") === "confirm") {
      const r = findReport(w, report);
      const c = w
        .prepare("SELECT value, status FROM cells WHERE document_id = ? AND key = ?")
        .get(r.document_id, key) as { value: number | null; status: string } | undefined;
      if (!c) throw new UsageError(`report #${r.report_id} prints no ${key} to confirm`);
      if (c.status === "text") throw new UsageError(`${key} prints text, not a value; correct it instead`);
      value = c.status === "number" ? String(c.value) : c.status;
    }
    const o = addCorrection(w, {
      report,
      key,
      value,
      note: form.get("action") === "confirm" && note.trim() ? `confirmed as printed: ${note.trim()}` : note,
      author: author ? `${author} (web)` : "web",
    });
    queue = undefined;
    const back = form.get("back") ?? "/review";
    const target = /^\/(review|reports\/\d+)(\?[^#]*)?$/.test(back) ? back : "/review";
    const done = `${form.get("action") === "confirm" ? "confirmed" : "corrected"} #${o.report.report_id} ${o.key} → ${o.status === "number" ? o.value : o.status} (correction #${o.id})`;
    return {
      status: 303,
      body: "",
      headers: { Location: `${target}${target.includes("?") ? "&" : "?"}done=${encodeURIComponent(done)}` },
    };
  }

  function documentReply(id: number): Reply {
    const doc = documentBytes(db, opts.db, id);
    if (!doc) throw new HttpError(404, `document #${id} is not available`);
    // Served as bytes to download (never rendered here): a crawled HTML page must not run in our origin.
    return {
      type: doc.form === "pdf" ? "application/pdf" : "application/octet-stream",
      body: doc.bytes,
      headers: {
        "Content-Disposition": `attachment; filename="${doc.name}"`,
        "Content-Security-Policy": "sandbox; default-src 'none'",
      },
    };
  }

  async function route(req: IncomingMessage): Promise<Reply> {
    const url = new URL(req.url ?? "/", origin);
    const path = url.pathname;
    if (req.method === "POST") {
      if (path === "/corrections") return postCorrection(req);
      throw new HttpError(405, "not allowed");
    }
    if (req.method !== "GET" && req.method !== "HEAD") throw new HttpError(405, "not allowed");
    if (path === "/") return { status: 302, body: "", headers: { Location: "/reports" } };
    if (path === "/favicon.ico") return { status: 204, body: "" };
    if (path === "/unlock") {
      if (!token || !sameSecret(url.searchParams.get("token") ?? undefined, token))
        throw new HttpError(403, "wrong or missing token");
      return {
        status: 303,
        body: "",
        headers: {
          Location: "/review",
          "Set-Cookie": `zfxxgk_write=${token}; HttpOnly; SameSite=Strict; Path=/`,
        },
      };
    }
    if (path === "/reports") return reportsPage(url);
    let m = /^\/reports\/(\d+)$/.exec(path);
    if (m) return reportPage(m[1], req);
    m = /^\/documents\/(\d+)$/.exec(path);
    if (m) return documentReply(Number(m[1]));
    if (path === "/compare") return comparePage(url);
    if (path === "/compare.csv") return compareDownload(url, "csv");
    if (path === "/compare.xlsx") return compareDownload(url, "xlsx");
    if (path === "/diff") return diffPage(url);
    if (path === "/review") return reviewPage(url, req);
    if (path === "/runs") return { body: frame("Crawl runs", "/runs", runsBody(crawlRuns(db))) };
    m = /^\/runs\/(\d+)$/.exec(path);
    if (m) {
      const run = crawlRun(db, Number(m[1]));
      return { body: frame(`Crawl run #${run.id}`, "/runs", runBody(run, runDocuments(db, run.id))) };
    }
    const file = staticFile(path);
    if (file && existsSync(file))
      return {
        type: TYPES[extOf(file)] ?? "application/octet-stream",
        body: readFileSync(file),
        headers: { "Cache-Control": "max-age=3600" },
      };
    throw new HttpError(404, "not found");
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    // DNS rebinding: answer only to the names this server was started on.
    if (!hostAllowed((req.headers.host ?? "").toLowerCase())) {
      res.writeHead(421, { ...SECURITY_HEADERS, "Content-Type": "text/plain; charset=utf-8" });
      res.end("misdirected request");
      return;
    }
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    let reply: Reply;
    try {
      reply = await route(req);
    } catch (e) {
      const status = e instanceof HttpError ? e.status : e instanceof UsageError ? 400 : 500;
      const message = e instanceof HttpError || e instanceof UsageError ? e.message : "internal error";
      if (status === 500) process.stderr.write(`zfxxgk serve: ${(e as Error).stack ?? e}\n`);
      reply = { status, body: frame("Error", "", errorBody(message)) };
    }
    const body = typeof reply.body === "string" ? Buffer.from(reply.body, "utf8") : reply.body;
    // Server time of the whole answer (queries and rendering), read by bench/web.ts.
    const cpu = process.cpuUsage(cpu0);
    const timing = `app;dur=${(performance.now() - t0).toFixed(1)}, cpu;dur=${((cpu.user + cpu.system) / 1000).toFixed(1)}`;
    res.writeHead(reply.status ?? 200, {
      ...SECURITY_HEADERS,
      "Content-Type": reply.type ?? "text/html; charset=utf-8",
      "Content-Length": String(body.length),
      ...reply.headers,
      "Server-Timing": reply.headers?.["Server-Timing"]
        ? `${timing}, ${reply.headers["Server-Timing"]}`
        : timing,
    });
    res.end(req.method === "HEAD" ? undefined : body);
  }

  /**
   * The names this server answers to: its own, loopback names on loopback, and on a network address any
   * IP literal with its port (a rebinding attack needs a domain name, and the machine's addresses vary).
   */
  const hostAllowed = (h: string) => {
    if (allowedHosts.has(h)) return true;
    if (isLoopback(host)) return false;
    const m = /^(\[[0-9a-f:.]+\]|\d{1,3}(?:\.\d{1,3}){3}):(\d+)$/.exec(h);
    return m !== null && m[2] === String(port);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      process.stderr.write(`zfxxgk serve: ${(e as Error).stack ?? e}\n`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 8080, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  origin = `http://${shownHost}:${port}`;
  allowedHosts = new Set(
    [shownHost, ...(isLoopback(host) ? ["127.0.0.1", "localhost", "[::1]"] : [])].map((h) =>
      `${h}:${port}`.toLowerCase(),
    ),
  );
  return {
    server,
    url: origin,
    token,
    unlockUrl: token ? `${origin}/unlock?token=${token}` : null,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          db.close();
          writer?.close();
          resolve();
        });
      }),
  };
}

/** The key whose Chinese label contains the text typed (the shortest such label wins). */
function labelSearch(text: string): string | undefined {
  return keyCatalog()
    .filter((k) => k.label.includes(text))
    .sort((a, b) => a.label.length - b.label.length)[0]?.key;
}

/** RFC 4180 CSV (as formatCompare writes it) into rows of fields. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\n" || (ch === "\r" && text[i + 1] === "\n")) {
      if (ch === "\r") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += ch;
  }
  if (field || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

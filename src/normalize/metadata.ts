// Report metadata: report year (统计期限 first, then title), issuer name, admin level, issuer type, scope.

import { mapPacked } from "../packed-arrays.js";

export type AdminLevel = "national" | "provincial" | "prefecture" | "county" | "township" | "unknown";
export type IssuerType =
  | "people_government"
  | "government_office"
  | "department"
  | "town_street"
  | "functional_zone"
  | "unknown";

export interface ReportMeta {
  reportYear: number | null;
  yearSource: "period" | "title" | "text" | "none";
  titleRaw: string | null;
  issuerName: string | null;
  adminLevel: AdminLevel;
  issuerType: IssuerType;
  scope: "self" | "aggregate" | "ambiguous";
}

const plausibleYear = (y: number) => y >= 2000 && y <= 2035;

// The tail also accepts the characters of 年度报告 scrambled by a broken converter (`…公开 工作告年度报`).
const TITLE_RE =
  /((?:19|20)\d{2})\s*年\s*度?\s*((?:(?!(?:政府|政务)信息公开)[^_|｜—]){0,40})(?:政府|政务)信息公开\s*(?:工作)?\s*(?:的)?\s*(?:年度报告|年报|工作年度|情况报告|(?=[年度报告]{3,4}(?![\u4e00-\u9fff]))(?:[年度报告]{3,4}))/;
/** A title without a year: 鹤汀镇人民政府政府信息公开工作年度报告. */
const TITLE_NO_YEAR_RE = /^(.{2,40})(?:政府|政务)信息公开\s*(?:工作)?\s*(?:的)?\s*(?:年度报告|年报)$/;
const SUFFIX =
  "(?:人民政府办公厅|人民政府办公室|人民政府|政府办公室|政府办公厅|街道办事处|办事处|管理委员会|管委会|委员会|办公室|办公厅|厅|局|委|办|镇|乡|街道|中心|院|所|馆|署)";
const PROSE_ISSUER_RE = new RegExp(
  `^(?:19|20)\\d{2}\\s*年度?[，,]\\s*(?:在[^，,。]{2,30}[，,]\\s*)?([^，,。；;“”"]{2,40}?${SUFFIX})(?:认真|高度|坚持|深入|全面|积极|严格|紧紧|以|按照|围绕|进一步|扎实|始终|继续|不断|持续|切实|贯彻|紧扣|聚焦|根据|依据|全力|加强)`,
);
const STARTS_WITH_1_OR_2 = /^\s*[12]/;
const COMPILED_BY_RE = new RegExp(
  `由\\s*([^，,。；;《》]{2,40}?${SUFFIX})\\s*(?:根据|依据|按照|编制|编写|负责)`,
);
const SUBJECT_RE = new RegExp(`^([^，,。；;《》“”]{2,40}?${SUFFIX})(?:依照|根据|依据|按照)《`);
/** A line that is an issuer's name alone, or a place name alone (compiled once, not per document). */
export const ISSUER_NAME_RE = new RegExp(`^[^，,。；;：:]{2,30}${SUFFIX}$`);
const ISSUER_LINE_RE = new RegExp(`^[^，,。；;：:]{2,30}${SUFFIX}$|^[^，,。；;：:]{2,20}[省市区县旗州盟]$`);
/** A line that starts with a name and the year (`年` perhaps after a speck read as a sign). */
const TITLE_START_RE = new RegExp(
  `^([^，,。；;：:]{2,40}?${SUFFIX})(?:19|20)\\d{2}[^\\u4e00-\\u9fff]{0,2}年`,
);
export const SIGNED_DATE_RE = /^((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*\d{1,2}\s*日$/;
const GENERIC = /^(?:关于|本|我|现将|现向社会公布|向社会公布|公布|发布|印发|正文|附件)+/;

export function cleanIssuer(name: string): string | null {
  // Markup or code around a title (`# `, `var title = "`) is not part of the name.
  let n = name
    .replace(/\s+/g, "")
    .replace(/[“”"《》【】[\]]/g, "")
    // No body's name holds Latin letters: before them stands something else on the line (a scanned
    // page's menu beside its title, read as `四 wane7`).
    .replace(/^.*[A-Za-z]/, "")
    .replace(/^[^\u4e00-\u9fff]+/, "");
  // A portal's breadcrumb (首页 > 政务公开 > 政府信息公开年报) names places on the site, not the issuer:
  // only what follows its last separator may. So is a portal's menu beside a title (信息公开 |
  // 2020年江宁市…): no body's name starts with it.
  n = n
    .replace(/^.*[>›»＞]/, "")
    .replace(/^(?:当前位置|您的位置|您当前的位置|首页)[:：]?/, "")
    .replace(/^(?:首页|网站首页|政务公开|信息公开|政府信息公开)+/, "");
  n = n.replace(/^.*?(?:公布|发布|现将|印发)/, "");
  n = n.replace(GENERIC, "");
  // A town's 党政办公室 compiles the report on behalf of the town government.
  n = n.replace(/(人民政府|街道办事处|镇|乡|街道)(?:党政办公室|党政办|综合办公室|党政综合办公室)$/, "$1");
  if (n.length < 2 || /^(?:本|我)?(?:局|委|办|镇|乡|街道|单位|机关|部门|政府|本级政府)$/.test(n)) return null;
  // A notice's verb is no issuer: 关于做好2023年度政府信息公开工作年度报告…的通知.
  if (/^(?:做好|开展|加强|推进|编制|发布|报送|转发|组织|认真|进一步|全面|规范)/.test(n)) return null;
  return n;
}

export function extractMeta(lines: string[], docTitle?: string): ReportMeta {
  const joined = joinedText(lines);

  // Report year: the statistics period is authoritative; the title is next; then the commonest year.
  let reportYear: number | null = null;
  let yearSource: ReportMeta["yearSource"] = "none";
  const period =
    /统计(?:期限|时限|周期|时间|区间|期间|范围)[^。]{0,24}?((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日/.exec(
      joined,
    );
  if (period && plausibleYear(Number(period[1]))) {
    reportYear = Number(period[1]);
    yearSource = "period";
  }

  const titleCandidates = [docTitle ?? "", ...lines.slice(0, 40)];
  let titleRaw: string | null = null;
  let titleMatch: RegExpExecArray | null = null;
  for (let i = 0; i < titleCandidates.length; i++) {
    const t = titleCandidates[i];
    const m = TITLE_RE.exec(t.replace(/\s+/g, ""));
    if (m) {
      titleRaw = t.trim();
      titleMatch = m;
      // The issuer on its own line above a title that starts with the year (岫川省交通运输厅 / 2024 年…).
      const before = i >= 2 ? titleCandidates[i - 1].replace(/\s+/g, "") : "";
      if (m.index === 0 && m[2] === "" && ISSUER_LINE_RE.test(before)) {
        titleRaw = `${titleCandidates[i - 1].trim()}${titleRaw}`;
      }
      break;
    }
  }
  if (!titleMatch) {
    // A title split over two lines: 2024 年上海市科委政府信息公开工作 / 年度报告. On a scan a speck
    // read as a character or two may stand on a line between the halves.
    const speck = (l: string) => l.replace(/\s+/g, "").length <= 2;
    for (let i = 0; i + 1 < Math.min(lines.length, 40) && !titleMatch; i++) {
      for (const j of [i + 1, i + 2]) {
        if (j >= lines.length || (j === i + 2 && !speck(lines[i + 1]))) continue;
        const two = `${lines[i]}${lines[j]}`.replace(/\s+/g, "");
        const m = TITLE_RE.exec(two);
        if (m && two.length < 80) {
          titleRaw = `${lines[i]}${lines[j]}`.trim();
          titleMatch = m;
          break;
        }
      }
    }
  }
  if (reportYear === null && titleMatch && plausibleYear(Number(titleMatch[1]))) {
    reportYear = Number(titleMatch[1]);
    yearSource = "title";
  }
  if (reportYear === null) {
    const short = /((?:19|20)\d{2})\s*年(?:报|度报告)/.exec(joined);
    if (short && plausibleYear(Number(short[1]))) {
      reportYear = Number(short[1]);
      yearSource = "title";
    }
  }
  if (reportYear === null) {
    // A paragraph that opens with the year it describes: "2023年，街道…".
    for (const l of lines) {
      const m = /^\s*((?:19|20)\d{2})\s*年度?\s*[，,]/.exec(l);
      if (m && plausibleYear(Number(m[1]))) {
        reportYear = Number(m[1]);
        yearSource = "text";
        break;
      }
    }
  }
  if (reportYear === null) {
    // Reports are published early in the following year: a closing or published date gives year − 1.
    for (const l of [...lines.slice(-6), ...lines.slice(0, 10)]) {
      const m =
        SIGNED_DATE_RE.exec(l.trim()) ?? /发布(?:时间|日期)[:：]?\s*((?:19|20)\d{2})[-./年](\d{1,2})/.exec(l);
      if (m && Number(m[2]) <= 6 && plausibleYear(Number(m[1]) - 1)) {
        reportYear = Number(m[1]) - 1;
        yearSource = "text";
        break;
      }
    }
  }
  if (reportYear === null) {
    const counts = new Map<number, number>();
    for (const m of joined.matchAll(/((?:19|20)\d{2})\s*年/g)) {
      const y = Number(m[1]);
      if (plausibleYear(y)) counts.set(y, (counts.get(y) ?? 0) + 1);
    }
    const top = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0];
    if (top) {
      reportYear = top[0];
      yearSource = "text";
    }
  }

  // Issuer: the title; then "由X编制", "X依照《条例》…", and the first prose sentence "2020年，X认真…".
  // A later candidate that names the title's issuer more fully (漱石乡 → 漱石乡人民政府) wins.
  const candidates: string[] = [];
  if (titleMatch) {
    const pre = (titleRaw ?? "").replace(/\s+/g, "").split(titleMatch[1])[0] ?? "";
    const candidate = cleanIssuer(`${pre.replace(/.*[，,。：:；;]/, "")}${titleMatch[2]}`);
    if (candidate) candidates.push(candidate);
  }
  if (!titleMatch) {
    for (const l of [docTitle ?? "", ...lines.slice(0, 10)]) {
      const m = TITLE_NO_YEAR_RE.exec(l.replace(/\s+/g, ""));
      const name = m ? cleanIssuer(m[1]) : null;
      if (name) {
        candidates.push(name);
        titleRaw ??= l.trim();
        break;
      }
    }
  }
  const compiled = COMPILED_BY_RE.exec(joined);
  if (compiled) candidates.push(cleanIssuer(compiled[1]) ?? "");
  for (const l of lines.slice(0, 60)) {
    // The pattern ends in 《: a line without one cannot match, and is not copied without its spaces.
    if (!l.includes("《")) continue;
    const m = SUBJECT_RE.exec(l.replace(/\s+/g, ""));
    if (m) {
      candidates.push(cleanIssuer(m[1]) ?? "");
      break;
    }
  }
  for (const l of lines) {
    // The pattern opens with a year: a line whose first printed character is no digit 1 or 2 cannot
    // match, and is not copied without its spaces.
    if (!STARTS_WITH_1_OR_2.test(l)) continue;
    const m = PROSE_ISSUER_RE.exec(l.replace(/\s+/g, ""));
    const name = m ? cleanIssuer(m[1]) : null;
    if (name) {
      candidates.push(name);
      break;
    }
  }
  // Last resort: the signature that closes the report (澄霁街道办事处 / 2024年1月22日).
  const tail = lines.slice(-6);
  for (let i = tail.length - 2; i >= 0; i--) {
    if (SIGNED_DATE_RE.test(tail[i + 1].trim()) && ISSUER_NAME_RE.test(tail[i].replace(/\s+/g, ""))) {
      candidates.push(cleanIssuer(tail[i]) ?? "");
      break;
    }
  }
  const named = candidates.filter((c) => c !== "");
  let issuerName: string | null = named[0] ?? null;
  if (issuerName) {
    const fuller = named.find(
      (c) =>
        c.length > issuerName!.length &&
        c.startsWith(issuerName!) &&
        /(?:人民政府|办事处|管理委员会|管委会)$/.test(c),
    );
    if (fuller) issuerName = fuller;
    issuerName = bodyNamed(issuerName, joined);
  }
  if (!issuerName) {
    for (const l of lines.slice(0, 10)) {
      const m = /(?:19|20)\d{2}\s*年报[_\-—\s]+([^\s_]{2,30})$/.exec(l.trim());
      if (m) {
        issuerName = cleanIssuer(m[1]);
        break;
      }
    }
  }

  return { reportYear, yearSource, titleRaw, ...issuerFacts(issuerName, joined) };
}

/**
 * The body a name stands for in the document: a bare place name (江宁市) is the government when the
 * document itself prints 江宁市人民政府; a functional zone's name is its 管理委员会 when the document
 * prints that.
 */
export function bodyNamed(name: string, joined: string): string {
  if (/[省市区县州旗盟]$/.test(name) && joined.includes(`${name}人民政府`)) return `${name}人民政府`;
  if (ZONE.test(name) && !/人民政府$/.test(name)) {
    const committee = new RegExp(`${name}(管理委员会|管委会)`).exec(joined);
    if (committee) return name + committee[1];
  }
  return name;
}

/** An issuer's name with its type, level and the report's scope, judged from the name and the text. */
export function issuerFacts(
  issuerName: string | null,
  joined: string,
): Pick<ReportMeta, "issuerName" | "adminLevel" | "issuerType" | "scope"> {
  const issuerType = classifyType(issuerName, joined);
  const adminLevel = classifyLevel(issuerName, issuerType, joined);
  let scope: ReportMeta["scope"] = "self";
  if (issuerType === "functional_zone") scope = "ambiguous";
  else if (
    issuerType === "people_government" &&
    /(?:全市|全区|全县|全省)/.test(joined) &&
    /汇总|各部门|各级行政机关|综合/.test(joined)
  )
    scope = "aggregate";
  return { issuerName, adminLevel, issuerType, scope };
}

/** The text of a document's lines as extractMeta joins it for its searches. */
export function joinedText(lines: string[]): string {
  // The lines run together, and so do the lines inside a line (a cell's <br>).
  const joined = lines.join("");
  return (joined.includes("\n") ? joined.replace(/\n/g, "") : joined).replace(/[ \t\u3000]+/g, " ");
}

/** A name a line offers for the issuer, and how it was found: 0 a title, 1 a sentence naming its subject, 2 由…编制. */
export interface NameInLine {
  name: string;
  rank: 0 | 1 | 2;
}

/**
 * Every name one line of a scan offers for its issuer, by the patterns extractMeta reads a title, the
 * opening sentence, 依照《条例》 and 由…编制 with, ranked as extractMeta prefers them; and a line that
 * starts with a name and the year (the first line of a title wrapped over two).
 */
export function issuerNamesIn(line: string): NameInLine[] {
  const l = line.replace(/\s+/g, "");
  const out: NameInLine[] = [];
  const add = (name: string | null, rank: NameInLine["rank"]) => {
    if (name && name.length >= 3) out.push({ name, rank });
  };
  const title = TITLE_RE.exec(l);
  if (title) add(cleanIssuer(`${l.slice(0, title.index).replace(/.*[，,。：:；;]/, "")}${title[2]}`), 0);
  const start = TITLE_START_RE.exec(l);
  if (start) add(cleanIssuer(start[1]), 0);
  for (const re of [PROSE_ISSUER_RE, SUBJECT_RE]) {
    const m = re.exec(l);
    if (m) add(cleanIssuer(m[1]), 1);
  }
  const compiled = COMPILED_BY_RE.exec(l);
  if (compiled) add(cleanIssuer(compiled[1]), 2);
  return out;
}

/** A title's second line that starts with the year (岫川省交通运输厅 / 2024 年…报告), perhaps misread after it. */
export const YEAR_TITLE_LINE_RE = /^(?:19|20)\d{2}年?.{0,8}(?:政府|政务|信息|公开|工作|年度|报告)/;

/**
 * Functional zones (report-format.md §10.3): development zones, new areas, experimental zones and parks
 * run by a 管理委员会 rather than a people's government (平潭综合实验区, 西咸新区, 苏州工业园区).
 */
const ZONE =
  /开发区|经开区|高新区|新区|园区|示范区|保税区|自贸区|实验区|试验区|合作区|先行区|功能区|管委会|管理委员会/;

function classifyType(name: string | null, text: string): IssuerType {
  if (!name) {
    if (/我(?:镇|乡|街道)|本(?:镇|乡|街道)/.test(text)) return "town_street";
    if (/我(?:局|委|办|中心)|本(?:局|委|中心)/.test(text)) return "department";
    return "unknown";
  }
  // A district named 新区 that has a people's government (上海市浦东新区人民政府) is a county-level government.
  if (ZONE.test(name) && !/(?:局|办公室|人民政府)$/.test(name)) return "functional_zone";
  if (/(?:镇|乡|街道|街道办事处|办事处)(?:人民政府)?$/.test(name)) return "town_street";
  if (/(?:政府办公厅|政府办公室|政府办)$/.test(name)) return "government_office";
  if (/人民政府$/.test(name) || /^[^局委办]{2,12}[省市区县旗州盟]$/.test(name)) return "people_government";
  if (/(?:局|委员会|委|办|办公室|办公厅|厅|中心|馆|院|所|支队|大队|署|站)$/.test(name)) return "department";
  return "unknown";
}

const PROVINCES =
  /^(?:北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|四川|贵州|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆)/;

function classifyLevel(name: string | null, type: IssuerType, text: string): AdminLevel {
  if (type === "town_street") return "township";
  if (name) {
    if (/^国务院|^国家|^中华人民共和国/.test(name)) return "national";
    const body = name.replace(/(?:人民政府|办公厅|办公室)$/, "");
    if (
      /[县旗]|(?:区|自治县)(?!域)/.test(
        body.replace(/^(?:北京|天津|上海|重庆)市/, "").replace(/(?:开发区|新区|园区)$/, "区"),
      )
    )
      return "county";
    if (
      /^(?:北京|天津|上海|重庆)市/.test(name) ||
      /[省]|自治区/.test(body) ||
      (PROVINCES.test(name) && /^[^市]*(?:省|自治区)/.test(name))
    )
      return "provincial";
    if (/市|州|盟|地区/.test(body)) return "prefecture";
  }
  if (/区政府|区委|县政府|县委|全区|全县/.test(text)) return "county";
  if (/市政府|市委|全市/.test(text)) return "prefecture";
  return "unknown";
}

// ---------------------------------------------------------------- is this a report?

/** Section headings of a report (both templates, and the pre-2019 skeleton, report-format.md §1.3, §9.1). */
const REPORT_HEADINGS = [
  /总体情况|^概述$/,
  /主动公开政府信息(?:情况)?$|主动公开情况$/,
  /收到和处理政府信息公开申请|依申请公开(?:政府信息)?(?:办理)?情况/,
  /行政复议.{0,12}行政诉讼|复议和(?:行政)?诉讼/,
  /存在的主要问题|问题及改进|问题和改进/,
  /其他需要报告的事项|其他报告事项|需要说明的事项/,
];

/** Titles of documents that mention annual reports without being one (report-format.md §10.5). */
const NOT_A_REPORT_TITLES: [RegExp, string][] = [
  [/^关于.{0,60}(?:通知|通报|函|意见|方案|办法|规定)$|(?:的|工作)通知$/, "a notice (通知), not a report"],
  [/信息公开指南/, "a 政府信息公开指南 (disclosure guide), not a report"],
  [/年度报告制度|报告制度$/, "rules on the reporting system, not a report"],
  [/法治政府建设/, "a 法治政府建设年度报告 (rule-of-law report), not a 政府信息公开 report"],
  [/解读/, "an explainer (解读) of a report, not the report itself"],
];

export interface ReportEvidence {
  isReport: boolean;
  /** What the decision rests on, for the import log. */
  reason: string;
}

/**
 * Decides on evidence whether a document is a 政府信息公开工作年度报告: printed table values, the 统计期限
 * sentence, the report's section headings or its title. Notices, guides, rule-of-law reports, explainers
 * and lists of reports are refused by their title unless they print table values.
 */
export function reportEvidence(
  lines: string[],
  meta: ReportMeta,
  printedValues: boolean,
  docTitle?: string,
): ReportEvidence {
  if (printedValues) return { isReport: true, reason: "statistical tables with printed values" };
  const heads = mapPacked([docTitle ?? "", ...lines.filter((l) => l.trim() !== "").slice(0, 3)], (l) =>
    l.replace(/\s+/g, ""),
  ).filter((l) => l !== "" && l.length <= 80 && !/。/.test(l));
  for (const h of heads) {
    // A portal <title> carries the site name after a separator: 关于…的通知_某市人民政府.
    const bare = h.split(/[_|｜]/)[0].replace(/[-—]+[^-—]*$/, "");
    for (const [re, why] of NOT_A_REPORT_TITLES) if (re.test(bare)) return { isReport: false, reason: why };
  }
  const titles = new Set(
    mapPacked(lines, (l) => l.replace(/\s+/g, "")).filter((l) => l.length <= 80 && TITLE_RE.test(l)),
  );
  const short = lines.filter((l) => l.replace(/\s+/g, "").length <= 40);
  const headings = new Set<number>();
  for (const l of short) {
    const body = l
      .replace(/\s+/g, "")
      .replace(
        /^(?:[一二三四五六七八九十]+[、.．]|\(?[一二三四五六七八九十]+\)|（[一二三四五六七八九十]+）)/,
        "",
      );
    REPORT_HEADINGS.forEach((re, i) => {
      if (re.test(body)) headings.add(i);
    });
  }
  if (titles.size >= 3 && headings.size < 2)
    return {
      isReport: false,
      reason: `a list of ${titles.size} reports (an index or table of contents), not a report`,
    };
  if (meta.yearSource === "period") return { isReport: true, reason: "统计期限 sentence" };
  if (headings.size >= 2) return { isReport: true, reason: "report section headings" };
  if (meta.titleRaw) return { isReport: true, reason: "report title" };
  return {
    isReport: false,
    reason: "no report evidence: no table values, no 统计期限 sentence, no report section headings or title",
  };
}

// Documents that look like 政府信息公开工作年度报告 but are not: judged by title before and after download.

// Link text or a document's title is enough when it names one of these; a real report's title never does.
const LOOK_ALIKES: [RegExp, string][] = [
  [/法治政府建设/u, "法治政府建设 report, not a 政府信息公开 annual report"],
  [/政务公开.{0,8}要点|信息公开.{0,6}工作要点/u, "政务公开工作要点 (work plan)"],
  [/信息公开指南/u, "政府信息公开指南 (guide)"],
  [/申请表|申请书|登记表/u, "application form"],
  [/关于(?:做好|编制|编写|报送|开展|组织|印发).{0,60}(?:通知|函)/u, "notice about the reports"],
  [/(?:工作|编制).{0,4}(?:通知|提示)$/u, "notice"],
  [/统计公报|国民经济和社会发展统计/u, "statistical bulletin"],
  [/(?:政务公开|信息公开).{0,6}(?:工作)?(?:方案|计划|制度|规定|办法)/u, "rules or plans, not a report"],
  [/依申请公开流程|流程图/u, "procedure page"],
];

/** Why a title names a look-alike, or undefined when it may be a report. */
export function lookAlike(title: string): string | undefined {
  const t = title.replace(/\s+/g, "");
  if (!t) return undefined;
  for (const [re, why] of LOOK_ALIKES) if (re.test(t)) return why;
  return undefined;
}

/**
 * Whether a processed document without any statistical table is not a report: its title names a
 * look-alike, or it never speaks of 政府信息公开 at all (e.g. a 法治政府建设 report that says 年度报告).
 */
export function notAReport(title: string, text: string): string | undefined {
  const byTitle = lookAlike(title);
  if (byTitle) return byTitle;
  if (!/(?:政府|政务)信息公开/u.test(text)) return "no 政府信息公开 text and no statistical tables";
  return undefined;
}

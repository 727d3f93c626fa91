// Reads template labels that hold unknown characters (U+FFFD: glyphs a PDF's fonts could not map) by the
// template text they can only be: `行政许�` is 行政许可, `二��年结转政府信息公开申请数量` is 上年结转….
// A label is read only when exactly one template label fits it, each unknown character standing for one
// character or for punctuation, and at least half of that label's characters are printed as such.
// The caller flags every label read this way (`label_partially_read`); values are never read like this.
import { T2_ROWS, T3_COLUMN_HEADINGS, T3_ROWS } from "./template.js";
import { labelKey } from "./text.js";

/** Headers, headings and captions of the templates, beside the row labels of Tables 2 and 3. */
const FIXED_LABELS = [
  "一、总体情况",
  "二、主动公开政府信息情况",
  "三、收到和处理政府信息公开申请情况",
  "四、政府信息公开行政复议、行政诉讼情况",
  "五、存在的主要问题及改进情况",
  "六、其他需要报告的事项",
  ...["一", "五", "六", "八", "九"].map((n) => `第二十条第（${n}）项`),
  "信息内容",
  "本年新制作数量",
  "本年新公开数量",
  "对外公开总数量",
  "本年制发件数",
  "本年废止件数",
  "现行有效件数",
  "上一年项目数量",
  "本年增/减",
  "处理决定数量",
  "采购项目数量",
  "采购总金额",
  "许可类别",
  "收费金额（单位：万元）",
  "（本列数据的勾稽关系：第一项加第二项之和，等于第三项加第四项之和）",
  "申请人情况",
  "法人或其他组织",
  ...T3_COLUMN_HEADINGS,
  "行政复议",
  "行政诉讼",
  "结果维持",
  "结果纠正",
  "其他结果",
  "尚未审结",
  "未经复议直接起诉",
  "复议后起诉",
];

let knownKeys: string[] | undefined;

/** Every template label as its matching key, once. */
function templateKeys(): string[] {
  knownKeys ??= [
    ...new Set(
      [
        ...FIXED_LABELS,
        ...T2_ROWS.flatMap((r) => r.prefixes),
        "其他对外管理服务事项",
        ...T3_ROWS.map((r) => r.label),
        "属于国家秘密",
      ].map(labelKey),
    ),
  ];
  return knownKeys;
}

/** A leading ordinal whose brackets or comma may be unknown: `�一�`, `二�`, `3.`, `(�)`. */
const ORDINAL =
  /^(?:[\ufffd(（]?[一二三四五六七八九十]{1,2}[\ufffd)）、.．]|[\ufffd(（]?\d{1,2}[\ufffd)）、.．])/;

export interface PartialLabel {
  printed: string;
  /** The printed text with its unknown characters read from the template label (ordinal kept as printed). */
  read: string;
}

const cache = new Map<string, PartialLabel | undefined>();

/**
 * The template reading of a label that holds U+FFFD, or undefined when none or more than one template
 * label fits it. Labels without U+FFFD are never read here.
 */
export function readPartialLabel(text: string): PartialLabel | undefined {
  if (!text.includes("\ufffd")) return undefined;
  // A provincial annotation in brackets after the label (`其他对外管理服务事项(指行政许可证以外的…)`):
  // the label before it is read, the annotation kept as printed.
  const open = text.search(/[(（]\s*[^\s\ufffd)）一二三四五六七八九十\d]{2}/);
  if (open > 1) {
    const head = readPartialLabel(text.slice(0, open));
    return head ? { printed: text, read: `${head.read}${text.slice(open)}` } : undefined;
  }
  if (text.length > 60) return undefined;
  if (cache.has(text)) return cache.get(text);
  const trimmed = text.trim();
  const ordinal = ORDINAL.exec(trimmed)?.[0] ?? "";
  const body = labelKey(trimmed.slice(ordinal.length));
  const literal = [...body].filter((ch) => ch !== "\ufffd").length;
  let result: PartialLabel | undefined;
  if (literal >= 1 && /[^\ufffd]/.test(body)) {
    const pattern = new RegExp(
      `^${[...body].map((ch) => (ch === "\ufffd" ? "(.?)" : ch.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))).join("")}$`,
      "u",
    );
    const fits = templateKeys().filter((k) => literal * 2 >= [...k].length && pattern.test(k));
    if (fits.length === 1) {
      const keptOrdinal = ordinal.replace(/\ufffd/g, "").replace(/^([一二三四五六七八九十]+)$/, "$1、");
      result = { printed: text, read: `${keptOrdinal}${fits[0]}` };
    }
  }
  if (cache.size > 5000) cache.clear();
  cache.set(text, result);
  return result;
}

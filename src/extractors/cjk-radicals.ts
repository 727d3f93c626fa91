// CJK radical code points in PDF text layers → the ideographs that were printed.
//
// A CJK font maps a glyph such as 民 from several code points (U+6C11 民 and the radical U+2EA0 ⺠). A PDF
// printer that subsets the font writes one code point per glyph into the /ToUnicode map, and some (Skia,
// as in Chromium's print to PDF) pick the lowest: the text layer then says 人⺠政府 where the page shows
// 人民政府. Kangxi radicals (U+2F00–U+2FD5) are folded by NFKC; the CJK Radicals Supplement is not, so its
// radicals are mapped here to their equivalent unified ideographs (Unicode EquivalentUnifiedIdeograph).

const EQUIVALENT: Record<string, string> = {
  "\u2e81": "厂",
  "\u2e85": "亻",
  "\u2e89": "刂",
  "\u2e8a": "卜",
  "\u2e92": "巳",
  "\u2e93": "幺",
  "\u2e96": "忄",
  "\u2e97": "心",
  "\u2e98": "扌",
  "\u2e99": "攵",
  "\u2e9c": "日",
  "\u2e9d": "月",
  "\u2e9f": "母",
  "\u2ea0": "民",
  "\u2ea1": "氵",
  "\u2ea3": "灬",
  "\u2ea7": "牛",
  "\u2ea8": "犭",
  "\u2ea9": "王",
  "\u2eac": "示",
  "\u2ead": "礻",
  "\u2eb0": "纟",
  "\u2eb6": "羊",
  "\u2ebb": "聿",
  "\u2ebc": "肉",
  "\u2ebd": "臼",
  "\u2ebe": "艹",
  "\u2ec1": "虎",
  "\u2ec2": "衤",
  "\u2ec4": "西",
  "\u2ec5": "见",
  "\u2ec6": "角",
  "\u2ec8": "讠",
  "\u2ec9": "贝",
  "\u2eca": "足",
  "\u2ecb": "车",
  "\u2ecc": "辶",
  "\u2ecf": "阝",
  "\u2ed0": "钅",
  "\u2ed1": "長",
  "\u2ed3": "长",
  "\u2ed4": "门",
  "\u2ed6": "阝",
  "\u2ed7": "雨",
  "\u2ed8": "青",
  "\u2ed9": "韦",
  "\u2eda": "页",
  "\u2edb": "风",
  "\u2edc": "飞",
  "\u2edd": "食",
  "\u2ee0": "饣",
  "\u2ee2": "马",
  "\u2ee3": "骨",
  "\u2ee4": "鬼",
  "\u2ee5": "鱼",
  "\u2ee6": "鸟",
  "\u2ee7": "卤",
  "\u2ee8": "麦",
  "\u2ee9": "黄",
  "\u2eea": "黾",
  "\u2eeb": "斉",
  "\u2eec": "齐",
  "\u2eed": "歯",
  "\u2eee": "齿",
  "\u2eef": "竜",
  "\u2ef0": "龙",
  "\u2ef1": "龜",
  "\u2ef2": "亀",
  "\u2ef3": "龟",
};

const RADICAL = /[\u2e80-\u2eff]/g;

/** The text with CJK Radicals Supplement code points replaced by the ideographs they stand for. */
export function unifyRadicals(text: string): string {
  if (!/[\u2e80-\u2eff]/.test(text)) return text;
  return text.replace(RADICAL, (ch) => EQUIVALENT[ch] ?? ch);
}

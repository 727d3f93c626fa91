// DOCX and legacy word-processor extraction: the project's DOCX reports, Word-style variants, zip defences.
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import mammoth from "mammoth";
import { describe, expect, it } from "vitest";
import { findGoldPairs, scoreDocument } from "../../src/eval/score.js";
import { extractDocx, openDocx, outerElements, prepareDocumentXml } from "../../src/extractors/docx.js";
import { DocumentError } from "../../src/extractors/errors.js";
import { detectForm, extract } from "../../src/extractors/index.js";
import { extractLegacy, findSoffice } from "../../src/extractors/legacy.js";
import { importFiles } from "../../src/import/importer.js";
import type { TableBlock } from "../../src/model/document.js";
import { Store } from "../../src/store/store.js";
import { libreOfficeConverts, projectRoot, tempDir } from "../helpers.js";
import { type BuildEntry, buildZip, deflatedZeros, minimalDocx } from "./zip-builder.js";

const docxDir = join(projectRoot, "corpus", "docx");
const legacyDir = join(projectRoot, "test", "fixtures", "legacy");
const tables = (m: { blocks: { kind: string }[] }) =>
  m.blocks.filter((b): b is TableBlock => b.kind === "table");

/** The error extract() raises for these bytes, and how long it took to raise it. */
async function failure(bytes: Uint8Array): Promise<{ error: DocumentError; ms: number }> {
  const t0 = performance.now();
  try {
    await extract(bytes);
  } catch (e) {
    if (!(e instanceof DocumentError)) throw e;
    return { error: e, ms: performance.now() - t0 };
  }
  throw new Error("extract() accepted the document");
}

/** Rebuilds a DOCX with its document.xml rewritten, and other parts replaced or added. */
function rewriteDocx(
  bytes: Uint8Array,
  f: (xml: string) => string,
  parts: Record<string, string> = {},
): Buffer {
  const { zip, main } = openDocx(bytes);
  const entries: BuildEntry[] = [...zip.entries.keys()]
    .filter((name) => !(name in parts))
    .map((name) => ({ name, data: name === main ? Buffer.from(f(zip.text(main))) : zip.read(name) }));
  for (const [name, text] of Object.entries(parts)) entries.push({ name, data: Buffer.from(text) });
  return buildZip(entries);
}

const W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"';
/** Three list levels as government reports number them: 三、 （一） 1. */
const REPORT_LEVELS = `<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:suff w:val="nothing"/><w:lvlText w:val="%1、"/></w:lvl><w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:suff w:val="nothing"/><w:lvlText w:val="（%2）"/></w:lvl><w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%3."/></w:lvl>`;
const numberingPart = (nums: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><w:numbering ${W_NS}><w:abstractNum w:abstractNumId="0">${REPORT_LEVELS}</w:abstractNum>${nums}</w:numbering>`;

/**
 * Table 3 as Word users often make it: its row labels' numbers (一、 （三） 1.) are not typed but drawn by
 * one numbered list (w:numPr), whose counters restart under each parent.
 */
function numberTable3Labels(xml: string): string {
  const [s, e] = tableHolding(xml, "申请人情况");
  const label =
    /<w:p>(<w:pPr>(?:(?!<\/w:pPr>)[\s\S])*<\/w:pPr>)?((?:(?!<\/w:p>|<w:p>|<w:t[\s>])[\s\S])*)<w:t([^>]*)>(?:（[一二三四五六七八九十]+）()|[一二三四五六七八九十]+、()|\d+\.(?!\d)())/g;
  let n = 0;
  const table = xml.slice(s, e).replace(label, (_all, pPr, mid, attrs, l1, l0) => {
    n++;
    const level = l0 !== undefined ? 0 : l1 !== undefined ? 1 : 2;
    const numPr = `<w:numPr><w:ilvl w:val="${level}"/><w:numId w:val="1"/></w:numPr>`;
    return `<w:p>${pPr ? pPr.replace("<w:pPr>", `<w:pPr>${numPr}`) : `<w:pPr>${numPr}</w:pPr>`}${mid}<w:t${attrs}>`;
  });
  if (n < 25) throw new Error(`only ${n} Table 3 labels numbered`);
  return xml.slice(0, s) + table + xml.slice(e);
}

/** Scores DOCX bytes against a gold file of the corpus, through the import path. */
async function scoreBytes(bytes: Buffer, gold: string) {
  const dir = tempDir("zfxxgk-docx-");
  const doc = join(dir, "variant.docx");
  writeFileSync(doc, bytes);
  copyFileSync(gold, `${doc}.gold.json`);
  return scoreDocument(doc, `${doc}.gold.json`);
}

/** The range of the innermost table holding `text`. */
function tableHolding(xml: string, text: string): [number, number] {
  const at = xml.indexOf(text);
  let best: [number, number] | undefined;
  for (const m of xml.matchAll(/<w:tbl>/g)) {
    const [r] = outerElements(xml, "w:tbl", m.index);
    if (r && r[0] < at && at < r[1] && (!best || r[1] - r[0] < best[1] - best[0])) best = r;
  }
  if (!best) throw new Error(`no table holds ${text}`);
  return best;
}

const A_NS = 'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"';
const drawingBox = (content: string) =>
  `<w:drawing><wp:anchor><a:graphic ${A_NS}><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:wsp><wps:txbx><w:txbxContent>${content}<w:p/></w:txbxContent></wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing>`;
const vmlBox = (content: string) =>
  `<w:pict><v:shape><v:textbox><w:txbxContent>${content}<w:p/></w:txbxContent></v:textbox></v:shape></w:pict>`;

describe("DOCX reports of the project's corpus", () => {
  const pairs = findGoldPairs([docxDir]);
  it("has DOCX reports in both template versions, with real Word merges", () => {
    expect(pairs.length).toBeGreaterThanOrEqual(2);
    const versions = new Set(pairs.map((p) => JSON.parse(readFileSync(p.gold, "utf8")).format_version));
    expect(versions).toEqual(new Set(["GOP2019", "GOP2021"]));
    for (const p of pairs) {
      const { zip, main } = openDocx(readFileSync(p.doc));
      const xml = zip.text(main);
      expect(xml).toContain("<w:gridSpan");
      expect(xml).toContain("<w:vMerge");
    }
  });
  for (const p of pairs) {
    it(`${p.doc.split("/").pop()}: every gold cell exact, metadata right`, async () => {
      const s = await scoreDocument(p.doc, p.gold);
      expect(s.details.filter((d) => d.outcome !== "exact")).toEqual([]);
      expect(s.metaWrong).toEqual([]);
      expect(s.cells).toBeGreaterThanOrEqual(186);
    });
  }
  it("turns gridSpan and vMerge into colspan and rowspan copies in the grid", async () => {
    const model = await extractDocx(readFileSync(join(docxDir, "jiangning-2019-word.docx")));
    expect(model.form).toBe("docx");
    expect(model.title).toContain("2019年政府信息公开工作年度报告");
    const t3 = tables(model).find((t) => t.rows.some((r) => r.some((c) => c.text === "申请人情况")))!;
    expect(t3.rows.every((r) => r.length === 10)).toBe(true);
    const cells = t3.rows.flat();
    expect(cells.some((c) => c.origin && c.colspan > 1)).toBe(true);
    expect(cells.some((c) => c.origin && c.rowspan > 1)).toBe(true);
    const natural = cells.find((c) => c.text === "自然人" && c.origin)!;
    expect(natural.rowspan).toBe(2);
    expect(t3.rows[natural.originRow + 1][natural.originCol]).toMatchObject({
      text: "自然人",
      origin: false,
    });
  });
});

describe("Word-style DOCX variants of a corpus report", () => {
  const source = readFileSync(join(docxDir, "jiangning-2022-word.docx"));
  const gold = join(docxDir, "jiangning-2022-word.docx.gold.json");
  const exact = async (bytes: Buffer) => {
    const s = await scoreBytes(bytes, gold);
    expect(s.details.filter((d) => d.outcome !== "exact")).toEqual([]);
    expect(s.metaWrong).toEqual([]);
  };

  it("keeps vertical merges written Word's way (<w:vMerge/>) with bookmarks between cells", async () => {
    const bytes = rewriteDocx(source, (xml) =>
      xml
        .replace(/<w:vMerge w:val="continue"\/>/g, "<w:vMerge/>")
        .replace(/<\/w:tc><w:tc>/g, '</w:tc><w:bookmarkStart w:id="9" w:name="_Toc1"/><w:tc>'),
    );
    // mammoth alone drops every merge of a table with a bookmark between its cells
    const raw = await mammoth.convertToHtml({ buffer: bytes });
    expect(raw.value).not.toContain("rowspan");
    const merged = tables(await extractDocx(bytes)).flatMap((t) =>
      t.rows.flat().filter((c) => c.rowspan > 1),
    );
    expect(merged.length).toBeGreaterThan(10);
    await exact(bytes);
  });

  for (const [name, wrap] of [
    [
      "a DrawingML text box (no fallback)",
      (t: string) =>
        `<mc:AlternateContent><mc:Choice Requires="wps">${drawingBox(t)}</mc:Choice></mc:AlternateContent>`,
    ],
    ["a bare DrawingML drawing", drawingBox],
    [
      "a text box with a VML fallback",
      (t: string) =>
        `<mc:AlternateContent><mc:Choice Requires="wps">${drawingBox(t)}</mc:Choice><mc:Fallback>${vmlBox(t)}</mc:Fallback></mc:AlternateContent>`,
    ],
  ] as const) {
    it(`reads Table 3 placed inside ${name}`, async () => {
      const bytes = rewriteDocx(source, (xml) => {
        const [s, e] = tableHolding(xml, "申请人情况");
        return `${xml.slice(0, s)}<w:p><w:r>${wrap(xml.slice(s, e))}</w:r></w:p>${xml.slice(e)}`;
      });
      const model = await extractDocx(bytes);
      expect(
        tables(model).filter((t) => t.rows.some((r) => r.some((c) => c.text === "申请人情况"))),
      ).toHaveLength(1);
      await exact(bytes);
    });
  }

  it("writes out the label numbers Word draws for numbered paragraphs (w:numPr)", async () => {
    const numbering = numberingPart('<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>');
    const bytes = rewriteDocx(source, numberTable3Labels, { "word/numbering.xml": numbering });
    const t3 = tables(await extractDocx(bytes)).find((t) =>
      t.rows.some((r) => r.some((c) => c.text === "申请人情况")),
    )!;
    const labels = t3.rows
      .flat()
      .filter((c) => c.origin)
      .map((c) => c.text);
    expect(labels).toContain("三、本年度办理结果");
    expect(labels).toContain("(三)不予公开");
    expect(labels).toContain("8. 属于行政查询事项");
    expect(labels).toContain("(七)总计");
    // without the numbers, labels such as 总计 and 其他处理 are ambiguous: mammoth alone loses them
    const raw = await mammoth.convertToHtml({ buffer: bytes });
    expect(raw.value).not.toContain("（七）总计");
    await exact(bytes);
  });

  it("reads Table 4 nested in a frame table's cell", async () => {
    const bytes = rewriteDocx(source, (xml) => {
      const [s, e] = tableHolding(xml, "行政复议");
      return `${xml.slice(0, s)}<w:tbl><w:tr><w:tc><w:p><w:r><w:t>表四</w:t></w:r></w:p>${xml.slice(s, e)}<w:p/></w:tc></w:tr></w:tbl>${xml.slice(e)}`;
    });
    await exact(bytes);
  });
});

describe("DOCX made by export-to-Word tools (w:altChunk)", () => {
  const html = readFileSync(join(projectRoot, "corpus", "jiangning-2022.html"));
  const gold = join(projectRoot, "corpus", "jiangning-2022.html.gold.json");
  const withChunk = (name: string, data: Buffer) => {
    const entries = minimalDocx(
      `<w:p><w:r><w:t>附件</w:t></w:r></w:p><w:altChunk r:id="chunk1"/><w:sectPr/>`,
    );
    entries.push({
      name: "word/_rels/document.xml.rels",
      data: Buffer.from(
        `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="chunk1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/aFChunk" Target="/word/${name}"/></Relationships>`,
      ),
    });
    entries.push({ name: `word/${name}`, data });
    return buildZip(entries);
  };
  /** Quoted-printable, as MHT files carry their HTML. */
  const qp = (bytes: Buffer) => {
    let out = "";
    let line = 0;
    for (const b of bytes) {
      const c =
        b === 0x0a
          ? "\r\n"
          : b >= 0x7f || b === 0x3d || b < 0x20
            ? `=${b.toString(16).toUpperCase().padStart(2, "0")}`
            : String.fromCharCode(b);
      if (line + c.length > 75 && c !== "\r\n") {
        out += "=\r\n";
        line = 0;
      }
      out += c;
      line = c === "\r\n" ? 0 : line + c.length;
    }
    return out;
  };
  it("reads an HTML chunk: every gold cell exact", async () => {
    const s = await scoreBytes(withChunk("afchunk.htm", html), gold);
    expect(s.details.filter((d) => d.outcome !== "exact")).toEqual([]);
  });
  it("reads an MHT chunk (quoted-printable, as html-docx-js writes it): every gold cell exact", async () => {
    const mht = `MIME-Version: 1.0\r\nContent-Type: multipart/related; type="text/html"; boundary="----=mhtDocumentPart"\r\n\r\n------=mhtDocumentPart\r\nContent-Type: text/html; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Location: file:///C:/fake/document.html\r\n\r\n${qp(html)}\r\n------=mhtDocumentPart--\r\n`;
    const s = await scoreBytes(withChunk("afchunk.mht", Buffer.from(mht, "latin1")), gold);
    expect(s.details.filter((d) => d.outcome !== "exact")).toEqual([]);
  });
});

describe("DOCX cell text and grid", () => {
  const docx = (body: string) => buildZip(minimalDocx(body));
  const run = (t: string) => `<w:r><w:t xml:space="preserve">${t}</w:t></w:r>`;
  it("joins runs without spaces and keeps line breaks inside cells", async () => {
    const m = await extractDocx(
      docx(
        `<w:tbl><w:tr><w:tc><w:p>${run("本年新")}<w:r><w:br/><w:t>制作</w:t></w:r>${run("数量")}</w:p></w:tc><w:tc><w:p>${run("1")}<w:proofErr w:type="spellStart"/>${run("2")}</w:p><w:p>${run("件")}</w:p></w:tc></w:tr></w:tbl>`,
      ),
    );
    expect(tables(m)[0].rows[0].map((c) => c.text)).toEqual(["本年新\n制作数量", "12\n件"]);
  });
  it("keeps cells in their grid columns after w:gridBefore, with vertical merges", async () => {
    const tc = (t: string, pr = "") => `<w:tc><w:tcPr>${pr}</w:tcPr><w:p>${run(t)}</w:p></w:tc>`;
    const m = await extractDocx(
      docx(
        `<w:tbl><w:tblGrid><w:gridCol/><w:gridCol/><w:gridCol/></w:tblGrid><w:tr>${tc("A")}${tc("B", '<w:vMerge w:val="restart"/>')}${tc("C")}</w:tr><w:tr><w:trPr><w:gridBefore w:val="1"/></w:trPr>${tc("", "<w:vMerge/>")}${tc("D")}</w:tr></w:tbl>`,
      ),
    );
    const [t] = tables(m);
    expect(t.rows.map((r) => r.map((c) => c.text))).toEqual([
      ["A", "B", "C"],
      ["", "B", "D"],
    ]);
    expect(t.rows[1][1]).toMatchObject({ origin: false, originRow: 0, originCol: 1 });
    expect(t.rows[0][0].rowspan).toBe(1);
  });
  it("drops hidden runs and formatting but keeps merges written either way", async () => {
    const hidden = `<w:r><w:rPr><w:b/><w:vanish/></w:rPr><w:t>隐藏</w:t></w:r>`;
    const shown = `<w:r><w:rPr><w:vanish w:val="0"/><w:sz w:val="21"/></w:rPr><w:t>公开</w:t></w:r>`;
    const tcPr = (merge: string) =>
      `<w:tcPr><w:tcW w:w="1200" w:type="dxa"/>${merge}<w:tcBorders><w:top w:val="single"/></w:tcBorders><w:tcPrChange w:id="1"><w:tcPr><w:gridSpan w:val="3"/></w:tcPr></w:tcPrChange></w:tcPr>`;
    const m = await extractDocx(
      docx(
        `<w:tbl><w:tblPr><w:tblW w:w="0"/></w:tblPr><w:tblGrid><w:gridCol/><w:gridCol/></w:tblGrid><w:tr w:rsidR="00AB"><w:tc>${tcPr('<w:vMerge w:val="restart"></w:vMerge>')}<w:p><w:pPr><w:jc w:val="center"/><w:rPr><w:b/></w:rPr></w:pPr>${hidden}${shown}</w:p></w:tc><w:tc>${tcPr("")}<w:p>${run("1")}</w:p></w:tc></w:tr><w:tr><w:tc>${tcPr("<w:vMerge/>")}<w:p/></w:tc><w:tc><w:p>${run("2")}</w:p></w:tc></w:tr></w:tbl><w:sectPr><w:pgSz w:w="11906"/></w:sectPr>`,
      ),
    );
    const [t] = tables(m);
    expect(t.rows.map((r) => r.map((c) => c.text))).toEqual([
      ["公开", "1"],
      ["公开", "2"],
    ]);
    expect(t.rows[1][0].origin).toBe(false);
  });
  it("numbers paragraphs like Word: levels restart, overrides, styles, bullets left out", async () => {
    const p = (numPr: string, t: string, style = "") =>
      `<w:p><w:pPr>${style ? `<w:pStyle w:val="${style}"/>` : ""}${numPr ? `<w:numPr>${numPr}</w:numPr>` : ""}</w:pPr>${run(t)}</w:p>`;
    const np = (ilvl: number, id: number) => `<w:ilvl w:val="${ilvl}"/><w:numId w:val="${id}"/>`;
    const body = [
      p(np(0, 1), "总体情况"),
      p(np(1, 1), "主动公开"),
      p(np(1, 1), "依申请公开"),
      p(np(0, 1), "主动公开政府信息情况"),
      p(np(1, 1), "规章"),
      p(np(2, 1), "属于国家秘密"),
      p(np(0, 2), "第十一项"),
      p(np(0, 3), "圆点"),
      p("", "标题", "Heading1"),
      p("", "标题", "Heading1"),
      p(np(0, 0), "不编号", "Heading1"),
    ].join("");
    const numbering = `<?xml version="1.0"?><w:numbering ${W_NS}><w:abstractNum w:abstractNumId="0">${REPORT_LEVELS}</w:abstractNum><w:abstractNum w:abstractNumId="1"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="•"/></w:lvl></w:abstractNum><w:abstractNum w:abstractNumId="2"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimalEnclosedCircle"/><w:suff w:val="nothing"/><w:lvlText w:val="%1"/><w:pStyle w:val="Heading1"/></w:lvl></w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num><w:num w:numId="2"><w:abstractNumId w:val="0"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="11"/></w:lvlOverride></w:num><w:num w:numId="3"><w:abstractNumId w:val="1"/></w:num><w:num w:numId="4"><w:abstractNumId w:val="2"/></w:num></w:numbering>`;
    const styles = `<?xml version="1.0"?><w:styles ${W_NS}><w:style w:type="paragraph" w:styleId="Heading1"><w:pPr><w:numPr><w:numId w:val="4"/></w:numPr></w:pPr></w:style></w:styles>`;
    const entries = minimalDocx(body);
    entries.push({ name: "word/numbering.xml", data: Buffer.from(numbering) });
    entries.push({ name: "word/styles.xml", data: Buffer.from(styles) });
    const m = await extractDocx(buildZip(entries));
    expect(m.blocks.map((b) => (b.kind === "text" ? b.text : ""))).toEqual([
      "一、总体情况",
      "(一)主动公开",
      "(二)依申请公开",
      "二、主动公开政府信息情况",
      "(一)规章",
      "1. 属于国家秘密",
      "十一、第十一项",
      "圆点",
      "1标题", // ① ② after NFKC
      "2标题",
      "不编号",
    ]);
  });
  it("keeps w:cr carriage returns as line breaks inside cells", async () => {
    const m = await extractDocx(
      docx(
        `<w:tbl><w:tr><w:tc><w:p><w:r><w:t>商业</w:t><w:cr/><w:t>企业</w:t></w:r></w:p></w:tc></w:tr></w:tbl>`,
      ),
    );
    expect(tables(m)[0].rows[0][0].text).toBe("商业\n企业");
  });
  it("leaves documents without text boxes or row offsets as they are", () => {
    const xml = `<w:body><w:p><w:r><w:drawing><wp:inline/></w:drawing></w:r></w:p><w:tbl><w:tr><w:trPr/><w:tc/></w:tr></w:tbl></w:body>`;
    expect(prepareDocumentXml(xml)).toBe(xml);
  });
});

describe("bad zips are refused with a clear error, fast", () => {
  const good = readFileSync(join(docxDir, "jiangning-2022-word.docx"));
  const [types, rels, doc] = minimalDocx(`<w:p><w:r><w:t>政府信息公开工作年度报告</w:t></w:r></w:p>`);
  const cases: [string, () => Buffer, string][] = [
    [
      "a zip bomb (an entry holding 300 MiB of zeros)",
      () => buildZip([types, rels, doc, { name: "word/media/zeros.bin", raw: deflatedZeros(300) }]),
      "zip_bomb",
    ],
    [
      "a bomb that lies about its size (300 MiB declared as 4 KiB)",
      () =>
        buildZip([types, rels, { name: "word/document.xml", raw: deflatedZeros(300), declaredSize: 4096 }]),
      "zip_bomb",
    ],
    [
      "an archive of 6000 entries",
      () =>
        buildZip([
          types,
          rels,
          doc,
          ...Array.from({ length: 6000 }, (_, i) => ({ name: `word/x${i}.xml`, data: Buffer.from("x") })),
        ]),
      "zip_bomb",
    ],
    [
      "overlapping entries (many names for one compressed body)",
      () =>
        buildZip([
          types,
          rels,
          doc,
          { name: "word/media/big.bin", data: Buffer.from("0".repeat(100_000)) },
          ...Array.from({ length: 90 }, (_, i) => ({
            name: `word/media/copy${i}.bin`,
            data: Buffer.from("0".repeat(100_000)),
            reuseOffsetOf: "word/media/big.bin",
          })),
        ]),
      "zip_bomb",
    ],
    ["a truncated DOCX", () => good.subarray(0, Math.floor(good.length / 2)), "corrupt_docx"],
    [
      "a DOCX whose document part is damaged",
      () => {
        const b = Buffer.from(good);
        const { zip, main } = openDocx(good);
        const e = zip.entries.get(main)!;
        for (let i = 0; i < 64; i++) b[e.dataOffset + 100 + i] ^= 0x5a;
        return b;
      },
      "corrupt_docx",
    ],
    [
      "a renamed non-Word zip",
      () => buildZip([{ name: "data/report.csv", data: Buffer.from("a,b\n1,2\n") }, { name: "readme.txt" }]),
      "not_word_zip",
    ],
    [
      "a zip with a word/ folder but no Word package",
      () => buildZip([{ name: "word/notes.txt", data: Buffer.from("政府信息公开") }]),
      "not_word_zip",
    ],
    [
      "a spreadsheet renamed .docx",
      () =>
        buildZip([
          {
            name: "[Content_Types].xml",
            data: Buffer.from(
              '<Types><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>',
            ),
          },
          { name: "word/document.xml", data: Buffer.from("<x/>") },
        ]),
      "not_word_zip",
    ],
  ];
  for (const [what, make, code] of cases) {
    it(`${what}: ${code} within a second`, async () => {
      const bytes = make();
      const { error, ms } = await failure(bytes);
      expect(error.code).toBe(code);
      expect(error.message.length).toBeGreaterThan(20);
      expect(ms).toBeLessThan(1000);
    });
  }

  it("a batch import records each failure and goes on", async () => {
    const dir = tempDir("zfxxgk-docx-batch-");
    const files = [
      ["a-bomb.docx", cases[0][1]()],
      ["b-truncated.docx", cases[4][1]()],
      ["c-not-word.docx", cases[6][1]()],
      ["d-report.docx", good],
    ].map(([name, bytes]) => {
      const p = join(dir, name as string);
      writeFileSync(p, bytes as Buffer);
      return p;
    });
    const store = new Store(join(dir, "db.sqlite"));
    try {
      const summary = await importFiles(store, files);
      expect(summary).toMatchObject({ files: 4, failed: 3, new: 1 });
      const rows = store.db
        .prepare("SELECT origin, form, status, error_code FROM documents ORDER BY origin")
        .all() as { origin: string; form: string; status: string; error_code: string | null }[];
      expect(rows.map((r) => [r.origin.split("/").pop(), r.form, r.status, r.error_code])).toEqual([
        ["a-bomb.docx", "docx", "failed", "zip_bomb"],
        ["b-truncated.docx", "docx", "failed", "corrupt_docx"],
        ["c-not-word.docx", "zip", "failed", "not_word_zip"],
        ["d-report.docx", "docx", "imported", null],
      ]);
      expect(store.db.prepare("SELECT count(*) AS n FROM cells").get()).toEqual({ n: 200 });
    } finally {
      store.close();
    }
  });
});

// soffice on the PATH is not enough: LibreOffice must actually convert (its Writer component present).
const soffice = findSoffice() && libreOfficeConverts();
if (!soffice) {
  console.warn(
    "LibreOffice cannot convert here (soffice missing from the PATH, or without Writer): the .doc/.odt conversion tests are skipped " +
      "(apt-get install -y --no-install-recommends libreoffice-writer-nogui)",
  );
}

describe("legacy word-processor files (.doc, .wps, .rtf, .odt)", () => {
  const doc = readFileSync(join(legacyDir, "jiangning-2019-word97.doc"));
  const odt = readFileSync(join(legacyDir, "jiangning-2022-writer.odt"));
  it("detects OLE2, RTF and ODT as the legacy form", () => {
    expect(detectForm(doc)).toBe("doc");
    expect(detectForm(odt)).toBe("doc");
    expect(detectForm(Buffer.from("{\\rtf1\\ansi 政府信息公开}"))).toBe("doc");
    expect(detectForm(readFileSync(join(docxDir, "jiangning-2022-word.docx")))).toBe("docx");
  });
  it("says LibreOffice is needed, and how to install it, when soffice is not on the PATH", async () => {
    const path = process.env.PATH;
    process.env.PATH = "";
    try {
      const { error } = await failure(doc);
      expect(error.code).toBe("needs_libreoffice");
      expect(error.message).toContain("apt-get install -y --no-install-recommends libreoffice-writer-nogui");
    } finally {
      process.env.PATH = path;
    }
  });
  it("refuses an ODT zip bomb before LibreOffice sees it", async () => {
    const bomb = buildZip([
      { name: "mimetype", data: Buffer.from("application/vnd.oasis.opendocument.text"), store: true },
      { name: "content.xml", raw: deflatedZeros(300) },
    ]);
    expect(detectForm(bomb)).toBe("doc");
    const { error, ms } = await failure(bomb);
    expect(error.code).toBe("zip_bomb");
    expect(ms).toBeLessThan(1000);
  });

  describe.skipIf(!soffice)("converted by LibreOffice", () => {
    for (const name of ["jiangning-2019-word97.doc", "jiangning-2022-writer.odt"]) {
      it(`${name}: every gold cell exact`, { timeout: 180_000 }, async () => {
        const s = await scoreDocument(join(legacyDir, name), join(legacyDir, `${name}.gold.json`));
        expect(s.details.filter((d) => d.outcome !== "exact")).toEqual([]);
        expect(s.metaWrong).toEqual([]);
      });
    }
    it("records the legacy form", { timeout: 180_000 }, async () => {
      expect((await extract(doc)).model.form).toBe("doc");
    });
    it("stops LibreOffice at the time limit with a clear error", { timeout: 60_000 }, async () => {
      await expect(extractLegacy(odt, { timeoutMs: 1 })).rejects.toMatchObject({
        code: "conversion_timeout",
      });
    });
  });
});

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { extractHtml, htmlInScriptStrings, parseDocument } from "../../src/extractors/html.js";
import { processDocument } from "../../src/import/pipeline.js";
import type { TableBlock } from "../../src/model/document.js";
import { projectRoot } from "../helpers.js";

const tables = (html: string) => extractHtml(html).blocks.filter((b): b is TableBlock => b.kind === "table");

describe("HTML extractor", () => {
  it("expands colspan and rowspan into a grid and marks printed cells (text after NFKC)", () => {
    const [t] = tables(`<table>
      <tr><td rowspan="2">三、本年度办理结果</td><td colspan="2">（一）予以公开</td><td>5</td></tr>
      <tr><td>（三）不予公开</td><td>1.属于国家秘密</td><td>&nbsp;</td></tr></table>`);
    expect(t.rows[0].map((c) => c.text)).toEqual(["三、本年度办理结果", "(一)予以公开", "(一)予以公开", "5"]);
    expect(t.rows[1].map((c) => c.text)).toEqual([
      "三、本年度办理结果",
      "(三)不予公开",
      "1.属于国家秘密",
      "",
    ]);
    expect(t.rows[1][0].origin).toBe(false);
    expect(t.rows[0][2].origin).toBe(false);
    expect(t.rows[1][3]).toMatchObject({ origin: true, text: "" });
  });
  it("keeps line breaks inside cells and drops page chrome", () => {
    const doc = extractHtml(`<html><body><nav>首页 | 政务公开</nav><div id="zoom"><p>正文</p>
      <table><tr><td><p>本年新<br/>制作数量</p></td></tr></table></div><footer>版权所有</footer></body></html>`);
    const t = doc.blocks.find((b): b is TableBlock => b.kind === "table")!;
    expect(t.rows[0][0].text).toBe("本年新\n制作数量");
    const text = doc.blocks.filter((b) => b.kind === "text").map((b) => (b.kind === "text" ? b.text : ""));
    expect(text).toEqual(["正文"]);
  });
  it("reads nested layout tables as flow and inner tables as grids", () => {
    const ts = tables(
      `<table><tr><td><p>标题</p><table><tr><td>规章</td><td>1</td></tr></table></td></tr></table>`,
    );
    expect(ts).toHaveLength(1);
    expect(ts[0].rows[0].map((c) => c.text)).toEqual(["规章", "1"]);
  });
  it("reads a data table after a layout table as a grid, and a layout table after data tables as flow", () => {
    const layout = `<table><tr><td><p>标题</p><table><tr><td>规章</td><td>1</td></tr></table></td></tr></table>`;
    const data = `<table><tr><td>行政许可</td><td>2</td></tr></table>`;
    for (const page of [layout + data, data + layout]) {
      const ts = tables(page);
      expect(ts).toHaveLength(2);
      expect(ts.map((t) => t.rows[0].map((c) => c.text))).toEqual(
        page.startsWith(data)
          ? [
              ["行政许可", "2"],
              ["规章", "1"],
            ]
          : [
              ["规章", "1"],
              ["行政许可", "2"],
            ],
      );
    }
  });
  it("finds an article embedded in a JavaScript string", () => {
    const page = `<html><body><div id="c"></div><script>var content = "<p>二、主动公开政府信息情况<\\/p><table border=\\"1\\"><tr><td colspan=\\"2\\">第二十条第（一）项<\\/td><\\/tr><tr><td>规章<\\/td><td>7<\\/td><\\/tr><\\/table>${" ".repeat(200)}";</script></body></html>`;
    expect(htmlInScriptStrings(page)).toHaveLength(1);
    const [t] = tables(page);
    expect(t.rows[1].map((c) => c.text)).toEqual(["规章", "7"]);
  });
  it("reads pipe-text tables pasted into paragraphs like a text dump", () => {
    const lines = [
      "二、主动公开政府信息情况",
      "|",
      "第二十条第(一)项 | |||",
      "|",
      "信息内容 |",
      "本年制发件数 |",
      "本年废止件数 |",
      "现行有效件数 |",
    ];
    lines.push("|", "规章 |", "0 |", "0 |", "0 |", "|", "行政规范性文件 |", "5 |", "12 |", "8 |");
    const doc = extractHtml(`<html><body>${lines.map((l) => `<p>${l}</p>`).join("")}</body></html>`);
    const rows = doc.blocks.flatMap((b) =>
      b.kind === "table" ? b.rows.map((r) => r.map((c) => c.text)) : [],
    );
    expect(rows).toContainEqual(["行政规范性文件", "5", "12", "8"]);
    expect(doc.form).toBe("html");
  });
});

describe("empty paragraphs of a paragraph-per-cell page", () => {
  const original = readFileSync(join(projectRoot, "corpus", "nongye-2021-nbsp.html"), "utf8");
  const cells = async (html: string) =>
    (await processDocument(new Uint8Array(Buffer.from(html, "utf8")))).report.cells.map(
      (c) => `${c.key}=${c.status}:${c.raw}`,
    );

  it("are blank cells like the &nbsp; paragraphs, and the rows stay aligned", async () => {
    const expected = await cells(original);
    expect(expected.filter((c) => c.includes("=blank:")).length).toBeGreaterThan(20);
    const empty = original.replaceAll("<p>&nbsp;</p>", "<p></p>");
    const word = original.replaceAll(
      "<p>&nbsp;</p>",
      '<p class="MsoNormal"><span lang="EN-US"><o:p></o:p></span></p>',
    );
    expect(empty).not.toContain("&nbsp;");
    expect(await cells(empty)).toEqual(expected);
    expect(await cells(word)).toEqual(expected);
  });

  it("are spacing elsewhere: between prose paragraphs and between two labels", () => {
    const blocks = extractHtml(
      "<p>一、总体情况</p><p></p><p>本年度共收到申请12件。</p><p></p><p>二、主动公开政府信息情况</p><p>规章</p><p>3</p><p>4</p><p>5</p>",
    ).blocks;
    expect(blocks.filter((b) => b.kind === "text" && b.explicitBlank)).toEqual([]);
    const cellsOnly = extractHtml(
      "<p>规章</p><p></p><p>4</p><p>5</p><p>行政许可</p><p>7</p><p></p><p>9</p>",
    ).blocks;
    expect(cellsOnly.map((b) => (b.kind === "text" ? (b.explicitBlank ? "∅" : b.text) : "table"))).toEqual([
      "规章",
      "∅",
      "4",
      "5",
      "行政许可",
      "7",
      "∅",
      "9",
    ]);
  });
});

describe("HTML parsing keeps only the span attributes", () => {
  const cells = (html: string) => {
    const { doc } = parseDocument(html);
    const out: { name: string; attribs: Record<string, string> }[] = [];
    const stack = [...doc.children];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (n.type === "tag" && "attribs" in n) {
        const el = n as unknown as { name: string; attribs: Record<string, string>; children: typeof stack };
        if (el.name === "td") out.push({ name: el.name, attribs: el.attribs });
        stack.push(...el.children);
      } else if ("children" in n) stack.push(...(n as { children: typeof stack }).children);
    }
    return out;
  };

  it("drops styles and classes, keeps colspan and rowspan as printed (first one, entities decoded)", () => {
    const found = cells(
      '<table><tr><td style="width:80px" class="x" colspan="&#50;" COLSPAN="3" rowspan=2>a</td></tr></table>',
    );
    expect(found).toEqual([{ name: "td", attribs: { colspan: "2", rowspan: "2" } }]);
  });

  it("reads spans into the grid whatever other attributes the cell carries", () => {
    const model = extractHtml(
      '<table><tr><td style="a" rowspan="2">规章</td><td data-x="1" colspan="2">3</td></tr><tr><td>4</td><td>5</td></tr></table>',
    );
    const t = model.blocks.find((b) => b.kind === "table") as TableBlock;
    expect(t.rows.map((r) => r.map((c) => c.text))).toEqual([
      ["规章", "3", "3"],
      ["规章", "4", "5"],
    ]);
  });
});

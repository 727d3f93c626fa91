import { readFileSync } from "node:fs";
import { join } from "node:path";
import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { decodeBytes } from "../../src/extractors/charset.js";
import { extract } from "../../src/extractors/index.js";
import { processDocument } from "../../src/import/pipeline.js";
import { projectRoot } from "../helpers.js";

const body = "<p>二、主动公开政府信息情况</p><table><tr><td>规章</td><td>3</td></tr></table>";

describe("charset detection", () => {
  it("finds a GBK meta declaration beyond the first 1024 bytes", () => {
    const html = `<html><head><style>${"p{margin:0}\n".repeat(120)}</style><meta http-equiv="Content-Type" content="text/html; charset=gbk"></head><body>${body}</body></html>`;
    const bytes = iconv.encode(html, "gbk");
    const d = decodeBytes(bytes);
    expect(d).toMatchObject({ charset: "gb18030", via: "declared" });
    expect(d.text).toContain("主动公开政府信息情况");
  });
  it("detects GB18030 without any declaration", () => {
    const d = decodeBytes(iconv.encode(`<html><body>${body}</body></html>`, "gb18030"));
    expect(d).toMatchObject({ charset: "gb18030", via: "detected" });
    expect(d.text).toContain("规章");
  });
  it("trusts valid UTF-8 over a wrong GB2312 declaration, and honours a BOM", () => {
    const wrong = Buffer.from(`<meta charset="gb2312"><body>${body}</body>`, "utf8");
    expect(decodeBytes(wrong).text).toContain("规章");
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("规章", "utf8")]);
    expect(decodeBytes(bom)).toMatchObject({ text: "规章", via: "bom" });
  });
  it("uses the HTTP header charset when given", () => {
    const d = decodeBytes(iconv.encode("<p>规章</p>", "gbk"), "GBK");
    expect(d).toMatchObject({ text: "<p>规章</p>", via: "declared" });
  });
  it("extracts the same table from UTF-8 and GBK bytes", async () => {
    const a = await extract(Buffer.from(`<html><body>${body}</body></html>`));
    const b = await extract(
      iconv.encode(`<html><head><meta charset="gbk"></head><body>${body}</body></html>`, "gbk"),
    );
    expect(JSON.stringify(a.model.blocks)).toBe(JSON.stringify(b.model.blocks));
  });

  it("tells Big5 from GB18030 when nothing declares the charset", () => {
    const trad =
      "<p>二、主動公開政府資訊情況</p><table><tr><td>規章</td><td>3</td></tr><tr><td>本年新收政府資訊公開申請數量</td><td>45</td></tr></table><p>本機關依據條例辦理，均於法定期限內予以答覆。</p>";
    const big5 = decodeBytes(iconv.encode(`<html><body>${trad}</body></html>`, "big5"));
    expect(big5).toMatchObject({ charset: "big5", via: "detected", damaged: 0 });
    expect(big5.text).toContain("本年新收政府資訊公開申請數量");
    // Traditional characters in GBK and simplified ones in GB18030 stay GB18030.
    expect(decodeBytes(iconv.encode(`<html><body>${trad}</body></html>`, "gbk")).charset).toBe("gb18030");
    expect(decodeBytes(iconv.encode(`<html><body>${body}</body></html>`, "gbk")).charset).toBe("gb18030");
  });
  it("reads an undeclared Big5 report as its UTF-8 original", async () => {
    const html = readFileSync(join(projectRoot, "corpus", "baisha-2021-traditional.html"), "utf8");
    const undeclared = html.replace(/<meta charset="utf-8">/, "");
    expect(undeclared).not.toMatch(/charset/i);
    const big5 = iconv.encode(undeclared, "big5");
    expect(iconv.decode(big5, "big5")).toBe(undeclared); // every character has a Big5 code
    const a = await processDocument(new Uint8Array(Buffer.from(undeclared, "utf8")));
    const b = await processDocument(new Uint8Array(big5));
    const cells = (r: typeof a) => r.report.cells.map((c) => `${c.key}=${c.status}:${c.raw}`);
    expect(cells(b).length).toBeGreaterThan(150);
    expect(cells(b)).toEqual(cells(a));
  });
});

import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { decodeBytes } from "../../src/extractors/charset.js";
import { extract } from "../../src/extractors/index.js";

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
});

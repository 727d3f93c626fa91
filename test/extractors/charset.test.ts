import { readFileSync } from "node:fs";
import { join } from "node:path";
import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { decodeBytes, garbleRatio, utf8Damage, validGb18030 } from "../../src/extractors/charset.js";
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

describe("GB18030 through the runtime's decoder", () => {
  /** Bytes of every sequence in `seqs`, each between two ASCII letters. */
  const joined = (seqs: number[][]): Buffer => Buffer.from(seqs.flatMap((s) => [0x41, ...s, 0x42]));
  const viaIconv = (b: Buffer) => iconv.decode(b, "gb18030");

  it("reads every valid two-byte code as iconv-lite does, but the 18 that GB18030-2022 moved", () => {
    const same: number[][] = [];
    const moved: number[][] = [];
    for (let lead = 0x81; lead <= 0xfe; lead++) {
      for (let trail = 0x40; trail <= 0xfe; trail++) {
        if (trail === 0x7f) continue;
        const b = Buffer.from([lead, trail]);
        if (viaIconv(b).includes("\ufffd")) continue; // an unassigned code: not valid text
        (validGb18030(b) === undefined ? moved : same).push([lead, trail]);
      }
    }
    expect(same.length).toBeGreaterThan(23_000);
    expect(moved.map((s) => Buffer.from(s).toString("hex"))).toEqual([
      "a6d9",
      "a6da",
      "a6db",
      "a6dc",
      "a6dd",
      "a6de",
      "a6df",
      "a6ec",
      "a6ed",
      "a6f3",
      "fe59",
      "fe61",
      "fe66",
      "fe67",
      "fe6d",
      "fe7e",
      "fe90",
      "fea0",
    ]);
    const all = joined(same);
    expect(validGb18030(all)).toBe(viaIconv(all));
  });

  it("reads every valid four-byte code as iconv-lite does", () => {
    for (let b1 = 0x81; b1 <= 0xfe; b1++) {
      const seqs: number[][] = [];
      for (let b2 = 0x30; b2 <= 0x39; b2++)
        for (let b3 = 0x81; b3 <= 0xfe; b3++)
          for (let b4 = 0x30; b4 <= 0x39; b4++) {
            const pointer = ((b1 - 0x81) * 10 + (b2 - 0x30)) * 1260 + (b3 - 0x81) * 10 + (b4 - 0x30);
            if (pointer <= 39419 || (pointer >= 189000 && pointer <= 1237575)) seqs.push([b1, b2, b3, b4]);
          }
      if (seqs.length === 0) continue;
      const bytes = joined(seqs);
      const text = validGb18030(bytes);
      expect(text).toBeDefined();
      expect(text === viaIconv(bytes)).toBe(true);
    }
  });

  it("leaves invalid bytes to iconv-lite, which counts their damage", () => {
    expect(validGb18030(Buffer.from([0x41, 0x81, 0xff, 0x42]))).toBeUndefined();
    const page = iconv.encode(`<meta charset="gbk"><p>主动公开</p>`, "gbk");
    const damaged = Buffer.concat([page, Buffer.from([0x81, 0xff])]);
    expect(decodeBytes(damaged).text).toBe(viaIconv(damaged));
  });
});

describe("UTF-8 damage counted from the bytes", () => {
  /** The counts read off a real decoding: U+FFFD put for damage, and the other non-ASCII code units. */
  const decoded = (b: Uint8Array) => {
    const text = new TextDecoder("utf-8").decode(b);
    let replaced = 0;
    let wide = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0xfffd) replaced++;
      else if (c >= 0x80) wide++;
    }
    const printed = Buffer.from(b).toString("hex").split("efbfbd").length - 1; // U+FFFD spelled in the bytes
    return { errors: replaced - printed, units: wide + printed };
  };

  it("agrees with the decoder on random and damaged bytes", () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const edges = [
      0x41, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbd, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5,
      0xff,
    ];
    for (let t = 0; t < 20_000; t++) {
      const b = new Uint8Array(1 + Math.floor(random() * 10));
      for (let i = 0; i < b.length; i++)
        b[i] = t % 2 ? edges[Math.floor(random() * edges.length)] : Math.floor(random() * 256);
      expect(utf8Damage(b)).toEqual(decoded(b));
    }
    const page = readFileSync(join(projectRoot, "corpus", "jiangning-2019.html"));
    expect(utf8Damage(page)).toEqual(decoded(page));
    const gbk = readFileSync(join(projectRoot, "corpus", "jiangning-2020-gbk.html"));
    expect(utf8Damage(gbk)).toEqual(decoded(gbk));
  });
});

describe("garbleRatio", () => {
  it("counts U+FFFD and the C0 controls but tab and line ends, and nothing else", () => {
    for (let c = 0; c <= 0xffff; c++) {
      const bad = c === 0xfffd || (c < 32 && c !== 9 && c !== 10 && c !== 13);
      const ch = String.fromCharCode(c);
      if (garbleRatio(`ab${ch}d`) !== (bad ? 0.25 : 0))
        expect(garbleRatio(`ab${ch}d`), `U+${c.toString(16)}`).toBe(bad ? 0.25 : 0);
    }
  });
});

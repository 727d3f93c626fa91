// Decompressed-size limits of PDF streams: a compression bomb is refused before pdfjs inflates it,
// and real reports are read without inflating anything for the check.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { DocumentError } from "../../src/extractors/errors.js";
import { extract } from "../../src/extractors/index.js";
import { checkStreamSizes, PDF_STREAM_LIMITS, PdfText } from "../../src/extractors/pdf-streams.js";
import { projectRoot } from "../helpers.js";
import { buildPdf, flateBomb, text } from "./pdf-builder.js";

const MB = 2 ** 20;

/** The DocumentError `run` throws. */
function thrown(run: () => unknown): DocumentError {
  try {
    run();
  } catch (e) {
    if (e instanceof DocumentError) return e;
    throw e;
  }
  throw new Error("no error thrown");
}

describe("PDF stream limits", () => {
  it("a PDF whose content stream inflates past the limit fails as pdf_too_large, before pdfjs reads it", async () => {
    const bomb = buildPdf([{ content: "", flateContent: await flateBomb(PDF_STREAM_LIMITS.perStream + MB) }]);
    expect(bomb.length).toBeLessThan(200_000);
    const t0 = performance.now();
    const err = await extract(bomb).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DocumentError);
    expect((err as DocumentError).code).toBe("pdf_too_large");
    expect((err as DocumentError).message).toMatch(/^PDF has a stream that inflates to more than 96 MB/);
    // Only the limit's worth was inflated: well under what a full inflate and pdfjs's parse would take.
    expect(performance.now() - t0).toBeLessThan(20_000);
  });

  it("streams under the limit one by one but over it together fail too", () => {
    const page = (n: number) => ({ content: "", flateContent: deflateSync(Buffer.alloc(n, 0x20)) });
    const pdf = buildPdf([page(900_000), page(900_000), page(900_000)]);
    const limits = { perStream: 1_000_000, total: 2_000_000 };
    const err = thrown(() => checkStreamSizes(pdf, limits));
    expect(err.code).toBe("pdf_too_large");
    expect(err.message).toMatch(/inflate to more than 2 MB in all/);
    expect(() => checkStreamSizes(pdf, { perStream: 1_000_000, total: 3_000_000 })).not.toThrow();
  });

  it("a stream compressed twice (/Filter [/FlateDecode /FlateDecode]) is counted at its full size", () => {
    const twice = deflateSync(deflateSync(Buffer.alloc(3_000_000, 0x20)));
    const body = Buffer.from(twice).toString("latin1");
    const pdf = Buffer.from(
      `%PDF-1.4\n1 0 obj\n<< /Length ${twice.length} /Filter [/FlateDecode /Fl] >>\nstream\n${body}\nendstream\nendobj\n%%EOF\n`,
      "latin1",
    );
    expect(thrown(() => checkStreamSizes(pdf, { perStream: 2_000_000, total: 10_000_000 })).code).toBe(
      "pdf_too_large",
    );
    expect(checkStreamSizes(pdf, { perStream: 4_000_000, total: 10_000_000 })).toBe(3_000_000);
  });

  it("image streams (never decoded) and damaged Flate data are not counted against the document", () => {
    const image = deflateSync(Buffer.alloc(3_000_000));
    const pdf = Buffer.concat([
      Buffer.from(
        `%PDF-1.4\n1 0 obj\n<< /Type /XObject /Subtype /Image /Width 1000 /Height 3000 /Length ${image.length} /Filter /FlateDecode >>\nstream\n`,
        "latin1",
      ),
      image,
      Buffer.from(
        "\nendstream\nendobj\n2 0 obj\n<< /Length 9 /Filter /FlateDecode >>\nstream\nnot flate\nendstream\nendobj\n%%EOF\n",
        "latin1",
      ),
    ]);
    expect(checkStreamSizes(pdf, { perStream: 1_000, total: 1_000 })).toBe(0);
  });

  it("real reports pass without a stream inflated for the check, and read as before", async () => {
    for (const f of ["jiaoyu-2020-pagebreak.pdf", "qingxi-2021-ruled.pdf", "shuiwu-2023-borderless.pdf"]) {
      expect(checkStreamSizes(readFileSync(join(projectRoot, "corpus", f)))).toBe(0);
    }
    const small = buildPdf([{ content: "", flateContent: deflateSync(Buffer.from(text(72, 700, "Hello"))) }]);
    expect(checkStreamSizes(small, { perStream: 100, total: 100 })).toBe(
      Buffer.byteLength(text(72, 700, "Hello")),
    );
  });
});

describe("PdfText (a PDF's bytes searched as Latin-1 text)", () => {
  it("finds, slices and reads as the String methods do on the decoded file, at its ends too", () => {
    const bytes = Buffer.concat([
      Buffer.from("1 0 obj <</Type/Font>> endobj\n"),
      Buffer.from([0xe9, 0xa0, 0x0a]),
    ]);
    const decoded = bytes.toString("latin1");
    const text = new PdfText(bytes);
    expect(text.length).toBe(decoded.length);
    for (const needle of [" obj", "1", "endobj", "\u00e9", "missing"])
      for (const from of [-5, -1, 0, 1, 2, 9, decoded.length - 1, decoded.length, decoded.length + 3]) {
        expect(text.indexOf(needle, from)).toBe(decoded.indexOf(needle, from));
        expect(text.lastIndexOf(needle, from)).toBe(decoded.lastIndexOf(needle, from));
        expect(text.startsWith(needle, from)).toBe(decoded.startsWith(needle, from));
      }
    expect(text.includes("/Font")).toBe(true);
    expect(text.slice(2, 7)).toBe(decoded.slice(2, 7));
    expect(text.slice(25)).toBe(decoded.slice(25));
    expect(text.charAt(decoded.length - 2)).toBe("\u00a0");
    expect(text.charAt(decoded.length)).toBe("");
    expect(text.charCodeAt(0)).toBe(0x31);
  });
});

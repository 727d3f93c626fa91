// Builds small, valid PDF files byte by byte (objects, xref, trailer) for extractor tests.

export interface PdfPage {
  /** The page's content stream (PDF operators). */
  content: string;
  /** Instead of `content`: the content stream as stored, Flate-compressed. */
  flateContent?: Uint8Array;
  /** Page size in points; A4 portrait by default. */
  width?: number;
  height?: number;
}

/**
 * A PDF with the given pages. Text uses the standard font Helvetica as /F1 (no font program embedded,
 * so only ASCII text is meaningful); pages may paint the 2×2 grey image /Im1.
 */
export function buildPdf(pages: PdfPage[]): Uint8Array {
  const objects: string[] = [];
  const add = (body: string) => {
    objects.push(body);
    return objects.length;
  };
  const catalog = add("");
  const pagesObj = add("");
  const font = add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>");
  const image = add(
    "<< /Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length 4 >>\nstream\n\x40\xc0\xc0\x40\nendstream",
  );
  const kids: number[] = [];
  for (const p of pages) {
    const stored = p.flateContent ? Buffer.from(p.flateContent).toString("latin1") : p.content;
    const filter = p.flateContent ? " /Filter /FlateDecode" : "";
    const content = add(
      `<< /Length ${Buffer.byteLength(stored, "latin1")}${filter} >>\nstream\n${stored}\nendstream`,
    );
    kids.push(
      add(
        `<< /Type /Page /Parent ${pagesObj} 0 R /MediaBox [0 0 ${p.width ?? 595} ${p.height ?? 842}] ` +
          `/Resources << /Font << /F1 ${font} 0 R >> /XObject << /Im1 ${image} 0 R >> >> /Contents ${content} 0 R >>`,
      ),
    );
  }
  objects[catalog - 1] = `<< /Type /Catalog /Pages ${pagesObj} 0 R >>`;
  objects[pagesObj - 1] =
    `<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(" ")}] /Count ${kids.length} >>`;
  let out = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n";
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, "latin1"));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, "latin1");
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, "0")} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root ${catalog} 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new Uint8Array(Buffer.from(out, "latin1"));
}

/** Content stream: a ruled grid (x and y lines in PDF coordinates) stroked with 0.5 pt lines. */
export function gridLines(xs: number[], ys: number[]): string {
  const ops = ["0.5 w 0 0 0 RG"];
  for (const y of ys) ops.push(`${xs[0]} ${y} m ${xs[xs.length - 1]} ${y} l S`);
  for (const x of xs) ops.push(`${x} ${ys[0]} m ${x} ${ys[ys.length - 1]} l S`);
  return ops.join("\n");
}

/** Content stream: one line of text at (x, y), size 10, with optional word spacing. */
export function text(x: number, y: number, s: string, wordSpacing = 0): string {
  return `BT /F1 10 Tf ${wordSpacing} Tw ${x} ${y} Td (${s}) Tj ET`;
}

/** Flate data that inflates to `size` spaces (PDF whitespace): a compression bomb when `size` is large. */
export async function flateBomb(size: number): Promise<Uint8Array> {
  const { createDeflate, constants } = await import("node:zlib");
  const deflate = createDeflate({ level: constants.Z_BEST_COMPRESSION, memLevel: 9 });
  const parts: Buffer[] = [];
  deflate.on("data", (b: Buffer) => parts.push(b));
  const done = new Promise((resolve, reject) => deflate.on("end", resolve).on("error", reject));
  const chunk = Buffer.alloc(Math.min(size, 1 << 20), 0x20);
  for (let left = size; left > 0; left -= chunk.length) {
    const part = left >= chunk.length ? chunk : chunk.subarray(0, left);
    if (!deflate.write(part)) await new Promise((r) => deflate.once("drain", r));
  }
  deflate.end();
  await done;
  return new Uint8Array(Buffer.concat(parts));
}

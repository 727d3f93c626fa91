// Builds zip archives byte by byte for tests: DOCX variants, zip bombs, overlapping and oversized archives.
import { crc32, deflateRawSync, constants as zc } from "node:zlib";

export interface BuildEntry {
  name: string;
  data?: Buffer;
  /** Already-deflated bytes, with the size and CRC of what they inflate to. */
  raw?: { deflated: Buffer; size: number; crc: number };
  /** Stored (method 0) instead of deflated. */
  store?: boolean;
  /** Size written into the headers instead of the true one (a lying archive). */
  declaredSize?: number;
  /** Local-header offset of an earlier entry to point at (an overlapping archive). */
  reuseOffsetOf?: string;
}

/** Writes a zip archive: local headers and data, then the central directory and its end record. */
export function buildZip(entries: BuildEntry[]): Buffer {
  const chunks: Buffer[] = [];
  const central: Buffer[] = [];
  const offsets = new Map<string, number>();
  let offset = 0;
  for (const e of entries) {
    let method = 8;
    let body: Buffer;
    let size: number;
    let crc: number;
    if (e.raw) {
      body = e.raw.deflated;
      size = e.raw.size;
      crc = e.raw.crc;
    } else {
      const data = e.data ?? Buffer.alloc(0);
      size = data.length;
      crc = crc32(data) >>> 0;
      if (e.store) {
        method = 0;
        body = data;
      } else body = deflateRawSync(data);
    }
    const declared = e.declaredSize ?? size;
    const name = Buffer.from(e.name, "utf8");
    let at = offset;
    if (e.reuseOffsetOf !== undefined) at = offsets.get(e.reuseOffsetOf)!;
    else {
      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(20, 4);
      local.writeUInt16LE(0x800, 6);
      local.writeUInt16LE(method, 8);
      local.writeUInt32LE(crc, 14);
      local.writeUInt32LE(body.length, 18);
      local.writeUInt32LE(declared, 22);
      local.writeUInt16LE(name.length, 26);
      chunks.push(local, name, body);
      offsets.set(e.name, offset);
      offset += 30 + name.length + body.length;
    }
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(0x800, 8);
    c.writeUInt16LE(method, 10);
    c.writeUInt32LE(crc, 16);
    c.writeUInt32LE(body.length, 20);
    c.writeUInt32LE(declared, 24);
    c.writeUInt16LE(name.length, 28);
    c.writeUInt32LE(at, 42);
    central.push(c, name);
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Math.min(entries.length, 0xffff), 8);
  end.writeUInt16LE(Math.min(entries.length, 0xffff), 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...chunks, cd, end]);
}

/** `mib` MiB of zeros as one deflate stream, built from a repeated flushed 1 MiB block (fast, ~1 KiB/MiB). */
export function deflatedZeros(mib: number): { deflated: Buffer; size: number; crc: number } {
  const block = Buffer.alloc(2 ** 20);
  const piece = deflateRawSync(block, { level: 9, finishFlush: zc.Z_SYNC_FLUSH });
  const parts: Buffer[] = [];
  let crc = 0;
  for (let i = 0; i < mib; i++) {
    parts.push(piece);
    crc = crc32(block, crc);
  }
  parts.push(deflateRawSync(Buffer.alloc(0)));
  return { deflated: Buffer.concat(parts), size: mib * 2 ** 20, crc: crc >>> 0 };
}

/** Minimal Word package parts around a document.xml body. */
export function minimalDocx(body: string): BuildEntry[] {
  const w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
  return [
    {
      name: "[Content_Types].xml",
      data: Buffer.from(
        `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
      ),
    },
    {
      name: "_rels/.rels",
      data: Buffer.from(
        `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`,
      ),
    },
    {
      name: "word/document.xml",
      data: Buffer.from(
        `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="${w}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" xmlns:v="urn:schemas-microsoft-com:vml"><w:body>${body}</w:body></w:document>`,
      ),
    },
  ];
}

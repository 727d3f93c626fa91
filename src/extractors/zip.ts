// Bounded zip reader for Word (DOCX) and ODT containers: the central directory is checked before anything is inflated.
import { crc32, inflateRawSync } from "node:zlib";
import { DocumentError } from "./errors.js";

export interface ZipLimits {
  /** Most entries an archive may list. */
  maxEntries: number;
  /** Most bytes all entries may inflate to, together. */
  maxTotalBytes: number;
  /** Largest uncompressed/compressed ratio accepted for an entry over `ratioFloorBytes`. */
  maxRatio: number;
  /** Entries smaller than this are never refused for their ratio (tiny XML parts compress very well). */
  ratioFloorBytes: number;
}

/**
 * Word files hold a few dozen parts; a report with many images stays far below these. Deflate cannot exceed
 * about 1032:1, and real XML parts stay under 100:1, so 200:1 on a part of over 1 MiB is a bomb.
 */
export const ZIP_LIMITS: ZipLimits = {
  maxEntries: 5000,
  maxTotalBytes: 200 * 1024 * 1024,
  maxRatio: 200,
  ratioFloorBytes: 1024 * 1024,
};

export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
  /** Where the compressed data starts, from the local header. */
  dataOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** A zip archive whose directory has passed the limits; entries are inflated on demand, within their sizes. */
export class ZipArchive {
  readonly entries = new Map<string, ZipEntry>();

  constructor(
    private readonly bytes: Buffer,
    entries: ZipEntry[],
    private readonly corruptCode: string,
    private readonly what = "zip archive",
  ) {
    for (const e of entries) if (!this.entries.has(e.name)) this.entries.set(e.name, e);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** The inflated bytes of an entry; refuses data that inflates past its declared size or fails its CRC. */
  read(name: string): Buffer {
    const e = this.entries.get(name);
    if (!e) throw new DocumentError(this.corruptCode, `${this.what} has no entry ${name}`);
    const bomb = () =>
      new DocumentError(
        "zip_bomb",
        `${this.what} refused as a possible zip bomb: entry ${name} inflates past its declared ${e.size} bytes`,
      );
    const data = this.bytes.subarray(e.dataOffset, e.dataOffset + e.compressedSize);
    let out: Buffer;
    if (e.method === 0) out = data;
    else {
      try {
        // One byte of headroom tells "inflates past its declared size" from "exactly its size".
        out = inflateRawSync(data, { maxOutputLength: e.size + 1 });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "ERR_BUFFER_TOO_LARGE" || err instanceof RangeError) throw bomb();
        throw new DocumentError(
          this.corruptCode,
          `${this.what} is damaged: entry ${name} (${code ?? String(err)})`,
        );
      }
    }
    if (out.length > e.size) throw bomb();
    if (out.length !== e.size || crc32(out) >>> 0 !== e.crc) {
      throw new DocumentError(
        this.corruptCode,
        `${this.what} is damaged: entry ${name} (size or CRC does not match)`,
      );
    }
    return out;
  }

  text(name: string): string {
    return this.read(name)
      .toString("utf8")
      .replace(/^\uFEFF/, "");
  }
}

/**
 * Opens a zip archive after checking its central directory: entry count, total and per-entry sizes,
 * compression ratios, bounds and overlaps (overlapping entries are how the densest bombs are built).
 * Throws a DocumentError with code `zip_bomb` or `corruptCode`.
 */
export function openZip(
  input: Uint8Array,
  opts: { corruptCode: string; what: string; limits?: ZipLimits },
): ZipArchive {
  const limits = opts.limits ?? ZIP_LIMITS;
  const bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const corrupt = (why: string) => new DocumentError(opts.corruptCode, `${opts.what} is damaged: ${why}`);
  const bomb = (why: string) =>
    new DocumentError("zip_bomb", `${opts.what} refused as a possible zip bomb: ${why}`);

  // End of central directory: the last signature within the final 64 KiB + 22 bytes (its comment).
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--) {
    if (bytes.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw corrupt("no end of central directory (truncated, or not a zip archive)");
  if (bytes.readUInt16LE(eocd + 4) !== 0 || bytes.readUInt16LE(eocd + 6) !== 0) {
    throw corrupt("multi-volume archives are not supported");
  }
  let count = bytes.readUInt16LE(eocd + 10);
  let cdSize = bytes.readUInt32LE(eocd + 12);
  let cdOffset = bytes.readUInt32LE(eocd + 16);
  let cdEnd = eocd;
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || bytes.readUInt32LE(loc) !== ZIP64_LOCATOR) throw corrupt("ZIP64 locator missing");
    const rec = Number(bytes.readBigUInt64LE(loc + 8));
    if (!(rec >= 0 && rec + 56 <= loc) || bytes.readUInt32LE(rec) !== ZIP64_EOCD) {
      throw corrupt("ZIP64 end of central directory missing");
    }
    count = Number(bytes.readBigUInt64LE(rec + 32));
    cdSize = Number(bytes.readBigUInt64LE(rec + 40));
    cdOffset = Number(bytes.readBigUInt64LE(rec + 48));
    cdEnd = rec;
  }
  if (count > limits.maxEntries) throw bomb(`${count} entries, over the limit of ${limits.maxEntries}`);
  if (count === 0) throw corrupt("the archive is empty");
  if (cdOffset + cdSize > cdEnd || cdSize < count * 46) throw corrupt("central directory out of bounds");

  const entries: ZipEntry[] = [];
  let total = 0;
  let p = cdOffset;
  const end = cdOffset + cdSize;
  for (let i = 0; i < count; i++) {
    if (p + 46 > end || bytes.readUInt32LE(p) !== CENTRAL)
      throw corrupt(`central directory entry ${i} is bad`);
    const flags = bytes.readUInt16LE(p + 8);
    const method = bytes.readUInt16LE(p + 10);
    const crc = bytes.readUInt32LE(p + 16);
    let compressedSize = bytes.readUInt32LE(p + 20);
    let size = bytes.readUInt32LE(p + 24);
    const nameLen = bytes.readUInt16LE(p + 28);
    const extraLen = bytes.readUInt16LE(p + 30);
    const commentLen = bytes.readUInt16LE(p + 32);
    let localOffset = bytes.readUInt32LE(p + 42);
    if (p + 46 + nameLen + extraLen + commentLen > end) throw corrupt(`central directory entry ${i} is bad`);
    const nameBytes = bytes.subarray(p + 46, p + 46 + nameLen);
    const name = nameBytes.toString(flags & 0x800 ? "utf8" : "latin1");
    // ZIP64 extra field: the 64-bit values appear in this order, only for fields saturated above.
    if (size === 0xffffffff || compressedSize === 0xffffffff || localOffset === 0xffffffff) {
      let x = p + 46 + nameLen;
      const xEnd = x + extraLen;
      while (x + 4 <= xEnd) {
        const id = bytes.readUInt16LE(x);
        const len = bytes.readUInt16LE(x + 2);
        if (id === 0x0001) {
          let q = x + 4;
          const take = () => {
            if (q + 8 > x + 4 + len) throw corrupt(`ZIP64 field of ${name} is short`);
            const v = Number(bytes.readBigUInt64LE(q));
            q += 8;
            return v;
          };
          if (size === 0xffffffff) size = take();
          if (compressedSize === 0xffffffff) compressedSize = take();
          if (localOffset === 0xffffffff) localOffset = take();
          break;
        }
        x += 4 + len;
      }
    }
    if (flags & 0x1) throw corrupt(`entry ${name} is encrypted`);
    if (method !== 0 && method !== 8) throw corrupt(`entry ${name} uses compression method ${method}`);
    if (method === 0 && compressedSize !== size) throw corrupt(`stored entry ${name} has two sizes`);
    total += size;
    if (total > limits.maxTotalBytes) {
      throw bomb(
        `entries inflate to over ${limits.maxTotalBytes} bytes (limit ${limits.maxTotalBytes / 2 ** 20} MiB)`,
      );
    }
    if (size >= limits.ratioFloorBytes && size > limits.maxRatio * Math.max(1, compressedSize)) {
      throw bomb(
        `entry ${name} inflates ${compressedSize} bytes to ${size} (ratio over ${limits.maxRatio}:1)`,
      );
    }
    entries.push({ name, method, flags, crc, compressedSize, size, localOffset, dataOffset: 0 });
    p += 46 + nameLen + extraLen + commentLen;
  }

  // Local headers: each entry's data must lie before the central directory and before the next entry.
  const byOffset = [...entries].sort((a, b) => a.localOffset - b.localOffset);
  for (let i = 0; i < byOffset.length; i++) {
    const e = byOffset[i];
    if (e.localOffset + 30 > cdOffset || bytes.readUInt32LE(e.localOffset) !== LOCAL) {
      throw corrupt(`local header of ${e.name} is missing`);
    }
    e.dataOffset =
      e.localOffset + 30 + bytes.readUInt16LE(e.localOffset + 26) + bytes.readUInt16LE(e.localOffset + 28);
    const limit = i + 1 < byOffset.length ? byOffset[i + 1].localOffset : cdOffset;
    if (e.dataOffset + e.compressedSize > limit) {
      if (i + 1 < byOffset.length && e.dataOffset + e.compressedSize <= cdOffset) {
        throw bomb(`entries ${e.name} and ${byOffset[i + 1].name} overlap`);
      }
      throw corrupt(`data of ${e.name} runs past the end of the archive (truncated)`);
    }
  }
  return new ZipArchive(bytes, entries, opts.corruptCode, opts.what);
}

// Benchmark: import of DOCX reports (the corpus DOCX repeated as distinct files) into a fresh database; documents/second.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { importOneThreadAndPool } from "./common.js";

const root = resolve(import.meta.dirname, "..");

/** The same zip with another archive comment: new bytes (a new document), identical contents. */
function withComment(zip: Buffer, comment: string): Buffer {
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 65535); i--) {
    if (zip.readUInt32LE(i) !== 0x06054b50) continue;
    const text = Buffer.from(comment, "utf8");
    const end = Buffer.from(zip.subarray(i, i + 22));
    end.writeUInt16LE(text.length, 20);
    return Buffer.concat([zip.subarray(0, i), end, text]);
  }
  throw new Error("not a zip archive");
}

export async function runDocxBench(
  count = 320,
  from = join(root, "corpus", "docx"),
): Promise<{ docsPerSecond: number; docsPerSecondWorkers: number; peakRssMb: number }> {
  const sources = readdirSync(from)
    .filter((f) => f.endsWith(".docx"))
    .map((f) => ({ name: f, bytes: readFileSync(join(from, f)) }));
  if (sources.length === 0) throw new Error(`${from} has no DOCX reports`);
  const dir = join(tmpdir(), `zfxxgk-bench-docx-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const src = sources[i % sources.length];
    const path = join(dir, `${String(i).padStart(5, "0")}-${src.name}`);
    writeFileSync(path, withComment(src.bytes, `copy ${i}`));
    files.push(path);
  }
  try {
    const { one, pool, poolSize } = await importOneThreadAndPool(files, dir);
    const rate = one.summary.files / one.summary.seconds;
    const poolRate = pool.summary.files / pool.summary.seconds;
    console.log(
      `docx: ${count} DOCX reports (${sources.length} distinct, merged-cell tables) imported into a fresh database`,
    );
    console.log(
      `  one thread: ${rate.toFixed(1)} documents/second (${one.summary.seconds.toFixed(2)} s, ${one.summary.failed} failed, peak RSS ${one.peakMb.toFixed(0)} MB)`,
    );
    console.log(
      `  ${poolSize} worker threads (as \`zfxxgk import\`): ${poolRate.toFixed(1)} documents/second (${pool.summary.seconds.toFixed(2)} s, ${pool.summary.failed} failed)`,
    );
    return { docsPerSecond: rate, docsPerSecondWorkers: poolRate, peakRssMb: one.peakMb };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runDocxBench(Number(process.argv[2] ?? 320), process.argv[3]);
}

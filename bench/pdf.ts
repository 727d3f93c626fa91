// Benchmark: the PDF path (processDocument, warm) against `pdftotext -layout` per document, then a batch
// import of ≥500 PDFs (the corpus PDFs repeated as distinct files) in one thread and in the worker pool.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { importBytes } from "../src/import/importer.js";
import { Store } from "../src/store/store.js";
import { importOneThreadAndPool } from "./common.js";

const root = resolve(import.meta.dirname, "..");

export interface PdfBenchResult {
  perDocument: { file: string; pipelineMs: number; pdftotextMs: number | null; ratio: number | null }[];
  /** Total pipeline time over total pdftotext time, all documents. */
  ratio: number | null;
  batch: { documents: number; oneThread: number; workers: number; workerThreads: number };
  peakRssMb: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function hasPdftotext(): boolean {
  return spawnSync("pdftotext", ["-v"], { stdio: "ignore" }).error === undefined;
}

/**
 * The PDFs to time: the project's corpus and its TrueType-font fixture (office-made reports embed
 * TrueType programs), plus the shared real reports when they are present.
 */
function benchPdfs(): string[] {
  const dirs = [join(root, "corpus"), resolve(root, "..", "shared", "corpus", "real")];
  const truetype = join(root, "test", "fixtures", "pdf", "qingxi-2021-truetype.pdf");
  return [
    truetype,
    ...dirs
      .filter((d) => existsSync(d))
      .flatMap((d) =>
        readdirSync(d)
          .filter((f) => f.endsWith(".pdf"))
          .sort()
          .map((f) => join(d, f)),
      ),
  ];
}

let peakRss = 0;
const sampleRss = () => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};

export async function runPdfBench(batchSize = 520, rounds = 10): Promise<PdfBenchResult> {
  const pdfs = benchPdfs();
  if (pdfs.length === 0) throw new Error("no PDF reports to benchmark (corpus/*.pdf)");
  const pdftotext = hasPdftotext();
  console.log(
    `pdf: ${pdfs.length} PDF reports; pipeline = import of one document (extract → reconstruct → validate → store), warm, median of ${rounds}`,
  );
  if (!pdftotext) console.log("  pdftotext not found (apt-get install poppler-utils): no ratio");
  const perDocument: PdfBenchResult["perDocument"] = [];
  const timingDb = join(tmpdir(), `zfxxgk-bench-pdf-${process.pid}.sqlite`);
  rmSync(timingDb, { force: true });
  const store = new Store(timingDb);
  for (const file of pdfs) {
    const original = readFileSync(file);
    // Each round imports new bytes (a comment after %%EOF), so each is a whole import, store included.
    const copies = Array.from({ length: rounds + 2 }, (_, i) =>
      Buffer.concat([original, Buffer.from(`\n% zfxxgk timing copy ${i}\n`)]),
    );
    for (const bytes of copies.slice(0, 2)) await importBytes(store, bytes, file);
    const times: number[] = [];
    for (const bytes of copies.slice(2)) {
      const t0 = performance.now();
      const result = await importBytes(store, bytes, file);
      times.push(performance.now() - t0);
      if (result.outcome === "failed") throw new Error(`${basename(file)}: ${result.error?.message}`);
      sampleRss();
    }
    let pdftotextMs: number | null = null;
    if (pdftotext) {
      const out = join(tmpdir(), `zfxxgk-bench-${process.pid}.txt`);
      const pt: number[] = [];
      for (let i = 0; i < rounds + 1; i++) {
        const t0 = performance.now();
        spawnSync("pdftotext", ["-layout", file, out], { stdio: "ignore" });
        if (i > 0) pt.push(performance.now() - t0);
      }
      rmSync(out, { force: true });
      pdftotextMs = median(pt);
    }
    const pipelineMs = median(times);
    const ratio = pdftotextMs ? pipelineMs / pdftotextMs : null;
    perDocument.push({ file: basename(file), pipelineMs, pdftotextMs, ratio });
    console.log(
      `  ${basename(file).padEnd(30)} pipeline ${pipelineMs.toFixed(1).padStart(6)} ms   pdftotext -layout ${
        pdftotextMs === null ? "   n/a" : pdftotextMs.toFixed(1).padStart(6)
      } ms   ratio ${ratio === null ? "n/a" : `${ratio.toFixed(2)}×`}`,
    );
  }
  store.close();
  rmSync(timingDb, { force: true });
  const sum = (k: "pipelineMs" | "pdftotextMs") => perDocument.reduce((a, d) => a + (d[k] ?? 0), 0);
  const ratio = pdftotext ? sum("pipelineMs") / sum("pdftotextMs") : null;
  if (ratio !== null)
    console.log(`  all documents: ratio ${ratio.toFixed(2)}× (total pipeline / total pdftotext)`);

  // Batch: distinct files (a comment after %%EOF), so the store sees each as a new document.
  const dir = join(tmpdir(), `zfxxgk-bench-pdf-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const sources = pdfs.map((f) => ({ name: basename(f), bytes: readFileSync(f) }));
  for (let i = 0; i < batchSize; i++) {
    const src = sources[i % sources.length];
    const path = join(dir, `${String(i).padStart(5, "0")}-${src.name}`);
    writeFileSync(path, Buffer.concat([src.bytes, Buffer.from(`\n% zfxxgk bench copy ${i}\n`)]));
    files.push(path);
  }
  try {
    const timed = await importOneThreadAndPool(files, dir, sampleRss);
    const [one, pool] = [timed.one.summary, timed.pool.summary];
    sampleRss();
    // maxRSS covers the whole process, worker threads included (kilobytes).
    const peakRssMb = Math.max(peakRss / 2 ** 20, process.resourceUsage().maxRSS / 1024);
    const rate = one.files / one.seconds;
    const poolRate = pool.files / pool.seconds;
    console.log(
      `  batch: ${batchSize} PDFs imported (extract → reconstruct → validate → store) into a fresh database`,
    );
    console.log(
      `    one thread: ${rate.toFixed(1)} documents/second (${one.seconds.toFixed(1)} s, ${one.failed} failed)`,
    );
    console.log(
      `    ${timed.poolSize} worker threads: ${poolRate.toFixed(1)} documents/second (${pool.seconds.toFixed(1)} s, ${pool.failed} failed)`,
    );
    console.log(`  peak RSS ${peakRssMb.toFixed(0)} MB`);
    return {
      perDocument,
      ratio,
      batch: { documents: batchSize, oneThread: rate, workers: poolRate, workerThreads: timed.poolSize },
      peakRssMb,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runPdfBench(Number(process.argv[2] ?? 520), Number(process.argv[3] ?? 10));
}

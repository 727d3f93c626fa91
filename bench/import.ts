// Benchmark: bulk import of HTML and text reports (the corpus repeated under new names) into a fresh
// database, as `zfxxgk import` runs it (with its worker pool, which HTML and text use only when they
// overrun their budget); prints reports/second and memory as the batch grows.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { importFiles } from "../src/import/importer.js";
import { DocumentWorkers } from "../src/import/workers.js";
import { Store } from "../src/store/store.js";

const root = resolve(import.meta.dirname, "..");

export async function runImportBench(
  count = 2400,
  from = join(root, "corpus"),
): Promise<{ reportsPerSecond: number; peakRssMb: number }> {
  const sources = readdirSync(from)
    .filter((f) => /\.(html?|txt|md)$/i.test(f) && !/^readme/i.test(f))
    .map((f) => ({ name: f, bytes: readFileSync(join(from, f)) }));
  if (sources.length === 0) throw new Error("corpus/ has no HTML or text reports");
  const dir = join(tmpdir(), `zfxxgk-bench-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const src = sources[i % sources.length];
    // A unique trailer makes every copy new bytes (a new document to store, not a skipped duplicate).
    const ext = src.name.split(".").pop()!;
    const trailer = ext.startsWith("htm") ? `\n<!-- copy ${i} -->\n` : `\n副本 ${i}\n`;
    const path = join(dir, `${String(i).padStart(5, "0")}-${src.name}`);
    writeFileSync(path, Buffer.concat([src.bytes, Buffer.from(trailer)]));
    files.push(path);
  }
  const db = join(dir, "bench.sqlite");
  const store = new Store(db);
  let peak = process.memoryUsage().rss;
  const samples: string[] = [];
  const workers = new DocumentWorkers();
  const cpu0 = process.cpuUsage();
  const summary = await importFiles(
    store,
    files,
    (_r, done) => {
      // Reading RSS costs a /proc read: every 20th document is sample enough, and keeps it out of the rate.
      if (done % 20 === 0) peak = Math.max(peak, process.memoryUsage.rss());
      if (done % Math.floor(count / 4) === 0)
        samples.push(`${done}: ${(process.memoryUsage.rss() / 2 ** 20).toFixed(0)} MB`);
    },
    { workers },
  );
  await workers.close();
  store.close();
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const rate = summary.files / summary.seconds;
  console.log(
    `import: ${summary.files} HTML/text reports (${sources.length} distinct layouts) in ${summary.seconds.toFixed(2)} s`,
  );
  console.log(
    `  ${rate.toFixed(0)} reports/second wall clock; ${(summary.files / cpuSeconds).toFixed(0)} reports per CPU-second (${cpuSeconds.toFixed(1)} s CPU); ${summary.failed} failed`,
  );
  console.log(`  RSS as the batch grows: ${samples.join(", ")}; peak ${(peak / 2 ** 20).toFixed(0)} MB`);
  rmSync(dir, { recursive: true, force: true });
  return { reportsPerSecond: rate, peakRssMb: peak / 2 ** 20 };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runImportBench(Number(process.argv[2] ?? 2400), process.argv[3]);
}

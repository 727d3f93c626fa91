// Benchmark: whole `zfxxgk` processes as a user runs them (start-up included): --help, show and
// compare on a small database, one text report, one 5-page PDF, 40 report PDFs against
// `pdftotext -layout` on the same files in the same run, and a PDF compression bomb (time and peak
// memory of the whole import). Medians of interleaved runs, with the load.
import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { constants, createDeflate } from "node:zlib";

const root = resolve(import.meta.dirname, "..");
const bin = join(root, "bin", "zfxxgk.js");

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** GNU time, when present, also gives each process's CPU time (user + system, all its threads). */
const gnuTime = spawnSync("/usr/bin/time", ["-f", "%U", "true"], { stdio: "ignore" }).status === 0;
const TIME_MARK = "zfxxgk-bench-cpu";

/** CPU time in ms of the last process timed (NaN without GNU time). */
let lastCpuMs = Number.NaN;

/**
 * Wall time of one process in ms (its CPU time is left in `lastCpuMs`); throws when it fails (a bench
 * of a failing command means nothing).
 */
function timed(cmd: string, args: string[], okCodes = [0]): number {
  const [file, argv] = gnuTime ? ["/usr/bin/time", ["-f", `${TIME_MARK} %U %S`, cmd, ...args]] : [cmd, args];
  const t0 = performance.now();
  const r = spawnSync(file, argv, { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
  const ms = performance.now() - t0;
  if (r.error || !okCodes.includes(r.status ?? -1))
    throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.error ?? r.stderr}`);
  const m = new RegExp(`${TIME_MARK} ([\\d.]+) ([\\d.]+)`).exec(r.stderr ?? "");
  lastCpuMs = m ? (Number(m[1]) + Number(m[2])) * 1000 : Number.NaN;
  return ms;
}

const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");

/** The hzq reports of the shared corpus (5-page office PDFs), or the project's own PDFs without it. */
function reportPdfs(): string[] {
  const shared = resolve(root, "..", "shared", "corpus", "real");
  const pick = (dir: string, re: RegExp) =>
    existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => re.test(f))
          .sort()
          .map((f) => join(dir, f))
      : [];
  const hzq = pick(shared, /^hzq.*\.pdf$/);
  return hzq.length > 0 ? hzq : pick(join(root, "corpus"), /\.pdf$/);
}

export interface StartupBenchResult {
  medianMs: Record<string, number>;
  /** 40 PDFs: import time over `pdftotext -layout` time on the same files, median of the rounds. */
  pdfBatchRatio: number | null;
  /** The import of a 1.5 MB PDF whose content stream inflates to 1.5 GiB. */
  bomb: { ms: number; peakMb: number | null; failedAs: string | null };
}

/** A one-page PDF whose content stream (spaces, so valid operators) inflates to `size` bytes. */
async function bombPdf(size: number): Promise<Buffer> {
  const deflate = createDeflate({ level: constants.Z_BEST_COMPRESSION, memLevel: 9 });
  const parts: Buffer[] = [];
  deflate.on("data", (b: Buffer) => parts.push(b));
  const chunk = Buffer.alloc(1 << 20, 0x20);
  for (let left = size; left > 0; left -= chunk.length)
    if (!deflate.write(left >= chunk.length ? chunk : chunk.subarray(0, left))) await once(deflate, "drain");
  deflate.end();
  await once(deflate, "end");
  const stream = Buffer.concat(parts);
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
  ];
  const chunks: Buffer[] = [Buffer.from("%PDF-1.4\n", "latin1")];
  const offsets: number[] = [];
  let at = chunks[0].length;
  const push = (b: Buffer) => {
    chunks.push(b);
    at += b.length;
  };
  objects.forEach((body, i) => {
    offsets.push(at);
    push(Buffer.from(`${i + 1} 0 obj\n${body}\nendobj\n`, "latin1"));
  });
  offsets.push(at);
  push(Buffer.from(`4 0 obj\n<< /Length ${stream.length} /Filter /FlateDecode >>\nstream\n`, "latin1"));
  push(stream);
  push(Buffer.from("\nendstream\nendobj\n", "latin1"));
  const xref = at;
  push(
    Buffer.from(
      `xref\n0 5\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("")}trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`,
      "latin1",
    ),
  );
  return Buffer.concat(chunks);
}

export async function runStartupBench(runs = 7, batchRounds = 3): Promise<StartupBenchResult> {
  if (!existsSync(join(root, "dist", "cli", "main.js"))) throw new Error("run `npm run build` first");
  const dir = join(tmpdir(), `zfxxgk-startup-bench-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  try {
    const small = join(dir, "small.sqlite");
    timed(process.execPath, [bin, "import", join(root, "corpus"), "--db", small, "-q"]);
    const text = join(root, "corpus", "jiangning-2023.txt");
    const pdfs = reportPdfs();
    const onePdf = pdfs[0];
    let fresh = 0;
    const freshDb = () => join(dir, `fresh-${fresh++}.sqlite`);
    const cases: [string, () => number][] = [
      ["node -e 0", () => timed(process.execPath, ["-e", "0"])],
      ["zfxxgk --help", () => timed(process.execPath, [bin, "--help"])],
      ["zfxxgk show 1", () => timed(process.execPath, [bin, "show", "1", "--db", small])],
      [
        "zfxxgk compare",
        () =>
          timed(process.execPath, [
            bin,
            "compare",
            "--metric",
            "applications.new_received.total",
            "--db",
            small,
          ]),
      ],
      ["import 1 text report", () => timed(process.execPath, [bin, "import", text, "--db", freshDb(), "-q"])],
      [
        `import 1 PDF (${basename(onePdf)})`,
        () => timed(process.execPath, [bin, "import", onePdf, "--db", freshDb(), "-q"]),
      ],
    ];
    const times = new Map<string, number[]>(cases.map(([name]) => [name, []]));
    const cpu = new Map<string, number[]>(cases.map(([name]) => [name, []]));
    // Interleaved: a burst of load from other processes on the machine hits every case alike.
    for (let i = 0; i < runs; i++)
      for (const [name, run] of cases) {
        times.get(name)!.push(run());
        cpu.get(name)!.push(lastCpuMs);
      }
    console.log(
      `start-up: whole processes, median of ${runs} interleaved runs, wall clock (CPU time: user + system, all threads) (load ${load()})`,
    );
    const medianMs: Record<string, number> = {};
    for (const [name, xs] of times) {
      medianMs[name] = median(xs);
      const c = median(cpu.get(name)!);
      console.log(
        `  ${name.padEnd(36)} ${(medianMs[name] / 1000).toFixed(3)} s${Number.isNaN(c) ? "" : ` (CPU ${(c / 1000).toFixed(2)} s)`}`,
      );
    }

    // 40 report PDFs as distinct files (a comment after %%EOF), import against pdftotext, alternating.
    const batch = join(dir, "batch");
    mkdirSync(batch);
    const files: string[] = [];
    for (let i = 0; i < 40; i++) {
      const src = pdfs[i % pdfs.length];
      const path = join(batch, `${String(i).padStart(2, "0")}-${basename(src)}`);
      writeFileSync(path, Buffer.concat([readFileSync(src), Buffer.from(`\n% zfxxgk bench copy ${i}\n`)]));
      files.push(path);
    }
    const hasPdftotext = spawnSync("pdftotext", ["-v"], { stdio: "ignore" }).error === undefined;
    const ratios: number[] = [];
    const importMs: number[] = [];
    const pdftotextMs: number[] = [];
    const importCpu: number[] = [];
    const pdftotextCpu: number[] = [];
    const out = join(dir, "out.txt");
    for (let round = 0; round < batchRounds; round++) {
      if (hasPdftotext) {
        const t0 = performance.now();
        let c = 0;
        for (const f of files) {
          timed("pdftotext", ["-layout", f, out]);
          c += lastCpuMs;
        }
        pdftotextMs.push(performance.now() - t0);
        pdftotextCpu.push(c);
      }
      importMs.push(timed(process.execPath, [bin, "import", batch, "--db", freshDb(), "-q"]));
      importCpu.push(lastCpuMs);
      if (hasPdftotext) ratios.push(importMs[round] / pdftotextMs[round]);
    }
    const pdfBatchRatio = hasPdftotext ? median(ratios) : null;
    console.log(
      `  40 PDFs (${pdfs.map((f) => basename(f)).join(", ")} repeated): import ${(median(importMs) / 1000).toFixed(2)} s, pdftotext -layout ${
        hasPdftotext
          ? `${(median(pdftotextMs) / 1000).toFixed(2)} s, ratio ${pdfBatchRatio!.toFixed(2)}× (median of ${batchRounds} alternating rounds: ${ratios.map((r) => r.toFixed(2)).join(", ")})`
          : "n/a"
      } (load ${load()})`,
    );
    if (hasPdftotext && !importCpu.some(Number.isNaN))
      console.log(
        `    CPU time: import ${(median(importCpu) / 1000).toFixed(2)} s, pdftotext -layout ${(median(pdftotextCpu) / 1000).toFixed(2)} s, ratio ${(median(importCpu) / median(pdftotextCpu)).toFixed(2)}×`,
      );
    // A compression bomb: the whole import, its time and its peak memory (GNU time's maximum RSS).
    const bomb = join(dir, "bomb.pdf");
    writeFileSync(bomb, await bombPdf(1.5 * 2 ** 30));
    const bombDb = freshDb();
    const args = [bin, "import", bomb, "--db", bombDb, "--json"];
    const t0 = performance.now();
    const r = gnuTime
      ? spawnSync("/usr/bin/time", ["-f", `${TIME_MARK} %M`, process.execPath, ...args], { encoding: "utf8" })
      : spawnSync(process.execPath, args, { encoding: "utf8" });
    const bombMs = performance.now() - t0;
    const rss = new RegExp(`${TIME_MARK} (\\d+)`).exec(r.stderr ?? "");
    const peakMb = rss ? Number(rss[1]) / 1024 : null;
    const failedAs = /\[([a-z_]+)\]/.exec(r.stderr ?? "")?.[1] ?? null;
    console.log(
      `  PDF compression bomb (${(statSync(bomb).size / 2 ** 20).toFixed(1)} MB, inflating to 1.5 GiB): import failed as ${failedAs ?? "(not failed)"} in ${(bombMs / 1000).toFixed(2)} s, peak memory ${peakMb === null ? "n/a" : `${peakMb.toFixed(0)} MB`} (load ${load()})`,
    );
    return { medianMs, pdfBatchRatio, bomb: { ms: bombMs, peakMb, failedAs } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runStartupBench(Number(process.argv[2] ?? 7), Number(process.argv[3] ?? 3));
}
